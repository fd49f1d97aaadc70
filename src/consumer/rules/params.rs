//! Query parameters: the search parameters each search interaction takes, in the forms the specification gives.
//!
//! SHOULD-only or optional, not judged: `searchFilter` on a slot search (its ODS code and organisation type);
//! the `_include:recurse` parameters a slot search may add; the removed `type` and `facility` document search
//! parameters (unknown parameters are ignored by providers). A `+` in a date's offset that arrives unencoded
//! (read as a space) is taken as the `+` the specification's own examples send.

use chrono::{NaiveDate, NaiveDateTime};

use super::body::values::{
    instant, nhs_number_problem, shown, uk_offset_secs, uk_today, whole_date,
};
use super::{Route, RuleContext};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::spine::catalogue::Interaction;
use crate::spine::headers::system;

const FIND_PATIENT: &str = "foundations_use_case_find_a_patient";
const SLOTS: &str = "appointments_use_case_search_for_free_slots";
const RETRIEVE_APPOINTMENTS: &str = "appointments_use_case_retrieve_a_patients_appointments";
const DOCUMENTS: &str = "access_documents_development_search_patient_documents";

/// The longest date range a free slot search may cover.
const MAX_SLOT_RANGE_DAYS: i64 = 14;

pub const IDENTIFIER: Rule = Rule {
    id: "params.identifier",
    requirement:
        "A find-by-identifier search sends one identifier parameter of the form [system]|[value]",
    page: FIND_PATIENT,
};
pub const IDENTIFIER_ENCODED: Rule = Rule {
    id: "params.identifier-encoded",
    requirement: "The request URL is percent-encoded (RFC 3986 section 2.1): the identifier's `|` is sent as %7C",
    page: FIND_PATIENT,
};
pub const PATIENT_NHS_NUMBER: Rule = Rule {
    id: "params.patient-nhs-number",
    requirement:
        "A patient search uses the system https://fhir.nhs.uk/Id/nhs-number and a valid NHS number",
    page: FIND_PATIENT,
};
pub const PRACTITIONER_SYSTEM: Rule = Rule {
    id: "params.practitioner-identifier-system",
    requirement: "A practitioner search uses a valid practitioner identifier system: the SDS user id (or the SDS role profile id)",
    page: "foundations_use_case_find_a_practitioner",
};
pub const ORGANIZATION_SYSTEM: Rule = Rule {
    id: "params.organization-identifier-system",
    requirement: "An organisation search uses a valid organisation identifier system: the ODS organisation code",
    page: "foundations_use_case_find_an_organisation",
};
pub const SLOT_START: Rule = Rule {
    id: "params.slot-start",
    requirement: "A free slot search sends start once, with the ge prefix and a date yyyy-mm-dd or a UK local dateTime yyyy-mm-ddThh:mm:ss+hh:mm",
    page: SLOTS,
};
pub const SLOT_END: Rule = Rule {
    id: "params.slot-end",
    requirement: "A free slot search sends end once, with the le prefix and a date yyyy-mm-dd or a UK local dateTime yyyy-mm-ddThh:mm:ss+hh:mm",
    page: SLOTS,
};
pub const SLOT_RANGE: Rule = Rule {
    id: "params.slot-range",
    requirement: "A free slot search requests a date range of at most two weeks, its end not before its start",
    page: SLOTS,
};
pub const SLOT_STATUS: Rule = Rule {
    id: "params.slot-status",
    requirement: "A free slot search sends status=free (no other status value)",
    page: SLOTS,
};
pub const SLOT_SCHEDULE: Rule = Rule {
    id: "params.slot-include-schedule",
    requirement: "A free slot search sends _include=Slot:schedule",
    page: SLOTS,
};
pub const APPOINTMENTS_START: Rule = Rule {
    id: "params.appointments-start",
    requirement: "A patient's appointments are searched with two start parameters, one ge and one le, each a whole date (day, month, year) without time",
    page: RETRIEVE_APPOINTMENTS,
};
pub const APPOINTMENTS_RANGE: Rule = Rule {
    id: "params.appointments-range",
    requirement: "No part of the appointments search range is in the past (today is the earliest), and its end is not before its start",
    page: RETRIEVE_APPOINTMENTS,
};
pub const DOCUMENTS_INCLUDES: Rule = Rule {
    id: "params.documents-includes",
    requirement: "A document search sends the five _include and _revinclude:recurse parameters the page makes mandatory",
    page: DOCUMENTS,
};
pub const DOCUMENTS_CREATED: Rule = Rule {
    id: "params.documents-created",
    requirement: "created is sent at most once with the ge prefix and at most once with the le prefix, each with a date",
    page: DOCUMENTS,
};
pub const DOCUMENTS_AUTHOR: Rule = Rule {
    id: "params.documents-author",
    requirement: "author only searches by an organisation's ODS code: https://fhir.nhs.uk/Id/ods-organization-code|[code]",
    page: DOCUMENTS,
};

pub static RULES: &[Rule] = &[
    IDENTIFIER,
    IDENTIFIER_ENCODED,
    PATIENT_NHS_NUMBER,
    PRACTITIONER_SYSTEM,
    ORGANIZATION_SYSTEM,
    SLOT_START,
    SLOT_END,
    SLOT_RANGE,
    SLOT_STATUS,
    SLOT_SCHEDULE,
    APPOINTMENTS_START,
    APPOINTMENTS_RANGE,
    DOCUMENTS_INCLUDES,
    DOCUMENTS_CREATED,
    DOCUMENTS_AUTHOR,
];

/// The `_include`/`_revinclude:recurse` parameters a document search must send.
const DOCUMENT_INCLUDES: &[(&str, &str)] = &[
    ("_include", "DocumentReference:subject:Patient"),
    ("_include", "DocumentReference:custodian:Organization"),
    ("_include", "DocumentReference:author:Organization"),
    ("_include", "DocumentReference:author:Practitioner"),
    ("_revinclude:recurse", "PractitionerRole:practitioner"),
];

/// What an identifier search's system must be.
#[derive(Debug, Clone, Copy)]
enum Identifies {
    Patient,
    Practitioner,
    Organization,
}

/// Judges the query parameters of a request routed to `route`.
pub fn judge(
    req: &InboundRequest,
    _ctx: &RuleContext<'_>,
    route: &Route,
    findings: &mut Vec<Finding>,
) {
    match route.interaction {
        Interaction::PatientSearch | Interaction::DocumentsPatientSearch => {
            identifier(req, Identifies::Patient, findings)
        }
        Interaction::PractitionerSearch => identifier(req, Identifies::Practitioner, findings),
        Interaction::OrganizationSearch => identifier(req, Identifies::Organization, findings),
        Interaction::SearchForFreeSlots => slots(req, findings),
        Interaction::AppointmentSearch => appointments(req, findings),
        Interaction::DocumentsSearch => documents(req, findings),
        // Reads, operations and metadata take no search parameters of their own (`_format` is judged with
        // content negotiation).
        Interaction::MetadataRead
        | Interaction::PatientRead
        | Interaction::RegisterPatient
        | Interaction::PractitionerRead
        | Interaction::OrganizationRead
        | Interaction::LocationRead
        | Interaction::AppointmentCreate
        | Interaction::AppointmentRead
        | Interaction::AppointmentAmend
        | Interaction::AppointmentCancel
        | Interaction::StructuredMetadataRead
        | Interaction::GetStructuredRecord
        | Interaction::MigrateStructuredRecord
        | Interaction::DocumentsMetadataRead
        | Interaction::DocumentsRetrieve
        | Interaction::DocumentsMigrate
        | Interaction::HtmlMetadataRead
        | Interaction::GetCareRecord => {}
    }
}

/// The raw (undecoded) query string of the request.
fn raw_query(req: &InboundRequest) -> &str {
    req.target
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default())
        .unwrap_or_default()
}

fn identifier(req: &InboundRequest, identifies: Identifies, findings: &mut Vec<Finding>) {
    let at = "query identifier";
    let values = req.param_all("identifier");
    let [value] = values.as_slice() else {
        findings.push(IDENTIFIER.finding(
            at,
            "one identifier parameter",
            format!("{}", values.len()),
        ));
        return;
    };
    let raw_pipe = raw_query(req)
        .split('&')
        .filter(|pair| pair.split('=').next() == Some("identifier"))
        .any(|pair| pair.contains('|'));
    if raw_pipe {
        findings.push(IDENTIFIER_ENCODED.finding(
            at,
            "`|` percent-encoded as %7C",
            "a literal `|`",
        ));
    }
    let Some((sys, id)) = value
        .split_once('|')
        .filter(|(s, v)| !s.is_empty() && !v.is_empty())
    else {
        findings.push(IDENTIFIER.finding(at, "[system]|[value]", shown(value)));
        return;
    };
    match identifies {
        Identifies::Patient => {
            if sys != system::NHS_NUMBER {
                findings.push(PATIENT_NHS_NUMBER.finding(
                    at,
                    format!("system {}", system::NHS_NUMBER),
                    shown(sys),
                ));
            }
            if let Some(problem) = nhs_number_problem(id) {
                findings.push(PATIENT_NHS_NUMBER.finding(at, "a valid NHS number", problem));
            }
        }
        Identifies::Practitioner => {
            if sys != system::SDS_USER && sys != system::SDS_ROLE_PROFILE {
                findings.push(PRACTITIONER_SYSTEM.finding(
                    at,
                    format!("system {}", system::SDS_USER),
                    shown(sys),
                ));
            }
        }
        Identifies::Organization => {
            if sys != system::ODS_ORGANIZATION {
                findings.push(ORGANIZATION_SYSTEM.finding(
                    at,
                    format!("system {}", system::ODS_ORGANIZATION),
                    shown(sys),
                ));
            }
        }
    }
}

/// A date parameter's value after its prefix: a whole date, or a dateTime with seconds and offset. Returns the
/// UK local date-time it stands for (midnight for a date).
fn slot_time(text: &str) -> Result<NaiveDateTime, String> {
    if let Some(d) = whole_date(text) {
        return Ok(d.and_time(chrono::NaiveTime::MIN));
    }
    let well_formed = text.len() == 25 && text.as_bytes().get(10) == Some(&b'T');
    match instant(text).filter(|_| well_formed) {
        None => Err(format!(
            "{}, neither yyyy-mm-dd nor yyyy-mm-ddThh:mm:ss+hh:mm",
            shown(text)
        )),
        Some(t) if t.offset().local_minus_utc() != uk_offset_secs(&t) => Err(format!(
            "{}, whose offset is not UK local time's (+00:00 GMT, +01:00 BST) on that date",
            shown(text)
        )),
        Some(t) => Ok(t.naive_local()),
    }
}

/// One prefixed date parameter sent exactly once: its date-time, or a finding.
fn once_with_prefix(
    req: &InboundRequest,
    name: &str,
    prefix: &str,
    rule: &Rule,
    findings: &mut Vec<Finding>,
) -> Option<NaiveDateTime> {
    let at = format!("query {name}");
    let values = req.param_all(name);
    let [value] = values.as_slice() else {
        findings.push(rule.finding(
            at,
            format!("`{name}` once"),
            format!("{} times", values.len()),
        ));
        return None;
    };
    // An unencoded `+` in the offset arrives as a space.
    let value = value.replace(' ', "+");
    let Some(text) = value.strip_prefix(prefix) else {
        findings.push(rule.finding(at, format!("the `{prefix}` prefix"), shown(&value)));
        return None;
    };
    match slot_time(text) {
        Ok(t) => Some(t),
        Err(why) => {
            findings.push(rule.finding(at, "a date or a UK local dateTime", why));
            None
        }
    }
}

fn slots(req: &InboundRequest, findings: &mut Vec<Finding>) {
    let start = once_with_prefix(req, "start", "ge", &SLOT_START, findings);
    let end = once_with_prefix(req, "end", "le", &SLOT_END, findings);
    if let (Some(start), Some(end)) = (start, end) {
        let span = end - start;
        if span < chrono::TimeDelta::zero() {
            findings.push(SLOT_RANGE.finding(
                "query end",
                format!("on or after {start}"),
                end.to_string(),
            ));
        } else if span > chrono::TimeDelta::days(MAX_SLOT_RANGE_DAYS) {
            findings.push(SLOT_RANGE.finding(
                "query start, end",
                format!("a range of at most {MAX_SLOT_RANGE_DAYS} days"),
                format!("{start} to {end}"),
            ));
        }
    }
    let status = req.param_all("status");
    if status != ["free"] {
        findings.push(SLOT_STATUS.finding(
            "query status",
            "`free` once",
            if status.is_empty() {
                "no status".to_string()
            } else {
                status
                    .iter()
                    .map(|s| shown(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
    }
    if !req
        .param_all("_include")
        .iter()
        .any(|v| v == "Slot:schedule")
    {
        findings.push(SLOT_SCHEDULE.finding("query _include", "`Slot:schedule`", "not sent"));
    }
}

fn appointments(req: &InboundRequest, findings: &mut Vec<Finding>) {
    let at = "query start";
    let values = req.param_all("start");
    let mut ge: Vec<&str> = Vec::new();
    let mut le: Vec<&str> = Vec::new();
    for v in &values {
        if let Some(d) = v.strip_prefix("ge") {
            ge.push(d);
        } else if let Some(d) = v.strip_prefix("le") {
            le.push(d);
        } else {
            findings.push(APPOINTMENTS_START.finding(at, "a `ge` or `le` prefix", shown(v)));
        }
    }
    if values.len() != 2 || ge.len() != 1 || le.len() != 1 {
        findings.push(APPOINTMENTS_START.finding(
            at,
            "two start parameters, one `ge`, one `le`",
            format!("{} (ge {}, le {})", values.len(), ge.len(), le.len()),
        ));
    }
    let date = |text: &str, findings: &mut Vec<Finding>| -> Option<NaiveDate> {
        let d = whole_date(text);
        if d.is_none() {
            findings.push(APPOINTMENTS_START.finding(
                at,
                "a whole date yyyy-mm-dd without time",
                shown(text),
            ));
        }
        d
    };
    let from = ge.first().and_then(|t| date(t, findings));
    let to = le.first().and_then(|t| date(t, findings));
    let today = uk_today(req.received_at);
    if let (Some(from), Some(today)) = (from, today) {
        if from < today {
            findings.push(APPOINTMENTS_RANGE.finding(
                "query start (ge)",
                format!("today ({today}) or later"),
                from.to_string(),
            ));
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            findings.push(APPOINTMENTS_RANGE.finding(
                "query start (le)",
                format!("on or after {from}"),
                to.to_string(),
            ));
        }
    }
}

fn documents(req: &InboundRequest, findings: &mut Vec<Finding>) {
    let params = req.params();
    for (name, value) in DOCUMENT_INCLUDES {
        if !params.iter().any(|(k, v)| k == name && v == value) {
            findings.push(DOCUMENTS_INCLUDES.finding(
                format!("query {name}"),
                format!("`{value}`"),
                "not sent",
            ));
        }
    }
    let created = req.param_all("created");
    let mut prefixes: Vec<&str> = Vec::new();
    for value in &created {
        let value = value.replace(' ', "+");
        let prefix = value.get(..2).unwrap_or_default();
        let date = value.get(2..).unwrap_or_default();
        let date_ok = whole_date(date).is_some() || instant(date).is_some();
        if !matches!(prefix, "ge" | "le") || !date_ok {
            findings.push(DOCUMENTS_CREATED.finding(
                "query created",
                "`ge` or `le` and a date",
                shown(&value),
            ));
        } else if prefixes.contains(&prefix) {
            findings.push(DOCUMENTS_CREATED.finding(
                "query created",
                format!("one `{prefix}` created"),
                "two",
            ));
        } else {
            prefixes.push(if prefix == "ge" { "ge" } else { "le" });
        }
    }
    for value in req.param_all("author") {
        let ods = value
            .split_once('|')
            .is_some_and(|(sys, code)| sys == system::ODS_ORGANIZATION && !code.is_empty());
        if !ods {
            findings.push(DOCUMENTS_AUTHOR.finding(
                "query author",
                format!("{}|[ODS code]", system::ODS_ORGANIZATION),
                shown(&value),
            ));
        }
    }
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
