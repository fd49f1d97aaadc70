//! The specification's error table: Spine error code -> HTTP status and OperationOutcome `issue.code`.
//! Displays are not spelled here: they come from the Spine-ErrorOrWarningCode-1 CodeSystem definition.

/// One row of the error-handling table (1.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRow {
    pub code: &'static str,
    pub status: u16,
    pub issue_code: &'static str,
}

pub const ERROR_TABLE: &[ErrorRow] = &[
    ErrorRow {
        code: "INVALID_IDENTIFIER_SYSTEM",
        status: 400,
        issue_code: "value",
    },
    ErrorRow {
        code: "INVALID_IDENTIFIER_VALUE",
        status: 400,
        issue_code: "value",
    },
    ErrorRow {
        code: "INVALID_NHS_NUMBER",
        status: 400,
        issue_code: "value",
    },
    ErrorRow {
        code: "INVALID_PATIENT_DEMOGRAPHICS",
        status: 400,
        issue_code: "business-rule",
    },
    ErrorRow {
        code: "PATIENT_NOT_FOUND",
        status: 404,
        issue_code: "not-found",
    },
    ErrorRow {
        code: "ORGANISATION_NOT_FOUND",
        status: 404,
        issue_code: "not-found",
    },
    ErrorRow {
        code: "PRACTITIONER_NOT_FOUND",
        status: 404,
        issue_code: "not-found",
    },
    ErrorRow {
        code: "NO_RECORD_FOUND",
        status: 404,
        issue_code: "not-found",
    },
    ErrorRow {
        code: "NO_PATIENT_CONSENT",
        status: 403,
        issue_code: "forbidden",
    },
    ErrorRow {
        code: "NO_ORGANISATIONAL_CONSENT",
        status: 403,
        issue_code: "forbidden",
    },
    ErrorRow {
        code: "ACCESS DENIED",
        status: 403,
        issue_code: "forbidden",
    },
    ErrorRow {
        code: "NO_RELATIONSHIP",
        status: 403,
        issue_code: "forbidden",
    },
    ErrorRow {
        code: "DUPLICATE_REJECTED",
        status: 409,
        issue_code: "duplicate",
    },
    // Not in the spec's table: the official suite expects it (409) when an update's If-Match names a version
    // that is not current (AppointmentCancel.feature); the reference provider uses it for amend and cancel.
    ErrorRow {
        code: "FHIR_CONSTRAINT_VIOLATION",
        status: 409,
        issue_code: "conflict",
    },
    ErrorRow {
        code: "INVALID_RESOURCE",
        status: 422,
        issue_code: "invalid",
    },
    ErrorRow {
        code: "INVALID_PARAMETER",
        status: 422,
        issue_code: "invalid",
    },
    ErrorRow {
        code: "REFERENCE_NOT_FOUND",
        status: 422,
        issue_code: "invalid",
    },
    ErrorRow {
        code: "BAD_REQUEST",
        status: 400,
        issue_code: "invalid",
    },
    ErrorRow {
        code: "CONFLICTING_VALUES",
        status: 400,
        issue_code: "invalid",
    },
    ErrorRow {
        code: "UNSUPPORTED_MEDIA_TYPE",
        status: 415,
        issue_code: "not-supported",
    },
    ErrorRow {
        code: "INTERNAL_SERVER_ERROR",
        status: 500,
        issue_code: "exception",
    },
    ErrorRow {
        code: "NOT_IMPLEMENTED",
        status: 501,
        issue_code: "not-supported",
    },
];

/// The table row for a Spine code.
pub fn row(code: &str) -> Option<&'static ErrorRow> {
    ERROR_TABLE.iter().find(|r| r.code == code)
}
