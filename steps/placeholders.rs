//! The placeholder language of the feature files: `{kind:key}` in a step's text is replaced before the step uses
//! it, so that features never hold a provider's raw identifiers or a calendar date.
//!
//! | placeholder | becomes |
//! |---|---|
//! | `{nhs:patient2}` | the NHS number of a logical patient (config `test_data.patients`) |
//! | `{html-nhs:patient2}` | the NHS number of a patient of the Access Record HTML 0.7.x pack (`test_data.html_patients`) |
//! | `{bad-nhs:patient2}` | that NHS number with its check digit changed, so the MOD 11 check fails |
//! | `{ods:ORG1}` | the ODS code of a logical organisation (`test_data.organizations`) |
//! | `{sds:practitioner1}` | the SDS user id of a logical practitioner (`test_data.practitioners`) |
//! | `{loc:SIT1}` | the ODS site code of a logical location (`test_data.locations`) |
//! | `{appt:pastAppointment}` | the logical id of an appointment the provider holds (`test_data.appointments`) |
//! | `{logical-id:patient9}` | a logical id the API does not reveal (`test_data.logical_ids`: hidden patients, `largeDocument`) |
//! | `{stored:name}` | a value an earlier step of the same scenario stored (`appointment`, `version`, `etag`, ...) |
//! | `{date:+3}` | the UK date three days after today by the run's clock, `yyyy-MM-dd` |
//! | `{date:-1 <format>}` | the UK date one day before today in a format: `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm:sszzz` (UK midnight with its offset), `yyyy-MM-ddTHH:mm:ss` (no offset), `yyyy-MM-ddTHH:mm:ssZ` (UK midnight in UTC), `yyyy-MM`, `yyyy` |
//!
//! Text in braces that is not one of these kinds (`{"a": 1}`, `{id}`) is left as it is. A known kind whose key
//! does not resolve is an error naming the placeholder.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::uk_time;
use crate::config::TestData;

/// The placeholder kinds.
const KINDS: [&str; 10] = [
    "nhs",
    "html-nhs",
    "bad-nhs",
    "ods",
    "sds",
    "loc",
    "appt",
    "logical-id",
    "stored",
    "date",
];

/// What placeholders resolve against.
pub struct Sources<'a> {
    pub data: &'a TestData,
    pub stored: &'a HashMap<String, String>,
    /// Today's UK date by the run's clock.
    pub today: NaiveDate,
}

/// Replaces every placeholder of `text`.
pub fn expand(text: &str, sources: &Sources<'_>) -> Result<String, String> {
    let data = sources.data;
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let token = rest[start + 1..]
            .find('}')
            .map(|len| &rest[start + 1..start + 1 + len])
            .and_then(|t| {
                t.split_once(':')
                    .filter(|(k, v)| KINDS.contains(k) && !v.is_empty() && !v.contains(['{', '"']))
                    .map(|kv| (t, kv))
            });
        let Some((token, (kind, key))) = token else {
            out.push_str(&rest[..=start]);
            rest = &rest[start + 1..];
            continue;
        };
        let value = match kind {
            "nhs" => data.patient(key).map(String::from),
            "html-nhs" => data.html_patient(key).map(String::from),
            "bad-nhs" => data.patient(key).map(flip_check_digit),
            "ods" => data.organization(key).map(String::from),
            "sds" => data.practitioner(key).map(String::from),
            "loc" => data.location(key).map(String::from),
            "appt" => data.appointment(key).map(String::from),
            "logical-id" => data.logical_id(key).map(String::from),
            "date" => Some(date_text(key, sources.today)?),
            _ => sources.stored.get(key).cloned(),
        }
        .ok_or_else(|| {
            format!("`{{{token}}}` does not resolve: no `{key}` in the test-data map ({kind})")
        })?;
        out.push_str(&rest[..start]);
        out.push_str(&value);
        rest = &rest[start + token.len() + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The text of `{date:<spec>}`: a day offset from `today` (`+3`, `-1`), then optionally a space and a format.
pub fn date_text(spec: &str, today: NaiveDate) -> Result<String, String> {
    let (offset, format) = spec.split_once(' ').unwrap_or((spec, "yyyy-MM-dd"));
    let days: i64 = offset.trim().parse().map_err(|_| {
        format!("`{{date:{spec}}}`: `{offset}` is not a day offset such as +3 or -1")
    })?;
    let date = today + Duration::days(days);
    format_date(date, format.trim()).map_err(|e| format!("`{{date:{spec}}}`: {e}"))
}

/// `date` in one of the formats of `{date:...}`.
pub fn format_date(date: NaiveDate, format: &str) -> Result<String, String> {
    let midnight = uk_time::start_of_day(date);
    Ok(match format {
        "yyyy-MM-dd" => date.format("%Y-%m-%d").to_string(),
        "yyyy-MM-ddTHH:mm:sszzz" => uk_time::format(midnight),
        "yyyy-MM-ddTHH:mm:ss" => date.format("%Y-%m-%dT00:00:00").to_string(),
        "yyyy-MM-ddTHH:mm:ssZ" => midnight.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "yyyy-MM" => date.format("%Y-%m").to_string(),
        "yyyy" => date.format("%Y").to_string(),
        other => {
            return Err(format!(
                "unknown format `{other}` (yyyy-MM-dd, yyyy-MM-ddTHH:mm:sszzz, yyyy-MM-ddTHH:mm:ss, yyyy-MM-ddTHH:mm:ssZ, yyyy-MM, yyyy)"
            ))
        }
    })
}

/// Changes the last digit so the MOD 11 check fails (a number has exactly one valid check digit).
pub fn flip_check_digit(nhs: &str) -> String {
    let mut out: String = nhs
        .chars()
        .take(nhs.chars().count().saturating_sub(1))
        .collect();
    out.push(if nhs.ends_with('0') { '1' } else { '0' });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 27).expect("date")
    }

    #[test]
    fn dates_in_every_format() {
        let t = today();
        assert_eq!(date_text("+3", t).as_deref(), Ok("2026-03-30"));
        // 30 March 2026 is in summer time (the clocks went forward on the 29th).
        assert_eq!(
            date_text("+3 yyyy-MM-ddTHH:mm:sszzz", t).as_deref(),
            Ok("2026-03-30T00:00:00+01:00")
        );
        assert_eq!(
            date_text("+3 yyyy-MM-ddTHH:mm:ssZ", t).as_deref(),
            Ok("2026-03-29T23:00:00Z")
        );
        assert_eq!(
            date_text("-1 yyyy-MM-ddTHH:mm:ss", t).as_deref(),
            Ok("2026-03-26T00:00:00")
        );
        assert_eq!(date_text("+5 yyyy-MM", t).as_deref(), Ok("2026-04"));
        assert_eq!(date_text("+0 yyyy", t).as_deref(), Ok("2026"));
        assert!(date_text("x", t).is_err());
        assert!(date_text("+1 dd/MM/yyyy", t).is_err());
    }

    #[test]
    fn placeholders_resolve_through_the_test_data_map() {
        let data = TestData::default();
        let mut stored = HashMap::new();
        stored.insert("etag".to_string(), "W/\"2\"".to_string());
        let s = Sources {
            data: &data,
            stored: &stored,
            today: today(),
        };
        let nhs = data.patient("patient2").expect("patient2").to_string();
        assert_eq!(expand("{nhs:patient2}", &s).as_deref(), Ok(nhs.as_str()));
        assert_eq!(
            expand("a {stored:etag} b", &s).as_deref(),
            Ok("a W/\"2\" b")
        );
        assert_eq!(
            expand("{\"a\": 1} {id}", &s).as_deref(),
            Ok("{\"a\": 1} {id}")
        );
        assert!(expand("{nhs:nobody}", &s).is_err());
        assert_eq!(expand("le{date:+1}", &s).as_deref(), Ok("le2026-03-28"));
    }

    #[test]
    fn flipped_check_digit_is_invalid() {
        for (_, nhs) in crate::config::DEFAULT_PATIENTS {
            let bad = flip_check_digit(nhs);
            assert_eq!(bad.len(), 10);
            assert!(
                !crate::provider::data::nhs_number_valid(&bad),
                "{nhs} -> {bad}"
            );
        }
    }
}
