//! ITK3 acknowledgements (`ITK008M` "ITK Response"): the infrastructure acknowledgement (codes 10001-20014, 20013
//! Success) and the business acknowledgement (30001 patient known, 30002 not known, 30003 no longer at this
//! setting) a receiver returns for a Send Document message. Each is a `message` Bundle: the MessageHeader with
//! `response.identifier` = the original MessageHeader id and `response.code`, the responding organisation, and
//! the `ITK-Response-OperationOutcome-1` whose coding carries the response code (`senddoc_requirements.yml`
//! GPCM-SD-CS-054..059). How each code is expressed (`response.code`, issue code and severity) follows the
//! official examples `ITK-Response-<code>-Example-1.xml` of the STU3 FHIR assets; displays come from the
//! `ITK-ResponseCodes-1` CodeSystem in the definitions.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{profile, system, Handling};

/// The ITK Response MessageDefinition.
pub const RESPONSE_MESSAGE_DEFINITION: &str =
    "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-Instance-1";

/// Which acknowledgement a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    Infrastructure,
    Business,
}

/// How one response code is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseCode {
    pub code: &'static str,
    /// `MessageHeader.response.code`: `ok` or `fatal-error`.
    pub response: &'static str,
    /// `OperationOutcome.issue.code`.
    pub issue: &'static str,
    /// `OperationOutcome.issue.severity`.
    pub severity: &'static str,
}

impl ResponseCode {
    pub fn kind(&self) -> AckKind {
        if self.code.starts_with('3') {
            AckKind::Business
        } else {
            AckKind::Infrastructure
        }
    }
}

macro_rules! codes {
    ($($code:literal $response:literal $issue:literal $severity:literal;)*) => {
        &[$(ResponseCode { code: $code, response: $response, issue: $issue, severity: $severity },)*]
    };
}

/// The response codes of Send Document (10001-20014, 30001-30003), as the official examples express them.
pub const RESPONSE_CODES: &[ResponseCode] = codes! {
    "10001" "fatal-error" "processing" "fatal";
    "10002" "fatal-error" "processing" "fatal";
    "10003" "fatal-error" "processing" "fatal";
    "10004" "fatal-error" "processing" "fatal";
    "10005" "fatal-error" "processing" "fatal";
    "10007" "fatal-error" "processing" "fatal";
    "10008" "fatal-error" "processing" "fatal";
    "10009" "fatal-error" "processing" "fatal";
    "10010" "fatal-error" "processing" "fatal";
    "20001" "fatal-error" "not-found" "fatal";
    "20002" "fatal-error" "not-found" "fatal";
    "20003" "fatal-error" "not-found" "fatal";
    "20004" "fatal-error" "security" "fatal";
    "20005" "fatal-error" "security" "fatal";
    "20006" "fatal-error" "invalid" "fatal";
    "20007" "fatal-error" "duplicate" "fatal";
    "20008" "fatal-error" "duplicate" "fatal";
    "20009" "fatal-error" "structure" "fatal";
    "20010" "fatal-error" "not-found" "fatal";
    "20011" "fatal-error" "not-found" "fatal";
    "20012" "fatal-error" "security" "fatal";
    "20013" "ok" "informational" "information";
    "20014" "ok" "processing" "fatal";
    "30001" "ok" "informational" "information";
    "30002" "fatal-error" "not-found" "fatal";
    "30003" "fatal-error" "business-rule" "fatal";
};

/// A response code of Send Document.
pub fn response_code(code: &str) -> Option<&'static ResponseCode> {
    RESPONSE_CODES.iter().find(|c| c.code == code)
}

/// What an acknowledgement answers and who sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub code: &'static ResponseCode,
    /// The code's display (from the `ITK-ResponseCodes-1` CodeSystem).
    pub display: String,
    /// The id of the MessageHeader answered.
    pub original_header_id: String,
    /// The answered message's `SenderReference`, carried back.
    pub sender_reference: String,
    /// The responder's MESH mailbox (`source.endpoint`) and ODS code.
    pub responder_mailbox: String,
    pub responder_ods: String,
    pub timestamp: DateTime<Utc>,
    /// A sentence for `issue.diagnostics` (why a negative acknowledgement was sent).
    pub diagnostics: Option<String>,
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// The acknowledgement Bundle (FHIR STU3 JSON, element order as FHIR's).
pub fn build(ack: &Ack, message_id: &str) -> Value {
    let new_id = || uuid::Uuid::new_v4().to_string();
    let (header_id, org_id, outcome_id) = (new_id(), new_id(), new_id());
    // A business acknowledgement asks for an infrastructure acknowledgement of itself; an infrastructure one
    // asks for nothing (the official examples).
    let inf_ack = ack.code.kind() == AckKind::Business;
    let header = json!({
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": { "profile": [profile::MESSAGE_HEADER] },
        "extension": [Handling {
            bus_ack: false,
            inf_ack,
            message_definition: RESPONSE_MESSAGE_DEFINITION,
            sender_reference: &ack.sender_reference,
            local_extension: "None",
        }
        .extension()],
        "event": { "system": system::MESSAGE_EVENT, "code": "ITK008M", "display": "ITK Response" },
        "sender": { "reference": urn(&org_id) },
        "timestamp": ack.timestamp.to_rfc3339_opts(SecondsFormat::Secs, false),
        "source": { "endpoint": ack.responder_mailbox },
        "response": {
            "identifier": ack.original_header_id,
            "code": ack.code.response,
            "details": { "reference": urn(&outcome_id) },
        },
    });
    let organization = json!({
        "resourceType": "Organization",
        "id": org_id,
        "meta": { "profile": [profile::HEADER_ORGANIZATION] },
        "identifier": [{ "system": system::ODS_ORGANIZATION, "value": ack.responder_ods }],
    });
    let mut issue = json!({
        "severity": ack.code.severity,
        "code": ack.code.issue,
        "details": { "coding": [{
            "system": system::RESPONSE_CODES, "code": ack.code.code, "display": ack.display }] },
    });
    if let Some(d) = &ack.diagnostics {
        issue["diagnostics"] = json!(d);
    }
    let outcome = json!({
        "resourceType": "OperationOutcome",
        "id": outcome_id,
        "meta": { "profile": [profile::RESPONSE_OPERATION_OUTCOME] },
        "issue": [issue],
    });
    let entry = |id: &str, r: Value| json!({ "fullUrl": urn(id), "resource": r });
    json!({
        "resourceType": "Bundle",
        "id": message_id,
        "meta": { "profile": [profile::MESSAGE_BUNDLE] },
        "identifier": { "system": system::UUID, "value": message_id },
        "type": "message",
        "entry": [entry(&header_id, header), entry(&org_id, organization), entry(&outcome_id, outcome)],
    })
}

/// What a received acknowledgement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckView {
    /// The MessageHeader id it answers.
    pub answers: String,
    /// `response.code`.
    pub response: String,
    /// The ITK response code.
    pub code: String,
    pub kind: Option<AckKind>,
}

/// Reads an acknowledgement: the first entry must be an `ITK008M` MessageHeader with a response whose details
/// are an OperationOutcome in the Bundle carrying an ITK response code.
pub fn read(bundle: &Value) -> Result<AckView, String> {
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .ok_or("Bundle.entry: expected the message's entries, got (absent)")?;
    let header = entries
        .first()
        .and_then(|e| e.get("resource"))
        .filter(|r| r["resourceType"] == "MessageHeader")
        .ok_or("Bundle.entry[0]: expected the MessageHeader first")?;
    let event = header.pointer("/event/code").and_then(Value::as_str);
    if event != Some("ITK008M") {
        return Err(format!(
            "MessageHeader.event.code: expected `ITK008M`, got `{}`",
            event.unwrap_or("(absent)")
        ));
    }
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
    let answers = text(header, "/response/identifier").ok_or(
        "MessageHeader.response.identifier: expected the answered MessageHeader id, got (absent)",
    )?;
    let response = text(header, "/response/code")
        .ok_or("MessageHeader.response.code: expected `ok` or an error, got (absent)")?;
    let details = text(header, "/response/details/reference")
        .ok_or("MessageHeader.response.details: expected a reference to the OperationOutcome, got (absent)")?;
    let outcome = entries
        .iter()
        .find(|e| e["fullUrl"].as_str() == Some(details.as_str()))
        .and_then(|e| e.get("resource"))
        .filter(|r| r["resourceType"] == "OperationOutcome")
        .ok_or_else(|| {
            format!(
                "MessageHeader.response.details: `{details}` is no OperationOutcome in the Bundle"
            )
        })?;
    let code = outcome["issue"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|i| {
            i.pointer("/details/coding")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .find(|c| c["system"].as_str() == Some(system::RESPONSE_CODES))
        .and_then(|c| text(c, "/code"))
        .ok_or_else(|| {
            format!(
                "OperationOutcome.issue.details: expected a coding of {}, got none",
                system::RESPONSE_CODES
            )
        })?;
    Ok(AckView {
        answers,
        response,
        kind: response_code(&code).map(ResponseCode::kind),
        code,
    })
}

#[cfg(test)]
mod tests;
