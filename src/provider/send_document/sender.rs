//! The reference sender: a care setting that sends consultation reports to the patient's registered practice over
//! MESH (workflow `GPFED_CONSULT_REPORT`, addressed `GPPROVIDER_<NHS>_<DDMMYYYY>_<Surname>`), replacements with the
//! next version, and collects the acknowledgements that come back to its mailbox.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::Parties;
use crate::itk::message::{self, Patient};
use crate::mesh::MeshClient;
use crate::provider::Fault;

/// What the sender is asked to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub patient: Patient,
    /// The document a replacement replaces (its document id).
    pub replaces: Option<String>,
}

/// A PDF that opens but has no page (`sd-sender-empty-pdf`).
const EMPTY_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A running reference sender (its acknowledgement collector stops when dropped).
#[derive(Debug)]
pub struct ReferenceSender {
    mesh: Arc<MeshClient>,
    parties: Arc<Parties>,
    /// Version of every document sent, by document id.
    versions: Mutex<HashMap<String, u32>>,
    collector: tokio::task::JoinHandle<()>,
}

impl Drop for ReferenceSender {
    fn drop(&mut self) {
        self.collector.abort();
    }
}

impl ReferenceSender {
    /// A sender of `mesh`'s mailbox that collects its acknowledgements every `poll`.
    pub fn spawn(mesh: MeshClient, parties: Arc<Parties>, poll: Duration) -> Self {
        let mesh = Arc::new(mesh);
        let collector = {
            let (mesh, parties) = (mesh.clone(), parties.clone());
            tokio::spawn(async move {
                if parties.fault(Fault::SdSenderIgnoresAcks) {
                    return;
                }
                let mut pacer = super::Pacer::new(parties.doorbell.clone(), poll);
                loop {
                    let mut active = false;
                    if let Ok(ids) = mesh.inbox().await {
                        for id in ids {
                            active = true;
                            // A person is alerted to a negative acknowledgement; the message is collected either way.
                            if mesh.download(&id).await.is_ok() {
                                let _ = mesh.acknowledge(&id).await;
                            }
                        }
                    }
                    pacer.pause(active).await;
                }
            })
        };
        Self {
            mesh,
            parties,
            versions: Mutex::new(HashMap::new()),
            collector,
        }
    }

    /// Sends a report (or a replacement); the MESH message id.
    pub async fn send(&self, request: &ReportRequest) -> Result<String, String> {
        let p = &self.parties;
        let mut report = crate::itk::sample::report(&p.mailbox, p.clock.now());
        report.organization.ods_code = p.ods_code.clone();
        report.patient = request.patient.clone();
        if p.fault(Fault::SdSenderEmptyPdf) {
            report.pdf = EMPTY_PDF.to_vec();
        }
        {
            let mut versions = self
                .versions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(previous) = &request.replaces {
                let before = versions.get(previous).copied().unwrap_or(1);
                report.version = if p.fault(Fault::SdSenderVersionNotIncremented) {
                    before
                } else {
                    before + 1
                };
                if !p.fault(Fault::SdSenderReplacementUnlinked) {
                    report.replaces = Some(previous.clone());
                }
            }
            versions.insert(report.document_id.clone(), report.version);
        }
        let message_id = uuid::Uuid::new_v4().to_string();
        let mut bundle = message::build(&report, &message_id);
        if let Some(rule) = Fault::ALL
            .iter()
            .filter(|f| p.fault(**f))
            .find_map(|f| f.sender_breakage())
        {
            crate::itk::mutation::apply(rule, &mut bundle);
        }
        if p.fault(Fault::SdSenderWrongSource) {
            bundle["entry"][0]["resource"]["source"]["endpoint"] = json!("X26ABC3");
        }
        if p.fault(Fault::SdSenderInvalidResource) {
            if let Some(entries) = bundle
                .pointer_mut("/entry/2/resource/entry")
                .and_then(serde_json::Value::as_array_mut)
            {
                for e in entries {
                    if e["resource"]["resourceType"] == "Patient" {
                        e["resource"]["gender"] = json!("M");
                    }
                }
            }
        }
        let xml = crate::fhir::xml::json_to_xml(&bundle).map_err(|e| e.to_string())?;
        let mut to = report.mesh_recipient();
        if p.fault(Fault::SdSenderWrongRouting) {
            to = format!(
                "GPPROVIDER_{}_{}_{}",
                report.patient.nhs_number,
                report.patient.birth_date.format("%Y%m%d"),
                report.patient.family
            );
        }
        let mut outgoing = report.mesh_message(&to, xml.into_bytes(), "application/fhir+xml");
        if p.fault(Fault::SdSenderWrongWorkflow) {
            outgoing.workflow_id = crate::itk::WORKFLOW_ACK.into();
        }
        if p.fault(Fault::SdSenderWrongSubject) {
            outgoing.subject = outgoing.subject.map(|s| {
                s.rsplit_once(", Version")
                    .map_or(s.clone(), |(a, _)| a.to_string())
            });
        }
        if p.fault(Fault::SdSenderWrongLocalId) {
            outgoing.local_id = Some(report.document_id.clone());
        }
        self.mesh.send(&outgoing).await.map_err(|e| e.to_string())
    }
}
