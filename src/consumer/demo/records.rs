//! Access Record Structured (retrieve and migrate a record) and Access Document (search a patient's documents,
//! open one) tasks.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{Duration, NaiveDate};
use chrono_tz::Europe::London;
use serde_json::{json, Value};

use super::fault::ConsumerFault as F;
use super::foundations::{nhs_system, patient_id};
use super::session::{id_of, resource_of, resources_of, Answer, Call, Session};
use super::{DemoError, Params};
use crate::spine::catalogue::{Capability, Interaction};

type Done = Result<(), DemoError>;

/// The clinical areas of a structured record request, by parameter name (retrieve page, "Parameters").
pub const INCLUDE_PARAMETERS: &[&str] = &[
    "includeAllergies",
    "includeMedication",
    "includeConsultations",
    "includeProblems",
    "includeImmunisations",
    "includeUncategorisedData",
    "includeInvestigations",
    "includeReferrals",
    "includeDiaryEntries",
];

/// The `_include` values consumers must send with a documents search (search page, "_include parameters").
const DOCUMENT_INCLUDES: &[&str] = &[
    "DocumentReference:subject:Patient",
    "DocumentReference:custodian:Organization",
    "DocumentReference:author:Organization",
    "DocumentReference:author:Practitioner",
];
/// The `_revinclude:recurse` value consumers must send with a documents search.
const DOCUMENT_REVINCLUDE: &str = "PractitionerRole:practitioner";

/// Days back the `structured-forbidden-combination` fault's consultation period starts.
const CONSULTATION_PERIOD_DAYS: i64 = 365;

fn uk_today(s: &Session) -> NaiveDate {
    s.clock.now().with_timezone(&London).date_naive()
}

/// The clinical areas named by `include` (comma-separated parameter names), in order, without repeats.
fn include_list(text: &str) -> Result<Vec<&'static str>, DemoError> {
    let mut areas: Vec<&'static str> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some(known) = INCLUDE_PARAMETERS.iter().copied().find(|k| *k == name) else {
            return Err(DemoError::BadParameter {
                name: "include".into(),
                value: text.into(),
                expected: format!(
                    "a comma-separated list of {} (`{name}` is none of them)",
                    INCLUDE_PARAMETERS.join(", ")
                ),
            });
        };
        if !areas.contains(&known) {
            areas.push(known);
        }
    }
    if areas.is_empty() {
        return Err(DemoError::BadParameter {
            name: "include".into(),
            value: text.into(),
            expected: format!("at least one of {}", INCLUDE_PARAMETERS.join(", ")),
        });
    }
    Ok(areas)
}

/// The parameter that asks for one clinical area, with the parts the specification requires
/// (`includeResolvedAllergies` is mandatory) or that this consumer always states.
fn include_parameter(name: &str) -> Value {
    match name {
        "includeAllergies" => json!({ "name": name,
            "part": [{ "name": "includeResolvedAllergies", "valueBoolean": false }] }),
        "includeMedication" => json!({ "name": name,
            "part": [{ "name": "includePrescriptionIssues", "valueBoolean": true }] }),
        _ => json!({ "name": name }),
    }
}

fn nhs_parameter(s: &Session, nhs: &str) -> Value {
    json!({ "name": "patientNHSNumber",
        "valueIdentifier": { "system": nhs_system(s), "value": nhs } })
}

/// What a structured record Bundle holds: how many entries, of which resource types, and the titles of its Lists.
fn record_summary(answer: &Answer) -> Result<Value, String> {
    let bundle = resource_of(answer, "Bundle")?;
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for r in entries.iter().filter_map(|e| e.get("resource")) {
        let kind = r
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("(no resourceType)");
        *kinds.entry(kind.to_string()).or_default() += 1;
    }
    let lists: Vec<&str> = resources_of(bundle, "List")
        .into_iter()
        .filter_map(|l| l.get("title").and_then(Value::as_str))
        .collect();
    Ok(json!({ "entries": entries.len(), "resource_types": kinds, "lists": lists }))
}

fn note_summary(s: &mut Session, summary: Value) {
    if let Value::Object(map) = summary {
        for (k, v) in map {
            s.note(&k, v);
        }
    }
}

pub async fn get_structured_record(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let areas = include_list(p.get("include")?)?;
    let root = p.root(Capability::Structured)?;
    let mut parameters = vec![nhs_parameter(s, nhs)];
    parameters.extend(
        areas
            .iter()
            .filter(|a| {
                !(s.has(F::StructuredForbiddenCombination) && **a == "includeConsultations")
            })
            .map(|a| include_parameter(a)),
    );
    if s.has(F::StructuredForbiddenCombination) {
        let today = uk_today(s);
        let from = today - Duration::days(CONSULTATION_PERIOD_DAYS);
        parameters.push(json!({ "name": "includeConsultations", "part": [
            { "name": "consultationSearchPeriod", "valuePeriod": {
                "start": from.format("%Y-%m-%d").to_string(),
                "end": today.format("%Y-%m-%d").to_string() } },
            { "name": "includeNumberOfMostRecent", "valuePositiveInt": 3 }
        ] }));
    }
    let body = json!({ "resourceType": "Parameters", "parameter": parameters });
    let call = Call::new(Interaction::GetStructuredRecord, &root).body(body);
    if let Some(summary) = s.step(&call, record_summary).await? {
        note_summary(s, summary);
    }
    Ok(())
}

pub async fn migrate_structured_record(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let root = p.root(Capability::Structured)?;
    // The catalogue's scope says conf/N: normal records only, so no sensitive information is asked for.
    let body = json!({ "resourceType": "Parameters", "parameter": [
        nhs_parameter(s, nhs),
        { "name": "includeFullRecord", "part": [
            { "name": "includeSensitiveInformation", "valueBoolean": false }
        ] }
    ] });
    let call = Call::new(Interaction::MigrateStructuredRecord, &root).body(body);
    if let Some(summary) = s.step(&call, record_summary).await? {
        note_summary(s, summary);
    }
    Ok(())
}

/// A document found: its DocumentReference id and the attachment URL of its content.
#[derive(Debug, Clone, PartialEq)]
struct Document {
    id: String,
    url: Option<String>,
}

/// Searches the documents of the patient with `nhs`: the DocumentReferences found, or `None` when the task ends.
async fn documents(
    s: &mut Session,
    root: &str,
    nhs: &str,
) -> Result<Option<Vec<Document>>, DemoError> {
    let Some(patient) = patient_id(s, root, Interaction::DocumentsPatientSearch, nhs).await? else {
        return Ok(None);
    };
    let mut call = Call::new(Interaction::DocumentsSearch, root).id(&patient);
    if !s.has(F::DocumentsSearchWithoutIncludes) {
        for include in DOCUMENT_INCLUDES {
            call = call.param("_include", *include);
        }
        call = call.param("_revinclude:recurse", DOCUMENT_REVINCLUDE);
    }
    let Some(docs) = s
        .step(&call, |a| {
            let bundle = resource_of(a, "Bundle")?;
            Ok(resources_of(bundle, "DocumentReference")
                .into_iter()
                .filter_map(|d| {
                    Some(Document {
                        id: id_of(d)?.to_string(),
                        url: d
                            .pointer("/content/0/attachment/url")
                            .and_then(Value::as_str)
                            .filter(|u| !u.is_empty())
                            .map(String::from),
                    })
                })
                .collect::<Vec<Document>>())
        })
        .await?
    else {
        return Ok(None);
    };
    s.note("documents", docs.len());
    s.note(
        "document_ids",
        docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
    );
    Ok(Some(docs))
}

pub async fn find_documents(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let root = p.root(Capability::Documents)?;
    documents(s, &root, nhs).await.map(|_| ())
}

/// The Binary id at the end of an attachment URL (`.../Binary/<id>`).
fn binary_id(url: &str) -> Option<&str> {
    let (_, id) = url.rsplit_once("/Binary/")?;
    (!id.is_empty() && !id.contains(['/', '?', '#'])).then_some(id)
}

pub async fn retrieve_document(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let root = p.root(Capability::Documents)?;
    let Some(docs) = documents(s, &root, nhs).await? else {
        return Ok(());
    };
    let target = docs.iter().find_map(|d| {
        d.url
            .as_deref()
            .and_then(|u| binary_id(u).map(|b| (d, u, b)))
    });
    let mut call = Call::new(Interaction::DocumentsRetrieve, &root);
    match target {
        Some((doc, url, binary)) => {
            s.note("document_id", doc.id.as_str());
            call = call.id(binary);
            // The attachment URL is where the document is; it names the service root the search went to.
            if url.starts_with(&format!("{root}/")) {
                call.url = Some(url.to_string());
            }
        }
        None => {
            s.fail_unusable(
                Interaction::DocumentsSearch,
                format!("the patient with NHS number {nhs} has no document with an attachment URL to open"),
            );
            let Some(made_up) = s.carry_on::<String>() else {
                return Ok(());
            };
            call = call.id(&made_up);
        }
    }
    let binary = s
        .step(&call, |a| {
            let b = resource_of(a, "Binary")?;
            let content = b.get("content").and_then(Value::as_str).unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content)
                .map_err(|e| format!("Binary.content is not base64: {e}"))?;
            Ok(json!({
                "binary_id": b.get("id"),
                "content_type": b.get("contentType"),
                "size": bytes.len(),
            }))
        })
        .await?;
    if let Some(summary) = binary {
        note_summary(s, summary);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lists_name_known_areas_once() {
        assert_eq!(
            include_list("includeAllergies, includeMedication,includeAllergies").ok(),
            Some(vec!["includeAllergies", "includeMedication"])
        );
        assert!(include_list("allergies").is_err());
        assert!(include_list(" , ").is_err());
    }

    #[test]
    fn binary_ids_come_from_the_url_end() {
        assert_eq!(binary_id("http://h/r/Binary/07a6"), Some("07a6"));
        assert_eq!(binary_id("http://h/r/Binary/"), None);
        assert_eq!(binary_id("http://h/r/DocumentReference/1"), None);
    }
}
