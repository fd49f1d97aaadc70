//! Then-steps on appointments: a booking as asked, amend and cancel results, a patient's appointments, and the
//! OperationOutcome and CapabilityStatement checks of the appointment features.

use super::*;

pub(super) fn response_appointment(w: &GpcWorld) -> Result<&Value, String> {
    let r = w.resource()?;
    if resource_type(r) != "Appointment" {
        return Err(format!(
            "resourceType: expected Appointment, got {}",
            resource_type(r)
        ));
    }
    Ok(r)
}

pub(super) fn slot_refs(v: &Value) -> BTreeSet<String> {
    v.get("slot")
        .and_then(Value::as_array)
        .map(|ss| ss.iter().filter_map(reference).map(String::from).collect())
        .unwrap_or_default()
}

pub(super) fn participant_refs(v: &Value) -> BTreeSet<String> {
    v.get("participant")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| json_path::get(p, "actor").and_then(reference))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn same_instant(at: &str, expected: Option<&str>, actual: Option<&str>) -> Step {
    let (e, a) = (expected.and_then(instant), actual.and_then(instant));
    if e.is_some() && e == a {
        Ok(())
    } else {
        Err(format!(
            "{at}: expected {}, got {}",
            expected.unwrap_or("(absent)"),
            actual.unwrap_or("(absent)")
        ))
    }
}

pub(super) fn same_text(at: &str, expected: Option<&str>, actual: Option<&str>) -> Step {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{at}: expected {}, got {}",
            expected.map_or("(absent)".to_string(), |s| format!("`{s}`")),
            actual.map_or("(absent)".to_string(), |s| format!("`{s}`"))
        ))
    }
}

#[then("the appointment should be booked as the request asked")]
fn booked_as_asked(w: &mut GpcWorld) -> Step {
    let asked = body_ref(w)?.clone();
    let got = response_appointment(w)?;
    same_text("Appointment.status", Some("booked"), str_of(got, "status"))?;
    let (a, g) = (slot_refs(&asked), slot_refs(got));
    if a != g {
        return Err(format!("Appointment.slot: expected {a:?}, got {g:?}"));
    }
    same_instant(
        "Appointment.start",
        str_of(&asked, "start"),
        str_of(got, "start"),
    )?;
    same_instant("Appointment.end", str_of(&asked, "end"), str_of(got, "end"))?;
    same_text(
        "Appointment.description",
        str_of(&asked, "description"),
        str_of(got, "description"),
    )?;
    same_text(
        "Appointment.comment",
        str_of(&asked, "comment"),
        str_of(got, "comment"),
    )?;
    let (pa, pg) = (participant_refs(&asked), participant_refs(got));
    if let Some(missing) = pa.difference(&pg).next() {
        return Err(format!(
            "Appointment.participant: expected {missing} (the request's participants {pa:?}), got {pg:?}"
        ));
    }
    if str_of(got, "id").is_none_or(str::is_empty) {
        return Err("Appointment.id: expected a logical id, but it is absent".into());
    }
    if version_of(got).is_none_or(str::is_empty) {
        return Err("Appointment.meta.versionId: expected a version, but it is absent".into());
    }
    Ok(())
}

#[then("the response Location header should name the new appointment version")]
fn location_header(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    let location = r
        .header("location")
        .ok_or("header Location: expected Appointment/[id]/_history/[vid], but it is absent")?
        .to_string();
    let appt = response_appointment(w)?;
    let id = str_of(appt, "id").ok_or("Appointment.id is absent")?;
    let vid = version_of(appt).ok_or("Appointment.meta.versionId is absent")?;
    let tail = format!("Appointment/{id}/_history/{vid}");
    if location == tail || location.ends_with(&format!("/{tail}")) {
        Ok(())
    } else {
        Err(format!(
            "header Location: expected `[base]/{tail}`, got `{location}`"
        ))
    }
}

#[then("the response Location header should name an appointment")]
fn location_header_minimal(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    let location = r
        .header("location")
        .ok_or("header Location: expected Appointment/[id]/_history/[vid], but it is absent")?;
    let ok = location
        .split("/Appointment/")
        .nth(1)
        .or_else(|| location.strip_prefix("Appointment/"))
        .and_then(|rest| rest.split_once("/_history/"))
        .is_some_and(|(id, vid)| !id.is_empty() && !vid.is_empty());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "header Location: expected `[base]/Appointment/[id]/_history/[vid]`, got `{location}`"
        ))
    }
}

#[then("the response body should be empty")]
fn empty_body(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    if r.body.is_empty() {
        Ok(())
    } else {
        let preview: String = String::from_utf8_lossy(&r.body[..r.body.len().min(60)]).into();
        Err(format!(
            "response body: expected none (Prefer: return=minimal), got {} bytes starting `{preview}`",
            r.body.len()
        ))
    }
}

#[then("I store the appointment from the response")]
fn store_response(w: &mut GpcWorld) -> Step {
    let appt = response_appointment(w)?.clone();
    remember(w, appt, false)
}

#[then("the appointment should be the booked appointment")]
fn is_booked(w: &mut GpcWorld) -> Step {
    let booked = stored_appointment(w)?.clone();
    let got = response_appointment(w)?;
    same_text("Appointment.id", str_of(&booked, "id"), str_of(got, "id"))?;
    same_text(
        "Appointment.meta.versionId",
        version_of(&booked),
        version_of(got),
    )?;
    unchanged_except(&booked, got, &[])
}

/// Compares what neither amend nor cancel may change.
pub(super) fn unchanged_except(before: &Value, after: &Value, except: &[&str]) -> Step {
    for f in ["start", "end", "created"] {
        if !except.contains(&f) {
            same_instant(
                &format!("Appointment.{f}"),
                str_of(before, f),
                str_of(after, f),
            )?;
        }
    }
    for f in ["description", "comment", "status"] {
        if !except.contains(&f) {
            same_text(
                &format!("Appointment.{f}"),
                str_of(before, f),
                str_of(after, f),
            )?;
        }
    }
    let (a, b) = (slot_refs(before), slot_refs(after));
    if a != b {
        return Err(format!("Appointment.slot: expected {a:?}, got {b:?}"));
    }
    let (a, b) = (participant_refs(before), participant_refs(after));
    if a != b {
        return Err(format!(
            "Appointment.participant: expected {a:?}, got {b:?}"
        ));
    }
    let org = |v: &Value| booking_ods(v).ok();
    if org(before) != org(after) {
        return Err(format!(
            "Appointment booking organisation: expected {:?}, got {:?}",
            org(before),
            org(after)
        ));
    }
    Ok(())
}

#[then(
    expr = "the appointment should be the booked appointment with a new version and the changed {string}"
)]
fn changed(w: &mut GpcWorld, fields: String) -> Step {
    let booked = stored_appointment(w)?.clone();
    let got = response_appointment(w)?;
    same_text("Appointment.id", str_of(&booked, "id"), str_of(got, "id"))?;
    let (old, new) = (version_of(&booked), version_of(got));
    if new.is_none() || old == new {
        return Err(format!(
            "Appointment.meta.versionId: expected a version other than {}, got {}",
            old.unwrap_or("(absent)"),
            new.unwrap_or("(absent)")
        ));
    }
    let except: Vec<&str> = fields.split(',').map(str::trim).collect();
    unchanged_except(&booked, got, &except)
}

#[then(expr = "the appointment status should be {string}")]
fn status_is(w: &mut GpcWorld, status: String) -> Step {
    let got = response_appointment(w)?;
    same_text("Appointment.status", Some(&status), str_of(got, "status"))
}

#[then(expr = "the appointment cancellation reason should be {string}")]
fn reason_is(w: &mut GpcWorld, reason: String) -> Step {
    let got = response_appointment(w)?;
    let actual =
        extension(got, profile::EXT_CANCELLATION_REASON).and_then(|e| str_of(e, "valueString"));
    same_text(
        &format!(
            "Appointment.extension({})",
            profile::EXT_CANCELLATION_REASON
        ),
        Some(&reason),
        actual,
    )
}

#[then("the appointment should carry no cancellation reason")]
fn no_reason(w: &mut GpcWorld) -> Step {
    for (at, r) in payload_resources(w.resource()?) {
        if resource_type(&r) == "Appointment" && str_of(&r, "status") != Some("cancelled") {
            if let Some(e) = extension(&r, profile::EXT_CANCELLATION_REASON) {
                return Err(format!(
                    "{at}.extension: a booked appointment must not carry a cancellation reason, got {e}"
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn booking_ods(appt: &Value) -> Result<String, String> {
    let reference = extension(appt, profile::EXT_BOOKING_ORGANISATION)
        .and_then(|e| json_path::get(e, "valueReference"))
        .and_then(reference)
        .ok_or_else(|| {
            format!(
                "Appointment.extension({}): expected a reference to the booking organisation, but it is absent",
                profile::EXT_BOOKING_ORGANISATION
            )
        })?;
    let local = reference.strip_prefix('#').ok_or_else(|| {
        format!("booking organisation reference: expected `#<id>` of a contained Organization, got `{reference}`")
    })?;
    let org = appt
        .get("contained")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .find(|r| resource_type(r) == "Organization" && str_of(r, "id") == Some(local))
        })
        .ok_or_else(|| {
            format!("Appointment.contained: expected the Organization `{local}` the booking organisation extension references, it is absent")
        })?;
    for f in ["name", "telecom"] {
        if org.get(f).is_none() {
            return Err(format!(
                "Appointment.contained(Organization {local}).{f}: expected a value, but it is absent"
            ));
        }
    }
    org.get("identifier")
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter()
                .find(|i| str_of(i, "system") == Some(system::ODS_ORGANIZATION))
        })
        .and_then(|i| str_of(i, "value"))
        .map(String::from)
        .ok_or_else(|| {
            format!(
                "Appointment.contained(Organization {local}).identifier: expected an ODS code ({}), got none",
                system::ODS_ORGANIZATION
            )
        })
}

pub(super) fn appointments_in(w: &GpcWorld) -> Result<Vec<(String, Value)>, String> {
    let found: Vec<(String, Value)> = payload_resources(w.resource()?)
        .into_iter()
        .filter(|(_, r)| resource_type(r) == "Appointment")
        .collect();
    if found.is_empty() {
        return Err("expected at least one Appointment in the response, got none".into());
    }
    Ok(found)
}

#[then(
    "every appointment in the response should carry the booking organisation it was booked with"
)]
fn booking_org_ok(w: &mut GpcWorld) -> Step {
    let expected = w.ctx.config.jwt.organization.ods_code.clone();
    for (at, r) in appointments_in(w)? {
        let ods = booking_ods(&r).map_err(|e| format!("{at}: {e}"))?;
        if ods != expected {
            return Err(format!(
                "{at} booking organisation ODS code: expected {expected} (the JWT organisation that booked it), got {ods}"
            ));
        }
    }
    Ok(())
}

#[then("every appointment in the response should carry a delivery channel and a practitioner role")]
fn appt_categorised(w: &mut GpcWorld) -> Step {
    let validator = w.ctx.validator(Capability::Appointments)?;
    let vs = validator.store().expand(PRACTITIONER_ROLE_VALUESET);
    let channels = codes_of(w, DELIVERY_CHANNEL_CODESYSTEM)?;
    for (at, r) in appointments_in(w)? {
        let code = extension(&r, profile::EXT_DELIVERY_CHANNEL)
            .and_then(|e| str_of(e, "valueCode"))
            .ok_or_else(|| {
                format!(
                    "{at}.extension({}): expected a delivery channel, but it is absent",
                    profile::EXT_DELIVERY_CHANNEL
                )
            })?;
        if !channels.contains_key(code) {
            return Err(format!("{at}: `{code}` is not a delivery channel"));
        }
        check_role(&at, &r, Some(vs), &HashMap::new())?;
    }
    Ok(())
}

#[then("every appointment in the response should start in the future")]
fn in_future(w: &mut GpcWorld) -> Step {
    let today = uk_time::today(&w.ctx.clock);
    for (at, r) in appointments_in(w)? {
        let start = str_of(&r, "start")
            .and_then(instant)
            .ok_or_else(|| format!("{at}.start: expected a dateTime"))?;
        if uk_time::date_at(start) < today {
            return Err(format!(
                "{at}.start: expected today or later, got {}",
                str_of(&r, "start").unwrap_or_default()
            ));
        }
    }
    Ok(())
}

#[then(expr = "every {word} in the response should not carry {string}")]
fn kind_absent(w: &mut GpcWorld, kind: String, element: String) -> Step {
    for (at, r) in role_targets(w, &kind)? {
        if let Some(v) = json_path::get(&r, &element) {
            return Err(format!("{at}.{element}: must not be populated, got {v}"));
        }
    }
    Ok(())
}

#[then("every participant of every appointment in the response should resolve at the provider")]
async fn participants_resolve(w: &mut GpcWorld) -> Step {
    let mut targets = BTreeSet::new();
    for (at, r) in appointments_in(w)? {
        for p in r
            .get("participant")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let reference = json_path::get(&p, "actor")
                .and_then(reference)
                .ok_or_else(|| format!("{at}.participant.actor: expected a reference"))?
                .to_string();
            if str_of(&p, "status").is_none() {
                return Err(format!("{at}.participant ({reference}): expected a status"));
            }
            targets.insert(reference);
        }
    }
    for target in targets {
        let (kind, id) = target
            .split_once('/')
            .ok_or_else(|| format!("participant `{target}` is not a relative reference Type/id"))?;
        let interaction = match kind {
            "Patient" => Interaction::PatientRead,
            "Location" => Interaction::LocationRead,
            "Practitioner" => Interaction::PractitionerRead,
            other => return Err(format!("participant `{target}`: unexpected type {other}")),
        };
        let saved = w.snapshot();
        let result = async {
            w.configure(interaction)?;
            w.id = Some(id.to_string());
            w.send().await?;
            let status = w.response()?.status;
            let got = w.resource().map(|r| resource_type(r).to_string()).unwrap_or_default();
            if status == 200 && got == kind {
                Ok(())
            } else {
                Err(format!(
                    "participant {target}: reading it answered HTTP {status} {got}, expected 200 with the {kind}"
                ))
            }
        }
        .await;
        w.restore(saved);
        result?;
    }
    Ok(())
}

// ---------------------------------------------------------------- Then: a patient's appointments

#[then("the response should contain every appointment booked in this scenario")]
fn contains_booked(w: &mut GpcWorld) -> Step {
    let ids: BTreeSet<String> = appointments_in(w)?
        .into_iter()
        .filter_map(|(_, r)| str_of(&r, "id").map(String::from))
        .collect();
    if w.booked.is_empty() {
        return Err("no appointment was booked in this scenario".into());
    }
    for b in &w.booked {
        let id = str_of(b, "id").unwrap_or_default();
        if !ids.contains(id) {
            return Err(format!(
                "Bundle: expected Appointment/{id}, booked in this scenario; the Bundle holds {ids:?}"
            ));
        }
    }
    Ok(())
}

#[then(expr = "the booked appointment in the response should have status {string}")]
fn booked_status(w: &mut GpcWorld, status: String) -> Step {
    let id = w
        .stored
        .get("appointment")
        .cloned()
        .ok_or("no appointment was booked in this scenario")?;
    let found = appointments_in(w)?
        .into_iter()
        .find(|(_, r)| str_of(r, "id") == Some(id.as_str()))
        .ok_or_else(|| format!("Bundle: expected Appointment/{id}, it is absent"))?;
    same_text(
        &format!("{}.status", found.0),
        Some(&status),
        str_of(&found.1, "status"),
    )
}

#[then(expr = "every appointment in the response should belong to patient {string}")]
async fn belongs_to(w: &mut GpcWorld, key: String) -> Step {
    let found = appointments_in(w)?;
    let patient = patient_id(w, &key).await?;
    let expected = format!("Patient/{patient}");
    for (at, r) in found {
        let refs = participant_refs(&r);
        if !refs.contains(&expected) {
            return Err(format!(
                "{at}.participant: expected {expected} ({key}), got {refs:?}"
            ));
        }
    }
    Ok(())
}

#[then("every appointment in the response should start within the searched dates")]
fn within_dates(w: &mut GpcWorld) -> Step {
    let mut from = None;
    let mut to = None;
    for (k, v) in &w.params {
        if k != "start" {
            continue;
        }
        let date = full_date(strip_prefix(v));
        if v.starts_with("ge") {
            from = date;
        } else if v.starts_with("le") {
            to = date;
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err("the request has no `start=ge<date>` and `start=le<date>` parameters".into());
    };
    for (at, r) in appointments_in(w)? {
        let day = str_of(&r, "start")
            .and_then(instant)
            .map(uk_time::date_at)
            .ok_or_else(|| format!("{at}.start: expected a dateTime"))?;
        if day < from || day > to {
            return Err(format!(
                "{at}.start: expected a day from {from} to {to}, got {}",
                str_of(&r, "start").unwrap_or_default()
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- Then: OperationOutcome and metadata

#[then("the response should be a GP Connect OperationOutcome")]
fn any_outcome(w: &mut GpcWorld) -> Step {
    let oo = w.resource()?;
    if resource_type(oo) != "OperationOutcome" {
        return Err(format!(
            "resourceType: expected OperationOutcome, got {}",
            resource_type(oo)
        ));
    }
    let code = str_of(oo, "issue[0].details.coding[0].code");
    let sys = str_of(oo, "issue[0].details.coding[0].system");
    if sys != Some(w.ctx.error_system.as_str()) || code.is_none() {
        return Err(format!(
            "OperationOutcome.issue[0].details.coding[0]: expected a code of {}, got {}|{}",
            w.ctx.error_system,
            sys.unwrap_or("(absent)"),
            code.unwrap_or("(absent)")
        ));
    }
    Ok(())
}

#[then(expr = "the CapabilityStatement should list the searchInclude {string} on {word}")]
fn cs_search_include(w: &mut GpcWorld, include: String, resource: String) -> Step {
    let cs = w.resource()?;
    let resources = json_path::get(cs, "rest[0].resource")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let r = resources
        .iter()
        .find(|r| str_of(r, "type") == Some(resource.as_str()))
        .ok_or_else(|| {
            format!("CapabilityStatement.rest[0].resource: expected {resource}, it is not listed")
        })?;
    let includes: Vec<&str> = r
        .get("searchInclude")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if includes.contains(&include.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement {resource}.searchInclude: expected {include}, got {includes:?}"
        ))
    }
}
