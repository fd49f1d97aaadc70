//! Changing the request's JWT: claims, header, signature, encoding, the raw Authorization header, and the token's
//! clock and lifetime.

use cucumber::given;
use serde_json::Value;

use super::Step;
use crate::steps::world::{Auth, GpcWorld};

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
