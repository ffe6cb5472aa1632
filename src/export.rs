//! Report exports: `?format=json|csv|xlsx` on report endpoints. CSV is UTF-8 with a BOM (so
//! Excel shows Chinese) and CRLF line ends; cells that a spreadsheet would run as a formula are
//! prefixed with `'`. XLSX is office-ready: bold, frozen header row, columns as wide as their
//! contents (a Chinese character counts two), dates as real dates (`yyyy-mm-dd`).

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
    Date(chrono::NaiveDate),
    /// No value (e.g. no check-in): empty in both formats.
    Empty,
}

impl Cell {
    /// The cell as CSV shows it (before quoting).
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl From<chrono::NaiveDate> for Cell {
    fn from(d: chrono::NaiveDate) -> Cell {
        Cell::Date(d)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Cell {
        Cell::Number(f64::from(n))
    }
}

/// Display width of a cell's text in a spreadsheet column: wide (CJK) characters count two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
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
                    other => other.text(),
                })
                .collect(),
        ));
    }
    out.into_bytes()
}

fn excel_date(
    d: chrono::NaiveDate,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|_| {
        rust_xlsxwriter::XlsxError::ParameterError(format!("year {} out of range", d.year()))
    })?;
    rust_xlsxwriter::ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

pub fn xlsx(t: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let mut widths: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(&cell.text()));
            }
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s)?,
                Cell::Number(n) => sheet.write_number(r, c, *n)?,
                Cell::Date(d) => sheet.write_date_with_format(r, c, &excel_date(*d)?, &date)?,
                Cell::Empty => sheet,
            };
        }
    }
    for (c, w) in widths.into_iter().enumerate() {
        sheet.set_column_width(c as u16, (w + 2).min(60) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
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
    fn xlsx_keeps_dates_as_dates_and_freezes_the_header() {
        use calamine::{Data, Reader, Xlsx};
        let mut t = table();
        t.headers.push("日期");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        for row in &mut t.rows {
            row.push(d.into());
        }
        t.rows[2][2] = Cell::Empty;
        let b = xlsx(&t).unwrap();
        assert_eq!(&b[..2], b"PK");
        let mut book = Xlsx::new(std::io::Cursor::new(b.clone())).unwrap();
        let sheet = book.worksheet_range("Sheet1").unwrap();
        assert_eq!(sheet.get((0, 0)), Some(&Data::String("部门".into())));
        match sheet.get((1, 2)) {
            Some(Data::DateTime(dt)) => {
                let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
                assert_eq!(dt.as_f64(), (d - epoch).num_days() as f64);
            }
            other => panic!("not a date: {other:?}"),
        }
        assert!(matches!(sheet.get((3, 2)), None | Some(Data::Empty)));
        // The sheet's XML freezes the first row.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(b)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
            "{xml}"
        );
        assert!(xml.contains("<col "), "column widths: {xml}");
    }

    #[test]
    fn wide_characters_count_two() {
        assert_eq!(width("ab"), 2);
        assert_eq!(width("医保"), 4);
    }
}
