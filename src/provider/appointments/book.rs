//! Booking an appointment: the checks of the slots (free, adjacent, bookable by the booking organisation, in the
//! future) and participants, and the commit that marks the slots busy and records the appointment, with the
//! check-then-act gap the `appt-booking-race` fault opens between the two.

use super::*;
use crate::provider::data;
use crate::provider::foundations::{parse_body, visible};
use crate::provider::slots::{Schedule, Slot, SlotBook};
use crate::provider::Store;

fn participant_ids<'a>(o: &'a Map<String, Value>, kind: &str) -> Vec<&'a str> {
    array_at(o, "participant")
        .iter()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
        .filter_map(relative_reference)
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| id)
        .collect()
}

/// Checks the booked slots against each other and the request; returns them sorted by start.
fn check_slots<'a>(
    st: &ProviderState,
    book: &'a SlotBook,
    o: &Map<String, Value>,
    booking_org: &(String, Vec<String>),
    now: DateTime<Utc>,
) -> Result<Vec<&'a Slot>, ApiError> {
    let mut ids: Vec<&str> = array_at(o, "slot")
        .iter()
        .filter_map(|s| str_at(s, "reference"))
        .filter_map(|r| r.strip_prefix("Slot/"))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != count {
        return Err(invalid_resource("the same slot is referenced twice"));
    }
    let mut slots = Vec::new();
    for id in ids {
        let Some(slot) = book.slot(id) else {
            return Err(reference_not_found(format!(
                "Slot/{id}: no such slot exists at this provider"
            )));
        };
        if !slot.bookable {
            return Err(invalid_resource(format!(
                "Slot/{id} is not available for booking through GP Connect"
            )));
        }
        let types: Vec<&str> = booking_org.1.iter().map(String::as_str).collect();
        if !slot.admits(&types, &[booking_org.0.as_str()]) {
            return Err(invalid_resource(format!(
                "Slot/{id} is restricted to other organisations (slot availability management)"
            )));
        }
        slots.push(slot);
    }
    slots.sort_by_key(|s| s.start);
    if !st.fault(Fault::ApptNonAdjacentSlots) {
        for pair in slots.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let adjacent = a.end == b.start
                && a.schedule_id == b.schedule_id
                && a.channel == b.channel
                && a.service_type == b.service_type;
            if !adjacent {
                return Err(invalid_resource(format!(
                    "Slot/{} and Slot/{} cannot be booked together: they are not adjacent slots of one schedule with the same delivery channel and service type",
                    a.id, b.id
                )));
            }
        }
    }
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Err(invalid_resource("Appointment.slot is required"));
    };
    if !st.fault(Fault::ApptStartEndUnchecked) {
        let (start, end) = (body_instant(o.get("start")), body_instant(o.get("end")));
        if start != Some(first.start) || end != Some(last.end) {
            return Err(invalid_resource(format!(
                "the appointment must start at {} and end at {}, as its slots do",
                uktime::format(first.start),
                uktime::format(last.end)
            )));
        }
    }
    if first.start <= now && !st.fault(Fault::ApptPastBookable) {
        return Err(invalid_resource(format!(
            "Slot/{} starts in the past ({}); only future appointments can be booked",
            first.id,
            uktime::format(first.start)
        )));
    }
    Ok(slots)
}

fn check_participants(
    st: &ProviderState,
    store: &Store,
    o: &Map<String, Value>,
    schedule: &Schedule,
) -> Result<String, ApiError> {
    let patient_id = participant_ids(o, "Patient")
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let lenient = st.fault(Fault::ApptUnknownParticipantAccepted);
    if !lenient
        && !store
            .patients
            .iter()
            .any(|p| p.id == patient_id && visible(st, p))
    {
        return Err(reference_not_found(format!(
            "Patient/{patient_id}: no such patient is registered at this provider"
        )));
    }
    let sites = data::sites();
    for id in participant_ids(o, "Location") {
        if !lenient && !sites.iter().any(|s| s.id == id) {
            return Err(reference_not_found(format!(
                "Location/{id}: no such location exists at this provider"
            )));
        }
        if id != schedule.location_id {
            return Err(invalid_resource(format!(
                "Location/{id} is not where the booked slots take place (Location/{})",
                schedule.location_id
            )));
        }
    }
    let pracs = data::practitioners();
    for id in participant_ids(o, "Practitioner") {
        if !pracs.iter().any(|p| p.id == id) {
            return Err(reference_not_found(format!(
                "Practitioner/{id}: no such practitioner exists at this provider"
            )));
        }
    }
    Ok(patient_id)
}

/// Normalises `start`/`end`/`created` of a stored booking to UK local time.
pub(super) fn with_local_times(
    mut base: Map<String, Value>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Map<String, Value> {
    base.insert("start".into(), json!(uktime::format(start)));
    base.insert("end".into(), json!(uktime::format(end)));
    if let Some(created) = body_instant(base.get("created")) {
        base.insert("created".into(), json!(uktime::format(created)));
    }
    base
}

/// How long the `appt-booking-race` fault leaves between checking that the slots are free and booking them.
const RACE_WINDOW: std::time::Duration = std::time::Duration::from_millis(300);

/// What a booking checked under the lock, kept for booking it.
struct CheckedBooking {
    first: Slot,
    end: DateTime<Utc>,
    slot_ids: Vec<String>,
    schedule: Schedule,
    patient_id: String,
}

pub(crate) async fn book(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let body = parse_body(st, req)?;
    let o = check_appointment(st, &body)?;
    // A client-supplied id is ignored (FHIR create); `sanitise` drops it.
    if str_at(&body, "status") != Some("booked") {
        return Err(invalid_resource(
            "a new Appointment must have status booked",
        ));
    }
    if cancellation_reason(&o).is_some() {
        return Err(invalid_resource(
            "a new Appointment must not carry a cancellation reason",
        ));
    }
    text_lengths(st, &o)?;
    let booking_org = if st.fault(Fault::ApptBookingOrgUnchecked) {
        booking_organisation(&o).unwrap_or_default()
    } else {
        booking_organisation(&o)?
    };
    let now = st.clock.now();
    if st.fault(Fault::ApptBookingRace) {
        // Check, let go of the book, book later without checking again: the classic check-then-act race.
        let checked = {
            let mut store = st.lock();
            store.book.extend_to(now);
            check_booking(st, &store, &o, &booking_org, now)?
        };
        tokio::time::sleep(RACE_WINDOW).await;
        let mut store = st.lock();
        return Ok(commit_booking(st, req, &mut store, &body, &o, checked));
    }
    let mut store = st.lock();
    store.book.extend_to(now);
    let checked = check_booking(st, &store, &o, &booking_org, now)?;
    Ok(commit_booking(st, req, &mut store, &body, &o, checked))
}

/// Checks the slots (free, contiguous, bookable by this organisation) and participants of a booking.
fn check_booking(
    st: &ProviderState,
    store: &Store,
    o: &Map<String, Value>,
    booking_org: &(String, Vec<String>),
    now: DateTime<Utc>,
) -> Result<CheckedBooking, ApiError> {
    let slots = check_slots(st, &store.book, o, booking_org, now)?;
    let Some(first) = slots.first().copied().cloned() else {
        return Err(invalid_resource("Appointment.slot is required"));
    };
    let end = slots.last().map_or(first.end, |s| s.end);
    let slot_ids: Vec<String> = slots.iter().map(|s| s.id.clone()).collect();
    let busy = slots.iter().find(|s| s.busy).map(|s| s.id.clone());
    let Some(schedule) = store.book.schedule(first.schedule_id).cloned() else {
        return Err(api_error(
            "INTERNAL_SERVER_ERROR",
            format!("Slot/{} has no schedule", first.id),
        ));
    };
    let patient_id = check_participants(st, store, o, &schedule)?;
    if let Some(id) = busy {
        if !st.fault(Fault::ApptDoubleBooking) {
            return Err(api_error(
                "DUPLICATE_REJECTED",
                format!("Slot/{id} is no longer free"),
            ));
        }
    }
    Ok(CheckedBooking {
        first,
        end,
        slot_ids,
        schedule,
        patient_id,
    })
}

/// Marks the slots busy and records the appointment.
fn commit_booking(
    st: &ProviderState,
    req: &Req<'_>,
    store: &mut Store,
    body: &Value,
    o: &Map<String, Value>,
    c: CheckedBooking,
) -> Reply {
    for id in &c.slot_ids {
        if let Some(s) = store.book.slot_mut(id) {
            s.busy = true;
            s.version += 1;
        }
    }
    let id = store.next_appointment_id.to_string();
    store.next_appointment_id += 1;
    let first = c.first;
    let record = ApptRecord {
        id,
        version: 1,
        patient_id: c.patient_id,
        start: first.start,
        end: c.end,
        slot_ids: c.slot_ids,
        cancelled: false,
        cancellation_reason: None,
        description: str_at(body, "description").unwrap_or_default().to_string(),
        comment: str_at(body, "comment").map(String::from),
        base: with_local_times(sanitise(o), first.start, c.end),
        service_type: first.service_type.to_string(),
        service_category: c.schedule.category.to_string(),
        channel: first.channel.to_string(),
        role_code: c.schedule.role_code.to_string(),
        role_display: c.schedule.role_display.to_string(),
    };
    let status = if st.fault(Fault::ApptCreateReturns200) {
        200
    } else {
        201
    };
    let mut reply = appointment_reply(st, req, &record, status);
    reply.location = Some(if st.fault(Fault::ApptWrongLocationHeader) {
        format!("{}/Slot/{}", req.base_url, first.id)
    } else {
        format!(
            "{}/Appointment/{}/_history/{}",
            req.base_url, record.id, record.version
        )
    });
    store.appointments.push(record);
    reply
}
