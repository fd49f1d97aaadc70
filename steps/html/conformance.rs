//! The FHIR base rules of the DSTU2 service root (0.7.4): the `Conformance` statement's formats, operation and
//! profiles ("Get the FHIR conformance statement") and content negotiation with the DSTU2 media types.

use cucumber::{given, then};
use serde_json::Value;

use super::Step;
use crate::steps::common::resource_type;
use crate::steps::json_path;
use crate::steps::world::{Body, GpcWorld};

/// The value a negotiation step's cell gives for "send nothing".
const NOT_SENT: &str = "-";

/// Sets the request's Content-Type, Accept header and `_format` parameter (`-`: not sent). A FHIR request body
/// goes as XML when the Content-Type names XML and as JSON otherwise; on a request without a body the
/// Content-Type is sent alone, as the official pack does on /metadata.
#[given(expr = "I send Content-Type {string}, Accept {string} and _format {string}")]
fn negotiate(w: &mut GpcWorld, content_type: String, accept: String, format: String) -> Step {
    if content_type == NOT_SENT {
        w.remove_header("Content-Type");
    } else {
        w.body = match std::mem::replace(&mut w.body, Body::None) {
            Body::Json(v) | Body::Xml(v) if content_type.contains("xml") => Body::Xml(v),
            Body::Json(v) | Body::Xml(v) => Body::Json(v),
            other => other,
        };
        w.set_header("Content-Type", &content_type);
    }
    if accept == NOT_SENT {
        w.remove_header("Accept");
    } else {
        w.set_header("Accept", &accept);
    }
    w.params.retain(|(k, _)| k != "_format");
    if format != NOT_SENT {
        w.params.push(("_format".into(), format));
    }
    Ok(())
}

/// The response's DSTU2 Conformance statement.
fn conformance(w: &GpcWorld) -> Result<&Value, String> {
    let v = w.resource()?;
    match resource_type(v) {
        "Conformance" => Ok(v),
        other => Err(format!("resourceType: expected Conformance, got {other}")),
    }
}

/// DSTU2 `Conformance.format` holds mime types or the short codes `xml`/`json`; either form is accepted, as the
/// official pack accepts either.
#[then(expr = "the Conformance should list the format {string} or {string}")]
fn lists_format(w: &mut GpcWorld, mime: String, short: String) -> Step {
    let cs = conformance(w)?;
    let formats: Vec<&str> = cs
        .get("format")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if formats.iter().any(|f| *f == mime || *f == short) {
        Ok(())
    } else {
        Err(format!(
            "Conformance.format: expected {mime} (or {short}), got {formats:?}"
        ))
    }
}

#[then(expr = "the Conformance should list the operation {string}")]
fn lists_operation(w: &mut GpcWorld, name: String) -> Step {
    let cs = conformance(w)?;
    let rests = cs
        .get("rest")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names = Vec::new();
    for (i, rest) in rests.iter().enumerate() {
        for op in rest
            .get("operation")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let op_name = op.get("name").and_then(Value::as_str).unwrap_or_default();
            if op_name == name {
                return match json_path::get(op, "definition.reference").and_then(Value::as_str) {
                    Some(d) if !d.is_empty() => Ok(()),
                    _ => Err(format!(
                        "Conformance.rest[{i}].operation(`{name}`).definition.reference: expected a reference to its OperationDefinition, but it is absent"
                    )),
                };
            }
            names.push(op_name.to_string());
        }
    }
    Err(format!(
        "Conformance.rest.operation: expected {name}, got {names:?}"
    ))
}

/// DSTU2 `Conformance.profile` is a list of References to StructureDefinitions.
#[then(expr = "the Conformance should list the profile {string}")]
fn lists_profile(w: &mut GpcWorld, url: String) -> Step {
    let cs = conformance(w)?;
    let refs: Vec<&str> = cs
        .get("profile")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("reference").and_then(Value::as_str))
        .collect();
    if refs
        .iter()
        .any(|r| *r == url || r.starts_with(&format!("{url}/_history/")))
    {
        Ok(())
    } else {
        Err(format!(
            "Conformance.profile: expected a reference to {url}, got {refs:?}"
        ))
    }
}
