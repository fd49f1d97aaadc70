use chrono::TimeZone;

use super::*;
use crate::fhir::FhirPath;
use crate::itk::sample::validator;
use crate::validate::Severity;

fn report() -> Report {
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 30, 16)
        .single()
        .unwrap_or_default();
    let mut r = crate::itk::sample::report("X26ABC1", at);
    r.organization.name = "Dr Legg's Surgery & Clinic".into();
    r.version = 2;
    r.replaces = Some("5a3c1a4c-4c4b-4a5e-9d2c-1d1f8b1e7a11".into());
    r
}

fn errors(resource: &Value) -> Vec<String> {
    validator()
        .validate(resource, &[])
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{}: {} [{}]", i.expression, i.message, i.rule))
        .collect()
}

#[test]
fn the_message_validates_clean_against_the_itk_profiles_in_json_and_xml() {
    let message = build(&report(), "d12dc439-ca5c-4177-bb70-4fece88edab0");
    assert_eq!(errors(&message), Vec::<String>::new());
    let xml = crate::fhir::xml::json_to_xml(&message).expect("serialises as FHIR XML");
    let back = validator().read(&xml).expect("reads back");
    assert_eq!(errors(&back), Vec::<String>::new());
    assert_eq!(back, message, "XML round trip");
}

/// The resource types of a Bundle's entries, in order, with those of a nested Bundle.
fn shape(bundle: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for e in bundle["entry"].as_array().into_iter().flatten() {
        let r = &e["resource"];
        let t = r["resourceType"].as_str().unwrap_or_default().to_string();
        if t == "Bundle" {
            out.push(format!("Bundle({})", shape(r).join(",")));
        } else {
            out.push(t);
        }
    }
    out
}

#[test]
fn the_message_has_the_structure_of_the_official_consultation_report() {
    let path = FhirPath::development_default()
        .existing()
        .expect("../shared/fhir")
        .into_iter()
        .map(|f| {
            f.join("nhsconnect-gpconnect-messaging-examples/senddocument/consultation_report.xml")
        })
        .find(|p| p.is_file())
        .expect("the official example");
    let official = validator()
        .read(&std::fs::read_to_string(path).expect("readable"))
        .expect("FHIR XML");
    let ours = build(&report(), "d12dc439-ca5c-4177-bb70-4fece88edab0");
    // The example adds an Observation section; the PDF Binary is the primary attachment, first after the
    // Composition, in both.
    let strip = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| s.replace(",Observation", ""))
            .collect()
    };
    assert_eq!(strip(shape(&official)), shape(&ours));
    let header = |b: &Value| b["entry"][0]["resource"].clone();
    let (o, u) = (header(&official), header(&ours));
    assert_eq!(u["event"]["code"], o["event"]["code"]);
    assert_eq!(u["event"]["system"], o["event"]["system"]);
    let urls = |h: &Value| -> Vec<String> {
        h["extension"][0]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["url"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(urls(&u), urls(&o));
    assert_eq!(u["extension"][0]["url"], o["extension"][0]["url"]);
    assert!(u.get("destination").is_none() && u.get("receiver").is_none());
    let composition = &ours["entry"][2]["resource"]["entry"][0]["resource"];
    let official_composition = &official["entry"][2]["resource"]["entry"][0]["resource"];
    for key in ["status", "type", "title"] {
        assert_eq!(composition[key], official_composition[key], "{key}");
    }
    assert_eq!(composition["relatesTo"][0]["code"], "replaces");
}

#[test]
fn the_summary_routing_address_and_mesh_metadata_follow_the_specification() {
    let r = report();
    assert_eq!(
        r.summary(),
        "Consultation report for Ann SKELLY, NHS Number 9690937278, seen at Dr Legg's Surgery & Clinic, ODS Code A20047, Version 2"
    );
    assert_eq!(r.mesh_recipient(), "GPPROVIDER_9690937278_29081930_SKELLY");
    let m = r.mesh_message(
        &r.mesh_recipient(),
        b"<Bundle/>".to_vec(),
        "application/fhir+xml",
    );
    assert_eq!(m.workflow_id, "GPFED_CONSULT_REPORT");
    assert_eq!(m.local_id.as_deref(), Some("A20047"));
    assert_eq!(m.subject.as_deref(), Some(r.summary().as_str()));
    let message = build(&r, "d12dc439-ca5c-4177-bb70-4fece88edab0");
    let div = message["entry"][2]["resource"]["entry"][0]["resource"]["text"]["div"]
        .as_str()
        .unwrap_or_default();
    assert!(div.contains("Surgery &amp; Clinic"), "{div}");
}
