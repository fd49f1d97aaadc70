//! Small value checks the body and query-parameter rules share: NHS numbers (modulus 11), whole dates, instants,
//! the UK calendar date a request was received on, and the resource type a reference names. Written for the
//! judge alone: none of this is shared with the reference provider (judge and judged must not share a bug).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;

/// Is `s` a valid NHS number: ten digits whose tenth is the modulus 11 check digit of the first nine
/// (weights 10 down to 2; a remainder giving 11 means 0, giving 10 means no valid number)?
pub(crate) fn nhs_number_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if s.len() != 10 || digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        check => digits[9] == check,
    }
}

/// Why an NHS number is not one, for a finding's "got" half (`None` when it is valid).
pub(crate) fn nhs_number_problem(s: &str) -> Option<String> {
    if nhs_number_valid(s) {
        None
    } else if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("`{s}`, whose check digit is wrong"))
    } else {
        Some(format!("`{s}`, not 10 digits"))
    }
}

/// A whole date `yyyy-mm-dd` (no partial date, no time, no offset).
pub(crate) fn whole_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A FHIR instant or dateTime with seconds and an offset (`2017-05-30T10:00:00+01:00`, `...Z`).
pub(crate) fn instant(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// The calendar date in the UK (Europe/London) at Unix time `at`: what "the current date" means to a GP system.
pub(crate) fn uk_today(at: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&chrono_tz::Europe::London).date_naive())
}

/// The UTC offset, in seconds, that UK local time has at the instant `t`.
pub(crate) fn uk_offset_secs(t: &DateTime<FixedOffset>) -> i32 {
    use chrono::Offset as _;
    t.with_timezone(&chrono_tz::Europe::London)
        .offset()
        .fix()
        .local_minus_utc()
}

/// The resource type a literal reference names: `Patient` for `Patient/1`, `https://x/fhir/Patient/1` or
/// `Patient/1/_history/2`; `None` for a contained (`#id`) or malformed reference.
pub(crate) fn reference_type(reference: &str) -> Option<&str> {
    let trimmed = match reference.find("/_history/") {
        Some(i) => &reference[..i],
        None => reference,
    };
    let mut segments = trimmed.rsplit('/');
    let id = segments.next().filter(|id| !id.is_empty())?;
    let kind = segments.next()?;
    let kind_ok = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphabetic());
    (kind_ok && !id.starts_with('#')).then_some(kind)
}

/// A string member of a JSON object.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// An array member of a JSON object (empty when absent or not an array).
pub(crate) fn array_at<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A value shown in a finding: quoted, and cut to a readable length.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("`{cut}…`")
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers_by_modulus_11() {
        // Assurance-pack patients and the specification's placeholder.
        for ok in [
            "9690937286",
            "9690937278",
            "9476718943",
            "9999999999",
            "9658218865",
        ] {
            assert!(nhs_number_valid(ok), "{ok}");
            assert_eq!(nhs_number_problem(ok), None);
        }
        for bad in [
            "9690937287",
            "969093728",
            "96909372861",
            "969093728a",
            "",
            "1234567890",
        ] {
            assert!(!nhs_number_valid(bad), "{bad}");
        }
        assert!(nhs_number_problem("9690937287").is_some_and(|p| p.contains("check digit")));
    }

    #[test]
    fn whole_dates_only() {
        assert!(whole_date("2017-02-01").is_some());
        for bad in [
            "2017-02",
            "2017",
            "2017-02-01T00:00:00+00:00",
            "2017-2-1",
            "2017-02-30",
        ] {
            assert!(whole_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn uk_dates_and_offsets() {
        // 2024-07-01T23:30:00Z is already 2 July in BST.
        let t = 1_719_876_600;
        assert_eq!(uk_today(t), NaiveDate::from_ymd_opt(2024, 7, 2));
        let summer = instant("2024-07-01T10:00:00+01:00").expect("instant");
        assert_eq!(uk_offset_secs(&summer), 3600);
        let winter = instant("2024-01-01T10:00:00+00:00").expect("instant");
        assert_eq!(uk_offset_secs(&winter), 0);
    }

    #[test]
    fn reference_types() {
        assert_eq!(reference_type("Patient/1"), Some("Patient"));
        assert_eq!(
            reference_type("https://x/fhir/Location/32"),
            Some("Location")
        );
        assert_eq!(reference_type("Slot/1/_history/3"), Some("Slot"));
        assert_eq!(reference_type("#1"), None);
        assert_eq!(reference_type("Patient/"), None);
        assert_eq!(reference_type("1"), None);
    }
}
