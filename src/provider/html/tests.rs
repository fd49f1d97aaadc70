//! Unit tests of the care record handler on a provider state (no HTTP): the patients it refuses and why, the
//! deceased window at a faked `now`, the Bundle's shape, and faults that break one behaviour each.

use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};

use super::*;
use crate::clock::Clock;
use crate::provider::{FaultSet, ProviderOptions};
use crate::spine::headers::dstu2;

fn index() -> Arc<crate::fhir::DefinitionIndex> {
    static INDEX: OnceLock<Arc<crate::fhir::DefinitionIndex>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            Arc::new(
                crate::fhir::FhirPath::development_default()
                    .index()
                    .expect("definitions index"),
            )
        })
        .clone()
}

fn state_at(now: &str, faults: &[Fault]) -> ProviderState {
    let clock = Clock::starting_at(Clock::parse_instant(now).expect("instant"));
    ProviderState::new(ProviderOptions {
        clock,
        faults: FaultSet::new(faults.iter().copied()),
        index: Some(index()),
        ..ProviderOptions::default()
    })
    .expect("provider state")
}

fn state(faults: &[Fault]) -> ProviderState {
    state_at("2026-03-29T00:30:00Z", faults)
}

fn nhs(key: &str) -> &'static str {
    crate::config::DEFAULT_HTML_PATIENTS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, n)| n)
}

fn parameters(patient: &str, code: &str) -> Value {
    json!({ "resourceType": "Parameters", "parameter": [
        { "name": "patientNHSNumber", "valueIdentifier": { "system": dstu2::NHS_NUMBER, "value": nhs(patient) } },
        { "name": "recordSection", "valueCodeableConcept": { "coding": [
            { "system": dstu2::RECORD_SECTION, "code": code }] } }
    ] })
}

fn ask(st: &ProviderState, patient: &str, code: &str) -> Result<Value, &'static str> {
    answer(st, &parameters(patient, code), "http://provider/html").map_err(|(code, _)| code)
}

fn resource<'a>(bundle: &'a Value, kind: &str) -> Option<&'a Value> {
    bundle["entry"]
        .as_array()?
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == kind)
}

fn div(bundle: &Value) -> String {
    resource(bundle, "Composition")
        .and_then(|c| c.pointer("/section/0/text/div"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn patients_refused_with_the_specified_error() {
    let st = state(&[]);
    for (patient, code) in [
        ("patient9", "PATIENT_NOT_FOUND"),
        ("patient10", "PATIENT_NOT_FOUND"),
        ("patient14", "PATIENT_NOT_FOUND"),
        ("patient15", "NO_PATIENT_CONSENT"),
        ("patient17", "PATIENT_NOT_FOUND"),
        ("patientNotInSystem", "PATIENT_NOT_FOUND"),
    ] {
        assert_eq!(ask(&st, patient, "SUM").err(), Some(code), "{patient}");
    }
    for patient in [
        "patient1",
        "patient2",
        "patient11",
        "patient12",
        "patient13",
        "patient16",
        "patient18",
    ] {
        assert!(ask(&st, patient, "SUM").is_ok(), "{patient}");
    }
}

#[test]
fn the_deceased_window_follows_the_clock() {
    for now in ["2024-02-29T12:00:00Z", "2026-12-31T23:59:00Z"] {
        let st = state_at(now, &[]);
        let bundle = ask(&st, "patient18", "ENC").expect("patient18 is within the window");
        let died = resource(&bundle, "Patient")
            .and_then(|p| p["deceasedDateTime"].as_str())
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .expect("deceasedDateTime");
        let days = (st.clock.now() - died.with_timezone(&Utc)).num_days();
        assert_eq!(days, 10, "at {now}");
        assert_eq!(
            ask(&st, "patient17", "ENC").err(),
            Some("PATIENT_NOT_FOUND")
        );
    }
    let st = state(&[Fault::HtmlDeceasedNoWindow]);
    assert!(ask(&st, "patient17", "ENC").is_ok());
    let st = state(&[Fault::HtmlDeceasedWindowShort]);
    assert_eq!(
        ask(&st, "patient18", "ENC").err(),
        Some("PATIENT_NOT_FOUND")
    );
}

#[test]
fn the_bundle_holds_the_composition_first_and_resolvable_references() {
    let bundle = ask(&state(&[]), "patient2", "MED").expect("bundle");
    assert_eq!(bundle["type"], "searchset");
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries[0]["resource"]["resourceType"], "Composition");
    let urls: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let composition = &entries[0]["resource"];
    for pointer in [
        "/subject/reference",
        "/author/0/reference",
        "/custodian/reference",
    ] {
        let r = composition
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(urls.contains(&r), "{pointer} {r}");
    }
    let patient = resource(&bundle, "Patient").cloned().unwrap_or_default();
    for pointer in [
        "/careProvider/0/reference",
        "/managingOrganization/reference",
    ] {
        let r = patient
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(urls.contains(&r), "{pointer} {r}");
    }
    assert_eq!(patient["identifier"][0]["system"], dstu2::NHS_NUMBER);
    assert_eq!(
        composition["section"][0]["code"]["coding"][0]["code"],
        "MED"
    );
    for kind in ["Patient", "Organization", "Practitioner", "Device"] {
        let r = resource(&bundle, kind).cloned().unwrap_or_default();
        assert_eq!(r["meta"]["versionId"], "1", "{kind}");
    }
    assert!(
        crate::fhir::xml::json_to_xml(&bundle).is_ok(),
        "the Bundle serialises as XML"
    );
}

#[test]
fn the_transit_patient_has_the_transfer_banner_in_every_section() {
    let st = state(&[]);
    for code in [
        "ADM", "ALL", "CLI", "ENC", "IMM", "MED", "OBS", "PRB", "REF", "SUM",
    ] {
        let bundle = ask(&st, "patient13", code).expect("bundle");
        assert!(
            div(&bundle).contains("class=\"gptransfer-banner\""),
            "{code}"
        );
    }
    let bundle = ask(&state(&[Fault::HtmlNoGpTransferBanner]), "patient13", "ADM").expect("bundle");
    assert!(!div(&bundle).contains("gptransfer-banner"));
}

#[test]
fn faults_break_one_behaviour() {
    let bundle = ask(&state(&[Fault::HtmlWrongSection]), "patient2", "ADM").expect("bundle");
    assert_eq!(
        resource(&bundle, "Composition")
            .map(|c| c["section"][0]["code"]["coding"][0]["code"].clone()),
        Some(json!("SUM"))
    );
    let bundle = ask(&state(&[Fault::HtmlCompositionNotFirst]), "patient2", "ADM").expect("bundle");
    assert_eq!(bundle["entry"][0]["resource"]["resourceType"], "Patient");
    let bundle = ask(&state(&[Fault::HtmlNoDevice]), "patient2", "ADM").expect("bundle");
    assert!(resource(&bundle, "Device").is_none());
    assert_eq!(
        ask(&state(&[Fault::HtmlSensitiveServed]), "patient9", "ADM").err(),
        None
    );
    assert_eq!(
        ask(&state(&[Fault::HtmlNoConsentServed]), "patient15", "ADM").err(),
        None
    );
    assert_eq!(
        ask(&state(&[Fault::HtmlNotOnSpineServed]), "patient14", "ADM").err(),
        None
    );
    let bundle = ask(&state(&[Fault::HtmlScript]), "patient2", "ADM").expect("bundle");
    assert!(div(&bundle).contains("<script>"));
    let bundle = ask(&state(&[Fault::HtmlStu3NhsSystem]), "patient2", "ADM").expect("bundle");
    assert_eq!(
        resource(&bundle, "Patient").map(|p| p["identifier"][0]["system"].clone()),
        Some(json!("https://fhir.nhs.uk/Id/nhs-number"))
    );
}

#[test]
fn the_error_table_gives_status_and_display() {
    for (code, status) in [
        ("BAD_REQUEST", 400),
        ("INVALID_PARAMETER", 422),
        ("INVALID_RESOURCE", 422),
        ("INVALID_NHS_NUMBER", 400),
        ("INVALID_IDENTIFIER_SYSTEM", 400),
        ("PATIENT_NOT_FOUND", 404),
        ("NO_PATIENT_CONSENT", 403),
        ("UNSUPPORTED_MEDIA_TYPE", 415),
    ] {
        assert_eq!(
            errors::row_of(code).map(|r| r.status),
            Some(status),
            "{code}"
        );
    }
    let st = state(&[]);
    let reply = errors::outcome(&st, &api_error("UNSUPPORTED_MEDIA_TYPE", "text/xml"));
    assert_eq!(reply.status, 415);
    assert_eq!(
        reply.body["issue"][0]["details"]["coding"][0]["code"],
        "BAD_REQUEST"
    );
    assert_eq!(
        reply.body["issue"][0]["details"]["coding"][0]["system"],
        dstu2::ERROR_CODE
    );
    assert!(reply.body["issue"][0]["details"]["coding"][0]["display"].is_string());
    let reply = errors::outcome(
        &state(&[Fault::HtmlErrorStu3System]),
        &api_error("BAD_REQUEST", "x"),
    );
    assert_ne!(
        reply.body["issue"][0]["details"]["coding"][0]["system"],
        dstu2::ERROR_CODE
    );
}
