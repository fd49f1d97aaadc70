//! Book, amend and cancel an appointment: the Appointment a consumer sends, and `If-Match` on the two updates.
//!
//! Judged from the request alone: what an amendment or cancellation changes compared with the stored
//! appointment needs the provider's copy, so here only what no stored appointment can have is judged (a status
//! other than `booked` on an amendment, a cancellation reason added by one, `reason` or `specialty`). Not
//! judged: the booking organisation's `type` matching the `searchFilter` of the slot search (needs that earlier
//! request); the slots being adjacent and `start`/`end` matching them (needs the slots); an `id` on a booking
//! (FHIR create tells the server to ignore one, the book page does not forbid it); the practitioner participant
//! (SHOULD).

use serde_json::Value;

use super::values::{array_at, instant, reference_type, shown, str_at};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::consumer::rules::Route;
use crate::spine::headers::{profile, system};

const BOOK: &str = "appointments_use_case_book_an_appointment";
const AMEND: &str = "appointments_use_case_amend_an_appointment";
const CANCEL: &str = "appointments_use_case_cancel_an_appointment";

/// Consumers' character limits on the free-text fields.
const MAX_DESCRIPTION: usize = 100;
const MAX_COMMENT: usize = 500;

/// Which of the three Appointment interactions a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Book,
    Amend,
    Cancel,
}

pub(super) const PROFILE_URI: Rule = Rule {
    id: "body.appointment-profile-uri",
    requirement: "The Appointment sent to book, amend or cancel names the GPConnect-Appointment-1 profile URI in meta.profile",
    page: BOOK,
};
pub(super) const PARTICIPANTS: Rule = Rule {
    id: "body.appointment-participants",
    requirement: "A booking has a patient participant and a location participant (the physical location of the appointment)",
    page: BOOK,
};
pub(super) const PARTICIPANT_ACTOR: Rule = Rule {
    id: "body.appointment-participant-actor",
    requirement: "Every participant of a booking has an actor reference",
    page: BOOK,
};
pub(super) const START_END: Rule = Rule {
    id: "body.appointment-start-end",
    requirement: "A booking has the start and end of the appointment, the end after the start",
    page: BOOK,
};
pub(super) const FUTURE: Rule = Rule {
    id: "body.appointment-future",
    requirement: "Book, amend and cancel are only used for future appointments: the start is after the current date and time",
    page: BOOK,
};
pub(super) const STATUS_BOOKED: Rule = Rule {
    id: "body.appointment-status-booked",
    requirement: "A booking has the status booked",
    page: BOOK,
};
pub(super) const SLOT: Rule = Rule {
    id: "body.appointment-slot",
    requirement: "A booking references the one or more free Slots it books",
    page: BOOK,
};
pub(super) const BOOKING_ORGANISATION: Rule = Rule {
    id: "body.appointment-booking-organisation",
    requirement: "A booking carries the bookingOrganisation extension referencing a contained Organization with the ODS code identifier, a name and a telecom",
    page: BOOK,
};
pub(super) const CREATED: Rule = Rule {
    id: "body.appointment-created",
    requirement: "A booking populates created with the date and time the appointment was created",
    page: BOOK,
};
pub(super) const DESCRIPTION: Rule = Rule {
    id: "body.appointment-description",
    requirement: "A booking has a description: a brief description of the appointment",
    page: BOOK,
};
pub(super) const TEXT_LENGTH: Rule = Rule {
    id: "body.appointment-text-length",
    requirement: "Consumers limit description to 100 characters and comment to 500 characters",
    page: BOOK,
};
pub(super) const REASON_SPECIALTY: Rule = Rule {
    id: "body.appointment-reason-specialty",
    requirement: "The Appointment a consumer sends populates neither reason nor specialty",
    page: BOOK,
};
pub(super) const AMEND_NOT_CANCELLED: Rule = Rule {
    id: "body.amend-not-cancelled",
    requirement: "An amendment changes only description and comment, and never of a cancelled appointment: the status stays booked and no cancellation reason is added",
    page: AMEND,
};
pub(super) const CANCEL_STATUS: Rule = Rule {
    id: "body.cancel-status",
    requirement: "A cancellation updates the appointment's status to cancelled",
    page: CANCEL,
};
pub(super) const CANCEL_REASON: Rule = Rule {
    id: "body.cancel-reason",
    requirement:
        "A cancellation includes the cancellation-reason extension with the reason for cancelling",
    page: CANCEL,
};
pub(super) const IF_MATCH: Rule = Rule {
    id: "body.if-match",
    requirement: "Amend and cancel send one If-Match header quoting the Appointment's ETag, W/\"<versionId>\"",
    page: "development_general_api_guidance",
};
pub(super) const UPDATE_ID: Rule = Rule {
    id: "body.update-id",
    requirement: "An update (PUT) sends the resource whose id equals the [id] of the request URL",
    page: "development_fhir_api_guidance",
};

/// `If-Match` on amend and cancel (judged whether or not a body came).
pub(super) fn judge_if_match(req: &InboundRequest, change: Change, findings: &mut Vec<Finding>) {
    if change == Change::Book {
        return;
    }
    let at = "header If-Match";
    let expected = "one weak ETag W/\"<versionId>\"";
    match req.header_all("If-Match").as_slice() {
        [] => findings.push(IF_MATCH.finding(at, expected, "no If-Match header")),
        [one] => {
            let v = one.trim();
            let version = v
                .strip_prefix("W/\"")
                .and_then(|rest| rest.strip_suffix('"'))
                .filter(|ver| !ver.is_empty() && !ver.contains('"'));
            if version.is_none() {
                findings.push(IF_MATCH.finding(at, expected, shown(v)));
            }
        }
        many => findings.push(IF_MATCH.finding(
            at,
            expected,
            format!("{} If-Match headers", many.len()),
        )),
    }
}

/// The interaction's rules on the Appointment (already known to be one).
pub(super) fn judge(
    req: &InboundRequest,
    route: &Route,
    change: Change,
    appt: &Value,
    findings: &mut Vec<Finding>,
) {
    let claims_profile = array_at(appt.get("meta").unwrap_or(&Value::Null), "profile")
        .iter()
        .any(|p| p.as_str() == Some(profile::APPOINTMENT));
    if !claims_profile {
        findings.push(PROFILE_URI.finding(
            "body Appointment.meta.profile",
            shown(profile::APPOINTMENT),
            "no such profile URI",
        ));
    }
    future(req, appt, findings);
    text_lengths(appt, findings);
    for key in ["reason", "specialty"] {
        if appt.get(key).is_some() {
            findings.push(REASON_SPECIALTY.finding(
                format!("body Appointment.{key}"),
                "absent",
                "present",
            ));
        }
    }
    let status = str_at(appt, "status");
    let shown_status = status.map_or_else(|| "no status".to_string(), shown);
    match change {
        Change::Book => {
            booking(appt, findings);
            if status != Some("booked") {
                findings.push(STATUS_BOOKED.finding(
                    "body Appointment.status",
                    "`booked`",
                    shown_status,
                ));
            }
        }
        Change::Amend => {
            update_id(route, appt, findings);
            if status != Some("booked") {
                findings.push(AMEND_NOT_CANCELLED.finding(
                    "body Appointment.status",
                    "`booked` (unchanged)",
                    shown_status,
                ));
            }
            if cancellation_reason(appt).is_some() {
                findings.push(AMEND_NOT_CANCELLED.finding(
                    "body Appointment.extension",
                    "no cancellation-reason extension",
                    "a cancellation reason",
                ));
            }
        }
        Change::Cancel => {
            update_id(route, appt, findings);
            if status != Some("cancelled") {
                findings.push(CANCEL_STATUS.finding(
                    "body Appointment.status",
                    "`cancelled`",
                    shown_status,
                ));
            }
            match cancellation_reason(appt) {
                None => findings.push(CANCEL_REASON.finding(
                    "body Appointment.extension",
                    "the cancellation-reason extension",
                    "none",
                )),
                Some(reason) if reason.trim().is_empty() => findings.push(CANCEL_REASON.finding(
                    "body Appointment.extension",
                    "a cancellation reason (valueString)",
                    "an empty reason",
                )),
                Some(_) => {}
            }
        }
    }
}

/// The cancellation reason the body carries: `None` without the extension.
fn cancellation_reason(appt: &Value) -> Option<&str> {
    array_at(appt, "extension")
        .iter()
        .find(|e| str_at(e, "url") == Some(profile::EXT_CANCELLATION_REASON))
        .map(|e| str_at(e, "valueString").unwrap_or_default())
}

fn future(req: &InboundRequest, appt: &Value, findings: &mut Vec<Finding>) {
    let Some(start) = str_at(appt, "start").and_then(instant) else {
        return;
    };
    if start.timestamp() <= req.received_at {
        findings.push(FUTURE.finding(
            "body Appointment.start",
            "a start after the time of the request",
            format!("`{}`, not in the future", start.to_rfc3339()),
        ));
    }
}

fn text_lengths(appt: &Value, findings: &mut Vec<Finding>) {
    for (key, max) in [("description", MAX_DESCRIPTION), ("comment", MAX_COMMENT)] {
        if let Some(text) = str_at(appt, key) {
            let n = text.chars().count();
            if n > max {
                findings.push(TEXT_LENGTH.finding(
                    format!("body Appointment.{key}"),
                    format!("at most {max} characters"),
                    format!("{n} characters"),
                ));
            }
        }
    }
}

fn update_id(route: &Route, appt: &Value, findings: &mut Vec<Finding>) {
    let Some(url_id) = route.id.as_deref() else {
        return;
    };
    match str_at(appt, "id") {
        Some(id) if id == url_id => {}
        Some(id) => {
            findings.push(UPDATE_ID.finding("body Appointment.id", shown(url_id), shown(id)))
        }
        None => findings.push(UPDATE_ID.finding("body Appointment.id", shown(url_id), "no id")),
    }
}

/// The elements a booking must have.
fn booking(appt: &Value, findings: &mut Vec<Finding>) {
    let participants = array_at(appt, "participant");
    let of_type = |kind: &str| {
        participants.iter().any(|p| {
            p.pointer("/actor/reference")
                .and_then(Value::as_str)
                .and_then(reference_type)
                == Some(kind)
        })
    };
    for (kind, what) in [
        ("Patient", "a patient participant"),
        ("Location", "a location participant"),
    ] {
        if !of_type(kind) {
            findings.push(PARTICIPANTS.finding(
                "body Appointment.participant",
                format!("{what} (actor {kind}/[id])"),
                format!("none among {} participants", participants.len()),
            ));
        }
    }
    for (n, p) in participants.iter().enumerate() {
        let reference = p.pointer("/actor/reference").and_then(Value::as_str);
        if reference.is_none_or(|r| r.trim().is_empty()) {
            findings.push(PARTICIPANT_ACTOR.finding(
                format!("body Appointment.participant[{n}].actor"),
                "an actor reference",
                "none",
            ));
        }
    }
    let start = str_at(appt, "start");
    let end = str_at(appt, "end");
    for (key, value) in [("start", start), ("end", end)] {
        match value {
            None => findings.push(START_END.finding(
                format!("body Appointment.{key}"),
                "an instant",
                "none",
            )),
            Some(v) if instant(v).is_none() => findings.push(START_END.finding(
                format!("body Appointment.{key}"),
                "an instant with an offset",
                shown(v),
            )),
            Some(_) => {}
        }
    }
    if let (Some(s), Some(e)) = (start.and_then(instant), end.and_then(instant)) {
        if e <= s {
            findings.push(START_END.finding(
                "body Appointment.end",
                "an end after the start",
                format!("`{}`, not after `{}`", e.to_rfc3339(), s.to_rfc3339()),
            ));
        }
    }
    let slots = array_at(appt, "slot");
    if slots.is_empty() {
        findings.push(SLOT.finding(
            "body Appointment.slot",
            "one or more Slot references",
            "none",
        ));
    }
    for (n, s) in slots.iter().enumerate() {
        let reference = str_at(s, "reference").unwrap_or_default();
        if reference_type(reference) != Some("Slot") {
            findings.push(SLOT.finding(
                format!("body Appointment.slot[{n}].reference"),
                "a reference Slot/[id]",
                shown(reference),
            ));
        }
    }
    booking_organisation(appt, findings);
    if str_at(appt, "created").is_none_or(|c| c.trim().is_empty()) {
        findings.push(CREATED.finding(
            "body Appointment.created",
            "the date and time of creation",
            "none",
        ));
    }
    if str_at(appt, "description").is_none_or(|d| d.trim().is_empty()) {
        findings.push(DESCRIPTION.finding(
            "body Appointment.description",
            "a brief description",
            "none",
        ));
    }
}

fn booking_organisation(appt: &Value, findings: &mut Vec<Finding>) {
    let at = "body Appointment.extension";
    let Some(ext) = array_at(appt, "extension")
        .iter()
        .find(|e| str_at(e, "url") == Some(profile::EXT_BOOKING_ORGANISATION))
    else {
        findings.push(BOOKING_ORGANISATION.finding(
            at,
            "the bookingOrganisation extension",
            "none",
        ));
        return;
    };
    let reference = ext
        .pointer("/valueReference/reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(local) = reference.strip_prefix('#').filter(|id| !id.is_empty()) else {
        findings.push(BOOKING_ORGANISATION.finding(
            format!("{at}.valueReference"),
            "a reference #[id] to a contained Organization",
            shown(reference),
        ));
        return;
    };
    let contained = array_at(appt, "contained");
    let Some((n, org)) = contained.iter().enumerate().find(|(_, c)| {
        str_at(c, "resourceType") == Some("Organization") && str_at(c, "id") == Some(local)
    }) else {
        findings.push(BOOKING_ORGANISATION.finding(
            "body Appointment.contained",
            format!("an Organization with id `{local}`"),
            "none",
        ));
        return;
    };
    let at = format!("body Appointment.contained[{n}]");
    let ods = array_at(org, "identifier").iter().any(|i| {
        str_at(i, "system") == Some(system::ODS_ORGANIZATION)
            && str_at(i, "value").is_some_and(|v| !v.trim().is_empty())
    });
    if !ods {
        findings.push(BOOKING_ORGANISATION.finding(
            format!("{at}.identifier"),
            format!("an identifier with system {}", system::ODS_ORGANIZATION),
            "none",
        ));
    }
    if str_at(org, "name").is_none_or(|n| n.trim().is_empty()) {
        findings.push(BOOKING_ORGANISATION.finding(format!("{at}.name"), "a name", "none"));
    }
    let telecom = array_at(org, "telecom")
        .iter()
        .any(|t| str_at(t, "value").is_some_and(|v| !v.trim().is_empty()));
    if !telecom {
        findings.push(BOOKING_ORGANISATION.finding(format!("{at}.telecom"), "a telecom", "none"));
    }
}

#[cfg(test)]
#[path = "appointment_tests.rs"]
mod tests;
