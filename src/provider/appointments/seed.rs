//! The appointment the provider starts with: one in the past, so that the rules for future appointments can be
//! exercised.

use chrono::Duration;

use super::book::with_local_times;
use super::*;
use crate::provider::data;
use crate::provider::slots::SlotBook;

/// One appointment in the past (`Appointment/1`, patient2, yesterday 09:00 in schedule 1) so that the
/// "only future appointments" rules of read, amend and cancel can be exercised.
pub(crate) fn seed(book: &mut SlotBook, now: DateTime<Utc>) -> Vec<ApptRecord> {
    let yesterday = uktime::local_date(now).pred_opt();
    let Some(slot) = book
        .slots
        .iter()
        .find(|s| {
            s.schedule_id == "1" && s.bookable && Some(uktime::local_date(s.start)) == yesterday
        })
        .cloned()
    else {
        return Vec::new();
    };
    let Some(schedule) = book.schedule(slot.schedule_id).cloned() else {
        return Vec::new();
    };
    if let Some(s) = book.slot_mut(&slot.id) {
        s.busy = true;
        s.version += 1;
    }
    let org = data::organizations();
    let ods = org.first().map_or("", |o| o.ods);
    let base = json!({
        "contained": [{
            "resourceType": "Organization",
            "id": "1",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": ods }],
            "name": "GP Connect Demonstrator Practice",
            "telecom": [{ "system": "phone", "value": "03003035678" }]
        }],
        "extension": [{ "url": profile::EXT_BOOKING_ORGANISATION, "valueReference": { "reference": "#1" } }],
        "slot": [{ "reference": format!("Slot/{}", slot.id) }],
        "created": uktime::format(slot.start - Duration::days(7)),
        "participant": [
            { "actor": { "reference": "Patient/2" }, "status": "accepted" },
            { "actor": { "reference": format!("Location/{}", schedule.location_id) }, "status": "accepted" },
            { "actor": { "reference": format!("Practitioner/{}", schedule.practitioner_id) }, "status": "accepted" }
        ]
    });
    let base = body_map(base);
    vec![ApptRecord {
        id: "1".into(),
        version: 1,
        patient_id: "2".into(),
        start: slot.start,
        end: slot.end,
        slot_ids: vec![slot.id.clone()],
        cancelled: false,
        cancellation_reason: None,
        description: "Review of blood pressure".into(),
        comment: None,
        base: with_local_times(base, slot.start, slot.end),
        service_type: slot.service_type.to_string(),
        service_category: schedule.category.to_string(),
        channel: slot.channel.to_string(),
        role_code: schedule.role_code.to_string(),
        role_display: schedule.role_display.to_string(),
    }]
}

pub(super) fn body_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
