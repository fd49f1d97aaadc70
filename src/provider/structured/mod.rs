//! Access Record Structured 1.6.2 in the reference provider.
//!
//! - [`params`]: the `$gpc.getstructuredrecord` Parameters, read and checked.
//! - [`record`]: the pack patients' records, as embedded data files with dates relative to the provider clock.
//! - [`areas`]: which items of a record each area and filter returns.
//! - [`bundle`]: the structured Bundle: Lists, secondary Lists, warnings and supporting resources.

pub mod areas;
pub mod bundle;
pub mod capability;
pub mod consumer_support;
pub(crate) mod migrate;
pub mod params;
pub mod record;

use serde_json::Value;

use super::data::{self, Role};
use super::foundations;
use super::{api_error, ApiError, Fault, ProviderState, Reply, Req};
use crate::config::DEFAULT_PATIENTS;
use bundle::{Quirks, Sources};
use params::{Leniency, StructuredRequest};

/// `POST /Patient/$gpc.getstructuredrecord`.
pub(crate) use migrate::migrate_structured_record;

pub(crate) fn get_structured_record(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let body = parameters_body(st, req)?;
    Ok(Reply {
        status: 200,
        body: structured_bundle(st, &body)?,
        ..Reply::default()
    })
}

/// The request's Parameters: a body the provider cannot parse is an invalid resource (retrieve page, error
/// table: "The provider could not parse the Parameters resource").
pub(crate) fn parameters_body(st: &ProviderState, req: &Req<'_>) -> Result<Value, ApiError> {
    foundations::parse_body(st, req).map_err(|e| {
        if e.code == "BAD_REQUEST" && !req.body.is_empty() {
            api_error("INVALID_RESOURCE", e.diagnostics)
        } else {
            e
        }
    })
}

/// Answers a `$gpc.getstructuredrecord` Parameters body as the provider does over HTTP: the Bundle, or the
/// Spine error code and diagnostics (for tests and tools that judge the provider's data directly).
pub fn answer(st: &ProviderState, parameters: &Value) -> Result<Value, (&'static str, String)> {
    structured_bundle(st, parameters).map_err(|e| (e.code, e.diagnostics))
}

fn structured_bundle(st: &ProviderState, body: &Value) -> Result<Value, ApiError> {
    let today = super::uktime::local_date(st.clock.now());
    let lenient = Leniency {
        allergies_part_optional: st.fault(Fault::StructAllergiesPartOptional),
        future_dates: st.fault(Fault::StructFutureDateAccepted),
        partial_dates: st.fault(Fault::StructPartialDateAccepted),
        refuse_unknown: st.fault(Fault::StructUnknownParameterRefused),
        forbidden_combinations: st.fault(Fault::StructForbiddenCombinationAccepted),
        date_times: st.fault(Fault::StructDateTimeAccepted),
        bad_dates_ignored: st.fault(Fault::StructBadDateIgnored),
        value_types_unchecked: st.fault(Fault::StructValueTypeUnchecked),
        empty_parts_ignored: st.fault(Fault::StructEmptyPartIgnored),
        status_unchecked: st.fault(Fault::StructFilterStatusUnchecked),
        nhs_check_digit_unchecked: st.fault(Fault::AcceptBadNhsNumber),
        nhs_system_unchecked: st.fault(Fault::AcceptUnknownIdentifierSystem),
        period_order_unchecked: st.fault(Fault::StructPeriodOrderUnchecked),
        consultation_both: st.fault(Fault::StructConsultationBothAccepted),
        most_recent_unchecked: st.fault(Fault::StructMostRecentUnchecked),
    };
    let mut request =
        params::parse_with(body, today, lenient).map_err(|e| api_error(e.code, e.message))?;
    apply_filter_faults(st, &mut request);
    // Areas switched off are answered with a warning, not data.
    let mut disabled = Vec::new();
    for area in &st.disabled_areas {
        if bundle::asks(&request, *area) {
            switch_off(&mut request, *area);
            disabled.push(area.parameter());
        }
    }
    bundle_for(
        st,
        &request,
        !st.fault(Fault::StructConfidentialReturned),
        &disabled,
    )
}

/// Removes an area from a request.
fn switch_off(r: &mut StructuredRequest, area: areas::Area) {
    use areas::Area as A;
    match area {
        A::Allergies => r.allergies = None,
        A::Medication => r.medication = None,
        A::Consultations => r.consultations = None,
        A::Problems => r.problems = None,
        A::Immunisations => r.immunisations = None,
        A::Uncategorised => r.uncategorised = None,
        A::Investigations => r.investigations = None,
        A::Referrals => r.referrals = None,
        A::Diary => r.diary = None,
    }
}

/// The Bundle answering `request`, with confidential items withheld or not.
pub(crate) fn bundle_for(
    st: &ProviderState,
    request: &StructuredRequest,
    withhold: bool,
    disabled: &[&str],
) -> Result<Value, ApiError> {
    let today = super::uktime::local_date(st.clock.now());
    let patient = find_patient(st, &request.nhs_number)?;
    let mut record = patient_record(st, &patient, today)?;
    if withhold {
        withhold_confidential(&mut record);
    }
    let common = st.records.common(today);
    let patient_resource = foundations::patient_resource(st, &patient);
    let builtin = |key: &str| builtin_resource(st, key);
    let src = Sources {
        record: &record,
        common: &common,
        builtin: &builtin,
        patient: patient_resource,
        today,
    };
    let quirks = Quirks {
        no_empty_reason: st.fault(Fault::StructNoEmptyReason),
        no_warning_codes: st.fault(Fault::StructNoWarningCodes),
        no_linked_problems: st.fault(Fault::StructNoLinkedProblems),
        wrong_list_code: st.fault(Fault::StructWrongListCode),
        dangling_reference: st.fault(Fault::StructDanglingReference),
        resolved_as_active: st.fault(Fault::StructResolvedAllergiesReturned),
        no_ended_list: st.fault(Fault::StructNoEndedAllergiesList),
    };
    Ok(bundle::build(request, &src, quirks, disabled))
}

/// The structured record of a patient on `today`: a pack patient's own record file, or what a consumer test
/// patient's entry in `data::consumer` names (a pack patient's record, none, or consumer support records).
fn patient_record(
    st: &ProviderState,
    patient: &data::PatientRecord,
    today: chrono::NaiveDate,
) -> Result<record::PatientRecord, ApiError> {
    use data::consumer::RecordSource;
    let Some(consumer) = data::consumer::by_nhs_number(&patient.nhs_number) else {
        let pack = DEFAULT_PATIENTS
            .iter()
            .find(|(_, nhs)| *nhs == patient.nhs_number)
            .map_or("", |(name, _)| name);
        return Ok(st.records.patient(pack, &patient.id, today));
    };
    match consumer.record {
        RecordSource::Empty => Ok(record::PatientRecord::default()),
        RecordSource::Record(name) => Ok(st.records.patient(name, &patient.id, today)),
        RecordSource::ConsumerSupport(files) => {
            consumer_support::load(&st.fhir_path, files, &patient.id)
                .map(|c| c.record)
                .map_err(|e| api_error("INTERNAL_SERVER_ERROR", e.to_string()))
        }
    }
}

/// Leaves out the items marked confidential; each List an item would have been in gets the confidential-items
/// warning (lists-for-message-structure page, "Confidential items").
pub(crate) fn withhold_confidential(record: &mut record::PatientRecord) {
    let withheld: Vec<Value> = record
        .resources
        .iter()
        .filter(|r| record.confidential.contains(&areas::key_of(r)))
        .cloned()
        .collect();
    record
        .resources
        .retain(|r| !record.confidential.contains(&areas::key_of(r)));
    for item in &withheld {
        if let Some(area) = areas::Area::of_item(item) {
            let codes = record
                .warnings
                .entry(area.parameter().to_string())
                .or_default();
            if !codes.iter().any(|c| c == "confidential-items") {
                codes.push("confidential-items".into());
            }
        }
    }
}

/// The filter faults: each makes the provider ignore one part parameter.
fn apply_filter_faults(st: &ProviderState, r: &mut StructuredRequest) {
    if let Some(m) = r.medication.as_mut() {
        if st.fault(Fault::StructMedicationDateIgnored) {
            m.from = None;
        }
        if st.fault(Fault::StructIssuesAlwaysIncluded) {
            m.prescription_issues = true;
        }
        if st.fault(Fault::StructIssuesFlagInverted) {
            m.prescription_issues = !m.prescription_issues;
        }
    }
    if st.fault(Fault::StructAreaNotAskedReturned) && r.medication.is_none() {
        r.medication = Some(params::Medication {
            prescription_issues: true,
            from: None,
        });
    }
    if st.fault(Fault::StructProblemStatusIgnored) && r.problems.is_some() {
        r.problems = Some(None);
    }
    if let Some(i) = r.immunisations.as_mut() {
        if st.fault(Fault::StructNotGivenReturned) {
            i.not_given = true;
        }
        if st.fault(Fault::StructNotGivenWithheld) {
            i.not_given = false;
        }
    }
    if st.fault(Fault::StructUncategorisedPeriodIgnored) && r.uncategorised.is_some() {
        r.uncategorised = Some(params::DateRange::default());
    }
    if st.fault(Fault::StructInvestigationPeriodIgnored) && r.investigations.is_some() {
        r.investigations = Some(params::DateRange::default());
    }
    if st.fault(Fault::StructReferralPeriodIgnored) && r.referrals.is_some() {
        r.referrals = Some(params::DateRange::default());
    }
    if st.fault(Fault::StructDiaryDateIgnored) && r.diary.is_some() {
        r.diary = Some(None);
    }
    if let Some(c) = r.consultations.as_mut() {
        if st.fault(Fault::StructMostRecentIgnored) {
            c.most_recent = None;
        }
        if st.fault(Fault::StructConsultationPeriodIgnored) {
            c.period = None;
        }
    }
}

/// The patient a structured request may be answered for, or the error the error table gives.
fn find_patient(st: &ProviderState, nhs: &str) -> Result<data::PatientRecord, ApiError> {
    let store = st.lock();
    let Some(p) = store.patients.iter().find(|p| p.nhs_number == nhs).cloned() else {
        return Err(api_error(
            "PATIENT_NOT_FOUND",
            format!("no patient with NHS number {nhs}"),
        ));
    };
    drop(store);
    let refused = match p.role {
        Role::Normal => None,
        Role::NoConsent if st.fault(Fault::StructNoConsentServed) => None,
        Role::NoConsent => {
            return Err(api_error(
                "NO_PATIENT_CONSENT",
                format!("patient {nhs} has dissented from sharing their record"),
            ))
        }
        Role::Sensitive if st.fault(Fault::StructSensitiveServed) => None,
        Role::Deceased if st.fault(Fault::StructDeceasedServed) => None,
        Role::Inactive if st.fault(Fault::StructInactiveServed) => None,
        Role::Superseded if st.fault(Fault::StructSupersededServed) => None,
        Role::NotOnPds if st.fault(Fault::StructUntracedServed) => None,
        Role::Sensitive => Some("is flagged sensitive"),
        Role::Deceased => Some("is deceased"),
        Role::Inactive => Some("is not an active registered patient"),
        Role::Superseded => Some("has a superseded NHS number"),
        Role::NotOnPds => Some("has an NHS number not traced on PDS"),
    };
    match refused {
        Some(why) => Err(api_error(
            "PATIENT_NOT_FOUND",
            format!("patient {nhs} {why}"),
        )),
        None => Ok(p),
    }
}

/// The practice's own resources (Patient, Organization, Practitioner, Location) by `Type/id`.
fn builtin_resource(st: &ProviderState, key: &str) -> Option<Value> {
    let (ty, id) = key.split_once('/')?;
    match ty {
        "Organization" => data::organizations()
            .iter()
            .find(|o| o.id == id)
            .map(|o| foundations::organization_resource(st, o)),
        "Practitioner" => data::practitioners()
            .iter()
            .find(|p| p.id == id)
            .map(|p| foundations::practitioner_resource(st, p)),
        "Location" => data::sites()
            .iter()
            .find(|s| s.id == id)
            .map(|s| foundations::location_resource(st, s)),
        _ => None,
    }
}
