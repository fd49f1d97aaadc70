//! Appointment Management tasks: searching for free slots, booking (find the patient, search, book the first
//! free slot), reading, retrieving a patient's appointments, and amending or cancelling with `If-Match` (on 409
//! Conflict: read again once and retry).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;
use serde_json::{json, Value};

use super::fault::ConsumerFault as F;
use super::foundations::{found, patient_id};
use super::session::{
    id_of, resource_of, resources_of, token, Answer, Call, MadeUp, Session, MADE_UP_ID,
};
use super::{DemoError, Params};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::{profile, system};

type Done = Result<(), DemoError>;

/// What a booking says it is for (the specification limits it to 100 characters).
const DESCRIPTION: &str = "Appointment booked by the gpc-assure reference consumer";
/// A slot starting sooner than this is not booked (it may have started by the time the booking arrives).
const BOOKING_MARGIN_MINUTES: i64 = 5;

/// A date or dateTime search bound as the task gave it.
#[derive(Debug, Clone, PartialEq)]
enum SearchDate {
    Date(NaiveDate),
    /// An instant, written in UK local time with its offset (`2026-03-30T09:00:00+01:00`).
    Instant(DateTime<chrono_tz::Tz>),
}

impl SearchDate {
    fn text(&self) -> String {
        match self {
            SearchDate::Date(d) => d.format("%Y-%m-%d").to_string(),
            SearchDate::Instant(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// The UK date of the bound (a patient's appointments are searched by date only).
    fn date(&self) -> NaiveDate {
        match self {
            SearchDate::Date(d) => *d,
            SearchDate::Instant(t) => t.date_naive(),
        }
    }
}

fn search_date(p: &Params<'_>, name: &str) -> Result<SearchDate, DemoError> {
    let text = p.get(name)?;
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(SearchDate::Date(d));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| SearchDate::Instant(t.with_timezone(&London)))
        .map_err(|_| DemoError::BadParameter {
            name: name.into(),
            value: text.into(),
            expected: "a date yyyy-mm-dd or an RFC 3339 date-time with its offset".into(),
        })
}

/// An instant in UK local time with its offset, as GP Connect writes dateTimes.
fn uk_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&London)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// A free slot and where (and with whom) it takes place, from its Schedule's actors.
#[derive(Debug, Clone, PartialEq)]
struct FreeSlot {
    id: String,
    start: String,
    end: String,
    start_at: DateTime<Utc>,
    location: Option<String>,
    practitioner: Option<String>,
}

impl MadeUp for FreeSlot {
    fn made_up(s: &Session) -> Self {
        let start = s.clock.now() + Duration::days(1);
        FreeSlot {
            id: MADE_UP_ID.into(),
            start: uk_text(start),
            end: uk_text(start + Duration::minutes(10)),
            start_at: start,
            location: Some(format!("Location/{MADE_UP_ID}")),
            practitioner: None,
        }
    }
}

fn reference(v: &Value) -> Option<&str> {
    v.get("reference").and_then(Value::as_str)
}

/// The free slots of a search answer, earliest first.
fn free_slots(answer: &Answer) -> Result<Vec<FreeSlot>, String> {
    let bundle = resource_of(answer, "Bundle")?;
    let schedules: HashMap<String, &Value> = resources_of(bundle, "Schedule")
        .into_iter()
        .filter_map(|s| id_of(s).map(|id| (format!("Schedule/{id}"), s)))
        .collect();
    let actor = |schedule: Option<&&Value>, kind: &str| {
        schedule
            .and_then(|s| s.get("actor"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(reference)
            .find(|r| r.starts_with(&format!("{kind}/")))
            .map(String::from)
    };
    let mut slots: Vec<FreeSlot> = resources_of(bundle, "Slot")
        .into_iter()
        .filter(|s| s.get("status").and_then(Value::as_str) == Some("free"))
        .filter_map(|s| {
            let start = s.get("start").and_then(Value::as_str)?;
            let end = s.get("end").and_then(Value::as_str)?;
            let schedule = s.get("schedule").and_then(reference);
            let schedule = schedule.and_then(|r| schedules.get(r));
            Some(FreeSlot {
                id: id_of(s)?.to_string(),
                start: start.to_string(),
                end: end.to_string(),
                start_at: DateTime::parse_from_rfc3339(start)
                    .ok()?
                    .with_timezone(&Utc),
                location: actor(schedule, "Location"),
                practitioner: actor(schedule, "Practitioner"),
            })
        })
        .collect();
    slots.sort_by(|a, b| a.start_at.cmp(&b.start_at).then_with(|| a.id.cmp(&b.id)));
    Ok(slots)
}

/// A search for free slots from `start` to `end`, filtered by the consumer's own organisation (ODS code and
/// type): the booking organisation the slots must be open to.
fn slot_search(s: &Session, root: &str, start: &SearchDate, end: &SearchDate) -> Call {
    let mut call = Call::new(Interaction::SearchForFreeSlots, root)
        .param("start", format!("ge{}", start.text()))
        .param("end", format!("le{}", end.text()))
        .param("status", "free");
    if !s.has(F::SlotSearchWithoutSchedule) {
        call = call.param("_include", "Slot:schedule");
    }
    let ods = &s.identity.jwt.organization.ods_code;
    call.param("searchFilter", token(system::ODS_ORGANIZATION, ods))
        .param(
            "searchFilter",
            token(system::ORGANISATION_TYPE, &s.identity.organisation_type),
        )
}

pub async fn search_slots(s: &mut Session, p: &Params<'_>) -> Done {
    let (start, end) = (search_date(p, "start")?, search_date(p, "end")?);
    let root = p.root(Capability::Appointments)?;
    let call = slot_search(s, &root, &start, &end);
    if let Some(slots) = s.step(&call, free_slots).await? {
        s.note("free_slots", slots.len());
        s.note(
            "slot_ids",
            slots.into_iter().map(|sl| sl.id).collect::<Vec<_>>(),
        );
    }
    Ok(())
}

/// A GPConnect-Appointment-1 booking of `slot` for the patient with logical id `patient`.
fn booking_body(s: &Session, patient: &str, slot: &FreeSlot) -> Value {
    let org = &s.identity.jwt.organization;
    let mut participants = vec![
        json!({ "actor": { "reference": format!("Patient/{patient}") }, "status": "accepted" }),
    ];
    for actor in [&slot.location, &slot.practitioner].into_iter().flatten() {
        participants.push(json!({ "actor": { "reference": actor }, "status": "accepted" }));
    }
    let mut body = json!({
        "resourceType": "Appointment",
        "meta": { "profile": [profile::APPOINTMENT] },
        "contained": [{
            "resourceType": "Organization",
            "id": "booking-organisation",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": org.ods_code }],
            "type": [{ "coding": [{
                "system": system::ORGANISATION_TYPE,
                "code": s.identity.organisation_type
            }] }],
            "name": org.name,
            "telecom": [{ "system": "phone", "value": s.identity.organisation_phone, "use": "work" }]
        }],
        "extension": [{
            "url": profile::EXT_BOOKING_ORGANISATION,
            "valueReference": { "reference": "#booking-organisation" }
        }],
        "status": "booked",
        "description": DESCRIPTION,
        "start": slot.start,
        "end": slot.end,
        "slot": [{ "reference": format!("Slot/{}", slot.id) }],
        "created": uk_text(s.clock.now()),
        "participant": participants
    });
    if let Some(o) = body.as_object_mut() {
        if s.has(F::NoBookingOrganisation) {
            o.remove("extension");
            o.remove("contained");
        }
        if s.has(F::BookingWithReason) {
            o.insert(
                "reason".into(),
                json!([{ "text": "Follow-up of a recent consultation" }]),
            );
        }
    }
    body
}

fn appointment(answer: &Answer) -> Result<Value, String> {
    resource_of(answer, "Appointment").cloned()
}

/// Notes what an appointment the provider returned says.
fn note_appointment(s: &mut Session, appt: &Value) {
    for (key, path) in [
        ("appointment_id", "/id"),
        ("version", "/meta/versionId"),
        ("status", "/status"),
        ("start", "/start"),
        ("end", "/end"),
        ("description", "/description"),
        ("comment", "/comment"),
    ] {
        if let Some(v) = appt.pointer(path).filter(|v| !v.is_null()) {
            s.note(key, v.clone());
        }
    }
}

pub async fn book(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let (start, end) = (search_date(p, "start")?, search_date(p, "end")?);
    let root = p.root(Capability::Appointments)?;
    let Some(patient) = patient_id(s, &root, Interaction::PatientSearch, nhs).await? else {
        return Ok(());
    };
    let search = slot_search(s, &root, &start, &end);
    let Some(slots) = s.step(&search, free_slots).await? else {
        return Ok(());
    };
    let soonest = s.clock.now() + Duration::minutes(BOOKING_MARGIN_MINUTES);
    let chosen = slots
        .into_iter()
        .find(|sl| sl.start_at > soonest && sl.location.is_some());
    let slot = match chosen {
        Some(sl) => sl,
        None => {
            s.fail_unusable(
                Interaction::SearchForFreeSlots,
                format!(
                    "no free slot from {} to {} starts after {} at a location the search named",
                    start.text(),
                    end.text(),
                    uk_text(soonest)
                ),
            );
            match s.carry_on() {
                Some(sl) => sl,
                None => return Ok(()),
            }
        }
    };
    s.note("slot_id", slot.id.as_str());
    let call =
        Call::new(Interaction::AppointmentCreate, &root).body(booking_body(s, &patient, &slot));
    if let Some(appt) = s.step(&call, appointment).await? {
        note_appointment(s, &appt);
    }
    Ok(())
}

pub async fn read(s: &mut Session, p: &Params<'_>) -> Done {
    let id = p.get("appointment_id")?;
    let root = p.root(Capability::Appointments)?;
    let call = Call::new(Interaction::AppointmentRead, &root).id(id);
    if let Some(appt) = s.step(&call, appointment).await? {
        note_appointment(s, &appt);
    }
    Ok(())
}

pub async fn retrieve(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let (start, end) = (search_date(p, "start")?, search_date(p, "end")?);
    let root = p.root(Capability::Appointments)?;
    let Some(patient) = patient_id(s, &root, Interaction::PatientSearch, nhs).await? else {
        return Ok(());
    };
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let call = Call::new(Interaction::AppointmentSearch, &root)
        .id(&patient)
        .param("start", format!("ge{}", day(start.date())))
        .param("start", format!("le{}", day(end.date())));
    let ids = s
        .step(&call, |a| {
            Ok(found(a, "Appointment")?
                .iter()
                .filter_map(|r| id_of(r).map(String::from))
                .collect::<Vec<String>>())
        })
        .await?;
    if let Some(ids) = ids {
        s.note("appointments", ids.len());
        s.note("appointment_ids", ids);
    }
    Ok(())
}

/// An appointment as read, with the ETag an update must send back.
#[derive(Debug, Clone)]
struct Versioned {
    body: Value,
    etag: String,
}

impl MadeUp for Versioned {
    fn made_up(_: &Session) -> Self {
        Versioned {
            body: json!({ "resourceType": "Appointment", "id": MADE_UP_ID }),
            etag: "W/\"1\"".into(),
        }
    }
}

fn versioned(answer: &Answer) -> Result<Versioned, String> {
    let body = appointment(answer)?;
    let etag = answer
        .etag
        .clone()
        .or_else(|| {
            body.pointer("/meta/versionId")
                .and_then(Value::as_str)
                .map(|v| format!("W/\"{v}\""))
        })
        .ok_or(
            "the appointment came with neither an ETag nor a meta.versionId to send in If-Match",
        )?;
    Ok(Versioned { body, etag })
}

pub async fn amend(s: &mut Session, p: &Params<'_>) -> Done {
    let comment = p.get("comment")?.to_string();
    update(s, p, Interaction::AppointmentAmend, move |appt, _| {
        appt["comment"] = json!(comment);
    })
    .await
}

pub async fn cancel(s: &mut Session, p: &Params<'_>) -> Done {
    let reason = p.get("reason")?.to_string();
    update(
        s,
        p,
        Interaction::AppointmentCancel,
        move |appt, without_reason| {
            appt["status"] = json!("cancelled");
            if let Some(o) = appt.as_object_mut() {
                let list = o.entry("extension").or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.retain(|e| {
                        e.get("url").and_then(Value::as_str)
                            != Some(profile::EXT_CANCELLATION_REASON)
                    });
                    if !without_reason {
                        list.push(json!({
                            "url": profile::EXT_CANCELLATION_REASON,
                            "valueString": reason
                        }));
                    }
                }
            }
        },
    )
    .await
}

/// Reads the appointment, changes it with `change` (told whether the cancellation reason is to be left out) and
/// sends it back with `If-Match`; on 409 Conflict, reads it again once and retries.
async fn update(
    s: &mut Session,
    p: &Params<'_>,
    interaction: Interaction,
    change: impl Fn(&mut Value, bool),
) -> Done {
    let id = p.get("appointment_id")?;
    let root = p.root(Capability::Appointments)?;
    let read = Call::new(Interaction::AppointmentRead, &root).id(id);
    let Some(mut current) = s.step(&read, versioned).await? else {
        return Ok(());
    };
    let without_if_match = match interaction {
        Interaction::AppointmentAmend => s.has(F::AmendWithoutIfMatch),
        _ => s.has(F::CancelWithoutIfMatch),
    };
    let without_reason = s.has(F::CancelWithoutReason);
    for attempt in 0..2 {
        let mut body = current.body.clone();
        change(&mut body, without_reason);
        let mut call = Call::new(interaction, &root).id(id).body(body);
        if !without_if_match {
            call.if_match = Some(current.etag.clone());
        }
        let answer = s.exchange(&call).await?;
        if answer.ok() {
            match appointment(&answer) {
                Ok(appt) => note_appointment(s, &appt),
                Err(reason) => s.fail_unusable(interaction, reason),
            }
            return Ok(());
        }
        if answer.status != 409 || attempt > 0 {
            s.fail_answer(interaction, &answer);
            return Ok(());
        }
        s.note("conflicts", attempt + 1);
        if s.has(F::NoRereadOnConflict) {
            // Retries with the appointment (and the If-Match) it already had.
            continue;
        }
        match s.step(&read, versioned).await? {
            Some(fresh) => current = fresh,
            None => return Ok(()),
        }
    }
    Ok(())
}
