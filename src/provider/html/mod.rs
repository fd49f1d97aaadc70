//! Access Record HTML 0.7.4 (FHIR DSTU2) in the reference provider: `POST /Patient/$gpc.getcarerecord` and the
//! DSTU2 Conformance at `GET /metadata` on the HTML service root.
//!
//! - [`params`]: the Parameters, read and checked; [`dates`]: period bounds, banners and the date format.
//! - [`section`]: the section codes, titles and time-frame rules; [`time_frames`]: the configured default time
//!   frames.
//! - [`patients`]: the 0.7.x pack's patients and roles; [`record`]: the sample record they hold.
//! - [`views`]: the rows, headings and banners of each view; [`render`]: their XHTML.
//! - [`bundle`]: the searchset Bundle; [`conformance`]: the Conformance statement.
//! - [`errors`]: the 0.x error table and OperationOutcome; [`jwt`]: the 0.x bearer token; [`media`]: the DSTU2
//!   media types.

pub mod bundle;
pub mod conformance;
pub mod dates;
pub mod errors;
pub mod jwt;
pub mod media;
pub mod params;
pub mod patients;
pub mod record;
pub mod render;
pub mod section;
pub mod time_frames;
pub mod views;
pub mod wire;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{api_error, foundations, ApiError, Fault, ProviderState, Reply, Req};
use patients::{HtmlPatient, Role, DECEASED_WINDOW_DAYS};
use section::Section;

/// `GET /metadata` on the HTML root.
pub(crate) fn metadata(st: &ProviderState) -> Reply {
    Reply::ok(conformance::statement(st.fault(Fault::HtmlConformanceStu3)))
}

/// `POST /Patient/$gpc.getcarerecord`.
pub(crate) fn get_care_record(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let body = foundations::parse_body(st, req)?;
    let lenient = params::Leniency {
        lowercase_sections: st.fault(Fault::HtmlLowercaseSectionAccepted),
        multiple_sections: st.fault(Fault::HtmlMultipleSectionsAccepted),
        nhs_number_unchecked: st.fault(Fault::HtmlInvalidNhsNumberAccepted),
        end_before_start: st.fault(Fault::HtmlEndBeforeStartAccepted),
        zoneless_date_times: st.fault(Fault::HtmlPartialDatetimeAccepted),
        period_on_agnostic: st.fault(Fault::HtmlPeriodAcceptedOnAgnostic),
    };
    let request = params::parse(&body, lenient).map_err(|e| api_error(e.code, e.message))?;
    if let Some(asked) = jwt::requested_nhs_number(&req.jwt_claims) {
        if asked != request.nhs_number && !st.fault(Fault::HtmlRequestedRecordIgnored) {
            return Err(api_error(
                "BAD_REQUEST",
                format!(
                    "the JWT requested_record names NHS number {asked}, the Parameters {}",
                    request.nhs_number
                ),
            ));
        }
    }
    let now = st.clock.now();
    let patient = admit(st, &request.nhs_number, now)?;
    let section = if st.fault(Fault::HtmlWrongSection) {
        other_section(request.section)
    } else {
        request.section
    };
    let today = super::uktime::local_date(now);
    let filter = date_filter(st, section, request.period, today);
    let div = narrative(st, &patient, section, filter, today);
    let body = bundle::care_record(
        &bundle::Contents {
            base: &req.base_url,
            bundle_id: &bundle_id(req),
            now,
            patient: &patient,
            section,
            div,
        },
        bundle::Defects {
            composition_not_first: st.fault(Fault::HtmlCompositionNotFirst),
            no_device: st.fault(Fault::HtmlNoDevice),
            composition_type_wrong: st.fault(Fault::HtmlCompositionTypeWrong),
            stu3_nhs_system: st.fault(Fault::HtmlStu3NhsSystem),
        },
    );
    Ok(Reply {
        status: 200,
        body,
        ..Reply::default()
    })
}

/// The Bundle and Composition id: the request's trace id when it is a GUID.
fn bundle_id(req: &Req<'_>) -> String {
    uuid::Uuid::parse_str(&req.trace_id)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// The section answered instead of the requested one under `html-wrong-section`.
fn other_section(section: Section) -> Section {
    if section == Section::Sum {
        Section::Adm
    } else {
        Section::Sum
    }
}

/// The patient whose record may be returned, or the error the specification gives for them.
fn admit(
    st: &ProviderState,
    nhs_number: &str,
    now: DateTime<Utc>,
) -> Result<HtmlPatient, ApiError> {
    let not_found = |why: &str| {
        api_error(
            "PATIENT_NOT_FOUND",
            format!("no record can be returned for NHS number {nhs_number}{why}"),
        )
    };
    let patient = patients::find(nhs_number).ok_or_else(|| not_found(""))?;
    match patient.role {
        Role::Sensitive if !st.fault(Fault::HtmlSensitiveServed) => Err(not_found("")),
        Role::NotOnSpine if !st.fault(Fault::HtmlNotOnSpineServed) => Err(not_found("")),
        Role::NoConsent if !st.fault(Fault::HtmlNoConsentServed) => Err(api_error(
            "NO_PATIENT_CONSENT",
            "the patient has dissented from sharing their record",
        )),
        Role::Deceased(_) => {
            let died = patient.deceased_at(now).unwrap_or(now);
            let within = now - died <= Duration::days(DECEASED_WINDOW_DAYS);
            let refused = if st.fault(Fault::HtmlDeceasedWindowShort) {
                true
            } else {
                !within && !st.fault(Fault::HtmlDeceasedNoWindow)
            };
            if refused {
                Err(not_found(" (the patient died more than 28 days ago)"))
            } else {
                Ok(patient)
            }
        }
        _ => Ok(patient),
    }
}

/// The period the section's filtered parts apply: the consumer's, else the section's configured default time
/// frame (from its first day to today), else none ("Per section default time frames").
fn date_filter(
    st: &ProviderState,
    section: Section,
    requested: Option<dates::Period>,
    today: chrono::NaiveDate,
) -> views::Filter {
    let frames = &st.html_default_time_frames;
    let default = || {
        frames
            .start(section, today)
            .filter(|_| !st.fault(Fault::HtmlDefaultTimeFrameIgnored))
            .map(views::Filter::DefaultFrom)
    };
    match requested.filter(|_| !st.fault(Fault::HtmlPeriodIgnored)) {
        Some(_) if st.fault(Fault::HtmlDefaultTimeFrameOverridesPeriod) => {
            default().unwrap_or(views::Filter::None)
        }
        Some(period) => views::Filter::Consumer(period),
        None => default().unwrap_or(views::Filter::None),
    }
}

/// The narrative `div` of a section of a patient's record.
fn narrative(
    st: &ProviderState,
    patient: &HtmlPatient,
    section: Section,
    filter: views::Filter,
    today: chrono::NaiveDate,
) -> String {
    let record = record::build(patient.parts, today);
    let ctx = views::Context {
        filter,
        today,
        transfer: match patient.role {
            Role::InTransit(date) => Some(date),
            _ => None,
        },
        grouping_wrong: st.fault(Fault::HtmlMedicationGroupingWrong),
        no_discontinued_banner: st.fault(Fault::HtmlDiscontinuedBannerMissing),
    };
    let style = render::Style {
        swap_first_columns: st.fault(Fault::HtmlTableColumnsOrder),
        no_table_ids: st.fault(Fault::HtmlMissingTableId),
        no_date_class: st.fault(Fault::HtmlNoDateColumnClass),
        no_empty_text: st.fault(Fault::HtmlNoDataTextMissing),
        no_subsection_headers: st.fault(Fault::HtmlMissingSubsectionHeaders),
        no_date_banners: st.fault(Fault::HtmlMissingDateBanner),
        date_banner_everywhere: st.fault(Fault::HtmlDateBannerOnAgnostic),
        no_transfer_banner: st.fault(Fault::HtmlNoGpTransferBanner),
        whitespace: st.fault(Fault::HtmlWhitespaceFormatting),
        disallowed_tag: st.fault(Fault::HtmlDisallowedTag),
        script: st.fault(Fault::HtmlScript),
        event_attribute: st.fault(Fault::HtmlEventAttribute),
        entity: st.fault(Fault::HtmlEntity),
    };
    render::render(&views::view(section, &record, &ctx), style)
}

/// Answers a `$gpc.getcarerecord` Parameters body as the provider does over HTTP, for tools and tests that
/// judge the provider's data directly: the Bundle, or the 0.x error code and diagnostics.
pub fn answer(
    st: &ProviderState,
    parameters: &Value,
    base: &str,
) -> Result<Value, (&'static str, String)> {
    let req = Req {
        id: None,
        params: Vec::new(),
        body: &[],
        body_format: None,
        if_match: None,
        prefer_minimal: false,
        base_url: base.to_string(),
        jwt_claims: Value::Null,
        trace_id: String::new(),
    };
    let bytes = serde_json::to_vec(parameters).map_err(|e| ("BAD_REQUEST", e.to_string()))?;
    let req = Req {
        body: &bytes,
        body_format: Some(super::negotiate::Format::Json),
        ..req
    };
    get_care_record(st, &req)
        .map(|r| r.body)
        .map_err(|e| (e.code, e.diagnostics))
}

#[cfg(test)]
mod tests;
