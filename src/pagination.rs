//! Keyset pagination: `limit` + opaque `cursor` in, `{items, next_cursor}` out.

use crate::error::{ApiError, FieldError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The paging parameters of every list.
///
/// Take them as their own extractor beside the list's filters,
/// `paging: web::Query<PageParams>`, and name both in `params(FilterQuery, PageParams)`:
/// serde_urlencoded cannot read numbers inside a `#[serde(flatten)]`ed struct, and utoipa's
/// `IntoParams` does not flatten. Unknown query parameters are ignored by both, as before.
/// The spec's bounds for `limit` are declared once for every list in `openapi.rs`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Opaque cursor from `next_cursor`.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The checked page size (see [`limit`]).
    pub fn limit(&self) -> Result<i64, ApiError> {
        limit(self.limit)
    }

    /// The key the page starts after, decoded from `cursor` (see [`decode`]).
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        decode(self.cursor.as_deref())
    }
}

/// Checks `limit` (1..=200, default 50).
pub fn limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::validation(vec![
            FieldError::of("limit", crate::error::FieldCode::OutOfRange)
                .param("min", 1)
                .param("max", MAX_LIMIT),
        ])),
    }
}

/// Decodes a cursor produced by [`page`]; a tampered or foreign cursor is a 400.
pub fn decode<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    let Some(c) = cursor else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::of(
                "cursor",
                crate::error::FieldCode::InvalidCursor,
            )])
        })
}

/// Builds a page from up to `limit + 1` rows fetched in key order; `key` gives a row's cursor key.
pub fn page<R, T, K: Serialize>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> K,
    view: impl FnMut(R) -> T,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| {
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&key(r)).expect("cursor keys serialize"))
        })
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_page_has_no_cursor_and_cursors_round_trip() {
        let p = page(vec![1, 2, 3], 2, |r| *r, |r| r * 10);
        assert_eq!(p.items, vec![10, 20]);
        let k: Option<i32> = decode(p.next_cursor.as_deref()).unwrap();
        assert_eq!(k, Some(2));
        let p = page(vec![1, 2], 2, |r| *r, |r| r);
        assert!(p.next_cursor.is_none());
        assert!(decode::<i32>(Some("!!")).is_err());
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
        assert_eq!(limit(None).unwrap(), 50);
    }
}
