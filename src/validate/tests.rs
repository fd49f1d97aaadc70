use super::*;
use crate::fhir::FhirPath;

use super::primitives::{is_base64, is_code, is_id, is_uri};
use super::references::{instance_path_parent, reference_type, reference_type_id};
use std::sync::OnceLock;

pub(crate) fn validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(FhirPath::development_default())
            .expect("../shared/fhir beside the repository");
        Validator::new(Arc::new(store))
    })
}

#[test]
fn code_id_and_uri_checks_are_the_regexes_of_the_specification() {
    let code = regex::Regex::new(r"^[^\s]+( [^\s]+)*$").unwrap();
    let id = regex::Regex::new(r"^[A-Za-z0-9\-\.]{1,64}$").unwrap();
    let uri = regex::Regex::new(r"^\S*$").unwrap();
    let long = "a".repeat(64);
    let longer = "a".repeat(65);
    let cases = [
        "",
        " ",
        "a",
        "a b",
        "a  b",
        " a",
        "a ",
        "a\tb",
        "a\u{a0}b",
        "\u{2003}",
        "é",
        "ab-c.d",
        "ab_c",
        "x y z",
        "http://x/y z",
        "urn:oid:1.2",
        "a\n",
        &long,
        &longer,
        "ü-1",
        "a b ",
    ];
    for c in cases {
        assert_eq!(is_code(c), code.is_match(c), "code {c:?}");
        assert_eq!(is_id(c), id.is_match(c), "id {c:?}");
        assert_eq!(is_uri(c), uri.is_match(c), "uri {c:?}");
    }
}

#[test]
fn date_and_time_checks_are_the_regexes_of_the_specification() {
    use super::primitives::dates::{is_date, is_date_time, is_instant, is_time};
    let date =
        regex::Regex::new(r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$").unwrap();
    let date_time = regex::Regex::new(r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$").unwrap();
    let instant = regex::Regex::new(r"^-?[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$").unwrap();
    let time =
        regex::Regex::new(r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$").unwrap();
    let seeds = [
        "2017",
        "-2017",
        "2017-01",
        "2017-12-31",
        "2017-02-29T23:59:60Z",
        "2017-10-09T10:00:00+01:00",
        "2017-10-09T10:00:00.123-14:00",
        "2017-10-09T10:00:00+14:00",
        "2017-10-09T10:00:00+13:59",
        "2017-10-09T24:00:00Z",
        "2017-10-09T10:00:00",
        "2017-10-09T10:00Z",
        "10:00:00",
        "23:59:60.5",
        "2017-13",
        "2017-00-01",
        "2017-01-32",
        "2017-01-00",
        "2017-1-01",
        "",
        "-",
        "T",
        "2017-10-09T10:00:00.Z",
        "2017-10-09T10:00:00+1400",
        "2017-10-09T10:00:00+14:01",
        "2017-10-09T10:00:00+15:00",
        "2017-10-09T",
        "2017-10-09 10:00:00Z",
        "\u{0663}017",
        "2017-10-09T10:00:00Z\n",
        "24:00:00",
        "09:60:00",
        "12:00:61",
    ];
    // Each seed, and every variant with one character replaced, removed or added.
    let alphabet = [
        '0', '1', '2', '3', '4', '5', '6', '9', '-', '+', ':', '.', 'T', 'Z', ' ', 'x', '\u{0663}',
    ];
    let mut cases: Vec<String> = Vec::new();
    for seed in seeds {
        let chars: Vec<char> = seed.chars().collect();
        cases.push(seed.to_string());
        for i in 0..=chars.len() {
            for c in alphabet {
                let mut added = chars.clone();
                added.insert(i, c);
                cases.push(added.iter().collect());
                if i < chars.len() {
                    let mut replaced = chars.clone();
                    replaced[i] = c;
                    cases.push(replaced.iter().collect());
                }
            }
            if i < chars.len() {
                let mut removed = chars.clone();
                removed.remove(i);
                cases.push(removed.iter().collect());
            }
        }
    }
    assert!(cases.len() > 10_000);
    for c in &cases {
        assert_eq!(is_date(c), date.is_match(c), "date {c:?}");
        assert_eq!(is_date_time(c), date_time.is_match(c), "dateTime {c:?}");
        assert_eq!(is_instant(c), instant.is_match(c), "instant {c:?}");
        assert_eq!(is_time(c), time.is_match(c), "time {c:?}");
    }
}

#[test]
fn base64_check_is_the_regex_of_the_specification() {
    let re = regex::Regex::new(r"^(\s*([0-9a-zA-Z+/=]){4}\s*)+$").unwrap();
    for text in [
        "",
        " ",
        "QUJD",
        "QUJDRA==",
        "QUJ",
        "QUJDR",
        " QUJD ",
        "QUJD\nRA==\n",
        "QU JD",
        "QUJD RA==",
        "QUJD  RA=\t=",
        "QUJD\u{2003}RA==",
        "QUJD\u{00a0}",
        "QUJ\u{00a0}D",
        "QUJD-A==",
        "é===",
        "====",
        "\n\n",
        "QUJD\x0bRA==",
        "QUJD\x0cRA==",
        "QUJD\rRA==",
        "QUJD\x1cRA==",
        "QUJD\x00",
    ] {
        assert_eq!(is_base64(text), re.is_match(text), "{text:?}");
    }
    // Long values go through 64-byte runs: whitespace and bad characters inside and across runs, and the
    // characters either side of each range a run tests (`@` `[` `` ` `` `{` `.` `:` `*` `,` `<` `>` DEL).
    let long = "QUJD".repeat(200);
    let mut cases = vec![long.clone(), format!("{long}="), format!("{long}\n")];
    for at in [0, 3, 4, 63, 64, 65, 255, 256, 257, 511, 512, 700, 799] {
        for insert in [
            " ", "\n", "-", "é", "\u{2003}", "@", "[", "`", "{", ".", ":", "*", ",", "<", ">",
            "\x7f", "\u{80}", "Z", "z", "9", "/", "+", "=",
        ] {
            let mut t = long.clone();
            t.insert_str(at, insert);
            cases.push(t);
        }
    }
    for text in &cases {
        assert_eq!(is_base64(text), re.is_match(text), "{text:?}");
    }
}

fn errors(issues: &[Issue]) -> Vec<&Issue> {
    issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .collect()
}

fn example(rel: &str) -> Value {
    let p = FhirPath::development_default().existing().unwrap()[0]
        .join("nhsconnect-gpconnect-spec-examples")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn gpc_patient() -> Value {
    let mut p = example("1.2.9/foundations/read_patient_response_example.json");
    // The published example codes the verification status in `https://fhir.nhs.uk/CareConnect-...`, a
    // system the required ValueSet does not include; the CodeSystem is under /STU3/CodeSystem/.
    p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["system"] =
        json!("https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1");
    p
}

fn broken(f: impl Fn(&mut Value)) -> Vec<Issue> {
    let mut p = gpc_patient();
    f(&mut p);
    validator().validate(&p, &[])
}

fn has_error(issues: &[Issue], expression: &str, rule: &str) -> bool {
    errors(issues)
        .iter()
        .any(|i| i.expression == expression && i.rule == rule)
}

#[test]
fn the_published_example_has_a_wrong_verification_system() {
    let issues = validator().validate(
        &example("1.2.9/foundations/read_patient_response_example.json"),
        &[],
    );
    assert!(
        has_error(
            &issues,
            "Patient.identifier[0].extension[0].valueCodeableConcept",
            "binding-required"
        ),
        "{issues:#?}"
    );
}

#[test]
fn the_official_gp_connect_patient_is_clean() {
    let issues = validator().validate(&gpc_patient(), &[]);
    assert!(errors(&issues).is_empty(), "{issues:#?}");
}

#[test]
fn breakages_are_reported_at_their_expression() {
    type Breakage = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Breakage, &str, &str)> = vec![
        (
            Box::new(|p| p["photo"] = json!([{ "title": "x" }])),
            "Patient.photo",
            "cardinality-max",
        ),
        (
            Box::new(|p| p["birthDate"] = json!("02/06/1958")),
            "Patient.birthDate",
            "primitive-format",
        ),
        (
            Box::new(|p| p["favouriteColour"] = json!("blue")),
            "Patient.favouriteColour",
            "unknown-element",
        ),
        (
            Box::new(|p| p["gender"] = json!("F")),
            "Patient.gender",
            "binding-required",
        ),
        (
            Box::new(|p| p["address"] = json!([{}])),
            "Patient.address[0]",
            "ele-1",
        ),
        (
            Box::new(|p| p["telecom"] = json!([])),
            "Patient.telecom",
            "ele-1",
        ),
        (
            Box::new(|p| p["active"] = json!("yes")),
            "Patient.active",
            "primitive-format",
        ),
        (
            Box::new(|p| p["gender"] = json!(["female"])),
            "Patient.gender",
            "json-shape",
        ),
    ];
    for (f, expression, rule) in cases {
        let issues = broken(f);
        assert!(
            has_error(&issues, expression, rule),
            "{expression} {rule}: {issues:#?}"
        );
    }
}

fn gpc_outcome() -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"] },
        "issue": [{
            "severity": "error",
            "code": "invalid",
            "details": { "coding": [{
                "system": "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1",
                "code": "BAD_REQUEST",
                "display": "Bad request"
            }] },
            "diagnostics": "x"
        }]
    })
}

#[test]
fn gp_connect_operation_outcome_fixed_system_and_single_coding() {
    let clean = validator().validate(&gpc_outcome(), &[]);
    assert!(errors(&clean).is_empty(), "{clean:#?}");
    let mut wrong = gpc_outcome();
    wrong["issue"][0]["details"]["coding"][0]["system"] =
        json!("https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1");
    let issues = validator().validate(&wrong, &[]);
    assert!(
        has_error(
            &issues,
            "OperationOutcome.issue[0].details.coding[0].system",
            "fixed-value"
        ),
        "{issues:#?}"
    );
    let mut two = gpc_outcome();
    let c = two["issue"][0]["details"]["coding"][0].clone();
    two["issue"][0]["details"]["coding"] = json!([c.clone(), c]);
    let issues = validator().validate(&two, &[]);
    assert!(
        has_error(
            &issues,
            "OperationOutcome.issue[0].details.coding",
            "cardinality-max"
        ),
        "{issues:#?}"
    );
}

#[test]
fn not_a_resource_and_unknown_profiles() {
    let issues = validator().validate(&json!({ "id": "1" }), &[]);
    assert!(has_error(&issues, "(root)", "resource-type"));
    let issues = validator().validate(
        &gpc_patient(),
        &["https://example.org/StructureDefinition/nope"],
    );
    assert!(issues
        .iter()
        .any(|i| i.rule == "profile-resolve" && i.severity == Severity::Warning));
    let oo = operation_outcome(&issues);
    assert_eq!(oo["resourceType"], "OperationOutcome");
    assert_eq!(
        oo["issue"][0]["extension"][0]["valueString"],
        "profile-resolve"
    );
}

#[test]
fn contained_and_bundle_entries_are_checked_against_their_definitions() {
    let mut bad = gpc_patient();
    bad["gender"] = json!("F");
    let bundle =
        json!({ "resourceType": "Bundle", "type": "searchset", "entry": [{ "resource": bad }] });
    let issues = validator().validate(&bundle, &[]);
    assert!(
        has_error(
            &issues,
            "Bundle.entry[0].resource.ofType(Patient).gender",
            "binding-required"
        ),
        "{issues:#?}"
    );
}

#[test]
fn slice_and_extension_breakages() {
    type Breakage = Box<dyn Fn(&mut Value)>;
    let ext = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1";
    let cases: Vec<(Breakage, &str, &str)> = vec![
        (
            Box::new(|p| p["identifier"][0]["use"] = json!("official")),
            "Patient.identifier[0].use",
            "cardinality-max",
        ),
        (
            Box::new(|p| {
                p["identifier"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("extension");
            }),
            "Patient.identifier[0].extension",
            "slice-cardinality-min",
        ),
        (
            Box::new(move |p| {
                p["identifier"][0]["extension"][0] = json!({ "url": ext, "valueString": "01" })
            }),
            "Patient.identifier[0].extension[0].valueString",
            "unknown-element",
        ),
        (
            Box::new(|p| {
                p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] =
                    json!("99")
            }),
            "Patient.identifier[0].extension[0].valueCodeableConcept",
            "binding-required",
        ),
        (
            Box::new(|p| {
                let n = p["name"][0].clone();
                p["name"] = json!([n.clone(), n]);
            }),
            "Patient.name",
            "slice-cardinality-max",
        ),
        (
            Box::new(|p| {
                p["name"][0].as_object_mut().unwrap().remove("family");
            }),
            "Patient.name[0].family",
            "cardinality-min",
        ),
    ];
    let mut missing = Vec::new();
    for (f, expression, rule) in cases {
        let issues = broken(f);
        if !has_error(&issues, expression, rule) {
            missing.push(format!(
                "{expression} {rule}: got {:?}",
                errors(&issues)
                    .iter()
                    .map(|i| (&i.expression, i.rule))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn expanded_extension_slices_are_also_checked_against_the_extension() {
    // CareConnect-GPC-Immunization-1 (a Forge snapshot) expands the parentPresent slice from core Extension,
    // so its value[x] allows every type; Extension-CareConnect-ParentPresent-1 allows only boolean. The walk
    // of the core definition resolves every extension by its URL, so the extension's rules still apply.
    let imm = json!({
        "resourceType": "Immunization",
        "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Immunization-1"] },
        "extension": [{
            "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ParentPresent-1",
            "valueString": "yes"
        }],
        "status": "completed", "notGiven": false,
        "vaccineCode": { "text": "x" },
        "patient": { "reference": "Patient/1" },
        "primarySource": true
    });
    let issues = validator().validate(&imm, &[]);
    assert!(
        errors(&issues)
            .iter()
            .any(|i| i.expression == "Immunization.extension[0].valueString"),
        "{issues:#?}"
    );
}

#[test]
fn extension_context_is_checked() {
    assert_eq!(
        instance_path_parent("Bundle.entry[0].resource.ofType(Patient).identifier[0].extension[1]"),
        "Patient.identifier"
    );
    assert_eq!(instance_path_parent("Patient.extension[0]"), "Patient");
    // The NHS number verification status belongs on Patient.identifier, not on the Patient itself.
    let mut p = gpc_patient();
    let ext = p["identifier"][0]["extension"][0].clone();
    p["extension"] = json!([ext]);
    let issues = validator().validate(&p, &[]);
    assert!(
        has_error(&issues, "Patient.extension[0]", "extension-context"),
        "{issues:#?}"
    );
    let clean = validator().validate(&gpc_patient(), &[]);
    assert!(
        !clean.iter().any(|i| i.rule == "extension-context"),
        "{clean:#?}"
    );
}

#[test]
fn reference_targets_are_checked() {
    assert_eq!(reference_type("Patient/1").as_deref(), Some("Patient"));
    assert_eq!(
        reference_type("https://x/fhir/Practitioner/2/_history/3").as_deref(),
        Some("Practitioner")
    );
    assert_eq!(reference_type("urn:uuid:1234"), None);
    assert_eq!(reference_type("Patient"), None);
    // CareConnect-GPC-Patient-1 generalPractitioner allows Practitioner (and Organization), not Location.
    let mut p = gpc_patient();
    p["generalPractitioner"] = json!([{ "reference": "Location/1" }]);
    let issues = validator().validate(&p, &[]);
    assert!(
        has_error(
            &issues,
            "Patient.generalPractitioner[0].reference",
            "reference-target"
        ),
        "{issues:#?}"
    );
    p["generalPractitioner"] = json!([{ "reference": "Practitioner/1" }]);
    let issues = validator().validate(&p, &[]);
    assert!(
        !issues.iter().any(|i| i.rule == "reference-target"),
        "{issues:#?}"
    );
    // A contained target is resolved by id.
    p["contained"] = json!([{ "resourceType": "Location", "id": "loc" }]);
    p["generalPractitioner"] = json!([{ "reference": "#loc" }]);
    let issues = validator().validate(&p, &[]);
    assert!(
        has_error(
            &issues,
            "Patient.generalPractitioner[0].reference",
            "reference-target"
        ),
        "{issues:#?}"
    );
}

#[test]
fn references_between_bundle_entries_by_full_url_are_checked() {
    let bundle = |target: &str| {
        json!({
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                { "fullUrl": "urn:uuid:1b6f7b4c-5d5e-4a0e-9d0b-1c2d3e4f5a6b",
                  "resource": { "resourceType": target, "id": "t" } },
                { "fullUrl": "urn:uuid:2c7a8b5d-6e6f-4b1f-8e1c-2d3e4f5a6b7c",
                  "resource": { "resourceType": "Encounter", "id": "e", "status": "finished",
                                "subject": { "reference": "urn:uuid:1b6f7b4c-5d5e-4a0e-9d0b-1c2d3e4f5a6b" } } }
            ]
        })
    };
    let at = "Bundle.entry[1].resource.ofType(Encounter).subject.reference";
    let wrong = validator().validate(&bundle("Organization"), &[]);
    assert!(has_error(&wrong, at, "reference-target"), "{wrong:#?}");
    let right = validator().validate(&bundle("Patient"), &[]);
    assert!(
        !right.iter().any(|i| i.rule == "reference-target"),
        "{right:#?}"
    );
}

#[test]
fn invariants_are_evaluated() {
    let issues =
        broken(|p| p["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" }));
    assert!(
        errors(&issues)
            .iter()
            .any(|i| i.expression == "Patient.name[0].period"
                && i.rule == "invariant"
                && i.message.starts_with("per-1")),
        "{issues:#?}"
    );
    let ok =
        broken(|p| p["name"][0]["period"] = json!({ "start": "2010-01-01", "end": "2011-01-01" }));
    assert!(!ok.iter().any(|i| i.rule == "invariant"), "{ok:#?}");
    let mut contained = gpc_patient();
    contained["contained"] = json!([{ "resourceType": "Organization", "id": "o1", "name": "x", "text": { "status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>" } }]);
    let issues = validator().validate(&contained, &[]);
    assert!(
        errors(&issues)
            .iter()
            .any(|i| i.rule == "invariant" && i.message.starts_with("dom-")),
        "{issues:#?}"
    );
}

/// The core Bundle definition and the Bundle's profile both walk the entries: what the first walk checked
/// is not checked again, and what it found is kept, once.
#[test]
fn an_entry_met_through_two_definitions_is_reported_once() {
    let mut patient = gpc_patient();
    patient["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" });
    patient["photo"] = json!([{ "url": "https://example.org/photo" }]);
    let bundle = json!({
        "resourceType": "Bundle",
        "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Searchset-Bundle-1"] },
        "type": "searchset",
        "entry": [{ "fullUrl": "https://example.org/fhir/Patient/1", "resource": patient }]
    });
    let issues = validator().validate(&bundle, &[]);
    let at = "Bundle.entry[0].resource.ofType(Patient)";
    let per1: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.message.starts_with("per-1"))
        .collect();
    assert_eq!(per1.len(), 1, "{issues:#?}");
    assert_eq!(per1[0].expression, format!("{at}.name[0].period"));
    assert!(
        has_error(&issues, &format!("{at}.photo"), "cardinality-max"),
        "{issues:#?}"
    );
}

#[test]
fn xml_and_json_forms_give_the_same_issues() {
    let model = crate::fhir::stu3_model(&FhirPath::development_default()).unwrap();
    let mut cases = vec![gpc_patient(), gpc_outcome()];
    let mut broken_patient = gpc_patient();
    broken_patient["gender"] = json!("F");
    broken_patient["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" });
    broken_patient["photo"] = json!([{ "title": "x" }]);
    cases.push(broken_patient);
    for resource in cases {
        let xml = crate::fhir::xml::json_to_xml(&resource).unwrap();
        let from_xml = crate::fhir::xml::xml_to_json(&xml, &model).unwrap();
        assert_eq!(
            validator().validate(&resource, &[]),
            validator().validate(&from_xml, &[])
        );
    }
}

#[test]
fn the_resources_inside_the_harness_jwt_are_valid() {
    let jwt = crate::spine::jwt::Jwt::build(
        &crate::config::JwtConfig::default(),
        "https://p/fhir",
        "patient/*.read",
        0,
    );
    for claim in [
        "requesting_device",
        "requesting_organization",
        "requesting_practitioner",
    ] {
        let issues = validator().validate(&jwt.claims[claim], &[]);
        assert!(errors(&issues).is_empty(), "{claim}: {issues:#?}");
    }
}

fn itk_message_header() -> Value {
    json!({
        "resourceType": "MessageHeader",
        "extension": [{
            "url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2",
            "extension": [
                { "url": "BusAckRequested", "valueBoolean": false },
                { "url": "InfAckRequested", "valueBoolean": false },
                { "url": "RecipientType", "valueCoding": {
                    "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1",
                    "code": "FA",
                    "display": "For Action"
                } },
                { "url": "MessageDefinition", "valueReference": {
                    "reference": "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-Instance-1"
                } },
                { "url": "SenderReference", "valueString": "None" },
                { "url": "LocalExtension", "valueString": "None" }
            ]
        }],
        "event": {
            "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
            "code": "ITK008M",
            "display": "ITK Response"
        },
        "timestamp": "2017-01-23T10:10:16+00:00",
        "source": { "endpoint": "NOROT003" }
    })
}

#[test]
fn irregular_ids_of_constrained_choices_reach_their_children() {
    // Extension-ITK-MessageHandling-2 names its constrained choices `valueBoolean:valueBoolean` and
    // `value[x]:valueCoding`, and the children of the latter `valueCoding:valueCoding.system`.
    let clean = validator().validate(&itk_message_header(), &[]);
    assert!(errors(&clean).is_empty(), "{clean:#?}");
    let mut no_display = itk_message_header();
    no_display["extension"][0]["extension"][2]["valueCoding"]
        .as_object_mut()
        .unwrap()
        .remove("display");
    let issues = validator().validate(&no_display, &[]);
    assert!(
        has_error(
            &issues,
            "MessageHeader.extension[0].extension[2].valueCoding.display",
            "cardinality-min"
        ),
        "{issues:#?}"
    );
    let mut versioned = itk_message_header();
    versioned["extension"][0]["extension"][2]["valueCoding"]["version"] = json!("1");
    let issues = validator().validate(&versioned, &[]);
    assert!(
        has_error(
            &issues,
            "MessageHeader.extension[0].extension[2].valueCoding.version",
            "cardinality-max"
        ),
        "{issues:#?}"
    );
}

fn medication_request(quantity: Value) -> Value {
    json!({
        "resourceType": "MedicationRequest",
        "intent": "plan",
        "medicationReference": { "reference": "Medication/1" },
        "subject": { "reference": "Patient/1" },
        "dispenseRequest": { "quantity": quantity }
    })
}

#[test]
fn simple_quantity_is_walked_from_its_own_root() {
    // SimpleQuantity's root element id is `Quantity:simplequantity`.
    let clean = validator().validate(
        &medication_request(json!({ "value": 28, "unit": "tablet" })),
        &[],
    );
    assert!(errors(&clean).is_empty(), "{clean:#?}");
    let issues = validator().validate(
        &medication_request(json!({ "value": 28, "comparator": "<" })),
        &[],
    );
    assert!(
        has_error(
            &issues,
            "MedicationRequest.dispenseRequest.quantity.comparator",
            "cardinality-max"
        ),
        "{issues:#?}"
    );
}

#[test]
fn one_finding_reached_through_a_profile_and_an_extension_is_reported_once() {
    // CareConnect-GPC-MedicationRequest-1 repeats the repeat-information extension inline; the extension's
    // own definition says the same about `valuePositiveInt`.
    let bundle = example("1.6.2/accessrecord_structured/meds_response.json");
    let issues = validator().validate(&bundle, &[]);
    let at = "Bundle.entry[11].resource.ofType(MedicationRequest).extension[0].extension[0]";
    let unknown = errors(&issues)
        .iter()
        .filter(|i| i.expression == format!("{at}.valuePositiveInt") && i.rule == "unknown-element")
        .count();
    let missing = errors(&issues)
        .iter()
        .filter(|i| i.expression == format!("{at}.valueUnsignedInt") && i.rule == "cardinality-min")
        .count();
    assert_eq!((unknown, missing), (1, 1), "{issues:#?}");
    // CareConnect-GPC-ProblemHeader-Condition-1 repeats Extension-coding-sctdescid inline: its missing
    // `descriptionId` slice is one finding.
    let diary = example("1.6.2/accessrecord_structured/diaryentries_response1.json");
    let issues = validator().validate(&diary, &[]);
    let slice = errors(&issues)
        .iter()
        .filter(|i| {
            i.expression
                == "Bundle.entry[8].resource.ofType(Condition).code.coding[0].extension[0].extension"
                && i.rule == "slice-cardinality-min"
        })
        .count();
    assert_eq!(slice, 1, "{issues:#?}");
}

fn structured_request(parameter: Value) -> Value {
    json!({
        "resourceType": "Parameters",
        "meta": { "profile": [
            "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1"
        ] },
        "parameter": parameter
    })
}

fn nhs_number() -> Value {
    json!({
        "name": "patientNHSNumber",
        "valueIdentifier": { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9999999999" }
    })
}

#[test]
fn parameters_are_checked_against_a_claimed_operation_definition() {
    let clean = validator().validate(
        &structured_request(json!([nhs_number(), {
            "name": "includeProblems",
            "part": [{ "name": "filterStatus", "valueCode": "active" }]
        }])),
        &[],
    );
    assert!(errors(&clean).is_empty(), "{clean:#?}");
    assert!(clean.iter().any(|i| i.rule == "profile-operation"));
    type Case = (Value, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            json!([{ "name": "includeAllergies", "part": [{ "name": "includeResolvedAllergies", "valueBoolean": true }] }]),
            "Parameters.parameter",
            "operation-cardinality-min",
        ),
        (
            json!([nhs_number(), nhs_number()]),
            "Parameters.parameter",
            "operation-cardinality-max",
        ),
        (
            json!([nhs_number(), { "name": "includeReferrals", "part": [{ "name": "referralsSearchPeriod", "valuePeriod": { "start": "2019-01-25" } }] }]),
            "Parameters.parameter[1].part[0]",
            "operation-parameter-unknown",
        ),
        (
            json!([{ "name": "patientNHSNumber", "valueString": "9999999999" }]),
            "Parameters.parameter[0].valueString",
            "operation-parameter-type",
        ),
        (
            json!([nhs_number(), { "name": "includeProblems", "part": [{ "name": "filterStatus", "valueCode": "sleeping" }] }]),
            "Parameters.parameter[1].part[0].valueCode",
            "binding-required",
        ),
        (
            json!([nhs_number(), { "name": "includeAllergies", "valueBoolean": true, "part": [{ "name": "includeResolvedAllergies", "valueBoolean": true }] }]),
            "Parameters.parameter[1].valueBoolean",
            "operation-parameter-type",
        ),
    ];
    let mut missing = Vec::new();
    for (parameter, expression, rule) in cases {
        let issues = validator().validate(&structured_request(parameter), &[]);
        if !has_error(&issues, expression, rule) {
            missing.push(format!("{expression} {rule}: {issues:#?}"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn a_resource_parameter_is_checked_against_the_operations_profile() {
    let op = "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-RegisterPatient-Operation-1";
    let mut patient = gpc_patient();
    patient.as_object_mut().unwrap().remove("meta");
    patient["gender"] = json!("F");
    let params = json!({ "resourceType": "Parameters", "parameter": [{ "name": "registerPatient", "resource": patient }] });
    let issues = validator().validate(&params, &[op]);
    // Checked against CareConnect-GPC-Patient-1 although the patient claims no profile.
    assert!(
        issues.iter().any(|i| i.expression
            == "Parameters.parameter[0].resource.ofType(Patient).gender"
            && i.rule == "binding-required"
            && i.profile.ends_with("CareConnect-GPC-Patient-1")),
        "{issues:#?}"
    );
    let org = json!({ "resourceType": "Parameters", "parameter": [{ "name": "registerPatient", "resource": { "resourceType": "Organization", "name": "x" } }] });
    let issues = validator().validate(&org, &[op]);
    assert!(
        has_error(
            &issues,
            "Parameters.parameter[0].resource",
            "operation-parameter-type"
        ),
        "{issues:#?}"
    );
    let issues = validator().validate(&gpc_patient(), &[op]);
    assert!(has_error(&issues, "Patient", "profile-type"), "{issues:#?}");
}

/// An extension a claimed profile places is sanctioned in every pass over the resource, the core one included:
/// GPC-AllergyIntolerance-1 places `encounter-associatedEncounter`, whose core (unversioned) definition's context
/// is Encounter only; the core AllergyIntolerance pass must not refuse it (it did, before the profile pass ran).
#[test]
fn a_profile_placed_extension_is_not_refused_by_the_core_pass() {
    let allergy = serde_json::json!({
        "resourceType": "AllergyIntolerance", "id": "a1",
        "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-AllergyIntolerance-1"]},
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/encounter-associatedEncounter",
            "valueReference": {"reference": "Encounter/e1"}}],
        "patient": {"reference": "Patient/p1"}
    });
    let context: Vec<String> = validator()
        .validate(&allergy, &[])
        .into_iter()
        .filter(|i| i.rule == "extension-context")
        .map(|i| format!("{} [{}]", i.message, i.profile))
        .collect();
    assert_eq!(context, Vec::<String>::new());
}

/// The structured-record rules no profile encodes: the Patient is in the Bundle; the Patient, Organization,
/// Practitioner and PractitionerRole resources referenced, and the items of each List, are in it; other
/// references (an Encounter of a consultation not asked for) are not judged.
#[test]
fn structured_record_rules() {
    let bundle = |entries: Vec<Value>| {
        serde_json::json!({"resourceType": "Bundle", "type": "collection",
            "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1"]},
            "entry": entries.into_iter().map(|r| serde_json::json!({"resource": r})).collect::<Vec<_>>()})
    };
    let rules = |b: &Value| -> Vec<String> {
        validator()
            .validate(b, &[])
            .into_iter()
            .filter(|i| i.rule.starts_with("structured-record"))
            .map(|i| format!("{} {}", i.rule, i.expression))
            .collect()
    };
    let patient = serde_json::json!({"resourceType": "Patient", "id": "p1",
        "managingOrganization": {"reference": "Organization/o1"}});
    let org = serde_json::json!({"resourceType": "Organization", "id": "o1", "name": "Practice"});
    let list = serde_json::json!({"resourceType": "List", "id": "l1", "status": "current", "mode": "snapshot",
        "subject": {"reference": "Patient/p1"}, "entry": [{"item": {"reference": "AllergyIntolerance/a1"}}],
        "encounter": {"reference": "Encounter/e1"}});
    assert_eq!(
        rules(&bundle(vec![patient.clone(), org.clone()])),
        Vec::<String>::new()
    );
    assert_eq!(
        rules(&bundle(vec![org.clone()])),
        vec!["structured-record-patient Bundle.entry".to_string()]
    );
    assert_eq!(
        rules(&bundle(vec![patient.clone()])),
        vec!["structured-record-reference Bundle.entry[0].resource.ofType(Patient).managingOrganization.reference".to_string()]
    );
    // The List's item is missing (judged); its Encounter is missing too (not judged).
    assert_eq!(
        rules(&bundle(vec![patient, org, list])),
        vec!["structured-record-reference Bundle.entry[2].resource.ofType(List).entry[0].item.reference".to_string()]
    );
}

#[test]
fn a_references_type_and_id_are_its_last_segments_or_those_before_its_history() {
    // The rule as first written: the non-empty segments, `Type/id` last or before `_history/version`.
    fn by_segments(reference: &str) -> Option<(&str, &str)> {
        let path = reference.split(['?', '#']).next().unwrap_or(reference);
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let n = parts.len();
        let (ty, id) = if n >= 4 && parts[n - 2] == "_history" {
            (parts[n - 4], parts[n - 3])
        } else if n >= 2 {
            (parts[n - 2], parts[n - 1])
        } else {
            return None;
        };
        let is_type = ty.starts_with(|c: char| c.is_ascii_uppercase())
            && ty.chars().all(|c| c.is_ascii_alphanumeric());
        is_type.then_some((ty, id))
    }
    for reference in [
        "Patient/1",
        "Patient/1/_history/2",
        "_history/2",
        "x/_history/2",
        "Patient/_history/2",
        "https://example.org/fhir/Practitioner/abc?x=1#p",
        "Patient//1/",
        "/Patient/1",
        "Patient",
        "",
        "#contained",
        "urn:uuid:0d9a2a1e-0000-4000-8000-000000000001",
        "patient/1",
        "Pa-tient/1",
        "a/b/Organization/7/_history/1",
        "Organization/7/_history",
    ] {
        assert_eq!(
            reference_type_id(reference),
            by_segments(reference),
            "{reference:?}"
        );
    }
}

#[test]
fn a_code_set_finds_a_code_with_or_without_its_system() {
    let mut set = super::CodeSet::default();
    set.insert("http://a", "x");
    set.insert("http://b", "x");
    set.insert("http://a", "x");
    set.insert("http://a", "y");
    assert!(set.contains(Some("http://a"), "x"));
    assert!(set.contains(Some("http://b"), "x"));
    assert!(set.contains(None, "y"));
    assert!(!set.contains(Some("http://b"), "y"));
    assert!(!set.contains(None, "z"));
    assert!(
        !set.contains(Some("http://a"), "X"),
        "codes are case-sensitive"
    );
    // The same pairs in another order are the same set; one pair more is not.
    let mut other = super::CodeSet::default();
    other.insert("http://a", "y");
    other.insert("http://b", "x");
    let mut rest = super::CodeSet::default();
    rest.insert("http://a", "x");
    other.extend(rest);
    assert_eq!(set, other);
    other.insert("http://c", "x");
    assert_ne!(set, other);
}
