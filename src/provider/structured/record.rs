//! The structured records of the reference provider, as data: one JSON file per pack patient under `records/`
//! (plus `common.json` for resources several records share), embedded in the binary.
//!
//! A record file is FHIR as a provider would hold it, with two kinds of token in its strings so the record stays
//! the same age on any day:
//! - `{today-3y+2d}` is a date relative to the provider clock's UK date (`d`, `w`, `m`, `y`); `{today-40d@09:30}`
//!   is that day at a UK local time with its offset; `{today-2y:year}` and `{today-5m:month}` are partial dates
//!   (`2024`, `2026-06`).
//! - `{patient}` is the logical id of the record's patient.
//!
//! File shape: `{"patient": "<pack name>", "warnings": {"<area>": ["data-awaiting-filing", ...]},
//! "transit_since": "<date token>", "confidential": ["MedicationStatement/p2-...", ...], "resources": [ ... ]}`.
//! Areas are named by their request parameter (`includeAllergies`, ...). `confidential` names the items a
//! clinician marked confidential: left out of every answer (with the confidential-items warning on the Lists
//! they would have been in) except a migration that asks for sensitive information.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use serde::Deserialize;
use serde_json::Value;

use crate::provider::uktime;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_records.rs"));
}

/// A record file that cannot be read: a defect of the embedded data, reported by name.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("structured record {file}: {message}")]
    Invalid { file: String, message: String },
}

/// One record file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    #[serde(default)]
    patient: Option<String>,
    #[serde(default)]
    warnings: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    transit_since: Option<String>,
    #[serde(default)]
    confidential: Vec<String>,
    resources: Vec<Value>,
}

/// A patient's structured record on a given day, tokens resolved.
#[derive(Debug, Clone, Default)]
pub struct PatientRecord {
    /// Warning codes per area parameter name (`includeMedication` -> [`confidential-items`]).
    pub warnings: BTreeMap<String, Vec<String>>,
    /// The registration date of a patient whose record is still in transit from the previous practice.
    pub transit_since: Option<NaiveDate>,
    /// `Type/id` of the items marked confidential.
    pub confidential: Vec<String>,
    pub resources: Vec<Value>,
}

/// Every record file, parsed once; resolved per request against the day's date.
#[derive(Debug, Clone)]
pub struct Records {
    common: Vec<Value>,
    patients: BTreeMap<String, RecordFile>,
}

impl Records {
    /// Parses the embedded files.
    pub fn embedded() -> Result<Self, RecordError> {
        let mut common = Vec::new();
        let mut patients = BTreeMap::new();
        for (name, text) in embedded::RECORDS {
            let file: RecordFile =
                serde_json::from_str(text).map_err(|e| RecordError::Invalid {
                    file: (*name).to_string(),
                    message: e.to_string(),
                })?;
            match file.patient.clone() {
                // A patient's record may be split over several files (one per area, say).
                Some(p) => match patients.get_mut(&p) {
                    None => {
                        patients.insert(p, file);
                    }
                    Some(existing) => merge(existing, file),
                },
                None => common.extend(file.resources),
            }
        }
        Ok(Self { common, patients })
    }

    /// The shared resources, resolved on `today`.
    pub fn common(&self, today: NaiveDate) -> Vec<Value> {
        self.common.iter().map(|r| resolve(r, today, "")).collect()
    }

    /// The record of the pack patient `name` (logical id `id`) on `today`; a patient with no file has an empty
    /// record.
    pub fn patient(&self, name: &str, id: &str, today: NaiveDate) -> PatientRecord {
        let Some(file) = self.patients.get(name) else {
            return PatientRecord::default();
        };
        PatientRecord {
            warnings: file.warnings.clone(),
            transit_since: file
                .transit_since
                .as_deref()
                .and_then(|t| expand(t, today, id))
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            confidential: file.confidential.clone(),
            resources: file
                .resources
                .iter()
                .map(|r| resolve(r, today, id))
                .collect(),
        }
    }

    /// Every resource of every file, resolved on `today` (for checks over the whole data set).
    pub fn all_files(&self) -> impl Iterator<Item = (&str, &[Value])> {
        std::iter::once(("common", self.common.as_slice())).chain(
            self.patients
                .iter()
                .map(|(k, f)| (k.as_str(), f.resources.as_slice())),
        )
    }

    /// The pack names that have a record file.
    pub fn patient_names(&self) -> impl Iterator<Item = &str> {
        self.patients.keys().map(String::as_str)
    }
}

fn merge(into: &mut RecordFile, more: RecordFile) {
    for (area, codes) in more.warnings {
        into.warnings.entry(area).or_default().extend(codes);
    }
    if into.transit_since.is_none() {
        into.transit_since = more.transit_since;
    }
    into.confidential.extend(more.confidential);
    into.resources.extend(more.resources);
}

fn resolve(v: &Value, today: NaiveDate, patient: &str) -> Value {
    match v {
        Value::String(s) if s.contains('{') => {
            Value::String(expand(s, today, patient).unwrap_or_else(|| s.clone()))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| resolve(i, today, patient)).collect())
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), resolve(v, today, patient)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces every token in `text`; `None` if a token is malformed (the data test reports it).
pub fn expand(text: &str, today: NaiveDate, patient: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let token = &rest[open + 1..close];
        if token == "patient" {
            out.push_str(patient);
        } else {
            out.push_str(&date_token(token, today)?);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `today-3y+2d`, `today-40d@09:30`, `today-2y:year`.
fn date_token(token: &str, today: NaiveDate) -> Option<String> {
    let body = token.strip_prefix("today")?;
    let (body, precision) = match body.split_once(':') {
        Some((b, p)) if p == "year" || p == "month" => (b, Some(p)),
        _ => (body, None),
    };
    let (offsets, time) = match body.split_once('@') {
        Some((o, t)) => (o, Some(NaiveTime::parse_from_str(t, "%H:%M").ok()?)),
        None => (body, None),
    };
    let mut date = today;
    let mut chars = offsets.char_indices().peekable();
    while let Some((start, sign)) = chars.next() {
        if sign != '+' && sign != '-' {
            return None;
        }
        let mut end = start + 1;
        while let Some((i, c)) = chars.peek().copied() {
            if c.is_ascii_digit() {
                end = i + 1;
                chars.next();
            } else {
                break;
            }
        }
        let n: u32 = offsets.get(start + 1..end)?.parse().ok()?;
        let (_, unit) = chars.next()?;
        let forward = sign == '+';
        date = match unit {
            'd' => shift_days(date, i64::from(n), forward)?,
            'w' => shift_days(date, i64::from(n) * 7, forward)?,
            'm' => shift_months(date, n, forward)?,
            'y' => shift_months(date, n.checked_mul(12)?, forward)?,
            _ => return None,
        };
    }
    Some(match (precision, time) {
        (Some("year"), None) => format!("{:04}", date.year()),
        (Some("month"), None) => format!("{:04}-{:02}", date.year(), date.month()),
        (None, None) => date.format("%Y-%m-%d").to_string(),
        (None, Some(t)) => uktime::format(uktime::local_to_utc(date.and_time(t))),
        _ => return None,
    })
}

fn shift_days(date: NaiveDate, days: i64, forward: bool) -> Option<NaiveDate> {
    let delta = chrono::Days::new(u64::try_from(days).ok()?);
    if forward {
        date.checked_add_days(delta)
    } else {
        date.checked_sub_days(delta)
    }
}

fn shift_months(date: NaiveDate, months: u32, forward: bool) -> Option<NaiveDate> {
    if forward {
        date.checked_add_months(Months::new(months))
    } else {
        date.checked_sub_months(Months::new(months))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn tokens_follow_the_day() {
        let t = day(2028, 2, 29);
        assert_eq!(expand("{today}", t, "2").as_deref(), Some("2028-02-29"));
        assert_eq!(expand("{today-1y}", t, "2").as_deref(), Some("2027-02-28"));
        assert_eq!(
            expand("{today-3y+2d}", t, "2").as_deref(),
            Some("2025-03-02")
        );
        assert_eq!(expand("{today-2y:year}", t, "2").as_deref(), Some("2026"));
        assert_eq!(
            expand("{today-1m:month}", t, "2").as_deref(),
            Some("2028-01")
        );
        assert_eq!(
            expand("Patient/{patient}", t, "7").as_deref(),
            Some("Patient/7")
        );
        // A summer time is written with the BST offset.
        assert_eq!(
            expand("{today@09:30}", day(2026, 7, 1), "").as_deref(),
            Some("2026-07-01T09:30:00+01:00")
        );
        assert_eq!(
            expand("{today@09:30}", day(2026, 12, 1), "").as_deref(),
            Some("2026-12-01T09:30:00+00:00")
        );
        assert_eq!(expand("{today-3q}", t, ""), None);
        assert_eq!(expand("{tomorrow}", t, ""), None);
    }

    #[test]
    fn the_embedded_files_parse() {
        let records = Records::embedded().expect("embedded records parse");
        assert!(records.patient_names().any(|p| p == "patient2"));
    }
}
