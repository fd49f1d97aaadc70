//! GP Connect's unsigned JWT (`alg: none`), built and parsed by hand: `jsonwebtoken` refuses `alg: none`.
//!
//! The builder produces every claim the 1.x specification defines; [`check`] applies the provider-side rules
//! (claims present and well-formed, `exp = iat + 300`, not expired, reason, scope, the three FHIR resources).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::headers::system;
use crate::config::JwtConfig;

/// The SDS job role of the 0.x token's practitioner: R8000, "Clinical Practitioner Access Role" (the 0.7.4
/// JWT example).
pub const DSTU2_JOB_ROLE: &str = "R8000";

/// Seconds between `iat` and `exp` that the specification requires.
pub const LIFETIME_SECS: i64 = 300;

/// Claims of one token, kept as JSON so steps can remove or corrupt any of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
}

/// Why a token could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JwtDecodeError {
    #[error("the bearer token is not three dot-separated parts")]
    NotThreeParts,
    #[error("the JWT {part} is not base64url: {reason}")]
    NotBase64 { part: &'static str, reason: String },
    #[error("the JWT {part} is not a JSON object: {reason}")]
    NotJson { part: &'static str, reason: String },
}

impl Jwt {
    /// The default token for an interaction, `now` being Unix seconds.
    pub fn build(cfg: &JwtConfig, audience: &str, scope: &str, now: i64) -> Self {
        let iat = now;
        let p = &cfg.practitioner;
        let claims = json!({
            "iss": cfg.issuer,
            "sub": p.id,
            "aud": cfg.audience.clone().unwrap_or_else(|| audience.to_string()),
            "exp": iat + LIFETIME_SECS,
            "iat": iat,
            "reason_for_request": "directcare",
            "requested_scope": scope,
            "requesting_device": {
                "resourceType": "Device",
                "identifier": [{ "system": cfg.device.system, "value": cfg.device.value }],
                "model": cfg.device.model,
                "version": cfg.device.version
            },
            "requesting_organization": {
                "resourceType": "Organization",
                "identifier": [{ "system": system::ODS_ORGANIZATION, "value": cfg.organization.ods_code }],
                "name": cfg.organization.name
            },
            "requesting_practitioner": {
                "resourceType": "Practitioner",
                "id": p.id,
                "identifier": [
                    { "system": system::SDS_USER, "value": p.sds_user_id },
                    { "system": system::SDS_ROLE_PROFILE, "value": p.sds_role_profile_id },
                    { "system": p.local_system, "value": p.local_id }
                ],
                "name": [{ "family": p.family, "given": [p.given], "prefix": [p.prefix] }]
            }
        });
        Jwt {
            header: json!({ "alg": "none", "typ": "JWT" }),
            claims,
        }
    }

    /// The default 0.x (Access Record HTML, DSTU2) token: `aud` fixed to the authorisation server's token URL,
    /// `requested_record` naming the record asked for, and DSTU2-shaped device, organisation and practitioner
    /// (0.7.4 `integration_cross_organisation_audit_and_provenance`). `now` is Unix seconds.
    pub fn build_dstu2(cfg: &JwtConfig, scope: &str, requested_record: Value, now: i64) -> Self {
        use super::headers::dstu2;
        let iat = now;
        let p = &cfg.practitioner;
        let claims = json!({
            "iss": cfg.issuer,
            "sub": p.id,
            "aud": cfg.audience.clone().unwrap_or_else(|| dstu2::JWT_AUDIENCE.to_string()),
            "exp": iat + LIFETIME_SECS,
            "iat": iat,
            "reason_for_request": "directcare",
            "requested_record": requested_record,
            "requested_scope": scope,
            "requesting_device": {
                "resourceType": "Device",
                "id": "1",
                "identifier": [{ "system": cfg.device.system, "value": cfg.device.value }],
                "model": cfg.device.model,
                "version": cfg.device.version
            },
            "requesting_organization": {
                "resourceType": "Organization",
                "id": "1",
                "identifier": [{ "system": dstu2::ODS_ORGANIZATION, "value": cfg.organization.ods_code }],
                "name": cfg.organization.name
            },
            "requesting_practitioner": {
                "resourceType": "Practitioner",
                "id": p.id,
                "identifier": [
                    { "system": dstu2::SDS_USER_JWT, "value": p.sds_user_id },
                    { "system": p.local_system, "value": p.local_id }
                ],
                "name": { "family": [p.family], "given": [p.given], "prefix": [p.prefix] },
                "practitionerRole": [{
                    "role": { "coding": [{ "system": dstu2::SDS_JOB_ROLE, "code": DSTU2_JOB_ROLE }] }
                }]
            }
        });
        Jwt {
            header: json!({ "alg": "none", "typ": "JWT" }),
            claims,
        }
    }

    /// The 0.x `requested_record` for a patient's record.
    pub fn requested_patient(nhs_number: &str) -> Value {
        json!({
            "resourceType": "Patient",
            "identifier": [{ "system": super::headers::dstu2::NHS_NUMBER, "value": nhs_number }]
        })
    }

    /// The 0.x `requested_record` for an organisation's data (the Conformance read).
    pub fn requested_organization(ods_code: &str) -> Value {
        json!({
            "resourceType": "Organization",
            "identifier": [{ "system": super::headers::dstu2::ODS_ORGANIZATION, "value": ods_code }]
        })
    }

    /// `base64url(header).base64url(claims).` — the empty signature leaves the trailing dot.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(self.header.to_string()),
            URL_SAFE_NO_PAD.encode(self.claims.to_string())
        )
    }

    /// Parses a token (without the `Bearer ` prefix). The signature part is returned separately.
    pub fn decode(token: &str) -> Result<(Self, String), JwtDecodeError> {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(JwtDecodeError::NotThreeParts);
        }
        let header = decode_part("header", parts[0])?;
        let claims = decode_part("payload", parts[1])?;
        Ok((Jwt { header, claims }, parts[2].to_string()))
    }

    pub fn claims_mut(&mut self) -> &mut Map<String, Value> {
        if !self.claims.is_object() {
            self.claims = Value::Object(Map::new());
        }
        match &mut self.claims {
            Value::Object(m) => m,
            _ => unreachable!("claims were just made an object"),
        }
    }
}

fn decode_part(part: &'static str, text: &str) -> Result<Value, JwtDecodeError> {
    // Tolerate padding: some consumers pad base64url.
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| JwtDecodeError::NotBase64 {
            part,
            reason: e.to_string(),
        })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| JwtDecodeError::NotJson {
        part,
        reason: e.to_string(),
    })?;
    if !value.is_object() {
        return Err(JwtDecodeError::NotJson {
            part,
            reason: "not an object".into(),
        });
    }
    Ok(value)
}

/// A rule the token broke: the HTTP status and Spine error code the provider must answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtViolation {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

fn bad(message: impl Into<String>) -> JwtViolation {
    JwtViolation {
        status: 400,
        code: "BAD_REQUEST",
        message: message.into(),
    }
}

fn invalid_resource(message: impl Into<String>) -> JwtViolation {
    JwtViolation {
        status: 422,
        code: "INVALID_RESOURCE",
        message: message.into(),
    }
}

/// Provider-side checks that can each be switched off (the reference provider's faults use this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    pub check_expiry: bool,
    pub check_lifetime: bool,
    pub check_scope: bool,
    pub check_reason: bool,
    pub check_resource_types: bool,
    pub check_alg: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            check_expiry: true,
            check_lifetime: true,
            check_scope: true,
            check_reason: true,
            check_resource_types: true,
            check_alg: true,
        }
    }
}

fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, JwtViolation> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(bad(format!("JWT claim `{name}` is missing"))),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(bad(format!(
            "JWT claim `{name}` must be a non-empty string"
        ))),
    }
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<i64, JwtViolation> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(bad(format!("JWT claim `{name}` is missing"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| bad(format!("JWT claim `{name}` must be an integer"))),
        Some(_) => Err(bad(format!(
            "JWT claim `{name}` must be an integer number of seconds"
        ))),
    }
}

fn resource_claim<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
    resource_type: &str,
    opts: CheckOptions,
) -> Result<&'a Map<String, Value>, JwtViolation> {
    let obj = match claims.get(name) {
        None | Some(Value::Null) => return Err(bad(format!("JWT claim `{name}` is missing"))),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(bad(format!(
                "JWT claim `{name}` must be a FHIR {resource_type} resource"
            )))
        }
    };
    match obj.get("resourceType").and_then(Value::as_str) {
        Some(t) if t == resource_type => Ok(obj),
        other if opts.check_resource_types => Err(invalid_resource(format!(
            "JWT claim `{name}` must be a {resource_type} resource, found resourceType {}",
            other.map_or_else(|| "(none)".to_string(), |t| format!("`{t}`"))
        ))),
        _ => Ok(obj),
    }
}

fn has_identifier(resource: &Map<String, Value>, system_url: &str) -> bool {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .is_some_and(|ids| {
            ids.iter().any(|id| {
                id.get("system").and_then(Value::as_str) == Some(system_url)
                    && id
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
            })
        })
}

/// Checks a decoded token for an interaction whose scope is `scope`; `now` is Unix seconds.
pub fn check(
    jwt: &Jwt,
    signature: &str,
    scope: &str,
    now: i64,
    opts: CheckOptions,
) -> Result<(), JwtViolation> {
    let header = jwt
        .header
        .as_object()
        .ok_or_else(|| bad("JWT header is not an object"))?;
    if opts.check_alg {
        if header.get("alg").and_then(Value::as_str) != Some("none") {
            return Err(bad("JWT header `alg` must be `none`"));
        }
        if header.get("typ").and_then(Value::as_str) != Some("JWT") {
            return Err(bad("JWT header `typ` must be `JWT`"));
        }
        if !signature.is_empty() {
            return Err(bad("an unsigned JWT must have an empty signature"));
        }
    }
    let claims = jwt
        .claims
        .as_object()
        .ok_or_else(|| bad("JWT payload is not an object"))?;
    string_claim(claims, "iss")?;
    let sub = string_claim(claims, "sub")?;
    string_claim(claims, "aud")?;
    let exp = int_claim(claims, "exp")?;
    let iat = int_claim(claims, "iat")?;
    if opts.check_lifetime && exp - iat != LIFETIME_SECS {
        return Err(bad(format!(
            "JWT `exp` must be `iat` + {LIFETIME_SECS} seconds, found exp - iat = {}",
            exp - iat
        )));
    }
    if opts.check_expiry && exp <= now {
        return Err(bad(format!("JWT expired {} seconds ago", now - exp)));
    }
    let reason = string_claim(claims, "reason_for_request")?;
    if opts.check_reason && reason != "directcare" && reason != "migration" {
        return Err(bad(format!(
            "JWT `reason_for_request` must be `directcare`, found `{reason}`"
        )));
    }
    let requested = string_claim(claims, "requested_scope")?;
    if opts.check_scope {
        let mut words = requested.split(' ');
        let first = words.next().unwrap_or_default();
        let rest_ok = words.all(|w| w == "conf/N" || w == "conf/R");
        // The interaction's scope may name a confidentiality (migrate: `patient/*.read conf/N`); which one
        // applies is the interaction's own rule, checked by its handler.
        let base = scope.split(' ').next().unwrap_or_default();
        if first != base || !rest_ok {
            return Err(bad(format!(
                "JWT `requested_scope` must be `{scope}` for this interaction, found `{requested}`"
            )));
        }
    }
    let device = resource_claim(claims, "requesting_device", "Device", opts)?;
    if !device.contains_key("identifier") {
        return Err(bad("JWT `requesting_device` must carry an identifier"));
    }
    let org = resource_claim(claims, "requesting_organization", "Organization", opts)?;
    if !has_identifier(org, system::ODS_ORGANIZATION) {
        return Err(bad(format!(
            "JWT `requesting_organization` must carry an identifier with system {}",
            system::ODS_ORGANIZATION
        )));
    }
    if org
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(bad("JWT `requesting_organization` must carry a name"));
    }
    let prac = resource_claim(claims, "requesting_practitioner", "Practitioner", opts)?;
    if prac.get("id").and_then(Value::as_str) != Some(sub) {
        return Err(bad("JWT `sub` must equal `requesting_practitioner.id`"));
    }
    if !has_identifier(prac, system::SDS_USER) {
        return Err(bad(format!(
            "JWT `requesting_practitioner` must carry an identifier with system {}",
            system::SDS_USER
        )));
    }
    if !prac
        .get("name")
        .is_some_and(|n| n.is_array() || n.is_object())
    {
        return Err(bad("JWT `requesting_practitioner` must carry a name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(now: i64) -> Jwt {
        Jwt::build(
            &JwtConfig::default(),
            "http://localhost/fhir",
            "patient/*.read",
            now,
        )
    }

    #[test]
    fn round_trip_has_empty_signature() {
        let t = token(1000);
        let enc = t.encode();
        assert!(enc.ends_with('.'));
        let (back, sig) = Jwt::decode(&enc).unwrap();
        assert_eq!(back, t);
        assert_eq!(sig, "");
        assert_eq!(back.claims["exp"], 1300);
    }

    #[test]
    fn default_token_passes() {
        let t = token(1000);
        assert_eq!(
            check(&t, "", "patient/*.read", 1001, CheckOptions::default()),
            Ok(())
        );
    }

    #[test]
    fn violations() {
        let o = CheckOptions::default();
        let mut t = token(1000);
        t.claims_mut().remove("iss");
        assert_eq!(
            check(&t, "", "patient/*.read", 1000, o).unwrap_err().status,
            400
        );
        let t = token(0);
        assert!(check(&t, "", "patient/*.read", 1000, o)
            .unwrap_err()
            .message
            .contains("expired"));
        let t = token(1000);
        assert!(check(&t, "", "organization/*.read", 1000, o).is_err());
        let mut t = token(1000);
        t.claims_mut()["requesting_device"]["resourceType"] = "Patient".into();
        assert_eq!(
            check(&t, "", "patient/*.read", 1000, o).unwrap_err().status,
            422
        );
        assert!(check(&token(1000), "sig", "patient/*.read", 1000, o).is_err());
        assert!(matches!(
            Jwt::decode("abc"),
            Err(JwtDecodeError::NotThreeParts)
        ));
        assert!(matches!(
            Jwt::decode("!!.e30."),
            Err(JwtDecodeError::NotBase64 { .. })
        ));
    }
}
