//! Reading an import: the body (with this route's own limit), then a JSON array, a CSV file or
//! an XLSX workbook into rows of cells by column name.

use super::{MAX_BODY, MAX_ROWS};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, RowError};
use actix_web::web;
use futures_util::StreamExt;
use std::collections::BTreeMap;

pub(super) const COLUMNS: [&str; 8] = [
    "name",
    "employee_no",
    "department_code",
    "position",
    "roles",
    "leader",
    "phone",
    "password",
];

/// Cells of one row by column name, and its row number as the clerk sees it.
pub(super) struct RawRow {
    pub(super) row: usize,
    pub(super) cells: BTreeMap<String, String>,
}

pub(super) fn row_error(row: usize, f: FieldError) -> RowError {
    RowError::of(row, f)
}

pub(super) fn too_many() -> ApiError {
    ApiError::of(Code::TooManyRows).param("max", MAX_ROWS)
}

/// Reads the body ourselves: this route has its own limit ([`MAX_BODY`]).
pub(super) async fn read_body(mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::of(Code::MalformedRequest))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::of(Code::PayloadTooLarge).param("limit", MAX_BODY));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// RFC 4180 CSV (quotes, doubled quotes, CRLF), UTF-8 with an optional BOM.
pub(super) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

pub(super) fn parse_xlsx(bytes: Vec<u8>) -> ApiResult<Vec<Vec<String>>> {
    use calamine::Reader;
    let bad = || ApiError::of(Code::ImportNotXlsx);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(bad)?
        .map_err(|_| bad())?;
    // Rows as the clerk sees them: pad the rows above the used range.
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); range.start().map_or(0, |s| s.0 as usize)];
    for r in range.rows() {
        rows.push(r.iter().map(|c| c.to_string()).collect());
    }
    Ok(rows)
}

/// A sheet (header row first) as raw rows; errors in the header are row 1's.
pub(super) fn from_table(table: Vec<Vec<String>>) -> Result<Vec<RawRow>, Vec<RowError>> {
    let mut it = table.into_iter().enumerate();
    let header = loop {
        match it.next() {
            Some((_, h)) if h.iter().all(|c| c.trim().is_empty()) => continue,
            Some((i, h)) => break (i + 1, h),
            None => return Ok(Vec::new()),
        }
    };
    let (header_row, names) = header;
    let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
    let mut errors = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        if !COLUMNS.contains(&n.as_str()) {
            errors.push(row_error(
                header_row,
                FieldError::of(n, FieldCode::UnknownColumn).param("columns", COLUMNS.join(", ")),
            ));
        }
    }
    for required in ["name", "employee_no", "roles"] {
        if !names.iter().any(|n| n == required) {
            errors.push(row_error(
                header_row,
                FieldError::of(required, FieldCode::RequiredColumn),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(it
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| RawRow {
            row: i + 1,
            cells: names
                .iter()
                .zip(r)
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, c)| (n.clone(), c.trim().to_owned()))
                .collect(),
        })
        .collect())
}

pub(super) fn from_json(body: &[u8]) -> ApiResult<Result<Vec<RawRow>, Vec<RowError>>> {
    let items: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(body).map_err(|_| ApiError::of(Code::ImportNotJsonArray))?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut cells = BTreeMap::new();
        for (k, v) in item {
            if !COLUMNS.contains(&k.as_str()) {
                errors.push(row_error(
                    i + 1,
                    FieldError::of(&k, FieldCode::UnknownField),
                ));
                continue;
            }
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            };
            cells.insert(k, text);
        }
        rows.push(RawRow { row: i + 1, cells });
    }
    Ok(if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_bom_and_crlf() {
        let rows = parse_csv("\u{feff}name,roles\r\n\"张, 三\",\"a;b\"\r\n\"say \"\"hi\"\"\",x\n");
        assert_eq!(rows[0], ["name", "roles"]);
        assert_eq!(rows[1], ["张, 三", "a;b"]);
        assert_eq!(rows[2], ["say \"hi\"", "x"]);
    }
}
