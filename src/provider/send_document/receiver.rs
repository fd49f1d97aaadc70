//! The reference receiver: a GP practice system receiving Send Document over MESH. It collects every message of
//! its mailbox, checks it (`itk::inbound`), and answers the sender's mailbox on the acknowledgement workflow with
//! an infrastructure acknowledgement (20013, a negative code naming the first broken rule, or 20014 for a
//! replacement of a document it never had) and, for a message it accepted, a business acknowledgement (30001
//! registered here, 30002 not known, 30003 no longer registered here).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::Parties;
use crate::itk::inbound::{self, Inbound};
use crate::itk::response::{self, Ack};
use crate::mesh::{MeshClient, Outgoing, Received};
use crate::provider::data::{PatientRecord, Role};
use crate::provider::Fault;

/// The mailbox acknowledgements go to under `sd-ack-to-wrong-mailbox` (one of the sandbox's own).
const WRONG_MAILBOX: &str = "X26ABC3";

/// The infrastructure code a broken rule is answered with.
fn code_for(rule: &str) -> &'static str {
    match rule {
        "itk-bundle-type" | "itk-header-first" => "10009",
        "itk-handling-acks" => "10001",
        "itk-handling-recipient-type" => "10010",
        "itk-handling-message-definition" => "10004",
        "itk-handling-sender-reference" => "10007",
        "itk-handling-local-extension" => "10008",
        "itk-header-event" | "itk-header-no-destination" | "itk-bundle-identifier" => "20006",
        "itk-binary-pdf" | "itk-binary-pdf-opens" => "20005",
        _ => "20009",
    }
}

/// The receiver's state: the documents it holds (by document id) and the patients it knows.
struct Practice {
    parties: Arc<Parties>,
    patients: HashMap<String, Role>,
    documents: HashSet<String>,
}

/// A running reference receiver; it stops when dropped.
#[derive(Debug)]
pub struct ReferenceReceiver {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ReferenceReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReferenceReceiver {
    /// Starts collecting `mesh`'s inbox every `poll`.
    pub fn spawn(
        mesh: MeshClient,
        parties: Arc<Parties>,
        patients: &[PatientRecord],
        poll: Duration,
    ) -> Self {
        let mut practice = Practice {
            parties,
            patients: patients
                .iter()
                .map(|p| (p.nhs_number.clone(), p.role))
                .collect(),
            documents: HashSet::new(),
        };
        let task = tokio::spawn(async move {
            let mut handled: HashSet<String> = HashSet::new();
            let mut pacer = super::Pacer::new(practice.parties.doorbell.clone(), poll);
            loop {
                let mut active = false;
                if let Ok(ids) = mesh.inbox().await {
                    for id in ids {
                        if handled.contains(&id) {
                            continue;
                        }
                        active = true;
                        if let Ok(received) = mesh.download(&id).await {
                            practice.receive(&mesh, &received).await;
                            if !practice.parties.fault(Fault::SdMessageNotCollected) {
                                let _ = mesh.acknowledge(&id).await;
                            }
                            handled.insert(id);
                        }
                    }
                }
                pacer.pause(active).await;
            }
        });
        Self { task }
    }
}

impl Practice {
    async fn receive(&mut self, mesh: &MeshClient, received: &Received) {
        let Ok(message) = self.parties.read(&received.body) else {
            return;
        };
        // Acknowledgements (of its own acknowledgements) are collected; nothing answers them.
        if received.metadata.workflow_id.as_deref() == Some(crate::itk::WORKFLOW_ACK) {
            return;
        }
        let mut inbound = inbound::inspect(&message);
        // A message the checks stopped early on is still answered: its MessageHeader, wherever it is.
        if let Some(header) = message["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "MessageHeader")
        {
            let text = |p: &str| header.pointer(p).and_then(Value::as_str).map(String::from);
            inbound.header_id = inbound.header_id.or_else(|| text("/id"));
            inbound.sender_mailbox = inbound.sender_mailbox.or_else(|| text("/source/endpoint"));
            inbound.sender_reference = inbound.sender_reference.or_else(|| {
                header["extension"][0]["extension"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e["url"] == "SenderReference")
                    .and_then(|e| e["valueString"].as_str())
                    .map(String::from)
            });
        }
        let Some(to) = received
            .metadata
            .from
            .clone()
            .or(inbound.sender_mailbox.clone())
        else {
            return;
        };
        let to = if self.parties.fault(Fault::SdAckToWrongMailbox) {
            WRONG_MAILBOX.to_string()
        } else {
            to
        };
        let infrastructure = self.infrastructure_code(&inbound);
        let business = (infrastructure == "20013").then(|| self.business_code(&inbound));
        let acks: Vec<(&str, Option<String>)> = {
            let inf = (!self.parties.fault(Fault::SdNoInfrastructureAck))
                .then(|| (infrastructure, self.diagnostics(&inbound, infrastructure)));
            let bus = business
                .filter(|_| !self.parties.fault(Fault::SdNoBusinessAck))
                .map(|c| (c, None));
            if self.parties.fault(Fault::SdBusinessAckFirst) {
                bus.into_iter().chain(inf).collect()
            } else {
                inf.into_iter().chain(bus).collect()
            }
        };
        for (code, diagnostics) in acks {
            if let Some(body) = self.ack(&message, &inbound, code, diagnostics) {
                let workflow = if self.parties.fault(Fault::SdAckWrongWorkflow) {
                    crate::itk::WORKFLOW
                } else {
                    crate::itk::WORKFLOW_ACK
                };
                let outgoing = Outgoing {
                    to: to.clone(),
                    workflow_id: workflow.to_string(),
                    subject: Some(format!("ITK response {code}")),
                    local_id: Some(self.parties.ods_code.clone()),
                    file_name: Some(format!("response-{code}.json")),
                    content_type: Some("application/fhir+json".into()),
                    body: body.to_string().into_bytes(),
                    compress: true,
                };
                let _ = mesh.send(&outgoing).await;
            }
        }
        if infrastructure == "20013" {
            if let Some(d) = &inbound.document_id {
                self.documents.insert(d.clone());
            }
        }
    }

    fn infrastructure_code(&self, inbound: &Inbound) -> &'static str {
        let ignored = |rule: &str| {
            self.parties.fault(Fault::SdAcceptsInvalidMessage)
                || (self.parties.fault(Fault::SdAcceptsMessageWithoutPdf)
                    && rule.starts_with("itk-binary"))
        };
        if let Some(f) = inbound.findings.iter().find(|f| !ignored(f.rule)) {
            return code_for(f.rule);
        }
        if self.parties.fault(Fault::SdWrongInfrastructureCode) {
            return "20009";
        }
        match &inbound.replaces {
            Some(_) if self.parties.fault(Fault::SdReplacementRejected) => "20014",
            Some(original)
                if !self.documents.contains(original)
                    && !self.parties.fault(Fault::SdReplacementNotRecognised) =>
            {
                "20014"
            }
            _ => "20013",
        }
    }

    fn business_code(&self, inbound: &Inbound) -> &'static str {
        let role = inbound
            .nhs_number
            .as_ref()
            .and_then(|n| self.patients.get(n));
        match role {
            None if self.parties.fault(Fault::SdUnknownPatientAccepted) => "30001",
            None => "30002",
            Some(Role::Inactive) if !self.parties.fault(Fault::SdDepartedPatientAccepted) => {
                "30003"
            }
            Some(_) if self.parties.fault(Fault::SdWrongBusinessCode) => "30002",
            Some(_) => "30001",
        }
    }

    fn diagnostics(&self, inbound: &Inbound, code: &str) -> Option<String> {
        match code {
            "20013" => None,
            "20014" => Some(format!(
                "The document replaced ({}) is not held here.",
                inbound.replaces.as_deref().unwrap_or("")
            )),
            _ => inbound.findings.first().map(|f| f.message.clone()),
        }
    }

    fn ack(
        &self,
        message: &Value,
        inbound: &Inbound,
        code: &str,
        diagnostics: Option<String>,
    ) -> Option<Value> {
        let code = response::response_code(code)?;
        let answered = if self.parties.fault(Fault::SdAckWrongReference) {
            message.pointer("/identifier/value").and_then(Value::as_str)
        } else {
            inbound.header_id.as_deref()
        }
        .unwrap_or_default();
        let sender_reference = if self.parties.fault(Fault::SdAckLosesSenderReference) {
            uuid::Uuid::new_v4().to_string()
        } else {
            inbound.sender_reference.clone().unwrap_or_default()
        };
        let responder_mailbox = if self.parties.fault(Fault::SdAckWrongSource) {
            inbound.sender_mailbox.clone().unwrap_or_default()
        } else {
            self.parties.mailbox.clone()
        };
        let ack = Ack {
            code,
            display: self.parties.display(code.code),
            original_header_id: answered.to_string(),
            sender_reference,
            responder_mailbox,
            responder_ods: self.parties.ods_code.clone(),
            timestamp: self.parties.clock.now(),
            diagnostics,
        };
        let mut bundle = response::build(&ack, &uuid::Uuid::new_v4().to_string());
        if self.parties.fault(Fault::SdAckInvalid) {
            bundle["entry"][2]["resource"]["issue"][0]["severity"] = json!("fatal-error");
        }
        Some(bundle)
    }
}
