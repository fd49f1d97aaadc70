//! The DSTU2 `Conformance` statement of the Access Record HTML root (0.7.4
//! `foundations_use_case_get_the_fhir_conformance_profile`): fhirVersion 1.0.2, both formats, the GP Connect
//! DSTU2 profiles and the `gpc.getcarerecord` operation. Keys follow the DSTU2 element order.

use serde_json::{json, Value};

use crate::spine::headers::{dstu2, profile};

/// The GP Connect release the statement names.
pub const VERSION: &str = "0.7.4";

/// The profiles the statement lists.
const PROFILES: &[&str] = &[
    profile::DSTU2_PATIENT,
    profile::DSTU2_OPERATION_OUTCOME,
    profile::DSTU2_PRACTITIONER,
    profile::DSTU2_ORGANIZATION,
    profile::DSTU2_SEARCHSET_BUNDLE,
    profile::DSTU2_CARE_RECORD_COMPOSITION,
    profile::DSTU2_DEVICE,
];

/// The Conformance statement; `stu3` answers an STU3 CapabilityStatement instead (a fault).
pub fn statement(stu3: bool) -> Value {
    if stu3 {
        return json!({
            "resourceType": "CapabilityStatement",
            "version": VERSION,
            "name": "GP Connect",
            "status": "active",
            "date": "2022-04-25",
            "publisher": "gpc-assure",
            "kind": "capability",
            "software": { "name": "gpc-assure reference provider", "version": env!("CARGO_PKG_VERSION") },
            "fhirVersion": "3.0.1",
            "acceptUnknown": "both",
            "format": ["application/fhir+xml", "application/fhir+json"],
            "rest": [{ "mode": "server" }]
        });
    }
    json!({
        "resourceType": "Conformance",
        "version": VERSION,
        "name": "GP Connect",
        "status": "active",
        "publisher": "gpc-assure",
        "date": "2022-04-25",
        "description": "This server implements the GP Connect API version 0.7.4 (Access Record HTML)",
        "copyright": "Copyright NHS Digital 2016",
        "kind": "capability",
        "software": {
            "name": "gpc-assure reference provider",
            "version": env!("CARGO_PKG_VERSION")
        },
        "fhirVersion": "1.0.2",
        "acceptUnknown": "both",
        "format": [dstu2::FHIR_XML, dstu2::FHIR_JSON],
        "profile": PROFILES.iter().map(|p| json!({ "reference": p })).collect::<Vec<_>>(),
        "rest": [{
            "mode": "server",
            // DSTU2 requires at least one resource with an interaction; the operation is on the Patient type,
            // and no other interaction is served.
            "resource": [{
                "type": "Patient",
                "profile": { "reference": profile::DSTU2_PATIENT },
                "interaction": [{
                    "code": "search-type",
                    "documentation": "Only the $gpc.getcarerecord type operation is served on this endpoint"
                }]
            }],
            "operation": [{
                "name": "gpc.getcarerecord",
                "definition": { "reference": "OperationDefinition/gpc.getcarerecord" }
            }]
        }]
    })
}
