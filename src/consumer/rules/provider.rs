//! The provider rules: what a GP Connect provider's answer must be, judged when the proxy driver forwards a
//! consumer's request to a real provider (`consumer.driver: proxy`). They are stated from the specification, not
//! read from the reference provider's code (judge and judged must not share a bug), and they are not consumer
//! rules: [`RULES`] is kept apart from [`super::rules`].
//!
//! - `Cache-Control: no-store` on every response;
//! - a body declares a FHIR media type of the interaction's FHIR version, with `charset=utf-8`;
//! - a successful body validates against the profiles the catalogue gives the interaction's response;
//! - an error body is an OperationOutcome that validates against GPConnect-OperationOutcome-1.

use std::sync::Arc;

use serde_json::Value;

use super::format::media_type;
use crate::consumer::finding::{Finding, Rule};
use crate::fhir::model::ElementModel;
use crate::fhir::FhirPath;
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::profile;
use crate::validate::{Issue, Severity, Validators};

const API_PAGE: &str = "development_general_api_guidance";
const FHIR_PAGE: &str = "development_fhir_api_guidance";
const ERROR_PAGE: &str = "development_fhir_error_handling_guidance";

/// Profile findings reported per response; the rest are counted in one more finding.
const MAX_PROFILE_FINDINGS: usize = 10;

pub static CACHE_CONTROL: Rule = Rule {
    id: "provider.cache-control",
    requirement: "Every response, successful or not, carries Cache-Control: no-store",
    page: API_PAGE,
};
pub static CONTENT_TYPE: Rule = Rule {
    id: "provider.content-type",
    requirement: "A response body is sent with Content-Type application/fhir+json or application/fhir+xml (FHIR STU3) and declares charset=utf-8",
    page: API_PAGE,
};
pub static RESPONSE_PROFILE: Rule = Rule {
    id: "provider.response-profile",
    requirement: "A successful response is the resource or Bundle the interaction defines, valid against its GP Connect profiles",
    page: FHIR_PAGE,
};
pub static ERROR_OUTCOME: Rule = Rule {
    id: "provider.error-outcome",
    requirement: "An error response (4xx, 5xx) carries an OperationOutcome valid against GPConnect-OperationOutcome-1",
    page: ERROR_PAGE,
};
pub static UPSTREAM_ANSWERS: Rule = Rule {
    id: "provider.upstream-answers",
    requirement: "The provider answers every request forwarded to it, within the run's timeout and body-size limit",
    page: API_PAGE,
};

/// Every provider rule (not part of the consumer rules).
pub static RULES: &[Rule] = &[
    CACHE_CONTROL,
    CONTENT_TYPE,
    RESPONSE_PROFILE,
    ERROR_OUTCOME,
    UPSTREAM_ANSWERS,
];

/// The provider rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// A provider's answer, as received (a gzip body already inflated).
#[derive(Debug, Clone, Copy)]
pub struct ProviderResponse<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ProviderResponse<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &str> + use<'_, 'n> {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the provider rules know besides the response.
#[derive(Debug, Clone, Copy)]
pub struct ProviderContext<'a> {
    /// The interaction the consumer's request was judged as (none: it reached no GP Connect endpoint).
    pub interaction: Option<Interaction>,
    /// The validators response bodies are checked with (`None`: not validated).
    pub validators: Option<&'a Validators>,
    /// Where the STU3 core definitions that read FHIR XML are (`None`: XML bodies are not read).
    pub fhir_path: Option<&'a FhirPath>,
}

/// Judges one provider answer against every provider rule.
pub fn judge(resp: &ProviderResponse<'_>, ctx: &ProviderContext<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    cache_control(resp, &mut findings);
    // A body in an encoding the client does not inflate (only gzip is) cannot be read: its media type is still
    // judged, its content is not.
    let readable = resp.header("content-encoding").is_none_or(|e| {
        matches!(
            e.trim().to_ascii_lowercase().as_str(),
            "" | "identity" | "gzip"
        )
    });
    let has_body = !resp.body.is_empty();
    if has_body {
        content_type(resp, ctx, &mut findings);
    }
    let capability = ctx.interaction.map(Interaction::capability);
    if (200..300).contains(&resp.status) {
        if let (true, true, Some(interaction)) = (has_body, readable, ctx.interaction) {
            success_body(resp, ctx, interaction, &mut findings);
        }
    } else if resp.status >= 400 && readable {
        error_body(
            resp,
            ctx,
            capability.unwrap_or(Capability::Foundations),
            &mut findings,
        );
    }
    findings
}

fn cache_control(resp: &ProviderResponse<'_>, findings: &mut Vec<Finding>) {
    let values: Vec<&str> = resp.header_all("cache-control").collect();
    let no_store = values
        .iter()
        .flat_map(|v| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"));
    if !no_store {
        let actual = if values.is_empty() {
            "it is absent".to_string()
        } else {
            format!("`{}`", values.join(", "))
        };
        findings.push(CACHE_CONTROL.finding("header Cache-Control", "`no-store`", actual));
    }
}

/// The media types of the interaction's FHIR version (Access Record HTML is DSTU2).
fn media_types(capability: Option<Capability>) -> &'static [&'static str] {
    match capability {
        Some(Capability::Html) => &["application/json+fhir", "application/xml+fhir"],
        _ => &["application/fhir+json", "application/fhir+xml"],
    }
}

fn content_type(
    resp: &ProviderResponse<'_>,
    ctx: &ProviderContext<'_>,
    findings: &mut Vec<Finding>,
) {
    let types = media_types(ctx.interaction.map(Interaction::capability));
    let expected = format!(
        "`{};charset=utf-8` or `{};charset=utf-8`",
        types[0], types[1]
    );
    let Some(ct) = resp.header("content-type") else {
        findings.push(CONTENT_TYPE.finding("header Content-Type", expected, "it is absent"));
        return;
    };
    let (mime, charset) = media_type(ct);
    let utf8 = charset
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("utf-8"));
    if !types.contains(&mime.as_str()) || !utf8 {
        findings.push(CONTENT_TYPE.finding("header Content-Type", expected, format!("`{ct}`")));
    }
}

/// The body as a FHIR resource: JSON, or XML when the Content-Type says so.
fn parse(resp: &ProviderResponse<'_>, ctx: &ProviderContext<'_>) -> Result<Value, String> {
    let text =
        std::str::from_utf8(resp.body).map_err(|_| "a body that is not UTF-8".to_string())?;
    let xml = resp
        .header("content-type")
        .is_some_and(|ct| media_type(ct).0.contains("xml"));
    if xml {
        let model = xml_model(ctx).ok_or_else(|| {
            "an XML body, which cannot be read without the STU3 core definitions".to_string()
        })?;
        crate::fhir::xml::xml_to_json(text, &model).map_err(|e| format!("malformed FHIR XML: {e}"))
    } else {
        serde_json::from_str(text).map_err(|e| {
            let preview: String = text.chars().take(60).collect();
            format!("a body that is not JSON ({e}); it starts `{preview}`")
        })
    }
}

/// The shared STU3 element model, only asked for when the definitions hold the STU3 core (a failed first load
/// would be kept for the whole process).
fn xml_model(ctx: &ProviderContext<'_>) -> Option<Arc<ElementModel>> {
    let path = ctx.fhir_path?;
    path.stu3_core_structure_definitions().ok()?;
    crate::fhir::stu3_model(path).ok()
}

fn success_body(
    resp: &ProviderResponse<'_>,
    ctx: &ProviderContext<'_>,
    interaction: Interaction,
    findings: &mut Vec<Finding>,
) {
    let shape = interaction.response();
    let profiles = shape.profiles();
    let described = if profiles.is_empty() {
        shape.unprofiled.unwrap_or("FHIR resource").to_string()
    } else {
        profiles
            .iter()
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let expected = format!("a {interaction} response valid against {described}");
    let resource = match parse(resp, ctx) {
        Ok(v) => v,
        Err(got) => {
            findings.push(RESPONSE_PROFILE.finding("body", expected, got));
            return;
        }
    };
    let want_type = shape
        .bundle
        .map(|_| "Bundle")
        .or(shape.unprofiled)
        .or_else(|| shape.resources.first().map(|(kind, _)| *kind));
    let got_type = resource.get("resourceType").and_then(Value::as_str);
    if let Some(want) = want_type {
        if got_type != Some(want) {
            findings.push(RESPONSE_PROFILE.finding(
                "body resourceType",
                format!("`{want}`"),
                got_type.map_or_else(|| "no resourceType".to_string(), |t| format!("`{t}`")),
            ));
            return;
        }
    }
    let Some(validator) = ctx.validators.and_then(|v| v.get(interaction.capability())) else {
        return;
    };
    let issues = validator.validate_expecting(&resource, &profiles);
    profile_findings(
        &RESPONSE_PROFILE,
        &issues,
        &format!("conformance to {described}"),
        findings,
    );
}

fn error_body(
    resp: &ProviderResponse<'_>,
    ctx: &ProviderContext<'_>,
    capability: Capability,
    findings: &mut Vec<Finding>,
) {
    let oo_profile = if capability == Capability::Html {
        profile::DSTU2_OPERATION_OUTCOME
    } else {
        profile::OPERATION_OUTCOME
    };
    let name = oo_profile.rsplit('/').next().unwrap_or(oo_profile);
    let expected = format!("an OperationOutcome valid against {name}");
    if resp.body.is_empty() {
        findings.push(ERROR_OUTCOME.finding(
            "body",
            expected,
            format!("an empty body with status {}", resp.status),
        ));
        return;
    }
    let resource = match parse(resp, ctx) {
        Ok(v) => v,
        Err(got) => {
            findings.push(ERROR_OUTCOME.finding("body", expected, got));
            return;
        }
    };
    let got_type = resource.get("resourceType").and_then(Value::as_str);
    if got_type != Some("OperationOutcome") {
        findings.push(ERROR_OUTCOME.finding(
            "body resourceType",
            "`OperationOutcome`",
            got_type.map_or_else(|| "no resourceType".to_string(), |t| format!("`{t}`")),
        ));
        return;
    }
    let Some(validator) = ctx.validators.and_then(|v| v.get(capability)) else {
        return;
    };
    let issues = validator.validate(&resource, &[oo_profile]);
    profile_findings(
        &ERROR_OUTCOME,
        &issues,
        &format!("conformance to {name}"),
        findings,
    );
}

/// The error-severity issues as findings of `rule`, at most [`MAX_PROFILE_FINDINGS`] and one that counts the rest.
fn profile_findings(rule: &Rule, issues: &[Issue], expected: &str, findings: &mut Vec<Finding>) {
    let errors: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    for issue in errors.iter().take(MAX_PROFILE_FINDINGS) {
        findings.push(rule.finding(
            format!("body {}", issue.expression),
            expected,
            issue.message.clone(),
        ));
    }
    if errors.len() > MAX_PROFILE_FINDINGS {
        findings.push(rule.finding(
            "body",
            expected,
            format!(
                "{} more errors not listed",
                errors.len() - MAX_PROFILE_FINDINGS
            ),
        ));
    }
}

/// The finding of a forwarded request the provider did not answer (refused, timed out, body too large).
pub fn unanswered(upstream: &str, reason: &str) -> Finding {
    UPSTREAM_ANSWERS.finding(
        format!("upstream provider {upstream}"),
        "an HTTP response",
        reason,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ctx() -> ProviderContext<'static> {
        ProviderContext {
            interaction: Some(Interaction::PatientSearch),
            validators: None,
            fhir_path: None,
        }
    }

    fn ids(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn a_well_formed_answer_breaks_no_rule() {
        let h = headers(&[
            ("Content-Type", "application/fhir+json;charset=utf-8"),
            ("Cache-Control", "no-store"),
        ]);
        let body = br#"{"resourceType":"Bundle","type":"searchset"}"#;
        let resp = ProviderResponse {
            status: 200,
            headers: &h,
            body,
        };
        assert_eq!(judge(&resp, &ctx()), Vec::<Finding>::new());
    }

    #[test]
    fn missing_cache_control_and_charset_are_found() {
        let h = headers(&[("content-type", "application/json")]);
        let body = br#"{"resourceType":"Bundle"}"#;
        let resp = ProviderResponse {
            status: 200,
            headers: &h,
            body,
        };
        assert_eq!(
            ids(&judge(&resp, &ctx())),
            ["provider.cache-control", "provider.content-type"]
        );
    }

    #[test]
    fn an_error_must_carry_an_operation_outcome() {
        let h = headers(&[("cache-control", "no-store")]);
        let resp = ProviderResponse {
            status: 500,
            headers: &h,
            body: b"",
        };
        assert_eq!(ids(&judge(&resp, &ctx())), ["provider.error-outcome"]);
        let h = headers(&[
            ("cache-control", "private, no-store"),
            ("content-type", "application/fhir+json; charset=UTF-8"),
        ]);
        let resp = ProviderResponse {
            status: 400,
            headers: &h,
            body: br#"{"resourceType":"Bundle"}"#,
        };
        let found = judge(&resp, &ctx());
        assert_eq!(ids(&found), ["provider.error-outcome"]);
        assert_eq!(found[0].actual, "`Bundle`");
    }

    #[test]
    fn a_success_of_the_wrong_type_is_found() {
        let h = headers(&[
            ("cache-control", "no-store"),
            ("content-type", "application/fhir+json;charset=utf-8"),
        ]);
        let resp = ProviderResponse {
            status: 200,
            headers: &h,
            body: b"not json",
        };
        let found = judge(&resp, &ctx());
        assert_eq!(ids(&found), ["provider.response-profile"]);
        assert!(
            found[0].actual.starts_with("a body that is not JSON"),
            "{}",
            found[0].actual
        );
    }

    #[test]
    fn provider_rules_are_not_consumer_rules() {
        for r in RULES {
            assert!(crate::consumer::rules::rule(r.id).is_none(), "{}", r.id);
            assert_eq!(r.group(), "provider");
        }
    }
}
