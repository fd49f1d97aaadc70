//! Send Document steps, both directions over MESH.
//!
//! - [`receiver`]: a receiving GP system under test (the harness sends reports and judges the acknowledgements);
//! - [`sender`]: a sending system under test (the harness is the registered practice: it judges every report the
//!   sender sends, answers it, and watches the sender collect the answers).

pub mod receiver;
pub mod sender;

use std::sync::Arc;

use serde_json::Value;

use super::world::GpcWorld;
use crate::itk::inbound::Inbound;
use crate::itk::message::Report;
use crate::send_document::{Delivery, SendDocumentHarness};

/// What a Send Document scenario has built, sent and received.
#[derive(Debug, Default)]
pub struct SendDocumentState {
    /// The report the harness builds (provider direction).
    pub report: Option<Report>,
    /// The rule the report is to break when sent.
    pub breaks: Option<String>,
    /// The message the harness sent: the Bundle, its MessageHeader id, the MESH message id.
    pub sent: Option<SentReport>,
    /// The reports the sender under test sent (consumer direction), oldest first, with what they say.
    pub reports: Vec<(Delivery, Value, Inbound)>,
    /// The acknowledgement the harness answered with: its MESH message id.
    pub answered: Option<String>,
    /// The sender-pool patient the scenario holds (consumer direction).
    pub claim: Option<crate::send_document::PatientClaim>,
    /// Every MESH message the scenario sent or took, with its metadata (evidence `message-NN.json`).
    pub messages: Vec<Value>,
}

/// A report the harness sent.
#[derive(Debug, Clone)]
pub struct SentReport {
    pub bundle: Value,
    pub header_id: String,
    pub sender_reference: String,
    pub mesh_id: String,
}

impl GpcWorld {
    /// Keeps a MESH message as evidence (once per MESH message id).
    pub fn record_message(&mut self, direction: &str, mesh: &serde_json::Value, body: &Value) {
        let id = &mesh["message_id"];
        if !id.is_null()
            && self
                .send_document
                .messages
                .iter()
                .any(|m| &m["mesh"]["message_id"] == id)
        {
            return;
        }
        self.send_document.messages.push(serde_json::json!({
            "direction": direction, "mesh": mesh, "body": body }));
    }

    /// Keeps a received MESH message as evidence.
    pub fn record_delivery(&mut self, d: &Delivery, body: &Value) {
        let mesh = serde_json::to_value(&d.received.metadata).unwrap_or_default();
        self.record_message("received", &mesh, body);
    }

    /// The run's Send Document side.
    pub fn send_document(&self) -> Result<Arc<SendDocumentHarness>, String> {
        self.ctx
            .send_document
            .clone()
            .ok_or_else(|| "this run has no MESH (Send Document was not set up)".to_string())
    }

    /// A MESH payload as FHIR JSON.
    pub fn read_payload(&self, body: &[u8]) -> Result<Value, String> {
        let text = std::str::from_utf8(body)
            .map_err(|e| format!("the MESH message is not UTF-8 text: {e}"))?;
        self.itk_validator()?
            .read(text)
            .map_err(|e| format!("the MESH message is no FHIR resource: {e}"))
    }

    fn itk_validator(&self) -> Result<Arc<crate::validate::Validator>, String> {
        self.ctx.validator(crate::spine::Capability::Structured)
    }

    /// Checks a message against the profiles it claims (ITK): one line per error.
    pub fn itk_errors(&mut self, resource: &Value) -> Result<Vec<String>, String> {
        let issues = self.itk_validator()?.validate(resource, &[]);
        self.validations.push(serde_json::json!({
            "of": "the MESH message's FHIR Bundle",
            "outcome": crate::validate::operation_outcome(&issues),
        }));
        Ok(issues
            .into_iter()
            .filter(|i| i.severity == crate::validate::Severity::Error)
            .map(|i| format!("{}: {}", i.expression, i.message))
            .collect())
    }
}
