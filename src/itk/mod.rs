//! ITK3 messaging for Send Document (`spec-digest.md` §9): the Send Document message ([`message`]), the PDF it
//! carries ([`pdf`]), and the identifiers the specification fixes (below). Acknowledgements and the checks of
//! inbound messages follow.

pub mod inbound;
pub mod message;
pub mod pdf;
pub mod response;

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
