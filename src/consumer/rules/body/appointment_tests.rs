use serde_json::{json, Value};

use super::*;
use crate::spine::catalogue::Interaction;

/// 2017-05-25T12:00:00Z: the official examples' appointments (30 May 2017) are then in the future.
const BEFORE_EXAMPLES: i64 = 1_495_713_600;

fn example(name: &str) -> Value {
    let path = format!("../shared/fhir/nhsconnect-gpconnect-spec-examples/1.2.9/appointments/{name}_appt_request_example.json");
    let text = std::fs::read_to_string(&path).expect("an official appointment example");
    serde_json::from_str(&text).expect("JSON")
}

fn request(if_match: Option<&str>) -> InboundRequest {
    let mut headers = vec![(
        "Content-Type".to_string(),
        "application/fhir+json".to_string(),
    )];
    if let Some(v) = if_match {
        headers.push(("If-Match".to_string(), v.to_string()));
    }
    InboundRequest {
        received_at: BEFORE_EXAMPLES,
        method: "PUT".into(),
        target: "/Appointment/9".into(),
        headers,
        body: Vec::new(),
    }
}

fn route(change: Change) -> Route {
    let (interaction, id) = match change {
        Change::Book => (Interaction::AppointmentCreate, None),
        Change::Amend => (Interaction::AppointmentAmend, Some("9".to_string())),
        Change::Cancel => (Interaction::AppointmentCancel, Some("9".to_string())),
    };
    Route {
        interaction,
        id,
        root_url: "https://provider.example/fhir".into(),
    }
}

/// The rules broken by `appt` sent as `change`, with `If-Match: W/"1"` on updates.
fn broken(change: Change, appt: &Value) -> Vec<String> {
    let req = request(Some("W/\"1\""));
    let mut findings = Vec::new();
    judge_if_match(&req, change, &mut findings);
    judge(&req, &route(change), change, appt, &mut findings);
    findings.into_iter().map(|f| f.rule).collect()
}

fn book_with(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut appt = example("book");
    edit(&mut appt);
    broken(Change::Book, &appt)
}

fn remove(v: &mut Value, key: &str) {
    if let Some(o) = v.as_object_mut() {
        o.remove(key);
    }
}

#[test]
fn the_official_examples_pass() {
    assert_eq!(broken(Change::Book, &example("book")), Vec::<String>::new());
    assert_eq!(
        broken(Change::Amend, &example("amend")),
        Vec::<String>::new()
    );
    assert_eq!(
        broken(Change::Cancel, &example("cancel")),
        Vec::<String>::new()
    );
}

#[test]
fn profile_uri() {
    assert_eq!(
        book_with(|a| a["meta"]["profile"] = json!([])),
        vec![PROFILE_URI.id]
    );
}

#[test]
fn patient_and_location_participants_with_actors() {
    assert_eq!(
        book_with(|a| a["participant"] =
            json!([{ "actor": { "reference": "Patient/1" }, "status": "accepted" }])),
        vec![PARTICIPANTS.id]
    );
    assert_eq!(
        book_with(|a| {
            let list = a["participant"].as_array_mut().expect("participants");
            list.push(json!({ "type": [{ "text": "interpreter" }], "status": "accepted" }));
        }),
        vec![PARTICIPANT_ACTOR.id]
    );
}

#[test]
fn start_and_end() {
    assert_eq!(book_with(|a| remove(a, "end")), vec![START_END.id]);
    assert_eq!(
        book_with(|a| a["end"] = json!("2017-05-30T09:00:00+01:00")),
        vec![START_END.id]
    );
}

#[test]
fn only_future_appointments() {
    let mut appt = example("book");
    appt["start"] = json!("2017-05-25T10:00:00+01:00");
    assert_eq!(broken(Change::Book, &appt), vec![FUTURE.id]);
    let mut cancel = example("cancel");
    cancel["start"] = json!("2017-05-20T10:00:00+01:00");
    assert_eq!(broken(Change::Cancel, &cancel), vec![FUTURE.id]);
}

#[test]
fn status_booked() {
    assert_eq!(
        book_with(|a| a["status"] = json!("pending")),
        vec![STATUS_BOOKED.id]
    );
}

#[test]
fn slot_references() {
    assert_eq!(book_with(|a| a["slot"] = json!([])), vec![SLOT.id]);
    assert_eq!(
        book_with(|a| a["slot"] = json!([{ "reference": "Schedule/1" }])),
        vec![SLOT.id]
    );
}

#[test]
fn booking_organisation() {
    assert_eq!(
        book_with(|a| a["extension"] = json!([])),
        vec![BOOKING_ORGANISATION.id]
    );
    assert_eq!(
        book_with(|a| a["extension"][0]["valueReference"]["reference"] = json!("Organization/1")),
        vec![BOOKING_ORGANISATION.id]
    );
    assert_eq!(
        book_with(|a| a["contained"][0]["id"] = json!("2")),
        vec![BOOKING_ORGANISATION.id]
    );
    assert_eq!(
        book_with(|a| {
            let org = &mut a["contained"][0];
            remove(org, "telecom");
            remove(org, "name");
            org["identifier"][0]["system"] = json!("https://fhir.nhs.uk/Id/ods-site-code");
        }),
        vec![
            BOOKING_ORGANISATION.id,
            BOOKING_ORGANISATION.id,
            BOOKING_ORGANISATION.id
        ]
    );
}

#[test]
fn created_and_description() {
    assert_eq!(book_with(|a| remove(a, "created")), vec![CREATED.id]);
    assert_eq!(
        book_with(|a| a["description"] = json!(" ")),
        vec![DESCRIPTION.id]
    );
}

#[test]
fn text_lengths() {
    let long = "é".repeat(101);
    assert_eq!(
        book_with(|a| a["description"] = json!(long)),
        vec![TEXT_LENGTH.id]
    );
    assert_eq!(
        book_with(|a| a["description"] = json!("é".repeat(100))),
        Vec::<String>::new()
    );
    let mut amend = example("amend");
    amend["comment"] = json!("x".repeat(501));
    assert_eq!(broken(Change::Amend, &amend), vec![TEXT_LENGTH.id]);
}

#[test]
fn no_reason_or_specialty() {
    assert_eq!(
        book_with(|a| {
            a["reason"] = json!([{ "text": "cough" }]);
            a["specialty"] = json!([{ "text": "GP" }]);
        }),
        vec![REASON_SPECIALTY.id, REASON_SPECIALTY.id]
    );
}

#[test]
fn amend_keeps_the_appointment_booked() {
    let mut amend = example("amend");
    amend["status"] = json!("cancelled");
    assert_eq!(broken(Change::Amend, &amend), vec![AMEND_NOT_CANCELLED.id]);
    let mut amend = example("amend");
    let list = amend["extension"].as_array_mut().expect("extensions");
    list.push(json!({ "url": profile::EXT_CANCELLATION_REASON, "valueString": "x" }));
    assert_eq!(broken(Change::Amend, &amend), vec![AMEND_NOT_CANCELLED.id]);
}

#[test]
fn cancel_status_and_reason() {
    let mut cancel = example("cancel");
    cancel["status"] = json!("booked");
    assert_eq!(broken(Change::Cancel, &cancel), vec![CANCEL_STATUS.id]);
    let mut cancel = example("cancel");
    cancel["extension"] = json!([cancel["extension"][0].clone()]);
    assert_eq!(broken(Change::Cancel, &cancel), vec![CANCEL_REASON.id]);
    cancel["extension"] = json!([{ "url": profile::EXT_CANCELLATION_REASON, "valueString": "" }]);
    assert_eq!(broken(Change::Cancel, &cancel), vec![CANCEL_REASON.id]);
}

#[test]
fn if_match_on_updates() {
    let check = |change: Change, header: Option<&str>| {
        let mut findings = Vec::new();
        judge_if_match(&request(header), change, &mut findings);
        findings.into_iter().map(|f| f.rule).collect::<Vec<_>>()
    };
    assert!(check(Change::Amend, Some("W/\"636068818095315079\"")).is_empty());
    assert!(check(Change::Book, None).is_empty());
    assert_eq!(check(Change::Amend, None), vec![IF_MATCH.id]);
    assert_eq!(check(Change::Cancel, Some("\"23\"")), vec![IF_MATCH.id]);
    assert_eq!(check(Change::Cancel, Some("W/\"\"")), vec![IF_MATCH.id]);
    let mut twice = request(Some("W/\"1\""));
    twice.headers.push(("if-match".into(), "W/\"2\"".into()));
    let mut findings = Vec::new();
    judge_if_match(&twice, Change::Amend, &mut findings);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].to_string().contains("2 If-Match headers"),
        "{}",
        findings[0]
    );
}

#[test]
fn update_id_matches_the_url() {
    let mut amend = example("amend");
    amend["id"] = json!("10");
    assert_eq!(broken(Change::Amend, &amend), vec![UPDATE_ID.id]);
    let mut cancel = example("cancel");
    remove(&mut cancel, "id");
    assert_eq!(broken(Change::Cancel, &cancel), vec![UPDATE_ID.id]);
}
