//! Request bodies: parsed as their Content-Type says, validated against the interaction's request profile, and
//! held to the interaction's own rules (booking, amend and cancel with `If-Match`, register patient, structured and
//! migrate Parameters).
//!
//! Every interaction is considered in [`payload`], an exhaustive `match`: a new interaction does not compile
//! until it says which body it takes. The interaction rules live in one submodule each: [`appointment`],
//! [`register`], [`structured`] (get and migrate), [`care_record`] (Access Record HTML); [`values`] holds the
//! value checks they share with the query-parameter rules.

mod appointment;
mod care_record;
mod register;
mod structured;
pub(crate) mod values;

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::{Route, RuleContext};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::fhir::model::ElementModel;
use crate::fhir::FhirPath;
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::profile;
use crate::validate::{Issue, Severity};
use appointment::Change;
use structured::Operation;

const API_PAGE: &str = "development_fhir_api_guidance";
const ERROR_PAGE: &str = "development_fhir_error_handling_guidance";

/// Profile findings reported per request; the rest are counted in one more finding.
const MAX_PROFILE_FINDINGS: usize = 20;
/// The most a compressed body may inflate to before it is judged unreadable.
const MAX_INFLATED: u64 = 32 * 1024 * 1024;

pub const REQUIRED: Rule = Rule {
    id: "body.required",
    requirement: "Create, update and operation requests (POST, PUT) carry the request body their interaction defines",
    page: API_PAGE,
};
pub const ABSENT: Rule = Rule {
    id: "body.absent",
    requirement:
        "Read and search requests (GET) carry no body: their pages define no request payload",
    page: API_PAGE,
};
pub const PARSE: Rule = Rule {
    id: "body.parse",
    requirement: "The body is well-formed FHIR JSON or XML, as its Content-Type declares, in UTF-8",
    page: ERROR_PAGE,
};
pub const RESOURCE_TYPE: Rule = Rule {
    id: "body.resource-type",
    requirement: "The body is the resource the interaction takes: an Appointment to book, amend or cancel, a Parameters resource for an operation",
    page: API_PAGE,
};
pub const PROFILE: Rule = Rule {
    id: "body.profile",
    requirement: "The body validates against its FHIR definitions: GPConnect-Appointment-1, or a FHIR Parameters resource (holding a CareConnect-GPC-Patient-1 Patient to register)",
    page: ERROR_PAGE,
};

pub static RULES: &[Rule] = &[
    REQUIRED,
    ABSENT,
    PARSE,
    RESOURCE_TYPE,
    PROFILE,
    appointment::PROFILE_URI,
    appointment::PARTICIPANTS,
    appointment::PARTICIPANT_ACTOR,
    appointment::START_END,
    appointment::FUTURE,
    appointment::STATUS_BOOKED,
    appointment::SLOT,
    appointment::BOOKING_ORGANISATION,
    appointment::CREATED,
    appointment::DESCRIPTION,
    appointment::TEXT_LENGTH,
    appointment::REASON_SPECIALTY,
    appointment::AMEND_NOT_CANCELLED,
    appointment::CANCEL_STATUS,
    appointment::CANCEL_REASON,
    appointment::IF_MATCH,
    appointment::UPDATE_ID,
    register::PARAMETERS,
    register::NHS_NUMBER,
    register::OFFICIAL_NAME,
    register::BIRTH_DATE,
    register::ONE_PER_USE,
    register::PERMITTED_FIELDS,
    structured::PARAMETER_NAMES,
    structured::NHS_NUMBER,
    structured::PART_VALUE,
    structured::RESOLVED_ALLERGIES,
    structured::WHOLE_DATE,
    structured::NOT_FUTURE,
    structured::DIARY_DATE,
    structured::PERIOD_ORDER,
    structured::CONSULTATION_FILTERS,
    structured::FILTER_STATUS,
    structured::COMBINATION,
    structured::FULL_RECORD,
    structured::SENSITIVE_SCOPE,
    care_record::PARAMETERS,
    care_record::NHS_NUMBER,
    care_record::SECTION,
    care_record::TIME_PERIOD,
];

/// The body an interaction takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payload {
    /// A GET: no body.
    None,
    Appointment(Change),
    RegisterPatient,
    Structured(Operation),
    CareRecord,
}

impl Payload {
    fn resource_type(self) -> &'static str {
        match self {
            Payload::Appointment(_) => "Appointment",
            Payload::None
            | Payload::RegisterPatient
            | Payload::Structured(_)
            | Payload::CareRecord => "Parameters",
        }
    }
}

fn payload(interaction: Interaction) -> Payload {
    match interaction {
        Interaction::MetadataRead
        | Interaction::PatientSearch
        | Interaction::PatientRead
        | Interaction::PractitionerSearch
        | Interaction::PractitionerRead
        | Interaction::OrganizationSearch
        | Interaction::OrganizationRead
        | Interaction::LocationRead
        | Interaction::SearchForFreeSlots
        | Interaction::AppointmentRead
        | Interaction::AppointmentSearch
        | Interaction::StructuredMetadataRead
        | Interaction::DocumentsMetadataRead
        | Interaction::DocumentsPatientSearch
        | Interaction::DocumentsSearch
        | Interaction::DocumentsRetrieve
        | Interaction::DocumentsMigrate
        | Interaction::HtmlMetadataRead => Payload::None,
        Interaction::RegisterPatient => Payload::RegisterPatient,
        Interaction::AppointmentCreate => Payload::Appointment(Change::Book),
        Interaction::AppointmentAmend => Payload::Appointment(Change::Amend),
        Interaction::AppointmentCancel => Payload::Appointment(Change::Cancel),
        Interaction::GetStructuredRecord => Payload::Structured(Operation::Get),
        Interaction::MigrateStructuredRecord => Payload::Structured(Operation::Migrate),
        Interaction::GetCareRecord => Payload::CareRecord,
    }
}

/// Judges the body (and `If-Match`) of a request routed to `route`.
pub fn judge(
    req: &InboundRequest,
    ctx: &RuleContext<'_>,
    route: &Route,
    findings: &mut Vec<Finding>,
) {
    let payload = payload(route.interaction);
    if let Payload::Appointment(change) = payload {
        appointment::judge_if_match(req, change, findings);
    }
    match (payload, req.body.is_empty()) {
        (Payload::None, true) => return,
        (Payload::None, false) => {
            findings.push(ABSENT.finding("body", "no body", format!("{} bytes", req.body.len())));
            return;
        }
        (_, true) => {
            findings.push(REQUIRED.finding(
                "body",
                format!("a {} resource", payload.resource_type()),
                "no body",
            ));
            return;
        }
        (_, false) => {}
    }
    let resource = match parse(req, ctx) {
        Ok(Some(resource)) => resource,
        // XML that cannot be read here for want of the FHIR definitions: nothing to judge it by.
        Ok(None) => return,
        Err(why) => {
            findings.push(PARSE.finding("body", "a FHIR resource in JSON or XML", why));
            return;
        }
    };
    let expected = payload.resource_type();
    let found = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if found != expected {
        findings.push(RESOURCE_TYPE.finding(
            "body resourceType",
            format!("`{expected}`"),
            format!("`{found}`"),
        ));
        return;
    }
    profile_findings(ctx, route, payload, &resource, findings);
    match payload {
        Payload::None => {}
        Payload::Appointment(change) => appointment::judge(req, route, change, &resource, findings),
        Payload::RegisterPatient => register::judge(&resource, findings),
        Payload::Structured(op) => structured::judge(req, op, &resource, findings),
        Payload::CareRecord => care_record::judge(&resource, findings),
    }
}

/// JSON or XML, as the Content-Type says (sniffed when it names neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Xml,
}

fn syntax(req: &InboundRequest, text: &str) -> Syntax {
    let mime = req
        .header("Content-Type")
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime.contains("xml") {
        Syntax::Xml
    } else if mime.contains("json") || !text.trim_start().starts_with('<') {
        Syntax::Json
    } else {
        Syntax::Xml
    }
}

/// The body as JSON; `Ok(None)` when it is XML and no FHIR definitions are at hand to read it with.
fn parse(req: &InboundRequest, ctx: &RuleContext<'_>) -> Result<Option<Value>, String> {
    let bytes = decoded(req)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|e| format!("a body that is not UTF-8 ({e})"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = match syntax(req, text) {
        Syntax::Json => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("invalid JSON: {e}"))?
        }
        Syntax::Xml => {
            let Some(model) = xml_model(ctx) else {
                return Ok(None);
            };
            crate::fhir::xml::xml_to_json(text, &model)
                .map_err(|e| format!("invalid FHIR XML: {e}"))?
        }
    };
    if value.get("resourceType").and_then(Value::as_str).is_none() {
        return Err("content that is not a FHIR resource (no resourceType)".into());
    }
    Ok(Some(value))
}

/// The body bytes, inflated when `Content-Encoding` says gzip.
fn decoded(req: &InboundRequest) -> Result<Vec<u8>, String> {
    let encoding = req
        .header("Content-Encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => Ok(req.body.clone()),
        "gzip" | "x-gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(req.body.as_slice())
                .take(MAX_INFLATED)
                .read_to_end(&mut out)
                .map_err(|e| format!("a body that is not gzip as Content-Encoding says ({e})"))?;
            Ok(out)
        }
        other => Err(format!("a Content-Encoding (`{other}`) other than gzip")),
    }
}

/// The STU3 element model that reads FHIR XML: from the folder of the definitions the validators use, then the
/// default definition path. The model is loaded once per process and shared with everything else that reads
/// XML, so it is only asked for when one of these folders holds the STU3 core definitions (a failed first load
/// would be kept for the whole process).
fn xml_model(ctx: &RuleContext<'_>) -> Option<Arc<ElementModel>> {
    const PATIENT: &str = "http://hl7.org/fhir/StructureDefinition/Patient";
    let from_validators = ctx
        .validators
        .and_then(|v| v.get(Capability::Foundations))
        .and_then(|v| {
            let store = v.store();
            store
                .locate(&format!("{PATIENT}|3.0.1"))
                .or_else(|| store.locate(PATIENT))
                .and_then(|e| {
                    e.path
                        .parent()
                        .and_then(|p| p.parent())
                        .map(Path::to_path_buf)
                })
        });
    let path = FhirPath {
        folders: from_validators
            .into_iter()
            .chain(FhirPath::resolve(&[], &[]).folders)
            .collect(),
    };
    path.stu3_core_structure_definitions().ok()?;
    crate::fhir::stu3_model(&path).ok()
}

/// Validates the resource with the interaction's capability validator and reports its errors.
fn profile_findings(
    ctx: &RuleContext<'_>,
    route: &Route,
    payload: Payload,
    resource: &Value,
    findings: &mut Vec<Finding>,
) {
    let Some(validator) = ctx
        .validators
        .and_then(|v| v.get(route.interaction.capability()))
    else {
        return;
    };
    let (issues, against): (Vec<Issue>, &str) = match payload {
        Payload::None => return,
        Payload::Appointment(_) => (
            validator.validate(resource, &[profile::APPOINTMENT]),
            "GPConnect-Appointment-1",
        ),
        Payload::RegisterPatient => (
            register::validate(&validator, resource),
            "FHIR Parameters with a CareConnect-GPC-Patient-1 Patient",
        ),
        Payload::Structured(_) => {
            // A clinical-area parameter with neither value nor part is valid here, against the core inv-1.
            let mut issues = validator.validate(resource, &[]);
            issues.retain(|i| {
                !(i.rule == "invariant"
                    && i.message.starts_with("inv-1")
                    && structured::is_bare_parameter(resource, &i.expression))
            });
            (issues, "FHIR Parameters")
        }
        Payload::CareRecord => (validator.validate(resource, &[]), "FHIR (DSTU2) Parameters"),
    };
    let errors: Vec<&Issue> = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    let expected = format!("conformance to {against}");
    for issue in errors.iter().take(MAX_PROFILE_FINDINGS) {
        findings.push(PROFILE.finding(
            format!("body {}", issue.expression),
            &expected,
            issue.message.clone(),
        ));
    }
    if errors.len() > MAX_PROFILE_FINDINGS {
        findings.push(PROFILE.finding(
            "body",
            &expected,
            format!(
                "{} more errors not listed",
                errors.len() - MAX_PROFILE_FINDINGS
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
