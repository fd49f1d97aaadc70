use super::*;
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date")
}

fn request(extra: Value) -> Value {
    let mut params = vec![json!({"name": "patientNHSNumber",
        "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": "9690937286"}})];
    params.extend(extra.as_array().cloned().unwrap_or_default());
    json!({"resourceType": "Parameters", "parameter": params})
}

fn code_of(extra: Value) -> &'static str {
    parse(&request(extra), today()).expect_err("refused").code
}

#[test]
fn a_full_request_reads_every_area_and_its_options() {
    let r = parse(
        &request(json!([
            {"name": "includeAllergies", "part": [{"name": "includeResolvedAllergies", "valueBoolean": true}]},
            {"name": "includeMedication", "part": [{"name": "includePrescriptionIssues", "valueBoolean": false},
                {"name": "medicationSearchFromDate", "valueDate": "2024-01-31"}]},
            {"name": "includeImmunisations", "part": [{"name": "includeNotGiven", "valueBoolean": true}]},
            {"name": "includeUncategorisedData", "part": [{"name": "uncategorisedDataSearchPeriod",
                "valuePeriod": {"start": "2020-01-01", "end": "2026-11-30"}}]},
            {"name": "includeInvestigations"},
            {"name": "includeReferrals"},
            {"name": "includeDiaryEntries", "part": [{"name": "diaryEntriesSearchDate", "valueDate": "2026-11-30"}]}
        ])),
        today(),
    )
    .expect("valid");
    assert_eq!(r.nhs_number, "9690937286");
    assert_eq!(r.allergies, Some(true));
    let med = r.medication.expect("medication");
    assert!(!med.prescription_issues);
    assert_eq!(med.from, NaiveDate::from_ymd_opt(2024, 1, 31));
    let imm = r.immunisations.expect("immunisations");
    assert!(
        imm.not_given && imm.status,
        "includeStatus defaults to true"
    );
    let unc = r.uncategorised.expect("uncategorised");
    assert!(unc.contains(NaiveDate::from_ymd_opt(2022, 5, 1).unwrap()));
    assert!(!unc.contains(NaiveDate::from_ymd_opt(2019, 12, 31).unwrap()));
    assert_eq!(r.investigations, Some(DateRange::default()));
    assert_eq!(r.diary, Some(NaiveDate::from_ymd_opt(2026, 11, 30)));
    assert_eq!(r.consultations, None);
    assert_eq!(r.problems, None);
}

#[test]
fn the_patient_alone_is_a_valid_request_and_defaults_apply() {
    let r = parse(&request(json!([{"name": "includeMedication"}])), today()).expect("valid");
    assert_eq!(
        r.medication,
        Some(Medication {
            prescription_issues: true,
            from: None
        })
    );
    let r = parse(&request(json!([])), today()).expect("valid");
    assert_eq!(r.allergies, None);
}

#[test]
fn nhs_number_errors() {
    let bad = json!({"resourceType": "Parameters", "parameter": [{"name": "patientNHSNumber",
        "valueIdentifier": {"system": NHS_NUMBER_SYSTEM, "value": "9690937287"}}]});
    assert_eq!(parse(&bad, today()).unwrap_err().code, "INVALID_NHS_NUMBER");
    let none = json!({"resourceType": "Parameters", "parameter": [{"name": "includeProblems"}]});
    assert_eq!(parse(&none, today()).unwrap_err().code, "INVALID_PARAMETER");
    let system = json!({"resourceType": "Parameters", "parameter": [{"name": "patientNHSNumber",
        "valueIdentifier": {"system": "https://example.org/nhs", "value": "9690937286"}}]});
    assert_eq!(
        parse(&system, today()).unwrap_err().code,
        "INVALID_PARAMETER"
    );
    assert_eq!(
        parse(&json!({"resourceType": "Patient"}), today())
            .unwrap_err()
            .code,
        "INVALID_RESOURCE"
    );
}

#[test]
fn parameter_shape_errors() {
    // includeAllergies without its mandatory part.
    assert_eq!(
        code_of(json!([{"name": "includeAllergies"}])),
        "INVALID_PARAMETER"
    );
    // A part without a value.
    assert_eq!(
        code_of(
            json!([{"name": "includeMedication", "part": [{"name": "includePrescriptionIssues"}]}])
        ),
        "INVALID_PARAMETER"
    );
    // filterStatus other than active/inactive.
    assert_eq!(
        code_of(
            json!([{"name": "includeProblems", "part": [{"name": "filterStatus", "valueCode": "resolved"}]}])
        ),
        "INVALID_PARAMETER"
    );
    // The same area twice.
    assert_eq!(
        code_of(json!([{"name": "includeReferrals"}, {"name": "includeReferrals"}])),
        "INVALID_PARAMETER"
    );
}

#[test]
fn unknown_parameters_and_parts_are_reported_not_refused() {
    let r = parse(
        &request(json!([
            {"name": "includeEverything"},
            {"name": "includeProblems", "part": [{"name": "includeNotGiven", "valueBoolean": true}]},
            {"name": "includeAllergies", "part": [{"name": "includeResolvedAllergies", "valueBoolean": false},
                {"name": "timePeriod", "valuePeriod": {"start": "2020-01-01"}}]}
        ])),
        today(),
    )
    .expect("forwards compatible");
    assert_eq!(
        r.unsupported,
        [
            "includeEverything",
            "includeProblems.includeNotGiven",
            "includeAllergies.timePeriod"
        ]
    );
    assert_eq!(r.problems, Some(None));
    assert_eq!(r.allergies, Some(false));
    // Nothing recognised at all is still refused.
    let none = json!({"resourceType": "Parameters", "parameter": [{"name": "includeEverything"}]});
    assert_eq!(parse(&none, today()).unwrap_err().code, "INVALID_PARAMETER");
}

#[test]
fn date_rules() {
    let med = |d: &str| json!([{"name": "includeMedication", "part": [{"name": "medicationSearchFromDate", "valueDate": d}]}]);
    assert_eq!(code_of(med("2026-12-01")), "INVALID_PARAMETER", "future");
    assert_eq!(code_of(med("2026-11")), "INVALID_PARAMETER", "partial");
    assert_eq!(
        code_of(med("2026-11-01T10:00:00Z")),
        "INVALID_PARAMETER",
        "date-time"
    );
    parse(&request(med("2026-11-30")), today()).expect("today is allowed");
    let period = |s: &str, e: &str| {
        json!([{"name": "includeReferrals", "part": [{"name": "referralSearchPeriod",
        "valuePeriod": {"start": s, "end": e}}]}])
    };
    assert_eq!(
        code_of(period("2026-01-02", "2026-01-01")),
        "INVALID_PARAMETER",
        "start after end"
    );
    assert_eq!(
        code_of(period("2026-01-01", "2027-01-01")),
        "INVALID_PARAMETER",
        "future end"
    );
    let diary = |d: &str| json!([{"name": "includeDiaryEntries", "part": [{"name": "diaryEntriesSearchDate", "valueDate": d}]}]);
    assert_eq!(
        code_of(diary("2026-11-29")),
        "INVALID_PARAMETER",
        "diary date in the past"
    );
    parse(&request(diary("2027-06-01")), today()).expect("a future diary date is allowed");
}

#[test]
fn forbidden_combinations() {
    let consult = json!({"name": "includeConsultations"});
    let with = |other: Value| json!([consult.clone(), other]);
    assert_eq!(
        code_of(with(
            json!({"name": "includeMedication", "part": [{"name": "medicationSearchFromDate", "valueDate": "2025-01-01"}]})
        )),
        "INVALID_PARAMETER"
    );
    assert_eq!(
        code_of(with(
            json!({"name": "includeProblems", "part": [{"name": "filterStatus", "valueCode": "active"}]})
        )),
        "INVALID_PARAMETER"
    );
    parse(
        &request(with(json!({"name": "includeMedication"}))),
        today(),
    )
    .expect("areas without filters combine");
    // includeProblems may carry its own filterStatus, but not the other areas' filters.
    parse(
        &request(json!([{"name": "includeProblems", "part": [{"name": "filterStatus", "valueCode": "inactive"}]}])),
        today(),
    )
    .expect("problems with filterStatus");
    assert_eq!(
        code_of(json!([{"name": "includeProblems"},
            {"name": "includeImmunisations", "part": [{"name": "includeStatus", "valueBoolean": false}]}])),
        "INVALID_PARAMETER"
    );
    // Period and most-recent together: INVALID_RESOURCE.
    assert_eq!(
        code_of(json!([{"name": "includeConsultations", "part": [
            {"name": "consultationSearchPeriod", "valuePeriod": {"start": "2025-01-01"}},
            {"name": "includeNumberOfMostRecent", "valuePositiveInt": 3}]}])),
        "INVALID_RESOURCE"
    );
}
