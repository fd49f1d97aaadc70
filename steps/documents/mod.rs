//! Access Document steps, by concern: the requests a scenario builds and the lookups it makes first (this
//! module: the patient's logical id on the documents server, the mandatory search parameters, a document's
//! Binary, a temporarily registered patient), the expectations on a search Bundle ([`expect`]), on Binary
//! resources ([`binary`]) and on the documents CapabilityStatement ([`capability`]); `created` values as the
//! harness reads them ([`dates`]).
//!
//! The harness keeps its own copy of the specification's facts (include names, the 5 MB limit): it never borrows
//! the reference provider's code.

mod binary;
mod capability;
pub(crate) mod dates;
mod expect;

use cucumber::{given, when};
use serde_json::Value;

use super::common::resource_type;
use super::world::{GpcWorld, Sent};
use crate::spine::catalogue::Interaction;

type Step = Result<(), String>;

/// The `_include` values a consumer must send with a documents search (search page, "_include parameters").
pub const INCLUDES: [&str; 4] = [
    "DocumentReference:subject:Patient",
    "DocumentReference:custodian:Organization",
    "DocumentReference:author:Organization",
    "DocumentReference:author:Practitioner",
];
/// The `_revinclude:recurse` value a consumer must send.
pub const REVINCLUDE: &str = "PractitionerRole:practitioner";

/// The largest document "Retrieve a document" returns (5 MB).
pub const RETRIEVE_LIMIT: u64 = 5 * 1024 * 1024;

/// The mandatory include parameters, as (name, value) pairs.
fn mandatory_parameters() -> Vec<(String, String)> {
    INCLUDES
        .iter()
        .map(|i| ("_include".to_string(), (*i).to_string()))
        .chain([("_revinclude:recurse".to_string(), REVINCLUDE.to_string())])
        .collect()
}

/// The DocumentReferences of a Bundle.
pub(crate) fn document_references(bundle: &Value) -> Vec<Value> {
    super::common::payload_resources(bundle)
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| resource_type(r) == "DocumentReference")
        .collect()
}

/// The Binary id of a DocumentReference's `content[0].attachment.url` (`.../Binary/<id>`).
pub(crate) fn binary_id(doc: &Value) -> Option<String> {
    let url = doc.pointer("/content/0/attachment/url")?.as_str()?;
    let (_, id) = url.rsplit_once("/Binary/")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

/// The logical id of a pack patient on the documents server, found with the documents Find a patient.
pub(crate) async fn documents_patient_id(w: &mut GpcWorld, key: &str) -> Result<String, String> {
    let nhs = w.nhs(key)?;
    let patient = w
        .search_one(
            Interaction::DocumentsPatientSearch,
            GpcWorld::nhs_identifier(&nhs),
        )
        .await?;
    patient
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("the Patient the documents server found for {key} has no id"))
}

/// Searches a patient's documents on a scratch request (the request under construction is kept) and returns the
/// DocumentReferences.
pub(crate) async fn patient_documents(w: &mut GpcWorld, key: &str) -> Result<Vec<Value>, String> {
    let id = documents_patient_id(w, key).await?;
    let saved = w.snapshot();
    w.configure(Interaction::DocumentsSearch)?;
    w.id = Some(id);
    w.params.extend(mandatory_parameters());
    w.send().await?;
    let result = (|| {
        let status = w.response()?.status;
        if status != 200 {
            return Err(format!(
                "searching the documents of {key} returned HTTP {status}"
            ));
        }
        Ok(document_references(w.resource()?))
    })();
    w.restore(saved);
    result
}

/// Remembers what a DocumentReference declares about its document (`declared-type`, `declared-size`), for the
/// expectations on the Binary.
fn note_declared(w: &mut GpcWorld, doc: &Value) -> Step {
    let attachment = doc
        .pointer("/content/0/attachment")
        .ok_or("the DocumentReference has no content[0].attachment")?;
    let kind = attachment
        .get("contentType")
        .and_then(Value::as_str)
        .ok_or("the DocumentReference's attachment has no contentType")?;
    let size = attachment
        .get("size")
        .and_then(Value::as_u64)
        .ok_or("the DocumentReference's attachment has no size")?;
    w.stored.insert("declared-type".into(), kind.to_string());
    w.stored.insert("declared-size".into(), size.to_string());
    Ok(())
}

#[given(expr = "I set the request id to the documents logical id of patient {string}")]
pub(crate) async fn id_of_documents_patient(w: &mut GpcWorld, key: String) -> Step {
    let id = documents_patient_id(w, &key).await?;
    w.id = Some(id);
    Ok(())
}

#[given("I add the mandatory documents search parameters")]
pub(crate) fn add_mandatory(w: &mut GpcWorld) -> Step {
    w.params.extend(mandatory_parameters());
    Ok(())
}

#[given(expr = "I add the mandatory documents search parameters except {string}")]
fn add_mandatory_except(w: &mut GpcWorld, left_out: String) -> Step {
    let all = mandatory_parameters();
    if !all.iter().any(|(_, v)| *v == left_out) {
        return Err(format!(
            "`{left_out}` is not one of the mandatory include values {:?}",
            all.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>()
        ));
    }
    w.params
        .extend(all.into_iter().filter(|(_, v)| *v != left_out));
    Ok(())
}

#[given(expr = "I set the request id to the Binary of a document of patient {string}")]
pub(crate) async fn id_of_binary(w: &mut GpcWorld, key: String) -> Step {
    let docs = patient_documents(w, &key).await?;
    let doc = docs
        .iter()
        .find(|d| binary_id(d).is_some())
        .ok_or_else(|| format!("no DocumentReference of {key} has a Binary url to retrieve"))?;
    note_declared(w, doc)?;
    w.id = binary_id(doc);
    Ok(())
}

#[given(expr = "I note what patient {string}'s document over 5 MB declares")]
async fn note_large(w: &mut GpcWorld, key: String) -> Step {
    let docs = patient_documents(w, &key).await?;
    let doc = docs
        .iter()
        .find(|d| {
            d.pointer("/content/0/attachment/size")
                .and_then(Value::as_u64)
                .is_some_and(|s| s > RETRIEVE_LIMIT)
        })
        .ok_or_else(|| {
            format!("no DocumentReference of {key} declares a document over 5 MB (content.attachment.size)")
        })?;
    note_declared(w, doc)
}

#[given("a new patient is registered temporarily from the register pool")]
async fn register_temporary(w: &mut GpcWorld) -> Step {
    let saved = w.snapshot();
    w.configure(Interaction::RegisterPatient)?;
    let outcome = async {
        super::foundations::prepare_pool(w).await?;
        w.send().await?;
        let status = w.response()?.status;
        if status != 200 {
            return Err(format!("registering a patient returned HTTP {status}"));
        }
        let id = super::common::payload_resources(w.resource()?)
            .into_iter()
            .find(|(_, r)| resource_type(r) == "Patient")
            .and_then(|(_, r)| r.get("id").and_then(Value::as_str).map(String::from))
            .ok_or("the registration answer holds no Patient with an id")?;
        Ok(id)
    }
    .await;
    w.restore(saved);
    let nhs = w
        .stored
        .get("registered")
        .cloned()
        .ok_or("no identity was registered")?;
    let id = outcome?;
    w.stored.insert("registered-nhs".into(), nhs);
    w.stored.insert("registered-id".into(), id);
    Ok(())
}

/// Sends the request with a larger response-body limit than the run's (`max_body_bytes`): a migrated document
/// has no size limit (migrate page, "File size limit").
#[when(expr = "I make the request allowing a response of up to {int} MB")]
async fn make_large_request(w: &mut GpcWorld, megabytes: u64) -> Step {
    let limit = usize::try_from(megabytes.saturating_mul(1024 * 1024))
        .map_err(|_| format!("{megabytes} MB is too large a limit"))?;
    let client = w.ctx.client.with_max_body(limit);
    let (request, jwt) = w.build_request()?;
    let exchange = client.send(request, jwt).await;
    w.sent.push(Sent {
        interaction: w.interaction,
        body: None,
        status: exchange.response.as_ref().map(|r| r.status),
    });
    w.exchanges.push(exchange);
    w.look_at(w.exchanges.len() - 1);
    Ok(())
}
