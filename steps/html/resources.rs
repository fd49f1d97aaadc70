//! Then steps on the Patient, Practitioner, Organization and Device of a care record Bundle, as the 0.7.2
//! profiles and the 0.7.4 pages constrain them: the NHS number asked for, coded elements from their bound value
//! sets, references into the Bundle, elements the profiles remove, and the 28 days a deceased patient's record
//! stays available (measured on the run's clock).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cucumber::then;
use serde_json::Value;

use super::record::{self, expect_reference, values_at};
use super::{profiles, request, Step};
use crate::spine::headers::{dstu2, profile};
use crate::steps::world::GpcWorld;

/// Practitioner identifier systems of which at most one each is allowed (0.7.2 practitioner profile slices).
const SDS_USER_ID: &str = "http://fhir.nhs.net/Id/sds-user-id";
const SDS_ROLE_PROFILE_ID: &str = "http://fhir.nhs.net/Id/sds-role-profile-id";
const ODS_SITE_CODE: &str = "http://fhir.nhs.net/Id/ods-site-code";
/// Days after death the record stays available (0.7.4 design decisions, "Deceased patient's record").
const DECEASED_ACCESS_DAYS: i64 = 28;

fn profile_of(resource_type: &str) -> Result<&'static str, String> {
    Ok(match resource_type {
        "Patient" => profile::DSTU2_PATIENT,
        "Practitioner" => profile::DSTU2_PRACTITIONER,
        "Organization" => profile::DSTU2_ORGANIZATION,
        "Device" => profile::DSTU2_DEVICE,
        other => return Err(format!("no 0.7.2 profile for `{other}` in these steps")),
    })
}

fn patient(w: &GpcWorld) -> Result<(String, Value), String> {
    record::single(w, "Patient")
}

#[then("the Patient should have an id")]
fn patient_id(w: &mut GpcWorld) -> Step {
    let (at, p) = patient(w)?;
    match p.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(()),
        _ => Err(format!("{at}.id: expected a logical id, got (absent)")),
    }
}

#[then(expr = "the Patient should carry the NHS number of patient {string}")]
fn patient_nhs(w: &mut GpcWorld, name: String) -> Step {
    let nhs = request::nhs_of(w, &name)?;
    let (at, p) = patient(w)?;
    let ids: Vec<String> = values_at(&p, &at, "identifier")
        .into_iter()
        .map(|(_, i)| {
            format!(
                "{}|{}",
                i.get("system").and_then(Value::as_str).unwrap_or(""),
                i.get("value").and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    let want = format!("{}|{nhs}", dstu2::NHS_NUMBER);
    if ids.contains(&want) {
        Ok(())
    } else {
        Err(format!(
            "{at}.identifier: expected `{want}`, got {}",
            if ids.is_empty() {
                "(absent)".into()
            } else {
                ids.join(", ")
            }
        ))
    }
}

#[then("every Patient telecom should have a system and a value")]
fn telecom(w: &mut GpcWorld) -> Step {
    let (at, p) = patient(w)?;
    for (place, t) in values_at(&p, &at, "telecom") {
        require_parts(t, &["system", "value"], &place)?;
    }
    Ok(())
}

/// Every CodeableConcept at `element` of every resource of the type has at most one coding, from the value set
/// the 0.7.2 profile binds there, with the value set's display where it gives one.
#[then(
    regex = r#"^the (\w+) "([^"]+)" codings should each be one coding of the profile's value set$"#
)]
fn bound_codings(w: &mut GpcWorld, resource_type: String, element: String) -> Step {
    let url = profile_of(&resource_type)?;
    let vs = profiles::binding(w, url, &format!("{resource_type}.{element}"))?;
    let allowed = profiles::codes(w, &vs)?;
    for (at, r) in record::of_type(w, &resource_type)? {
        for (place, concept) in values_at(&r, &at, &element) {
            let codings = concept
                .get("coding")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if codings.len() > 1 {
                return Err(format!(
                    "{place}.coding: expected at most one coding, got {}",
                    codings.len()
                ));
            }
            for c in &codings {
                let system = c
                    .get("system")
                    .and_then(Value::as_str)
                    .unwrap_or("(absent)");
                let code = c.get("code").and_then(Value::as_str).unwrap_or("(absent)");
                let display = c.get("display").and_then(Value::as_str);
                let hit = allowed
                    .iter()
                    .find(|a| a.system == system && (a.code == code || a.code.is_empty()));
                let Some(hit) = hit else {
                    return Err(format!(
                        "{place}.coding[0]: expected a code of {vs}, got `{system}|{code}`"
                    ));
                };
                match (&hit.display, display) {
                    (_, None) => {
                        return Err(format!(
                            "{place}.coding[0].display: expected a display, got (absent)"
                        ))
                    }
                    (Some(want), Some(got)) if want != got => {
                        return Err(format!(
                            "{place}.coding[0].display: expected `{want}`, got `{got}`"
                        ))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[then(regex = r#"^every (\w+) "([^"]+)" reference should reference an? "(\w+)" in the Bundle$"#)]
fn references(w: &mut GpcWorld, resource_type: String, element: String, target: String) -> Step {
    for (at, r) in record::of_type(w, &resource_type)? {
        for (place, reference) in values_at(&r, &at, &element) {
            if let Some(text) = reference.get("reference").and_then(Value::as_str) {
                expect_reference(w, &format!("{place}.reference"), text, &target)?;
            }
        }
    }
    Ok(())
}

#[then(expr = "the Patient should have at most one {string}")]
fn at_most_one(w: &mut GpcWorld, element: String) -> Step {
    let (at, p) = patient(w)?;
    let n = values_at(&p, &at, &element).len();
    if n <= 1 {
        Ok(())
    } else {
        Err(format!("{at}.{element}: expected at most one, got {n}"))
    }
}

#[then(regex = r#"^(?:the|every) (\w+) should not carry "(\w+)"$"#)]
fn not_carry(w: &mut GpcWorld, resource_type: String, element: String) -> Step {
    for (at, r) in record::of_type(w, &resource_type)? {
        if let Some(v) = r.get(&element) {
            return Err(format!("{at}.{element}: must not be populated, got {v}"));
        }
    }
    Ok(())
}

#[then("every Practitioner should have a name")]
fn practitioner_name(w: &mut GpcWorld) -> Step {
    for (at, r) in record::of_type(w, "Practitioner")? {
        if r.get("name").is_none_or(Value::is_null) {
            return Err(format!("{at}.name: expected a name, got (absent)"));
        }
        if r.get("name").is_some_and(Value::is_array) {
            return Err(format!("{at}.name: expected a single HumanName (DSTU2 Practitioner.name is 0..1), got an array"));
        }
    }
    Ok(())
}

/// At most `max` identifiers of each of `systems`, each with a value.
fn identifier_limits(w: &GpcWorld, resource_type: &str, systems: &[(&str, usize)]) -> Step {
    for (at, r) in record::of_type(w, resource_type)? {
        let ids = values_at(&r, &at, "identifier");
        for (system, max) in systems {
            let of_system: Vec<_> = ids
                .iter()
                .filter(|(_, i)| i.get("system").and_then(Value::as_str) == Some(system))
                .collect();
            if of_system.len() > *max {
                return Err(format!(
                    "{at}.identifier: expected at most {max} of {system}, got {}",
                    of_system.len()
                ));
            }
            for (place, i) in of_system {
                require_parts(i, &["value"], place)?;
            }
        }
    }
    Ok(())
}

#[then(
    "every Practitioner should carry at most one identifier of each SDS system, each with a value"
)]
fn practitioner_ids(w: &mut GpcWorld) -> Step {
    identifier_limits(
        w,
        "Practitioner",
        &[(SDS_USER_ID, 1), (SDS_ROLE_PROFILE_ID, 1)],
    )
}

#[then(
    "every Practitioner role coding should be one SDS job role coding with a code and a display"
)]
fn practitioner_roles(w: &mut GpcWorld) -> Step {
    for (at, r) in record::of_type(w, "Practitioner")? {
        for (place, role) in values_at(&r, &at, "practitionerRole.role") {
            let codings = role
                .get("coding")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if codings.len() > 1 {
                return Err(format!(
                    "{place}.coding: expected at most one coding, got {}",
                    codings.len()
                ));
            }
            for c in &codings {
                let system = c
                    .get("system")
                    .and_then(Value::as_str)
                    .unwrap_or("(absent)");
                if system != dstu2::SDS_JOB_ROLE {
                    return Err(format!(
                        "{place}.coding[0].system: expected `{}`, got `{system}`",
                        dstu2::SDS_JOB_ROLE
                    ));
                }
                require_parts(c, &["code", "display"], &format!("{place}.coding[0]"))?;
            }
        }
    }
    Ok(())
}

#[then("every Organization should carry at most one ODS organisation code, and every ODS identifier a value")]
fn organization_ids(w: &mut GpcWorld) -> Step {
    identifier_limits(
        w,
        "Organization",
        &[(dstu2::ODS_ORGANIZATION, 1), (ODS_SITE_CODE, usize::MAX)],
    )
}

#[then(
    "every Organization type should have at most one coding, with a system, a code and a display"
)]
fn organization_type(w: &mut GpcWorld) -> Step {
    for (at, r) in record::of_type(w, "Organization")? {
        let codings = r
            .pointer("/type/coding")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if codings.len() > 1 {
            return Err(format!(
                "{at}.type.coding: expected at most one coding, got {}",
                codings.len()
            ));
        }
        for c in &codings {
            require_parts(
                c,
                &["system", "code", "display"],
                &format!("{at}.type.coding[0]"),
            )?;
        }
    }
    Ok(())
}

#[then("the Device should carry none of the elements the profile removes")]
fn device_removed(w: &mut GpcWorld) -> Step {
    let snap = profiles::snapshot(w, profile::DSTU2_DEVICE)?;
    let removed: Vec<&str> = snap
        .iter()
        .filter(|e| e.max.as_deref() == Some("0"))
        .filter_map(|e| e.path.strip_prefix("Device."))
        .filter(|p| !p.contains('.'))
        .collect();
    let (at, d) = record::single(w, "Device")?;
    for element in removed {
        let present = d.as_object().is_some_and(|o| {
            o.keys().any(|k| {
                k == element
                    || (element.ends_with("[x]") && k.starts_with(element.trim_end_matches("[x]")))
            })
        });
        if present {
            return Err(format!(
                "{at}.{element}: must not be populated, got {}",
                d.get(element)
                    .map_or_else(|| "a value".to_string(), Value::to_string)
            ));
        }
    }
    Ok(())
}

#[then("the Device should carry at most one identifier, with a value, and at most one note")]
fn device_cardinality(w: &mut GpcWorld) -> Step {
    let (at, d) = record::single(w, "Device")?;
    let ids = values_at(&d, &at, "identifier");
    if ids.len() > 1 {
        return Err(format!(
            "{at}.identifier: expected at most one, got {}",
            ids.len()
        ));
    }
    for (place, i) in ids {
        require_parts(i, &["value"], &place)?;
    }
    let notes = values_at(&d, &at, "note").len();
    if notes > 1 {
        return Err(format!("{at}.note: expected at most one, got {notes}"));
    }
    Ok(())
}

#[then("the Device type should be the profile's fixed coding")]
fn device_type(w: &mut GpcWorld) -> Step {
    let (at, d) = record::single(w, "Device")?;
    let codings = d
        .pointer("/type/coding")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if codings.len() > 1 {
        return Err(format!(
            "{at}.type.coding: expected at most one coding, got {}",
            codings.len()
        ));
    }
    for c in &codings {
        for part in ["system", "code", "display"] {
            let want = profiles::fixed(
                w,
                profile::DSTU2_DEVICE,
                &format!("Device.type.coding.{part}"),
            )?;
            let got = c.get(part).and_then(Value::as_str).unwrap_or("(absent)");
            if want != got {
                return Err(format!(
                    "{at}.type.coding[0].{part}: expected `{want}`, got `{got}`"
                ));
            }
        }
    }
    Ok(())
}

/// A FHIR date or dateTime as the instant it starts (a date alone is its UTC midnight).
fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}

#[then(expr = "the Patient should have died no more than {int} days ago")]
fn deceased_within(w: &mut GpcWorld, days: i64) -> Step {
    if days != DECEASED_ACCESS_DAYS {
        return Err(format!(
            "the step says {days} days; the specification's window is {DECEASED_ACCESS_DAYS} days"
        ));
    }
    let (at, p) = patient(w)?;
    let text = p
        .get("deceasedDateTime")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            format!("{at}.deceasedDateTime: expected the date of death, got (absent)")
        })?;
    let died = instant(text)
        .ok_or_else(|| format!("{at}.deceasedDateTime: expected a dateTime, got `{text}`"))?;
    let now = w.ctx.clock.now();
    let earliest = now - Duration::days(days);
    if died < earliest || died > now {
        return Err(format!(
            "{at}.deceasedDateTime: expected between {} and {} (the last {days} days by the run's clock), got `{text}`",
            earliest.to_rfc3339(),
            now.to_rfc3339()
        ));
    }
    Ok(())
}

/// Fails unless `value` has each of `parts` as a non-empty string; `place` names `value` in the message.
fn require_parts(value: &Value, parts: &[&str], place: &str) -> Step {
    for part in parts {
        if value
            .get(*part)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!("{place}.{part}: expected a {part}, got (absent)"));
        }
    }
    Ok(())
}
