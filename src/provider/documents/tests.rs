//! Unit tests of the documents handlers on a provider state (no HTTP): which documents a search returns, the
//! patients it refuses, and the size limit of retrieve against migrate.

use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};

use super::*;
use crate::clock::Clock;
use crate::provider::{FaultSet, ProviderOptions};

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

fn state(faults: &[Fault]) -> ProviderState {
    let clock = Clock::starting_at(Clock::parse_instant("2026-03-29T00:30:00Z").expect("instant"));
    ProviderState::new(ProviderOptions {
        clock,
        faults: FaultSet::new(faults.iter().copied()),
        index: Some(index()),
        ..ProviderOptions::default()
    })
    .expect("provider state")
}

fn mandatory() -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = search::INCLUDES
        .iter()
        .map(|i| (search::INCLUDE.to_string(), (*i).to_string()))
        .collect();
    p.push((search::REVINCLUDE.into(), search::REVINCLUDE_ROLE.into()));
    p
}

fn req(id: &str, params: Vec<(String, String)>, reason: &str) -> Req<'static> {
    Req {
        id: Some(id.to_string()),
        params,
        body: &[],
        body_format: None,
        if_match: None,
        prefer_minimal: false,
        base_url: "http://provider/documents".into(),
        jwt_claims: json!({ "reason_for_request": reason }),
        trace_id: "629ea9ba-a077-4d99-b289-7a9b19fd4e03".into(),
    }
}

fn resources(reply: &Reply, kind: &str) -> Vec<Value> {
    reply
        .body
        .get("entry")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .filter_map(|e| e.get("resource"))
                .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(kind))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn search_returns_the_patients_documents_and_what_they_reference() {
    let st = state(&[]);
    let reply = search(&st, &req("2", mandatory(), "directcare")).expect("search");
    assert_eq!(
        reply.body["id"],
        json!("629ea9ba-a077-4d99-b289-7a9b19fd4e03")
    );
    let docs = resources(&reply, "DocumentReference");
    assert_eq!(docs.len(), st.documents.of_patient("patient2").count());
    assert!(docs
        .iter()
        .all(|d| d["subject"]["reference"] == json!("Patient/2")));
    assert_eq!(resources(&reply, "Patient").len(), 1);
    assert!(!resources(&reply, "PractitionerRole").is_empty());
    let mut p = mandatory();
    p.push(("created".into(), "ge2026-01-01".into()));
    let recent = search(&st, &req("2", p, "directcare")).expect("search");
    let n = resources(&recent, "DocumentReference").len();
    assert!(n > 0 && n < docs.len(), "{n} of {}", docs.len());
}

#[test]
fn search_refuses_patients_as_the_error_table_says() {
    let st = state(&[]);
    let code = |id: &str| {
        search(&st, &req(id, mandatory(), "directcare"))
            .err()
            .map(|e| e.code)
    };
    assert_eq!(code("9"), Some("PATIENT_NOT_FOUND"));
    assert_eq!(code("15"), Some("NO_PATIENT_CONSENT"));
    assert_eq!(code("18"), Some("PATIENT_NOT_FOUND"));
    assert_eq!(code("21"), Some("PATIENT_NOT_FOUND"));
    assert_eq!(code("999"), Some("PATIENT_NOT_FOUND"));
    assert_eq!(code("3"), None);
    let err = search(&st, &req("2", Vec::new(), "directcare")).expect_err("no includes");
    assert_eq!(err.code, "INVALID_PARAMETER");
}

#[test]
fn the_large_document_is_migrated_not_retrieved() {
    let st = state(&[]);
    let large = crate::config::DEFAULT_LOGICAL_IDS
        .iter()
        .find(|(k, _)| *k == "largeDocument")
        .map(|(_, v)| *v)
        .expect("largeDocument");
    let err = retrieve(&st, &req(large, Vec::new(), "directcare")).expect_err("too large");
    assert_eq!(err.code, "NO_RECORD_FOUND");
    let err = migrate(&st, &req(large, Vec::new(), "directcare")).expect_err("reason");
    assert_eq!(err.code, "BAD_REQUEST");
    let reply = migrate(&st, &req(large, Vec::new(), "migration")).expect("migrate");
    let content = reply.body["content"].as_str().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .expect("base64");
    assert!(bytes.len() > bundle::RETRIEVE_LIMIT);
    assert!(bytes.ends_with(b"%%EOF\n"));
    let truncated = state(&[Fault::DocLargeTruncated]);
    let reply = migrate(&truncated, &req(large, Vec::new(), "migration")).expect("migrate");
    assert!(reply.body["content"].as_str().unwrap_or_default().len() < content.len());
}
