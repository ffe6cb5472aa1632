//! A small RFC 5545 (iCalendar) writer for duty feeds. Pure: no I/O.
//!
//! Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); text is
//! escaped. Times are local to the center's zone: for zones without daylight saving (such as
//! Asia/Shanghai) the feed carries a `VTIMEZONE` and `TZID` times; otherwise times are UTC.

use chrono::{DateTime, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// One duty as an event.
pub struct Event {
    pub uid: String,
    pub date: NaiveDate,
    pub summary: String,
    pub description: String,
}

pub struct Feed<'a> {
    pub name: &'a str,
    pub tz: Tz,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub stamp: DateTime<Utc>,
    pub events: &'a [Event],
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// The zone's UTC offset in seconds when it has no daylight saving, else None.
fn fixed_offset(tz: Tz, year: i32) -> Option<i32> {
    let at = |m| {
        let d = NaiveDate::from_ymd_opt(year, m, 1)?.and_hms_opt(12, 0, 0)?;
        Some(tz.offset_from_utc_datetime(&d).fix().local_minus_utc())
    };
    let (jan, jul) = (at(1)?, at(7)?);
    (jan == jul).then_some(jan)
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

pub fn render(f: &Feed<'_>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//dutydesk//supervisor duty//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(f.name)));
    let year = f
        .events
        .first()
        .map(|e| chrono::Datelike::year(&e.date))
        .unwrap_or(2026);
    let fixed = fixed_offset(f.tz, year);
    if let Some(off) = fixed {
        line(&mut out, &format!("X-WR-TIMEZONE:{}", f.tz.name()));
        line(&mut out, "BEGIN:VTIMEZONE");
        line(&mut out, &format!("TZID:{}", f.tz.name()));
        line(&mut out, "BEGIN:STANDARD");
        line(&mut out, "DTSTART:19700101T000000");
        line(&mut out, &format!("TZOFFSETFROM:{}", offset_text(off)));
        line(&mut out, &format!("TZOFFSETTO:{}", offset_text(off)));
        line(&mut out, "END:STANDARD");
        line(&mut out, "END:VTIMEZONE");
    }
    let stamp = f.stamp.format("%Y%m%dT%H%M%SZ").to_string();
    for e in f.events {
        let (s, t) = (e.date.and_time(f.start), e.date.and_time(f.end));
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", e.uid));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        match fixed {
            Some(_) => {
                line(
                    &mut out,
                    &format!("DTSTART;TZID={}:{}", f.tz.name(), s.format("%Y%m%dT%H%M%S")),
                );
                line(
                    &mut out,
                    &format!("DTEND;TZID={}:{}", f.tz.name(), t.format("%Y%m%dT%H%M%S")),
                );
            }
            None => {
                let utc = |d: chrono::NaiveDateTime| {
                    f.tz.from_local_datetime(&d)
                        .earliest()
                        .map(|x| x.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
                        .unwrap_or_default()
                };
                line(&mut out, &format!("DTSTART:{}", utc(s)));
                line(&mut out, &format!("DTEND:{}", utc(t)));
            }
        }
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        line(&mut out, "TRANSP:OPAQUE");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(events: &[Event], tz: Tz) -> String {
        render(&Feed {
            name: "督导值班",
            tz,
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            stamp: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            events,
        })
    }

    fn ev(summary: &str) -> Event {
        Event {
            uid: "a@dutydesk".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            summary: summary.into(),
            description: "line1\nline2; x, y".into(),
        }
    }

    #[test]
    fn shanghai_duty_hours_carry_tzid() {
        let s = feed(&[ev("督导值班")], chrono_tz::Asia::Shanghai);
        assert!(s.contains("DTSTART;TZID=Asia/Shanghai:20261207T080000\r\n"));
        assert!(s.contains("DTEND;TZID=Asia/Shanghai:20261207T180000\r\n"));
        assert!(s.contains("TZOFFSETTO:+0800\r\n"));
        assert!(s.contains("DESCRIPTION:line1\\nline2\\; x\\, y\r\n"));
        assert!(s.ends_with("END:VCALENDAR\r\n"));
        assert!(!s.replace("\r\n", "").contains('\n'), "only CRLF line ends");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let s = feed(&[ev(&"督导".repeat(40))], chrono_tz::Asia::Shanghai);
        for l in s.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = s.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", "督导".repeat(40))));
    }

    #[test]
    fn zones_with_daylight_saving_use_utc() {
        let s = feed(&[ev("x")], chrono_tz::Europe::Berlin);
        assert!(s.contains("DTSTART:20261207T070000Z\r\n"));
        assert!(!s.contains("VTIMEZONE"));
    }
}
