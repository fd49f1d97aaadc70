//! Steps shared by every capability: building the request, the JWT, SSP headers, sending, and the generic
//! expectations on status, headers, content type, OperationOutcome, Bundle and meta.
//!
//! By concern: configuring the request, its headers and body and sending it ([`request`]), changing the JWT
//! ([`jwt`]), the expectations on status, headers, caching, content type and the concurrent responses
//! ([`http`]), on the resources of the response ([`resources`]) and the profile validation ([`validation`]);
//! transport security and the Spine Secure Proxy ([`security`]).
//! This module holds the helpers they and the other capabilities' steps share.

mod http;
mod jwt;
mod request;
mod resources;
pub mod security;
mod validation;

use serde_json::Value;

use crate::spine::catalogue::Interaction;

type Step = Result<(), String>;

fn expect_eq(what: &str, expected: &str, actual: &str) -> Step {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected `{expected}`, got `{actual}`"))
    }
}

/// The interaction a feature file names.
pub fn interaction_named(name: &str) -> Result<Interaction, String> {
    name.parse::<Interaction>().map_err(|e| e.to_string())
}

pub fn resource_type(v: &Value) -> &str {
    v.get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
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
