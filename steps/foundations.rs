//! Foundations steps: logical-id lookups, identifier parameters, register-patient bodies, and the
//! expectations specific to Patient, Practitioner, Organization, Location and the CapabilityStatement.

use cucumber::{given, then};
use serde_json::{json, Value};

use super::common::payload_resources;
use super::json_path;
use super::world::{Body, GpcWorld};
use crate::config::PoolPatient;
use crate::spine::catalogue::Interaction;
use crate::spine::headers::{profile, system};

type Step = Result<(), String>;

// ---------------------------------------------------------------- ids and identifiers

#[given(expr = "I set the request id to the logical id of patient {string}")]
pub(crate) async fn id_of_patient(w: &mut GpcWorld, key: String) -> Step {
    let nhs = w.nhs(&key)?;
    let r = w
        .search_one(Interaction::PatientSearch, GpcWorld::nhs_identifier(&nhs))
        .await?;
    w.id = Some(
        r.get("id")
            .and_then(Value::as_str)
            .ok_or("the Patient found has no id")?
            .to_string(),
    );
    Ok(())
}

#[given(expr = "I set the request id to the logical id of practitioner {string}")]
pub(crate) async fn id_of_practitioner(w: &mut GpcWorld, key: String) -> Step {
    let sds = w.expand(&format!("{{sds:{key}}}"))?;
    let r = w
        .search_one(
            Interaction::PractitionerSearch,
            format!("{}|{sds}", system::SDS_USER),
        )
        .await?;
    w.id = Some(
        r.get("id")
            .and_then(Value::as_str)
            .ok_or("the Practitioner found has no id")?
            .to_string(),
    );
    Ok(())
}

#[given(expr = "I set the request id to the logical id of organization {string}")]
pub(crate) async fn id_of_organization(w: &mut GpcWorld, key: String) -> Step {
    let ods = w.expand(&format!("{{ods:{key}}}"))?;
    let r = w
        .search_one(
            Interaction::OrganizationSearch,
            format!("{}|{ods}", system::ODS_ORGANIZATION),
        )
        .await?;
    w.id = Some(
        r.get("id")
            .and_then(Value::as_str)
            .ok_or("the Organization found has no id")?
            .to_string(),
    );
    Ok(())
}

#[given(expr = "I set the request id to the logical id of location {string}")]
pub(crate) fn id_of_location(w: &mut GpcWorld, key: String) -> Step {
    w.id = Some(w.expand(&format!("{{loc:{key}}}"))?);
    Ok(())
}

#[given(expr = "I add an NHS number identifier for patient {string}")]
pub(crate) fn nhs_identifier(w: &mut GpcWorld, key: String) -> Step {
    let nhs = w.nhs(&key)?;
    w.params
        .push(("identifier".into(), GpcWorld::nhs_identifier(&nhs)));
    Ok(())
}

#[given(expr = "I add an SDS user identifier for practitioner {string}")]
pub(crate) fn sds_identifier(w: &mut GpcWorld, key: String) -> Step {
    let sds = w.expand(&format!("{{sds:{key}}}"))?;
    w.params
        .push(("identifier".into(), format!("{}|{sds}", system::SDS_USER)));
    Ok(())
}

#[given(expr = "I add an ODS organisation identifier for organization {string}")]
pub(crate) fn ods_identifier(w: &mut GpcWorld, key: String) -> Step {
    let ods = w.expand(&format!("{{ods:{key}}}"))?;
    w.params.push((
        "identifier".into(),
        format!("{}|{ods}", system::ODS_ORGANIZATION),
    ));
    Ok(())
}

// ---------------------------------------------------------------- register patient

fn register_body(p: &PoolPatient) -> Value {
    json!({
        "resourceType": "Parameters",
        "parameter": [{
            "name": "registerPatient",
            "resource": {
                "resourceType": "Patient",
                "meta": { "profile": [profile::PATIENT] },
                "identifier": [{ "system": system::NHS_NUMBER, "value": p.nhs_number }],
                "name": [{ "use": "official", "family": p.family, "given": [p.given] }],
                "gender": p.gender,
                "birthDate": p.birth_date
            }
        }]
    })
}

#[given("I prepare to register a new patient from the register pool")]
pub(crate) async fn prepare_pool(w: &mut GpcWorld) -> Step {
    let pool_len = w.ctx.config.test_data.register_pool.len();
    for _ in 0..pool_len {
        let Some(candidate) = w.ctx.next_pool_patient() else {
            break;
        };
        if w.search(
            Interaction::PatientSearch,
            GpcWorld::nhs_identifier(&candidate.nhs_number),
        )
        .await?
        .is_empty()
        {
            w.stored
                .insert("registered".into(), candidate.nhs_number.clone());
            w.body = Body::Json(register_body(&candidate));
            return Ok(());
        }
    }
    Err("every identity of test_data.register_pool is already registered at the provider; add unregistered PDS test identities to the pool".into())
}

#[given(expr = "I prepare to register the pack patient {string}")]
async fn prepare_pack(w: &mut GpcWorld, key: String) -> Step {
    let nhs = w.nhs(&key)?;
    let found = w
        .search_one(Interaction::PatientSearch, GpcWorld::nhs_identifier(&nhs))
        .await?;
    let s = |p: &str| {
        json_path::get(&found, p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let official = found
        .get("name")
        .and_then(Value::as_array)
        .and_then(|ns| {
            ns.iter()
                .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
                .or(ns.first())
        })
        .cloned()
        .unwrap_or(Value::Null);
    let pool = PoolPatient {
        nhs_number: nhs,
        family: json_path::get(&official, "family")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        given: json_path::get(&official, "given[0]")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        gender: s("gender"),
        birth_date: s("birthDate"),
    };
    w.body = Body::Json(register_body(&pool));
    Ok(())
}

#[given(expr = "I prepare to register patient {string} with family name {string} born {string}")]
fn prepare_explicit(w: &mut GpcWorld, nhs: String, family: String, birth: String) -> Step {
    let pool = PoolPatient {
        nhs_number: w.expand(&nhs)?,
        family,
        given: "Test".into(),
        gender: "female".into(),
        birth_date: birth,
    };
    w.body = Body::Json(register_body(&pool));
    Ok(())
}

fn registration_patient(w: &mut GpcWorld) -> Result<&mut serde_json::Map<String, Value>, String> {
    match &mut w.body {
        Body::Json(v) | Body::Xml(v) => v
            .pointer_mut("/parameter/0/resource")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| "the request body has no registerPatient Patient".into()),
        _ => Err("prepare a registration first".into()),
    }
}

#[given(expr = "I set the registration patient's {string} to the JSON {string}")]
fn set_registration(w: &mut GpcWorld, key: String, json: String) -> Step {
    let json = w.expand(&json)?;
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("`{json}` is not JSON: {e}"))?;
    registration_patient(w)?.insert(key, v);
    Ok(())
}

#[given(expr = "I remove the registration patient's {string}")]
fn remove_registration(w: &mut GpcWorld, key: String) -> Step {
    registration_patient(w)?
        .remove(&key)
        .map(|_| ())
        .ok_or_else(|| format!("the registration Patient has no `{key}`"))
}

#[given(expr = "I set the registration Parameters to the JSON {string}")]
fn set_parameters(w: &mut GpcWorld, json: String) -> Step {
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("`{json}` is not JSON: {e}"))?;
    match &mut w.body {
        Body::Json(b) | Body::Xml(b) => {
            b["parameter"] = v;
            Ok(())
        }
        _ => Err("prepare a registration first".into()),
    }
}

#[given("I duplicate the registerPatient parameter")]
fn duplicate_parameter(w: &mut GpcWorld) -> Step {
    match &mut w.body {
        Body::Json(b) | Body::Xml(b) => {
            let params = b
                .get_mut("parameter")
                .and_then(Value::as_array_mut)
                .ok_or("no parameter array")?;
            let first = params
                .first()
                .cloned()
                .ok_or("no registerPatient parameter")?;
            params.push(first);
            Ok(())
        }
        _ => Err("prepare a registration first".into()),
    }
}

// ---------------------------------------------------------------- patient expectations

#[then("the patient should have exactly one official name")]
fn one_official_name(w: &mut GpcWorld) -> Step {
    for (at, r) in payload_resources(w.resource()?) {
        let n = r.get("name").and_then(Value::as_array).map_or(0, |ns| {
            ns.iter()
                .filter(|n| n.get("use").and_then(Value::as_str) == Some("official"))
                .count()
        });
        if n != 1 {
            return Err(format!(
                "{at}.name: expected exactly one name with use `official`, got {n}"
            ));
        }
    }
    Ok(())
}

fn registration_details(r: &Value) -> Vec<Value> {
    r.get("extension")
        .and_then(Value::as_array)
        .and_then(|es| {
            es.iter().find(|e| {
                e.get("url").and_then(Value::as_str) == Some(profile::EXT_REGISTRATION_DETAILS)
            })
        })
        .and_then(|e| e.get("extension"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[then(expr = "the patient registration type should be {string}")]
fn registration_type(w: &mut GpcWorld, code: String) -> Step {
    let (at, r) = payload_resources(w.resource()?)
        .into_iter()
        .next()
        .ok_or("expected a Patient")?;
    let details = registration_details(&r);
    let actual = details
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some("registrationType"))
        .and_then(|e| json_path::get(e, "valueCodeableConcept.coding[0]"))
        .cloned();
    match actual {
        Some(c) => {
            let sys = c.get("system").and_then(Value::as_str).unwrap_or_default();
            let got = c.get("code").and_then(Value::as_str).unwrap_or_default();
            if sys == system::REGISTRATION_TYPE && got == code {
                Ok(())
            } else {
                Err(format!("{at} registrationDetails.registrationType: expected {}|{code}, got {sys}|{got}", system::REGISTRATION_TYPE))
            }
        }
        None => Err(format!(
            "{at} registrationDetails.registrationType: expected `{code}`, but it is absent"
        )),
    }
}

#[then(expr = "the patient should not carry the extension {string}")]
fn no_extension(w: &mut GpcWorld, name: String) -> Step {
    for (at, r) in payload_resources(w.resource()?) {
        let urls: Vec<String> = r
            .get("extension")
            .and_then(Value::as_array)
            .map(|es| {
                es.iter()
                    .filter_map(|e| e.get("url").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(u) = urls.iter().find(|u| u.contains(&name)) {
            return Err(format!(
                "{at}.extension: `{name}` must not be populated, found {u}"
            ));
        }
    }
    Ok(())
}

#[then(expr = "the resource reference {string} should point to a {word}")]
fn reference_kind(w: &mut GpcWorld, path: String, kind: String) -> Step {
    for (at, r) in payload_resources(w.resource()?) {
        let reference = json_path::get(&r, &path)
            .and_then(|v| v.get("reference"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                format!("{at}.{path}.reference: expected a {kind} reference, but it is absent")
            })?;
        if !reference.starts_with(&format!("{kind}/")) {
            return Err(format!(
                "{at}.{path}.reference: expected `{kind}/<id>`, got `{reference}`"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- CapabilityStatement

fn capability(w: &GpcWorld) -> Result<&Value, String> {
    let v = w.resource()?;
    if super::common::resource_type(v) != "CapabilityStatement" {
        return Err(format!(
            "resourceType: expected CapabilityStatement, got {}",
            super::common::resource_type(v)
        ));
    }
    Ok(v)
}

#[then(expr = "the CapabilityStatement should list the format {string}")]
fn cs_format(w: &mut GpcWorld, format: String) -> Step {
    let cs = capability(w)?;
    let formats = cs
        .get("format")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if formats.iter().any(|f| f.as_str() == Some(&format)) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement.format: expected to contain {format}, got {formats:?}"
        ))
    }
}

#[then(expr = "the CapabilityStatement should list the profile {string}")]
fn cs_profile(w: &mut GpcWorld, url: String) -> Step {
    let cs = capability(w)?;
    let refs: Vec<String> = cs
        .get("profile")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("reference").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if refs
        .iter()
        .any(|r| r == &url || r.starts_with(&format!("{url}/_history/")))
    {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement.profile: expected a reference to {url}, got {refs:?}"
        ))
    }
}

#[then(expr = "the CapabilityStatement should list the profile {string} at version {string}")]
fn cs_profile_version(w: &mut GpcWorld, url: String, version: String) -> Step {
    let cs = capability(w)?;
    let wanted = format!("{url}/_history/{version}");
    let refs: Vec<&str> = cs
        .get("profile")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("reference").and_then(Value::as_str))
        .collect();
    if refs.contains(&wanted.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement.profile: expected {wanted}, got {}",
            refs.iter()
                .find(|r| r.starts_with(url.as_str()))
                .unwrap_or(&"(absent)")
        ))
    }
}

#[then(expr = "the CapabilityStatement should list the operation {string} defined by {string}")]
fn cs_operation_definition(w: &mut GpcWorld, name: String, definition: String) -> Step {
    let cs = capability(w)?;
    let found = json_path::get(cs, "rest[0].operation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|o| o.get("name").and_then(Value::as_str) == Some(name.as_str()))
        .and_then(|o| o.pointer("/definition/reference").and_then(Value::as_str))
        .map(String::from);
    match found {
        Some(d) if d == definition => Ok(()),
        other => Err(format!(
            "CapabilityStatement.rest[0].operation(`{name}`).definition: expected {definition}, got {}",
            other.unwrap_or_else(|| "(no such operation)".into())
        )),
    }
}

#[then(expr = "the CapabilityStatement should list the operation {string}")]
fn cs_operation(w: &mut GpcWorld, name: String) -> Step {
    let cs = capability(w)?;
    let ops: Vec<String> = json_path::get(cs, "rest[0].operation")
        .and_then(Value::as_array)
        .map(|os| {
            os.iter()
                .filter_map(|o| o.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if ops.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement.rest[0].operation: expected {name}, got {ops:?}"
        ))
    }
}

#[then(expr = "the CapabilityStatement should support {string} on {word}")]
fn cs_interaction(w: &mut GpcWorld, code: String, resource: String) -> Step {
    let cs = capability(w)?;
    let resources = json_path::get(cs, "rest[0].resource")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let r = resources
        .iter()
        .find(|r| r.get("type").and_then(Value::as_str) == Some(&resource))
        .ok_or_else(|| {
            format!("CapabilityStatement.rest[0].resource: expected {resource}, it is not listed")
        })?;
    let codes: Vec<&str> = r
        .get("interaction")
        .and_then(Value::as_array)
        .map(|is| {
            is.iter()
                .filter_map(|i| i.get("code").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if codes.contains(&code.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement {resource}.interaction: expected {code}, got {codes:?}"
        ))
    }
}
