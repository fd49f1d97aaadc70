//! A `Parameters` resource checked against the input parameters of an OperationDefinition: names, cardinality,
//! value types, parts, bindings, and resource parameters against their declared profile.

use std::sync::Arc;

use serde_json::Value;

use super::{plan, Issue, Severity, Validator, CORE};

/// Where the findings of one operation check go.
struct OpCheck<'a> {
    url: &'a str,
    /// `$gpc.getstructuredrecord` or the definition's name, for messages.
    name: String,
    issues: &'a mut Vec<Issue>,
    depth: usize,
}

impl OpCheck<'_> {
    fn issue(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &str,
        message: String,
        rule: &'static str,
    ) {
        self.issues.push(Issue {
            severity,
            code,
            expression: at.to_string(),
            message,
            rule,
            profile: self.url.to_string(),
        });
    }
}

impl Validator {
    /// The OperationDefinition with this canonical URL, if that is what it names.
    pub(super) fn operation_definition(&self, url: &str) -> Option<Arc<Value>> {
        self.store.get(url).ok().filter(|v| {
            v.get("resourceType").and_then(Value::as_str) == Some("OperationDefinition")
        })
    }

    /// Checks a resource that claims an OperationDefinition: it must be `Parameters`, and its parameters must
    /// be the operation's input parameters.
    pub(super) fn check_operation(
        &self,
        resource: &Value,
        op: &Value,
        url: &str,
        expr: &str,
        issues: &mut Vec<Issue>,
        depth: usize,
    ) {
        let name = op
            .get("code")
            .and_then(Value::as_str)
            .map(|c| format!("${c}"))
            .or_else(|| op.get("name").and_then(Value::as_str).map(String::from))
            .unwrap_or_else(|| url.to_string());
        let mut check = OpCheck {
            url,
            name,
            issues,
            depth,
        };
        let rt = resource.get("resourceType").and_then(Value::as_str);
        if rt != Some("Parameters") {
            let found = rt.unwrap_or("(no resourceType)");
            check.issue(
                Severity::Error,
                "structure",
                expr,
                format!("an OperationDefinition describes Parameters, the resource is a {found}"),
                "profile-type",
            );
            return;
        }
        let defs = inputs(op.get("parameter"));
        self.check_parameters(
            &mut check,
            resource.get("parameter"),
            &defs,
            &format!("{expr}.parameter"),
        );
    }

    /// `given` (a `parameter` or `part` array) against the definitions of one level of the operation.
    fn check_parameters(
        &self,
        check: &mut OpCheck<'_>,
        given: Option<&Value>,
        defs: &[&Value],
        at: &str,
    ) {
        let given: Vec<&Value> = given
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        for d in defs {
            let Some(name) = d.get("name").and_then(Value::as_str) else {
                continue;
            };
            let n = given
                .iter()
                .filter(|p| p.get("name").and_then(Value::as_str) == Some(name))
                .count() as u64;
            let min = d.get("min").and_then(Value::as_u64).unwrap_or(0);
            let max = d.as_object().and_then(super::plan::max_of);
            if n < min {
                check.issue(
                    Severity::Error,
                    "required",
                    at,
                    format!(
                        "parameter `{name}` of {} requires at least {min} value(s), found {n}",
                        check.name
                    ),
                    "operation-cardinality-min",
                );
            }
            if let Some(max) = max.filter(|m| n > *m) {
                check.issue(
                    Severity::Error,
                    "structure",
                    at,
                    format!(
                        "parameter `{name}` of {} allows at most {max} value(s), found {n}",
                        check.name
                    ),
                    "operation-cardinality-max",
                );
            }
        }
        for (i, p) in given.iter().enumerate() {
            let here = format!("{at}[{i}]");
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                // Parameters.parameter.name is 1..1: the core definition reports it.
                continue;
            };
            let Some(d) = defs
                .iter()
                .find(|d| d.get("name").and_then(Value::as_str) == Some(name))
            else {
                let known: Vec<&str> = defs
                    .iter()
                    .filter_map(|d| d.get("name").and_then(Value::as_str))
                    .collect();
                check.issue(
                    Severity::Error,
                    "structure",
                    &here,
                    format!(
                        "`{name}` is not an input parameter of {} here (expected one of: {})",
                        check.name,
                        known.join(", ")
                    ),
                    "operation-parameter-unknown",
                );
                continue;
            };
            self.check_parameter(check, p, d, name, &here);
        }
    }

    fn check_parameter(
        &self,
        check: &mut OpCheck<'_>,
        p: &Value,
        d: &Value,
        name: &str,
        here: &str,
    ) {
        let value_key = p
            .as_object()
            .and_then(|o| o.keys().find(|k| k.starts_with("value")))
            .cloned();
        let parts = inputs(d.get("part"));
        if !parts.is_empty() {
            if let Some(k) = value_key
                .as_deref()
                .or(p.get("resource").map(|_| "resource"))
            {
                check.issue(
                    Severity::Error,
                    "structure",
                    &format!("{here}.{k}"),
                    format!(
                        "parameter `{name}` of {} takes parts, not a value",
                        check.name
                    ),
                    "operation-parameter-type",
                );
            }
            self.check_parameters(check, p.get("part"), &parts, &format!("{here}.part"));
            return;
        }
        let Some(t) = d.get("type").and_then(Value::as_str) else {
            return;
        };
        if self.is_resource_type(t) {
            let Some(r) = p.get("resource") else {
                if let Some(k) = value_key {
                    check.issue(
                        Severity::Error,
                        "structure",
                        &format!("{here}.{k}"),
                        format!(
                            "parameter `{name}` of {} takes a {t} resource, not a value",
                            check.name
                        ),
                        "operation-parameter-type",
                    );
                }
                return;
            };
            let rt = r.get("resourceType").and_then(Value::as_str);
            match rt {
                Some(rt) if t == "Resource" || t == "DomainResource" || t == rt => {
                    if let Some(profile) = declared_profile(d) {
                        let at = format!("{here}.resource.ofType({rt})");
                        let mut pass = super::Pass::default();
                        self.validate_resource(
                            r,
                            rt,
                            &at,
                            &[profile.as_str()],
                            &mut pass,
                            check.depth + 1,
                        );
                        check.issues.extend(pass.issues);
                    }
                }
                _ => check.issue(
                    Severity::Error,
                    "structure",
                    &format!("{here}.resource"),
                    format!(
                        "parameter `{name}` of {} takes a {t}, found {}",
                        check.name,
                        rt.unwrap_or("(no resourceType)")
                    ),
                    "operation-parameter-type",
                ),
            }
            return;
        }
        let expected = format!("value{}", capitalise(t));
        match value_key {
            Some(k) if k != expected => check.issue(
                Severity::Error,
                "structure",
                &format!("{here}.{k}"),
                format!(
                    "parameter `{name}` of {} is a {t} (`{expected}`), found `{k}`",
                    check.name
                ),
                "operation-parameter-type",
            ),
            Some(k) => {
                if let (Some(b), Some(v)) = (binding(d), p.get(&k)) {
                    if let Some(f) = self.binding_finding(&b, t, v) {
                        check.issue(
                            f.severity,
                            f.code,
                            &format!("{here}.{k}"),
                            f.message,
                            f.rule,
                        );
                    }
                }
            }
            None => {
                if p.get("resource").is_some() {
                    check.issue(
                        Severity::Error,
                        "structure",
                        &format!("{here}.resource"),
                        format!(
                            "parameter `{name}` of {} is a {t} (`{expected}`), not a resource",
                            check.name
                        ),
                        "operation-parameter-type",
                    );
                }
            }
        }
    }

    /// Whether a type code names a resource (`Patient`, `Bundle`, `Resource`) rather than a data type.
    fn is_resource_type(&self, t: &str) -> bool {
        if t == "Resource" || t == "DomainResource" {
            return true;
        }
        self.store
            .structure_definition(&format!("{CORE}{t}{}", self.core_version))
            .is_ok_and(|sd| sd.get("kind").and_then(Value::as_str) == Some("resource"))
    }
}

/// The input parameters (or parts) of one level of an OperationDefinition; parts may omit `use`.
fn inputs(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|d| {
            d.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "in")
        })
        .collect()
}

/// The profile a resource parameter must conform to (STU3 `profile`, R4 `targetProfile`).
fn declared_profile(d: &Value) -> Option<String> {
    d.pointer("/profile/reference")
        .and_then(Value::as_str)
        .or_else(|| match d.get("targetProfile") {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(Value::Array(a)) => a.first().and_then(Value::as_str),
            _ => None,
        })
        .map(String::from)
}

/// A parameter's terminology binding (STU3 `valueSetReference` / `valueSetUri`, R4 `valueSet`).
fn binding(d: &Value) -> Option<plan::Binding> {
    let b = d.get("binding")?;
    let strength = b.get("strength").and_then(Value::as_str)?.to_string();
    let value_set = b
        .pointer("/valueSetReference/reference")
        .or_else(|| b.get("valueSetUri"))
        .or_else(|| b.get("valueSet"))
        .and_then(Value::as_str)?
        .to_string();
    Some(plan::Binding {
        strength,
        value_set,
    })
}

fn capitalise(t: &str) -> String {
    let mut c = t.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
