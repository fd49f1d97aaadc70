use std::collections::HashMap;

use chrono::TimeZone;

use super::*;
use crate::fhir::FhirPath;
use crate::itk::sample::validator;
use crate::validate::Severity;

fn displays() -> HashMap<String, String> {
    validator()
        .store()
        .index()
        .code_displays(system::RESPONSE_CODES)
        .expect("the ITK response codes")
}

fn ack(code: &str) -> Ack {
    Ack {
        code: response_code(code).expect("a Send Document code"),
        display: displays().get(code).cloned().unwrap_or_default(),
        original_header_id: "ea7221b8-3cc0-4b11-bc95-585b056b5428".into(),
        sender_reference: "846ebe66-5ff8-4499-bc57-a112d3d0daa3".into(),
        responder_mailbox: "X26ABC2".into(),
        responder_ods: "B82617".into(),
        timestamp: Utc
            .with_ymd_and_hms(2026, 12, 1, 10, 31, 0)
            .single()
            .unwrap_or_default(),
        diagnostics: (code != "20013" && code != "30001").then(|| "why".to_string()),
    }
}

#[test]
fn every_code_is_in_the_code_system_and_its_ack_validates_clean() {
    let displays = displays();
    for c in RESPONSE_CODES {
        assert!(
            displays.contains_key(c.code),
            "{} is not in the CodeSystem",
            c.code
        );
        let bundle = build(&ack(c.code), "9918442c-deb0-44d0-bd80-741016eabba2");
        let errors: Vec<String> = validator()
            .validate(&bundle, &[])
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .map(|i| format!("{}: {}", i.expression, i.message))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", c.code);
        let view = read(&bundle).expect("reads back");
        assert_eq!(view.code, c.code);
        assert_eq!(view.answers, "ea7221b8-3cc0-4b11-bc95-585b056b5428");
        assert_eq!(view.response, c.response);
        assert_eq!(view.kind, Some(c.kind()));
    }
    assert!(response_code("30016").is_none(), "not a Send Document code");
}

/// How each code is expressed matches the official example of that code, where the STU3 assets have one.
#[test]
fn each_code_is_expressed_as_its_official_example() {
    let examples = FhirPath::development_default()
        .existing()
        .expect("../shared/fhir")
        .into_iter()
        .map(|f| f.join("nhsconnect-STU3-FHIR-Assets/Examples"))
        .find(|p| p.is_dir())
        .expect("the STU3 assets' examples");
    let mut compared = 0;
    for c in RESPONSE_CODES {
        let path = examples.join(format!("ITK-Response-{}-Example-1.xml", c.code));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let official = validator().read(&text).expect("FHIR XML");
        let header = &official["entry"][0]["resource"];
        let outcome = official["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "OperationOutcome")
            .expect("an OperationOutcome");
        assert_eq!(header["response"]["code"], c.response, "{}", c.code);
        assert_eq!(outcome["issue"][0]["code"], c.issue, "{}", c.code);
        assert_eq!(outcome["issue"][0]["severity"], c.severity, "{}", c.code);
        let inf = header["extension"][0]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["url"] == "InfAckRequested")
            .map(|e| e["valueBoolean"].clone());
        let ours = build(&ack(c.code), "x");
        let our_inf =
            ours["entry"][0]["resource"]["extension"][0]["extension"][1]["valueBoolean"].clone();
        assert_eq!(inf, Some(our_inf), "{} InfAckRequested", c.code);
        assert_eq!(read(&official).expect("reads").code, c.code);
        compared += 1;
    }
    assert_eq!(
        compared,
        RESPONSE_CODES.len(),
        "every code has an official example"
    );
}

#[test]
fn a_message_that_is_no_ack_is_named() {
    let mut b = build(&ack("20013"), "x");
    b["entry"][0]["resource"]["event"]["code"] = json!("ITK007C");
    assert!(read(&b).unwrap_err().contains("ITK008M"));
    assert!(read(&json!({"resourceType": "Bundle"}))
        .unwrap_err()
        .contains("Bundle.entry"));
}
