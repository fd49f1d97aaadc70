//! DSTU2 corpus: the GP Connect 0.7.2 material in `../shared/fhir` (its StructureDefinitions, ValueSets and
//! OperationDefinition are DSTU2 resources), a care-record searchset Bundle and a Conformance written after the
//! 0.7.4 specification's examples (with the examples' own defects mended), each validated by the HTML
//! capability's validator in JSON and in XML (written with `json_to_xml`, read back with the DSTU2 model).
//!
//! "No false errors": every error found must be one listed here as a genuine defect of the file, with the reason
//! it is one.

use std::path::PathBuf;
use std::sync::Arc;

use gpc_assure::config::DefinitionSources;
use gpc_assure::fhir::{FhirPath, FhirVersion};
use gpc_assure::spine::catalogue::Capability;
use gpc_assure::validate::{Issue, Severity, Store, Validator, Validators};
use serde_json::{json, Value};

fn validator() -> Arc<Validator> {
    static V: std::sync::OnceLock<Arc<Validator>> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(FhirPath::development_default()).expect("../shared/fhir");
        let v = Validators::new(&store, &DefinitionSources::default())
            .get(Capability::Html)
            .expect("the html validator");
        assert!(v.is_dstu2());
        v
    })
    .clone()
}

fn release_072() -> PathBuf {
    PathBuf::from("../shared/fhir/nhsconnect-gpconnect-fhir/release-0.7.2")
}

fn errors(issues: &[Issue]) -> Vec<String> {
    issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{}: {} [{}]", i.expression, i.message, i.rule))
        .collect()
}

/// The resource written as XML and read back with the DSTU2 model is the same JSON.
fn xml_round_trip(resource: &Value) -> Value {
    let xml = gpc_assure::fhir::xml::json_to_xml(resource).expect("json_to_xml");
    assert!(FhirVersion::detect_xml(&xml).is_none_or(|v| v == FhirVersion::Dstu2));
    validator()
        .read(&xml)
        .expect("the DSTU2 model reads it back")
}

/// Genuine defects of the 0.7.2 files, by file: (expression prefix, rule).
fn known_defects(file: &str) -> &'static [(&'static str, &'static str)] {
    match file {
        // DSTU2 core's own example for Identifier.system (copied into the profiles) is prose, not a URI: it has
        // spaces, which RFC 3986 does not allow.
        "gpconnect-patient-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[11].exampleUri",
                "primitive-format",
            ),
            (
                "StructureDefinition.snapshot.element[29].exampleUri",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[4].exampleUri",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[11].exampleUri",
                "primitive-format",
            ),
        ],
        // The same example URI, and an empty `requirements` (`value=""`: a FHIR string is never empty).
        "gpconnect-carerecord-composition-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[11].exampleUri",
                "primitive-format",
            ),
            (
                "StructureDefinition.snapshot.element[583].requirements",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[258].requirements",
                "primitive-format",
            ),
        ],
        // Empty `meaningWhenMissing` and `exampleString`.
        "gpconnect-location-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[78].meaningWhenMissing",
                "primitive-format",
            ),
            (
                "StructureDefinition.snapshot.element[81].exampleString",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[44].meaningWhenMissing",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[47].exampleString",
                "primitive-format",
            ),
        ],
        "gpconnect-organization-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[48].exampleString",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[14].exampleString",
                "primitive-format",
            ),
        ],
        // Empty `label`.
        "gpconnect-operationoutcome-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[4].label",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[2].label",
                "primitive-format",
            ),
        ],
        // `fixedCode` "searchset " with a trailing space: a code has no leading or trailing whitespace.
        "gpconnect-searchset-bundle-1.xml" => &[
            (
                "StructureDefinition.snapshot.element[1].fixedCode",
                "primitive-format",
            ),
            (
                "StructureDefinition.differential.element[1].fixedCode",
                "primitive-format",
            ),
        ],
        _ => &[],
    }
}

fn unexpected(file: &str, issues: &[Issue]) -> Vec<String> {
    let known = known_defects(file);
    issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .filter(|i| {
            !known
                .iter()
                .any(|(at, rule)| i.expression.starts_with(at) && i.rule == *rule)
        })
        .map(|i| format!("{}: {} [{}]", i.expression, i.message, i.rule))
        .collect()
}

#[test]
fn the_072_definitions_validate_as_dstu2_resources_in_json_and_xml() {
    let v = validator();
    let mut files: Vec<PathBuf> = ["StructureDefinitions", "ValueSets", "Operations"]
        .iter()
        .flat_map(|d| std::fs::read_dir(release_072().join(d)).expect("release-0.7.2"))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let resource = match v.read(&text) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: not read: {e}"));
                continue;
            }
        };
        let from_xml = v.validate(&resource, &[]);
        let wrong = unexpected(&name, &from_xml);
        if !wrong.is_empty() {
            failures.push(format!("{name} (XML): {wrong:#?}"));
        }
        // Every listed defect is found (a listed defect that disappears means the list is stale).
        for (at, rule) in known_defects(&name) {
            if !from_xml
                .iter()
                .any(|i| i.expression.starts_with(at) && i.rule == *rule)
            {
                failures.push(format!(
                    "{name}: the known defect {at} [{rule}] is not found"
                ));
            }
        }
        let back = xml_round_trip(&resource);
        if back != resource {
            failures.push(format!("{name}: the XML round trip changed the resource"));
        }
        assert_eq!(errors(&v.validate(&back, &[])), errors(&from_xml), "{name}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn each_072_profile_compiles_into_a_plan() {
    let v = validator();
    for name in [
        "gpconnect-carerecord-composition-1",
        "gpconnect-device-1",
        "gpconnect-location-1",
        "gpconnect-operationoutcome-1",
        "gpconnect-organization-1",
        "gpconnect-patient-1",
        "gpconnect-practitioner-1",
        "gpconnect-searchset-bundle-1",
    ] {
        let url = format!("http://fhir.nhs.net/StructureDefinition/{name}");
        let plan = v.plan(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(plan.dstu2, "{url}");
        // Completed from the base: every resource has its id and meta.
        assert!(
            plan.element(&format!("{}.id", plan.type_name)).is_some(),
            "{url}"
        );
    }
}

fn div(body: &str) -> String {
    format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{body}</div>")
}

/// The care-record searchset Bundle of the 0.7.4 "Retrieve a care record section" page, with the example's
/// defects mended: Composition.type (fixed by the profile, required by DSTU2 core) and class, section
/// code display (required by the profile), the XHTML namespace on the div and a well-nested table, non-empty
/// address lines, Device.type (required by DSTU2 core), and a custodian that is a reference.
fn care_record_bundle() -> Value {
    let section_div = div(
        "<h1>Allergies and Adverse Reactions</h1><div class=\"content-banner\"><p>All Data Items</p></div>\
         <div class=\"exclusion-banner\"><p>Sensitive data has been excluded</p></div>\
         <h2>Current Allergies and Adverse Reactions</h2><table id=\"all-tab-curr\"><thead><tr>\
         <th class=\"date-column\">Start Date</th><th>Details</th></tr></thead><tbody><tr><td>31-Oct-2016</td>\
         <td>Latex allergy</td></tr></tbody></table><h2>Historical Allergies and Adverse Reactions</h2>\
         <div class=\"content-banner\"><p>This system does not support retrieval of Historical Allergies and \
         Adverse Reactions data.</p><p>This data may still exist in the source system.</p></div>",
    );
    json!({
        "resourceType": "Bundle",
        "id": "48b4dc58-9c04-470d-a819-16fbb433daf9",
        "meta": { "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-searchset-bundle-1"] },
        "type": "searchset",
        "entry": [
            { "resource": {
                "resourceType": "Composition",
                "id": "77bf75df-3853-4b47-ab53-5edce53f8ee6",
                "meta": { "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-carerecord-composition-1"] },
                "date": "2017-02-24T13:51:00+00:00",
                "type": { "coding": [{ "system": "http://snomed.info/sct", "code": "425173008",
                    "display": "record extract (record artifact)" }], "text": "record extract (record artifact)" },
                "class": { "coding": [{ "system": "http://snomed.info/sct", "code": "700232004",
                    "display": "general medical service (qualifier value)" }],
                    "text": "general medical service (qualifier value)" },
                "title": "Patient Care Record",
                "status": "final",
                "subject": { "reference": "Patient/7302348e-e090-4c5d-99e9-14147c266ebe" },
                "author": [{ "reference": "Device/f4d020c6-eaff-4528-83ba-e81a1cfd30dc" }],
                "custodian": { "reference": "Organization/cafe1615-9232-47ae-80ea-e554f943fd9b",
                    "display": "BRIDGE STREET SURGERY" },
                "section": [{
                    "title": "Allergies and Sensitivities",
                    "code": { "coding": [{ "system": "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1",
                        "code": "ALL", "display": "Allergies and Sensitivities" }],
                        "text": "Allergies and Sensitivities" },
                    "text": { "status": "generated", "div": section_div }
                }]
            }},
            { "resource": {
                "resourceType": "Patient",
                "id": "7302348e-e090-4c5d-99e9-14147c266ebe",
                "meta": { "versionId": "1202600162206596780",
                    "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1"] },
                "identifier": [{ "system": "http://fhir.nhs.net/Id/nhs-number", "value": "9480489457" }],
                "name": [{ "use": "usual", "family": ["Dolby"], "given": ["Ivan"], "prefix": ["Mr"] }],
                "gender": "male",
                "birthDate": "1923-03-02",
                "address": [{ "line": ["53 Burrett Road"], "city": "Wisbech", "postalCode": "PE13 3RT" }],
                "careProvider": [{ "reference": "Practitioner/e26035eb-f0e6-4211-9997-6b5365a2eb76",
                    "display": "Mr Josh Fidler" }],
                "managingOrganization": { "reference": "Organization/cafe1615-9232-47ae-80ea-e554f943fd9b" }
            }},
            { "resource": {
                "resourceType": "Organization",
                "id": "cafe1615-9232-47ae-80ea-e554f943fd9b",
                "meta": { "versionId": "9045189372685666075",
                    "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-organization-1"] },
                "identifier": [{ "system": "http://fhir.nhs.net/Id/ods-organization-code", "value": "D82015" }],
                "name": "BRIDGE STREET SURGERY",
                "address": [{ "use": "work", "line": ["Fulford Grange, Micklefield Lane", "Rawdon"],
                    "city": "Leeds", "district": "Yorkshire", "postalCode": "LS19 6BA" }]
            }},
            { "resource": {
                "resourceType": "Device",
                "id": "f4d020c6-eaff-4528-83ba-e81a1cfd30dc",
                "meta": { "versionId": "9008072080809363811",
                    "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-device-1"] },
                "type": { "coding": [{ "system": "http://snomed.info/sct", "code": "462240000",
                    "display": "Patient health record information system (physical object)" }] },
                "identifier": [{ "system": "https://example.org/device-id", "value": "EMIS" }],
                "owner": { "reference": "Organization/cafe1615-9232-47ae-80ea-e554f943fd9b" }
            }},
            { "resource": {
                "resourceType": "Practitioner",
                "id": "e26035eb-f0e6-4211-9997-6b5365a2eb76",
                "meta": { "versionId": "5944618252807509908",
                    "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-practitioner-1"] },
                "identifier": [{ "system": "http://fhir.nhs.net/sds-user-id", "value": "G13579135" }],
                "name": { "family": ["Fidler"], "given": ["Josh"], "prefix": ["Mr"] },
                "gender": "male",
                "practitionerRole": [{ "managingOrganization":
                    { "reference": "Organization/cafe1615-9232-47ae-80ea-e554f943fd9b" } }]
            }}
        ]
    })
}

/// A DSTU2 Conformance after the 0.7.4 "Get the FHIR conformance profile" example (which is written as
/// XML-in-JSON and is not FHIR JSON), in the DSTU2 shape.
fn conformance() -> Value {
    json!({
        "resourceType": "Conformance",
        "version": "0.7.2",
        "name": "EMIS GP Connect API Conformance Statement",
        "status": "draft",
        "experimental": true,
        "publisher": "EMIS",
        "contact": [{ "name": "NHS Digital", "telecom": [{ "system": "email", "value": "gpconnect@nhs.net" }] }],
        "date": "2017-02-24",
        "description": "This server implements the GP Connect API version 0.7.2",
        "copyright": "Copyright NHS Digital 2016",
        "kind": "capability",
        "software": { "name": "Provider Software", "version": "1.0", "releaseDate": "2017-01-01" },
        "fhirVersion": "1.0.2",
        "acceptUnknown": "both",
        "format": ["application/xml+fhir", "application/json+fhir"],
        "profile": [
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1" },
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-operationoutcome-1" },
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-practitioner-1" },
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-organization-1" },
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-searchset-bundle-1" },
            { "reference": "http://fhir.nhs.net/StructureDefinition/gpconnect-carerecord-composition-1" }
        ],
        "rest": [{
            "mode": "server",
            "resource": [{ "type": "Patient", "interaction": [{ "code": "read" }] }],
            "operation": [{ "name": "gpc.getcarerecord",
                "definition": { "reference": "OperationDefinition/gpc.getcarerecord" } }]
        }]
    })
}

#[test]
fn a_care_record_bundle_and_a_conformance_validate_in_json_and_xml() {
    let v = validator();
    for (what, resource) in [
        ("Bundle", care_record_bundle()),
        ("Conformance", conformance()),
    ] {
        assert_eq!(FhirVersion::detect(&resource), Some(FhirVersion::Dstu2));
        let json_errors = errors(&v.validate(&resource, &[]));
        assert!(json_errors.is_empty(), "{what} (JSON): {json_errors:#?}");
        let back = xml_round_trip(&resource);
        assert_eq!(back, resource, "{what}: the XML round trip changed it");
        let xml = gpc_assure::fhir::xml::json_to_xml(&resource).unwrap();
        let xml_errors = errors(&v.validate_text(&xml, &[]).unwrap());
        assert!(xml_errors.is_empty(), "{what} (XML): {xml_errors:#?}");
    }
}

#[test]
fn the_specification_example_as_published_has_its_defects_found() {
    // The example as the page prints it (abridged to what matters): each finding is a defect of the example.
    let mut b = care_record_bundle();
    let composition = &mut b["entry"][0]["resource"];
    composition.as_object_mut().unwrap().remove("type");
    composition["section"][0]["code"]["coding"][0]
        .as_object_mut()
        .unwrap()
        .remove("display");
    composition["section"][0]["text"]["div"] =
        json!("<div><h1>Allergies and Adverse Reactions</h1><p>x</p></div>");
    b["entry"][1]["resource"]["address"][0]["line"] = json!(["", "53 Burrett Road", ""]);
    b["entry"][3]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("type");
    let found = errors(&validator().validate(&b, &[]));
    for expected in [
        "Bundle.entry[0].resource.ofType(Composition).type: ",
        "Bundle.entry[0].resource.ofType(Composition).section[0].code.coding[0].display: ",
        "Bundle.entry[0].resource.ofType(Composition).section[0].text.div: the narrative is not in the XHTML namespace",
        "Bundle.entry[1].resource.ofType(Patient).address[0].line[0]: ",
        "Bundle.entry[1].resource.ofType(Patient).address[0].line[2]: ",
        "Bundle.entry[3].resource.ofType(Device).type: ",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(expected)),
            "{expected} not in {found:#?}"
        );
    }
    assert_eq!(found.len(), 6, "{found:#?}");
}
