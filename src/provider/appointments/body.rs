//! The Appointment body as book, amend and cancel receive it: the structural checks every body must pass, the
//! description and comment lengths, the booking organisation, and the comparison of a sent body with the booked
//! appointment (what amend and cancel may change).

use super::*;

const MAX_DESCRIPTION: usize = 100;
const MAX_COMMENT: usize = 500;

/// Top-level Appointment elements a consumer may send (`reason` and `specialty` are refused separately).
const ALLOWED_ELEMENTS: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "language",
    "text",
    "contained",
    "extension",
    "identifier",
    "status",
    "serviceCategory",
    "serviceType",
    "priority",
    "description",
    "start",
    "end",
    "minutesDuration",
    "slot",
    "created",
    "comment",
    "participant",
];

const PARTICIPANT_TYPES: &[&str] = &[
    "Patient",
    "Practitioner",
    "Location",
    "RelatedPerson",
    "HealthcareService",
    "Device",
];

const PARTICIPATION_STATUS: &[&str] = &["accepted", "declined", "tentative", "needs-action"];

const KNOWN_EXTENSIONS: &[&str] = &[
    profile::EXT_BOOKING_ORGANISATION,
    profile::EXT_CANCELLATION_REASON,
    profile::EXT_PRACTITIONER_ROLE,
    profile::EXT_DELIVERY_CHANNEL,
];

pub(super) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub(super) fn array_at<'a>(v: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// Splits a relative reference `Type/id` (no base URL, no `#`).
pub(super) fn relative_reference(reference: &str) -> Option<(&str, &str)> {
    let (kind, id) = reference.split_once('/')?;
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let kind_ok = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphabetic());
    (id_ok && kind_ok).then_some((kind, id))
}

fn extensions_with<'a>(o: &'a Map<String, Value>, url: &str) -> Vec<&'a Value> {
    array_at(o, "extension")
        .iter()
        .filter(|e| str_at(e, "url") == Some(url))
        .collect()
}

/// The cancellation reason the body carries: `None` without the extension, `Some("")` when it is empty.
pub(super) fn cancellation_reason(o: &Map<String, Value>) -> Option<String> {
    extensions_with(o, profile::EXT_CANCELLATION_REASON)
        .first()
        .map(|e| str_at(e, "valueString").unwrap_or_default().to_string())
}

pub(super) fn text_lengths(st: &ProviderState, o: &Map<String, Value>) -> Result<(), ApiError> {
    let description = o.get("description").and_then(Value::as_str);
    let Some(description) = description.filter(|d| !d.trim().is_empty()) else {
        return Err(invalid_resource("Appointment.description is required"));
    };
    if st.fault(Fault::ApptTextLengthUnchecked) {
        return Ok(());
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(invalid_resource(format!(
            "Appointment.description has {} characters; at most {MAX_DESCRIPTION} can be stored",
            description.chars().count()
        )));
    }
    if let Some(comment) = o.get("comment") {
        let Some(comment) = comment.as_str() else {
            return Err(invalid_resource("Appointment.comment must be a string"));
        };
        if comment.chars().count() > MAX_COMMENT {
            return Err(invalid_resource(format!(
                "Appointment.comment has {} characters; at most {MAX_COMMENT} can be stored",
                comment.chars().count()
            )));
        }
    }
    Ok(())
}

/// The booking organisation: the extension must reference a contained Organization with an ODS code, a name
/// and a telecom. Returns its ODS code and organisation type codes.
pub(super) fn booking_organisation(
    o: &Map<String, Value>,
) -> Result<(String, Vec<String>), ApiError> {
    let exts = extensions_with(o, profile::EXT_BOOKING_ORGANISATION);
    let [ext] = exts.as_slice() else {
        return Err(invalid_resource(
            "exactly one booking organisation extension (Extension-GPConnect-BookingOrganisation-1) is required",
        ));
    };
    let reference = ext
        .pointer("/valueReference/reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(local_id) = reference.strip_prefix('#').filter(|id| !id.is_empty()) else {
        return Err(invalid_resource(format!(
            "the booking organisation must be a reference `#id` to a contained Organization, not `{reference}`"
        )));
    };
    let contained = array_at(o, "contained");
    let Some(org) = contained.iter().find(|c| {
        str_at(c, "resourceType") == Some("Organization") && str_at(c, "id") == Some(local_id)
    }) else {
        return Err(invalid_resource(format!(
            "no contained Organization has the id `{local_id}` the booking organisation extension references"
        )));
    };
    if str_at(org, "name").is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid_resource(
            "the booking Organization must have a name",
        ));
    }
    let telecom = org.get("telecom").and_then(Value::as_array);
    if !telecom.is_some_and(|t| {
        t.iter()
            .any(|c| str_at(c, "value").is_some_and(|v| !v.is_empty()))
    }) {
        return Err(invalid_resource(
            "the booking Organization must have a telecom",
        ));
    }
    let ods = org
        .get("identifier")
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter()
                .find(|i| str_at(i, "system") == Some(system::ODS_ORGANIZATION))
        })
        .and_then(|i| str_at(i, "value"))
        .filter(|v| !v.is_empty());
    let Some(ods) = ods else {
        return Err(invalid_resource(format!(
            "the booking Organization must have an identifier with system {}",
            system::ODS_ORGANIZATION
        )));
    };
    let mut types = Vec::new();
    for t in org
        .get("type")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for c in t
            .get("coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match (str_at(c, "system"), str_at(c, "code")) {
                (Some(system::ORGANISATION_TYPE), Some(code)) if !code.is_empty() => {
                    types.push(code.to_string())
                }
                _ => {
                    return Err(invalid_resource(format!(
                        "the booking Organization type must be coded from {}",
                        system::ORGANISATION_TYPE
                    )))
                }
            }
        }
    }
    if contained.len() != 1 {
        return Err(invalid_resource(
            "the only contained resource may be the booking Organization",
        ));
    }
    Ok((ods.to_string(), types))
}

/// Structural rules every Appointment body must meet (book, amend, cancel).
pub(super) fn check_appointment(
    st: &ProviderState,
    body: &Value,
) -> Result<Map<String, Value>, ApiError> {
    let Some(o) = body.as_object() else {
        return Err(invalid_resource("the body must be an Appointment resource"));
    };
    if str_at(body, "resourceType") != Some("Appointment") {
        return Err(invalid_resource(format!(
            "the body must be an Appointment resource, not {}",
            str_at(body, "resourceType").unwrap_or("an unnamed resource")
        )));
    }
    let profile_ok = body
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p.as_str() == Some(profile::APPOINTMENT)));
    if !profile_ok {
        return Err(invalid_resource(format!(
            "Appointment.meta.profile must name {}",
            profile::APPOINTMENT
        )));
    }
    for key in o.keys() {
        let allowed = ALLOWED_ELEMENTS.contains(&key.as_str())
            || (matches!(key.as_str(), "reason" | "specialty")
                && st.fault(Fault::ApptReasonAccepted));
        if !allowed {
            return Err(invalid_resource(format!(
                "Appointment.{key} must not be sent"
            )));
        }
    }
    for ext in array_at(o, "extension") {
        let url = str_at(ext, "url").unwrap_or_default();
        if !KNOWN_EXTENSIONS.contains(&url) {
            return Err(invalid_resource(format!(
                "Appointment.extension `{url}` is not an extension of GPConnect-Appointment-1"
            )));
        }
    }
    for id in array_at(o, "identifier") {
        let has = |k| str_at(id, k).is_some_and(|v| !v.is_empty());
        if !has("system") || !has("value") {
            return Err(invalid_resource(
                "Appointment.identifier must have a system and a value",
            ));
        }
        if ["use", "type", "period", "assigner"]
            .iter()
            .any(|k| id.get(k).is_some())
        {
            return Err(invalid_resource(
                "Appointment.identifier may only carry system and value",
            ));
        }
    }
    let Some(status) = o.get("status").and_then(Value::as_str) else {
        return Err(invalid_resource("Appointment.status is required"));
    };
    if !matches!(status, "booked" | "cancelled") {
        return Err(invalid_resource(format!(
            "Appointment.status `{status}` is not booked or cancelled"
        )));
    }
    for key in ["start", "end", "created"] {
        if key == "created" && st.fault(Fault::ApptCreatedOptional) {
            continue;
        }
        if body_instant(o.get(key)).is_none() {
            return Err(invalid_resource(format!(
                "Appointment.{key} is required as a dateTime with an offset"
            )));
        }
    }
    let participants = array_at(o, "participant");
    if participants.is_empty() {
        return Err(invalid_resource("Appointment.participant is required"));
    }
    for p in participants {
        let reference = p
            .pointer("/actor/reference")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some((kind, _)) = relative_reference(reference) else {
            return Err(invalid_resource(format!(
                "participant actor `{reference}` must be a relative reference Type/id"
            )));
        };
        if !PARTICIPANT_TYPES.contains(&kind) {
            return Err(invalid_resource(format!(
                "participant actor `{reference}` is not a Patient, Practitioner or Location"
            )));
        }
        if !str_at(p, "status").is_some_and(|s| PARTICIPATION_STATUS.contains(&s)) {
            return Err(invalid_resource(format!(
                "participant `{reference}` needs a status (accepted, declined, tentative or needs-action)"
            )));
        }
    }
    let kinds = |k: &str| {
        participants
            .iter()
            .filter(|p| {
                p.pointer("/actor/reference")
                    .and_then(Value::as_str)
                    .and_then(relative_reference)
                    .is_some_and(|(kind, _)| kind == k)
            })
            .count()
    };
    if kinds("Patient") != 1 {
        return Err(invalid_resource(
            "the appointment must have exactly one Patient participant",
        ));
    }
    if kinds("Location") == 0 {
        return Err(invalid_resource(
            "the appointment must have a Location participant",
        ));
    }
    let slots = array_at(o, "slot");
    if slots.is_empty() {
        return Err(invalid_resource("Appointment.slot is required"));
    }
    for s in slots {
        let reference = str_at(s, "reference").unwrap_or_default();
        let id = reference.strip_prefix("Slot/").unwrap_or_default();
        if !digits(id) && !st.fault(Fault::ApptSlotReferenceUnchecked) {
            return Err(invalid_resource(format!(
                "`{reference}` is not a reference to a Slot of this provider (Slot/[number])"
            )));
        }
    }
    Ok(o.clone())
}

/// The booking without what the provider populates or what amend/cancel may change; what amend and cancel
/// compare.
pub(super) fn sanitise(o: &Map<String, Value>) -> Map<String, Value> {
    let mut m = o.clone();
    for key in [
        "id",
        "meta",
        "text",
        "serviceCategory",
        "serviceType",
        "description",
        "comment",
        "status",
    ] {
        m.remove(key);
    }
    let kept: Vec<Value> = array_at(o, "extension")
        .iter()
        .filter(|e| str_at(e, "url") == Some(profile::EXT_BOOKING_ORGANISATION))
        .cloned()
        .collect();
    if kept.is_empty() {
        m.remove("extension");
    } else {
        m.insert("extension".into(), Value::Array(kept));
    }
    m
}

/// The first element in which `sent` differs from `stored` (dateTimes compared as instants).
pub(super) fn first_difference(
    sent: &Map<String, Value>,
    stored: &Map<String, Value>,
) -> Option<String> {
    let mut keys: Vec<&String> = sent.keys().chain(stored.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| {
            let (a, b) = (sent.get(*k), stored.get(*k));
            if matches!(k.as_str(), "start" | "end" | "created") {
                let (x, y) = (body_instant(a), body_instant(b));
                if x.is_some() && y.is_some() {
                    return x != y;
                }
            }
            a != b
        })
        .cloned()
}
