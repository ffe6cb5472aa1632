//! Limits on slow clients: a deadline for a request's body. (The header deadline and the
//! connection caps are server settings: see [`crate::start`].)
//!
//! A body must have arrived within `DUTYDESK_BODY_TIMEOUT_SECS` (JSON and empty bodies) or
//! `DUTYDESK_UPLOAD_TIMEOUT_SECS` (attachment uploads and any other non-JSON body: CSV/XLSX
//! imports) of the request's start. Past it, reading the body fails, the request is answered
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
    sleep: Pin<Box<tokio::time::Sleep>>,
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
    let upload = req.match_pattern().as_deref() == Some(crate::attachments::api::UPLOAD_ROUTE);
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
        expired: expired.clone(),
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(stream),
    });
    let http = req.request().clone();
    let res = next.call(req).await;
    if expired.get() {
        let mut res = ServiceResponse::new(
            http,
            actix_web::HttpResponse::from_error(
                ApiError::of(Code::RequestTimeout).param("secs", secs),
            ),
        );
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(res.map_into_right_body());
    }
    Ok(res?.map_into_left_body())
}
