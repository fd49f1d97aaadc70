//! The Given steps that build a `$gpc.getcarerecord` request and break it on purpose: the patient, section
//! and period, a second section or NHS number, another system or an empty value, a string where the
//! OperationDefinition types an Identifier or a CodeableConcept, a renamed parameter, another resource as the
//! body.

use cucumber::given;
use serde_json::{json, Value};

use super::request;
use super::Step;
use crate::spine::headers::dstu2;
use crate::steps::world::{Body, GpcWorld};

#[given(expr = "I request the care record of patient {string}")]
fn care_record_of(w: &mut GpcWorld, patient: String) -> Step {
    request::patient(w, &patient)
}

#[given(expr = "I request the care record of NHS number {string}")]
fn care_record_of_number(w: &mut GpcWorld, nhs: String) -> Step {
    let nhs = w.expand(&nhs)?;
    request::nhs_number(w, &nhs)
}

#[given(expr = "the JWT requests the record of patient {string}")]
fn jwt_requests(w: &mut GpcWorld, patient: String) -> Step {
    request::jwt_patient(w, &patient)
}

#[given(expr = "I request the care record section {string}")]
fn care_record_section(w: &mut GpcWorld, code: String) -> Step {
    request::section(w, &code)
}

#[given(expr = "I add another care record section {string}")]
fn another_section(w: &mut GpcWorld, code: String) -> Step {
    request::push_parameter(w, request::section_parameter(&code))
}

#[given(expr = "I add another NHS number parameter for patient {string}")]
fn another_nhs_number(w: &mut GpcWorld, patient: String) -> Step {
    let nhs = request::nhs_of(w, &patient)?;
    request::push_parameter(w, request::nhs_parameter(&nhs))
}

#[given(expr = "I set the NHS number system to {string}")]
fn nhs_system(w: &mut GpcWorld, system: String) -> Step {
    request::parameter_mut(w, "patientNHSNumber")?["valueIdentifier"]["system"] = json!(system);
    Ok(())
}

#[given(expr = "I set the NHS number value to {string}")]
fn nhs_value(w: &mut GpcWorld, value: String) -> Step {
    request::parameter_mut(w, "patientNHSNumber")?["valueIdentifier"]["value"] = json!(value);
    Ok(())
}

#[given(expr = "I set the record section system to {string}")]
fn section_system(w: &mut GpcWorld, system: String) -> Step {
    let p = request::parameter_mut(w, "recordSection")?;
    let coding = p
        .pointer_mut("/valueCodeableConcept/coding/0")
        .ok_or_else(|| "the recordSection parameter has no coding to change".to_string())?;
    coding["system"] = json!(system);
    Ok(())
}

#[given(expr = "I send the record section {string} as a string parameter")]
fn section_as_string(w: &mut GpcWorld, code: String) -> Step {
    request::set_parameter(
        w,
        "recordSection",
        json!({ "name": "recordSection", "valueString": code }),
    )
}

#[given(expr = "I send the NHS number of patient {string} as a string parameter")]
fn nhs_as_string(w: &mut GpcWorld, patient: String) -> Step {
    let nhs = request::nhs_of(w, &patient)?;
    request::jwt_patient(w, &patient)?;
    request::set_parameter(
        w,
        "patientNHSNumber",
        json!({ "name": "patientNHSNumber", "valueString": nhs }),
    )
}

/// Both bounds as written (`""` sends an empty bound, which is what the empty-period tests do).
#[given(expr = "I request the time period from {string} to {string}")]
fn period(w: &mut GpcWorld, start: String, end: String) -> Step {
    let (start, end) = (w.expand(&start)?, w.expand(&end)?);
    request::time_period(w, Some(&start), Some(&end))
}

#[given(expr = "I request the time period from {string}")]
fn period_from(w: &mut GpcWorld, start: String) -> Step {
    let start = w.expand(&start)?;
    request::time_period(w, Some(&start), None)
}

#[given(expr = "I request the time period to {string}")]
fn period_to(w: &mut GpcWorld, end: String) -> Step {
    let end = w.expand(&end)?;
    request::time_period(w, None, Some(&end))
}

#[given(expr = "I rename the parameter {string} to {string}")]
fn rename(w: &mut GpcWorld, from: String, to: String) -> Step {
    request::parameter_mut(w, &from)?["name"] = json!(to);
    Ok(())
}

#[given(expr = "I change the request body's resource type to {string}")]
fn body_type(w: &mut GpcWorld, resource_type: String) -> Step {
    request::parameters_mut(w)?;
    if let Body::Json(v) | Body::Xml(v) = &mut w.body {
        v["resourceType"] = json!(resource_type);
    }
    Ok(())
}

/// A well-formed Patient naming the NHS number asked for, where the operation takes Parameters.
#[given("I send a Patient resource as the request body instead of the Parameters")]
fn patient_body(w: &mut GpcWorld) -> Step {
    let nhs = request::parameters_mut(w)?
        .iter()
        .find(|p| p["name"] == "patientNHSNumber")
        .and_then(|p| p.pointer("/valueIdentifier/value"))
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| "choose the patient before replacing the body".to_string())?;
    w.body = Body::Json(json!({
        "resourceType": "Patient",
        "identifier": [{ "system": dstu2::NHS_NUMBER, "value": nhs }]
    }));
    Ok(())
}
