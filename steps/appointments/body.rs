//! Given-steps that change the Appointment in the request body, one mutation each.

use super::*;

pub(super) fn body_mut(w: &mut GpcWorld) -> Result<&mut Value, String> {
    match &mut w.body {
        Body::Json(v) | Body::Xml(v) => Ok(v),
        _ => Err("there is no appointment in the request body: prepare one first".into()),
    }
}

pub(super) fn body_ref(w: &GpcWorld) -> Result<&Value, String> {
    match &w.body {
        Body::Json(v) | Body::Xml(v) => Ok(v),
        _ => Err("there is no appointment in the request body: prepare one first".into()),
    }
}

#[given(expr = "I set the appointment {string} to {string}")]
fn set_text(w: &mut GpcWorld, path: String, value: String) -> Step {
    let value = w.expand(&value)?;
    json_path::set(body_mut(w)?, &path, Value::String(value))
}

#[given(expr = "I set the appointment {string} to the JSON {string}")]
fn set_json(w: &mut GpcWorld, path: String, json: String) -> Step {
    let json = w.expand(&json)?;
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("`{json}` is not JSON: {e}"))?;
    json_path::set(body_mut(w)?, &path, v)
}

#[given(expr = "I set the appointment {string} to a text of {int} characters")]
fn set_long_text(w: &mut GpcWorld, path: String, n: usize) -> Step {
    let text: String = "Assurance text. "
        .chars()
        .cycle()
        .take(n)
        .collect::<String>();
    // A text must not end in whitespace (FHIR string rules): end on a full stop.
    let text = format!("{}.", &text[..n.saturating_sub(1)]);
    json_path::set(body_mut(w)?, &path, Value::String(text))
}

#[given(expr = "I remove the appointment {string}")]
fn remove_element(w: &mut GpcWorld, path: String) -> Step {
    json_path::remove(body_mut(w)?, &path)
}

#[given(expr = "I remove the {word} participant from the appointment")]
fn remove_participant(w: &mut GpcWorld, kind: String) -> Step {
    let body = body_mut(w)?;
    let list = body
        .get_mut("participant")
        .and_then(Value::as_array_mut)
        .ok_or("the appointment has no participants")?;
    let before = list.len();
    list.retain(|p| {
        !json_path::get(p, "actor")
            .and_then(reference)
            .is_some_and(|r| r.starts_with(&format!("{kind}/")))
    });
    if list.len() == before {
        return Err(format!(
            "the appointment has no {kind} participant to remove"
        ));
    }
    Ok(())
}

#[given("I remove the status of every participant")]
fn remove_participant_status(w: &mut GpcWorld) -> Step {
    let list = body_mut(w)?
        .get_mut("participant")
        .and_then(Value::as_array_mut)
        .ok_or("the appointment has no participants")?;
    for p in list.iter_mut() {
        if let Some(o) = p.as_object_mut() {
            o.remove("status");
        }
    }
    Ok(())
}

#[given(expr = "I add a participant referencing {string}")]
fn add_participant(w: &mut GpcWorld, target: String) -> Step {
    let target = w.expand(&target)?;
    let list = body_mut(w)?
        .get_mut("participant")
        .and_then(Value::as_array_mut)
        .ok_or("the appointment has no participants")?;
    list.push(json!({ "actor": { "reference": target }, "status": "accepted" }));
    Ok(())
}

pub(super) fn set_cancellation(appt: &mut Value, reason: &str) -> Step {
    json_path::set(appt, "status", json!("cancelled"))?;
    set_cancellation_extension(appt, profile::EXT_CANCELLATION_REASON, Some(reason))
}

/// Replaces any cancellation-reason extension with one of `url` (and `reason`, if any).
pub(super) fn set_cancellation_extension(
    appt: &mut Value,
    url: &str,
    reason: Option<&str>,
) -> Step {
    let obj = appt
        .as_object_mut()
        .ok_or("the request body is not a resource")?;
    let list = obj
        .entry("extension")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or("Appointment.extension is not an array")?;
    list.retain(|e| str_of(e, "url") != Some(profile::EXT_CANCELLATION_REASON));
    let mut ext = json!({ "url": url });
    if let Some(r) = reason {
        ext["valueString"] = Value::String(r.to_string());
    }
    list.push(ext);
    Ok(())
}

#[given(expr = "I cancel the appointment with the reason {string}")]
pub(crate) fn cancel_with_reason(w: &mut GpcWorld, reason: String) -> Step {
    set_cancellation(body_mut(w)?, &reason)
}

#[given(expr = "I set the appointment cancellation reason to {string}")]
fn set_reason_only(w: &mut GpcWorld, reason: String) -> Step {
    set_cancellation_extension(
        body_mut(w)?,
        profile::EXT_CANCELLATION_REASON,
        Some(&reason),
    )
}

#[given(
    expr = "I cancel the appointment with the reason {string} in an extension with the URL {string}"
)]
fn cancel_with_url(w: &mut GpcWorld, reason: String, url: String) -> Step {
    let body = body_mut(w)?;
    json_path::set(body, "status", json!("cancelled"))?;
    set_cancellation_extension(body, &url, Some(&reason))
}

#[given("I cancel the appointment without a cancellation reason")]
fn cancel_without_reason(w: &mut GpcWorld) -> Step {
    let body = body_mut(w)?;
    json_path::set(body, "status", json!("cancelled"))?;
    if let Some(list) = body.get_mut("extension").and_then(Value::as_array_mut) {
        list.retain(|e| str_of(e, "url") != Some(profile::EXT_CANCELLATION_REASON));
    }
    Ok(())
}

pub(super) fn booking_org_mut(
    w: &mut GpcWorld,
) -> Result<&mut serde_json::Map<String, Value>, String> {
    body_mut(w)?
        .get_mut("contained")
        .and_then(Value::as_array_mut)
        .and_then(|c| c.iter_mut().find(|r| resource_type(r) == "Organization"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "the appointment has no contained booking Organization".into())
}

#[given(expr = "I remove the booking organisation's {string}")]
fn remove_booking_org_element(w: &mut GpcWorld, element: String) -> Step {
    booking_org_mut(w)?
        .remove(&element)
        .map(|_| ())
        .ok_or_else(|| format!("the booking Organization has no `{element}` to remove"))
}

#[given(expr = "I set the booking organisation's type to {string}")]
fn booking_org_type(w: &mut GpcWorld, code: String) -> Step {
    booking_org_mut(w)?.insert(
        "type".into(),
        json!([{ "coding": [{ "system": system::ORGANISATION_TYPE, "code": code }] }]),
    );
    Ok(())
}

pub(super) fn booking_extension_mut(w: &mut GpcWorld) -> Result<&mut Value, String> {
    body_mut(w)?
        .get_mut("extension")
        .and_then(Value::as_array_mut)
        .and_then(|es| {
            es.iter_mut()
                .find(|e| str_of(e, "url") == Some(profile::EXT_BOOKING_ORGANISATION))
        })
        .ok_or_else(|| "the appointment has no booking organisation extension".into())
}

#[given(expr = "I set the booking organisation reference to {string}")]
fn booking_org_reference(w: &mut GpcWorld, target: String) -> Step {
    let target = w.expand(&target)?;
    let ext = booking_extension_mut(w)?;
    ext["valueReference"] = json!({ "reference": target });
    Ok(())
}

#[given("I remove the booking organisation extension")]
fn remove_booking_extension(w: &mut GpcWorld) -> Step {
    let list = body_mut(w)?
        .get_mut("extension")
        .and_then(Value::as_array_mut)
        .ok_or("the appointment has no extensions")?;
    list.retain(|e| str_of(e, "url") != Some(profile::EXT_BOOKING_ORGANISATION));
    Ok(())
}

#[given("I send the request body as FHIR JSON")]
fn body_as_json(w: &mut GpcWorld) -> Step {
    match std::mem::replace(&mut w.body, Body::None) {
        Body::Json(v) | Body::Xml(v) => {
            w.body = Body::Json(v);
            w.set_header("Content-Type", crate::spine::headers::FHIR_JSON_UTF8);
            Ok(())
        }
        other => {
            w.body = other;
            Err("only a FHIR resource body can be sent as JSON".into())
        }
    }
}

#[given(expr = "I send the appointment as a {word} resource")]
fn wrong_resource_type(w: &mut GpcWorld, kind: String) -> Step {
    json_path::set(body_mut(w)?, "resourceType", Value::String(kind))
}

#[given(expr = "I move the appointment {string} {int} minutes later")]
fn move_time(w: &mut GpcWorld, element: String, minutes: i64) -> Step {
    let body = body_mut(w)?;
    let t = str_of(body, &element)
        .and_then(instant)
        .ok_or_else(|| format!("Appointment.{element} is not a dateTime"))?;
    json_path::set(
        body,
        &element,
        Value::String(uk_time::format(t + Duration::minutes(minutes))),
    )
}

#[given(expr = "I set the JWT requesting organisation to organisation {string}")]
fn jwt_org(w: &mut GpcWorld, key: String) -> Step {
    let ods = w.expand(&format!("{{ods:{key}}}"))?;
    let claims = w.jwt_mut()?.claims_mut();
    let org = claims
        .get_mut("requesting_organization")
        .and_then(Value::as_object_mut)
        .ok_or("the JWT has no requesting_organization")?;
    org.insert(
        "identifier".into(),
        json!([{ "system": system::ODS_ORGANIZATION, "value": ods }]),
    );
    org.insert("name".into(), json!(format!("Organisation {key}")));
    Ok(())
}
