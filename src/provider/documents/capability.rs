//! The Access Document CapabilityStatement (Access Document 1.6.2, "Get the FHIR capability statement"): Patient
//! search by NHS number, Binary read, and DocumentReference search with its parameters, includes and revinclude.

use serde_json::{json, Value};

use super::search::{INCLUDES, REVINCLUDE_ROLE};
use crate::provider::{Fault, ProviderState};
use crate::spine::headers::profile;

/// The specification version the documents server implements.
pub const VERSION: &str = "1.6.2";

/// The profiles the statement lists, each pinned to the version the specification's example names.
const PROFILES: [(&str, &str); 7] = [
    (profile::PATIENT, "1.8"),
    (profile::ORGANIZATION, "1.4"),
    (profile::PRACTITIONER, "1.3"),
    (profile::PRACTITIONER_ROLE, "1.2"),
    (profile::OPERATION_OUTCOME, "1.2"),
    (profile::DOCUMENT_REFERENCE, "1.3"),
    (profile::SEARCHSET_BUNDLE, "1.3"),
];

pub fn statement(st: &ProviderState) -> Value {
    let version = if st.fault(Fault::DocCapabilityWrongVersion) {
        "1.5.0"
    } else {
        VERSION
    };
    let mut documents = json!({
        "type": "DocumentReference",
        "interaction": [{ "code": "search-type" }],
        "searchInclude": INCLUDES,
        "searchRevInclude": [REVINCLUDE_ROLE],
        "searchParam": [
            { "name": "created", "type": "date" },
            { "name": "author", "type": "token" },
            { "name": "description", "type": "string" }
        ]
    });
    if st.fault(Fault::DocCapabilityNoSearchParams) {
        if let Some(o) = documents.as_object_mut() {
            for key in ["searchInclude", "searchRevInclude", "searchParam"] {
                o.remove(key);
            }
        }
    }
    // The faults every CapabilityStatement of the provider shares (header, software, formats, profiles,
    // interactions) apply here too.
    let wrong = st.fault(Fault::CapabilityWrongHeader);
    let formats = if st.fault(Fault::CapabilityDstu2Formats) {
        ["application/json+fhir", "application/xml+fhir"]
    } else {
        ["application/fhir+json", "application/fhir+xml"]
    };
    let profiles: Vec<Value> = if st.fault(Fault::CapabilityNoProfiles) {
        Vec::new()
    } else {
        PROFILES
            .iter()
            .map(|(url, v)| json!({ "reference": format!("{url}/_history/{v}") }))
            .collect()
    };
    let resources = if st.fault(Fault::CapabilityNoInteractions) {
        Vec::new()
    } else {
        vec![
            json!({
                "type": "Patient",
                "interaction": [{ "code": "search-type" }],
                "searchParam": [{
                    "name": "identifier",
                    "type": "token",
                    "documentation": "NHS Number (i.e. https://fhir.nhs.uk/Id/nhs-number|123456789)"
                }]
            }),
            json!({ "type": "Binary", "interaction": [{ "code": "read" }] }),
            documents,
        ]
    };
    let mut cs = json!({
        "resourceType": "CapabilityStatement",
        "version": version,
        "name": "GP Connect API - Access Document",
        "status": if wrong { "draft" } else { "active" },
        "date": "2020-02-10",
        "publisher": "gpc-assure",
        "contact": [{ "name": "gpc-assure reference provider" }],
        "description": format!("This server implements the GP Connect API - Access Document version {version}"),
        "copyright": "Copyright NHS Digital 2016-23",
        "kind": if wrong { "instance" } else { "capability" },
        "software": { "name": "gpc-assure reference provider", "version": env!("CARGO_PKG_VERSION"), "releaseDate": "2026-11-21" },
        "fhirVersion": if wrong { "1.0.2" } else { "3.0.1" },
        "acceptUnknown": if wrong { "no" } else { "both" },
        "format": formats,
        "profile": profiles,
        "rest": [{
            "mode": if wrong { "client" } else { "server" },
            "security": { "cors": !wrong },
            "resource": resources
        }]
    });
    if st.fault(Fault::CapabilityNoSoftware) {
        if let Some(o) = cs.as_object_mut() {
            o.remove("software");
        }
    }
    cs
}
