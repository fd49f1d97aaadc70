//! The bearer token: an unsigned JWT (`alg: none`, `typ: JWT`, empty signature) whose claims say who asks, for
//! which service root, with which scope and reason, for five minutes from its issue.

use serde_json::{Map, Value};

use super::{Route, RuleContext};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::spine::catalogue::Interaction;
use crate::spine::headers::{self, system};
use crate::spine::jwt::{Jwt, LIFETIME_SECS};

const PAGE: &str = "integration_cross_organisation_audit_and_provenance";

macro_rules! rules {
    ($($name:ident = $id:literal, $req:literal;)*) => {
        $(pub static $name: Rule = Rule { id: $id, requirement: $req, page: PAGE };)*
        pub static RULES: &[Rule] = &[$($name,)*];
    };
}

rules! {
    BEARER = "jwt.bearer", "The Authorization header is `Bearer ` followed by the JWT";
    DECODE = "jwt.decode", "The JWT is three base64url parts separated by dots, the first two JSON objects";
    HEADER = "jwt.header", "The JWT header is {\"alg\": \"none\", \"typ\": \"JWT\"}: the token is not signed";
    SIGNATURE = "jwt.signature-empty", "An unsigned JWT has an empty signature: the token ends with a dot";
    CLAIM = "jwt.claim-present", "The JWT carries iss, sub, aud, exp, iat, reason_for_request, requested_scope, requesting_device, requesting_organization and requesting_practitioner, each of its type";
    LIFETIME = "jwt.lifetime", "exp is iat + 300 seconds";
    IAT_FUTURE = "jwt.iat-not-future", "iat is the time the token was made: not in the future";
    EXPIRED = "jwt.not-expired", "The token has not expired when the request is made (a fresh token for every request)";
    AUD = "jwt.aud", "aud is the provider's service root URL the request is sent to";
    SCOPE = "jwt.scope", "requested_scope is the interaction's scope (patient/*.read, patient/*.write, organization/*.read), with conf/N or conf/R only where a confidentiality applies";
    REASON = "jwt.reason", "reason_for_request is `directcare`, or `migration` for the migrate interactions";
    SUB = "jwt.sub", "sub is the id of requesting_practitioner";
    RESOURCE_TYPE = "jwt.resource-type", "requesting_device is a Device, requesting_organization an Organization, requesting_practitioner a Practitioner";
    PRACTITIONER = "jwt.practitioner", "requesting_practitioner has a name and SDS user id and SDS role profile id identifiers (`UNK` when unknown)";
    ORGANIZATION = "jwt.organization", "requesting_organization has a name and an ODS code identifier";
    DEVICE = "jwt.device", "requesting_device has an identifier, model and version";
    RESOURCE_VALID = "jwt.resource-valid", "The resources in the JWT are valid FHIR STU3 resources";
}

fn claim_at(name: &str) -> String {
    format!("JWT claim {name}")
}

fn describe(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "it is absent".into(),
        Some(Value::String(s)) => format!("`{s}`"),
        Some(other) => {
            let text = other.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
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
                        .is_some_and(|v| !v.trim().is_empty())
            })
        })
}

/// Judges the Authorization header of a request routed to `route` (or to no endpoint).
pub fn judge(
    req: &InboundRequest,
    ctx: &RuleContext<'_>,
    route: Option<&Route>,
    findings: &mut Vec<Finding>,
) {
    let Some(auth) = req.header(headers::AUTHORIZATION) else {
        return; // reported by ssp.header-present
    };
    let at = format!("header {}", headers::AUTHORIZATION);
    let Some(token) = auth.strip_prefix("Bearer ") else {
        findings.push(BEARER.finding(
            at,
            "`Bearer <JWT>`",
            describe(Some(&Value::String(auth.chars().take(20).collect()))),
        ));
        return;
    };
    let (jwt, signature) = match Jwt::decode(token.trim()) {
        Ok(decoded) => decoded,
        Err(e) => {
            findings.push(DECODE.finding(at, "a JWT", e.to_string()));
            return;
        }
    };
    let alg = jwt.header.get("alg");
    if alg.and_then(Value::as_str) != Some("none") {
        findings.push(HEADER.finding("JWT header alg", "`none`", describe(alg)));
    }
    let typ = jwt.header.get("typ");
    if typ.and_then(Value::as_str) != Some("JWT") {
        findings.push(HEADER.finding("JWT header typ", "`JWT`", describe(typ)));
    }
    if !signature.is_empty() {
        findings.push(SIGNATURE.finding(
            "JWT signature",
            "empty",
            format!("{} characters", signature.len()),
        ));
    }
    let Some(claims) = jwt.claims.as_object() else {
        findings.push(DECODE.finding("JWT payload", "a JSON object", "another JSON value"));
        return;
    };
    judge_claims(claims, req, ctx, route, findings);
}

fn string_claim<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
    findings: &mut Vec<Finding>,
) -> Option<&'a str> {
    match claims.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        other => {
            findings.push(CLAIM.finding(claim_at(name), "a non-empty string", describe(other)));
            None
        }
    }
}

fn int_claim(claims: &Map<String, Value>, name: &str, findings: &mut Vec<Finding>) -> Option<i64> {
    match claims.get(name) {
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        other => {
            findings.push(CLAIM.finding(
                claim_at(name),
                "an integer number of seconds",
                describe(other),
            ));
            None
        }
    }
}

fn resource_claim<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
    resource_type: &str,
    findings: &mut Vec<Finding>,
) -> Option<&'a Map<String, Value>> {
    let Some(Value::Object(obj)) = claims.get(name) else {
        findings.push(CLAIM.finding(
            claim_at(name),
            format!("a FHIR {resource_type} resource"),
            describe(claims.get(name)),
        ));
        return None;
    };
    let found = obj.get("resourceType");
    if found.and_then(Value::as_str) != Some(resource_type) {
        findings.push(RESOURCE_TYPE.finding(
            format!("{} resourceType", claim_at(name)),
            format!("`{resource_type}`"),
            describe(found),
        ));
        return None;
    }
    Some(obj)
}

fn judge_claims(
    claims: &Map<String, Value>,
    req: &InboundRequest,
    ctx: &RuleContext<'_>,
    route: Option<&Route>,
    findings: &mut Vec<Finding>,
) {
    string_claim(claims, "iss", findings);
    let sub = string_claim(claims, "sub", findings);
    let aud = string_claim(claims, "aud", findings);
    let exp = int_claim(claims, "exp", findings);
    let iat = int_claim(claims, "iat", findings);
    let reason = string_claim(claims, "reason_for_request", findings);
    let scope = string_claim(claims, "requested_scope", findings);
    if let (Some(exp), Some(iat)) = (exp, iat) {
        if exp - iat != LIFETIME_SECS {
            findings.push(LIFETIME.finding(
                "JWT claims exp - iat",
                format!("{LIFETIME_SECS} seconds"),
                format!("{} seconds", exp - iat),
            ));
        }
    }
    if let Some(iat) = iat {
        if iat > req.received_at + ctx.clock_skew_secs {
            findings.push(IAT_FUTURE.finding(
                claim_at("iat"),
                format!("at most the time of the request ({})", req.received_at),
                format!("{iat}, {} seconds ahead", iat - req.received_at),
            ));
        }
    }
    if let Some(exp) = exp {
        if exp <= req.received_at {
            findings.push(EXPIRED.finding(
                claim_at("exp"),
                format!("after the time of the request ({})", req.received_at),
                format!("{exp}, expired {} seconds before", req.received_at - exp),
            ));
        }
    }
    if let (Some(route), Some(aud)) = (route, aud) {
        if aud.trim_end_matches('/') != route.root_url.trim_end_matches('/') {
            findings.push(AUD.finding(
                claim_at("aud"),
                format!("`{}`", route.root_url),
                format!("`{aud}`"),
            ));
        }
    }
    if let (Some(route), Some(scope)) = (route, scope) {
        judge_scope(route.interaction, scope, findings);
    }
    if let (Some(route), Some(reason)) = (route, reason) {
        let wanted = route.interaction.jwt_reason();
        if reason != wanted {
            findings.push(REASON.finding(
                claim_at("reason_for_request"),
                format!("`{wanted}` for {}", route.interaction),
                format!("`{reason}`"),
            ));
        }
    }
    let migrate = route.is_some_and(|r| r.interaction.jwt_reason() == "migration");
    let device = resource_claim(claims, "requesting_device", "Device", findings);
    let org = resource_claim(claims, "requesting_organization", "Organization", findings);
    let prac = resource_claim(claims, "requesting_practitioner", "Practitioner", findings);
    if let Some(device) = device {
        for element in ["identifier", "model", "version"] {
            if device.get(element).is_none_or(Value::is_null) {
                findings.push(DEVICE.finding(
                    format!("{} {element}", claim_at("requesting_device")),
                    "present",
                    "it is absent",
                ));
            }
        }
    }
    if let Some(org) = org {
        if !has_identifier(org, system::ODS_ORGANIZATION) {
            findings.push(ORGANIZATION.finding(
                format!("{} identifier", claim_at("requesting_organization")),
                format!("an identifier with system {}", system::ODS_ORGANIZATION),
                describe(org.get("identifier")),
            ));
        }
        if org
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(|n| n.trim().is_empty())
        {
            findings.push(ORGANIZATION.finding(
                format!("{} name", claim_at("requesting_organization")),
                "a name",
                describe(org.get("name")),
            ));
        }
    }
    if let Some(prac) = prac {
        let id = prac.get("id").and_then(Value::as_str);
        if let Some(sub) = sub {
            if id != Some(sub) {
                findings.push(SUB.finding(
                    claim_at("sub"),
                    format!("requesting_practitioner.id ({})", describe(prac.get("id"))),
                    format!("`{sub}`"),
                ));
            }
        }
        // The migrate interactions relax the practitioner's identifiers to SHOULD.
        if !migrate {
            for sys in [system::SDS_USER, system::SDS_ROLE_PROFILE] {
                if !has_identifier(prac, sys) {
                    findings.push(PRACTITIONER.finding(
                        format!("{} identifier", claim_at("requesting_practitioner")),
                        format!("an identifier with system {sys} (value `UNK` when unknown)"),
                        describe(prac.get("identifier")),
                    ));
                }
            }
        }
        if !prac
            .get("name")
            .is_some_and(|n| n.is_array() || n.is_object())
        {
            findings.push(PRACTITIONER.finding(
                format!("{} name", claim_at("requesting_practitioner")),
                "a name",
                describe(prac.get("name")),
            ));
        }
    }
    if let (Some(validators), Some(route)) = (ctx.validators, route) {
        if let Some(validator) = validators.get(route.interaction.capability()) {
            for (name, resource) in [
                ("requesting_device", device),
                ("requesting_organization", org),
                ("requesting_practitioner", prac),
            ] {
                let Some(resource) = resource else { continue };
                let value = Value::Object(resource.clone());
                for issue in validator
                    .validate(&value, &[])
                    .into_iter()
                    .filter(|i| i.severity == crate::validate::Severity::Error)
                    .take(5)
                {
                    findings.push(RESOURCE_VALID.finding(
                        format!("{} {}", claim_at(name), issue.expression),
                        "valid against the FHIR STU3 definition",
                        issue.message,
                    ));
                }
            }
        }
    }
}

fn judge_scope(interaction: Interaction, scope: &str, findings: &mut Vec<Finding>) {
    let wanted = interaction.scope();
    let base = wanted.split(' ').next().unwrap_or_default();
    let mut words = scope.split(' ');
    let first = words.next().unwrap_or_default();
    let rest: Vec<&str> = words.collect();
    // 1.6 allows one confidentiality word: `conf/N` (normal, the default) anywhere, `conf/R` (restricted) only on
    // the migrate interactions (GP2GP record transfer).
    let restricted_ok = interaction.jwt_reason() == "migration";
    let conf_ok = rest.len() <= 1
        && rest
            .iter()
            .all(|w| *w == "conf/N" || (*w == "conf/R" && restricted_ok));
    if first != base || !conf_ok {
        findings.push(SCOPE.finding(
            claim_at("requested_scope"),
            format!("`{wanted}` for {interaction}"),
            format!("`{scope}`"),
        ));
    }
}
