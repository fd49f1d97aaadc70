//! The care record Bundle: a DSTU2 searchset with the Composition first (profile
//! `gpconnect-carerecord-composition-1`), then the Patient, the custodian Organization, the usual GP
//! Practitioner and the Device that generated the record (0.7.2 profiles; retrieve page "Payload response
//! body"). JSON keys follow the DSTU2 element order so the XML serialisation is valid.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::patients::HtmlPatient;
use super::section::Section;
use crate::provider::data;
use crate::spine::headers::{dstu2, profile};

/// The SNOMED CT system of the Composition's and Device's fixed codings.
const SNOMED: &str = "http://snomed.info/sct";

/// The version every resource of the reference provider is at.
const VERSION: &str = "1";

/// Deliberate defects of the Bundle (the provider's faults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defects {
    pub composition_not_first: bool,
    pub no_device: bool,
    pub composition_type_wrong: bool,
    pub stu3_nhs_system: bool,
}

/// What goes into the Bundle.
#[derive(Debug, Clone)]
pub struct Contents<'a> {
    /// `http://host/root`: entries' fullUrls and references are `{base}/{Type}/{id}`.
    pub base: &'a str,
    pub bundle_id: &'a str,
    pub now: DateTime<Utc>,
    pub patient: &'a HtmlPatient,
    pub section: Section,
    pub div: String,
}

fn url(base: &str, kind: &str, id: &str) -> String {
    format!("{base}/{kind}/{id}")
}

fn meta(profile: &str) -> Value {
    json!({ "versionId": VERSION, "profile": [profile] })
}

/// The searchset Bundle.
pub fn care_record(c: &Contents<'_>, defects: Defects) -> Value {
    let practice = data::organizations().into_iter().next();
    let (org_name, ods) = practice.map_or(("", ""), |o| (o.name, o.ods));
    let patient_url = url(c.base, "Patient", &c.patient.id);
    let org_url = url(c.base, "Organization", "1");
    let prac_url = url(c.base, "Practitioner", "1");
    let device_url = url(c.base, "Device", "1");
    let (type_code, type_display) = if defects.composition_type_wrong {
        (
            "371530004",
            "Clinical consultation report (record artifact)",
        )
    } else {
        ("425173008", "record extract (record artifact)")
    };
    let composition = json!({
        "resourceType": "Composition",
        "id": c.bundle_id,
        "meta": { "profile": [profile::DSTU2_CARE_RECORD_COMPOSITION] },
        "date": crate::provider::uktime::format(c.now),
        "type": {
            "coding": [{ "system": SNOMED, "code": type_code, "display": type_display }],
            "text": type_display
        },
        "class": {
            "coding": [{ "system": SNOMED, "code": "700232004", "display": "general medical service (qualifier value)" }],
            "text": "general medical service (qualifier value)"
        },
        "title": "Patient Care Record",
        "status": "final",
        "subject": { "reference": patient_url },
        "author": [{ "reference": device_url }],
        "custodian": { "reference": org_url, "display": org_name },
        "section": [{
            "title": c.section.title(),
            "code": {
                "coding": [{
                    "system": dstu2::RECORD_SECTION,
                    "code": c.section.code(),
                    "display": c.section.display()
                }],
                "text": c.section.title()
            },
            "text": { "status": "generated", "div": c.div }
        }]
    });
    let p = c.patient;
    let nhs_system = if defects.stu3_nhs_system {
        "https://fhir.nhs.uk/Id/nhs-number"
    } else {
        dstu2::NHS_NUMBER
    };
    let mut patient = json!({
        "resourceType": "Patient",
        "id": p.id,
        "meta": meta(profile::DSTU2_PATIENT),
        "identifier": [{ "system": nhs_system, "value": p.nhs_number }],
        "name": [{ "use": "official", "family": [p.family], "given": [p.given], "prefix": [p.prefix] }],
        "gender": p.gender,
        "birthDate": p.birth_date
    });
    let mut tail = serde_json::Map::new();
    if let Some(died) = p.deceased_at(c.now) {
        tail.insert(
            "deceasedDateTime".into(),
            json!(crate::provider::uktime::format(died)),
        );
    }
    tail.insert("careProvider".into(), json!([{ "reference": prac_url }]));
    tail.insert(
        "managingOrganization".into(),
        json!({ "reference": org_url, "display": org_name }),
    );
    if let Some(obj) = patient.as_object_mut() {
        obj.extend(tail);
    }
    let organization = json!({
        "resourceType": "Organization",
        "id": "1",
        "meta": meta(profile::DSTU2_ORGANIZATION),
        "identifier": [{ "system": dstu2::ODS_ORGANIZATION, "value": ods }],
        "name": org_name
    });
    let practitioner = json!({
        "resourceType": "Practitioner",
        "id": "1",
        "meta": meta(profile::DSTU2_PRACTITIONER),
        "identifier": [{ "system": "http://fhir.nhs.net/Id/sds-user-id", "value": "G13579135" }],
        "name": { "use": "official", "family": ["Webb"], "given": ["Amy"], "prefix": ["Dr"] },
        "gender": "female",
        // No role coding: the SDS job role value set imports an external code list no validator can expand.
        "practitionerRole": [{ "managingOrganization": { "reference": org_url } }]
    });
    let device = json!({
        "resourceType": "Device",
        "id": "1",
        "meta": meta(profile::DSTU2_DEVICE),
        "identifier": [{ "system": "https://fhir.nhs.uk/Id/gpc-assure-device", "value": "gpc-assure-reference-provider" }],
        "type": {
            "coding": [{
                "system": SNOMED,
                "code": "462240000",
                "display": "Patient health record information system (physical object)"
            }]
        },
        "model": "gpc-assure reference provider",
        "version": env!("CARGO_PKG_VERSION")
    });
    let mut entries = vec![
        (patient_url.clone(), patient),
        (org_url, organization),
        (prac_url, practitioner),
    ];
    if !defects.no_device {
        entries.push((device_url, device));
    }
    let composition_entry = (url(c.base, "Composition", c.bundle_id), composition);
    if defects.composition_not_first {
        entries.insert(1, composition_entry);
    } else {
        entries.insert(0, composition_entry);
    }
    json!({
        "resourceType": "Bundle",
        "id": c.bundle_id,
        "type": "searchset",
        "entry": entries
            .into_iter()
            .map(|(full_url, resource)| json!({ "fullUrl": full_url, "resource": resource }))
            .collect::<Vec<_>>()
    })
}
