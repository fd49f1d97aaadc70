//! Appointment Management steps, by concern: free slots and the searches that find them ([`slots`]), the
//! bookings a scenario makes before the request it tests ([`fixtures`]), changes to the Appointment in the
//! request body ([`body`]), and the expectations on searches ([`expect_slots`]) and appointments
//! ([`expect_appointments`]).
//!
//! Scenarios run concurrently against one provider, so every scenario that books or needs a free slot holds it
//! through [`SlotClaim`]: a slot another scenario of the run holds is never taken twice. Claims are settled when
//! the scenario ends ([`settle_slot_claims`]).

pub(crate) mod body;
mod expect_appointments;
mod expect_slots;
pub(crate) mod fixtures;
pub(crate) mod slots;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cucumber::{given, then};
use serde_json::{json, Value};

use super::common::{payload_resources, resource_type};
use super::context::{RunContext, SlotClaim};
use super::json_path;
use super::uk_time;
use super::world::{Body, GpcWorld};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::{profile, system};

use body::*;
use expect_slots::*;
use fixtures::*;
use slots::*;

type Step = Result<(), String>;

/// Days ahead the free-slot searches of the fixtures cover (the longest period a search may ask for).
const SEARCH_DAYS: i64 = 14;
/// A slot starting sooner than this is not taken for a booking (it could be in the past when the booking lands).
const BOOKING_MARGIN_MINUTES: i64 = 10;
const DEFAULT_DESCRIPTION: &str = "GP Connect assurance booking";
/// The organisation type the fixtures' searches and bookings declare.
const BOOKING_ORG_TYPE: &str = "gp-practice";
/// The delivery channel a slot may not be offered or booked with.
const VISIT: &str = "Visit";
/// 1.2.7 binding of the practitioner-role extension.
const PRACTITIONER_ROLE_VALUESET: &str =
    "https://fhir.nhs.uk/STU3/ValueSet/GPConnect-PractitionerRole-1";
/// 1.2.9: any code of the SDS job role name code system.
const SDS_JOB_ROLE_CODESYSTEM: &str =
    "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1";
const DELIVERY_CHANNEL_CODESYSTEM: &str =
    "https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-DeliveryChannel-1";

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn full_date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// The period a search parameter value (without its prefix) covers: a date covers the whole UK day.
fn search_bound(value: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if let Some(d) = full_date(value) {
        return Some((
            uk_time::start_of_day(d),
            uk_time::start_of_day(d + Duration::days(1)),
        ));
    }
    instant(value).map(|t| (t, t))
}

fn strip_prefix(value: &str) -> &str {
    let letters = value.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 2 {
        &value[2..]
    } else {
        value
    }
}

fn reference(v: &Value) -> Option<&str> {
    v.get("reference").and_then(Value::as_str)
}

fn str_of<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    json_path::get(v, path).and_then(Value::as_str)
}

fn extension<'a>(r: &'a Value, url: &str) -> Option<&'a Value> {
    r.get("extension")
        .and_then(Value::as_array)
        .and_then(|es| es.iter().find(|e| str_of(e, "url") == Some(url)))
}

/// The resources of a Bundle by type.
fn entries_of<'a>(bundle: &'a Value, kind: &str) -> Vec<(usize, &'a Value)> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .enumerate()
                .filter_map(|(i, e)| e.get("resource").map(|r| (i, r)))
                .filter(|(_, r)| resource_type(r) == kind)
                .collect()
        })
        .unwrap_or_default()
}

/// Settles the slots a scenario held when it ends: a slot the scenario booked stays taken for the rest of the
/// run (another scenario's earlier search may still list it as free), unless the scenario cancelled that
/// booking again; every other slot goes back.
pub fn settle_slot_claims(w: &mut GpcWorld) {
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for sent in w.sent.iter().filter(|s| s.succeeded()) {
        let slots: Vec<String> = sent.body.as_ref().map(body_slot_ids).unwrap_or_default();
        match sent.interaction {
            Some(Interaction::AppointmentCreate) => kept.extend(slots),
            Some(Interaction::AppointmentCancel) => {
                for s in slots {
                    kept.remove(&s);
                }
            }
            _ => {}
        }
    }
    for c in &mut w.claims {
        c.kept = kept.contains(&c.slot_id);
    }
}

/// Logical ids of the slots an Appointment references (`Slot/<id>`).
fn body_slot_ids(appointment: &Value) -> Vec<String> {
    appointment
        .get("slot")
        .and_then(Value::as_array)
        .map(|slots| {
            slots
                .iter()
                .filter_map(reference)
                .filter_map(|r| r.strip_prefix("Slot/"))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}
