//! Dates as the appointment requests carry them: `start`/`end` search values (full dates and dateTimes with an
//! offset, their `ge`/`le` prefixes and what the `appt-partial-date-accepted` fault lets through), the instants
//! of an Appointment body, and slot times as the search renders them.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::*;

/// A `start`/`end` search value: a full date or a dateTime with offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum SearchDate {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

impl SearchDate {
    /// First instant the value covers.
    pub(super) fn first(self) -> DateTime<Utc> {
        match self {
            SearchDate::Date(d) => uktime::start_of_day(d),
            SearchDate::Instant(t) => t,
        }
    }

    /// Upper bound for slot ends: the end of the day for a date, the instant itself otherwise.
    pub(super) fn last(self) -> DateTime<Utc> {
        match self {
            SearchDate::Date(d) => uktime::start_of_day(d + Duration::days(1)),
            SearchDate::Instant(t) => t,
        }
    }

    /// UK wall-clock reading, used to measure the length of a period (so a change of clocks does not count).
    pub(super) fn wall(self) -> NaiveDateTime {
        match self {
            SearchDate::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            SearchDate::Instant(t) => uktime::to_local(t),
        }
    }
}

pub(super) fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `yyyy-mm-dd` exactly.
pub(super) fn full_date(s: &str) -> Option<NaiveDate> {
    let ok = s.is_ascii()
        && s.len() == 10
        && digits(&s[0..4])
        && &s[4..5] == "-"
        && digits(&s[5..7])
        && &s[7..8] == "-"
        && digits(&s[8..10]);
    if ok {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else {
        None
    }
}

/// `yyyy-mm-ddThh:mm:ss+hh:mm` exactly (a `+` that arrived as a space in the query is restored).
pub(super) fn full_date_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.replace(' ', "+");
    if !s.is_ascii() || s.len() != 25 || full_date(&s[..10]).is_none() {
        return None;
    }
    let b = s.as_bytes();
    let shape = b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (b[19] == b'+' || b[19] == b'-')
        && b[22] == b':';
    if !shape {
        return None;
    }
    DateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%:z")
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// What the `appt-partial-date-accepted` fault lets through: `yyyy`, `yyyy-mm`, and dateTimes without an offset
/// (read as UK local time) or with `Z`.
pub(super) fn lenient_date(s: &str) -> Option<SearchDate> {
    let s = s.trim();
    if s.len() == 4 && digits(s) {
        return NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d")
            .ok()
            .map(SearchDate::Date);
    }
    if s.len() == 7 {
        return NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .ok()
            .map(SearchDate::Date);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(SearchDate::Instant(d.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|n| SearchDate::Instant(uktime::local_to_utc(n)))
}

/// Splits a leading two-letter search prefix off a value.
pub(super) fn split_prefix(raw: &str) -> (&str, &str) {
    let letters = raw.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters >= 2 && raw.is_char_boundary(2) {
        raw.split_at(2)
    } else {
        ("", raw)
    }
}

/// Parses a full instant from a request body (`start`, `end`, `created`).
pub(super) fn body_instant(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

pub(super) fn time_text(st: &ProviderState, t: DateTime<Utc>) -> String {
    if st.fault(Fault::ApptSlotTimesUtc) {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        uktime::format(t)
    }
}
