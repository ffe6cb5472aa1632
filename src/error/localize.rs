//! The response language: picked from `Accept-Language`, applied to every problem by the
//! [`localize`] middleware.

use super::{ApiError, Lang, parse};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

/// Picks the response language: Chinese when the highest-weighted `Accept-Language` entry is `zh*`.
pub fn preferred_lang(accept_language: Option<&str>) -> Lang {
    let Some(value) = accept_language else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.is_empty() {
            continue;
        }
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else {
            Lang::En
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// Middleware: renders every `ApiError` response in the caller's language, whether a handler,
/// an extractor or an inner middleware (idempotency) produced it. It also keeps a copy of JSON
/// request bodies as they stream through ([`parse::BodyCopy`]), so that a body that does not
/// parse can be reported field by field.
pub async fn localize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    let lang = preferred_lang(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if json {
        let copy = parse::BodyCopy::default();
        req.extensions_mut().insert(copy.clone());
        let stream = req.take_payload().inspect(move |chunk| {
            if let Ok(bytes) = chunk {
                let mut buf = copy.0.borrow_mut();
                if buf.len() + bytes.len() <= parse::BODY_COPY_CAP {
                    buf.extend_from_slice(bytes);
                }
            }
        });
        req.set_payload(actix_web::dev::Payload::Stream {
            payload: Box::pin(stream),
        });
    }
    // Errors that come back as `Err` (not as a response) have lost their request and are
    // rendered in English by actix: inner middleware answers with `req.error_response(..)`.
    let res = next.call(req).await?;
    if lang == Lang::Zh
        && let Some(api) = res
            .response()
            .error()
            .and_then(|e| e.as_error::<ApiError>())
    {
        let rendered = api.render(Lang::Zh);
        return Ok(res.into_response(rendered).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_chinese_only_when_preferred() {
        assert_eq!(preferred_lang(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(preferred_lang(Some("en-US,zh;q=0.5")), Lang::En);
        assert_eq!(preferred_lang(Some("en;q=0.3, zh-Hans;q=0.9")), Lang::Zh);
        assert_eq!(preferred_lang(None), Lang::En);
        assert_eq!(preferred_lang(Some("")), Lang::En);
    }
}
