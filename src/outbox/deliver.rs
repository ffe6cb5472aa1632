//! Sending pending events to the portals, from `dutydesk tick` (never inside a request).
//!
//! Each round claims the due head of every configured portal's queue ([`store::claim`]: one
//! statement, no transaction held open), sends those requests concurrently, then logs each
//! attempt and moves its event on ([`store::record`]). Rounds repeat until nothing is due, or
//! [`MAX_SENDS_PER_TICK`] attempts, or [`TICK_BUDGET`] has passed (the next tick goes on).
//!
//! - A 2xx answer delivers the event. Anything else, a redirect, a refused connection or no
//!   answer within the timeout, is a failed attempt, retried after [`backoff`]: 1, 2, 4, 8, 16,
//!   32, 64 minutes, then every 120 minutes; after [`MAX_ATTEMPTS`] (16) attempts, about 18 hours
//!   after the first, the event is given up (`failed`) and the portal's next event goes.
//! - One portal's events go in creation order: while its oldest pending event waits for a retry
//!   its later ones wait too.
//! - Events of a portal with no endpoint configured stay pending, unattempted, and go once one
//!   is configured (the tick reads the file each time it runs).
//!
//! The times are the tick machine's system clock, like the other timers of the tick.

use super::{OutboxState, sign, store};
use crate::config::WebhookEndpoint;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Attempts before an event is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 16;
/// The longest wait between two attempts, in minutes.
pub const BACKOFF_CAP_MINUTES: i64 = 120;
/// Events claimed per round (at most one per portal).
pub const BATCH: i64 = 32;
/// Attempts one tick makes at most.
pub const MAX_SENDS_PER_TICK: usize = 500;
/// No new round starts after this much time in one tick.
pub const TICK_BUDGET: Duration = Duration::from_secs(40);
/// How long a claimed event is kept from other workers (a tick that dies while sending).
pub const LEASE_MINUTES: i64 = 5;
/// The default request timeout (connecting, sending, the answer's status line and headers).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait after the `attempts_made`-th failed attempt: 2^(n-1) minutes, capped at
/// [`BACKOFF_CAP_MINUTES`].
pub fn backoff(attempts_made: i32) -> chrono::Duration {
    let exp = attempts_made.clamp(1, 32) - 1;
    let minutes = 1i64
        .checked_shl(exp as u32)
        .unwrap_or(i64::MAX)
        .min(BACKOFF_CAP_MINUTES);
    chrono::Duration::minutes(minutes)
}

/// Where the event stands after its `attempt`-th attempt, and when to try next if at all.
pub fn after_attempt(
    attempt: i32,
    delivered: bool,
    at: DateTime<Utc>,
) -> (OutboxState, Option<DateTime<Utc>>) {
    if delivered {
        (OutboxState::Delivered, None)
    } else if attempt >= MAX_ATTEMPTS {
        (OutboxState::Failed, None)
    } else {
        (OutboxState::Pending, Some(at + backoff(attempt)))
    }
}

/// The portals' endpoints and the request timeout, as the tick uses them.
#[derive(Debug, Clone)]
pub struct Webhooks {
    pub endpoints: Vec<WebhookEndpoint>,
    pub timeout: Duration,
}

impl Webhooks {
    /// No endpoints: events wait.
    pub fn none() -> Webhooks {
        Webhooks::new(Vec::new())
    }

    pub fn new(endpoints: Vec<WebhookEndpoint>) -> Webhooks {
        Webhooks {
            endpoints,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The JSON body of every delivery (see docs/webhooks.md).
#[derive(Debug, Serialize)]
pub struct Envelope<'a> {
    /// The event's id: the same on every retry (also `X-Dutydesk-Delivery`).
    pub id: Uuid,
    /// Increases with creation: the order of a portal's events.
    pub sequence: i64,
    pub kind: &'a str,
    pub center_code: &'a str,
    pub entity_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub data: &'a Value,
}

/// The body sent for `e`: the same bytes on every attempt.
pub fn body(e: &store::Claimed) -> Vec<u8> {
    serde_json::to_vec(&Envelope {
        id: e.id,
        sequence: e.seq,
        kind: &e.kind,
        center_code: &e.center_code,
        entity_id: e.entity_id,
        occurred_at: e.created_at,
        data: &e.payload,
    })
    .unwrap_or_default()
}

struct Outcome {
    at: DateTime<Utc>,
    status: Option<u16>,
    error: Option<String>,
    duration_ms: i32,
}

/// Sends the due events; returns how many attempts were made.
pub async fn run(conn: &mut AsyncPgConnection, webhooks: &Webhooks) -> Result<usize, String> {
    if webhooks.endpoints.is_empty() {
        return Ok(0);
    }
    let client = reqwest::Client::builder()
        .timeout(webhooks.timeout)
        .connect_timeout(webhooks.timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("dutydesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {}", chain(&e)))?;
    let by_portal: HashMap<&str, &WebhookEndpoint> = webhooks
        .endpoints
        .iter()
        .map(|e| (e.portal.as_str(), e))
        .collect();
    let portals: Vec<String> = webhooks
        .endpoints
        .iter()
        .map(|e| e.portal.clone())
        .collect();
    let started = Instant::now();
    let mut sent = 0usize;
    while sent < MAX_SENDS_PER_TICK && started.elapsed() < TICK_BUDGET {
        let room = (MAX_SENDS_PER_TICK - sent) as i64;
        let batch = store::claim(
            conn,
            &portals,
            BATCH.min(room),
            Utc::now(),
            chrono::Duration::minutes(LEASE_MINUTES),
        )
        .await
        .map_err(|e| format!("cannot claim webhook events: {e}"))?;
        if batch.is_empty() {
            break;
        }
        let client = &client;
        let sends = batch.iter().filter_map(|e| {
            let endpoint = by_portal.get(e.portal.as_str())?;
            Some(async move { (e, *endpoint, send(client, endpoint, e).await) })
        });
        for (event, endpoint, outcome) in futures_util::future::join_all(sends).await {
            let attempt = event.attempts + 1;
            let delivered = outcome.status.is_some_and(|s| (200..300).contains(&s));
            let (state, next_attempt_at) = after_attempt(attempt, delivered, outcome.at);
            store::record(
                conn,
                store::Attempt {
                    event_id: event.id,
                    attempt,
                    at: outcome.at,
                    url: &endpoint.url,
                    status: outcome.status.map(i32::from),
                    error: outcome.error,
                    duration_ms: outcome.duration_ms,
                    state,
                    next_attempt_at,
                },
            )
            .await
            .map_err(|e| format!("cannot record a webhook delivery: {e}"))?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// One signed POST of `e` to `endpoint`.
async fn send(client: &reqwest::Client, endpoint: &WebhookEndpoint, e: &store::Claimed) -> Outcome {
    let body = body(e);
    let at = Utc::now();
    let timestamp = at.timestamp();
    let signature = sign::signature(&endpoint.secret, timestamp, &body);
    let started = Instant::now();
    let result = client
        .post(&endpoint.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Dutydesk-Event", &e.kind)
        .header("X-Dutydesk-Delivery", e.id.to_string())
        .header("X-Dutydesk-Attempt", (e.attempts + 1).to_string())
        .header("X-Dutydesk-Timestamp", timestamp.to_string())
        .header("X-Dutydesk-Signature", signature)
        .body(body)
        .send()
        .await;
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match result {
        Ok(r) => Outcome {
            at,
            status: Some(r.status().as_u16()),
            error: None,
            duration_ms,
        },
        Err(err) => Outcome {
            at,
            status: None,
            error: Some(describe(&err)),
            duration_ms,
        },
    }
}

/// A short reason for a failed request, without the URL (logged beside it).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut text = format!("{what}: {}", chain(e));
    if text.len() > 500 {
        let mut cut = 500;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// An error with its sources, `a: b: c`, without the request's URL.
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        let text = match s.downcast_ref::<reqwest::Error>() {
            Some(r) if r.url().is_some() => {
                // Display of a reqwest error names its URL: leave it out.
                let mut r = format!("{r}");
                if let Some(i) = r.find(" for url (") {
                    r.truncate(i);
                }
                r
            }
            _ => s.to_string(),
        };
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_minute_up_to_two_hours_and_gives_up_after_sixteen_attempts() {
        let minutes: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| backoff(n).num_minutes())
            .collect();
        assert_eq!(
            minutes,
            [
                1, 2, 4, 8, 16, 32, 64, 120, 120, 120, 120, 120, 120, 120, 120
            ]
        );
        // From the first attempt to the last: 127 + 8 × 120 minutes, about 18 hours.
        assert_eq!(minutes.iter().sum::<i64>(), 1087);
        assert_eq!(backoff(1000).num_minutes(), BACKOFF_CAP_MINUTES);
        let at = Utc::now();
        assert_eq!(after_attempt(1, true, at), (OutboxState::Delivered, None));
        assert_eq!(
            after_attempt(1, false, at),
            (
                OutboxState::Pending,
                Some(at + chrono::Duration::minutes(1))
            )
        );
        assert_eq!(
            after_attempt(3, false, at),
            (
                OutboxState::Pending,
                Some(at + chrono::Duration::minutes(4))
            )
        );
        assert_eq!(
            after_attempt(MAX_ATTEMPTS - 1, false, at).0,
            OutboxState::Pending
        );
        assert_eq!(
            after_attempt(MAX_ATTEMPTS, false, at),
            (OutboxState::Failed, None)
        );
        assert_eq!(
            after_attempt(MAX_ATTEMPTS, true, at).0,
            OutboxState::Delivered
        );
    }
}
