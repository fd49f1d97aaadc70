//! Then-steps on the Bundle of a search for free slots: the slots, Schedules and included actors.

use super::*;

pub(super) fn bundle(w: &GpcWorld) -> Result<&Value, String> {
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

/// The searched period from the request's `start` and `end` parameters.
pub(super) fn searched_period(w: &GpcWorld) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
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
                uk_time::format(from),
                uk_time::format(to),
                str_of(s, "start").unwrap_or_default(),
                str_of(s, "end").unwrap_or_default()
            ));
        }
    }
    Ok(())
}

pub(super) fn bundle_ids(b: &Value) -> BTreeSet<String> {
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
        let r = json_path::get(s, "schedule")
            .and_then(reference)
            .ok_or_else(|| {
                format!(
                    "Bundle.entry[{i}].resource.schedule: expected a reference, but it is absent"
                )
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
        let org = json_path::get(l, "managingOrganization")
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
pub(super) fn codes_of(w: &GpcWorld, code_system: &str) -> Result<HashMap<String, String>, String> {
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
        .validator(Capability::Appointments)?
        .store()
        .index()
        .code_displays(code_system)
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
pub(super) fn check_role(
    at: &str,
    r: &Value,
    valueset: Option<&crate::validate::store::Expansion>,
    sds: &HashMap<String, String>,
) -> Step {
    let at = format!("{at}.extension({})", profile::EXT_PRACTITIONER_ROLE);
    let codings = extension(r, profile::EXT_PRACTITIONER_ROLE)
        .and_then(|e| json_path::get(e, "valueCodeableConcept.coding"))
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

pub(super) fn role_targets(w: &GpcWorld, kind: &str) -> Result<Vec<(String, Value)>, String> {
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
        check_role(&at, &r, Some(vs), &HashMap::new())?;
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

pub(super) fn check_uk_time(at: &str, text: &str) -> Step {
    let t = instant(text).ok_or_else(|| format!("{at}: `{text}` is not a dateTime"))?;
    let shape = text.len() == 25 && matches!(text.as_bytes().get(19), Some(b'+' | b'-'));
    let expected = uk_time::format(t);
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

pub(super) fn offers_slot(w: &GpcWorld) -> Result<bool, String> {
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
