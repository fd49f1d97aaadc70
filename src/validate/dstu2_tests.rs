//! DSTU2 validation: the element model (JSON and XML), references by target, the GP Connect 0.7.2 profiles
//! applied by claim and by request, and the narrative rules, through the HTML capability's validator.

use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};

use super::{Issue, Severity, Store, Validator};
use crate::fhir::{FhirPath, FhirVersion};

const PATIENT: &str = "http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1";
const COMPOSITION: &str =
    "http://fhir.nhs.net/StructureDefinition/gpconnect-carerecord-composition-1";

fn dstu2() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(FhirPath::development_default()).unwrap();
        let prefs = [
            "release-0.7.2".to_string(),
            "hl7-fhir-dstu2-core-1.0.2".to_string(),
        ];
        Arc::new(Validator::dstu2(Arc::new(store.preferring(&prefs))))
    })
    .clone()
}

fn errors(issues: &[Issue]) -> Vec<String> {
    issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{}: {} [{}]", i.expression, i.message, i.rule))
        .collect()
}

fn patient() -> Value {
    json!({
        "resourceType": "Patient", "id": "1",
        "meta": { "profile": [PATIENT] },
        "identifier": [{ "system": "http://fhir.nhs.net/Id/nhs-number", "value": "9658218873" }],
        "name": [{ "family": ["Smith"], "given": ["Jo"] }],
        "gender": "female",
        "careProvider": [{ "reference": "Practitioner/p1", "display": "Dr Who" }]
    })
}

#[test]
fn the_dstu2_model_reads_json_and_xml() {
    let v = dstu2();
    assert_eq!(v.fhir_version(), FhirVersion::Dstu2);
    let xml = r#"<Conformance xmlns="http://hl7.org/fhir"><status value="active"/><date value="2017-01-01"/>
        <kind value="capability"/><fhirVersion value="1.0.2"/><acceptUnknown value="both"/>
        <format value="application/json+fhir"/><format value="application/xml+fhir"/>
        <rest><mode value="server"/><resource><type value="Patient"/><interaction><code value="read"/>
        </interaction></resource><operation><name value="gpc.getcarerecord"/>
        <definition><reference value="OperationDefinition/gpc.getcarerecord"/></definition></operation></rest>
        </Conformance>"#;
    let conformance = v.read(xml).unwrap();
    assert_eq!(conformance["format"].as_array().map(Vec::len), Some(2));
    assert!(conformance["rest"].is_array());
    assert!(conformance["rest"][0]["operation"].is_array());
    assert_eq!(errors(&v.validate(&conformance, &[])), Vec::<String>::new());
    // A DSTU2 Practitioner name is a single HumanName whose family is a list.
    let xml = r#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><entry><resource>
        <Practitioner><id value="p1"/><name><family value="Fidler"/><given value="Josh"/></name></Practitioner>
        </resource></entry></Bundle>"#;
    let bundle = v.read(xml).unwrap();
    assert_eq!(
        bundle["entry"][0]["resource"]["name"]["family"],
        json!(["Fidler"])
    );
    assert_eq!(errors(&v.validate(&bundle, &[])), Vec::<String>::new());
    // JSON is read as it is.
    assert_eq!(
        v.read(&patient().to_string()).unwrap(),
        patient(),
        "JSON input"
    );
    // The STU3 model reads it differently (a list of names, a single family), or not at all.
    let stu3 = crate::fhir::stu3_model(&FhirPath::development_default()).unwrap();
    assert!(!matches!(crate::fhir::xml::xml_to_json(xml, &stu3), Ok(b) if b == bundle));
}

#[test]
fn references_are_checked_by_their_target_not_walked_as_it() {
    let v = dstu2();
    // `reference` and `display` belong to the Reference, not to the Practitioner it names.
    assert_eq!(errors(&v.validate(&patient(), &[])), Vec::<String>::new());
    let mut wrong = patient();
    wrong["careProvider"][0]["reference"] = json!("Organization/o1");
    let found = errors(&v.validate(&wrong, &[]));
    assert!(
        found.iter().any(|e| e
            .starts_with("Patient.careProvider[0].reference: refers to a Organization")
            && e.ends_with("[reference-target]")),
        "{found:#?}"
    );
    // A URL that does not name a resource type is not a typed reference.
    let mut page = patient();
    page["careProvider"][0]["reference"] = json!("http://example.org/DSTU2/page.html");
    assert_eq!(errors(&v.validate(&page, &[])), Vec::<String>::new());
}

#[test]
fn the_072_profiles_apply_when_claimed_and_when_asked_for() {
    let v = dstu2();
    let mut stu3_system = patient();
    stu3_system["identifier"][0]["system"] = json!("https://fhir.nhs.uk/Id/nhs-number");
    let claimed = errors(&v.validate(&stu3_system, &[]));
    assert!(
        claimed
            .iter()
            .any(|e| e.starts_with("Patient.identifier[0].system: must be exactly")),
        "{claimed:#?}"
    );
    // Asked for explicitly, the profile validates (it does not only warn that it cannot be used).
    let mut unclaimed = stu3_system.clone();
    unclaimed.as_object_mut().unwrap().remove("meta");
    let asked = v.validate(&unclaimed, &[PATIENT]);
    assert!(
        asked.iter().all(|i| i.rule != "profile-resolve"),
        "{asked:#?}"
    );
    assert!(
        errors(&asked).iter().any(|e| e.contains("must be exactly")),
        "{asked:#?}"
    );
    // The profile's slice of the NHS number is required.
    let mut none = patient();
    none.as_object_mut().unwrap().remove("identifier");
    assert!(errors(&v.validate(&none, &[]))
        .iter()
        .any(|e| e.contains("Patient.identifier requires at least 1")));
}

fn composition(type_code: Option<&str>, div: &str) -> Value {
    let mut c = json!({
        "resourceType": "Composition", "id": "c1",
        "meta": { "profile": [COMPOSITION] },
        "date": "2017-02-24T13:51:00+00:00",
        "title": "Patient Care Record", "status": "final",
        "subject": { "reference": "Patient/1" },
        "author": [{ "reference": "Device/d1" }],
        "section": [{
            "title": "Medications",
            "code": { "coding": [{ "system": "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1",
                "code": "MED", "display": "Medications" }], "text": "Medications" },
            "text": { "status": "generated", "div": div }
        }]
    });
    if let Some(code) = type_code {
        c["type"] = json!({ "coding": [{ "system": "http://snomed.info/sct", "code": code,
            "display": "record extract (record artifact)" }] });
    }
    c
}

const GOOD_DIV: &str =
    "<div xmlns=\"http://www.w3.org/1999/xhtml\"><h1>Medications</h1><p>No data</p></div>";

#[test]
fn the_composition_profile_fixes_its_type_and_slices_its_sections() {
    let v = dstu2();
    assert_eq!(
        errors(&v.validate(&composition(Some("425173008"), GOOD_DIV), &[])),
        Vec::<String>::new()
    );
    let missing = errors(&v.validate(&composition(None, GOOD_DIV), &[]));
    assert!(
        missing
            .iter()
            .any(|e| e.starts_with("Composition.type: Composition.type requires at least 1")),
        "{missing:#?}"
    );
    let wrong = errors(&v.validate(&composition(Some("1234"), GOOD_DIV), &[]));
    assert!(
        wrong.iter().any(
            |e| e.starts_with("Composition.type.coding[0].code: must be exactly \"425173008\"")
        ),
        "{wrong:#?}"
    );
    // A section code the profile does not slice is refused (the slicing is closed).
    let mut other = composition(Some("425173008"), GOOD_DIV);
    other["section"][0]["code"]["coding"][0]["code"] = json!("XYZ");
    assert!(
        errors(&v.validate(&other, &[]))
            .iter()
            .any(|e| e.contains("[slicing-closed]")),
        "{:#?}",
        errors(&v.validate(&other, &[]))
    );
}

#[test]
fn narrative_rules_are_errors_at_the_div() {
    let v = dstu2();
    let at = "Composition.section[0].text.div";
    for (body, rule, word) in [
        ("<p>x</p><script>alert(1)</script>", "txt-1", "<script>"),
        ("<p onclick=\"go()\">x</p>", "txt-3", "onclick"),
        ("<font color=\"red\">x</font>", "txt-1", "<font>"),
        ("<p>a&nbsp;b</p>", "xhtml", "&nbsp;"),
        ("<p> </p>", "txt-2", "non-whitespace"),
    ] {
        let div = format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{body}</div>");
        let found = v.validate(&composition(Some("425173008"), &div), &[]);
        assert!(
            found.iter().any(|i| i.severity == Severity::Error
                && i.expression == at
                && i.rule == rule
                && i.message.contains(word)),
            "{body}: {:#?}",
            errors(&found)
        );
    }
}

#[test]
fn stu3_narratives_are_not_held_to_the_dstu2_rules() {
    let stu3 = Validator::new(Arc::new(
        Store::new(FhirPath::development_default()).unwrap(),
    ));
    let org = json!({ "resourceType": "Organization", "id": "o1", "name": "x",
        "text": { "status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><font>x</font></div>" } });
    assert!(stu3
        .validate(&org, &[])
        .iter()
        .all(|i| !i.rule.starts_with("txt-")));
}
