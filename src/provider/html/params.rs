//! The `$gpc.getcarerecord` Parameters (OperationDefinition `getcarerecord` 0.7.2): `patientNHSNumber`
//! (Identifier, 1..1), `recordSection` (CodeableConcept, 1..1), `timePeriod` (Period, 0..1), read and checked
//! with the status and code the 0.7.4 error handling guidance and the expected-error workbook give each fault.

use serde_json::Value;

use super::dates::{parse_bound, Bound, Period};
use super::section::Section;
use crate::spine::headers::dstu2;

/// A parameter fault: the 0.x error code (its status follows from the error table) and a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ParamError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> ParamError {
    ParamError {
        code,
        message: message.into(),
    }
}

/// Checks the reference provider can be made to skip (its faults).
#[derive(Debug, Clone, Copy, Default)]
pub struct Leniency {
    pub lowercase_sections: bool,
    pub multiple_sections: bool,
    pub nhs_number_unchecked: bool,
    pub end_before_start: bool,
    pub zoneless_date_times: bool,
    pub period_on_agnostic: bool,
}

/// A checked care record request.
#[derive(Debug, Clone, PartialEq)]
pub struct CareRecordRequest {
    pub nhs_number: String,
    pub section: Section,
    /// The consumer's period; `None` when none was sent (or it was accepted for a section that takes none).
    pub period: Option<Period>,
}

const NHS_NUMBER: &str = "patientNHSNumber";
const RECORD_SECTION: &str = "recordSection";
const TIME_PERIOD: &str = "timePeriod";

/// The resource types of FHIR DSTU2 (1.0.2): a body of another known type is a bad request, a body of an
/// unknown type an invalid resource.
const DSTU2_RESOURCES: &[&str] = &[
    "Account",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BodySite",
    "Bundle",
    "CarePlan",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "Communication",
    "CommunicationRequest",
    "Composition",
    "ConceptMap",
    "Condition",
    "Conformance",
    "Contract",
    "Coverage",
    "DataElement",
    "DetectedIssue",
    "Device",
    "DeviceComponent",
    "DeviceMetric",
    "DeviceUseRequest",
    "DeviceUseStatement",
    "DiagnosticOrder",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EligibilityRequest",
    "EligibilityResponse",
    "Encounter",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "Group",
    "HealthcareService",
    "ImagingObjectSelection",
    "ImagingStudy",
    "Immunization",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "List",
    "Location",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationOrder",
    "MedicationStatement",
    "MessageHeader",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "OperationDefinition",
    "OperationOutcome",
    "Order",
    "OrderResponse",
    "Organization",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "Practitioner",
    "Procedure",
    "ProcedureRequest",
    "ProcessRequest",
    "ProcessResponse",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "ReferralRequest",
    "RelatedPerson",
    "RiskAssessment",
    "Schedule",
    "SearchParameter",
    "Slot",
    "Specimen",
    "StructureDefinition",
    "Subscription",
    "Substance",
    "SupplyDelivery",
    "SupplyRequest",
    "TestScript",
    "ValueSet",
    "VisionPrescription",
];

/// Reads and checks a Parameters body.
pub fn parse(body: &Value, lenient: Leniency) -> Result<CareRecordRequest, ParamError> {
    let kind = body
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != "Parameters" {
        let code = if DSTU2_RESOURCES.contains(&kind) {
            "BAD_REQUEST"
        } else {
            "INVALID_RESOURCE"
        };
        return Err(err(
            code,
            format!("the request body must be a Parameters resource, found `{kind}`"),
        ));
    }
    let params: &[Value] = body
        .get("parameter")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut by_name: [Vec<&Value>; 3] = Default::default();
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        match name {
            NHS_NUMBER => by_name[0].push(p),
            RECORD_SECTION => by_name[1].push(p),
            TIME_PERIOD => by_name[2].push(p),
            other => {
                return Err(err(
                    "INVALID_PARAMETER",
                    format!(
                    "`{other}` is not a parameter of gpc.getcarerecord (names are case-sensitive)"
                ),
                ))
            }
        }
    }
    let [nhs, sections, periods] = by_name;
    if nhs.is_empty() {
        return Err(err(
            "INVALID_PARAMETER",
            "the patientNHSNumber parameter is missing",
        ));
    }
    if nhs.len() > 1 {
        return Err(err(
            "BAD_REQUEST",
            "patientNHSNumber is given more than once",
        ));
    }
    let section = record_section(&sections, lenient)?;
    let nhs_number = nhs_number(nhs[0], lenient)?;
    let period = match periods.as_slice() {
        [] => None,
        [p] => {
            let period = time_period(p, lenient)?;
            if section.takes_period() {
                Some(period)
            } else if lenient.period_on_agnostic {
                None
            } else {
                return Err(err(
                    "BAD_REQUEST",
                    format!("the {} section does not take a timePeriod", section.code()),
                ));
            }
        }
        _ => return Err(err("BAD_REQUEST", "timePeriod is given more than once")),
    };
    Ok(CareRecordRequest {
        nhs_number,
        section,
        period,
    })
}

fn record_section(params: &[&Value], lenient: Leniency) -> Result<Section, ParamError> {
    let first = match params {
        [] => return Err(err("BAD_REQUEST", "the recordSection parameter is missing")),
        [one] => one,
        [first, ..] if lenient.multiple_sections => first,
        _ => {
            return Err(err(
                "BAD_REQUEST",
                "only one recordSection can be requested",
            ))
        }
    };
    let concept = first.get("valueCodeableConcept").ok_or_else(|| {
        err(
            "BAD_REQUEST",
            "recordSection must be a valueCodeableConcept",
        )
    })?;
    let coding = concept
        .pointer("/coding/0")
        .ok_or_else(|| err("INVALID_PARAMETER", "recordSection has no coding"))?;
    let system = coding
        .get("system")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if system.is_empty() {
        return Err(err(
            "INVALID_PARAMETER",
            "the recordSection coding has no system",
        ));
    }
    if system != dstu2::RECORD_SECTION {
        return Err(err(
            "BAD_REQUEST",
            format!(
                "recordSection must be coded in {}, found `{system}`",
                dstu2::RECORD_SECTION
            ),
        ));
    }
    let code = coding
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let found = if lenient.lowercase_sections {
        Section::from_code(&code.to_ascii_uppercase())
    } else {
        Section::from_code(code)
    };
    found.ok_or_else(|| {
        err(
            "INVALID_PARAMETER",
            format!("`{code}` is not a code of the record section value set"),
        )
    })
}

fn nhs_number(param: &Value, lenient: Leniency) -> Result<String, ParamError> {
    let id = param
        .get("valueIdentifier")
        .ok_or_else(|| err("BAD_REQUEST", "patientNHSNumber must be a valueIdentifier"))?;
    let system = id.get("system").and_then(Value::as_str).unwrap_or_default();
    if system != dstu2::NHS_NUMBER {
        return Err(err(
            "INVALID_IDENTIFIER_SYSTEM",
            format!(
                "the NHS number system must be {}, found `{system}`",
                dstu2::NHS_NUMBER
            ),
        ));
    }
    let value = id.get("value").and_then(Value::as_str).unwrap_or_default();
    if !lenient.nhs_number_unchecked && !valid_nhs_number(value) {
        return Err(err(
            "INVALID_NHS_NUMBER",
            format!("`{value}` is not a valid NHS number"),
        ));
    }
    Ok(value.to_string())
}

/// Ten digits whose modulus 11 check digit is right.
pub fn valid_nhs_number(value: &str) -> bool {
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    if value.len() != 10 || digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == digits[9]
}

fn time_period(param: &Value, lenient: Leniency) -> Result<Period, ParamError> {
    let period = param
        .get("valuePeriod")
        .ok_or_else(|| err("INVALID_PARAMETER", "timePeriod must be a valuePeriod"))?;
    let bound = |name: &str, which: Bound| -> Result<Option<chrono::NaiveDate>, ParamError> {
        match period.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_bound(s, which, lenient.zoneless_date_times)
                .map(Some)
                .map_err(|e| err("INVALID_PARAMETER", format!("timePeriod.{name}: {e}"))),
            Some(_) => Err(err(
                "INVALID_PARAMETER",
                format!("timePeriod.{name} is not a string"),
            )),
        }
    };
    let start = bound("start", Bound::Start)?;
    let end = bound("end", Bound::End)?;
    if start.is_none() && end.is_none() {
        return Err(err(
            "INVALID_PARAMETER",
            "timePeriod has neither a start nor an end",
        ));
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s && !lenient.end_before_start {
            return Err(err("INVALID_PARAMETER", "timePeriod ends before it starts"));
        }
    }
    Ok(Period { start, end })
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
