//! The catalogue of every problem and field-error code the service emits, with its HTTP status
//! and its English and Chinese text. Call sites name an entry and fill its parameters; they never
//! write prose:
//!
//! ```
//! use dutydesk::error::{ApiError, Code, FieldCode, FieldError, Lang};
//! let e = ApiError::of(Code::TooManyRows).param("max", 1000);
//! assert_eq!(e.code, "too_many_rows");
//! assert_eq!(e.detail(Lang::En), "An import takes at most 1000 rows.");
//! let f = FieldError::of("limit", FieldCode::OutOfRange).param("min", 1).param("max", 200);
//! assert_eq!(f.message(Lang::Zh), "须在 1 到 200 之间。");
//! ```
//!
//! Templates name their parameters in braces (`{years}`); every parameter is filled into both
//! languages. There is no other way to build an error with text: a value quoted from the input
//! (a name, a date) is a parameter of an entry, and a text composed of pieces is made of
//! [`Phrase`]s. A code string may have more than one entry when the situations differ (e.g.
//! `malformed_request` for a body that is not JSON and for a bad query string); the entries of a
//! code share its status except where noted. `docs/errors.md` is generated from this catalogue
//! ([`markdown`], `dutydesk errors`, `make errors`) and a test keeps it in step.

mod fields;
mod phrases;
mod problems;

pub use fields::FieldCode;
pub use phrases::Phrase;
pub use problems::Code;

/// One catalogue entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The stable machine code clients switch on.
    pub code: &'static str,
    /// The HTTP status (problems only; 0 for field errors, which ride in a 400 or 422 problem).
    pub status: u16,
    /// The parameters the templates name.
    pub params: &'static [&'static str],
    pub en: &'static str,
    pub zh: &'static str,
}

/// Declares a catalogue enum: `Variant = "code", status, [params], "English", "中文";`.
macro_rules! catalogue {
    ($(#[$m:meta])* $name:ident {
        $( $(#[$vm:meta])* $var:ident = $code:literal, $status:literal, [$($p:literal),*], $en:literal, $zh:literal; )*
    }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vm])* $var, )* }

        impl $name {
            /// Every entry, in catalogue order.
            pub const ALL: &'static [$name] = &[$( $name::$var, )*];

            pub const fn entry(self) -> $crate::error::catalogue::Entry {
                match self {
                    $( $name::$var => $crate::error::catalogue::Entry {
                        code: $code,
                        status: $status,
                        params: &[$($p),*],
                        en: $en,
                        zh: $zh,
                    }, )*
                }
            }

            pub const fn code(self) -> &'static str {
                self.entry().code
            }
        }
    };
}
pub(crate) use catalogue;

/// A phrase with its parameters filled, in both languages; see [`crate::error::ApiError::phrases`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub(in crate::error) en: String,
    pub(in crate::error) zh: String,
}

impl Phrase {
    pub fn text(self) -> Text {
        let e = self.entry();
        Text {
            en: e.en.to_owned(),
            zh: e.zh.to_owned(),
        }
    }
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: super::Lang) -> &str {
        match lang {
            super::Lang::En => &self.en,
            super::Lang::Zh => &self.zh,
        }
    }

    /// Fills the parameter `name` in both languages.
    pub fn param(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        let v = value.to_string();
        fill(&mut self.en, name, &v);
        fill(&mut self.zh, name, &v);
        self
    }

    /// Fills the parameter `name` with a list (`a, b` in English, `a、b` in Chinese).
    pub fn list<T: std::fmt::Display>(
        mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
    ) -> Self {
        let (en, zh) = super::join(items);
        fill(&mut self.en, name, &en);
        fill(&mut self.zh, name, &zh);
        self
    }

    /// Fills the parameter `name` with another composed text, each language with its own.
    pub fn text(mut self, name: &str, value: &Text) -> Self {
        fill(&mut self.en, name, &value.en);
        fill(&mut self.zh, name, &value.zh);
        self
    }
}

/// Replaces `{name}` in `text` with `value`.
pub(super) fn fill(text: &mut String, name: &str, value: &str) {
    let placeholder = format!("{{{name}}}");
    if text.contains(&placeholder) {
        *text = text.replace(&placeholder, value);
    }
}

/// The declared parameters of `entry` still unfilled in `text`.
pub(super) fn unfilled(entry: &Entry, text: &str) -> Vec<&'static str> {
    entry
        .params
        .iter()
        .copied()
        .filter(|p| text.contains(&format!("{{{p}}}")))
        .collect()
}

/// The `{name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The reference page `docs/errors.md`, generated from the catalogue.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         <!-- Generated from src/error/catalogue by `make errors` (dutydesk errors); do not edit. -->\n\n\
         Every error is an RFC 9457 `application/problem+json` body with a stable `code`. Clients \
         switch on `code` (and, for bad input, on each `errors[].code` / `row_errors[].code`), never \
         on text. `detail` and `message` are English, or Chinese when `Accept-Language` prefers \
         `zh`. Words in braces (`{years}`) are filled in with the values of the case at hand.\n\n\
         A code may have more than one text when it covers more than one situation.\n\n\
         ## Problems\n\n\
         | Code | Status | English | Chinese |\n\
         |---|---|---|---|\n",
    );
    let mut problems: Vec<Entry> = Code::ALL.iter().map(|c| c.entry()).collect();
    problems.sort_by_key(|e| (e.code, e.status));
    for e in problems {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            e.code,
            e.status,
            cell(e.en),
            cell(e.zh)
        ));
    }
    out.push_str(
        "\n## Field errors\n\n\
         Inside a problem's `errors` (and an import's `row_errors`), each with the `field` it is \
         about.\n\n\
         | Code | English | Chinese |\n\
         |---|---|---|\n",
    );
    let mut fields: Vec<Entry> = FieldCode::ALL.iter().map(|c| c.entry()).collect();
    fields.sort_by_key(|e| e.code);
    for e in fields {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            e.code,
            cell(e.en),
            cell(e.zh)
        ));
    }
    out.push_str(
        "\n## Phrases\n\n\
         Pieces a problem's text is composed of (e.g. the reasons listed in `draft_stale`); they \
         are not codes clients see.\n\n\
         | Phrase | English | Chinese |\n\
         |---|---|---|\n",
    );
    for e in Phrase::ALL.iter().map(|p| p.entry()) {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            e.code,
            cell(e.en),
            cell(e.zh)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn entries() -> Vec<Entry> {
        Code::ALL
            .iter()
            .map(|c| c.entry())
            .chain(FieldCode::ALL.iter().map(|c| c.entry()))
            .chain(Phrase::ALL.iter().map(|c| c.entry()))
            .collect()
    }

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_placeholder_is_declared_and_in_both_languages() {
        for e in entries() {
            let declared: HashSet<&str> = e.params.iter().copied().collect();
            assert_eq!(
                declared.len(),
                e.params.len(),
                "{}: a parameter twice",
                e.code
            );
            for text in [e.en, e.zh] {
                let used: HashSet<&str> = placeholders(text).into_iter().collect();
                assert_eq!(used, declared, "{}: {text:?} vs {:?}", e.code, e.params);
            }
        }
    }

    #[test]
    fn rendering_with_every_parameter_leaves_no_braces() {
        for e in entries() {
            for text in [e.en, e.zh] {
                let mut t = text.to_owned();
                for p in e.params {
                    fill(&mut t, p, "x");
                }
                assert!(!t.contains(['{', '}']), "{}: {t:?}", e.code);
                assert!(unfilled(&e, &t).is_empty());
            }
        }
    }

    #[test]
    fn chinese_text_is_present_and_not_the_english() {
        for e in entries() {
            assert!(
                !e.en.trim().is_empty() && !e.zh.trim().is_empty(),
                "{}",
                e.code
            );
            assert_ne!(e.en, e.zh, "{}", e.code);
            assert!(has_cjk(e.zh), "{}: {:?}", e.code, e.zh);
            assert!(!has_cjk(e.en), "{}: {:?}", e.code, e.en);
        }
    }

    #[test]
    fn codes_are_stable_snake_case_and_each_text_is_listed_once() {
        let mut seen = HashSet::new();
        for e in entries() {
            assert!(
                !e.code.is_empty()
                    && e.code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                e.code
            );
            // The same text under the same code twice is a duplicate entry: use the one.
            // (A problem and a field error may say the same: `status` tells them apart.)
            assert!(
                seen.insert((e.code, e.status, e.en)),
                "{} listed twice: {}",
                e.code,
                e.en
            );
            assert!(
                seen.insert((e.code, e.status, e.zh)),
                "{} listed twice: {}",
                e.code,
                e.zh
            );
        }
    }

    #[test]
    fn problem_codes_have_one_status_and_are_not_field_codes_by_accident() {
        let mut status: HashMap<&str, HashSet<u16>> = HashMap::new();
        for c in Code::ALL {
            let e = c.entry();
            assert!(
                actix_web::http::StatusCode::from_u16(e.status)
                    .is_ok_and(|s| s.is_client_error() || s.is_server_error()),
                "{}",
                e.code
            );
            status.entry(e.code).or_default().insert(e.status);
        }
        for (code, s) in &status {
            // `not_a_leader`: 403 when leaders act for themselves, 422 when an office admin names
            // a staff member who is not one.
            let allowed = if *code == "not_a_leader" { 2 } else { 1 };
            assert!(s.len() <= allowed, "{code} has statuses {s:?}");
        }
        for f in FieldCode::ALL {
            assert_eq!(f.entry().status, 0, "{}", f.code());
        }
    }

    #[test]
    fn the_committed_reference_page_is_what_the_catalogue_generates() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == markdown(),
            "docs/errors.md is stale: run `make errors` and commit it"
        );
    }
}
