//! Terminology bindings: coded values against the value sets they are bound to.

use serde_json::Value;

use super::{plan, Expansion, Severity, Validator, Walk};

impl Validator {
    pub(super) fn check_binding(
        &self,
        w: &mut Walk<'_>,
        b: &plan::Binding,
        type_code: &str,
        v: &Value,
        at: &str,
    ) {
        if let Some(f) = self.binding_finding(b, type_code, v) {
            w.issue(f.severity, f.code, at, f.message, f.rule);
        }
    }

    /// What a binding says about a coded value, if anything.
    pub(super) fn binding_finding(
        &self,
        b: &plan::Binding,
        type_code: &str,
        v: &Value,
    ) -> Option<Finding> {
        let (severity, rule) = match b.strength.as_str() {
            "required" => (Severity::Error, "binding-required"),
            "extensible" => (Severity::Warning, "binding-extensible"),
            _ => return None,
        };
        let codings: Vec<(Option<&str>, &str)> = match type_code {
            "code" | "string" | "uri" => v.as_str().map(|c| vec![(None, c)]).unwrap_or_default(),
            "Coding" => coding(v).into_iter().collect(),
            "CodeableConcept" => v
                .get("coding")
                .and_then(Value::as_array)
                .map(|cs| cs.iter().filter_map(coding).collect())
                .unwrap_or_default(),
            _ => return None,
        };
        if codings.is_empty() {
            return (type_code == "CodeableConcept" && severity == Severity::Error).then(|| {
                Finding {
                    severity,
                    code: "code-invalid",
                    message: format!("no coding from the required value set {}", b.value_set),
                    rule,
                }
            });
        }
        let expansion = self.store.expand(&b.value_set);
        let results: Vec<Option<bool>> = codings
            .iter()
            .map(|(s, c)| expansion.contains(*s, c))
            .collect();
        if results.iter().any(Option::is_none) {
            return match expansion {
                Expansion::External(why) => Some(Finding {
                    severity: Severity::Information,
                    code: "informational",
                    message: format!("codes not checked against {}: {why}", b.value_set),
                    rule: "binding-external",
                }),
                Expansion::Codes(_) => None,
            };
        }
        if results.contains(&Some(true)) {
            return None;
        }
        let shown: Vec<String> = codings
            .iter()
            .map(|(s, c)| format!("{}{c}", s.map(|s| format!("{s}|")).unwrap_or_default()))
            .collect();
        Some(Finding {
            severity,
            code: "code-invalid",
            message: format!(
                "{} is not in the value set {}",
                shown.join(", "),
                b.value_set
            ),
            rule,
        })
    }
}

/// A finding before it is tied to an expression and a profile.
pub(super) struct Finding {
    pub(super) severity: Severity,
    pub(super) code: &'static str,
    pub(super) message: String,
    pub(super) rule: &'static str,
}

fn coding(v: &Value) -> Option<(Option<&str>, &str)> {
    let code = v.get("code").and_then(Value::as_str)?;
    Some((v.get("system").and_then(Value::as_str), code))
}
