//! Access Document 1.6.2 in the reference provider.
//!
//! - [`library`]: which pack patient holds which document (embedded `documents.json`), dates relative to the
//!   provider clock;
//! - [`content`]: the documents' bytes, generated when the provider starts (PDF, plain text, RTF, PNG, and a
//!   scanned record over 5 MB);
//! - [`search`]: the DocumentReference search parameters;
//! - [`bundle`]: DocumentReference, PractitionerRole and the searchset Bundle;
//! - [`capability`]: the documents CapabilityStatement.
//!
//! The handlers below answer the five interactions: CapabilityStatement, Find a patient, Search for a patient's
//! documents, Retrieve a document and Migrate a document.

pub mod bundle;
pub mod capability;
pub mod content;
pub mod library;
pub mod search;

use std::collections::BTreeSet;

use base64::Engine;
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::data::{PatientRecord, Role};
use super::{api_error, foundations, uktime, ApiError, Fault, ProviderState, Reply, Req};
use crate::config::DEFAULT_PATIENTS;
use crate::spine::catalogue::Interaction;
pub use library::{Library, LibraryError};

/// Days after death during which a deceased patient's documents may still be shared (documents guidance,
/// "Documents for deceased patients"; the specification makes the period configurable, 28 days by default).
const DECEASED_ACCESS_DAYS: i64 = 28;

/// `GET /metadata` on the documents service root.
pub(crate) fn capability_statement(st: &ProviderState) -> Reply {
    Reply::ok(capability::statement(st))
}

/// `GET /Patient?identifier=...` on the documents service root: Foundations' Find a patient, except that only
/// patients registered here as Regular/GMS are returned (the documents Find a patient page's note), in a
/// documents searchset Bundle (id = Ssp-TraceID, entries with fullUrls).
pub(crate) fn patient_search(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    if st.fault(Fault::DocPatientIdentifierUnchecked) {
        let malformed = req.param_all("identifier").iter().any(|v| {
            v.split_once('|')
                .is_none_or(|(sys, value)| sys.is_empty() || value.is_empty())
        });
        if malformed {
            return Ok(bundle::searchset(
                st,
                &req.trace_id,
                &req.base_url,
                Vec::new(),
            ));
        }
    }
    let found = foundations::patient_search(st, req)?;
    let temporary: BTreeSet<String> = st
        .lock()
        .patients
        .iter()
        .filter(|p| is_temporary(p) && !st.fault(Fault::DocTemporaryPatientFound))
        .map(|p| p.id.clone())
        .collect();
    let patients: Vec<Value> = found
        .body
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"))
        .filter(|r| {
            r.get("id")
                .and_then(Value::as_str)
                .is_none_or(|id| !temporary.contains(id))
        })
        .cloned()
        .collect();
    Ok(bundle::searchset(
        st,
        &req.trace_id,
        &req.base_url,
        patients,
    ))
}

fn is_temporary(p: &PatientRecord) -> bool {
    p.registration_type.as_deref().is_some_and(|t| t != "R")
}

/// The pack name of a patient (`patient2`), or `""` for a patient outside the pack.
fn pack_name(p: &PatientRecord) -> &'static str {
    DEFAULT_PATIENTS
        .iter()
        .find(|(_, nhs)| *nhs == p.nhs_number)
        .map_or("", |(name, _)| name)
}

fn patient_not_found(why: impl Into<String>) -> ApiError {
    api_error("PATIENT_NOT_FOUND", why)
}

/// Whether a patient's documents may be shared, or the error the search page's table gives.
fn check_patient(st: &ProviderState, p: &PatientRecord, today: NaiveDate) -> Result<(), ApiError> {
    let who = format!("Patient/{}", p.id);
    match p.role {
        Role::Normal if is_temporary(p) && !st.fault(Fault::DocTemporaryDocumentsServed) => {
            Err(patient_not_found(format!(
                "{who} is not registered here as a Regular/GMS patient"
            )))
        }
        Role::Normal => Ok(()),
        Role::NoConsent if st.fault(Fault::DocNoConsentServed) => Ok(()),
        Role::NoConsent => Err(api_error(
            "NO_PATIENT_CONSENT",
            format!("{who} has dissented from sharing their record"),
        )),
        Role::Sensitive if st.fault(Fault::DocSensitiveServed) => Ok(()),
        Role::Sensitive => Err(patient_not_found(format!("{who} is flagged sensitive"))),
        Role::Deceased if st.fault(Fault::DocDeceasedServed) => Ok(()),
        Role::Deceased => {
            let died = p
                .deceased
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| uktime::local_date(d.to_utc()));
            match died {
                Some(d) if (today - d).num_days() <= DECEASED_ACCESS_DAYS => Ok(()),
                _ => Err(patient_not_found(format!(
                    "{who} died more than {DECEASED_ACCESS_DAYS} days ago"
                ))),
            }
        }
        Role::Inactive if st.fault(Fault::DocInactiveServed) => Ok(()),
        Role::Inactive => Err(patient_not_found(format!(
            "{who} is not an active patient of this practice"
        ))),
        Role::Superseded | Role::NotOnPds => Err(patient_not_found(format!(
            "{who} has no NHS number present and verified"
        ))),
    }
}

/// The search parameter checks the active faults leave out.
fn leniency(st: &ProviderState) -> search::Leniency {
    search::Leniency {
        includes_optional: st.fault(Fault::DocIncludeOptional),
        author_system_unchecked: st.fault(Fault::DocAuthorSystemUnchecked),
        created_unchecked: st.fault(Fault::DocCreatedUnchecked),
        refuse_unknown: st.fault(Fault::DocUnknownParameterRefused),
    }
}

/// The filters and includes the active faults make the provider ignore.
fn apply_faults(st: &ProviderState, q: &mut search::Query) {
    if st.fault(Fault::DocCreatedIgnored) {
        q.created.clear();
    }
    if st.fault(Fault::DocAuthorIgnored) {
        q.authors.clear();
    }
    if st.fault(Fault::DocDescriptionIgnored) {
        q.descriptions.clear();
    }
    if st.fault(Fault::DocIncludeIgnored) {
        q.includes = search::Includes {
            practitioner_roles: q.includes.practitioner_roles,
            ..search::Includes::default()
        };
    }
    if st.fault(Fault::DocRevincludeIgnored) {
        q.includes.practitioner_roles = false;
    }
}

fn matches(q: &search::Query, doc: &library::Document, today: NaiveDate) -> bool {
    let created = doc.created_or_indexed(today);
    let authored_by = |ods: &str| match &doc.author {
        library::Author::Organization(key) => super::data::organizations()
            .iter()
            .any(|o| o.key == key && o.ods == ods),
        library::Author::Practitioner(_) => false,
    };
    let words = doc.searchable_text();
    q.created.iter().all(|b| b.admits(created))
        && q.authors.iter().all(|a| authored_by(a))
        && q.descriptions
            .iter()
            .all(|d| words.iter().any(|w| w.to_lowercase().contains(d.as_str())))
}

/// `GET /Patient/[id]/DocumentReference?...`.
pub(crate) fn search(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let mut q = search::parse(&req.params, leniency(st))
        .map_err(|e| api_error("INVALID_PARAMETER", e.0))?;
    apply_faults(st, &mut q);
    let id = req.id.as_deref().unwrap_or_default();
    let today = uktime::local_date(st.clock.now());
    let patients = st.lock().patients.clone();
    let Some(patient) = patients.iter().find(|p| p.id == id) else {
        if st.fault(Fault::DocUnknownPatientEmpty) {
            return Ok(bundle::searchset(
                st,
                &req.trace_id,
                &req.base_url,
                Vec::new(),
            ));
        }
        return Err(patient_not_found(format!("Patient/{id} was not found")));
    };
    check_patient(st, patient, today)?;
    let library = &st.documents;
    let pack = pack_name(patient);
    let candidates: Vec<&library::Document> = if st.fault(Fault::DocOtherPatientsDocuments) {
        library.documents().iter().collect()
    } else {
        library.of_patient(pack).collect()
    };
    let found: Vec<&library::Document> = candidates
        .into_iter()
        .filter(|d| matches(&q, d, today))
        .collect();
    let subject_of = |doc: &library::Document| {
        patients
            .iter()
            .find(|p| pack_name(p) == doc.patient && !doc.patient.is_empty())
            .map_or_else(|| patient.id.clone(), |p| p.id.clone())
    };
    let mut resources: Vec<Value> = found
        .iter()
        .map(|d| bundle::document_reference(st, d, &subject_of(d), &req.base_url, today))
        .collect();
    resources.extend(included(st, &q.includes, patient, &found));
    Ok(bundle::searchset(
        st,
        &req.trace_id,
        &req.base_url,
        resources,
    ))
}

/// The resources the matched documents reference, as the includes ask.
fn included(
    st: &ProviderState,
    inc: &search::Includes,
    patient: &PatientRecord,
    found: &[&library::Document],
) -> Vec<Value> {
    let mut out = Vec::new();
    if found.is_empty() {
        return out;
    }
    if inc.subject {
        out.push(bundle::patient(st, patient));
    }
    let mut orgs = BTreeSet::new();
    let mut pracs = BTreeSet::new();
    for d in found {
        if inc.custodian && !st.fault(Fault::DocNoCustodian) {
            orgs.insert(d.custodian.clone());
        }
        match &d.author {
            library::Author::Organization(key) if inc.author_organization => {
                orgs.insert(key.clone());
            }
            library::Author::Practitioner(key) if inc.author_practitioner => {
                pracs.insert(key.clone());
            }
            _ => {}
        }
    }
    let all_orgs = super::data::organizations();
    out.extend(
        all_orgs
            .iter()
            .filter(|o| orgs.contains(o.key))
            .map(|o| foundations::organization_resource(st, o)),
    );
    let pracs: Vec<super::data::Prac> = pracs
        .iter()
        .filter_map(|k| bundle::practitioner(k))
        .collect();
    out.extend(
        pracs
            .iter()
            .map(|p| foundations::practitioner_resource(st, p)),
    );
    if inc.practitioner_roles {
        out.extend(pracs.iter().map(|p| bundle::practitioner_role(st, p)));
    }
    out
}

/// The Binary resource of a document.
fn binary(st: &ProviderState, doc: &library::Document, bytes: &[u8]) -> Reply {
    let content_type = if st.fault(Fault::DocBinaryWrongContentType) {
        "application/octet-stream"
    } else {
        doc.content_type
    };
    let mut r = json!({
        "resourceType": "Binary",
        "id": doc.binary_id,
        "contentType": content_type,
        "content": base64::engine::general_purpose::STANDARD.encode(bytes)
    });
    if !st.fault(Fault::NoVersionId) {
        r["meta"] = json!({ "versionId": "1" });
    }
    Reply::ok(r)
}

/// The document a Binary id names.
fn document<'a>(st: &'a ProviderState, req: &Req<'_>) -> Option<&'a library::Document> {
    st.documents
        .by_binary(req.id.as_deref().unwrap_or_default())
}

/// The answer for a Binary id the provider does not hold: NO_RECORD_FOUND.
fn no_such_binary(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    if st.fault(Fault::DocUnknownBinaryFound) {
        return Ok(Reply::ok(json!({
            "resourceType": "Binary",
            "id": id,
            "meta": { "versionId": "1" },
            "contentType": "text/plain",
            "content": ""
        })));
    }
    Err(api_error(
        "NO_RECORD_FOUND",
        format!("Binary/{id} was not found"),
    ))
}

/// `GET /Binary/[id]` (Retrieve a document): documents up to 5 MB, of patients whose documents may be shared.
pub(crate) fn retrieve(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let Some(doc) = document(st, req) else {
        return no_such_binary(st, req);
    };
    let today = uktime::local_date(st.clock.now());
    let owner = st
        .lock()
        .patients
        .iter()
        .find(|p| pack_name(p) == doc.patient)
        .cloned();
    if let Some(p) = owner {
        check_patient(st, &p, today)?;
    }
    if doc.bytes.len() > bundle::RETRIEVE_LIMIT && !st.fault(Fault::DocLargeRetrievable) {
        return Err(api_error(
            "NO_RECORD_FOUND",
            format!(
                "Binary/{} is {} bytes, over the {} bytes Retrieve a document can return; use Migrate a document",
                doc.binary_id,
                doc.bytes.len(),
                bundle::RETRIEVE_LIMIT
            ),
        ));
    }
    Ok(binary(st, doc, &doc.bytes))
}

/// `GET /Binary/[id]` with the migrate interaction: any size, and only for a migration
/// (`reason_for_request` = `migration`).
pub(crate) fn migrate(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let expected = Interaction::DocumentsMigrate.jwt_reason();
    let reason = req
        .jwt_claims
        .get("reason_for_request")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let unchecked = st.fault(Fault::AcceptWrongReason)
        || (reason == "directcare" && st.fault(Fault::DocMigrateDirectCareAccepted));
    if reason != expected && !unchecked {
        return Err(api_error(
            "BAD_REQUEST",
            format!(
                "Migrate a document needs JWT reason_for_request `{expected}`, found `{reason}`"
            ),
        ));
    }
    let Some(doc) = document(st, req) else {
        return no_such_binary(st, req);
    };
    let bytes: &[u8] = if st.fault(Fault::DocLargeTruncated) {
        &doc.bytes[..doc.bytes.len().min(bundle::RETRIEVE_LIMIT)]
    } else {
        &doc.bytes
    };
    Ok(binary(st, doc, bytes))
}

#[cfg(test)]
mod tests;
