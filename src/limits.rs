//! Limits on slow clients: a deadline for a request's body. (The header deadline and the
//! connection caps are server settings: see [`crate::start`].)
//!
//! A body must start arriving within `DUTYDESK_BODY_TIMEOUT_SECS` (JSON and empty bodies) or
//! `DUTYDESK_UPLOAD_TIMEOUT_SECS` (attachment uploads and any other non-JSON body: CSV/XLSX
//! imports) of the request's start, and must have arrived in full within the same number of
//! seconds counted from its first bytes (so waiting for the client to begin does not eat into
//! the time a slow but steady upload has). Past either, reading the body fails, the request is answered
//! 408 `request_timeout` whatever the handler made of the failed read, and the connection is
//! closed, so a client trickling a body cannot hold a connection (and a file descriptor) for long.

use crate::AppState;
use crate::error::{ApiError, Code};
use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use futures_util::Stream;
use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A body stream that fails once its deadline has passed, and says so in `expired`.
struct Deadline<S> {
    inner: S,
    /// Until the first bytes: counted from the request's start; then from the first bytes.
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// The deadline's length.
    secs: Duration,
    /// Whether bytes have arrived (the deadline has been restarted from them).
    started: bool,
    expired: Rc<Cell<bool>>,
}

impl<S> Stream for Deadline<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            if !self.started && matches!(&item, Some(Ok(b)) if !b.is_empty()) {
                self.started = true;
                let until = tokio::time::Instant::now() + self.secs;
                self.sleep.as_mut().reset(until);
            }
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body timed out",
            )))));
        }
        Poll::Pending
    }
}

/// The body deadline for this request: uploads (the attachment route, non-JSON bodies) get the
/// longer one.
fn deadline_secs(req: &ServiceRequest, state: &AppState) -> u64 {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("json"));
    let upload = crate::web::route_pattern(req.request()).as_deref()
        == Some(crate::attachments::api::UPLOAD_ROUTE);
    if json && !upload {
        state.config.body_timeout_secs
    } else {
        state.config.upload_timeout_secs
    }
}

/// Middleware: puts the body deadline on the request's payload; a request whose body missed it
/// is answered 408 `request_timeout` with `Connection: close`.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let secs = deadline_secs(&req, &state);
    let expired = Rc::new(Cell::new(false));
    let stream = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(tokio::time::sleep(Duration::from_secs(secs))),
        secs: Duration::from_secs(secs),
        started: false,
        expired: expired.clone(),
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(stream),
    });
    // (The request must not be cloned here: routing, further in, needs it unshared.)
    let res = next.call(req).await;
    if !expired.get() {
        return Ok(res?.map_into_left_body());
    }
    let timeout = ApiError::of(Code::RequestTimeout).param("secs", secs);
    // An inner middleware's `Err` has lost the request: actix renders it (still a 408).
    let res = res.map_err(|_| actix_web::Error::from(timeout.clone()))?;
    let mut res = res.into_response(actix_web::HttpResponse::from_error(timeout));
    res.response_mut()
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(res.map_into_right_body())
}
