use serde_json::{json, Value};

use super::*;

/// 2024-03-15T12:00:00Z.
const NOW: i64 = 1_710_504_000;

fn request(scope: Option<&str>) -> InboundRequest {
    let mut headers = Vec::new();
    if let Some(scope) = scope {
        let mut claims = serde_json::Map::new();
        claims.insert("requested_scope".into(), json!(scope));
        let jwt = crate::spine::jwt::Jwt {
            header: json!({ "alg": "none", "typ": "JWT" }),
            claims: Value::Object(claims),
        };
        headers.push((
            "Authorization".to_string(),
            format!("Bearer {}", jwt.encode()),
        ));
    }
    InboundRequest {
        received_at: NOW,
        method: "POST".into(),
        target: "/Patient/$gpc.getstructuredrecord".into(),
        headers,
        body: Vec::new(),
    }
}

fn parameters(params: Vec<Value>) -> Value {
    let mut all = vec![json!({
        "name": "patientNHSNumber",
        "valueIdentifier": { "system": system::NHS_NUMBER, "value": "9690937286" }
    })];
    all.extend(params);
    json!({ "resourceType": "Parameters", "parameter": all })
}

fn broken_by(op: Operation, req: &InboundRequest, body: &Value) -> Vec<String> {
    let mut findings = Vec::new();
    judge(req, op, body, &mut findings);
    findings.into_iter().map(|f| f.rule).collect()
}

fn broken(params: Vec<Value>) -> Vec<String> {
    broken_by(Operation::Get, &request(None), &parameters(params))
}

fn area(name: &str, parts: Value) -> Value {
    json!({ "name": name, "part": parts })
}

#[test]
fn official_requests_pass() {
    // The 1.6.2 examples that follow the page's parameter table (the others misname a part:
    // `referralsSearchPeriod`, `includeProblems.includeStatus`). The pathology and uncategorised examples use
    // 9432003812, whose check digit is wrong (it should be 7): their number is replaced.
    let dir = "../shared/fhir/nhsconnect-gpconnect-spec-examples/1.6.2/accessrecord_structured";
    for name in [
        "allergies_request1",
        "allergies_request2",
        "consultations_request1",
        "immunizations_request1",
        "immunizations_request2",
        "immunizations_request3",
        "meds_request",
        "pathology_request1",
        "problems_request1",
        "uncategorised_request1",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}.json")).expect("example");
        let mut body: Value = serde_json::from_str(&text).expect("JSON");
        if body["parameter"][0]["valueIdentifier"]["value"] == "9432003812" {
            body["parameter"][0]["valueIdentifier"]["value"] = json!("9999999999");
        }
        assert_eq!(
            broken_by(Operation::Get, &request(None), &body),
            Vec::<String>::new(),
            "{name}"
        );
    }
    let misnamed =
        std::fs::read_to_string(format!("{dir}/referrals_request1.json")).expect("example");
    let misnamed: Value = serde_json::from_str(&misnamed).expect("JSON");
    assert_eq!(
        broken_by(Operation::Get, &request(None), &misnamed),
        vec![PARAMETER_NAMES.id]
    );
}

#[test]
fn predefined_searches_pass() {
    let search1 = vec![
        area(
            "includeConsultations",
            json!([{ "name": "includeNumberOfMostRecent", "valuePositiveInt": 3 }]),
        ),
        json!({ "name": "includeProblems" }),
        area(
            "includeAllergies",
            json!([{ "name": "includeResolvedAllergies", "valueBoolean": true }]),
        ),
        area(
            "includeMedication",
            json!([{ "name": "medicationSearchFromDate", "valueDate": "2023-03-15" }]),
        ),
    ];
    assert_eq!(broken(search1.clone()), Vec::<String>::new());
    let mut search2 = search1;
    search2.push(json!({ "name": "includeImmunisations" }));
    search2.push(json!({ "name": "includeUncategorisedData" }));
    assert_eq!(broken(search2), Vec::<String>::new());
}

#[test]
fn parameter_names() {
    assert_eq!(
        broken(vec![json!({ "name": "includeEverything" })]),
        vec![PARAMETER_NAMES.id]
    );
    assert_eq!(
        broken(vec![
            json!({ "name": "includeProblems" }),
            json!({ "name": "includeProblems" })
        ]),
        vec![PARAMETER_NAMES.id]
    );
    assert_eq!(
        broken(vec![area(
            "includeProblems",
            json!([{ "name": "includeStatus", "valueCode": "active" }])
        )]),
        vec![PARAMETER_NAMES.id]
    );
    assert_eq!(
        broken(vec![
            json!({ "name": "includeProblems", "valueBoolean": true })
        ]),
        vec![PARAMETER_NAMES.id]
    );
    // includeSensitiveInformation belongs to the migrate operation only.
    assert_eq!(
        broken(vec![area(
            "includeFullRecord",
            json!([{ "name": "includeSensitiveInformation", "valueBoolean": false }])
        )]),
        vec![PARAMETER_NAMES.id]
    );
}

#[test]
fn nhs_number() {
    let body =
        json!({ "resourceType": "Parameters", "parameter": [{ "name": "includeProblems" }] });
    assert_eq!(
        broken_by(Operation::Get, &request(None), &body),
        vec![NHS_NUMBER.id]
    );
    let mut bad = parameters(vec![json!({ "name": "includeProblems" })]);
    bad["parameter"][0]["valueIdentifier"]["value"] = json!("9690937287");
    bad["parameter"][0]["valueIdentifier"]["system"] = json!("http://fhir.nhs.net/Id/nhs-number");
    assert_eq!(
        broken_by(Operation::Get, &request(None), &bad),
        vec![NHS_NUMBER.id, NHS_NUMBER.id]
    );
}

#[test]
fn part_values() {
    assert_eq!(
        broken(vec![area(
            "includeAllergies",
            json!([{ "name": "includeResolvedAllergies" }])
        )]),
        vec![PART_VALUE.id]
    );
    assert_eq!(
        broken(vec![area(
            "includeConsultations",
            json!([{ "name": "includeNumberOfMostRecent", "valuePositiveInt": 0 }])
        )]),
        vec![PART_VALUE.id]
    );
}

#[test]
fn resolved_allergies_part() {
    assert_eq!(
        broken(vec![json!({ "name": "includeAllergies" })]),
        vec![RESOLVED_ALLERGIES.id]
    );
}

#[test]
fn whole_dates_not_in_the_future() {
    let meds = |date: &str| {
        area(
            "includeMedication",
            json!([{ "name": "medicationSearchFromDate", "valueDate": date }]),
        )
    };
    assert_eq!(broken(vec![meds("2024-03-15")]), Vec::<String>::new());
    assert_eq!(broken(vec![meds("2024-03")]), vec![WHOLE_DATE.id]);
    assert_eq!(broken(vec![meds("2024-03-16")]), vec![NOT_FUTURE.id]);
    let referrals = area(
        "includeReferrals",
        json!([{ "name": "referralSearchPeriod", "valuePeriod": { "start": "2024-01-01T00:00:00+00:00", "end": "2024-04-01" } }]),
    );
    assert_eq!(broken(vec![referrals]), vec![WHOLE_DATE.id, NOT_FUTURE.id]);
}

#[test]
fn diary_date_not_in_the_past() {
    let diary = |date: &str| {
        area(
            "includeDiaryEntries",
            json!([{ "name": "diaryEntriesSearchDate", "valueDate": date }]),
        )
    };
    assert_eq!(broken(vec![diary("2024-03-15")]), Vec::<String>::new());
    assert_eq!(broken(vec![diary("2024-03-14")]), vec![DIARY_DATE.id]);
}

#[test]
fn period_order() {
    let period = area(
        "includeInvestigations",
        json!([{ "name": "investigationSearchPeriod", "valuePeriod": { "start": "2023-02-01", "end": "2023-01-01" } }]),
    );
    assert_eq!(broken(vec![period]), vec![PERIOD_ORDER.id]);
}

#[test]
fn consultation_filters_not_both() {
    let both = area(
        "includeConsultations",
        json!([
            { "name": "consultationSearchPeriod", "valuePeriod": { "start": "2023-01-01", "end": "2023-02-01" } },
            { "name": "includeNumberOfMostRecent", "valuePositiveInt": 3 }
        ]),
    );
    assert_eq!(broken(vec![both]), vec![CONSULTATION_FILTERS.id]);
}

#[test]
fn filter_status_values() {
    let status = |code: &str| {
        area(
            "includeProblems",
            json!([{ "name": "filterStatus", "valueCode": code }]),
        )
    };
    assert_eq!(broken(vec![status("inactive")]), Vec::<String>::new());
    assert_eq!(broken(vec![status("resolved")]), vec![FILTER_STATUS.id]);
}

#[test]
fn not_permitted_combinations() {
    let consultations = area(
        "includeConsultations",
        json!([{ "name": "includeNumberOfMostRecent", "valuePositiveInt": 2 }]),
    );
    let filter = area(
        "includeProblems",
        json!([{ "name": "filterStatus", "valueCode": "active" }]),
    );
    assert_eq!(
        broken(vec![consultations.clone(), filter.clone()]),
        vec![COMBINATION.id]
    );
    // filterStatus is permitted with problems alone; the immunisation filters are not.
    let immunisations = area(
        "includeImmunisations",
        json!([{ "name": "includeNotGiven", "valueBoolean": true }]),
    );
    assert_eq!(broken(vec![filter.clone()]), Vec::<String>::new());
    assert_eq!(
        broken(vec![filter, immunisations.clone()]),
        vec![COMBINATION.id]
    );
    // Both areas requested: the filter is reported once for each.
    let problems = json!({ "name": "includeProblems" });
    assert_eq!(
        broken(vec![consultations, problems, immunisations]),
        vec![COMBINATION.id, COMBINATION.id]
    );
}

fn migrate(sensitive: Option<bool>) -> Value {
    let parts = match sensitive {
        Some(b) => json!([{ "name": "includeSensitiveInformation", "valueBoolean": b }]),
        None => json!([]),
    };
    parameters(vec![area("includeFullRecord", parts)])
}

#[test]
fn migrate_full_record() {
    let req = request(Some("patient/*.read conf/R"));
    assert_eq!(
        broken_by(Operation::Migrate, &req, &migrate(Some(true))),
        Vec::<String>::new()
    );
    assert_eq!(
        broken_by(Operation::Migrate, &req, &migrate(None)),
        vec![FULL_RECORD.id]
    );
    assert_eq!(
        broken_by(Operation::Migrate, &req, &parameters(vec![])),
        vec![FULL_RECORD.id]
    );
    // A clinical-area parameter of the get operation is not one of migrate's.
    let mut extra = migrate(Some(false));
    if let Some(list) = extra["parameter"].as_array_mut() {
        list.push(json!({ "name": "includeProblems" }));
    }
    assert_eq!(
        broken_by(Operation::Migrate, &req, &extra),
        vec![PARAMETER_NAMES.id]
    );
}

#[test]
fn sensitive_information_needs_conf_r() {
    let normal = request(Some("patient/*.read conf/N"));
    assert_eq!(
        broken_by(Operation::Migrate, &normal, &migrate(Some(false))),
        Vec::<String>::new()
    );
    assert_eq!(
        broken_by(Operation::Migrate, &normal, &migrate(Some(true))),
        vec![SENSITIVE_SCOPE.id]
    );
    let default = request(Some("patient/*.read"));
    assert_eq!(
        broken_by(Operation::Migrate, &default, &migrate(Some(true))),
        vec![SENSITIVE_SCOPE.id]
    );
    // No token: the JWT rules report it.
    assert_eq!(
        broken_by(Operation::Migrate, &request(None), &migrate(Some(true))),
        Vec::<String>::new()
    );
}

#[test]
fn bare_parameters_are_recognised() {
    let body = parameters(vec![json!({ "name": "includeProblems" })]);
    assert!(is_bare_parameter(&body, "Parameters.parameter[1]"));
    assert!(!is_bare_parameter(&body, "Parameters.parameter[0]"));
}
