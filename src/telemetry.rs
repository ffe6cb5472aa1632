//! Logging: JSON lines in production, pretty text in development. Each request gets a span
//! with its request id, route (the template, never the raw path), redacted target, client
//! address ([`crate::web::client_addr`]), status, `latency_ms` and (once authenticated) the
//! user id; its line is written when the span closes.
//!
//! Bodies and headers are never logged, so passwords, tokens and phone numbers stay out. Query
//! strings are logged with the values of sensitive parameters, and of anything that looks like a
//! phone or ID number, replaced ([`redact`]). A failed request records its problem code, not the
//! error's text, which may quote what the client sent; tracing-actix-web's own event on errors,
//! which prints the error's debug form, is turned off (its default feature). The test suite
//! writes these same lines to files and `make test` searches them for phone numbers
//! (`scripts/check-logs.py`).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the service's subscriber writing to standard error: JSON lines (`json`) or compact
/// text.
pub fn init(json: bool) {
    install(json, std::io::stderr);
}

/// Installs the service's subscriber (level from `RUST_LOG`, else `info`; a line when each
/// request's span closes) writing to `writer`. The tests install it with a file. A second call
/// keeps the first subscriber and answers false.
pub fn install<W>(json: bool, writer: W) -> bool
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(writer);
    // A request's line is the close of its span: `with_current_span` puts the span's fields
    // (route, target, status, request and user id) on it.
    let res = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    res.is_ok()
}

/// Query parameters whose values never reach the logs: calendar-feed secrets (`token`),
/// citizens' phone numbers and names, verification codes and free-text searches (which may hold
/// either).
const SECRET_PARAMS: [&str; 8] = [
    "token",
    "phone",
    "mobile",
    "tel",
    "name",
    "code",
    "q",
    "verification_code",
];

/// The path and query as logged: the values of [`SECRET_PARAMS`] and every value holding seven
/// or more digits in a row once decoded and stripped of spaces, dashes, dots, brackets and `+`
/// (a phone, ID card or account number, whatever the parameter is called) are replaced by
/// `REDACTED`. Names are matched once decoded and in any case (`%74oken=`, `TOKEN=`), and a pair
/// whose `=` is itself encoded (`token%3Ds3cret`) is split where the decoded text splits.
pub fn redact(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let q: Vec<String> = query
        .split('&')
        .map(|kv| {
            let decoded = decode(kv);
            match decoded.split_once('=') {
                Some((k, v))
                    if SECRET_PARAMS
                        .iter()
                        .any(|s| k.trim().eq_ignore_ascii_case(s))
                        || looks_like_a_number(v) =>
                {
                    // The name as sent when the `=` was literal, else the decoded name.
                    let name = kv.split_once('=').map(|(k, _)| k).unwrap_or(k);
                    format!("{name}=REDACTED")
                }
                _ => kv.to_owned(),
            }
        })
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// A query value percent-decoded (`+` as a space); invalid escapes are kept as they are.
fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True when `v` holds seven or more digits in a row, not counting the separators people write
/// inside phone numbers (spaces, dashes, dots, brackets, `+`); dates and instants (`2026-11-28`,
/// RFC 3339) are not numbers.
pub fn looks_like_a_number(v: &str) -> bool {
    if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(v).is_ok()
    {
        return false;
    }
    v.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
        .collect::<String>()
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 7)
}

/// Root span of a request, with a `user_id` field the auth extractor fills in.
pub struct RequestSpan;

/// When the request's span opened (to record its latency when it ends).
#[derive(Clone, Copy)]
struct Started(std::time::Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request
            .extensions_mut()
            .insert(Started(std::time::Instant::now()));
        let route = crate::web::route_pattern(request.request());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|r| r.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route.as_deref().unwrap_or("default"),
            http.target = %redact(request.path(), request.query_string()),
            http.client_ip = %crate::web::client_addr(request.request()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = %request_id,
            user_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        )
    }

    /// Records the status and, for a failed request, the problem code only: the default would
    /// record the error's text and debug form, which can quote a request's body.
    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(res) => (res.status(), res.response().error()),
            Err(e) => (e.as_response_error().status_code(), Some(e)),
        };
        let latency_ms = outcome.as_ref().ok().and_then(|res| {
            let Started(at) = res.request().extensions().get::<Started>().copied()?;
            Some(at.elapsed().as_secs_f64() * 1000.0)
        });
        let code = error.map(|e| {
            e.as_error::<crate::error::ApiError>()
                .map(|api| api.code)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error"))
        });
        let otel = if code.is_some() && status.is_server_error() {
            "ERROR"
        } else {
            "OK"
        };
        // All at once: the JSON formatter parses and rewrites the span's fields on every
        // record, so one record costs a quarter of four.
        let Some(meta) = span.metadata() else {
            return;
        };
        let fields = meta.fields();
        let (Some(f_status), Some(f_latency), Some(f_code), Some(f_otel)) = (
            fields.field("http.status_code"),
            fields.field("latency_ms"),
            fields.field("exception.message"),
            fields.field("otel.status_code"),
        ) else {
            return;
        };
        let status = status.as_u16();
        span.record_all(&fields.value_set(&[
            (&f_status, Some(&status as &dyn tracing::Value)),
            (
                &f_latency,
                latency_ms.as_ref().map(|v| v as &dyn tracing::Value),
            ),
            (&f_code, code.as_ref().map(|v| v as &dyn tracing::Value)),
            (&f_otel, Some(&otel as &dyn tracing::Value)),
        ]));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_tokens_never_reach_the_logs() {
        assert_eq!(super::redact("/a", ""), "/a");
        assert_eq!(
            super::redact("/a.ics", "token=s3cret&x=1"),
            "/a.ics?token=REDACTED&x=1"
        );
        // However the name is encoded or cased, and with an encoded `=`.
        for (q, name) in [
            ("%74oken=s3cret", "%74oken"),
            ("TOKEN=s3cret", "TOKEN"),
            ("%54%4F%4B%45%4E=s3cret", "%54%4F%4B%45%4E"),
            ("token%3Ds3cret", "token"),
            ("%74oken%3ds3cret", "token"),
            ("tok%65n=s3cret", "tok%65n"),
        ] {
            let out = super::redact("/a.ics", q);
            assert_eq!(out, format!("/a.ics?{name}=REDACTED"), "{q}");
            assert!(!out.contains("s3cret"), "{q}");
        }
    }

    #[test]
    fn phone_numbers_in_query_strings_never_reach_the_logs() {
        assert_eq!(
            super::redact("/r", "phone=13800138000&kind=complaint&limit=50"),
            "/r?phone=REDACTED&kind=complaint&limit=50"
        );
        // Under any name, and with a country code or separators.
        assert_eq!(
            super::redact("/r", "to=%2B86%20138%200013%208000&x=12-34&y=138-0013-8000"),
            "/r?to=REDACTED&x=12-34&y=REDACTED"
        );
        assert_eq!(super::redact("/r", "Q=%E5%BC%A0"), "/r?Q=REDACTED");
        assert_eq!(
            super::redact("/r", "from=2026-11-28&to=2026-12-31"),
            "/r?from=2026-11-28&to=2026-12-31"
        );
        assert_eq!(
            super::redact("/r", "at=2026-11-28T09:00:00%2B08:00&cursor=abc"),
            "/r?at=2026-11-28T09:00:00%2B08:00&cursor=abc"
        );
    }
}
