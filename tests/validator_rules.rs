//! One OperationOutcome snapshot per validator rule (insta): each case breaks the official GP Connect Patient
//! (or another official example) in one way and records exactly what the validator reports: severity, issue
//! code, expression, sentence, rule and profile. `cargo insta review` (or INSTA_UPDATE=always) updates them.

mod common;

use std::sync::{Arc, OnceLock};

use gpc_assure::fhir::FhirPath;
use gpc_assure::validate::{operation_outcome, Store, Validator};
use serde_json::{json, Value};

fn validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(FhirPath::development_default()).expect("../shared/fhir");
        Validator::new(Arc::new(store))
    })
}

fn example(rel: &str) -> Value {
    let p = FhirPath::development_default()
        .existing()
        .expect("../shared/fhir")[0]
        .join("nhsconnect-gpconnect-spec-examples")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(p).expect("example")).expect("JSON")
}

/// The official 1.2.9 Patient with its verification-status system corrected (see the corpus table).
fn patient() -> Value {
    let mut p = example("1.2.9/foundations/read_patient_response_example.json");
    p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["system"] =
        json!("https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1");
    p
}

fn outcome(resource: &Value, profiles: &[&str]) -> Value {
    operation_outcome(&validator().validate(resource, profiles))
}

fn broken(f: impl FnOnce(&mut Value)) -> Value {
    let mut p = patient();
    f(&mut p);
    outcome(&p, &[])
}

const OO_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1";

fn gpc_outcome() -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "meta": { "profile": [OO_PROFILE] },
        "issue": [{
            "severity": "error",
            "code": "value",
            "details": { "coding": [{
                "system": "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1",
                "code": "INVALID_NHS_NUMBER",
                "display": "Invalid NHS number"
            }]}
        }]
    })
}

#[test]
fn clean_patient() {
    insta::assert_json_snapshot!(outcome(&patient(), &[]));
}

#[test]
fn resource_type_missing() {
    insta::assert_json_snapshot!(outcome(&json!({ "id": "1" }), &[]));
}

#[test]
fn unknown_element() {
    insta::assert_json_snapshot!(broken(|p| p["favouriteColour"] = json!("blue")));
}

#[test]
fn json_shape() {
    insta::assert_json_snapshot!(broken(|p| p["gender"] = json!(["female"])));
}

#[test]
fn cardinality_min() {
    insta::assert_json_snapshot!(broken(|p| {
        if let Some(n) = p["name"][0].as_object_mut() {
            n.remove("family");
        }
    }));
}

#[test]
fn cardinality_max() {
    insta::assert_json_snapshot!(broken(|p| p["photo"] = json!([{ "title": "x" }])));
}

#[test]
fn primitive_format() {
    insta::assert_json_snapshot!(broken(|p| p["birthDate"] = json!("02/06/1958")));
}

#[test]
fn choice_type() {
    insta::assert_json_snapshot!(broken(|p| p["deceasedString"] = json!("yes")));
}

#[test]
fn binding_required() {
    insta::assert_json_snapshot!(broken(|p| p["gender"] = json!("F")));
}

#[test]
fn binding_extensible_and_external() {
    insta::assert_json_snapshot!(broken(|p| {
        p["maritalStatus"] =
            json!({ "coding": [{ "system": "https://example.org/marital", "code": "X" }] });
    }));
}

#[test]
fn fixed_value() {
    let mut oo = gpc_outcome();
    oo["issue"][0]["details"]["coding"][0]["system"] =
        json!("https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1");
    insta::assert_json_snapshot!(outcome(&oo, &[]));
}

#[test]
fn two_codings() {
    let mut oo = gpc_outcome();
    let c = oo["issue"][0]["details"]["coding"][0].clone();
    oo["issue"][0]["details"]["coding"] = json!([c.clone(), c]);
    insta::assert_json_snapshot!(outcome(&oo, &[]));
}

#[test]
fn slice_cardinality_min() {
    insta::assert_json_snapshot!(broken(|p| {
        if let Some(id) = p["identifier"][0].as_object_mut() {
            id.remove("extension");
        }
    }));
}

#[test]
fn slice_cardinality_max() {
    insta::assert_json_snapshot!(broken(|p| {
        let n = p["name"][0].clone();
        p["name"] = json!([n.clone(), n]);
    }));
}

#[test]
fn forbidden_element_in_slice() {
    insta::assert_json_snapshot!(broken(|p| p["identifier"][0]["use"] = json!("official")));
}

#[test]
fn extension_value_type() {
    insta::assert_json_snapshot!(broken(|p| {
        let url = p["identifier"][0]["extension"][0]["url"].clone();
        p["identifier"][0]["extension"][0] = json!({ "url": url, "valueString": "01" });
    }));
}

#[test]
fn extension_code_outside_value_set() {
    insta::assert_json_snapshot!(broken(|p| {
        p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] =
            json!("99");
    }));
}

#[test]
fn invariant() {
    insta::assert_json_snapshot!(broken(|p| {
        p["name"][0]["period"] = json!({ "start": "2020-01-01", "end": "2019-01-01" });
    }));
}

#[test]
fn ele_1_empty_object() {
    insta::assert_json_snapshot!(broken(|p| p["address"] = json!([{}])));
}

#[test]
fn reference_target() {
    insta::assert_json_snapshot!(broken(|p| {
        p["generalPractitioner"] = json!([{ "reference": "Location/1" }]);
    }));
}

#[test]
fn contained_resource() {
    insta::assert_json_snapshot!(broken(|p| {
        p["contained"] = json!([{ "resourceType": "Organization", "id": "o", "active": "yes" }]);
    }));
}

#[test]
fn bundle_entry() {
    let mut bad = patient();
    bad["gender"] = json!("F");
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{ "fullUrl": "https://x/Patient/2", "resource": bad }]
    });
    insta::assert_json_snapshot!(outcome(&bundle, &[]));
}

#[test]
fn profile_for_another_type() {
    insta::assert_json_snapshot!(outcome(&patient(), &[OO_PROFILE]));
}

#[test]
fn unknown_profile() {
    let mut oo = outcome(
        &patient(),
        &["https://example.org/StructureDefinition/Nope"],
    );
    // The message names the folders searched, which differ per checkout.
    if let Some(d) = oo.pointer_mut("/issue/0/diagnostics") {
        let text = d.as_str().unwrap_or_default().to_string();
        let masked = match (text.find("FHIR path ("), text.find(");")) {
            (Some(a), Some(b)) if a < b => {
                format!("{}FHIR path (<folders>){}", &text[..a], &text[b + 1..])
            }
            _ => text,
        };
        *d = json!(masked);
    }
    insta::assert_json_snapshot!(oo);
}

#[test]
fn extension_context() {
    insta::assert_json_snapshot!(broken(|p| {
        let ext = p["identifier"][0]["extension"][0].clone();
        p["extension"] = json!([ext]);
    }));
}
