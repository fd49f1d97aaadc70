//! ITK3 messaging for Send Document (`spec-digest.md` §9): the Send Document message ([`message`]), the PDF it
//! carries ([`pdf`]), and the identifiers the specification fixes (below). Acknowledgements and the checks of
//! inbound messages follow.

pub mod inbound;
pub mod message;
pub mod mutation;
pub mod pdf;
pub mod response;
pub mod sample;

/// What the ITK message-handling extension of a MessageHeader says.
pub(crate) struct Handling<'a> {
    pub bus_ack: bool,
    pub inf_ack: bool,
    pub message_definition: &'a str,
    pub sender_reference: &'a str,
    pub local_extension: &'a str,
}

impl Handling<'_> {
    /// The extension (`Extension-ITK-MessageHandling-2`), recipient type "For Action".
    pub(crate) fn extension(&self) -> serde_json::Value {
        let sub = |url: &str, key: &str, value: serde_json::Value| {
            let mut e = serde_json::Map::new();
            e.insert("url".into(), url.into());
            e.insert(key.into(), value);
            serde_json::Value::Object(e)
        };
        serde_json::json!({
            "url": system::MESSAGE_HANDLING,
            "extension": [
                sub("BusAckRequested", "valueBoolean", self.bus_ack.into()),
                sub("InfAckRequested", "valueBoolean", self.inf_ack.into()),
                sub("RecipientType", "valueCoding", serde_json::json!({
                    "system": system::RECIPIENT_TYPE, "code": "FA", "display": "For Action" })),
                sub("MessageDefinition", "valueReference",
                    serde_json::json!({ "reference": self.message_definition })),
                sub("SenderReference", "valueString", self.sender_reference.into()),
                sub("LocalExtension", "valueString", self.local_extension.into()),
            ]
        })
    }
}

/// MESH workflow of the Send Document message.
pub const WORKFLOW: &str = "GPFED_CONSULT_REPORT";
/// MESH workflow of its acknowledgements.
pub const WORKFLOW_ACK: &str = "GPFED_CONSULT_REPORT_ACK";

/// Profiles of the message.
pub mod profile {
    pub const MESSAGE_BUNDLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Message-Bundle-1";
    pub const MESSAGE_HEADER: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2";
    pub const HEADER_ORGANIZATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-ITK-Header-Organization-1";
    pub const DOCUMENT_BUNDLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Document-Bundle-1";
    pub const ATTACHMENT_BINARY: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Attachment-Binary-1";
    pub const COMPOSITION: &str =
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Composition-1";
    pub const PATIENT: &str =
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1";
    pub const PRACTITIONER: &str =
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Practitioner-1";
    pub const ORGANIZATION: &str =
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Organization-1";
    pub const RESPONSE_OPERATION_OUTCOME: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Response-OperationOutcome-1";
}

/// Extensions, code systems and identifier systems of the message.
pub mod system {
    pub const MESSAGE_HANDLING: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2";
    pub const RECIPIENT_TYPE: &str = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1";
    pub const MESSAGE_EVENT: &str = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2";
    pub const RESPONSE_CODES: &str = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1";
    pub const MESSAGE_DEFINITION: &str =
        "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1";
    pub const UUID: &str = "https://tools.ietf.org/html/rfc4122";
    pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
    pub const NHS_NUMBER_VERIFICATION: &str =
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1";
    pub const NHS_NUMBER_VERIFICATION_CODES: &str =
        "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1";
    pub const ODS_ORGANIZATION: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
    pub const SDS_USER: &str = "https://fhir.nhs.uk/Id/sds-user-id";
    pub const SNOMED: &str = "http://snomed.info/sct";
}
