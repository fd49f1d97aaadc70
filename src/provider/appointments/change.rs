//! Read, amend and cancel one appointment: only future appointments (today counts), `If-Match` against the
//! current version, and what amend (description and comment) and cancel (status and reason) may change.

use super::*;
use crate::provider::foundations::parse_body;

fn not_found(id: &str) -> ApiError {
    api_error("NO_RECORD_FOUND", format!("Appointment/{id} was not found"))
}

/// Started before today (UK): today's appointments count as future.
fn in_the_past(a: &ApptRecord, now: DateTime<Utc>) -> bool {
    uktime::local_date(a.start) < uktime::local_date(now)
}

pub(crate) fn read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    let store = st.lock();
    let Some(a) = store.appointments.iter().find(|a| a.id == id) else {
        return Err(not_found(id));
    };
    if in_the_past(a, st.clock.now()) && !st.fault(Fault::ApptReadPastAllowed) {
        return Err(invalid_parameter(format!(
            "Appointment/{id} started on {}; only future appointments can be read",
            uktime::format(a.start)
        )));
    }
    Ok(appointment_reply(st, req, a, 200))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Amend,
    Cancel,
}

/// The version an `If-Match` header names: `W/"3"`, `"3"` or `3`.
pub(super) fn if_match_version(raw: &str) -> &str {
    let v = raw.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.trim_matches('"')
}

pub(crate) fn update(st: &ProviderState, req: &Req<'_>, change: Change) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default().to_string();
    let body = parse_body(st, req)?;
    let now = st.clock.now();
    let mut guard = st.lock();
    let store = &mut *guard;
    let Some(index) = store.appointments.iter().position(|a| a.id == id) else {
        return Err(not_found(&id));
    };
    let current = store.appointments[index].clone();
    if !st.fault(Fault::ApptIfMatchIgnored) {
        let version = current.version.to_string();
        match req.if_match.as_deref() {
            None => {
                return Err(api_error(
                    "FHIR_CONSTRAINT_VIOLATION",
                    format!("If-Match is required: send the ETag of Appointment/{id}, W/\"{version}\""),
                ))
            }
            Some(v) if if_match_version(v) != version => {
                return Err(api_error(
                    "FHIR_CONSTRAINT_VIOLATION",
                    format!("If-Match `{v}` does not name the current version of Appointment/{id} (W/\"{version}\")"),
                ))
            }
            Some(_) => {}
        }
    }
    let o = check_appointment(st, &body)?;
    if str_at(&body, "id") != Some(id.as_str()) {
        return Err(invalid_resource(format!(
            "the body's Appointment.id must be `{id}`, the id in the URL"
        )));
    }
    if in_the_past(&current, now) {
        return Err(invalid_resource(format!(
            "Appointment/{id} started on {}; only future appointments can be changed",
            uktime::format(current.start)
        )));
    }
    let sent = sanitise(&o);
    let mut updated = current.clone();
    match change {
        Change::Amend => {
            if current.cancelled && !st.fault(Fault::ApptCancelledAmendable) {
                return Err(invalid_resource(format!(
                    "Appointment/{id} is cancelled and cannot be amended"
                )));
            }
            let status = if current.cancelled {
                "cancelled"
            } else {
                "booked"
            };
            if str_at(&body, "status") != Some(status) {
                return Err(invalid_resource(format!(
                    "amend cannot change Appointment.status (it is {status}); use cancel"
                )));
            }
            if cancellation_reason(&o) != current.cancellation_reason {
                return Err(invalid_resource(
                    "amend cannot set or change the cancellation reason",
                ));
            }
            text_lengths(st, &o)?;
            if let Some(element) = first_difference(&sent, &current.base) {
                if !st.fault(Fault::ApptAmendForbiddenField) {
                    return Err(invalid_resource(format!(
                        "amend may only change description and comment; Appointment.{element} differs from the booked appointment"
                    )));
                }
            }
            updated.description = str_at(&body, "description").unwrap_or_default().to_string();
            updated.comment = str_at(&body, "comment").map(String::from);
        }
        Change::Cancel => {
            if current.cancelled {
                return Err(invalid_resource(format!(
                    "Appointment/{id} is already cancelled"
                )));
            }
            if str_at(&body, "status") != Some("cancelled") {
                return Err(invalid_resource(
                    "a cancellation must set Appointment.status to cancelled",
                ));
            }
            let reason = cancellation_reason(&o).filter(|r| !r.trim().is_empty());
            if reason.is_none() && !st.fault(Fault::ApptCancelWithoutReason) {
                return Err(invalid_parameter(
                    "a cancellation needs a non-empty cancellation reason (Extension-GPConnect-AppointmentCancellationReason-1)",
                ));
            }
            let same_text = str_at(&body, "description") == Some(current.description.as_str())
                && str_at(&body, "comment") == current.comment.as_deref();
            let difference = first_difference(&sent, &current.base)
                .or_else(|| (!same_text).then(|| "description or comment".to_string()));
            if let Some(element) = difference {
                if !st.fault(Fault::ApptCancelForbiddenField) {
                    return Err(invalid_resource(format!(
                        "cancel may only change status and the cancellation reason; Appointment.{element} differs from the booked appointment"
                    )));
                }
            }
            updated.cancelled = true;
            updated.cancellation_reason = Some(reason.unwrap_or_default());
            if !st.fault(Fault::ApptCancelKeepsSlotBusy) {
                for slot_id in &current.slot_ids {
                    if let Some(s) = store.book.slot_mut(slot_id) {
                        s.busy = false;
                        s.version += 1;
                    }
                }
            }
        }
    }
    if !st.fault(Fault::ApptEtagNotAdvanced) {
        updated.version += 1;
    }
    let reply = appointment_reply(st, req, &updated, 200);
    store.appointments[index] = updated;
    Ok(reply)
}
