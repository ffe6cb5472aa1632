//! Report exports: `?format=json|csv|xlsx` on report endpoints. CSV is UTF-8 with a BOM (so
//! Excel shows Chinese) and CRLF line ends; cells that a spreadsheet would run as a formula are
//! prefixed with `'`.

use crate::error::{ApiError, ApiResult};
use actix_web::HttpResponse;
use actix_web::http::header;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
}

pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n as f64)
    }
}

/// A report as a table: one header row, then data rows.
pub struct Table {
    /// File name without extension, ASCII.
    pub name: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn csv(t: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(t.headers.iter().map(|h| csv_field(h)).collect()));
    for row in &t.rows {
        out.push_str(&line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => csv_field(s),
                    Cell::Number(n) => n.to_string(),
                })
                .collect(),
        ));
    }
    out.into_bytes()
}

pub fn xlsx(t: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s)?,
                Cell::Number(n) => sheet.write_number(r, c, *n)?,
            };
        }
    }
    book.save_to_buffer()
}

/// Answers in the requested format: the JSON body, or the table as CSV or XLSX (built off the
/// async threads).
pub async fn respond<T: Serialize>(
    format: Option<Format>,
    json: &T,
    table: impl FnOnce() -> Table,
) -> ApiResult<HttpResponse> {
    let format = format.unwrap_or_default();
    if format == Format::Json {
        return Ok(HttpResponse::Ok().json(json));
    }
    let t = table();
    let (ext, content_type) = match format {
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        _ => ("xlsx", XLSX),
    };
    let disposition = format!("attachment; filename=\"{}.{ext}\"", t.name);
    let body = tokio::task::spawn_blocking(move || match format {
        Format::Csv => Ok(csv(&t)),
        _ => xlsx(&t),
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        ApiError::internal()
    })?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "t".into(),
            headers: vec!["部门", "天数"],
            rows: vec![
                vec!["医保中心".into(), 3i64.into()],
                vec!["=HYPERLINK(\"x\")".into(), 1i64.into()],
                vec!["a,b".into(), 0i64.into()],
            ],
        }
    }

    #[test]
    fn csv_has_bom_crlf_quoting_and_no_formulas() {
        let s = String::from_utf8(csv(&table())).unwrap();
        assert!(s.starts_with('\u{feff}'));
        let lines: Vec<&str> = s.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "部门,天数");
        assert_eq!(lines[1], "医保中心,3");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"x\"\")\",1");
        assert_eq!(lines[3], "\"a,b\",0");
    }

    #[test]
    fn xlsx_is_a_zip_container() {
        let b = xlsx(&table()).unwrap();
        assert_eq!(&b[..2], b"PK");
    }
}
