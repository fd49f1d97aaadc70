//! Steps shared by every capability: building the request, the JWT, SSP headers, sending, and the generic
//! expectations on status, headers, content type, OperationOutcome, Bundle and meta.

use cucumber::{given, then, when};
use serde_json::Value;

use super::json_path;
use super::world::{Auth, Body, GpcWorld};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::errors;
use crate::spine::headers::profile;

type Step = Result<(), String>;

fn expect_eq(what: &str, expected: &str, actual: &str) -> Step {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected `{expected}`, got `{actual}`"))
    }
}

// ---------------------------------------------------------------- request

/// The interaction a feature file names.
pub fn interaction_named(name: &str) -> Result<Interaction, String> {
    name.parse::<Interaction>().map_err(|e| e.to_string())
}

#[given(expr = "I configure the default {string} request")]
fn configure(w: &mut GpcWorld, name: String) -> Step {
    w.configure(interaction_named(&name)?)
}

#[given(expr = "I add the query parameter {string} with value {string}")]
fn add_param(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    w.params.push((name, value));
    Ok(())
}

#[given(expr = "I set the request id to {string}")]
fn set_id(w: &mut GpcWorld, id: String) -> Step {
    w.id = Some(w.expand(&id)?);
    Ok(())
}

#[given(expr = "I set the request path to {string}")]
fn set_path(w: &mut GpcWorld, path: String) -> Step {
    w.path_override = Some(w.expand(&path)?);
    Ok(())
}

#[given(expr = "I set the request method to {string}")]
fn set_method(w: &mut GpcWorld, method: String) -> Step {
    w.method_override = Some(method);
    Ok(())
}

#[given(expr = "I set the {string} header to {string}")]
fn set_header(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    w.set_header(&name, &value);
    Ok(())
}

#[given(expr = "I remove the {string} header")]
fn remove_header(w: &mut GpcWorld, name: String) -> Step {
    if name.eq_ignore_ascii_case("Authorization") {
        w.auth = Auth::Omitted;
    } else {
        w.remove_header(&name);
    }
    Ok(())
}

#[given(expr = "I set the Ssp-InteractionID header for the {string} interaction")]
fn set_interaction_header(w: &mut GpcWorld, name: String) -> Step {
    let other = interaction_named(&name)?;
    w.set_header(crate::spine::headers::SSP_INTERACTION_ID, other.urn());
    Ok(())
}

#[given(expr = "I set the request body to {string} with content type {string}")]
fn raw_body(w: &mut GpcWorld, body: String, content_type: String) -> Step {
    w.body = Body::Raw {
        bytes: body.into_bytes(),
        content_type,
    };
    Ok(())
}

#[given("I send the request body as FHIR XML")]
fn body_as_xml(w: &mut GpcWorld) -> Step {
    match std::mem::replace(&mut w.body, Body::None) {
        Body::Json(v) | Body::Xml(v) => {
            w.body = Body::Xml(v);
            w.set_header("Content-Type", crate::spine::headers::FHIR_XML_UTF8);
            Ok(())
        }
        other => {
            w.body = other;
            Err("only a FHIR JSON body can be sent as XML".into())
        }
    }
}

// ---------------------------------------------------------------- JWT

fn claim_target<'a>(
    w: &'a mut GpcWorld,
    path: &str,
) -> Result<(&'a mut serde_json::Map<String, Value>, String), String> {
    let jwt = w.jwt_mut()?;
    let mut cur = jwt.claims_mut();
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().ok_or("empty claim path")?;
    for p in parents {
        cur = cur
            .get_mut(*p)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("JWT claim `{p}` is not an object"))?;
    }
    Ok((cur, (*last).to_string()))
}

#[given(expr = "I set the JWT claim {string} to {string}")]
fn set_claim_string(w: &mut GpcWorld, path: String, value: String) -> Step {
    let (obj, key) = claim_target(w, &path)?;
    obj.insert(key, Value::String(value));
    Ok(())
}

#[given(expr = "I set the JWT claim {string} to the JSON {string}")]
fn set_claim_json(w: &mut GpcWorld, path: String, json: String) -> Step {
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("`{json}` is not JSON: {e}"))?;
    let (obj, key) = claim_target(w, &path)?;
    obj.insert(key, v);
    Ok(())
}

#[given(expr = "I remove the JWT claim {string}")]
fn remove_claim(w: &mut GpcWorld, path: String) -> Step {
    let (obj, key) = claim_target(w, &path)?;
    obj.remove(&key)
        .map(|_| ())
        .ok_or_else(|| format!("the JWT has no claim `{path}` to remove"))
}

#[given(expr = "I set the JWT header {string} to {string}")]
fn set_jwt_header(w: &mut GpcWorld, key: String, value: String) -> Step {
    let jwt = w.jwt_mut()?;
    if let Some(h) = jwt.header.as_object_mut() {
        h.insert(key, Value::String(value));
    }
    Ok(())
}

#[given(expr = "I set the JWT signature to {string}")]
fn set_signature(w: &mut GpcWorld, sig: String) -> Step {
    w.jwt_signature = sig;
    Ok(())
}

#[given("I send the JWT without base64 encoding")]
fn jwt_unencoded(w: &mut GpcWorld) -> Step {
    w.jwt_unencoded = true;
    Ok(())
}

#[given(expr = "I set the Authorization header to {string}")]
fn raw_authorization(w: &mut GpcWorld, value: String) -> Step {
    w.auth = Auth::Raw(value);
    Ok(())
}

/// Moves the token's clock: the consumer's clock is `offset` seconds ahead (negative: behind).
#[given(expr = "the consumer clock is {int} seconds ahead")]
fn clock_offset(w: &mut GpcWorld, offset: i64) -> Step {
    let iat = w.now() + offset;
    let claims = w.jwt_mut()?.claims_mut();
    claims.insert("iat".into(), iat.into());
    claims.insert(
        "exp".into(),
        (iat + crate::spine::jwt::LIFETIME_SECS).into(),
    );
    Ok(())
}

#[given(expr = "I set the JWT expiry to {int} seconds after the issue time")]
fn jwt_lifetime(w: &mut GpcWorld, secs: i64) -> Step {
    let claims = w.jwt_mut()?.claims_mut();
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("the JWT has no integer iat")?;
    claims.insert("exp".into(), (iat + secs).into());
    Ok(())
}

// ---------------------------------------------------------------- send

#[when("I make the request")]
async fn make_request(w: &mut GpcWorld) -> Step {
    w.send().await
}

/// The same request `n` times concurrently (each with its own trace id), all in flight together.
#[when(expr = "I make the request {int} times at once")]
async fn make_requests_at_once(w: &mut GpcWorld, n: usize) -> Step {
    if !(2..=200).contains(&n) {
        return Err(format!("make the request 2 to 200 times at once, not {n}"));
    }
    w.send_at_once(n).await
}

/// The statuses of the concurrent responses, in sending order.
fn burst_statuses(w: &GpcWorld) -> Result<Vec<Option<u16>>, String> {
    if w.burst.is_empty() {
        return Err(
            "no requests were made at once (missing `When I make the request N times at once`)"
                .into(),
        );
    }
    Ok(w.exchanges[w.burst.clone()]
        .iter()
        .map(|x| x.response.as_ref().map(|r| r.status))
        .collect())
}

fn statuses_text(statuses: &[Option<u16>]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for s in statuses {
        *counts
            .entry(s.map_or("no response".to_string(), |c| c.to_string()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n} x {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[then(expr = "exactly {int} of the responses should have status code {string}")]
fn exactly_n_status(w: &mut GpcWorld, n: usize, code: String) -> Step {
    let statuses = burst_statuses(w)?;
    let matching: Vec<usize> = statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_some_and(|s| s.to_string() == code))
        .map(|(i, _)| i)
        .collect();
    if matching.len() != n {
        return Err(format!(
            "HTTP status of {} concurrent responses: expected exactly {n} x {code}, got {}",
            statuses.len(),
            statuses_text(&statuses)
        ));
    }
    if let Some(first) = matching.first() {
        w.look_at(w.burst.start + first);
    }
    Ok(())
}

#[then(expr = "every other response should have status code {string} and error code {string}")]
fn others_refused(w: &mut GpcWorld, code: String, error: String) -> Step {
    let statuses = burst_statuses(w)?;
    let keep = w.current;
    let looked = w.current.map(|c| c - w.burst.start);
    for (i, status) in statuses.iter().enumerate() {
        if Some(i) == looked {
            continue;
        }
        w.look_at(w.burst.start + i);
        let check = match status {
            Some(s) if s.to_string() == code => operation_outcome(w, error.clone()),
            other => Err(format!(
                "HTTP status: expected {code}, got {}",
                other.map_or("no response".to_string(), |s| s.to_string())
            )),
        };
        if let Err(e) = check {
            return Err(format!(
                "concurrent response {} of {}: {e} (all: {})",
                i + 1,
                statuses.len(),
                statuses_text(&statuses)
            ));
        }
    }
    if let Some(k) = keep {
        w.look_at(k);
    }
    Ok(())
}

// ---------------------------------------------------------------- status and headers

#[then(expr = "the response status code should be {string}")]
fn status_is(w: &mut GpcWorld, code: String) -> Step {
    let r = w.response()?;
    let detail = || {
        w.parsed
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .and_then(|v| json_path::get(v, "issue[0].diagnostics"))
            .and_then(Value::as_str)
            .map(|d| format!(" (diagnostics: {d})"))
            .unwrap_or_default()
    };
    if r.status.to_string() == code {
        Ok(())
    } else {
        Err(format!(
            "HTTP status: expected {code}, got {}{}",
            r.status,
            detail()
        ))
    }
}

#[then("the response status code should indicate success")]
fn status_success(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(format!("HTTP status: expected 2xx, got {}", r.status))
    }
}

#[then("the response status code should indicate failure")]
fn status_failure(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    if r.status >= 400 {
        Ok(())
    } else {
        Err(format!(
            "HTTP status: expected 4xx or 5xx, got {}",
            r.status
        ))
    }
}

#[then(expr = "the response header {string} should be {string}")]
fn header_is(w: &mut GpcWorld, name: String, value: String) -> Step {
    let r = w.response()?;
    let actual = r
        .header(&name)
        .ok_or_else(|| format!("header {name}: expected `{value}`, but it is absent"))?;
    expect_eq(&format!("header {name}"), &value, actual)
}

#[then("the response should not be cacheable")]
fn no_store(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    match r.header("cache-control") {
        Some(v)
            if v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store")) =>
        {
            Ok(())
        }
        Some(v) => Err(format!(
            "header Cache-Control: expected `no-store`, got `{v}`"
        )),
        None => Err("header Cache-Control: expected `no-store`, but it is absent".into()),
    }
}

#[then("the response ETag should be the weak form of the resource version")]
fn etag_matches(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    let etag = r
        .header("etag")
        .ok_or("header ETag: expected W/\"<versionId>\", but it is absent")?
        .to_string();
    let version = w
        .resource()?
        .pointer("/meta/versionId")
        .and_then(Value::as_str)
        .ok_or("meta.versionId: expected a version, but it is absent")?;
    expect_eq("header ETag", &format!("W/\"{version}\""), &etag)
}

#[then("the response should be gzip encoded")]
fn gzip_encoded(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    match r.header("content-encoding") {
        Some(v) if v.eq_ignore_ascii_case("gzip") => Ok(()),
        other => Err(format!(
            "header Content-Encoding: expected `gzip`, got {}",
            other.map_or("nothing".to_string(), |v| format!("`{v}`"))
        )),
    }
}

fn content_type_is(w: &GpcWorld, mime: &str) -> Step {
    let r = w.response()?;
    let ct = r.header("content-type").ok_or_else(|| {
        format!("header Content-Type: expected `{mime};charset=utf-8`, but it is absent")
    })?;
    let mut parts = ct.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    if !essence.eq_ignore_ascii_case(mime) {
        return Err(format!(
            "header Content-Type: expected `{mime}`, got `{ct}`"
        ));
    }
    if !parts.any(|p| p.eq_ignore_ascii_case("charset=utf-8")) {
        return Err(format!(
            "header Content-Type: expected a `charset=utf-8` parameter, got `{ct}`"
        ));
    }
    Ok(())
}

#[then("the response body should be FHIR JSON")]
fn body_json(w: &mut GpcWorld) -> Step {
    content_type_is(w, crate::spine::headers::FHIR_JSON)?;
    let r = w.response()?;
    serde_json::from_slice::<Value>(&r.body)
        .map(|_| ())
        .map_err(|e| format!("response body: expected JSON, {e}"))
}

#[then("the response body should be FHIR XML")]
fn body_xml(w: &mut GpcWorld) -> Step {
    content_type_is(w, crate::spine::headers::FHIR_XML)?;
    let body = &w.response()?.body;
    if !body.starts_with(b"<") && !body.starts_with(b"\xEF\xBB\xBF<") {
        return Err("response body: expected FHIR XML, it does not start with `<`".into());
    }
    w.resource().map(|_| ())
}

// ---------------------------------------------------------------- resources

pub fn resource_type(v: &Value) -> &str {
    v.get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
}

#[then(expr = "the response should be a {word} resource")]
fn is_resource(w: &mut GpcWorld, expected: String) -> Step {
    let r = w.resource()?;
    expect_eq("resourceType", &expected, resource_type(r))
}

#[then(expr = "the response should be a OperationOutcome resource with error code {string}")]
fn operation_outcome(w: &mut GpcWorld, code: String) -> Step {
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

/// The resources a response carries: the resource itself, or a Bundle's entries.
pub fn payload_resources(v: &Value) -> Vec<(String, Value)> {
    if resource_type(v) == "Bundle" {
        v.get("entry")
            .and_then(Value::as_array)
            .map(|es| {
                es.iter()
                    .enumerate()
                    .filter_map(|(i, e)| {
                        e.get("resource")
                            .map(|r| (format!("Bundle.entry[{i}].resource"), r.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![(resource_type(v).to_string(), v.clone())]
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

#[then("the response should be valid against its profiles")]
fn valid_against_profiles(w: &mut GpcWorld) -> Step {
    let interaction = w.interaction()?;
    let validator = w.ctx.validator(interaction.capability())?;
    let resource = w.resource()?.clone();
    // The catalogue's profiles for the interaction, and the GP Connect OperationOutcome for error responses:
    // each applies to the resources of its type whether or not they claim it in meta.profile.
    let mut expected: Vec<&str> = interaction.response().profiles();
    expected.push(if interaction.capability() == Capability::Html {
        profile::DSTU2_OPERATION_OUTCOME
    } else {
        profile::OPERATION_OUTCOME
    });
    let issues = validator.validate_expecting(&resource, &expected);
    w.validations
        .push(crate::validate::operation_outcome(&issues));
    let errors: Vec<String> = issues
        .iter()
        .filter(|i| i.severity == crate::validate::Severity::Error)
        .map(|i| {
            format!(
                "{}: {} [{}; {}]",
                i.expression, i.message, i.rule, i.profile
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        let shown: Vec<&String> = errors.iter().take(5).collect();
        Err(format!(
            "profile validation: expected no errors, got {}: {}{}",
            errors.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            if errors.len() > 5 { "; ..." } else { "" }
        ))
    }
}
