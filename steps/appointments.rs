//! Appointment Management steps: finding and claiming free slots, building and mutating Appointment bodies,
//! booking fixtures, and the expectations on slots, schedules and appointments.
//!
//! Scenarios run concurrently against one provider, so every scenario that books takes its slots through
//! [`SlotClaim`]: a slot another scenario of the run holds is never offered twice.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cucumber::{given, then};
use serde_json::{json, Value};

use super::common::{payload_resources, resource_type};
use super::world::{at_path, Body, GpcWorld, RunContext, SlotClaim};
use crate::provider::uktime;
use crate::spine::catalogue::Capability;
use crate::spine::headers::{profile, system};

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

// ---------------------------------------------------------------- dates

/// Text of a UK date relative to today: `+3` (yyyy-mm-dd), or `+3 <format>` with one of the formats
/// `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm:sszzz` (local midnight with its offset), `yyyy-MM-ddTHH:mm:ss` (no offset),
/// `yyyy-MM-ddTHH:mm:ssZ` (UTC), `yyyy-MM` and `yyyy`.
pub fn uk_date_text(spec: &str) -> Result<String, String> {
    let (offset, format) = spec.split_once(' ').unwrap_or((spec, "yyyy-MM-dd"));
    let days: i64 = offset.trim().parse().map_err(|_| {
        format!("`{{date:{spec}}}`: `{offset}` is not a day offset such as +3 or -1")
    })?;
    let date = uktime::local_date(Utc::now()) + Duration::days(days);
    let midnight = uktime::start_of_day(date);
    Ok(match format.trim() {
        "yyyy-MM-dd" => date.format("%Y-%m-%d").to_string(),
        "yyyy-MM-ddTHH:mm:sszzz" => uktime::format(midnight),
        "yyyy-MM-ddTHH:mm:ss" => date.format("%Y-%m-%dT00:00:00").to_string(),
        "yyyy-MM-ddTHH:mm:ssZ" => midnight.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "yyyy-MM" => date.format("%Y-%m").to_string(),
        "yyyy" => date.format("%Y").to_string(),
        other => {
            return Err(format!(
                "`{{date:{spec}}}`: unknown format `{other}` (yyyy-MM-dd, yyyy-MM-ddTHH:mm:sszzz, yyyy-MM-ddTHH:mm:ss, yyyy-MM-ddTHH:mm:ssZ, yyyy-MM, yyyy)"
            ))
        }
    })
}

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
            uktime::start_of_day(d),
            uktime::start_of_day(d + Duration::days(1)),
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

// ---------------------------------------------------------------- free slots

/// A free slot as a search for free slots described it.
#[derive(Debug, Clone)]
struct FreeSlot {
    id: String,
    start: String,
    end: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    schedule: String,
    location: Option<String>,
    practitioner: Option<String>,
    channel: Option<String>,
    service_type: Option<String>,
}

impl FreeSlot {
    fn joins(&self, next: &FreeSlot) -> bool {
        self.end_at == next.start_at
            && self.schedule == next.schedule
            && self.channel == next.channel
            && self.service_type == next.service_type
    }
}

fn reference(v: &Value) -> Option<&str> {
    v.get("reference").and_then(Value::as_str)
}

fn str_of<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at_path(v, path).and_then(Value::as_str)
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

/// `Type/id` references the Schedule lists as actors.
fn schedule_actor(schedule: &Value, kind: &str) -> Option<String> {
    schedule
        .get("actor")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(reference)
        .find(|r| r.starts_with(&format!("{kind}/")))
        .map(String::from)
}

fn free_slots_of(bundle: &Value) -> Vec<FreeSlot> {
    let schedules: HashMap<String, &Value> = entries_of(bundle, "Schedule")
        .into_iter()
        .filter_map(|(_, s)| str_of(s, "id").map(|id| (format!("Schedule/{id}"), s)))
        .collect();
    let mut slots: Vec<FreeSlot> = entries_of(bundle, "Slot")
        .into_iter()
        .filter(|(_, s)| str_of(s, "status") == Some("free"))
        .filter_map(|(_, s)| {
            let start = str_of(s, "start")?.to_string();
            let end = str_of(s, "end")?.to_string();
            let schedule = at_path(s, "schedule").and_then(reference)?.to_string();
            let found = schedules.get(&schedule);
            Some(FreeSlot {
                id: str_of(s, "id")?.to_string(),
                start_at: instant(&start)?,
                end_at: instant(&end)?,
                start,
                end,
                location: found.and_then(|x| schedule_actor(x, "Location")),
                practitioner: found.and_then(|x| schedule_actor(x, "Practitioner")),
                schedule,
                channel: extension(s, profile::EXT_DELIVERY_CHANNEL)
                    .and_then(|e| str_of(e, "valueCode"))
                    .map(String::from),
                service_type: str_of(s, "serviceType[0].text").map(String::from),
            })
        })
        .filter(|s| s.channel.as_deref() != Some(VISIT))
        .collect();
    slots.sort_by(|a, b| a.start_at.cmp(&b.start_at).then_with(|| a.id.cmp(&b.id)));
    slots
}

/// The default parameters of a search for free slots between `start` and `end` (dates or dateTimes as sent).
fn slot_params(start: &str, end: &str) -> Vec<(String, String)> {
    vec![
        ("start".into(), format!("ge{start}")),
        ("end".into(), format!("le{end}")),
        ("status".into(), "free".into()),
        ("_include".into(), "Slot:schedule".into()),
    ]
}

/// The default parameters of a search for free slots from `from` days to `to` days from today.
fn slot_search_params(from: i64, to: i64) -> Result<Vec<(String, String)>, String> {
    Ok(slot_params(
        &uk_date_text(&format!("{from:+}"))?,
        &uk_date_text(&format!("{to:+}"))?,
    ))
}

/// The first of `slots` no other scenario of the run holds, claimed for this one.
fn claim_first<'s>(
    ctx: &Arc<RunContext>,
    slots: impl IntoIterator<Item = &'s FreeSlot>,
) -> Option<(SlotClaim, FreeSlot)> {
    slots
        .into_iter()
        .find_map(|s| SlotClaim::take(ctx, &s.id).map(|c| (c, s.clone())))
}

/// Searches (on a scratch request) the free slots a fixture may book: the next 14 days, with the schedules'
/// practitioners and locations, filtered as the consumer organisation of the JWT.
async fn search_free_slots(w: &mut GpcWorld) -> Result<Vec<FreeSlot>, String> {
    search_free_slots_in(w, 0, SEARCH_DAYS).await
}

/// As [`search_free_slots`], from `from` to `to` days from today.
async fn search_free_slots_in(
    w: &mut GpcWorld,
    from: i64,
    to: i64,
) -> Result<Vec<FreeSlot>, String> {
    let saved = w.snapshot();
    let result = async {
        w.configure("SearchForFreeSlots")?;
        w.params = slot_search_params(from, to)?;
        let ods = w.ctx.config.jwt.organization.ods_code.clone();
        w.params.extend([
            (
                "_include:recurse".to_string(),
                "Schedule:actor:Practitioner".to_string(),
            ),
            (
                "_include:recurse".to_string(),
                "Schedule:actor:Location".to_string(),
            ),
            (
                "searchFilter".to_string(),
                format!("{}|{ods}", system::ODS_ORGANIZATION),
            ),
            (
                "searchFilter".to_string(),
                format!("{}|{BOOKING_ORG_TYPE}", system::ORGANISATION_TYPE),
            ),
        ]);
        w.send().await?;
        let status = w.response()?.status;
        if status != 200 {
            return Err(format!(
                "searching for free slots to book: expected HTTP 200, got {status}{}",
                diagnostics(w)
            ));
        }
        Ok(free_slots_of(w.resource()?))
    }
    .await;
    w.restore(saved);
    result
}

fn diagnostics(w: &GpcWorld) -> String {
    w.parsed
        .as_ref()
        .and_then(|p| p.as_ref().ok())
        .and_then(|v| str_of(v, "issue[0].diagnostics"))
        .map(|d| format!(" (diagnostics: {d})"))
        .unwrap_or_default()
}

/// How the slots of one booking relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    One,
    Adjacent,
    NotAdjacent,
}

/// Searches for free slots and claims what `pick` asks for; the claims stay with the scenario.
async fn take_slots(w: &mut GpcWorld, pick: Pick) -> Result<Vec<FreeSlot>, String> {
    let offered = search_free_slots(w).await?;
    let soonest = Utc::now() + Duration::minutes(BOOKING_MARGIN_MINUTES);
    let usable: Vec<&FreeSlot> = offered.iter().filter(|s| s.start_at > soonest).collect();
    let ctx = w.ctx.clone();
    let mut taken: Vec<(SlotClaim, FreeSlot)> = Vec::new();
    match pick {
        Pick::One => {
            if let Some((c, s)) = claim_first(&ctx, usable.iter().copied()) {
                taken.push((c, s));
            }
        }
        Pick::Adjacent | Pick::NotAdjacent => {
            'outer: for (i, a) in usable.iter().enumerate() {
                for b in usable.iter().skip(i + 1) {
                    let fits = if pick == Pick::Adjacent {
                        a.joins(b)
                    } else {
                        a.end_at < b.start_at
                    };
                    if !fits {
                        continue;
                    }
                    let Some(ca) = SlotClaim::take(&ctx, &a.id) else {
                        continue 'outer;
                    };
                    if let Some(cb) = SlotClaim::take(&ctx, &b.id) {
                        taken.push((ca, (*a).clone()));
                        taken.push((cb, (*b).clone()));
                        break 'outer;
                    }
                }
            }
        }
    }
    if taken.is_empty() {
        let what = match pick {
            Pick::One => "a free slot",
            Pick::Adjacent => "two adjacent free slots of one schedule",
            Pick::NotAdjacent => "two free slots that are not adjacent",
        };
        return Err(format!(
            "no {what} left to book: the provider offered {} free slots from today to {SEARCH_DAYS} days ahead, {} of them starting more than {BOOKING_MARGIN_MINUTES} minutes from now, and other scenarios of this run hold the rest; the provider under test needs more free slots (README, \"Appointments test data\")",
            offered.len(),
            usable.len()
        ));
    }
    let (claims, slots): (Vec<SlotClaim>, Vec<FreeSlot>) = taken.into_iter().unzip();
    w.claims.extend(claims);
    Ok(slots)
}

// ---------------------------------------------------------------- appointment bodies

/// The logical id of a pack patient (Patient search by NHS number).
async fn patient_id(w: &mut GpcWorld, key: &str) -> Result<String, String> {
    let nhs = w.nhs(key)?;
    let found = w
        .search_one("PatientSearch", GpcWorld::nhs_identifier(&nhs))
        .await?;
    found
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("the Patient found for {key} has no id"))
}

/// A booking of `slots` for the patient with logical id `patient`, as the specification's example shapes it:
/// the JWT's organisation as the contained booking organisation, the slots' location and practitioner.
fn appointment_body(w: &GpcWorld, patient: &str, slots: &[FreeSlot]) -> Result<Value, String> {
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
        "created": uktime::format(Utc::now()),
        "participant": participants
    }))
}

fn body_mut(w: &mut GpcWorld) -> Result<&mut Value, String> {
    match &mut w.body {
        Body::Json(v) | Body::Xml(v) => Ok(v),
        _ => Err("there is no appointment in the request body: prepare one first".into()),
    }
}

fn body_ref(w: &GpcWorld) -> Result<&Value, String> {
    match &w.body {
        Body::Json(v) | Body::Xml(v) => Ok(v),
        _ => Err("there is no appointment in the request body: prepare one first".into()),
    }
}

/// One step of a dotted path: a member name and an optional `[n]` index.
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .map(|part| match part.find('[') {
            Some(i) => (
                &part[..i],
                part[i + 1..].trim_end_matches(']').parse::<usize>().ok(),
            ),
            None => (part, None),
        })
        .collect()
}

/// Sets `path` in `root`, creating objects on the way (an index may append to an array).
fn set_at_path(root: &mut Value, path: &str, value: Value) -> Step {
    let segs = segments(path);
    let mut cur = root;
    for (n, (name, index)) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| format!("`{path}`: `{name}` is not inside an object"))?;
        match index {
            None if last => {
                obj.insert((*name).to_string(), value);
                return Ok(());
            }
            None => {
                cur = obj.entry((*name).to_string()).or_insert_with(|| json!({}));
            }
            Some(i) => {
                let arr = obj
                    .entry((*name).to_string())
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .ok_or_else(|| format!("`{path}`: `{name}` is not an array"))?;
                if *i == arr.len() {
                    arr.push(json!({}));
                }
                let slot = arr
                    .get_mut(*i)
                    .ok_or_else(|| format!("`{path}`: `{name}` has no item {i}"))?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
        }
    }
    Err(format!("`{path}` is not a path"))
}

/// Removes `path` from `root`.
fn remove_at_path(root: &mut Value, path: &str) -> Step {
    let segs = segments(path);
    let Some(((name, index), parents)) = segs.split_last() else {
        return Err(format!("`{path}` is not a path"));
    };
    let mut cur = root;
    for (p, i) in parents {
        cur = cur
            .get_mut(*p)
            .ok_or_else(|| format!("the appointment has no `{path}` to remove"))?;
        if let Some(i) = i {
            cur = cur
                .get_mut(*i)
                .ok_or_else(|| format!("the appointment has no `{path}` to remove"))?;
        }
    }
    let missing = || format!("the appointment has no `{path}` to remove");
    match index {
        None => cur
            .as_object_mut()
            .and_then(|o| o.remove(*name))
            .map(|_| ())
            .ok_or_else(missing),
        Some(i) => {
            let arr = cur
                .get_mut(*name)
                .and_then(Value::as_array_mut)
                .ok_or_else(missing)?;
            if *i < arr.len() {
                arr.remove(*i);
                Ok(())
            } else {
                Err(missing())
            }
        }
    }
}

fn stored_appointment(w: &GpcWorld) -> Result<&Value, String> {
    w.booked.last().ok_or_else(|| {
        "no appointment has been booked in this scenario (start with `Given I have booked an appointment for patient \"...\"`)".into()
    })
}

fn version_of(v: &Value) -> Option<&str> {
    str_of(v, "meta.versionId")
}

/// Remembers an appointment the provider returned as the scenario's latest booking state.
fn remember(w: &mut GpcWorld, appt: Value, replace_last: bool) -> Step {
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
async fn scratch_send(
    w: &mut GpcWorld,
    interaction: &str,
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

async fn book_fixture(w: &mut GpcWorld, key: &str, pick: Pick) -> Step {
    let patient = patient_id(w, key).await?;
    let slots = take_slots(w, pick).await?;
    let body = appointment_body(w, &patient, &slots)?;
    let slot_ids: Vec<String> = slots.iter().map(|s| format!("Slot/{}", s.id)).collect();
    let appt = scratch_send(w, "AppointmentCreate", None, body, None, 201)
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
    let updated = scratch_send(w, "AppointmentAmend", id, appt, etag, 200)
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
    let updated = scratch_send(w, "AppointmentCancel", id, appt, etag, 200)
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

async fn prepare(w: &mut GpcWorld, key: &str, pick: Pick) -> Step {
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
    let offered = search_free_slots_in(w, -1, 0).await?;
    let now = Utc::now();
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

#[given("I search for free slots from one minute after a free slot starts")]
async fn search_inside_slot(w: &mut GpcWorld) -> Step {
    let offered = search_free_slots(w).await?;
    let now = Utc::now();
    let ctx = w.ctx.clone();
    // The slot is claimed so that no other scenario of the run books it while this one searches: a booked
    // slot is not offered even by a provider that wrongly returns overlapping slots, and the check would
    // then pass whatever the provider does.
    let (claim, slot) = claim_first(
        &ctx,
        offered
            .iter()
            .filter(|s| s.start_at > now && s.end_at - s.start_at > Duration::minutes(1)),
    )
    .ok_or("the provider offers no free slot in the next 14 days to search inside (or other scenarios of this run hold them all)")?;
    w.claims.push(claim);
    let from = slot.start_at + Duration::minutes(1);
    let to = from + Duration::days(1);
    w.params = slot_params(&uktime::format(from), &uktime::format(to));
    w.stored.insert("slot".into(), slot.id.clone());
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
            let is_patient = at_path(&p, "actor")
                .and_then(reference)
                .is_some_and(|r| r.starts_with("Patient/"));
            if is_patient {
                p["actor"] = json!({ "reference": format!("Patient/{patient}") });
            }
            p
        })
        .collect();
    body["participant"] = Value::Array(participants);
    body["created"] = Value::String(uktime::format(Utc::now()));
    w.body = Body::Json(body);
    Ok(())
}

#[given("I prepare the booked appointment as the request")]
fn prepare_booked(w: &mut GpcWorld) -> Step {
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
fn target_booked(w: &mut GpcWorld) -> Step {
    let id = str_of(stored_appointment(w)?, "id")
        .ok_or("the booked appointment has no id")?
        .to_string();
    w.id = Some(id);
    Ok(())
}

#[given(expr = "I set the appointment {string} to {string}")]
fn set_text(w: &mut GpcWorld, path: String, value: String) -> Step {
    let value = w.expand(&value)?;
    set_at_path(body_mut(w)?, &path, Value::String(value))
}

#[given(expr = "I set the appointment {string} to the JSON {string}")]
fn set_json(w: &mut GpcWorld, path: String, json: String) -> Step {
    let json = w.expand(&json)?;
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("`{json}` is not JSON: {e}"))?;
    set_at_path(body_mut(w)?, &path, v)
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
    set_at_path(body_mut(w)?, &path, Value::String(text))
}

#[given(expr = "I remove the appointment {string}")]
fn remove_element(w: &mut GpcWorld, path: String) -> Step {
    remove_at_path(body_mut(w)?, &path)
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
        !at_path(p, "actor")
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

fn set_cancellation(appt: &mut Value, reason: &str) -> Step {
    set_at_path(appt, "status", json!("cancelled"))?;
    set_cancellation_extension(appt, profile::EXT_CANCELLATION_REASON, Some(reason))
}

/// Replaces any cancellation-reason extension with one of `url` (and `reason`, if any).
fn set_cancellation_extension(appt: &mut Value, url: &str, reason: Option<&str>) -> Step {
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
fn cancel_with_reason(w: &mut GpcWorld, reason: String) -> Step {
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
    set_at_path(body, "status", json!("cancelled"))?;
    set_cancellation_extension(body, &url, Some(&reason))
}

#[given("I cancel the appointment without a cancellation reason")]
fn cancel_without_reason(w: &mut GpcWorld) -> Step {
    let body = body_mut(w)?;
    set_at_path(body, "status", json!("cancelled"))?;
    if let Some(list) = body.get_mut("extension").and_then(Value::as_array_mut) {
        list.retain(|e| str_of(e, "url") != Some(profile::EXT_CANCELLATION_REASON));
    }
    Ok(())
}

fn booking_org_mut(w: &mut GpcWorld) -> Result<&mut serde_json::Map<String, Value>, String> {
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

fn booking_extension_mut(w: &mut GpcWorld) -> Result<&mut Value, String> {
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
    set_at_path(body_mut(w)?, "resourceType", Value::String(kind))
}

#[given(expr = "I move the appointment {string} {int} minutes later")]
fn move_time(w: &mut GpcWorld, element: String, minutes: i64) -> Step {
    let body = body_mut(w)?;
    let t = str_of(body, &element)
        .and_then(instant)
        .ok_or_else(|| format!("Appointment.{element} is not a dateTime"))?;
    set_at_path(
        body,
        &element,
        Value::String(uktime::format(t + Duration::minutes(minutes))),
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

// ---------------------------------------------------------------- Given: search parameters

#[given(expr = "I search for free slots over the next {int} days")]
fn slot_period(w: &mut GpcWorld, days: i64) -> Step {
    w.params.extend(slot_search_params(0, days)?);
    Ok(())
}

#[given(expr = "I remove the query parameter(s) {string}")]
fn remove_params(w: &mut GpcWorld, names: String) -> Step {
    for name in names.split(',').map(str::trim) {
        let before = w.params.len();
        w.params.retain(|(k, _)| k != name);
        if w.params.len() == before {
            return Err(format!("the request has no `{name}` parameter to remove"));
        }
    }
    Ok(())
}

#[given(expr = "I replace the query parameter {string} with the value {string}")]
fn replace_param(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    let found = w.params.iter_mut().find(|(k, _)| *k == name);
    match found {
        Some((_, v)) => {
            *v = value;
            Ok(())
        }
        None => Err(format!("the request has no `{name}` parameter to replace")),
    }
}

#[given(expr = "I add a searchFilter for the organisation type {string}")]
fn filter_type(w: &mut GpcWorld, code: String) -> Step {
    w.params.push((
        "searchFilter".into(),
        format!("{}|{code}", system::ORGANISATION_TYPE),
    ));
    Ok(())
}

#[given(expr = "I add a searchFilter for the ODS code {string}")]
fn filter_ods(w: &mut GpcWorld, ods: String) -> Step {
    let ods = w.expand(&ods)?;
    w.params.push((
        "searchFilter".into(),
        format!("{}|{ods}", system::ODS_ORGANIZATION),
    ));
    Ok(())
}

#[given("I add a searchFilter for the consumer organisation's ODS code")]
fn filter_consumer(w: &mut GpcWorld) -> Step {
    let ods = w.ctx.config.jwt.organization.ods_code.clone();
    filter_ods(w, ods)
}

// ---------------------------------------------------------------- Then: bundles and slots

fn bundle(w: &GpcWorld) -> Result<&Value, String> {
    let b = w.resource()?;
    if resource_type(b) != "Bundle" {
        return Err(format!(
            "resourceType: expected Bundle, got {}",
            resource_type(b)
        ));
    }
    Ok(b)
}

#[then(expr = "the response bundle should contain at least {int} {word} resource(s)")]
fn at_least(w: &mut GpcWorld, n: usize, kind: String) -> Step {
    let found = entries_of(bundle(w)?, &kind).len();
    if found >= n {
        Ok(())
    } else {
        Err(format!(
            "Bundle.entry: expected at least {n} {kind} resources, got {found}"
        ))
    }
}

#[then(expr = "the response bundle should contain no {word} resources")]
fn none_of(w: &mut GpcWorld, kind: String) -> Step {
    let found = entries_of(bundle(w)?, &kind);
    match found.first() {
        None => Ok(()),
        Some((i, r)) => Err(format!(
            "Bundle.entry[{i}].resource: expected no {kind} resources, got {} (first: {kind}/{})",
            found.len(),
            str_of(r, "id").unwrap_or("?")
        )),
    }
}

fn profile_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Slot" => profile::SLOT,
        "Schedule" => profile::SCHEDULE,
        "Appointment" => profile::APPOINTMENT,
        "Practitioner" => profile::PRACTITIONER,
        "Location" => profile::LOCATION,
        "Organization" => profile::ORGANIZATION,
        "Patient" => profile::PATIENT,
        _ => return None,
    })
}

#[then("every resource in the response should carry its profile and a version")]
fn every_profile(w: &mut GpcWorld) -> Step {
    let v = w.resource()?;
    let resources = payload_resources(v);
    if resources.is_empty() {
        return Err("expected at least one resource to check, the Bundle has no entries".into());
    }
    for (at, r) in resources {
        let kind = resource_type(&r);
        let expected =
            profile_of(kind).ok_or_else(|| format!("{at}: unexpected resource type {kind}"))?;
        let ps = r
            .pointer("/meta/profile")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ps.len() != 1 || ps[0].as_str() != Some(expected) {
            return Err(format!(
                "{at}.meta.profile: expected exactly [{expected}], got {ps:?}"
            ));
        }
        if version_of(&r).is_none_or(str::is_empty) {
            return Err(format!(
                "{at}.meta.versionId: expected a version, but it is absent"
            ));
        }
        if str_of(&r, "id").is_none_or(str::is_empty) {
            return Err(format!("{at}.id: expected a logical id, but it is absent"));
        }
    }
    Ok(())
}

/// The searched period from the request's `start` and `end` parameters.
fn searched_period(w: &GpcWorld) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let get = |name: &str| {
        w.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("the request has no `{name}` parameter"))
    };
    let (start, end) = (get("start")?, get("end")?);
    let from = search_bound(strip_prefix(&start))
        .ok_or_else(|| format!("`start={start}` is not a date the harness can read"))?
        .0;
    let to = search_bound(strip_prefix(&end))
        .ok_or_else(|| format!("`end={end}` is not a date the harness can read"))?
        .1;
    Ok((from, to))
}

#[then("every slot in the response should be free and inside the searched period")]
fn slots_inside(w: &mut GpcWorld) -> Step {
    let (from, to) = searched_period(w)?;
    for (i, s) in entries_of(bundle(w)?, "Slot") {
        let at = format!(
            "Bundle.entry[{i}].resource (Slot/{})",
            str_of(s, "id").unwrap_or("?")
        );
        let status = str_of(s, "status").unwrap_or("(absent)");
        if status != "free" {
            return Err(format!("{at}.status: expected `free`, got `{status}`"));
        }
        let start = str_of(s, "start").and_then(instant);
        let end = str_of(s, "end").and_then(instant);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(format!("{at}: start and end must both be dateTimes"));
        };
        if start < from || end > to {
            return Err(format!(
                "{at}: expected a slot inside {} .. {}, got {} .. {}",
                uktime::format(from),
                uktime::format(to),
                str_of(s, "start").unwrap_or_default(),
                str_of(s, "end").unwrap_or_default()
            ));
        }
    }
    Ok(())
}

fn bundle_ids(b: &Value) -> BTreeSet<String> {
    payload_resources(b)
        .into_iter()
        .filter_map(|(_, r)| str_of(&r, "id").map(|id| format!("{}/{id}", resource_type(&r))))
        .collect()
}

#[then("every slot in the response should reference a Schedule in the response")]
fn slots_reference_schedules(w: &mut GpcWorld) -> Step {
    let b = bundle(w)?;
    let ids = bundle_ids(b);
    for (i, s) in entries_of(b, "Slot") {
        let r = at_path(s, "schedule").and_then(reference).ok_or_else(|| {
            format!("Bundle.entry[{i}].resource.schedule: expected a reference, but it is absent")
        })?;
        if !ids.contains(r) {
            return Err(format!(
                "Bundle.entry[{i}].resource.schedule: `{r}` is not in the Bundle (it holds {ids:?})"
            ));
        }
    }
    Ok(())
}

#[then(expr = "every {word} the Schedules name as actor should be in the response")]
fn actors_included(w: &mut GpcWorld, kind: String) -> Step {
    let b = bundle(w)?;
    let ids = bundle_ids(b);
    let schedules = entries_of(b, "Schedule");
    if schedules.is_empty() {
        return Err("Bundle.entry: expected Schedules, got none".into());
    }
    for (i, s) in schedules {
        let actor = schedule_actor(s, &kind).ok_or_else(|| {
            format!("Bundle.entry[{i}].resource.actor: expected a {kind} actor, got none")
        })?;
        if !ids.contains(&actor) {
            return Err(format!(
                "Bundle.entry[{i}].resource.actor: {actor} is not in the Bundle"
            ));
        }
    }
    Ok(())
}

#[then("every Location in the response should have its managing Organization in the response")]
fn managing_orgs(w: &mut GpcWorld) -> Step {
    let b = bundle(w)?;
    let ids = bundle_ids(b);
    let locations = entries_of(b, "Location");
    if locations.is_empty() {
        return Err("Bundle.entry: expected Locations, got none".into());
    }
    for (i, l) in locations {
        let org = at_path(l, "managingOrganization")
            .and_then(reference)
            .ok_or_else(|| {
                format!("Bundle.entry[{i}].resource.managingOrganization: expected a reference, but it is absent")
            })?;
        if !ids.contains(org) {
            return Err(format!(
                "Bundle.entry[{i}].resource.managingOrganization: {org} is not in the Bundle"
            ));
        }
    }
    Ok(())
}

/// Code -> display of a CodeSystem from the run's definitions (read once per process and system).
fn codes_of(w: &GpcWorld, code_system: &str) -> Result<HashMap<String, String>, String> {
    type Cache = std::sync::Mutex<HashMap<String, HashMap<String, String>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(code_system)
    {
        return Ok(c.clone());
    }
    let codes = w
        .ctx
        .fhir_path
        .index()
        .and_then(|i| i.code_displays(code_system))
        .map_err(|e| e.to_string())?;
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(code_system.to_string(), codes.clone());
    Ok(codes)
}

#[then("every slot in the response should carry a delivery channel")]
fn slots_channel(w: &mut GpcWorld) -> Step {
    let codes = codes_of(w, DELIVERY_CHANNEL_CODESYSTEM)?;
    let b = bundle(w)?;
    let slots = entries_of(b, "Slot");
    if slots.is_empty() {
        return Err("Bundle.entry: expected Slots, got none".into());
    }
    for (i, s) in slots {
        let at = format!(
            "Bundle.entry[{i}].resource.extension({})",
            profile::EXT_DELIVERY_CHANNEL
        );
        let code = extension(s, profile::EXT_DELIVERY_CHANNEL)
            .and_then(|e| str_of(e, "valueCode"))
            .ok_or_else(|| format!("{at}: expected a delivery channel, but it is absent"))?;
        if !codes.contains_key(code) {
            let mut known: Vec<&String> = codes.keys().collect();
            known.sort();
            return Err(format!(
                "{at}: `{code}` is not a delivery channel ({known:?})"
            ));
        }
        if code == VISIT {
            return Err(format!(
                "{at}: slots with the delivery channel `Visit` must not be offered"
            ));
        }
    }
    Ok(())
}

/// Checks the practitioner-role extension of `r` against `allowed` (`None`: any code of the SDS job role names).
fn check_role(
    at: &str,
    r: &Value,
    valueset: Option<&crate::validate::store::Expansion>,
    sds: &HashMap<String, String>,
) -> Step {
    let at = format!("{at}.extension({})", profile::EXT_PRACTITIONER_ROLE);
    let codings = extension(r, profile::EXT_PRACTITIONER_ROLE)
        .and_then(|e| at_path(e, "valueCodeableConcept.coding"))
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{at}: expected a practitioner role, but it is absent"))?;
    for c in codings {
        let sys = str_of(c, "system").unwrap_or("(absent)");
        let code = str_of(c, "code").unwrap_or("(absent)");
        match valueset {
            Some(vs) => match vs.contains(Some(sys), code) {
                Some(true) => {}
                Some(false) => {
                    return Err(format!(
                        "{at}: `{sys}|{code}` is not in {PRACTITIONER_ROLE_VALUESET}"
                    ))
                }
                None => {
                    return Err(format!(
                        "{at}: the harness cannot expand {PRACTITIONER_ROLE_VALUESET} from its FHIR definitions"
                    ))
                }
            },
            None => {
                if sys != SDS_JOB_ROLE_CODESYSTEM {
                    return Err(format!(
                        "{at}.system: expected {SDS_JOB_ROLE_CODESYSTEM}, got {sys}"
                    ));
                }
                let display = sds.get(code).ok_or_else(|| {
                    format!("{at}: `{code}` is not a code of {SDS_JOB_ROLE_CODESYSTEM}")
                })?;
                if let Some(d) = str_of(c, "display") {
                    if d != display {
                        return Err(format!(
                            "{at}.display: expected `{display}` for {code}, got `{d}`"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn role_targets(w: &GpcWorld, kind: &str) -> Result<Vec<(String, Value)>, String> {
    let found: Vec<(String, Value)> = payload_resources(w.resource()?)
        .into_iter()
        .filter(|(_, r)| resource_type(r) == kind)
        .collect();
    if found.is_empty() {
        return Err(format!(
            "expected at least one {kind} in the response, got none"
        ));
    }
    Ok(found)
}

#[then(
    expr = "every {word} in the response should carry a practitioner role from GPConnect-PractitionerRole-1"
)]
fn role_127(w: &mut GpcWorld, kind: String) -> Step {
    let validator = w.ctx.validator(Capability::Appointments)?;
    let vs = validator.store().expand(PRACTITIONER_ROLE_VALUESET);
    for (at, r) in role_targets(w, &kind)? {
        check_role(&at, &r, Some(&vs), &HashMap::new())?;
    }
    Ok(())
}

#[then(
    expr = "every {word} in the response should carry a practitioner role from the SDS job role names"
)]
fn role_129(w: &mut GpcWorld, kind: String) -> Step {
    let sds = codes_of(w, SDS_JOB_ROLE_CODESYSTEM)?;
    for (at, r) in role_targets(w, &kind)? {
        check_role(&at, &r, None, &sds)?;
    }
    Ok(())
}

#[then(expr = "every {word} in the response should carry the text {string}")]
fn every_text(w: &mut GpcWorld, kind: String, path: String) -> Step {
    for (at, r) in role_targets(w, &kind)? {
        if str_of(&r, &path).is_none_or(|t| t.trim().is_empty()) {
            return Err(format!("{at}.{path}: expected a text, but it is absent"));
        }
    }
    Ok(())
}

#[then(expr = "at least one {word} in the response should carry the text {string}")]
fn some_text(w: &mut GpcWorld, kind: String, path: String) -> Step {
    let found = role_targets(w, &kind)?;
    if found
        .iter()
        .any(|(_, r)| str_of(r, &path).is_some_and(|t| !t.trim().is_empty()))
    {
        Ok(())
    } else {
        Err(format!(
            "{kind}.{path}: expected at least one of {} {kind} resources to carry it, none does",
            found.len()
        ))
    }
}

fn check_uk_time(at: &str, text: &str) -> Step {
    let t = instant(text).ok_or_else(|| format!("{at}: `{text}` is not a dateTime"))?;
    let shape = text.len() == 25 && matches!(text.as_bytes().get(19), Some(b'+' | b'-'));
    let expected = uktime::format(t);
    if !shape || text[19..] != expected[19..] {
        return Err(format!(
            "{at}: expected UK local time with its offset ({expected}), got `{text}`"
        ));
    }
    Ok(())
}

#[then("every slot and Schedule time in the response should be UK local time with its offset")]
fn uk_times(w: &mut GpcWorld) -> Step {
    let b = bundle(w)?;
    let mut checked = 0;
    for (i, s) in entries_of(b, "Slot") {
        for f in ["start", "end"] {
            let text = str_of(s, f).unwrap_or_default();
            check_uk_time(&format!("Bundle.entry[{i}].resource.{f}"), text)?;
            checked += 1;
        }
    }
    for (i, s) in entries_of(b, "Schedule") {
        for f in ["planningHorizon.start", "planningHorizon.end"] {
            if let Some(text) = str_of(s, f) {
                check_uk_time(&format!("Bundle.entry[{i}].resource.{f}"), text)?;
            }
        }
    }
    if checked == 0 {
        return Err("expected slots to check, the Bundle has none".into());
    }
    Ok(())
}

fn offers_slot(w: &GpcWorld) -> Result<bool, String> {
    let slot = w
        .stored
        .get("slot")
        .cloned()
        .ok_or("no slot was booked in this scenario")?;
    Ok(entries_of(bundle(w)?, "Slot")
        .iter()
        .any(|(_, s)| str_of(s, "id") == Some(slot.as_str())))
}

#[then("the response should not offer the booked appointment's slot")]
fn not_offered(w: &mut GpcWorld) -> Step {
    if offers_slot(w)? {
        Err(format!(
            "Bundle: Slot/{} is booked, but the search offers it as free",
            w.stored.get("slot").cloned().unwrap_or_default()
        ))
    } else {
        Ok(())
    }
}

#[then("the response should offer the booked appointment's slot again")]
fn offered_again(w: &mut GpcWorld) -> Step {
    if offers_slot(w)? {
        Ok(())
    } else {
        Err(format!(
            "Bundle: Slot/{} belongs to a cancelled appointment, but the search does not offer it as free",
            w.stored.get("slot").cloned().unwrap_or_default()
        ))
    }
}

#[then("I remember the slots in the response")]
fn remember_slots(w: &mut GpcWorld) -> Step {
    let n = entries_of(bundle(w)?, "Slot").len();
    w.stored.insert("remembered_slots".into(), n.to_string());
    Ok(())
}

#[then("the response should offer fewer slots than the remembered search")]
fn fewer_slots(w: &mut GpcWorld) -> Step {
    let before: usize = w
        .stored
        .get("remembered_slots")
        .and_then(|n| n.parse().ok())
        .ok_or("no search was remembered in this scenario")?;
    let now = entries_of(bundle(w)?, "Slot").len();
    if now < before {
        Ok(())
    } else {
        Err(format!(
            "Bundle: expected fewer than the {before} slots the filtered search offered (the provider holds slots restricted to that organisation type), got {now}"
        ))
    }
}

// ---------------------------------------------------------------- Then: appointments

fn response_appointment(w: &GpcWorld) -> Result<&Value, String> {
    let r = w.resource()?;
    if resource_type(r) != "Appointment" {
        return Err(format!(
            "resourceType: expected Appointment, got {}",
            resource_type(r)
        ));
    }
    Ok(r)
}

fn slot_refs(v: &Value) -> BTreeSet<String> {
    v.get("slot")
        .and_then(Value::as_array)
        .map(|ss| ss.iter().filter_map(reference).map(String::from).collect())
        .unwrap_or_default()
}

fn participant_refs(v: &Value) -> BTreeSet<String> {
    v.get("participant")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| at_path(p, "actor").and_then(reference))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn same_instant(at: &str, expected: Option<&str>, actual: Option<&str>) -> Step {
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

fn same_text(at: &str, expected: Option<&str>, actual: Option<&str>) -> Step {
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
fn unchanged_except(before: &Value, after: &Value, except: &[&str]) -> Step {
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

fn booking_ods(appt: &Value) -> Result<String, String> {
    let reference = extension(appt, profile::EXT_BOOKING_ORGANISATION)
        .and_then(|e| at_path(e, "valueReference"))
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

fn appointments_in(w: &GpcWorld) -> Result<Vec<(String, Value)>, String> {
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
        check_role(&at, &r, Some(&vs), &HashMap::new())?;
    }
    Ok(())
}

#[then("every appointment in the response should start in the future")]
fn in_future(w: &mut GpcWorld) -> Step {
    let today = uktime::local_date(Utc::now());
    for (at, r) in appointments_in(w)? {
        let start = str_of(&r, "start")
            .and_then(instant)
            .ok_or_else(|| format!("{at}.start: expected a dateTime"))?;
        if uktime::local_date(start) < today {
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
        if let Some(v) = at_path(&r, &element) {
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
            let reference = at_path(&p, "actor")
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
            "Patient" => "PatientRead",
            "Location" => "LocationRead",
            "Practitioner" => "PractitionerRead",
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
            .map(uktime::local_date)
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
    let resources = at_path(cs, "rest[0].resource")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_set_and_remove() {
        let mut v = json!({ "participant": [{ "status": "accepted" }] });
        set_at_path(&mut v, "participant[0].actor.reference", json!("Patient/1")).ok();
        set_at_path(&mut v, "priority", json!(1)).ok();
        assert_eq!(v["participant"][0]["actor"]["reference"], "Patient/1");
        assert_eq!(v["priority"], 1);
        assert!(remove_at_path(&mut v, "participant[0].status").is_ok());
        assert!(v["participant"][0].get("status").is_none());
        assert!(remove_at_path(&mut v, "missing").is_err());
    }

    #[test]
    fn dates_in_every_format() {
        for f in [
            "yyyy-MM-dd",
            "yyyy-MM-ddTHH:mm:sszzz",
            "yyyy-MM-ddTHH:mm:ss",
            "yyyy-MM-ddTHH:mm:ssZ",
            "yyyy-MM",
            "yyyy",
        ] {
            assert!(uk_date_text(&format!("+3 {f}")).is_ok(), "{f}");
        }
        assert!(uk_date_text("x").is_err());
        assert_eq!(uk_date_text("+0").map(|s| s.len()).ok(), Some(10));
        assert_eq!(strip_prefix("ge2024-01-01"), "2024-01-01");
    }
}
