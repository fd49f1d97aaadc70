//! Spine Secure Proxy header names (case-insensitive on the wire) and well-known systems.

pub const SSP_TRACE_ID: &str = "Ssp-TraceID";
pub const SSP_FROM: &str = "Ssp-From";
pub const SSP_TO: &str = "Ssp-To";
pub const SSP_INTERACTION_ID: &str = "Ssp-InteractionID";
pub const AUTHORIZATION: &str = "Authorization";

/// All mandatory SSP headers (Authorization is checked with the JWT).
pub const SSP_HEADERS: [&str; 4] = [SSP_TRACE_ID, SSP_FROM, SSP_TO, SSP_INTERACTION_ID];

pub const FHIR_JSON: &str = "application/fhir+json";
pub const FHIR_XML: &str = "application/fhir+xml";
pub const FHIR_JSON_UTF8: &str = "application/fhir+json;charset=utf-8";
pub const FHIR_XML_UTF8: &str = "application/fhir+xml;charset=utf-8";

/// Access Record HTML 0.x (FHIR DSTU2): its media types, identifier systems and JWT constants (0.7.4 pages
/// `development_general_api_guidance`, `integration_cross_organisation_audit_and_provenance`).
pub mod dstu2 {
    pub const FHIR_JSON: &str = "application/json+fhir";
    pub const FHIR_XML: &str = "application/xml+fhir";
    pub const FHIR_JSON_UTF8: &str = "application/json+fhir;charset=utf-8";
    pub const FHIR_XML_UTF8: &str = "application/xml+fhir;charset=utf-8";
    pub const NHS_NUMBER: &str = "http://fhir.nhs.net/Id/nhs-number";
    pub const ODS_ORGANIZATION: &str = "http://fhir.nhs.net/Id/ods-organization-code";
    /// The practitioner's SDS user id system in the 0.x JWT: without `/Id/`, the typo providers were assured
    /// against.
    pub const SDS_USER_JWT: &str = "http://fhir.nhs.net/sds-user-id";
    pub const SDS_JOB_ROLE: &str = "http://fhir.nhs.net/ValueSet/sds-job-role-name-1";
    pub const RECORD_SECTION: &str = "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1";
    pub const ERROR_CODE: &str = "http://fhir.nhs.net/ValueSet/gpconnect-error-or-warning-code-1";
    /// `aud` of every 0.x token: fixed, not the service root.
    pub const JWT_AUDIENCE: &str = "https://authorize.fhir.nhs.net/token";
}

/// Identifier systems (STU3, 1.x).
pub mod system {
    pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
    pub const NHS_NUMBER_DSTU2: &str = "http://fhir.nhs.net/Id/nhs-number";
    pub const ODS_ORGANIZATION: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
    pub const ODS_SITE: &str = "https://fhir.nhs.uk/Id/ods-site-code";
    pub const SDS_USER: &str = "https://fhir.nhs.uk/Id/sds-user-id";
    pub const SDS_ROLE_PROFILE: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
    pub const LOCAL_LOCATION: &str = "https://fhir.nhs.uk/Id/local-location-identifier";
    pub const SPINE_ERROR: &str = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1";
    /// The ValueSet URL that 1.2.x pages printed by mistake in their examples.
    pub const SPINE_ERROR_VALUESET: &str =
        "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1";
    pub const REGISTRATION_TYPE: &str =
        "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-RegistrationType-1";
    /// The CodeSystem the required ValueSet draws on (the published 1.2.x examples use a wrong URL without
    /// `/STU3/CodeSystem/`).
    pub const NHS_NUMBER_VERIFICATION: &str =
        "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1";
    /// Booking organisation types (`searchFilter`, booking organisation `type`).
    pub const ORGANISATION_TYPE: &str =
        "https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1";
    /// SDS job role names: the practitioner role of a schedule or appointment.
    pub const SDS_JOB_ROLE: &str =
        "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1";
}

/// Profile and extension canonical URLs used by Foundations.
pub mod profile {
    pub const PATIENT: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1";
    pub const PRACTITIONER: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Practitioner-1";
    pub const PRACTITIONER_ROLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-PractitionerRole-1";
    pub const ORGANIZATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1";
    pub const LOCATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Location-1";
    pub const OPERATION_OUTCOME: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1";
    pub const SEARCHSET_BUNDLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Searchset-Bundle-1";
    pub const APPOINTMENT: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1";
    pub const SLOT: &str = "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Slot-1";
    pub const SCHEDULE: &str = "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Schedule-1";
    pub const DOCUMENT_REFERENCE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-DocumentReference-1";
    pub const STRUCTURED_BUNDLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1";
    pub const REGISTER_PATIENT_OPERATION: &str =
        "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-RegisterPatient-Operation-1";
    pub const GET_STRUCTURED_OPERATION: &str =
        "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1";
    pub const EXT_REGISTRATION_DETAILS: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1";
    pub const EXT_NHS_NUMBER_VERIFICATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1";
    pub const EXT_NHS_COMMUNICATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSCommunication-1";
    pub const EXT_BOOKING_ORGANISATION: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1";
    pub const EXT_CANCELLATION_REASON: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1";
    pub const EXT_PRACTITIONER_ROLE: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1";
    pub const EXT_DELIVERY_CHANNEL: &str =
        "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2";
    pub const DSTU2_OPERATION_OUTCOME: &str =
        "http://fhir.nhs.net/StructureDefinition/gpconnect-operationoutcome-1";
    /// The Access Record HTML 0.7.2 profiles (DSTU2).
    pub const DSTU2_SEARCHSET_BUNDLE: &str =
        "http://fhir.nhs.net/StructureDefinition/gpconnect-searchset-bundle-1";
    pub const DSTU2_CARE_RECORD_COMPOSITION: &str =
        "http://fhir.nhs.net/StructureDefinition/gpconnect-carerecord-composition-1";
    pub const DSTU2_PATIENT: &str = "http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1";
    pub const DSTU2_ORGANIZATION: &str =
        "http://fhir.nhs.net/StructureDefinition/gpconnect-organization-1";
    pub const DSTU2_PRACTITIONER: &str =
        "http://fhir.nhs.net/StructureDefinition/gpconnect-practitioner-1";
    pub const DSTU2_DEVICE: &str = "http://fhir.nhs.net/StructureDefinition/gpconnect-device-1";
    pub const DSTU2_LOCATION: &str = "http://fhir.nhs.net/StructureDefinition/gpconnect-location-1";
}
