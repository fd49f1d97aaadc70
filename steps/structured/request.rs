//! The request body of the structured operations: one Given per parameter or part, so a scenario reads as the
//! request it sends.

use cucumber::given;
use serde_json::{json, Value};

use super::Step;
use crate::steps::world::{Body, GpcWorld};

const NHS_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// The request's Parameters, created empty when the request has no body yet.
fn parameters(w: &mut GpcWorld) -> Result<&mut Vec<Value>, String> {
    let fresh =
        !matches!(&w.body, Body::Json(v) if v.get("resourceType") == Some(&json!("Parameters")));
    if fresh {
        w.body = Body::Json(json!({ "resourceType": "Parameters", "parameter": [] }));
    }
    match &mut w.body {
        Body::Json(v) => {
            if !v.get("parameter").is_some_and(Value::is_array) {
                v["parameter"] = json!([]);
            }
            v.get_mut("parameter")
                .and_then(Value::as_array_mut)
                .ok_or_else(|| "the request Parameters cannot hold parameters".to_string())
        }
        _ => Err("the request body is not Parameters".into()),
    }
}

/// A `value[x]` from a type name and the step's text (`boolean "true"`, `date "{date:-30}"`,
/// `period "{date:-30}..{date:+0}"` with either end empty for an open end).
fn typed_value(w: &GpcWorld, kind: &str, text: &str) -> Result<(String, Value), String> {
    let text = w.expand(text)?;
    let v = match kind {
        "boolean" => match text.as_str() {
            "true" => json!(true),
            "false" => json!(false),
            other => json!(other),
        },
        "positiveInt" | "integer" => text
            .parse::<i64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| json!(text)),
        "period" => {
            let (start, end) = text.split_once("..").unwrap_or((text.as_str(), ""));
            let mut p = json!({});
            if !start.is_empty() {
                p["start"] = json!(start);
            }
            if !end.is_empty() {
                p["end"] = json!(end);
            }
            p
        }
        _ => json!(text),
    };
    let mut name = kind.to_string();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Ok((format!("value{name}"), v))
}

fn find<'a>(params: &'a mut [Value], name: &str) -> Option<&'a mut Value> {
    params
        .iter_mut()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
}

#[given(expr = "I add the NHS number parameter for patient {string}")]
fn nhs_parameter(w: &mut GpcWorld, patient: String) -> Step {
    let nhs = w.nhs(&patient)?;
    parameters(w)?.push(json!({ "name": "patientNHSNumber",
        "valueIdentifier": { "system": NHS_SYSTEM, "value": nhs } }));
    Ok(())
}

#[given(expr = "I add the NHS number parameter with the system {string} and the value {string}")]
fn nhs_parameter_raw(w: &mut GpcWorld, system: String, value: String) -> Step {
    let value = w.expand(&value)?;
    let mut id = json!({});
    if !system.is_empty() {
        id["system"] = json!(system);
    }
    if !value.is_empty() {
        id["value"] = json!(value);
    }
    parameters(w)?.push(json!({ "name": "patientNHSNumber", "valueIdentifier": id }));
    Ok(())
}

#[given(expr = "I add the NHS number parameter for patient {string} as a {word}")]
fn nhs_parameter_typed(w: &mut GpcWorld, patient: String, kind: String) -> Step {
    let nhs = w.nhs(&patient)?;
    let (key, v) = typed_value(w, &kind, &nhs)?;
    parameters(w)?.push(json!({ "name": "patientNHSNumber", key: v }));
    Ok(())
}

#[given(expr = "I add the parameter {string}")]
fn bare_parameter(w: &mut GpcWorld, name: String) -> Step {
    parameters(w)?.push(json!({ "name": name }));
    Ok(())
}

#[given(expr = "I add the parameter {string} with the part {string} set to the {word} {string}")]
fn parameter_with_part(
    w: &mut GpcWorld,
    name: String,
    part: String,
    kind: String,
    text: String,
) -> Step {
    let (key, v) = typed_value(w, &kind, &text)?;
    parameters(w)?.push(json!({ "name": name, "part": [{ "name": part, key: v }] }));
    Ok(())
}

#[given(expr = "I add to the parameter {string} the part {string} set to the {word} {string}")]
fn add_part(w: &mut GpcWorld, name: String, part: String, kind: String, text: String) -> Step {
    let (key, v) = typed_value(w, &kind, &text)?;
    let params = parameters(w)?;
    let p = find(params, &name).ok_or_else(|| format!("the request has no parameter `{name}`"))?;
    if !p.get("part").is_some_and(Value::is_array) {
        p["part"] = json!([]);
    }
    if let Some(parts) = p.get_mut("part").and_then(Value::as_array_mut) {
        parts.push(json!({ "name": part, key: v }));
    }
    Ok(())
}

#[given(expr = "I add the parameter {string} with the part {string} without a value")]
fn part_without_value(w: &mut GpcWorld, name: String, part: String) -> Step {
    parameters(w)?.push(json!({ "name": name, "part": [{ "name": part }] }));
    Ok(())
}

#[given(expr = "I add the parameter {string} with the {word} value {string}")]
fn parameter_with_value(w: &mut GpcWorld, name: String, kind: String, text: String) -> Step {
    let (key, v) = typed_value(w, &kind, &text)?;
    parameters(w)?.push(json!({ "name": name, key: v }));
    Ok(())
}

#[given(expr = "I ask to migrate the full record with includeSensitiveInformation {string}")]
fn full_record(w: &mut GpcWorld, sensitive: String) -> Step {
    let v = sensitive == "true";
    parameters(w)?.push(json!({ "name": "includeFullRecord",
        "part": [{ "name": "includeSensitiveInformation", "valueBoolean": v }] }));
    Ok(())
}

#[given("I set the request body to an empty Parameters resource")]
fn empty_parameters(w: &mut GpcWorld) -> Step {
    w.body = Body::Json(json!({ "resourceType": "Parameters" }));
    Ok(())
}

/// A request the provider answers with success: patient2's allergies.
pub fn valid_get(w: &mut GpcWorld) -> Step {
    nhs_parameter(w, "patient2".into())?;
    parameter_with_part(
        w,
        "includeAllergies".into(),
        "includeResolvedAllergies".into(),
        "boolean".into(),
        "false".into(),
    )
}

/// A migration of patient2's record without sensitive information (the default JWT says `conf/N`).
pub fn valid_migrate(w: &mut GpcWorld) -> Step {
    nhs_parameter(w, "patient2".into())?;
    full_record(w, "false".into())
}
