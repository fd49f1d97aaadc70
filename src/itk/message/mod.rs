//! The Send Document message (ITK3, FHIR STU3): a `message` Bundle whose first entry is the ITK MessageHeader
//! (event `ITK007C`, the message-handling extension asking for both acknowledgements), then the sending
//! organisation and the `document` Bundle it focuses on: the CareConnect Composition, the PDF Binary (the primary
//! attachment, first after the Composition), the Practitioner, the Organization and the Patient
//! (`senddoc_requirements.yml` GPCM-SD-CS-*, the official `consultation_report.xml`).

use base64::Engine;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{profile, system, Handling};
use crate::mesh::Outgoing;

/// The use case a message carries in `LocalExtension`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseCase {
    ConsultationReport,
    OnlineConsultationReport,
    Generic,
}

impl UseCase {
    pub fn local_extension(self) -> &'static str {
        match self {
            Self::ConsultationReport => "SendDocument-ConsultationReport",
            Self::OnlineConsultationReport => "SendDocument-OnlineConsultationReport",
            Self::Generic => "SendDocument-Generic",
        }
    }
}

/// A patient as the message and MESH routing name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub nhs_number: String,
    pub family: String,
    pub given: String,
    pub prefix: Option<String>,
    pub birth_date: NaiveDate,
}

/// The clinician who wrote the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practitioner {
    pub sds_user_id: String,
    pub family: String,
    pub given: String,
    pub prefix: Option<String>,
    pub phone: String,
}

/// An organisation by its ODS code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub ods_code: String,
    pub name: String,
    pub phone: String,
}

/// Everything a consultation report message says.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub use_case: UseCase,
    /// The sender's MESH mailbox (`MessageHeader.source.endpoint`).
    pub sender_mailbox: String,
    /// The care setting where the patient was seen (sender and custodian).
    pub organization: Organization,
    pub practitioner: Practitioner,
    pub patient: Patient,
    /// The unique id of the encounter (`SenderReference`).
    pub encounter_id: String,
    /// The document's UUID (the document Bundle's identifier); a replacement names the one it replaces.
    pub document_id: String,
    /// 1 for the original, one more for each replacement.
    pub version: u32,
    /// The document this one replaces (`Composition.relatesTo` `replaces`).
    pub replaces: Option<String>,
    /// A confidential consultation (`Composition.confidentiality` `R`; otherwise `N`).
    pub confidential: bool,
    /// When the message was generated.
    pub timestamp: DateTime<Utc>,
    pub pdf: Vec<u8>,
}

impl Report {
    /// The Composition's text and the MESH subject: "Consultation report for {Patient Name}, NHS Number {NHS
    /// Number}, seen at {Practice Name}, ODS Code {ODS Code}, Version {n}".
    pub fn summary(&self) -> String {
        format!(
            "Consultation report for {} {}, NHS Number {}, seen at {}, ODS Code {}, Version {}",
            self.patient.given,
            self.patient.family,
            self.patient.nhs_number,
            self.organization.name,
            self.organization.ods_code,
            self.version
        )
    }

    /// The MESH address of the patient's registered practice, resolved by MESH from PDS:
    /// `GPPROVIDER_<NHS No>_<DOB DDMMYYYY>_<Surname>`.
    pub fn mesh_recipient(&self) -> String {
        format!(
            "GPPROVIDER_{}_{}_{}",
            self.patient.nhs_number,
            self.patient.birth_date.format("%d%m%Y"),
            self.patient.family
        )
    }

    /// The MESH message carrying `payload` (the message serialised): workflow `GPFED_CONSULT_REPORT`, the
    /// summary as subject and the sender's ODS code as local id, to `to` (the routing address, or a mailbox).
    pub fn mesh_message(&self, to: &str, payload: Vec<u8>, content_type: &str) -> Outgoing {
        Outgoing {
            to: to.to_string(),
            workflow_id: super::WORKFLOW.to_string(),
            subject: Some(self.summary()),
            local_id: Some(self.organization.ods_code.clone()),
            file_name: Some(format!("{}.xml", self.document_id)),
            content_type: Some(content_type.to_string()),
            body: payload,
            compress: true,
        }
    }
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn entry(id: &str, resource: Value) -> Value {
    json!({ "fullUrl": urn(id), "resource": resource })
}

fn phone(number: &str) -> Value {
    json!([{ "system": "phone", "value": number, "use": "work" }])
}

fn name(family: &str, given: &str, prefix: &Option<String>) -> Value {
    let mut n = json!({ "use": "official", "family": family, "given": [given] });
    if let Some(p) = prefix {
        n["prefix"] = json!([p]);
    }
    json!([n])
}

/// The message Bundle (FHIR STU3 JSON); the message id is the outer Bundle's identifier.
pub fn build(report: &Report, message_id: &str) -> Value {
    let (header_id, sender_id, document_bundle_id) = (new_id(), new_id(), new_id());
    let (composition_id, binary_id, practitioner_id, organization_id, patient_id) =
        (new_id(), new_id(), new_id(), new_id(), new_id());
    let timestamp = report.timestamp.to_rfc3339_opts(SecondsFormat::Secs, false);
    let header = json!({
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": { "profile": [profile::MESSAGE_HEADER] },
        "extension": [Handling {
            bus_ack: true,
            inf_ack: true,
            message_definition: system::MESSAGE_DEFINITION,
            sender_reference: &report.encounter_id,
            local_extension: report.use_case.local_extension(),
        }
        .extension()],
        "event": { "system": system::MESSAGE_EVENT, "code": "ITK007C", "display": "ITK GP Connect Send Document" },
        "sender": { "reference": urn(&sender_id) },
        "timestamp": timestamp,
        "source": { "endpoint": report.sender_mailbox },
        "focus": [{ "reference": urn(&document_bundle_id) }],
    });
    let sender = json!({
        "resourceType": "Organization",
        "id": sender_id,
        "meta": { "profile": [profile::HEADER_ORGANIZATION] },
        "identifier": [{ "system": system::ODS_ORGANIZATION, "value": report.organization.ods_code }],
    });
    // Element order is FHIR's (the XML form depends on it): text before identifier, relatesTo after custodian.
    let relates_to = report.replaces.as_ref().map(|previous| {
        json!([{
            "code": "replaces",
            "targetIdentifier": { "system": system::UUID, "value": previous },
        }])
    });
    let mut composition = json!({
        "resourceType": "Composition",
        "id": composition_id,
        "meta": { "profile": [profile::COMPOSITION] },
        "text": {
            "status": "generated",
            "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></div>", xml_text(&report.summary())),
        },
        "identifier": { "system": system::UUID, "value": report.document_id },
        "status": "final",
        "type": { "coding": [{ "system": system::SNOMED, "code": "371531000", "display": "Report of clinical encounter" }] },
        "subject": { "reference": urn(&patient_id) },
        "date": timestamp,
        "author": [{ "reference": urn(&practitioner_id) }],
        "title": "Consultation report",
        "confidentiality": if report.confidential { "R" } else { "N" },
        "custodian": { "reference": urn(&organization_id) },
    });
    if let (Some(relates), Value::Object(c)) = (relates_to, &mut composition) {
        c.insert("relatesTo".into(), relates);
    }
    composition["section"] = json!([{
        "title": "Consultation report",
        "entry": [{ "reference": urn(&binary_id) }],
    }]);
    let binary = json!({
        "resourceType": "Binary",
        "id": binary_id,
        "meta": { "profile": [profile::ATTACHMENT_BINARY] },
        "contentType": "application/pdf",
        "content": base64::engine::general_purpose::STANDARD.encode(&report.pdf),
    });
    let p = &report.practitioner;
    let practitioner = json!({
        "resourceType": "Practitioner",
        "id": practitioner_id,
        "meta": { "profile": [profile::PRACTITIONER] },
        "identifier": [{ "system": system::SDS_USER, "value": p.sds_user_id }],
        "name": name(&p.family, &p.given, &p.prefix),
        "telecom": phone(&p.phone),
    });
    let o = &report.organization;
    let organization = json!({
        "resourceType": "Organization",
        "id": organization_id,
        "meta": { "profile": [profile::ORGANIZATION] },
        "identifier": [{ "system": system::ODS_ORGANIZATION, "value": o.ods_code }],
        "name": o.name,
        "telecom": phone(&o.phone),
    });
    let pt = &report.patient;
    let patient = json!({
        "resourceType": "Patient",
        "id": patient_id,
        "meta": { "profile": [profile::PATIENT] },
        "identifier": [{
            "extension": [{
                "url": system::NHS_NUMBER_VERIFICATION,
                "valueCodeableConcept": { "coding": [{
                    "system": system::NHS_NUMBER_VERIFICATION_CODES,
                    "code": "01",
                    "display": "Number present and verified",
                }] },
            }],
            "system": system::NHS_NUMBER,
            "value": pt.nhs_number,
        }],
        "name": name(&pt.family, &pt.given, &pt.prefix),
        "birthDate": pt.birth_date.format("%Y-%m-%d").to_string(),
    });
    let document = json!({
        "resourceType": "Bundle",
        "id": document_bundle_id,
        "meta": { "profile": [profile::DOCUMENT_BUNDLE] },
        "identifier": { "system": system::UUID, "value": report.document_id },
        "type": "document",
        "entry": [
            entry(&composition_id, composition),
            entry(&binary_id, binary),
            entry(&practitioner_id, practitioner),
            entry(&organization_id, organization),
            entry(&patient_id, patient),
        ],
    });
    json!({
        "resourceType": "Bundle",
        "id": message_id,
        "meta": { "profile": [profile::MESSAGE_BUNDLE] },
        "identifier": { "system": system::UUID, "value": message_id },
        "type": "message",
        "entry": [
            entry(&header_id, header),
            entry(&sender_id, sender),
            entry(&document_bundle_id, document),
        ],
    })
}

/// Text escaped for XHTML content.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests;
