//! Appointment Management 1.2.7 handlers: search for free slots, book, read, amend, cancel and retrieve a
//! patient's appointments.
//!
//! Choices where the specification leaves room (the report and README say the same):
//! - Errors: missing mandatory search parameters 400 BAD_REQUEST, bad values 422 INVALID_PARAMETER (as the
//!   official suite expects); body problems 422 INVALID_RESOURCE; a well-formed reference to a slot, patient,
//!   location or practitioner that does not exist 422 REFERENCE_NOT_FOUND; a slot that is no longer free
//!   409 DUPLICATE_REJECTED; a missing or stale `If-Match` 409 FHIR_CONSTRAINT_VIOLATION.
//! - Amend and cancel check, in order: the appointment exists, `If-Match`, the body, then the appointment's state.
//! - "Future" for read, amend and cancel means starting today or later (the design decision classes today's
//!   appointments as future); booking needs a start after now.
//! - Any organisation may read, amend or cancel (design decision: any organisation in the data-sharing
//!   agreement); the JWT requesting organisation is not compared with the booking organisation.
//! - The practitioner-role (1.2.9: any CareConnect-SDSJobRoleName-1 code) and delivery-channel extensions,
//!   `serviceType` and `serviceCategory` are populated by the provider from the booked slots; what a consumer
//!   sends in them is ignored.
//!
//! The handlers by concern: the search for free slots ([`search`]), booking ([`book`]), read, amend and cancel
//! ([`change`]) and a patient's appointments ([`retrieve`]); the checks every Appointment body must pass
//! ([`body`]), the search and body dates ([`dates`]) and the past appointment the provider starts with
//! ([`seed`]). This module holds what they share: the appointment record, the error helpers and the rendering
//! of an Appointment and its reply.

mod body;
mod book;
mod change;
mod dates;
mod retrieve;
mod search;
mod seed;
#[cfg(test)]
mod tests;

pub(super) use book::book;
pub(super) use change::{read, update, Change};
pub(super) use retrieve::retrieve;
pub(super) use search::search_free_slots;
pub(crate) use seed::seed;

use body::*;
use dates::*;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::foundations::meta;
use super::{api_error, uktime, ApiError, Fault, ProviderState, Reply, Req};

use crate::spine::headers::{profile, system};

/// An appointment held by the provider.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApptRecord {
    pub id: String,
    pub version: u64,
    pub patient_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub slot_ids: Vec<String>,
    pub cancelled: bool,
    pub cancellation_reason: Option<String>,
    pub description: String,
    pub comment: Option<String>,
    /// The booking as the consumer sent it, without the elements the provider populates or that amend and
    /// cancel may change (see [`sanitise`]); `start`, `end` and `created` in UK local time.
    pub base: Map<String, Value>,
    pub service_type: String,
    pub service_category: String,
    pub channel: String,
    pub role_code: String,
    pub role_display: String,
}

fn invalid_parameter(msg: impl Into<String>) -> ApiError {
    api_error("INVALID_PARAMETER", msg)
}

fn invalid_resource(msg: impl Into<String>) -> ApiError {
    api_error("INVALID_RESOURCE", msg)
}

fn reference_not_found(msg: impl Into<String>) -> ApiError {
    api_error("REFERENCE_NOT_FOUND", msg)
}

fn role_extension(code: &str, display: &str) -> Value {
    json!({
        "url": profile::EXT_PRACTITIONER_ROLE,
        "valueCodeableConcept": { "coding": [{ "system": system::SDS_JOB_ROLE, "code": code, "display": display }] }
    })
}

fn appointment_resource(st: &ProviderState, a: &ApptRecord) -> Value {
    let mut o = Map::new();
    o.insert("resourceType".into(), json!("Appointment"));
    o.insert("id".into(), json!(a.id));
    o.insert("meta".into(), meta(st, profile::APPOINTMENT, a.version));
    if let Some(v) = a.base.get("language") {
        o.insert("language".into(), v.clone());
    }
    if let Some(v) = a.base.get("contained") {
        o.insert("contained".into(), v.clone());
    }
    let mut extensions: Vec<Value> = array_at(&a.base, "extension").to_vec();
    if let Some(reason) = &a.cancellation_reason {
        extensions.push(json!({ "url": profile::EXT_CANCELLATION_REASON, "valueString": reason }));
    }
    extensions.push(role_extension(&a.role_code, &a.role_display));
    extensions.push(json!({ "url": profile::EXT_DELIVERY_CHANNEL, "valueCode": a.channel }));
    o.insert("extension".into(), Value::Array(extensions));
    if let Some(v) = a.base.get("identifier") {
        o.insert("identifier".into(), v.clone());
    }
    o.insert(
        "status".into(),
        json!(if a.cancelled { "cancelled" } else { "booked" }),
    );
    o.insert(
        "serviceCategory".into(),
        json!({ "text": a.service_category }),
    );
    o.insert("serviceType".into(), json!([{ "text": a.service_type }]));
    for key in ["specialty", "reason", "priority"] {
        if let Some(v) = a.base.get(key) {
            o.insert(key.into(), v.clone());
        }
    }
    o.insert("description".into(), json!(a.description));
    o.insert("start".into(), json!(uktime::format(a.start)));
    o.insert("end".into(), json!(uktime::format(a.end)));
    for key in ["minutesDuration", "slot", "created"] {
        if let Some(v) = a.base.get(key) {
            o.insert(key.into(), v.clone());
        }
    }
    if let Some(c) = &a.comment {
        o.insert("comment".into(), json!(c));
    }
    if let Some(v) = a.base.get("participant") {
        o.insert("participant".into(), v.clone());
    }
    Value::Object(o)
}

fn appointment_reply(st: &ProviderState, req: &Req<'_>, a: &ApptRecord, status: u16) -> Reply {
    let mut reply = Reply::ok(appointment_resource(st, a));
    reply.status = status;
    reply.minimal = req.prefer_minimal && !st.fault(Fault::ApptPreferIgnored);
    reply
}
