//! Breakages of a Send Document message, one per rule of [`super::inbound`]: the harness sends them to a receiver
//! under test (which must refuse each with a negative infrastructure acknowledgement), and the reference sender's
//! faults send them to the harness (which must report the rule). Each is named by the rule id it breaks.

use serde_json::{json, Value};

use super::system;

/// The rule ids a breakage exists for, in the order of the inbound checks.
pub const RULES: &[&str] = &[
    "itk-bundle-type",
    "itk-bundle-identifier",
    "itk-header-first",
    "itk-header-event",
    "itk-header-no-destination",
    "itk-handling-acks",
    "itk-handling-recipient-type",
    "itk-handling-message-definition",
    "itk-handling-sender-reference",
    "itk-handling-local-extension",
    "itk-header-focus",
    "itk-document-type",
    "itk-composition-first",
    "itk-composition-status",
    "itk-composition-type",
    "itk-composition-text",
    "itk-patient",
    "itk-patient-nhs-number",
    "itk-binary-first",
    "itk-binary-pdf",
    "itk-binary-pdf-opens",
];

/// The entries of the document Bundle the MessageHeader's focus names (the third entry as built).
fn document_entries(message: &mut Value) -> Option<&mut Vec<Value>> {
    message
        .pointer_mut("/entry/2/resource/entry")
        .and_then(Value::as_array_mut)
}

fn handling(message: &mut Value) -> Option<&mut Vec<Value>> {
    message
        .pointer_mut("/entry/0/resource/extension/0/extension")
        .and_then(Value::as_array_mut)
}

fn set_handling(message: &mut Value, url: &str, key: &str, value: Value) -> bool {
    let Some(subs) = handling(message) else {
        return false;
    };
    match subs.iter_mut().find(|e| e["url"] == url) {
        Some(e) => {
            e[key] = value;
            true
        }
        None => false,
    }
}

fn resource_of_type<'a>(entries: &'a mut [Value], t: &str) -> Option<&'a mut Value> {
    entries
        .iter_mut()
        .map(|e| &mut e["resource"])
        .find(|r| r["resourceType"] == t)
}

/// Breaks `rule` in a message built by [`super::message::build`]; `false` when the rule is unknown or the message
/// does not have the shape the breakage needs.
pub fn apply(rule: &str, message: &mut Value) -> bool {
    match rule {
        "itk-bundle-type" => {
            message["type"] = json!("collection");
            true
        }
        "itk-bundle-identifier" => {
            message["identifier"]["value"] = json!("not-a-uuid");
            true
        }
        "itk-header-first" => match message["entry"].as_array_mut() {
            Some(entries) if entries.len() > 1 => {
                entries.swap(0, 1);
                true
            }
            _ => false,
        },
        "itk-header-event" => {
            message["entry"][0]["resource"]["event"] = json!({
                "system": system::MESSAGE_EVENT, "code": "ITK008M", "display": "ITK Response" });
            true
        }
        "itk-header-no-destination" => {
            message["entry"][0]["resource"]["destination"] =
                json!([{ "endpoint": "GPPROVIDER_MAILBOX" }]);
            true
        }
        "itk-handling-acks" => {
            set_handling(message, "InfAckRequested", "valueBoolean", json!(false))
        }
        "itk-handling-recipient-type" => set_handling(
            message,
            "RecipientType",
            "valueCoding",
            json!({ "system": system::RECIPIENT_TYPE, "code": "INFO", "display": "For Information" }),
        ),
        "itk-handling-message-definition" => set_handling(
            message,
            "MessageDefinition",
            "valueReference",
            json!({ "reference": "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Unknown-MessageDefinition-1" }),
        ),
        "itk-handling-sender-reference" => {
            set_handling(message, "SenderReference", "valueString", json!(""))
        }
        "itk-handling-local-extension" => {
            set_handling(message, "LocalExtension", "valueString", json!("None"))
        }
        "itk-header-focus" => message["entry"][0]["resource"]
            .as_object_mut()
            .is_some_and(|h| h.remove("focus").is_some()),
        "itk-document-type" => {
            message["entry"][2]["resource"]["type"] = json!("collection");
            true
        }
        "itk-composition-first" => match document_entries(message) {
            Some(entries) if entries.len() > 1 => {
                let first = entries.remove(0);
                entries.push(first);
                true
            }
            _ => false,
        },
        "itk-composition-status" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Composition"))
            .map(|c| c["status"] = json!("preliminary"))
            .is_some(),
        "itk-composition-type" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Composition"))
            .map(|c| {
                c["type"] = json!({ "coding": [{ "system": system::SNOMED, "code": "371525003",
                    "display": "Clinical procedure report" }] })
            })
            .is_some(),
        "itk-composition-text" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Composition"))
            .map(|c| {
                c["text"]["div"] =
                    json!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Report</p></div>")
            })
            .is_some(),
        "itk-patient" => match document_entries(message) {
            Some(entries) => {
                let before = entries.len();
                entries.retain(|e| e["resource"]["resourceType"] != "Patient");
                entries.len() < before
            }
            None => false,
        },
        "itk-patient-nhs-number" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Patient"))
            .and_then(|p| p.as_object_mut())
            .is_some_and(|p| p.remove("identifier").is_some()),
        "itk-binary-first" => match document_entries(message) {
            Some(entries) if entries.len() > 2 => {
                let binary = entries.remove(1);
                entries.push(binary);
                true
            }
            _ => false,
        },
        "itk-binary-pdf" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Binary"))
            .map(|b| b["contentType"] = json!("text/plain"))
            .is_some(),
        "itk-binary-pdf-opens" => document_entries(message)
            .and_then(|e| resource_of_type(e, "Binary"))
            .map(|b| b["content"] = json!("VGhpcyBpcyBub3QgYSBQREYu"))
            .is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    #[test]
    fn every_breakage_breaks_its_rule_and_only_makes_findings_the_clean_message_has_not() {
        let report = crate::itk::sample::report("X26ABC1", Utc::now());
        let clean = crate::itk::message::build(&report, &uuid::Uuid::new_v4().to_string());
        assert!(crate::itk::inbound::inspect(&clean).findings.is_empty());
        for rule in RULES {
            let mut broken = clean.clone();
            assert!(apply(rule, &mut broken), "{rule} applies");
            let rules: Vec<&str> = crate::itk::inbound::inspect(&broken)
                .findings
                .iter()
                .map(|f| f.rule)
                .collect();
            assert!(rules.contains(rule), "{rule}: findings {rules:?}");
        }
        assert!(!apply("itk-unknown", &mut clean.clone()));
    }
}
