//! Expectations on the resources of the response: their type, OperationOutcome error codes, Bundle type and
//! entries, profiles and versions, elements, identifiers and ids.

use cucumber::then;
use serde_json::Value;

use super::{expect_eq, payload_resources, resource_type, Step};
use crate::spine::errors;
use crate::spine::headers::profile;
use crate::steps::json_path;
use crate::steps::world::GpcWorld;

#[then(expr = "the response should be a {word} resource")]
fn is_resource(w: &mut GpcWorld, expected: String) -> Step {
    let r = w.resource()?;
    expect_eq("resourceType", &expected, resource_type(r))
}

#[then(expr = "the response should be a OperationOutcome resource with error code {string}")]
pub(super) fn operation_outcome(w: &mut GpcWorld, code: String) -> Step {
    let row = errors::row(&code)
        .ok_or_else(|| format!("`{code}` is not in the specification's error table"))?;
    let oo = w.resource()?.clone();
    expect_eq("resourceType", "OperationOutcome", resource_type(&oo))?;
    let profiles = oo
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !profiles
        .iter()
        .any(|p| p.as_str() == Some(profile::OPERATION_OUTCOME))
    {
        return Err(format!(
            "OperationOutcome.meta.profile: expected {}, got {profiles:?}",
            profile::OPERATION_OUTCOME
        ));
    }
    let issues = oo
        .get("issue")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if issues.is_empty() {
        return Err("OperationOutcome.issue: expected at least one issue, got none".into());
    }
    for (i, issue) in issues.iter().enumerate() {
        let at = |f: &str| format!("OperationOutcome.issue[{i}].{f}");
        expect_eq(
            &at("severity"),
            "error",
            issue
                .get("severity")
                .and_then(Value::as_str)
                .unwrap_or("(absent)"),
        )?;
        expect_eq(
            &at("code"),
            row.issue_code,
            issue
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("(absent)"),
        )?;
        let codings = issue
            .pointer("/details/coding")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if codings.len() != 1 {
            return Err(format!(
                "{}: expected exactly one coding, got {}",
                at("details.coding"),
                codings.len()
            ));
        }
        let c = &codings[0];
        expect_eq(
            &at("details.coding[0].system"),
            &w.ctx.error_system,
            c.get("system")
                .and_then(Value::as_str)
                .unwrap_or("(absent)"),
        )?;
        expect_eq(
            &at("details.coding[0].code"),
            &code,
            c.get("code").and_then(Value::as_str).unwrap_or("(absent)"),
        )?;
        let expected_display = w
            .ctx
            .error_displays
            .get(&code)
            .map_or("(a display)", String::as_str);
        expect_eq(
            &at("details.coding[0].display"),
            expected_display,
            c.get("display")
                .and_then(Value::as_str)
                .unwrap_or("(absent)"),
        )?;
    }
    Ok(())
}

#[then(expr = "the response should be a Bundle resource of type {string}")]
fn bundle_type(w: &mut GpcWorld, kind: String) -> Step {
    let b = w.resource()?;
    expect_eq("resourceType", "Bundle", resource_type(b))?;
    expect_eq(
        "Bundle.type",
        &kind,
        b.get("type").and_then(Value::as_str).unwrap_or("(absent)"),
    )
}

#[then(expr = "the response bundle should contain {int} entries")]
fn bundle_entries(w: &mut GpcWorld, n: usize) -> Step {
    let b = w.resource()?;
    let actual = b.get("entry").and_then(Value::as_array).map_or(0, Vec::len);
    if actual == n {
        Ok(())
    } else {
        Err(format!("Bundle.entry: expected {n} entries, got {actual}"))
    }
}

/// Every resource of the response carries exactly the profile the catalogue gives its type in this interaction's
/// response, a version and an id; a Bundle the catalogue profiles carries that profile.
#[then("every resource should carry the interaction's profile and a version")]
fn meta_profile(w: &mut GpcWorld) -> Step {
    let interaction = w.interaction()?;
    let shape = interaction.response();
    let v = w.resource()?;
    if let Some(bp) = shape.bundle.filter(|_| resource_type(v) == "Bundle") {
        let ps = v
            .pointer("/meta/profile")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !ps.iter().any(|p| p.as_str() == Some(bp)) {
            return Err(format!("Bundle.meta.profile: expected {bp}, got {ps:?}"));
        }
    }
    let resources = payload_resources(v);
    if resources.is_empty() {
        return Err("expected at least one resource to check, the response has none".into());
    }
    for (at, r) in resources {
        let kind = resource_type(&r);
        let expected = shape.profile_for(kind).ok_or_else(|| {
            format!("{at}: a {interaction} response does not carry {kind} resources")
        })?;
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
        if r.pointer("/meta/versionId")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!(
                "{at}.meta.versionId: expected a version, but it is absent"
            ));
        }
        if r.get("id")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!("{at}.id: expected a logical id, but it is absent"));
        }
    }
    Ok(())
}

fn first_resource(w: &GpcWorld) -> Result<(String, Value), String> {
    let v = w.resource()?;
    payload_resources(v)
        .into_iter()
        .next()
        .ok_or_else(|| "expected a resource, but the Bundle has no entries".into())
}

#[then(expr = "the resource element {string} should be {string}")]
fn element_is(w: &mut GpcWorld, path: String, expected: String) -> Step {
    let (at, r) = first_resource(w)?;
    let expected = w.expand(&expected)?;
    let actual = json_path::get(&r, &path)
        .ok_or_else(|| format!("{at}.{path}: expected `{expected}`, but it is absent"))?;
    let actual_s = match actual {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    expect_eq(&format!("{at}.{path}"), &expected, &actual_s)
}

#[then(expr = "the resource element {string} should be absent")]
fn element_absent(w: &mut GpcWorld, path: String) -> Step {
    for (at, r) in payload_resources(w.resource()?) {
        if let Some(v) = json_path::get(&r, &path) {
            return Err(format!("{at}.{path}: must not be populated, got {v}"));
        }
    }
    Ok(())
}

#[then(expr = "the resource element {string} should be present")]
fn element_present(w: &mut GpcWorld, path: String) -> Step {
    let (at, r) = first_resource(w)?;
    match json_path::get(&r, &path) {
        Some(Value::Null) | None => Err(format!("{at}.{path}: expected a value, but it is absent")),
        Some(Value::Array(a)) if a.is_empty() => Err(format!(
            "{at}.{path}: expected a value, but it is an empty array"
        )),
        Some(_) => Ok(()),
    }
}

#[then(expr = "the resource should carry the identifier {string}")]
fn carries_identifier(w: &mut GpcWorld, identifier: String) -> Step {
    let identifier = w.expand(&identifier)?;
    let (system, value) = identifier
        .split_once('|')
        .ok_or("identifier must be `system|value`")?;
    let (at, r) = first_resource(w)?;
    let ids = r
        .get("identifier")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let found = ids.iter().any(|i| {
        i.get("system").and_then(Value::as_str) == Some(system)
            && i.get("value").and_then(Value::as_str) == Some(value)
    });
    if found {
        Ok(())
    } else {
        let got: Vec<String> = ids
            .iter()
            .map(|i| {
                format!(
                    "{}|{}",
                    i.get("system").and_then(Value::as_str).unwrap_or(""),
                    i.get("value").and_then(Value::as_str).unwrap_or("")
                )
            })
            .collect();
        Err(format!(
            "{at}.identifier: expected {identifier}, got {got:?}"
        ))
    }
}

#[then(expr = "the resource should carry {int} identifier(s) with system {string}")]
fn identifier_count(w: &mut GpcWorld, n: usize, system: String) -> Step {
    let (at, r) = first_resource(w)?;
    let count = r
        .get("identifier")
        .and_then(Value::as_array)
        .map_or(0, |ids| {
            ids.iter()
                .filter(|i| i.get("system").and_then(Value::as_str) == Some(system.as_str()))
                .count()
        });
    if count == n {
        Ok(())
    } else {
        Err(format!(
            "{at}.identifier with system {system}: expected {n}, got {count}"
        ))
    }
}

#[then(expr = "the resource id should be {string}")]
fn resource_id(w: &mut GpcWorld, expected: String) -> Step {
    let expected = w.expand(&expected)?;
    let (at, r) = first_resource(w)?;
    expect_eq(
        &format!("{at}.id"),
        &expected,
        r.get("id").and_then(Value::as_str).unwrap_or("(absent)"),
    )
}
