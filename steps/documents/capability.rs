//! Expectations on the Access Document CapabilityStatement: the search parameters, includes and revincludes it
//! declares for a resource (the profiles, formats and interactions use the Foundations steps).

use cucumber::then;
use serde_json::Value;

use super::Step;
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

/// `rest[0].resource` entry of `kind`.
fn resource<'a>(w: &'a GpcWorld, kind: &str) -> Result<&'a Value, String> {
    let cs = w.resource()?;
    if resource_type(cs) != "CapabilityStatement" {
        return Err(format!(
            "resourceType: expected CapabilityStatement, got {}",
            resource_type(cs)
        ));
    }
    cs.pointer("/rest/0/resource")
        .and_then(Value::as_array)
        .and_then(|rs| {
            rs.iter()
                .find(|r| r.get("type").and_then(Value::as_str) == Some(kind))
        })
        .ok_or_else(|| {
            format!("CapabilityStatement.rest[0].resource: expected {kind}, it is not listed")
        })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[then(
    expr = "the CapabilityStatement should declare the search parameter {string} of type {string} on {word}"
)]
fn search_param(w: &mut GpcWorld, name: String, kind: String, on: String) -> Step {
    let r = resource(w, &on)?;
    let params: Vec<(String, String)> = r
        .get("searchParam")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let s = |k: &str| {
                        p.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    (s("name"), s("type"))
                })
                .collect()
        })
        .unwrap_or_default();
    if params.iter().any(|(n, t)| *n == name && *t == kind) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement {on}.searchParam: expected {name} ({kind}), got {params:?}"
        ))
    }
}

#[then(expr = "the CapabilityStatement should declare {string} as a search include of {word}")]
fn search_include(w: &mut GpcWorld, include: String, on: String) -> Step {
    let got = strings(resource(w, &on)?.get("searchInclude"));
    if got.contains(&include) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement {on}.searchInclude: expected {include}, got {got:?}"
        ))
    }
}

#[then(expr = "the CapabilityStatement should declare {string} as a search revinclude of {word}")]
fn search_revinclude(w: &mut GpcWorld, include: String, on: String) -> Step {
    let got = strings(resource(w, &on)?.get("searchRevInclude"));
    if got.contains(&include) {
        Ok(())
    } else {
        Err(format!(
            "CapabilityStatement {on}.searchRevInclude: expected {include}, got {got:?}"
        ))
    }
}
