//! The 0.x error table and the DSTU2 OperationOutcome every error on the Access Record HTML root is answered with
//! (0.7.4 `development_fhir_error_handling_guidance`, the expected-error workbook).

use serde_json::json;

use super::super::{ApiError, Fault, ProviderState, Reply};
use crate::spine::headers::{dstu2, profile};

/// One row of the 0.x error table: the error code, its HTTP status, the FHIR issue type and the display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRow {
    pub code: &'static str,
    pub status: u16,
    pub issue: &'static str,
    pub display: &'static str,
}

/// The error codes of the 0.x error handling guidance, with the status and description it gives each.
pub const TABLE: &[ErrorRow] = &[
    row(
        "INVALID_IDENTIFIER_SYSTEM",
        400,
        "value",
        "Invalid identifier system",
    ),
    row(
        "INVALID_IDENTIFIER_VALUE",
        400,
        "value",
        "Invalid identifier value",
    ),
    row(
        "INVALID_PATIENT_DEMOGRAPHICS",
        400,
        "value",
        "Invalid patient demographics",
    ),
    row(
        "PATIENT_NOT_FOUND",
        404,
        "not-found",
        "Patient record not found",
    ),
    row("INVALID_NHS_NUMBER", 400, "value", "NHS Number invalid"),
    row(
        "ORGANISATION_NOT_FOUND",
        404,
        "not-found",
        "Organisation record not found",
    ),
    row("INVALID_ODS_CODE", 400, "value", "ODS code invalid"),
    row(
        "PRACTITIONER_NOT_FOUND",
        404,
        "not-found",
        "Practitioner record not found",
    ),
    row(
        "NO_PATIENT_CONSENT",
        403,
        "forbidden",
        "No Patient Consent To Share",
    ),
    row("NON_AUTHORITATIVE", 403, "forbidden", "Non Authoritative"),
    row(
        "INVALID_RESOURCE",
        422,
        "invalid",
        "Submitted resource is not valid.",
    ),
    row(
        "INVALID_PARAMETER",
        422,
        "invalid",
        "Submitted parameter is not valid.",
    ),
    row(
        "REFERENCE_NOT_FOUND",
        422,
        "invalid",
        "Referenced resource not found.",
    ),
    row(
        "INTERNAL_SERVER_ERROR",
        500,
        "exception",
        "Unexpected internal server error.",
    ),
    row(
        "NOT_IMPLEMENTED",
        501,
        "not-supported",
        "FHIR resource or operation not implemented at server",
    ),
    row(
        "BAD_REQUEST",
        400,
        "invalid",
        "Submitted request is malformed / invalid.",
    ),
    // Not in the guidance's tables: an unknown path, and the workbook's "Invalid accept content" (415 with
    // BAD_REQUEST).
    row("NO_RECORD_FOUND", 404, "not-found", "No record found"),
    row(
        "UNSUPPORTED_MEDIA_TYPE",
        415,
        "not-supported",
        "Unsupported media type",
    ),
];

const fn row(
    code: &'static str,
    status: u16,
    issue: &'static str,
    display: &'static str,
) -> ErrorRow {
    ErrorRow {
        code,
        status,
        issue,
        display,
    }
}

/// The row of an error code.
pub fn row_of(code: &str) -> Option<&'static ErrorRow> {
    TABLE.iter().find(|r| r.code == code)
}

/// The STU3 (1.x) error code system, written instead of the DSTU2 one under `html-error-stu3-system`.
const STU3_ERROR_SYSTEM: &str = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1";

/// The OperationOutcome reply of an error on the Access Record HTML root.
pub(crate) fn outcome(st: &ProviderState, e: &ApiError) -> Reply {
    let row = row_of(e.code).copied().unwrap_or(ErrorRow {
        code: "INTERNAL_SERVER_ERROR",
        status: 500,
        issue: "exception",
        display: "Unexpected internal server error.",
    });
    let mut status = row.status;
    if row.code == "BAD_REQUEST" && st.fault(Fault::UnprocessableForBadRequest) {
        status = 422;
    }
    // An unsupported media type is answered 415 with the BAD_REQUEST code (expected-error workbook).
    let (code, display) = if row.code == "UNSUPPORTED_MEDIA_TYPE" {
        ("BAD_REQUEST", "Submitted request is malformed / invalid.")
    } else {
        (row.code, row.display)
    };
    let system = if st.fault(Fault::HtmlErrorStu3System) {
        STU3_ERROR_SYSTEM
    } else {
        dstu2::ERROR_CODE
    };
    let mut coding = json!({ "system": system, "code": code });
    if !st.fault(Fault::ErrorNoDisplay) {
        coding["display"] = json!(display);
    }
    let body = json!({
        "resourceType": "OperationOutcome",
        "meta": { "profile": [profile::DSTU2_OPERATION_OUTCOME] },
        "issue": [{
            "severity": "error",
            "code": row.issue,
            "details": { "coding": [coding] },
            "diagnostics": e.diagnostics
        }]
    });
    Reply {
        status,
        body,
        ..Reply::default()
    }
}
