//! The `$gpc.getcarerecord` request: a DSTU2 Parameters body with `patientNHSNumber`, `recordSection` and an
//! optional `timePeriod` (0.7.4 "Retrieve a care record section"; OperationDefinition `getcarerecord` 0.7.2).
//! Choosing the patient also names it in the 0.x JWT's `requested_record`.

use serde_json::{json, Value};

use crate::spine::headers::dstu2;
use crate::spine::jwt::Jwt;
use crate::steps::world::{Body, GpcWorld};

type Step = Result<(), String>;

/// The section a valid request asks for when a scenario does not choose one.
pub const DEFAULT_SECTION: &str = "SUM";

/// The Parameters body being built (an empty Parameters when none is yet).
pub fn parameters_mut(w: &mut GpcWorld) -> Result<&mut Vec<Value>, String> {
    if !matches!(w.body, Body::Json(_) | Body::Xml(_)) {
        w.body = Body::Json(json!({ "resourceType": "Parameters", "parameter": [] }));
    }
    let (Body::Json(v) | Body::Xml(v)) = &mut w.body else {
        return Err("the request body is not a FHIR resource".into());
    };
    if !v.get("parameter").is_some_and(Value::is_array) {
        v["parameter"] = json!([]);
    }
    v["parameter"]
        .as_array_mut()
        .ok_or_else(|| "the Parameters body has no parameter list".to_string())
}

/// Replaces the parameter `name` (or adds it last).
pub fn set_parameter(w: &mut GpcWorld, name: &str, parameter: Value) -> Step {
    let list = parameters_mut(w)?;
    match list.iter_mut().find(|p| p["name"] == name) {
        Some(p) => *p = parameter,
        None => list.push(parameter),
    }
    Ok(())
}

/// Asks for the record of the HTML pack's patient `name` (config `test_data.html_patients`): the
/// `patientNHSNumber` parameter and the JWT's `requested_record`.
pub fn patient(w: &mut GpcWorld, name: &str) -> Step {
    let nhs = nhs_of(w, name)?;
    nhs_number(w, &nhs)
}

/// Asks for the record of an NHS number given literally, naming it in the JWT as well.
pub fn nhs_number(w: &mut GpcWorld, nhs: &str) -> Step {
    set_parameter(w, "patientNHSNumber", nhs_parameter(nhs))?;
    w.jwt_mut()?.claims["requested_record"] = Jwt::requested_patient(nhs);
    Ok(())
}

/// Asks for the section `code` (as given: the case is the scenario's choice).
pub fn section(w: &mut GpcWorld, code: &str) -> Step {
    set_parameter(w, "recordSection", section_parameter(code))
}

/// Sets `timePeriod` with the given bounds (either may be absent).
pub fn time_period(w: &mut GpcWorld, start: Option<&str>, end: Option<&str>) -> Step {
    let mut period = serde_json::Map::new();
    if let Some(s) = start {
        period.insert("start".into(), json!(s));
    }
    if let Some(e) = end {
        period.insert("end".into(), json!(e));
    }
    let parameter = json!({ "name": "timePeriod", "valuePeriod": Value::Object(period) });
    set_parameter(w, "timePeriod", parameter)
}

/// A request the provider should answer with success: patient2's record, the default section.
pub fn valid(w: &mut GpcWorld) -> Step {
    patient(w, "patient2")?;
    section(w, DEFAULT_SECTION)
}

/// Adds a parameter after the others, even when one of that name is there already (duplicates on purpose).
pub fn push_parameter(w: &mut GpcWorld, parameter: Value) -> Step {
    parameters_mut(w)?.push(parameter);
    Ok(())
}

/// The parameter `name` to change (an error naming the step's mistake when the body has none).
pub fn parameter_mut<'a>(w: &'a mut GpcWorld, name: &str) -> Result<&'a mut Value, String> {
    parameters_mut(w)?
        .iter_mut()
        .find(|p| p["name"] == name)
        .ok_or_else(|| format!("the request has no `{name}` parameter to change"))
}

/// The NHS number of the HTML pack's patient `name`.
pub fn nhs_of(w: &GpcWorld, name: &str) -> Result<String, String> {
    w.ctx
        .config
        .test_data
        .html_patient(name)
        .map(String::from)
        .ok_or_else(|| format!("no `{name}` in the test-data map (test_data.html_patients)"))
}

/// Names the patient in the JWT's `requested_record` only (the body is left as it is).
pub fn jwt_patient(w: &mut GpcWorld, name: &str) -> Step {
    let nhs = nhs_of(w, name)?;
    w.jwt_mut()?.claims["requested_record"] = Jwt::requested_patient(&nhs);
    Ok(())
}

/// A `patientNHSNumber` parameter for `nhs`.
pub fn nhs_parameter(nhs: &str) -> Value {
    json!({
        "name": "patientNHSNumber",
        "valueIdentifier": { "system": dstu2::NHS_NUMBER, "value": nhs }
    })
}

/// A `recordSection` parameter for `code`.
pub fn section_parameter(code: &str) -> Value {
    json!({
        "name": "recordSection",
        "valueCodeableConcept": { "coding": [{ "system": dstu2::RECORD_SECTION, "code": code }] }
    })
}

/// The section code the request asks for (the first `recordSection` coding), if any.
pub fn requested_section(w: &GpcWorld) -> Option<String> {
    let (Body::Json(v) | Body::Xml(v)) = &w.body else {
        return None;
    };
    v.get("parameter")?
        .as_array()?
        .iter()
        .find(|p| p["name"] == "recordSection")?
        .pointer("/valueCodeableConcept/coding/0/code")?
        .as_str()
        .map(String::from)
}

/// Whether the request carries a parameter named `name`.
pub fn has_parameter(w: &GpcWorld, name: &str) -> bool {
    let (Body::Json(v) | Body::Xml(v)) = &w.body else {
        return false;
    };
    v.get("parameter")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == name))
}
