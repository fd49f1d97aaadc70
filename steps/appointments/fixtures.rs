//! Fixtures: the patient's logical id, a default booking body, and the appointments a scenario books, amends or
//! cancels before the request it tests.

use super::*;

// ---------------------------------------------------------------- appointment bodies

/// The logical id of a pack patient (Patient search by NHS number).
pub(super) async fn patient_id(w: &mut GpcWorld, key: &str) -> Result<String, String> {
    let nhs = w.nhs(key)?;
    let found = w
        .search_one(Interaction::PatientSearch, GpcWorld::nhs_identifier(&nhs))
        .await?;
    found
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("the Patient found for {key} has no id"))
}

/// A booking of `slots` for the patient with logical id `patient`, as the specification's example shapes it:
/// the JWT's organisation as the contained booking organisation, the slots' location and practitioner.
pub(super) fn appointment_body(
    w: &GpcWorld,
    patient: &str,
    slots: &[FreeSlot],
) -> Result<Value, String> {
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Err("an appointment needs at least one slot".into());
    };
    let org = &w.ctx.config.jwt.organization;
    let mut participants = vec![
        json!({ "actor": { "reference": format!("Patient/{patient}") }, "status": "accepted" }),
    ];
    if let Some(l) = &first.location {
        participants.push(json!({ "actor": { "reference": l }, "status": "accepted" }));
    }
    if let Some(p) = &first.practitioner {
        participants.push(json!({ "actor": { "reference": p }, "status": "accepted" }));
    }
    Ok(json!({
        "resourceType": "Appointment",
        "meta": { "profile": [profile::APPOINTMENT] },
        "contained": [{
            "resourceType": "Organization",
            "id": "1",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": org.ods_code }],
            "type": [{ "coding": [{ "system": system::ORGANISATION_TYPE, "code": BOOKING_ORG_TYPE }] }],
            "name": org.name,
            "telecom": [{ "system": "phone", "value": "0300 303 5678" }]
        }],
        "extension": [{
            "url": profile::EXT_BOOKING_ORGANISATION,
            "valueReference": { "reference": "#1" }
        }],
        "status": "booked",
        "description": DEFAULT_DESCRIPTION,
        "start": first.start,
        "end": last.end,
        "slot": slots.iter().map(|s| json!({ "reference": format!("Slot/{}", s.id) })).collect::<Vec<_>>(),
        "created": uk_time::format(w.ctx.clock.now()),
        "participant": participants
    }))
}

pub(super) fn stored_appointment(w: &GpcWorld) -> Result<&Value, String> {
    w.booked.last().ok_or_else(|| {
        "no appointment has been booked in this scenario (start with `Given I have booked an appointment for patient \"...\"`)".into()
    })
}

pub(super) fn version_of(v: &Value) -> Option<&str> {
    str_of(v, "meta.versionId")
}

/// Remembers an appointment the provider returned as the scenario's latest booking state.
pub(super) fn remember(w: &mut GpcWorld, appt: Value, replace_last: bool) -> Step {
    let id = str_of(&appt, "id")
        .ok_or("the appointment the provider returned has no id")?
        .to_string();
    let version = version_of(&appt)
        .ok_or_else(|| format!("Appointment/{id}: the provider returned no meta.versionId"))?
        .to_string();
    if let Some(previous) = w.stored.get("etag").cloned() {
        w.stored.insert("previous_etag".into(), previous);
    }
    w.stored.insert("appointment".into(), id);
    w.stored.insert("version".into(), version.clone());
    w.stored.insert("etag".into(), format!("W/\"{version}\""));
    if replace_last {
        w.booked.pop();
    }
    w.booked.push(appt);
    Ok(())
}

/// Sends `body` with `interaction` on a scratch request and returns the resource answered with `expected`.
pub(super) async fn scratch_send(
    w: &mut GpcWorld,
    interaction: Interaction,
    id: Option<String>,
    body: Value,
    if_match: Option<String>,
    expected: u16,
) -> Result<Value, String> {
    let saved = w.snapshot();
    let result = async {
        w.configure(interaction)?;
        w.id = id;
        w.body = Body::Json(body);
        if let Some(m) = if_match {
            w.set_header("If-Match", &m);
        }
        w.send().await?;
        let status = w.response()?.status;
        if status != expected {
            return Err(format!(
                "{interaction}: expected HTTP {expected}, got {status}{}",
                diagnostics(w)
            ));
        }
        let r = w.resource()?.clone();
        if resource_type(&r) != "Appointment" {
            return Err(format!(
                "{interaction}: expected an Appointment, got {}",
                resource_type(&r)
            ));
        }
        Ok(r)
    }
    .await;
    w.restore(saved);
    result
}

pub(crate) async fn book_fixture(w: &mut GpcWorld, key: &str, pick: Pick) -> Step {
    let patient = patient_id(w, key).await?;
    let slots = take_slots(w, pick).await?;
    let body = appointment_body(w, &patient, &slots)?;
    let slot_ids: Vec<String> = slots.iter().map(|s| format!("Slot/{}", s.id)).collect();
    let appt = scratch_send(w, Interaction::AppointmentCreate, None, body, None, 201)
        .await
        .map_err(|e| {
            format!(
                "booking an appointment for {key} in {}: {e}",
                slot_ids.join(", ")
            )
        })?;
    w.stored.insert("patient".into(), patient);
    if let Some(s) = slots.first() {
        w.stored.insert("slot".into(), s.id.clone());
    }
    remember(w, appt, false)
}

// ---------------------------------------------------------------- Given: fixtures

#[given(expr = "I have booked an appointment for patient {string}")]
async fn booked(w: &mut GpcWorld, key: String) -> Step {
    book_fixture(w, &key, Pick::One).await
}

#[given(expr = "I have booked {int} appointments for patient {string}")]
async fn booked_many(w: &mut GpcWorld, n: usize, key: String) -> Step {
    for _ in 0..n {
        book_fixture(w, &key, Pick::One).await?;
    }
    Ok(())
}

#[given(expr = "I have amended the booked appointment's description to {string}")]
async fn amended_fixture(w: &mut GpcWorld, text: String) -> Step {
    let mut appt = stored_appointment(w)?.clone();
    let id = str_of(&appt, "id").map(String::from);
    appt["description"] = Value::String(text);
    let etag = w.stored.get("etag").cloned();
    let updated = scratch_send(w, Interaction::AppointmentAmend, id, appt, etag, 200)
        .await
        .map_err(|e| format!("amending the booked appointment: {e}"))?;
    remember(w, updated, true)
}

#[given(expr = "I have cancelled the booked appointment with the reason {string}")]
async fn cancelled_fixture(w: &mut GpcWorld, reason: String) -> Step {
    let mut appt = stored_appointment(w)?.clone();
    let id = str_of(&appt, "id").map(String::from);
    set_cancellation(&mut appt, &reason)?;
    let etag = w.stored.get("etag").cloned();
    let updated = scratch_send(w, Interaction::AppointmentCancel, id, appt, etag, 200)
        .await
        .map_err(|e| format!("cancelling the booked appointment: {e}"))?;
    remember(w, updated, true)
}

// ---------------------------------------------------------------- Given: request bodies

#[given(expr = "I prepare an appointment for patient {string} in a free slot")]
async fn prepare_one(w: &mut GpcWorld, key: String) -> Step {
    prepare(w, &key, Pick::One).await
}

#[given(expr = "I prepare an appointment for patient {string} in two adjacent free slots")]
async fn prepare_adjacent(w: &mut GpcWorld, key: String) -> Step {
    prepare(w, &key, Pick::Adjacent).await
}

#[given(
    expr = "I prepare an appointment for patient {string} in two free slots that are not adjacent"
)]
async fn prepare_apart(w: &mut GpcWorld, key: String) -> Step {
    prepare(w, &key, Pick::NotAdjacent).await
}

pub(crate) async fn prepare(w: &mut GpcWorld, key: &str, pick: Pick) -> Step {
    let patient = patient_id(w, key).await?;
    let slots = take_slots(w, pick).await?;
    w.body = Body::Json(appointment_body(w, &patient, &slots)?);
    w.stored.insert("patient".into(), patient);
    if let Some(s) = slots.first() {
        w.stored.insert("slot".into(), s.id.clone());
    }
    Ok(())
}

#[given(
    expr = "I prepare an appointment for patient {string} in a free slot that has already started"
)]
async fn prepare_past(w: &mut GpcWorld, key: String) -> Step {
    let patient = patient_id(w, &key).await?;
    let offered = search_free_slots_in(w, -1, 0, Seeker::Booking).await?;
    let now = w.ctx.clock.now();
    let ctx = w.ctx.clone();
    let (claim, slot) = claim_first(&ctx, offered.iter().filter(|s| s.start_at < now))
        .ok_or_else(|| {
            format!(
                "the provider offers no free slot that has already started (searched yesterday and today, {} free slots found); this scenario needs one (tag @past-slots)",
                offered.len()
            )
        })?;
    w.claims.push(claim);
    w.body = Body::Json(appointment_body(w, &patient, std::slice::from_ref(&slot))?);
    w.stored.insert("patient".into(), patient);
    w.stored.insert("slot".into(), slot.id);
    Ok(())
}

#[given(expr = "I prepare an appointment for patient {string} in the booked appointment's slot")]
async fn prepare_same_slot(w: &mut GpcWorld, key: String) -> Step {
    let booked = stored_appointment(w)?.clone();
    let patient = patient_id(w, &key).await?;
    let mut body = booked.clone();
    for k in ["id", "meta", "serviceType", "serviceCategory"] {
        if let Some(o) = body.as_object_mut() {
            o.remove(k);
        }
    }
    body["meta"] = json!({ "profile": [profile::APPOINTMENT] });
    let keep: Vec<Value> = body
        .get("extension")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .filter(|e| str_of(e, "url") == Some(profile::EXT_BOOKING_ORGANISATION))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    body["extension"] = Value::Array(keep);
    let participants: Vec<Value> = body
        .get("participant")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut p| {
            let is_patient = json_path::get(&p, "actor")
                .and_then(reference)
                .is_some_and(|r| r.starts_with("Patient/"));
            if is_patient {
                p["actor"] = json!({ "reference": format!("Patient/{patient}") });
            }
            p
        })
        .collect();
    body["participant"] = Value::Array(participants);
    body["created"] = Value::String(uk_time::format(w.ctx.clock.now()));
    w.body = Body::Json(body);
    Ok(())
}

#[given("I prepare the booked appointment as the request")]
pub(crate) fn prepare_booked(w: &mut GpcWorld) -> Step {
    let appt = stored_appointment(w)?.clone();
    w.id = Some(
        str_of(&appt, "id")
            .ok_or("the booked appointment has no id")?
            .to_string(),
    );
    let etag = w
        .stored
        .get("etag")
        .cloned()
        .ok_or("the booked appointment has no version")?;
    w.set_header("If-Match", &etag);
    w.body = Body::Json(appt);
    Ok(())
}

#[given("I target the booked appointment")]
pub(crate) fn target_booked(w: &mut GpcWorld) -> Step {
    let id = str_of(stored_appointment(w)?, "id")
        .ok_or("the booked appointment has no id")?
        .to_string();
    w.id = Some(id);
    Ok(())
}
