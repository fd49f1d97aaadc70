use std::collections::HashSet;
use std::io::Write as _;
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::*;
use crate::fhir::FhirPath;
use crate::validate::{Store, Validators};

/// 2017-05-25T12:00:00Z: before the official examples' appointments.
const BEFORE_EXAMPLES: i64 = 1_495_713_600;
const EXAMPLES: &str = "../shared/fhir/nhsconnect-gpconnect-spec-examples";

fn validators() -> &'static Validators {
    static V: OnceLock<Validators> = OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(FhirPath::development_default()).expect("FHIR definitions");
        Validators::new(&store, &crate::config::DefinitionSources::default())
    })
}

fn example(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{EXAMPLES}/{path}")).expect("an official example");
    serde_json::from_str(&text).expect("JSON")
}

fn request(method: &str, content_type: Option<&str>, body: Vec<u8>) -> InboundRequest {
    InboundRequest {
        received_at: BEFORE_EXAMPLES,
        method: method.into(),
        target: "/fhir/x".into(),
        headers: content_type
            .map(|c| vec![("Content-Type".to_string(), c.to_string())])
            .unwrap_or_default(),
        body,
    }
}

fn json_request(method: &str, body: &Value) -> InboundRequest {
    request(
        method,
        Some("application/fhir+json;charset=utf-8"),
        body.to_string().into_bytes(),
    )
}

/// The findings of `req` as `interaction`, with or without the profile validators.
fn findings(req: &InboundRequest, interaction: Interaction, with_validators: bool) -> Vec<Finding> {
    let seen = HashSet::new();
    let ctx = RuleContext {
        provider_asid: "200000000116",
        consumer_asid: None,
        roots: &[],
        origin: "https://provider.example",
        validators: with_validators.then(validators),
        seen_trace_ids: &seen,
        clock_skew_secs: 0,
    };
    let route = Route {
        interaction,
        id: Some("9".into()),
        root_url: "https://provider.example/fhir".into(),
    };
    let mut out = Vec::new();
    judge(req, &ctx, &route, &mut out);
    out
}

fn rules_of(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn rule_ids_are_unique_and_in_the_body_group() {
    let mut seen = HashSet::new();
    for rule in RULES {
        assert!(rule.id.starts_with("body."), "{}", rule.id);
        assert_eq!(rule.group(), "body");
        assert!(seen.insert(rule.id), "{} twice", rule.id);
        assert!(
            !rule.requirement.is_empty() && !rule.page.contains(".html"),
            "{}",
            rule.id
        );
    }
}

#[test]
fn gets_carry_no_body() {
    let empty = request("GET", None, Vec::new());
    assert!(findings(&empty, Interaction::PatientRead, false).is_empty());
    let with_body = request("GET", Some("application/fhir+json"), b"{}".to_vec());
    assert_eq!(
        rules_of(&findings(&with_body, Interaction::DocumentsMigrate, false)),
        vec![ABSENT.id]
    );
}

#[test]
fn posts_and_puts_carry_a_body() {
    let empty = request("POST", None, Vec::new());
    assert_eq!(
        rules_of(&findings(&empty, Interaction::GetStructuredRecord, false)),
        vec![REQUIRED.id]
    );
    // An amendment without a body still has its If-Match judged.
    let empty = request("PUT", None, Vec::new());
    assert_eq!(
        rules_of(&findings(&empty, Interaction::AppointmentAmend, false)),
        vec![appointment::IF_MATCH.id, REQUIRED.id]
    );
}

#[test]
fn unparsable_bodies_give_one_finding() {
    let bad = request(
        "POST",
        Some("application/fhir+json"),
        b"{\"resourceType\": ".to_vec(),
    );
    assert_eq!(
        rules_of(&findings(&bad, Interaction::RegisterPatient, false)),
        vec![PARSE.id]
    );
    let no_type = request(
        "POST",
        Some("application/fhir+json"),
        b"{\"parameter\": []}".to_vec(),
    );
    assert_eq!(
        rules_of(&findings(&no_type, Interaction::RegisterPatient, false)),
        vec![PARSE.id]
    );
    let latin1 = request(
        "POST",
        Some("application/fhir+json"),
        vec![b'{', 0xe9, b'}'],
    );
    assert_eq!(
        rules_of(&findings(&latin1, Interaction::RegisterPatient, false)),
        vec![PARSE.id]
    );
    let mut brotli = json_request("POST", &json!({ "resourceType": "Parameters" }));
    brotli
        .headers
        .push(("Content-Encoding".into(), "br".into()));
    assert_eq!(
        rules_of(&findings(&brotli, Interaction::RegisterPatient, false)),
        vec![PARSE.id]
    );
    let xml = request(
        "POST",
        Some("application/fhir+xml"),
        b"<Parameters xmlns=\"http://hl7.org/fhir\">".to_vec(),
    );
    assert_eq!(
        rules_of(&findings(&xml, Interaction::RegisterPatient, true)),
        vec![PARSE.id]
    );
}

#[test]
fn the_resource_type_is_the_interactions() {
    let appt = example("1.2.9/appointments/book_appt_request_example.json");
    let req = json_request("POST", &appt);
    assert_eq!(
        rules_of(&findings(&req, Interaction::RegisterPatient, false)),
        vec![RESOURCE_TYPE.id]
    );
}

#[test]
fn gzip_and_xml_bodies_are_read() {
    let appt = example("1.2.9/appointments/book_appt_request_example.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(appt.to_string().as_bytes()).expect("gzip");
    let mut req = request(
        "POST",
        Some("application/fhir+json"),
        gz.finish().expect("gzip"),
    );
    req.headers.push(("Content-Encoding".into(), "gzip".into()));
    assert!(findings(&req, Interaction::AppointmentCreate, false).is_empty());
    let xml = crate::fhir::xml::json_to_xml(&appt).expect("XML");
    let req = request(
        "POST",
        Some("application/fhir+xml;charset=utf-8"),
        xml.into_bytes(),
    );
    let found = findings(&req, Interaction::AppointmentCreate, true);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn official_bodies_validate_clean() {
    let cases = [
        (
            "1.2.9/appointments/book_appt_request_example.json",
            Interaction::AppointmentCreate,
        ),
        (
            "1.2.9/appointments/amend_appt_request_example.json",
            Interaction::AppointmentAmend,
        ),
        (
            "1.2.9/appointments/cancel_appt_request_example.json",
            Interaction::AppointmentCancel,
        ),
        (
            "1.6.2/accessrecord_structured/allergies_request1.json",
            Interaction::GetStructuredRecord,
        ),
        (
            "1.6.2/accessrecord_structured/meds_request.json",
            Interaction::GetStructuredRecord,
        ),
        (
            "1.6.2/accessrecord_structured/diaryentries_request1.json",
            Interaction::GetStructuredRecord,
        ),
    ];
    for (path, interaction) in cases {
        let mut req = json_request("POST", &example(path));
        req.headers
            .push(("If-Match".into(), "W/\"636068818095315079\"".into()));
        // The diary example asks for entries up to 2017-06-04, which must not be in the past.
        req.received_at = BEFORE_EXAMPLES;
        let found = findings(&req, interaction, true);
        assert!(found.is_empty(), "{path}: {found:#?}");
    }
}

#[test]
fn register_patient_validates_the_patient_against_its_profile() {
    let mut params = example("1.2.9/foundations/register_patient_request_example.json");
    // The example's NHS number verification coding names the CodeSystem by a wrong URL (no /STU3/CodeSystem/).
    params["parameter"][0]["resource"]["identifier"][0]["extension"][0]["valueCodeableConcept"]
        ["coding"][0]["system"] = json!(crate::spine::headers::system::NHS_NUMBER_VERIFICATION);
    let req = json_request("POST", &params);
    let found = findings(&req, Interaction::RegisterPatient, true);
    assert!(found.is_empty(), "{found:#?}");
    params["parameter"][0]["resource"]["gender"] = json!("woman");
    let found = findings(
        &json_request("POST", &params),
        Interaction::RegisterPatient,
        true,
    );
    // Reported against the core and the profile binding, each once.
    assert_eq!(rules_of(&found), vec![PROFILE.id, PROFILE.id], "{found:#?}");
    let at = "body Parameters.parameter[0].resource.ofType(Patient).gender";
    assert!(found.iter().all(|f| f.at == at), "{found:#?}");
    // Without the claim in meta.profile, the Patient is still held to CareConnect-GPC-Patient-1.
    params["parameter"][0]["resource"]["meta"] = json!({});
    let found = findings(
        &json_request("POST", &params),
        Interaction::RegisterPatient,
        true,
    );
    assert!(
        found
            .iter()
            .any(|f| f.actual.contains("CareConnect-AdministrativeGender-1")),
        "{found:#?}"
    );
}

#[test]
fn profile_errors_are_findings() {
    let mut appt = example("1.2.9/appointments/book_appt_request_example.json");
    appt["colour"] = json!("blue");
    let found = findings(
        &json_request("POST", &appt),
        Interaction::AppointmentCreate,
        true,
    );
    assert_eq!(rules_of(&found), vec![PROFILE.id], "{found:#?}");
    assert!(found[0].at.contains("colour"), "{}", found[0]);
}

#[test]
fn profile_findings_are_capped() {
    let mut appt = example("1.2.9/appointments/book_appt_request_example.json");
    for n in 0..30 {
        appt[format!("unknown{n}")] = json!(n);
    }
    let found = findings(
        &json_request("POST", &appt),
        Interaction::AppointmentCreate,
        true,
    );
    assert_eq!(found.len(), MAX_PROFILE_FINDINGS + 1);
    assert!(
        found[MAX_PROFILE_FINDINGS].actual.contains("10 more"),
        "{}",
        found[MAX_PROFILE_FINDINGS]
    );
}

#[test]
fn bare_clinical_area_parameters_are_valid() {
    let body = json!({
        "resourceType": "Parameters",
        "parameter": [
            { "name": "patientNHSNumber", "valueIdentifier": { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9690937286" } },
            { "name": "includeProblems" },
            { "name": "includeImmunisations" }
        ]
    });
    let found = findings(
        &json_request("POST", &body),
        Interaction::GetStructuredRecord,
        true,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_care_record_page_example_validates_clean() {
    let body = json!({
        "resourceType": "Parameters",
        "parameter": [
            { "name": "patientNHSNumber", "valueIdentifier": { "system": "http://fhir.nhs.net/Id/nhs-number", "value": "9480489457" } },
            { "name": "recordSection", "valueCodeableConcept": { "coding": [{ "system": "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1", "code": "ALL" }] } }
        ]
    });
    let req = request(
        "POST",
        Some("application/json+fhir"),
        body.to_string().into_bytes(),
    );
    let found = findings(&req, Interaction::GetCareRecord, true);
    assert!(found.is_empty(), "{found:#?}");
}
