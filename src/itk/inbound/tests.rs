use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::itk::message::{build, Report};

fn report() -> Report {
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let mut r = crate::itk::sample::report("X26ABC1", at);
    r.encounter_id = "846ebe66-5ff8-4499-bc57-a112d3d0daa3".into();
    r.version = 3;
    r.replaces = Some("5a3c1a4c-4c4b-4a5e-9d2c-1d1f8b1e7a11".into());
    r
}

fn message() -> Value {
    build(&report(), "d12dc439-ca5c-4177-bb70-4fece88edab0")
}

fn rules(v: &Value) -> Vec<&'static str> {
    inspect(v).findings.into_iter().map(|f| f.rule).collect()
}

#[test]
fn a_good_message_has_no_findings_and_gives_what_the_receiver_needs() {
    let i = inspect(&message());
    assert_eq!(i.findings, vec![]);
    assert_eq!(i.nhs_number.as_deref(), Some("9690937278"));
    assert_eq!(i.family.as_deref(), Some("SKELLY"));
    assert_eq!(i.birth_date.as_deref(), Some("1930-08-29"));
    assert_eq!(i.version, Some(3));
    assert_eq!(i.pages, Some(1));
    assert_eq!(
        i.replaces.as_deref(),
        Some("5a3c1a4c-4c4b-4a5e-9d2c-1d1f8b1e7a11")
    );
    assert_eq!(
        i.sender_reference.as_deref(),
        Some("846ebe66-5ff8-4499-bc57-a112d3d0daa3")
    );
    assert!(i.bus_ack_requested && i.inf_ack_requested);
    assert_eq!(i.sender_mailbox.as_deref(), Some("X26ABC1"));
}

/// A change that breaks one rule of a good message.
type Breaks = Box<dyn Fn(&mut Value)>;

#[test]
fn each_broken_rule_is_named() {
    let header = "/entry/0/resource";
    let doc = "/entry/2/resource";
    let cases: Vec<(&str, Breaks)> = vec![
        (
            "itk-bundle-type",
            Box::new(|m| m["type"] = json!("collection")),
        ),
        (
            "itk-bundle-identifier",
            Box::new(|m| m["identifier"]["value"] = json!("not-a-uuid")),
        ),
        (
            "itk-header-event",
            Box::new(move |m| m.pointer_mut(header).unwrap()["event"]["code"] = json!("ITK008M")),
        ),
        (
            "itk-header-no-destination",
            Box::new(move |m| {
                m.pointer_mut(header).unwrap()["destination"] = json!([{"endpoint": "X"}])
            }),
        ),
        (
            "itk-handling-acks",
            Box::new(move |m| {
                m.pointer_mut(header).unwrap()["extension"][0]["extension"][0]["valueBoolean"] =
                    json!(false)
            }),
        ),
        (
            "itk-handling-local-extension",
            Box::new(move |m| {
                m.pointer_mut(header).unwrap()["extension"][0]["extension"][5]["valueString"] =
                    json!("Other")
            }),
        ),
        (
            "itk-document-type",
            Box::new(move |m| m.pointer_mut(doc).unwrap()["type"] = json!("collection")),
        ),
        (
            "itk-composition-status",
            Box::new(move |m| {
                m.pointer_mut(doc).unwrap()["entry"][0]["resource"]["status"] = json!("preliminary")
            }),
        ),
        (
            "itk-composition-text",
            Box::new(move |m| {
                m.pointer_mut(doc).unwrap()["entry"][0]["resource"]["text"]["div"] =
                    json!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Report</p></div>")
            }),
        ),
        (
            "itk-binary-pdf",
            Box::new(move |m| {
                m.pointer_mut(doc).unwrap()["entry"][1]["resource"]["contentType"] =
                    json!("text/plain")
            }),
        ),
        (
            "itk-binary-pdf-opens",
            Box::new(move |m| {
                m.pointer_mut(doc).unwrap()["entry"][1]["resource"]["content"] = json!("aGVsbG8=")
            }),
        ),
        (
            "itk-binary-first",
            Box::new(move |m| {
                let entries = m.pointer_mut(doc).unwrap()["entry"].as_array_mut().unwrap();
                entries.remove(1);
            }),
        ),
    ];
    for (rule, breaks) in cases {
        let mut m = message();
        breaks(&mut m);
        assert!(rules(&m).contains(&rule), "{rule}: {:?}", rules(&m));
    }
}
