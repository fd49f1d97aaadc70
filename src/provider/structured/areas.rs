//! The clinical areas of Access Record Structured 1.6.2 and which of a record's resources each request returns:
//! the primary items of an area, filtered by the request's part parameters (retrieve page, "Payload response
//! body"), with the dates each filter reads.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::Value;

use super::params::{DateRange, ProblemStatus, StructuredRequest};

/// A clinical area, named in requests by its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Allergies,
    Medication,
    Consultations,
    Problems,
    Immunisations,
    Uncategorised,
    Investigations,
    Referrals,
    Diary,
}

/// A primary List's SNOMED code, display and title (lists-for-message-structure page, "Primary lists").
pub struct ListCode {
    pub code: &'static str,
    pub display: &'static str,
    pub title: &'static str,
}

pub const ENDED_ALLERGIES: ListCode = ListCode {
    code: "1103671000000101",
    display: "Ended allergies",
    title: "Ended allergies",
};

impl Area {
    pub const ALL: [Area; 9] = [
        Area::Allergies,
        Area::Medication,
        Area::Consultations,
        Area::Problems,
        Area::Immunisations,
        Area::Uncategorised,
        Area::Investigations,
        Area::Referrals,
        Area::Diary,
    ];

    /// The request parameter that asks for the area.
    pub fn parameter(self) -> &'static str {
        match self {
            Area::Allergies => "includeAllergies",
            Area::Medication => "includeMedication",
            Area::Consultations => "includeConsultations",
            Area::Problems => "includeProblems",
            Area::Immunisations => "includeImmunisations",
            Area::Uncategorised => "includeUncategorisedData",
            Area::Investigations => "includeInvestigations",
            Area::Referrals => "includeReferrals",
            Area::Diary => "includeDiaryEntries",
        }
    }

    pub fn from_parameter(name: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.parameter() == name)
    }

    /// The area's primary List.
    pub fn list(self) -> ListCode {
        let (code, display, title) = match self {
            Area::Allergies => (
                "886921000000105",
                "Allergies and adverse reactions",
                "Allergies and adverse reactions",
            ),
            Area::Medication => (
                "933361000000108",
                "Medications and medical devices",
                "Medications and medical devices",
            ),
            Area::Consultations => (
                "1149501000000101",
                "List of consultations",
                "List of consultations",
            ),
            Area::Problems => ("717711000000103", "Problems", "Problems"),
            Area::Immunisations => ("1102181000000102", "Immunisations", "Immunisations"),
            Area::Uncategorised => (
                "826501000000100",
                "Miscellaneous record",
                "Uncategorised data",
            ),
            Area::Investigations => (
                "887191000000108",
                "Investigations and results",
                "Investigations and results",
            ),
            Area::Referrals => ("792931000000107", "Outbound referral", "Outbound referral"),
            Area::Diary => (
                "714311000000108",
                "Patient recall administration",
                "Patient recall administration",
            ),
        };
        ListCode {
            code,
            display,
            title,
        }
    }

    /// The area an item of this resource type belongs to, for the secondary lists of problems and consultations.
    pub fn of_item(resource: &Value) -> Option<Area> {
        Some(match resource_type(resource) {
            "AllergyIntolerance" => Area::Allergies,
            "MedicationStatement" | "MedicationRequest" => Area::Medication,
            "Encounter" => Area::Consultations,
            "Condition" => Area::Problems,
            "Immunization" => Area::Immunisations,
            "Observation" => Area::Uncategorised,
            "DiagnosticReport" => Area::Investigations,
            "ReferralRequest" => Area::Referrals,
            "ProcedureRequest" => Area::Diary,
            _ => return None,
        })
    }

    /// The word used in secondary list codes (`problems-<word>-related-to-problems`).
    pub fn secondary_word(self) -> &'static str {
        match self {
            Area::Allergies => "allergies",
            Area::Medication => "medications",
            Area::Consultations => "consultations",
            Area::Problems => "problems",
            Area::Immunisations => "immunisations",
            Area::Uncategorised => "uncategorised-data",
            Area::Investigations => "investigations",
            Area::Referrals => "outbound-referrals",
            Area::Diary => "diary-entries",
        }
    }
}

pub fn resource_type(r: &Value) -> &str {
    r.get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn id_of(r: &Value) -> &str {
    r.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// `Type/id` of a resource.
pub fn key_of(r: &Value) -> String {
    format!("{}/{}", resource_type(r), id_of(r))
}

fn str_at<'a>(r: &'a Value, pointer: &str) -> Option<&'a str> {
    r.pointer(pointer).and_then(Value::as_str)
}

/// The date part of a FHIR date or dateTime, as the interval of days it covers (a partial date covers its whole
/// year or month).
pub fn day_span(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let date = text.get(..10).unwrap_or(text);
    match date.len() {
        10 => NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .map(|d| (d, d)),
        7 => {
            let first = NaiveDate::parse_from_str(&format!("{date}-01"), "%Y-%m-%d").ok()?;
            let last = first
                .checked_add_months(chrono::Months::new(1))?
                .pred_opt()?;
            Some((first, last))
        }
        4 => {
            let y: i32 = date.parse().ok()?;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        }
        _ => None,
    }
}

/// Is an item dated `text` (`None`: unknown date, always returned) inside `range`? A partial date matches when
/// any day of it does.
pub fn in_range(text: Option<&str>, range: &DateRange) -> bool {
    match text.and_then(day_span) {
        None => true,
        Some((first, last)) => {
            range.start.is_none_or(|s| last >= s) && range.end.is_none_or(|e| first <= e)
        }
    }
}

/// The date each area filters its items by.
pub fn item_date(r: &Value) -> Option<&str> {
    match resource_type(r) {
        "Encounter" => str_at(r, "/period/start"),
        "Observation" => {
            str_at(r, "/effectiveDateTime").or_else(|| str_at(r, "/effectivePeriod/start"))
        }
        "DiagnosticReport" => str_at(r, "/issued"),
        "ReferralRequest" => str_at(r, "/authoredOn"),
        "ProcedureRequest" => {
            str_at(r, "/occurrenceDateTime").or_else(|| str_at(r, "/occurrencePeriod/start"))
        }
        "Immunization" => str_at(r, "/date"),
        _ => None,
    }
}

/// References (`Type/id`) anywhere in a resource.
pub fn references(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_refs(r, &mut out);
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                if k == "reference" {
                    if let Some(s) = v.as_str().filter(|s| !s.starts_with('#')) {
                        out.push(s.to_string());
                    }
                } else if k != "contained" {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

/// The `related` targets of an Observation.
fn related_targets(o: &Value) -> Vec<String> {
    o.get("related")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| str_at(r, "/target/reference").map(String::from))
        .collect()
}

/// The Observations (`Type/id`) that belong to `reports`: those a report references (test groups, results,
/// report filing comments) and, transitively, those linked to them through `related` in either direction (a test
/// group's members, a filing comment that points at the result or group it files).
pub fn report_observations<'a>(
    record: &[Value],
    reports: impl IntoIterator<Item = &'a Value>,
) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = reports
        .into_iter()
        .flat_map(references)
        .filter(|k| k.starts_with("Observation/"))
        .collect();
    let observations: Vec<(String, Vec<String>)> = record
        .iter()
        .filter(|r| resource_type(r) == "Observation")
        .map(|o| (key_of(o), related_targets(o)))
        .collect();
    loop {
        let before = found.len();
        for (key, targets) in &observations {
            if found.contains(key) {
                found.extend(targets.iter().cloned());
            } else if targets.iter().any(|t| found.contains(t)) {
                found.insert(key.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Is this AllergyIntolerance ended?
pub fn allergy_ended(r: &Value) -> bool {
    str_at(r, "/clinicalStatus") == Some("resolved")
}

/// How a MedicationStatement's plan is prescribed: `acute`, `repeat`, ... (from its plan's prescription type).
fn prescription_type(plan: Option<&Value>) -> Option<&str> {
    plan?
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| {
            str_at(e, "/url")
                .is_some_and(|u| u.contains("Extension-CareConnect-GPC-PrescriptionType-1"))
        })
        .and_then(|e| str_at(e, "/valueCodeableConcept/coding/0/code"))
}

/// Is the medication prescribed elsewhere (always returned whatever the search date)?
fn prescribed_elsewhere(statement: &Value) -> bool {
    statement
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| {
            str_at(e, "/url")
                .is_some_and(|u| u.contains("Extension-CareConnect-GPC-PrescribingAgency-1"))
        })
        .any(|e| {
            str_at(e, "/valueCodeableConcept/coding/0/code")
                == Some("prescribed-by-another-organisation")
        })
}

/// Is a MedicationStatement active on or after `from` (retrieve page, "Medications")? Acute without an end is
/// active on its start only; repeat (or unknown) without an end is ongoing.
pub fn medication_active_from(statement: &Value, plan: Option<&Value>, from: NaiveDate) -> bool {
    if prescribed_elsewhere(statement) {
        return true;
    }
    let end = str_at(statement, "/effectivePeriod/end").and_then(day_span);
    let start = str_at(statement, "/effectivePeriod/start").and_then(day_span);
    match (end, start) {
        (Some((_, last)), _) => last >= from,
        (None, Some((_, last))) if prescription_type(plan) == Some("acute") => last >= from,
        _ => true,
    }
}

/// Selects the primary items of `area` from a record, as the request's filters ask. `pool` resolves references.
pub fn select<'a>(
    area: Area,
    req: &StructuredRequest,
    record: &'a [Value],
    plan_of: &dyn Fn(&Value) -> Option<&'a Value>,
) -> Vec<&'a Value> {
    let of_type = |t: &'static str| record.iter().filter(move |r| resource_type(r) == t);
    match area {
        Area::Allergies => {
            let resolved = req.allergies.unwrap_or(false);
            of_type("AllergyIntolerance")
                .filter(|r| resolved || !allergy_ended(r))
                .collect()
        }
        Area::Medication => {
            let from = req.medication.and_then(|m| m.from);
            of_type("MedicationStatement")
                .filter(|s| from.is_none_or(|f| medication_active_from(s, plan_of(s), f)))
                .collect()
        }
        Area::Problems => {
            let status = req.problems.flatten();
            of_type("Condition")
                .filter(|c| match status {
                    None | Some(ProblemStatus::Any) => true,
                    Some(ProblemStatus::Active) => str_at(c, "/clinicalStatus") == Some("active"),
                    Some(ProblemStatus::Inactive) => str_at(c, "/clinicalStatus") != Some("active"),
                })
                .collect()
        }
        Area::Immunisations => {
            let not_given = req.immunisations.is_some_and(|i| i.not_given);
            of_type("Immunization")
                .filter(|i| not_given || i.get("notGiven").and_then(Value::as_bool) != Some(true))
                .collect()
        }
        Area::Uncategorised => {
            let range = req.uncategorised.unwrap_or_default();
            // Observations that are part of an investigation are not uncategorised data.
            let in_reports = report_observations(record, of_type("DiagnosticReport"));
            of_type("Observation")
                .filter(|o| !in_reports.contains(&key_of(o)))
                .filter(|o| in_range(item_date(o), &range))
                .collect()
        }
        Area::Investigations => {
            let range = req.investigations.unwrap_or_default();
            of_type("DiagnosticReport")
                .filter(|r| in_range(item_date(r), &range))
                .collect()
        }
        Area::Referrals => {
            let range = req.referrals.unwrap_or_default();
            of_type("ReferralRequest")
                .filter(|r| in_range(item_date(r), &range))
                .collect()
        }
        Area::Diary => {
            let until = req.diary.flatten();
            let range = DateRange {
                start: None,
                end: until,
            };
            let requested_by_reports: Vec<String> =
                of_type("DiagnosticReport").flat_map(references).collect();
            of_type("ProcedureRequest")
                .filter(|p| !requested_by_reports.contains(&key_of(p)))
                .filter(|p| in_range(item_date(p), &range))
                .collect()
        }
        Area::Consultations => {
            let c = req.consultations.unwrap_or_default();
            let range = c.period.unwrap_or_default();
            let mut encounters: Vec<&Value> = of_type("Encounter")
                .filter(|e| in_range(item_date(e), &range))
                .collect();
            if let Some(n) = c.most_recent {
                // Most recent first by start; unknown dates last.
                encounters.sort_by(|a, b| item_date(b).cmp(&item_date(a)));
                encounters.truncate(usize::try_from(n).unwrap_or(usize::MAX));
            }
            encounters
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn partial_dates_cover_their_year_or_month() {
        let range = DateRange {
            start: Some(d("2024-03-15")),
            end: Some(d("2024-06-30")),
        };
        assert!(in_range(Some("2024"), &range));
        assert!(in_range(Some("2024-03"), &range));
        assert!(!in_range(Some("2024-02"), &range));
        assert!(in_range(Some("2024-06-30T23:00:00+01:00"), &range));
        assert!(!in_range(Some("2024-07-01"), &range));
        assert!(in_range(None, &range), "unknown dates are always returned");
    }

    #[test]
    fn investigation_observations_are_not_uncategorised_data() {
        let obs = |id: &str, related: Value| {
            json!({"resourceType": "Observation", "id": id, "effectiveDateTime": "2024-01-10",
                "related": related})
        };
        let record = vec![
            json!({"resourceType": "DiagnosticReport", "id": "dr", "issued": "2024-01-11T10:00:00+00:00",
                "result": [{"reference": "Observation/group"}]}),
            obs(
                "group",
                json!([{"type": "has-member", "target": {"reference": "Observation/result"}}]),
            ),
            obs(
                "result",
                json!([{"type": "derived-from", "target": {"reference": "Observation/group"}}]),
            ),
            // A filing comment on the test result: only the comment points at the result.
            obs(
                "filed",
                json!([{"type": "derived-from", "target": {"reference": "Observation/result"}}]),
            ),
            // Uncategorised data with its own hierarchy.
            obs(
                "bp-panel",
                json!([{"type": "has-member", "target": {"reference": "Observation/bp-note"}}]),
            ),
            obs(
                "bp-note",
                json!([{"type": "derived-from", "target": {"reference": "Observation/bp-panel"}}]),
            ),
        ];
        let in_report = report_observations(&record, &record[..1]);
        let keys: Vec<&str> = in_report.iter().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Observation/filed",
                "Observation/group",
                "Observation/result"
            ]
        );
        let req = StructuredRequest {
            uncategorised: Some(DateRange::default()),
            ..StructuredRequest::default()
        };
        let picked: Vec<&str> = select(Area::Uncategorised, &req, &record, &|_| None)
            .into_iter()
            .map(id_of)
            .collect();
        assert_eq!(picked, ["bp-panel", "bp-note"]);
    }

    #[test]
    fn medication_activity_follows_the_spec_rules() {
        let acute_plan = json!({"extension": [{"url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-PrescriptionType-1",
            "valueCodeableConcept": {"coding": [{"code": "acute"}]}}]});
        let started = json!({"effectivePeriod": {"start": "2024-01-10"}});
        assert!(!medication_active_from(
            &started,
            Some(&acute_plan),
            d("2024-01-11")
        ));
        assert!(medication_active_from(
            &started,
            Some(&acute_plan),
            d("2024-01-10")
        ));
        assert!(
            medication_active_from(&started, None, d("2026-01-01")),
            "unknown type is repeat"
        );
        let ended = json!({"effectivePeriod": {"start": "2023-01-10", "end": "2023-06-01"}});
        assert!(!medication_active_from(&ended, None, d("2023-06-02")));
    }
}
