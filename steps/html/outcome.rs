//! The 0.x OperationOutcome of an Access Record HTML error (0.7.4 "Error handling guidance"): profiled
//! `gpconnect-operationoutcome-1` (DSTU2), every issue an error coded in the system the 0.7.2 profile fixes
//! for `issue.details.coding.system`, one of them with the expected Spine-style code.

use cucumber::then;
use serde_json::Value;

use super::{profiles, Step};
use crate::spine::headers::profile;
use crate::steps::world::GpcWorld;

/// Where the 0.7.2 OperationOutcome profile fixes the error code system.
const CODING_SYSTEM_PATH: &str = "OperationOutcome.issue.details.coding.system";

#[then(expr = "the response should be a GP Connect 0.x OperationOutcome with error code {string}")]
fn outcome_with_code(w: &mut GpcWorld, code: String) -> Step {
    let oo = w.resource()?.clone();
    let rt = oo
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    if rt != "OperationOutcome" {
        return Err(format!(
            "resourceType: expected `OperationOutcome`, got `{rt}`"
        ));
    }
    let profiles_claimed: Vec<&str> = oo
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if profiles_claimed != [profile::DSTU2_OPERATION_OUTCOME] {
        return Err(format!(
            "OperationOutcome.meta.profile: expected [{}], got {profiles_claimed:?}",
            profile::DSTU2_OPERATION_OUTCOME
        ));
    }
    let system = profiles::fixed(w, profile::DSTU2_OPERATION_OUTCOME, CODING_SYSTEM_PATH)?;
    let issues = oo
        .get("issue")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if issues.is_empty() {
        return Err("OperationOutcome.issue: expected at least one issue, got none".into());
    }
    let mut codes = Vec::new();
    for (i, issue) in issues.iter().enumerate() {
        let at = format!("OperationOutcome.issue[{i}]");
        let severity = issue
            .get("severity")
            .and_then(Value::as_str)
            .unwrap_or("(absent)");
        if severity != "error" && severity != "fatal" {
            return Err(format!("{at}.severity: expected `error`, got `{severity}`"));
        }
        let codings = issue
            .pointer("/details/coding")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if codings.is_empty() {
            return Err(format!(
                "{at}.details.coding: expected a coding of {system}, got none"
            ));
        }
        for (j, c) in codings.iter().enumerate() {
            let s = c
                .get("system")
                .and_then(Value::as_str)
                .unwrap_or("(absent)");
            if s != system {
                return Err(format!(
                    "{at}.details.coding[{j}].system: expected `{system}`, got `{s}`"
                ));
            }
            if c.get("display")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(format!(
                    "{at}.details.coding[{j}].display: expected a display (1..1 in the 0.7.2 profile), got (absent)"
                ));
            }
            if let Some(code) = c.get("code").and_then(Value::as_str) {
                codes.push(code.to_string());
            }
        }
    }
    if codes.contains(&code) {
        Ok(())
    } else {
        Err(format!(
            "OperationOutcome.issue.details.coding.code: expected `{code}`, got {}",
            if codes.is_empty() {
                "(absent)".to_string()
            } else {
                codes.join(", ")
            }
        ))
    }
}
