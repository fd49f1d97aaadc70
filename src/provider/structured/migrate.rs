//! `POST /Patient/$gpc.migratestructuredrecord` (Access Record Structured 1.6.2, migrate page): the patient's
//! whole record for GP2GP-style transfer. The request names the patient and `includeFullRecord` with its
//! mandatory part `includeSensitiveInformation`; the JWT must give the reason `migration` and the confidentiality
//! that matches (`conf/N` without sensitive information, `conf/R` with it).

use serde_json::{json, Value};

use super::params::{self, Consultations, Immunisations, Medication, StructuredRequest};
use super::{api_error, ApiError, Fault, ProviderState, Reply, Req};

/// The migrate request: the NHS number and whether sensitive information is asked for. `fault` says which of
/// the provider's faults are switched on (the state's, or any set when fuzzed).
pub(crate) fn parse(
    body: &Value,
    fault: &dyn Fn(Fault) -> bool,
) -> Result<(String, bool), ApiError> {
    if body.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(api_error(
            "INVALID_RESOURCE",
            "the request body is not a Parameters resource",
        ));
    }
    let items = body
        .get("parameter")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let named = |n: &str| {
        items
            .iter()
            .filter(|p| p.get("name").and_then(Value::as_str) == Some(n))
            .cloned()
            .collect::<Vec<_>>()
    };
    // The NHS number follows the same rules as get structured record.
    let lenient = params::Leniency {
        nhs_check_digit_unchecked: fault(Fault::AcceptBadNhsNumber),
        nhs_system_unchecked: fault(Fault::AcceptUnknownIdentifierSystem),
        ..params::Leniency::default()
    };
    let nhs = params::parse_with(
        &json!({ "resourceType": "Parameters", "parameter": named("patientNHSNumber") }),
        chrono::NaiveDate::MIN,
        lenient,
    )
    .map_err(|e| api_error(e.code, e.message))?
    .nhs_number;
    if !fault(Fault::StructMigrateExtraParamAccepted) {
        if let Some(other) = items
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .find(|n| *n != "patientNHSNumber" && *n != "includeFullRecord")
        {
            return Err(api_error(
                "INVALID_PARAMETER",
                format!("`{other}` is not a parameter of $gpc.migratestructuredrecord"),
            ));
        }
    }
    let full = named("includeFullRecord");
    let [full] = full.as_slice() else {
        return Err(api_error(
            "INVALID_PARAMETER",
            "`includeFullRecord` must be given once",
        ));
    };
    let sensitive = full
        .get("part")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(Value::as_str) == Some("includeSensitiveInformation"))
        .and_then(|p| p.get("valueBoolean"))
        .and_then(Value::as_bool);
    let Some(sensitive) = sensitive else {
        return Err(api_error(
            "INVALID_PARAMETER",
            "`includeFullRecord` needs its part `includeSensitiveInformation` with a valueBoolean",
        ));
    };
    Ok((nhs, sensitive))
}

/// The JWT rules of the migrate operation.
fn check_jwt(st: &ProviderState, claims: &Value, sensitive: bool) -> Result<(), ApiError> {
    let reason = claims
        .get("reason_for_request")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if reason != "migration" && !st.fault(Fault::StructMigrateReasonUnchecked) {
        return Err(api_error(
            "BAD_REQUEST",
            format!("JWT `reason_for_request` must be `migration` to migrate a record, found `{reason}`"),
        ));
    }
    if st.fault(Fault::StructMigrateScopeUnchecked) {
        return Ok(());
    }
    let scope = claims
        .get("requested_scope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let conf: Vec<&str> = scope
        .split(' ')
        .filter(|w| w.starts_with("conf/"))
        .collect();
    match (conf.as_slice(), sensitive) {
        (["conf/R"], true) | (["conf/N"], false) => Ok(()),
        ([], _) => Err(api_error(
            "BAD_REQUEST",
            format!("JWT `requested_scope` `{scope}` names no confidentiality (conf/N or conf/R)"),
        )),
        _ => Err(api_error(
            "CONFLICTING_VALUES",
            format!(
                "JWT `requested_scope` `{scope}` does not match includeSensitiveInformation = {sensitive}"
            ),
        )),
    }
}

/// Every area, unfiltered: the full record.
fn full_record(nhs: String) -> StructuredRequest {
    StructuredRequest {
        nhs_number: nhs,
        allergies: Some(true),
        medication: Some(Medication {
            prescription_issues: true,
            from: None,
        }),
        consultations: Some(Consultations::default()),
        problems: Some(None),
        immunisations: Some(Immunisations {
            not_given: true,
            status: true,
        }),
        uncategorised: Some(params::DateRange::default()),
        investigations: Some(params::DateRange::default()),
        referrals: Some(params::DateRange::default()),
        diary: Some(None),
        unsupported: Vec::new(),
    }
}

pub(crate) fn migrate_structured_record(
    st: &ProviderState,
    req: &Req<'_>,
) -> Result<Reply, ApiError> {
    let body = super::parameters_body(st, req)?;
    let (nhs, sensitive) = parse(&body, &|f| st.fault(f))?;
    check_jwt(st, &req.jwt_claims, sensitive)?;
    let withhold = if sensitive {
        st.fault(Fault::StructMigrateSensitiveWithheld)
    } else {
        !st.fault(Fault::StructMigrateSensitiveUnfiltered)
    };
    // The full record is always available, whatever clinical areas are switched off (migrate page).
    let bundle = super::bundle_for(st, &full_record(nhs), withhold, &[])?;
    Ok(Reply {
        status: 200,
        body: bundle,
        ..Reply::default()
    })
}
