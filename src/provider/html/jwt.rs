//! The 0.x (DSTU2) bearer token, checked as 0.7.4 `integration_cross_organisation_audit_and_provenance`
//! defines it: `aud` fixed to the authorisation server's token URL, `requested_record` naming the record asked
//! for, and DSTU2-shaped `requesting_*` resources. Malformed or missing claims are 400 BAD_REQUEST; a
//! requesting resource with elements its DSTU2 resource does not define is 422 INVALID_RESOURCE (official
//! 0.7.4 JWT feature).

use base64::Engine;
use serde_json::{Map, Value};

use super::super::{api_error, ApiError, Fault, ProviderState};
use crate::spine::catalogue::Interaction;
use crate::spine::headers::dstu2;

/// The token lifetime every 0.x token has: `exp` is `iat` + 300 seconds.
const LIFETIME: i64 = 300;

/// The practitioner's SDS user id system the profile names (the JWT page's typo `dstu2::SDS_USER_JWT` is the
/// one consumers send; both are accepted).
const SDS_USER_PROFILE: &str = "http://fhir.nhs.net/Id/sds-user-id";

/// Elements of every DSTU2 resource and domain resource.
const COMMON: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "implicitRules",
    "language",
    "text",
    "contained",
    "extension",
    "modifierExtension",
];

/// The DSTU2 elements of the resources a 0.x token carries.
fn elements(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Device" => &[
            "identifier",
            "type",
            "note",
            "status",
            "manufacturer",
            "model",
            "version",
            "manufactureDate",
            "expiry",
            "udi",
            "lotNumber",
            "owner",
            "location",
            "patient",
            "contact",
            "url",
        ],
        "Organization" => &[
            "identifier",
            "active",
            "type",
            "name",
            "telecom",
            "address",
            "partOf",
            "contact",
        ],
        "Practitioner" => &[
            "identifier",
            "active",
            "name",
            "telecom",
            "address",
            "gender",
            "birthDate",
            "photo",
            "practitionerRole",
            "qualification",
            "communication",
        ],
        "Patient" => &[
            "identifier",
            "active",
            "name",
            "telecom",
            "gender",
            "birthDate",
            "deceasedBoolean",
            "deceasedDateTime",
            "address",
            "maritalStatus",
            "multipleBirthBoolean",
            "multipleBirthInteger",
            "photo",
            "contact",
            "animal",
            "communication",
            "careProvider",
            "managingOrganization",
            "link",
        ],
        _ => &[],
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    api_error("BAD_REQUEST", message)
}

/// Checks the `Authorization` header of a request on the DSTU2 root; returns the token's claims.
pub(crate) fn check(
    st: &ProviderState,
    authorization: &str,
    interaction: Interaction,
) -> Result<Value, ApiError> {
    let token = authorization
        .strip_prefix("Bearer ")
        .ok_or_else(|| bad("the Authorization header must be `Bearer <JWT>`"))?
        .trim();
    let (header, claims, signature) = decode(token)?;
    if !st.fault(Fault::AcceptSignedJwt) {
        if header.get("alg").and_then(Value::as_str) != Some("none") {
            return Err(bad("JWT header `alg` must be `none`"));
        }
        if !signature.is_empty() {
            return Err(bad("an unsecured JWT must have an empty signature"));
        }
    }
    let c = claims
        .as_object()
        .ok_or_else(|| bad("JWT payload is not an object"))?;
    for name in ["iss", "sub", "aud", "reason_for_request", "requested_scope"] {
        if c.get(name)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(bad(format!(
                "JWT claim `{name}` is missing or not a string"
            )));
        }
    }
    // "MUST contain the URL of the Spine endpoint of the consumer system" (0.7.4 audit and provenance page).
    let iss = text(c, "iss");
    if !reqwest::Url::parse(iss).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(bad(format!(
            "JWT `iss` must be the URL of the consumer system's Spine endpoint, found `{iss}`"
        )));
    }
    let lenient_1x = st.fault(Fault::HtmlAccepts1xJwt);
    let aud = text(c, "aud");
    if aud != dstu2::JWT_AUDIENCE && !lenient_1x {
        return Err(bad(format!(
            "JWT `aud` must be {}, found `{aud}`",
            dstu2::JWT_AUDIENCE
        )));
    }
    let (Some(exp), Some(iat)) = (int(c, "exp"), int(c, "iat")) else {
        return Err(bad("JWT claims `exp` and `iat` must be integers"));
    };
    if exp - iat != LIFETIME && !st.fault(Fault::AcceptBadJwtLifetime) {
        return Err(bad(format!(
            "JWT `exp` must be `iat` + {LIFETIME} seconds, found {}",
            exp - iat
        )));
    }
    let now = st.clock.unix_seconds();
    if exp <= now && !st.fault(Fault::AcceptExpiredJwt) {
        return Err(bad(format!("JWT expired {} seconds ago", now - exp)));
    }
    if text(c, "reason_for_request") != "directcare" && !st.fault(Fault::AcceptWrongReason) {
        return Err(bad("JWT `reason_for_request` must be `directcare`"));
    }
    let scope = text(c, "requested_scope");
    if scope != interaction.scope() && !st.fault(Fault::AcceptWrongScope) {
        return Err(bad(format!(
            "JWT `requested_scope` must be `{}` for this interaction, found `{scope}`",
            interaction.scope()
        )));
    }
    match c.get("requested_record") {
        None if lenient_1x => {}
        None => return Err(bad("JWT claim `requested_record` is missing")),
        Some(record) => requested_record(st, record, interaction)?,
    }
    let types = !st.fault(Fault::AcceptWrongJwtResourceType);
    let device = resource(c, "requesting_device", "Device", types)?;
    if !device.get("identifier").is_some_and(Value::is_array) {
        return Err(bad("JWT `requesting_device` must carry an identifier"));
    }
    let org = resource(c, "requesting_organization", "Organization", types)?;
    if !has_identifier(org, &[dstu2::ODS_ORGANIZATION]) {
        return Err(bad(format!(
            "JWT `requesting_organization` must carry an identifier with system {}",
            dstu2::ODS_ORGANIZATION
        )));
    }
    let prac = resource(c, "requesting_practitioner", "Practitioner", types)?;
    if prac.get("id").and_then(Value::as_str) != Some(text(c, "sub")) {
        return Err(bad("JWT `sub` must equal `requesting_practitioner.id`"));
    }
    if !has_identifier(prac, &[dstu2::SDS_USER_JWT, SDS_USER_PROFILE]) {
        return Err(bad(format!(
            "JWT `requesting_practitioner` must carry an identifier with system {}",
            dstu2::SDS_USER_JWT
        )));
    }
    let named = prac
        .get("name")
        .and_then(Value::as_object)
        .is_some_and(|n| {
            ["family", "given"].iter().any(|k| {
                n.get(*k)
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            })
        });
    if !named {
        return Err(bad(
            "JWT `requesting_practitioner.name` must be a DSTU2 HumanName with a family or given name",
        ));
    }
    Ok(claims)
}

/// Splits and decodes `header.payload.signature` (base64url, padding optional).
fn decode(token: &str) -> Result<(Value, Value, String), ApiError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("the JWT must have three dot-separated parts"));
    };
    let part = |segment: &str, what: &str| -> Result<Value, ApiError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment.trim_end_matches('='))
            .map_err(|e| bad(format!("the JWT {what} is not base64url: {e}")))?;
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("the JWT {what} is not JSON: {e}")))
    };
    Ok((part(h, "header")?, part(p, "payload")?, s.to_string()))
}

fn text<'a>(c: &'a Map<String, Value>, name: &str) -> &'a str {
    c.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn int(c: &Map<String, Value>, name: &str) -> Option<i64> {
    match c.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn has_identifier(resource: &Map<String, Value>, systems: &[&str]) -> bool {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .is_some_and(|ids| {
            ids.iter().any(|id| {
                id.get("system")
                    .and_then(Value::as_str)
                    .is_some_and(|s| systems.contains(&s))
                    && id
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
            })
        })
}

/// A `requesting_*` claim: a JSON object of the given resource type (400 otherwise) holding only the elements
/// its DSTU2 resource defines (422 INVALID_RESOURCE otherwise).
fn resource<'a>(
    c: &'a Map<String, Value>,
    claim: &str,
    kind: &str,
    check_type: bool,
) -> Result<&'a Map<String, Value>, ApiError> {
    let r = c
        .get(claim)
        .and_then(Value::as_object)
        .ok_or_else(|| bad(format!("JWT claim `{claim}` is missing or not a resource")))?;
    let found = r
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if check_type && found != kind {
        return Err(bad(format!(
            "JWT `{claim}` must be a {kind}, found `{found}`"
        )));
    }
    unknown_elements(r, kind).map_err(|name| {
        api_error(
            "INVALID_RESOURCE",
            format!("JWT `{claim}` is not a valid DSTU2 {kind}: unknown element `{name}`"),
        )
    })?;
    Ok(r)
}

/// `Err(name)` of the first element `kind` does not define (`_name` primitive extensions follow their element).
fn unknown_elements(r: &Map<String, Value>, kind: &str) -> Result<(), String> {
    let known = elements(kind);
    match r.keys().find(|k| {
        let base = k.strip_prefix('_').unwrap_or(k);
        !COMMON.contains(&base) && !known.contains(&base)
    }) {
        Some(name) => Err(name.clone()),
        None => Ok(()),
    }
}

/// `requested_record`: the Patient of the care record (its NHS number is matched to the Parameters by the
/// handler) or, for the Conformance read, an Organization.
fn requested_record(
    st: &ProviderState,
    record: &Value,
    interaction: Interaction,
) -> Result<(), ApiError> {
    let r = record
        .as_object()
        .ok_or_else(|| bad("JWT `requested_record` is not a resource"))?;
    let (kind, systems): (&str, &[&str]) = match interaction {
        Interaction::GetCareRecord => ("Patient", &[dstu2::NHS_NUMBER]),
        _ => ("Organization", &[dstu2::ODS_ORGANIZATION]),
    };
    let found = r
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if found != kind && !st.fault(Fault::AcceptWrongJwtResourceType) {
        return Err(bad(format!(
            "JWT `requested_record` must be a {kind}, found `{found}`"
        )));
    }
    if !has_identifier(r, systems) {
        return Err(bad(format!(
            "JWT `requested_record` must carry an identifier with system {}",
            systems.join(" or ")
        )));
    }
    unknown_elements(r, kind).map_err(|name| {
        api_error(
            "INVALID_RESOURCE",
            format!("JWT `requested_record` is not a valid DSTU2 {kind}: unknown element `{name}`"),
        )
    })
}

/// The NHS number the token's `requested_record` names (a Patient), if any.
pub fn requested_nhs_number(claims: &Value) -> Option<&str> {
    claims
        .pointer("/requested_record/identifier")
        .and_then(Value::as_array)?
        .iter()
        .find(|i| i.get("system").and_then(Value::as_str) == Some(dstu2::NHS_NUMBER))
        .and_then(|i| i.get("value").and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_elements_are_named() {
        let device = json!({ "resourceType": "Device", "id": "1", "identifier": [], "model": "m", "_model": {} });
        assert_eq!(
            unknown_elements(device.as_object().unwrap_or(&Map::new()), "Device"),
            Ok(())
        );
        let bad = json!({ "resourceType": "Device", "invalidField": "x" });
        assert_eq!(
            unknown_elements(bad.as_object().unwrap_or(&Map::new()), "Device"),
            Err("invalidField".to_string())
        );
    }

    #[test]
    fn requested_record_nhs_number() {
        let claims = json!({ "requested_record": { "resourceType": "Patient", "identifier": [
            { "system": dstu2::NHS_NUMBER, "value": "9658218873" }] } });
        assert_eq!(requested_nhs_number(&claims), Some("9658218873"));
        assert_eq!(requested_nhs_number(&json!({})), None);
    }
}
