//! Small HTTP helpers shared by handlers and middleware: ETag / If-Match, the matched route.

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use std::rc::Rc;

/// The request's route pattern (`/api/v1/staff/{id}`), `None` when no route matches (the one
/// way to ask, for the request span, the middleware and the parameter checks alike). Matching
/// walks the route table (some 80 patterns, a regular expression each) and most callers run
/// before the router: the first caller matches and keeps the answer in the request's
/// extensions, the others share it (a reference count, no copy).
pub fn route_pattern(req: &HttpRequest) -> Option<Rc<str>> {
    if let Some(MatchedRoute(r)) = req.extensions().get::<MatchedRoute>() {
        return r.clone();
    }
    let r: Option<Rc<str>> = req.match_pattern().map(Rc::from);
    req.extensions_mut().insert(MatchedRoute(r.clone()));
    r
}

/// See [`route_pattern`].
struct MatchedRoute(Option<Rc<str>>);

/// The strong ETag of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version named by `If-Match`, if sent. `*` means "any" (None).
/// A value that is not one of our ETags can never match: 412.
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::precondition_failed())?
        .trim();
    if v == "*" {
        return Ok(None);
    }
    v.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| ApiError::precondition_failed())
}

/// 412 when `expected` is set and differs from `current`.
pub fn check_version(expected: Option<i32>, current: i32) -> Result<(), ApiError> {
    match expected {
        Some(v) if v != current => Err(ApiError::precondition_failed()),
        _ => Ok(()),
    }
}

/// Response header of the reads that a read replica may serve (reports, statistics, exports,
/// calendar feeds): an upper bound, in whole seconds, of how old the data may be; `0` when the
/// primary served it. See [`crate::db::replica`].
pub const STALENESS_HEADER: &str = "x-data-staleness";

/// `resp` stating the staleness of the data it was made from ([`STALENESS_HEADER`]; see
/// [`crate::db::replica::ReadConn::staleness_secs`]).
pub fn with_staleness(mut resp: HttpResponse, staleness_secs: u64) -> HttpResponse {
    resp.headers_mut().insert(
        header::HeaderName::from_static(STALENESS_HEADER),
        header::HeaderValue::from(staleness_secs),
    );
    resp
}

/// 200 with the body and its `ETag`.
pub fn with_etag(body: &impl Serialize, version: i32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// 201 with the body, `ETag` and `Location`.
pub fn created(body: &impl Serialize, version: i32, location: String) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, etag(version)))
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// Reads a request body of at most `limit` bytes; `None` when it is larger (the caller answers
/// 413 with its own code), an error when the connection fails mid-body.
pub async fn read_limited<S, E>(mut payload: S, limit: usize) -> Result<Option<Vec<u8>>, E>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
{
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The reverse proxies whose forwarding headers are believed (`DUTYDESK_TRUSTED_PROXIES`): a list
/// of addresses and CIDR blocks.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(std::net::IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8, 192.168.1.7, ::1, fd00::/8`; an empty text trusts no proxy.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let ip: std::net::IpAddr = addr.parse().map_err(|_| {
                format!("DUTYDESK_TRUSTED_PROXIES: {item:?} is not an address or CIDR block")
            })?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                    format!("DUTYDESK_TRUSTED_PROXIES: {item:?} has an invalid prefix length")
                })?,
            };
            out.push((ip, bits));
        }
        Ok(TrustedProxies(out))
    }

    /// True when `ip` is one of the trusted proxies (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, bits)| in_block(ip, canonical(*net), *bits))
    }
}

fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn in_block(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u8) -> bool {
    use std::net::IpAddr::{V4, V6};
    let (a, b, width) = match (ip, net) {
        (V4(a), V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32u32),
        (V6(a), V6(b)) => (u128::from(a), u128::from(b), 128u32),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    shift >= width || (a >> shift) == (b >> shift)
}

/// One hop of `X-Forwarded-For` (`203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:80`) or of
/// `Forwarded`'s `for=` (the same, possibly quoted); `None` for `unknown`, obfuscated names and
/// anything else that is not an address.
fn hop_addr(hop: &str) -> Option<std::net::IpAddr> {
    let h = hop.trim().trim_matches('"');
    if let Ok(ip) = h.parse() {
        return Some(ip);
    }
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    h.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

/// The hops a request passed through, nearest last: from `Forwarded` (`for=`) when sent, else
/// from `X-Forwarded-For`. An entry that is not an address is kept as `None`.
fn forwarded_hops(req: &HttpRequest) -> Vec<Option<std::net::IpAddr>> {
    let headers = req.headers();
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| hop_addr(v))?
                })
            })
            .collect();
    }
    headers
        .get_all(header::X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(hop_addr)
        .collect()
}

/// The client's address given the trusted proxies: the peer of
/// the connection, unless that peer is a trusted proxy ([`TrustedProxies`]); then the forwarding
/// headers are walked from the nearest hop outwards, and the first address that is not itself a
/// trusted proxy is the client (the rightmost untrusted hop: what a client writes further left
/// is not believed). A hop that is not an address stops the walk at the proxy that wrote it.
/// Headers from an untrusted peer are ignored.
fn addr_behind(req: &HttpRequest, trusted: &TrustedProxies) -> std::net::IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_hops(req).into_iter().rev() {
        let Some(ip) = hop else {
            return client;
        };
        client = ip;
        if !trusted.contains(ip) {
            return ip;
        }
    }
    client
}

/// The client's address, the one function for logs, login throttling and security events
/// across the whole service, with the configured proxies (`DUTYDESK_TRUSTED_PROXIES`,
/// `AppState::proxies`; see [`addr_behind`] for the rule); the peer's address when the
/// application state is not at hand.
pub fn client_addr(req: &HttpRequest) -> std::net::IpAddr {
    match req.app_data::<actix_web::web::Data<crate::AppState>>() {
        Some(state) => addr_behind(req, &state.proxies),
        None => addr_behind(req, &TrustedProxies::default()),
    }
}

/// True when the request reached the service over TLS: `X-Forwarded-Proto: https` (or
/// `Forwarded: proto=https`) set by a trusted proxy.
pub fn came_over_tls(req: &HttpRequest, trusted: &TrustedProxies) -> bool {
    let Some(peer) = req.peer_addr() else {
        return false;
    };
    if !trusted.contains(peer.ip()) {
        return false;
    }
    let h = req.headers();
    let xfp = h
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let fwd = h
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|e| {
            e.split(';').any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("proto")
                        && v.trim().trim_matches('"').eq_ignore_ascii_case("https")
                })
            })
        });
    xfp || fwd
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let t = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // An untrusted peer's headers are ignored.
        let r = req("203.0.113.9:5000", &[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(addr_behind(&r, &t), ip("203.0.113.9"));
        // A trusted proxy: the rightmost untrusted hop; what the client wrote to the left is not
        // believed.
        let r = req(
            "10.1.2.3:5000",
            &[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.9.9.9")],
        );
        assert_eq!(addr_behind(&r, &t), ip("198.51.100.4"));
        let r = req(
            "10.1.2.3:5000",
            &[(
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https",
            )],
        );
        assert_eq!(addr_behind(&r, &t), ip("2001:db8::7"));
        // Garbage stops at the proxy that wrote it.
        let r = req("10.1.2.3:5000", &[("x-forwarded-for", "6.6.6.6, junk")]);
        assert_eq!(addr_behind(&r, &t), ip("10.1.2.3"));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("nonsense").is_err());
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        assert!(!came_over_tls(
            &req("203.0.113.9:1", &[("x-forwarded-proto", "https")]),
            &t
        ));
        assert!(came_over_tls(
            &req("10.0.0.1:1", &[("x-forwarded-proto", "https")]),
            &t
        ));
    }
}
