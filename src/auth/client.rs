//! Where a request comes from, for throttling and security events: [`client_addr`].

use crate::AppState;
use actix_web::{HttpRequest, web};
use std::net::{IpAddr, Ipv4Addr};

/// The client's address: today the TCP peer's. The one place to change when requests arrive
/// through a trusted proxy (`X-Forwarded-For` / `Forwarded` from configured proxies only).
///
/// Test hook: when the code that builds the [`AppState`] sets
/// [`AppState::client_addr_header`] (the integration tests do; no configuration or
/// environment variable reaches it, so a running service never does), a valid IP address in
/// that header is taken instead, so that tests can play clients at several addresses.
pub fn client_addr(req: &HttpRequest) -> IpAddr {
    if let Some(state) = req.app_data::<web::Data<AppState>>()
        && let Some(name) = &state.client_addr_header
        && let Some(addr) = req
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return addr;
    }
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

/// The address as throttling counts it: IPv4 as is, IPv6 by its /64 network (one subscriber
/// usually holds a whole /64, so single addresses would be free to rotate).
pub fn throttle_scope(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(throttle_scope(a), throttle_scope(b));
        assert_eq!(throttle_scope(a), "2001:db8:1:2::/64");
        let v4: IpAddr = "10.0.0.7"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(throttle_scope(v4), "10.0.0.7");
    }
}
