//! The checks of a received Send Document message, beyond its profiles: what the receiver needs to answer it
//! (the header id, the sender reference, the patient, the replaced document) and every rule of the message the
//! specification states (`senddoc_requirements.yml`, the ITK3 integration page), each a finding with its rule id.
//! The reference receiver answers from them; the consumer-direction checks report them.

use base64::Engine;
use serde_json::Value;

use super::{pdf, system};

/// A broken rule: its id and one sentence naming the element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub message: String,
}

/// What a received message says, and what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inbound {
    pub header_id: Option<String>,
    pub sender_reference: Option<String>,
    pub sender_mailbox: Option<String>,
    pub bus_ack_requested: bool,
    pub inf_ack_requested: bool,
    pub nhs_number: Option<String>,
    pub family: Option<String>,
    pub birth_date: Option<String>,
    /// The document Bundle's identifier.
    pub document_id: Option<String>,
    /// The document it replaces (`Composition.relatesTo` `replaces`).
    pub replaces: Option<String>,
    /// The version stated in the Composition text ("..., Version n").
    pub version: Option<u32>,
    pub pages: Option<usize>,
    pub findings: Vec<Finding>,
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer).and_then(Value::as_str).map(String::from)
}

/// The resources of a Bundle's entries by `fullUrl`.
fn by_full_url<'a>(bundle: &'a Value, url: &str) -> Option<&'a Value> {
    bundle["entry"]
        .as_array()?
        .iter()
        .find(|e| e["fullUrl"].as_str() == Some(url))
        .map(|e| &e["resource"])
}

/// Reads and checks a Send Document message (FHIR JSON, as the validator reads it).
pub fn inspect(message: &Value) -> Inbound {
    let mut out = Inbound::default();
    let mut findings: Vec<Finding> = Vec::new();
    let mut add = |rule: &'static str, message: String| findings.push(Finding { rule, message });
    if message["resourceType"] != "Bundle" || message["type"] != "message" {
        add(
            "itk-bundle-type",
            format!(
                "Bundle.type: expected a `message` Bundle, got {} `{}`",
                message["resourceType"]
                    .as_str()
                    .unwrap_or("(no resourceType)"),
                message["type"].as_str().unwrap_or("(absent)")
            ),
        );
        out.findings = findings;
        return out;
    }
    match text(message, "/identifier/value") {
        Some(id) if uuid::Uuid::parse_str(&id).is_ok() => {}
        other => add(
            "itk-bundle-identifier",
            format!(
                "Bundle.identifier.value: expected a UUID, got `{}`",
                other.unwrap_or_else(|| "(absent)".into())
            ),
        ),
    }
    let header = &message["entry"][0]["resource"];
    if header["resourceType"] != "MessageHeader" {
        add(
            "itk-header-first",
            "Bundle.entry[0]: expected the MessageHeader first".into(),
        );
        out.findings = findings;
        return out;
    }
    out.header_id = text(header, "/id");
    if text(header, "/event/code").as_deref() != Some("ITK007C")
        || text(header, "/event/system").as_deref() != Some(system::MESSAGE_EVENT)
    {
        add(
            "itk-header-event",
            format!(
                "MessageHeader.event: expected ITK007C of {}, got `{}`",
                system::MESSAGE_EVENT,
                text(header, "/event/code").unwrap_or_else(|| "(absent)".into())
            ),
        );
    }
    for element in ["destination", "receiver"] {
        if header.get(element).is_some() {
            add(
                "itk-header-no-destination",
                format!(
                    "MessageHeader.{element}: expected none (MESH routes by the patient), got one"
                ),
            );
        }
    }
    out.sender_mailbox = text(header, "/source/endpoint");
    let handling: Vec<&Value> = header["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["url"] == system::MESSAGE_HANDLING)
        .flat_map(|e| e["extension"].as_array().into_iter().flatten())
        .collect();
    let sub = |url: &str| handling.iter().find(|e| e["url"] == url).copied();
    out.bus_ack_requested =
        sub("BusAckRequested").and_then(|e| e["valueBoolean"].as_bool()) == Some(true);
    out.inf_ack_requested =
        sub("InfAckRequested").and_then(|e| e["valueBoolean"].as_bool()) == Some(true);
    for (url, ok) in [
        ("BusAckRequested", out.bus_ack_requested),
        ("InfAckRequested", out.inf_ack_requested),
    ] {
        if !ok {
            add(
                "itk-handling-acks",
                format!(
                    "MessageHeader.extension(MessageHandling).{url}: expected true, got {}",
                    sub(url)
                        .map(|e| e["valueBoolean"].to_string())
                        .unwrap_or_else(|| "(absent)".into())
                ),
            );
        }
    }
    if sub("RecipientType")
        .and_then(|e| text(e, "/valueCoding/code"))
        .as_deref()
        != Some("FA")
    {
        add(
            "itk-handling-recipient-type",
            "MessageHeader.extension(MessageHandling).RecipientType: expected `FA` (For Action)"
                .into(),
        );
    }
    if sub("MessageDefinition")
        .and_then(|e| text(e, "/valueReference/reference"))
        .as_deref()
        != Some(system::MESSAGE_DEFINITION)
    {
        add(
            "itk-handling-message-definition",
            format!(
                "MessageHeader.extension(MessageHandling).MessageDefinition: expected {}",
                system::MESSAGE_DEFINITION
            ),
        );
    }
    out.sender_reference = sub("SenderReference").and_then(|e| text(e, "/valueString"));
    if out.sender_reference.as_deref().is_none_or(str::is_empty) {
        add("itk-handling-sender-reference", "MessageHeader.extension(MessageHandling).SenderReference: expected the encounter's unique id, got (absent)".into());
    }
    let use_case = sub("LocalExtension").and_then(|e| text(e, "/valueString"));
    if !use_case
        .as_deref()
        .is_some_and(|u| u.starts_with("SendDocument-"))
    {
        add("itk-handling-local-extension", format!("MessageHeader.extension(MessageHandling).LocalExtension: expected a `SendDocument-...` use case, got `{}`", use_case.unwrap_or_else(|| "(absent)".into())));
    }
    let Some(document) = text(header, "/focus/0/reference").and_then(|r| by_full_url(message, &r))
    else {
        add(
            "itk-header-focus",
            "MessageHeader.focus: expected a reference to the document Bundle in the message"
                .into(),
        );
        out.findings = findings;
        return out;
    };
    if document["type"] != "document" {
        add(
            "itk-document-type",
            "MessageHeader.focus: the focus is not a `document` Bundle".into(),
        );
    }
    out.document_id = text(document, "/identifier/value");
    let doc_entries: Vec<&Value> = document["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["resource"])
        .collect();
    let of_type = |t: &str| doc_entries.iter().copied().find(|r| r["resourceType"] == t);
    let Some(composition) = doc_entries
        .first()
        .copied()
        .filter(|r| r["resourceType"] == "Composition")
    else {
        add(
            "itk-composition-first",
            "document Bundle.entry[0]: expected the Composition first".into(),
        );
        out.findings = findings;
        return out;
    };
    if composition["status"] != "final" {
        add(
            "itk-composition-status",
            format!(
                "Composition.status: expected `final`, got `{}`",
                composition["status"].as_str().unwrap_or("(absent)")
            ),
        );
    }
    if text(composition, "/type/coding/0/code").as_deref() != Some("371531000") {
        add(
            "itk-composition-type",
            "Composition.type: expected SNOMED 371531000 Report of clinical encounter".into(),
        );
    }
    out.replaces = composition["relatesTo"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["code"] == "replaces")
        .and_then(|r| text(r, "/targetIdentifier/value"));
    let summary = text(composition, "/text/div").unwrap_or_default();
    out.version = summary
        .rsplit("Version ")
        .next()
        .filter(|_| summary.contains("Version "))
        .map(|t| {
            t.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|d| d.parse().ok());
    if !summary.contains("Consultation report for") || out.version.is_none() {
        add("itk-composition-text", "Composition.text: expected \"Consultation report for {Patient Name}, NHS Number {NHS Number}, seen at {Practice Name}, ODS Code {ODS Code}, Version {n}\"".into());
    }
    match of_type("Patient") {
        Some(p) => {
            out.nhs_number = p["identifier"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|i| i["system"] == system::NHS_NUMBER)
                .and_then(|i| text(i, "/value"));
            out.family = text(p, "/name/0/family");
            out.birth_date = text(p, "/birthDate");
            if out.nhs_number.is_none() {
                add(
                    "itk-patient-nhs-number",
                    "Patient.identifier: expected an NHS number".into(),
                );
            }
        }
        None => add("itk-patient", "document Bundle: expected a Patient".into()),
    }
    match doc_entries.get(1).copied().filter(|r| r["resourceType"] == "Binary") {
        Some(binary) => {
            if binary["contentType"] != "application/pdf" {
                add("itk-binary-pdf", format!("Binary.contentType: expected `application/pdf`, got `{}`", binary["contentType"].as_str().unwrap_or("(absent)")));
            }
            match binary["content"].as_str().map(|c| base64::engine::general_purpose::STANDARD.decode(c)) {
                Some(Ok(bytes)) => match pdf::page_count(&bytes) {
                    Ok(n) => out.pages = Some(n),
                    Err(e) => add("itk-binary-pdf-opens", format!("Binary.content: the PDF {e}")),
                },
                _ => add("itk-binary-pdf-opens", "Binary.content: expected base64 PDF data".into()),
            }
        }
        None => add("itk-binary-first", "document Bundle.entry[1]: expected the PDF Binary (the primary attachment) after the Composition".into()),
    }
    out.findings = findings;
    out
}

#[cfg(test)]
mod tests;
