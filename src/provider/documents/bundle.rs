//! The resources of a documents search: DocumentReference (CareConnect-GPC-DocumentReference-1), the
//! PractitionerRole of an authoring practitioner, and the searchset Bundle (`id` = the request's Ssp-TraceID,
//! every entry with an absolute `fullUrl`; documents Bundle page).

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::library::{Author, Document};
use crate::config::DEFAULT_PRACTITIONERS;
use crate::provider::foundations::{self, meta};
use crate::provider::{data, uktime, Fault, ProviderState, Reply};
use crate::spine::headers::{profile, system};

/// The largest document "Retrieve a document" returns (5 MB).
pub const RETRIEVE_LIMIT: usize = 5 * 1024 * 1024;

/// Namespace of the provider's document identifiers.
const DOCUMENT_ID_SYSTEM: &str = "https://gpc-assure.reference-provider/Id/document";
const DOCUMENT_VERSION_SYSTEM: &str = "https://gpc-assure.reference-provider/Id/document-version";

/// The placeholder title of a document too large for "Retrieve a document".
pub const TOO_LARGE_TITLE: &str =
    "Document not available: it is larger than the 5 MB that Retrieve a document can return";

/// The logical id of a pack organisation (`ORG1` -> `1`).
pub fn organization_id(key: &str) -> Option<&'static str> {
    data::organizations()
        .into_iter()
        .find(|o| o.key == key)
        .map(|o| o.id)
}

/// The practitioner of a pack name (`practitioner2`).
pub fn practitioner(key: &str) -> Option<data::Prac> {
    let sds = DEFAULT_PRACTITIONERS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)?;
    data::practitioners().into_iter().find(|p| p.sds == sds)
}

/// Where the DocumentReference's Binary can be read.
pub fn binary_url(base_url: &str, binary_id: &str) -> String {
    format!("{base_url}/Binary/{binary_id}")
}

/// The DocumentReference of a document of the patient with logical id `patient_id`.
pub(crate) fn document_reference(
    st: &ProviderState,
    doc: &Document,
    patient_id: &str,
    base_url: &str,
    today: NaiveDate,
) -> Value {
    let size = if st.fault(Fault::DocWrongSize) {
        doc.bytes.len().div_ceil(3) * 4
    } else {
        doc.bytes.len()
    };
    let mut attachment = json!({ "contentType": doc.content_type, "size": size });
    let too_large = doc.bytes.len() > RETRIEVE_LIMIT && !st.fault(Fault::DocLargeNoPlaceholder);
    if too_large {
        attachment["title"] = json!(TOO_LARGE_TITLE);
    } else {
        let binary = if st.fault(Fault::DocBinaryMissing) {
            format!("{}-withdrawn", doc.binary_id)
        } else {
            doc.binary_id.clone()
        };
        attachment["url"] = json!(binary_url(base_url, &binary));
    }
    let kind = match (&doc.kind.snomed, &doc.kind.display) {
        (Some(code), Some(display)) => json!({
            "coding": [{ "system": "http://snomed.info/sct", "code": code, "display": display }]
        }),
        _ => json!({ "text": doc.kind.text }),
    };
    let author = match &doc.author {
        Author::Organization(key) => organization_id(key).map(|id| format!("Organization/{id}")),
        Author::Practitioner(key) => practitioner(key).map(|p| format!("Practitioner/{}", p.id)),
    };
    let mut r = json!({
        "resourceType": "DocumentReference",
        "id": doc.id,
        "meta": meta(st, profile::DOCUMENT_REFERENCE, 1),
        "masterIdentifier": { "system": DOCUMENT_VERSION_SYSTEM, "value": format!("{}-v1", doc.id) },
        "identifier": [{ "system": DOCUMENT_ID_SYSTEM, "value": doc.id }],
        "status": "current",
        "type": kind,
        "subject": { "reference": format!("Patient/{patient_id}") },
        "indexed": uktime::format(doc.indexed.instant(today)),
        "description": doc.description,
        "content": [{ "attachment": attachment }],
        "context": {
            "practiceSetting": {
                "coding": [{ "system": "http://snomed.info/sct", "code": "1060971000000108", "display": "General practice service" }]
            }
        }
    });
    if let Some(created) = &doc.created {
        r["created"] = json!(uktime::format(created.instant(today)));
    }
    if let Some(a) = author {
        r["author"] = json!([{ "reference": a }]);
    }
    if !st.fault(Fault::DocNoCustodian) {
        if let Some(id) = organization_id(&doc.custodian) {
            r["custodian"] = json!({ "reference": format!("Organization/{id}") });
        }
    }
    if st.fault(Fault::DocNotInUseElements) {
        r["docStatus"] = json!("final");
        r["class"] = json!({ "text": "Correspondence" });
        r["authenticator"] = json!({ "reference": "Organization/1" });
        r["content"][0]["attachment"]["data"] = json!("UGxhY2Vob2xkZXI=");
    }
    in_element_order(r)
}

/// The DocumentReference's elements in the order of the resource definition (easier to read in evidence).
fn in_element_order(r: Value) -> Value {
    const ORDER: [&str; 20] = [
        "resourceType",
        "id",
        "meta",
        "masterIdentifier",
        "identifier",
        "status",
        "docStatus",
        "type",
        "class",
        "subject",
        "created",
        "indexed",
        "author",
        "authenticator",
        "custodian",
        "relatesTo",
        "description",
        "securityLabel",
        "content",
        "context",
    ];
    let Value::Object(mut map) = r else {
        return r;
    };
    let mut out = serde_json::Map::new();
    for key in ORDER {
        if let Some(v) = map.remove(key) {
            out.insert(key.to_string(), v);
        }
    }
    out.extend(map);
    Value::Object(out)
}

/// The role of an authoring practitioner at the practice.
pub(crate) fn practitioner_role(st: &ProviderState, p: &data::Prac) -> Value {
    json!({
        "resourceType": "PractitionerRole",
        "id": format!("doc-role-{}", p.id),
        "meta": meta(st, profile::PRACTITIONER_ROLE, 1),
        "practitioner": { "reference": format!("Practitioner/{}", p.id) },
        "organization": { "reference": "Organization/1" },
        "code": [{
            "coding": [{ "system": system::SDS_JOB_ROLE, "code": "R0260", "display": "General Medical Practitioner" }]
        }]
    })
}

/// The searchset Bundle of `resources` (DocumentReferences first, then what they include).
pub(crate) fn searchset(
    st: &ProviderState,
    trace_id: &str,
    base_url: &str,
    resources: Vec<Value>,
) -> Reply {
    let id = if st.fault(Fault::DocBundleIdNotTraceId) || uuid::Uuid::parse_str(trace_id).is_err() {
        uuid::Uuid::new_v4().to_string()
    } else {
        trace_id.to_string()
    };
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let url = format!(
                "{base_url}/{}/{}",
                r.get("resourceType")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                r.get("id").and_then(Value::as_str).unwrap_or_default()
            );
            if st.fault(Fault::DocNoFullUrl) {
                json!({ "resource": r })
            } else {
                json!({ "fullUrl": url, "resource": r })
            }
        })
        .collect();
    foundations::searchset_reply(st, id, entries)
}

/// The Patient resource of the documents server (as Find a patient returns it).
pub(crate) fn patient(st: &ProviderState, p: &data::PatientRecord) -> Value {
    foundations::patient_resource(st, p)
}
