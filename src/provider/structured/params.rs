//! The `Parameters` of `$gpc.getstructuredrecord` (Access Record Structured 1.6.2), read and checked as the
//! specification's retrieve page and the GetStructuredRecord OperationDefinition state them: which clinical
//! areas are asked for, with which options, and the errors a provider answers for a request it cannot serve
//! (`INVALID_PARAMETER` 422, `INVALID_RESOURCE` 422, `INVALID_NHS_NUMBER` 400).
//!
//! "Today" is the UK date of the provider's clock, passed in, so the date rules hold at any hour.

use chrono::NaiveDate;
use serde_json::Value;

/// The NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// A request the provider refuses: the Spine error code and a sentence for `diagnostics`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ParamError {
    pub code: &'static str,
    pub message: String,
}

fn invalid_parameter(message: impl Into<String>) -> ParamError {
    ParamError {
        code: "INVALID_PARAMETER",
        message: message.into(),
    }
}

fn invalid_resource(message: impl Into<String>) -> ParamError {
    ParamError {
        code: "INVALID_RESOURCE",
        message: message.into(),
    }
}

/// A closed date range of whole dates; an open end is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateRange {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

impl DateRange {
    /// Does the range hold this date (an item with an unknown date is always returned, so callers pass known
    /// dates only)?
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start.is_none_or(|s| date >= s) && self.end.is_none_or(|e| date <= e)
    }
}

/// `filterStatus` of the problems area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemStatus {
    Active,
    Inactive,
    /// Only under a fault: an unknown status read as no filter.
    Any,
}

/// What a request asks for. `None` for an area means it was not asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructuredRequest {
    pub nhs_number: String,
    /// `includeAllergies`: whether resolved (ended) allergies are wanted.
    pub allergies: Option<bool>,
    pub medication: Option<Medication>,
    pub consultations: Option<Consultations>,
    /// `includeProblems` with its optional `filterStatus`.
    pub problems: Option<Option<ProblemStatus>>,
    pub immunisations: Option<Immunisations>,
    /// `includeUncategorisedData` with its search period.
    pub uncategorised: Option<DateRange>,
    pub investigations: Option<DateRange>,
    pub referrals: Option<DateRange>,
    /// `includeDiaryEntries`: entries on or before this date (`None`: every entry).
    pub diary: Option<Option<NaiveDate>>,
    /// Parameters (`name`) and parts (`name.part`) this version does not know: answered with a warning each
    /// (forwards compatibility), never refused.
    pub unsupported: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Medication {
    /// `includePrescriptionIssues` (default true).
    pub prescription_issues: bool,
    /// `medicationSearchFromDate`.
    pub from: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consultations {
    pub period: Option<DateRange>,
    /// `includeNumberOfMostRecent`.
    pub most_recent: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Immunisations {
    /// `includeNotGiven` (default false).
    pub not_given: bool,
    /// `includeStatus` (default true).
    pub status: bool,
}

/// The parameter names of the operation (1.6.2) and the part names each takes.
const PARAMETERS: &[(&str, &[&str])] = &[
    ("patientNHSNumber", &[]),
    ("includeAllergies", &["includeResolvedAllergies"]),
    (
        "includeMedication",
        &["includePrescriptionIssues", "medicationSearchFromDate"],
    ),
    (
        "includeConsultations",
        &["consultationSearchPeriod", "includeNumberOfMostRecent"],
    ),
    ("includeProblems", &["filterStatus"]),
    (
        "includeImmunisations",
        &["includeNotGiven", "includeStatus"],
    ),
    (
        "includeUncategorisedData",
        &["uncategorisedDataSearchPeriod"],
    ),
    ("includeInvestigations", &["investigationSearchPeriod"]),
    ("includeReferrals", &["referralSearchPeriod"]),
    ("includeDiaryEntries", &["diaryEntriesSearchDate"]),
];

/// Parts that may not be sent together with `includeConsultations` (the specification's forbidden
/// combinations); with `includeProblems` the same list applies except `filterStatus`.
const NOT_WITH_CONSULTATIONS: &[&str] = &[
    "medicationSearchFromDate",
    "uncategorisedDataSearchPeriod",
    "filterStatus",
    "referralSearchPeriod",
    "diaryEntriesSearchDate",
    "includeNotGiven",
    "includeStatus",
];

/// One parameter of the request: its parts by name (each part's value element).
struct Param<'a> {
    name: &'a str,
    value: Option<(&'a str, &'a Value)>,
    parts: Vec<(&'a str, Option<(&'a str, &'a Value)>)>,
}

/// The `value[x]` of a parameter or part: (type suffix, value).
fn value_of(p: &Value) -> Option<(&str, &Value)> {
    p.as_object()?.iter().find_map(|(k, v)| {
        k.strip_prefix("value")
            .filter(|t| !t.is_empty())
            .map(|t| (t, v))
    })
}

/// Rules the reference provider's faults relax (all off: the specification's rules).
#[derive(Debug, Clone, Copy, Default)]
pub struct Leniency {
    pub allergies_part_optional: bool,
    pub future_dates: bool,
    pub partial_dates: bool,
    pub refuse_unknown: bool,
    pub forbidden_combinations: bool,
    pub date_times: bool,
    pub bad_dates_ignored: bool,
    pub value_types_unchecked: bool,
    pub empty_parts_ignored: bool,
    pub status_unchecked: bool,
    pub nhs_check_digit_unchecked: bool,
    pub nhs_system_unchecked: bool,
    pub period_order_unchecked: bool,
    pub consultation_both: bool,
    pub most_recent_unchecked: bool,
}

/// Reads and checks the request's `Parameters` against the operation's rules on `today` (UK date).
pub fn parse(body: &Value, today: NaiveDate) -> Result<StructuredRequest, ParamError> {
    parse_with(body, today, Leniency::default())
}

/// [`parse`] with some rules relaxed.
pub fn parse_with(
    body: &Value,
    today: NaiveDate,
    lenient: Leniency,
) -> Result<StructuredRequest, ParamError> {
    let today = if lenient.future_dates {
        NaiveDate::MAX
    } else {
        today
    };
    let dates = Dates {
        today,
        partial: lenient.partial_dates,
        date_times: lenient.date_times,
        bad_ignored: lenient.bad_dates_ignored,
        order_unchecked: lenient.period_order_unchecked,
    };
    let types_unchecked = lenient.value_types_unchecked;
    if body.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(invalid_resource(
            "the request body is not a Parameters resource",
        ));
    }
    let Some(items) = body.get("parameter").and_then(Value::as_array) else {
        return Err(invalid_parameter(
            "the Parameters resource holds no parameter",
        ));
    };
    let mut params: Vec<Param> = Vec::new();
    let mut unsupported = Vec::new();
    for item in items {
        let Some(name) = item.get("name").and_then(Value::as_str) else {
            return Err(invalid_resource("a parameter has no name"));
        };
        let Some((_, allowed_parts)) = PARAMETERS.iter().find(|(n, _)| *n == name) else {
            // Forwards compatibility: a parameter of a later version is reported, not refused.
            if lenient.refuse_unknown {
                return Err(invalid_parameter(format!("unknown parameter `{name}`")));
            }
            unsupported.push(name.to_string());
            continue;
        };
        if params.iter().any(|p| p.name == name) {
            return Err(invalid_parameter(format!(
                "parameter `{name}` is given more than once"
            )));
        }
        let mut parts = Vec::new();
        for part in item
            .get("part")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(part_name) = part.get("name").and_then(Value::as_str) else {
                return Err(invalid_resource(format!("a part of `{name}` has no name")));
            };
            if !allowed_parts.contains(&part_name) {
                if lenient.refuse_unknown {
                    return Err(invalid_parameter(format!(
                        "`{part_name}` is not a part of `{name}`"
                    )));
                }
                unsupported.push(format!("{name}.{part_name}"));
                continue;
            }
            if parts.iter().any(|(n, _)| *n == part_name) {
                return Err(invalid_parameter(format!(
                    "part `{part_name}` of `{name}` is given more than once"
                )));
            }
            let value = value_of(part);
            if value.is_none() && lenient.empty_parts_ignored {
                continue;
            }
            if value.is_none() {
                return Err(invalid_parameter(format!(
                    "part `{part_name}` of `{name}` has no value"
                )));
            }
            parts.push((part_name, value));
        }
        params.push(Param {
            name,
            value: value_of(item),
            parts,
        });
    }
    let find = |n: &str| params.iter().find(|p| p.name == n);
    let Some(nhs) = find("patientNHSNumber") else {
        return Err(invalid_parameter("`patientNHSNumber` is required"));
    };
    let nhs_number = nhs_number(nhs, lenient)?;
    if !lenient.forbidden_combinations {
        check_combinations(&params)?;
    }

    let mut req = StructuredRequest {
        nhs_number,
        unsupported,
        ..StructuredRequest::default()
    };
    for p in &params {
        if p.name != "patientNHSNumber" && p.value.is_some() {
            return Err(invalid_parameter(format!(
                "`{}` takes parts, not a value",
                p.name
            )));
        }
        let part = |n: &str| {
            p.parts
                .iter()
                .find(|(pn, _)| *pn == n)
                .and_then(|(_, v)| *v)
        };
        match p.name {
            "includeAllergies" => {
                let Some(v) = part("includeResolvedAllergies") else {
                    if lenient.allergies_part_optional {
                        req.allergies = Some(false);
                        continue;
                    }
                    return Err(invalid_parameter(
                        "`includeAllergies` needs its part `includeResolvedAllergies`",
                    ));
                };
                req.allergies = Some(boolean(v, "includeResolvedAllergies", types_unchecked)?);
            }
            "includeMedication" => {
                req.medication = Some(Medication {
                    prescription_issues: part("includePrescriptionIssues")
                        .map(|v| boolean(v, "includePrescriptionIssues", types_unchecked))
                        .transpose()?
                        .unwrap_or(true),
                    from: part("medicationSearchFromDate")
                        .map(|v| past_date(v, "medicationSearchFromDate", dates))
                        .transpose()?,
                });
            }
            "includeConsultations" => {
                let period = part("consultationSearchPeriod")
                    .map(|v| period(v, "consultationSearchPeriod", dates))
                    .transpose()?;
                let most_recent = part("includeNumberOfMostRecent")
                    .map(|v| match positive_int(v, "includeNumberOfMostRecent") {
                        Err(_) if lenient.most_recent_unchecked => Ok(u32::MAX),
                        other => other,
                    })
                    .transpose()?;
                let most_recent =
                    most_recent.filter(|_| !(lenient.consultation_both && period.is_some()));
                if period.is_some() && most_recent.is_some() {
                    return Err(invalid_resource(
                        "`consultationSearchPeriod` and `includeNumberOfMostRecent` cannot be used together",
                    ));
                }
                req.consultations = Some(Consultations {
                    period,
                    most_recent,
                });
            }
            "includeProblems" => {
                req.problems = Some(
                    part("filterStatus")
                        .map(|(t, v)| match (t, v.as_str()) {
                            ("Code", Some("active")) => Ok(ProblemStatus::Active),
                            ("Code", Some("inactive")) => Ok(ProblemStatus::Inactive),
                            _ if lenient.status_unchecked => Ok(ProblemStatus::Any),
                            _ => Err(invalid_parameter(
                                "`filterStatus` must be the code `active` or `inactive`",
                            )),
                        })
                        .transpose()?,
                );
            }
            "includeImmunisations" => {
                req.immunisations = Some(Immunisations {
                    not_given: part("includeNotGiven")
                        .map(|v| boolean(v, "includeNotGiven", types_unchecked))
                        .transpose()?
                        .unwrap_or(false),
                    status: part("includeStatus")
                        .map(|v| boolean(v, "includeStatus", types_unchecked))
                        .transpose()?
                        .unwrap_or(true),
                });
            }
            "includeUncategorisedData" => {
                req.uncategorised = Some(optional_period(
                    part("uncategorisedDataSearchPeriod"),
                    "uncategorisedDataSearchPeriod",
                    dates,
                )?);
            }
            "includeInvestigations" => {
                req.investigations = Some(optional_period(
                    part("investigationSearchPeriod"),
                    "investigationSearchPeriod",
                    dates,
                )?);
            }
            "includeReferrals" => {
                req.referrals = Some(optional_period(
                    part("referralSearchPeriod"),
                    "referralSearchPeriod",
                    dates,
                )?);
            }
            "includeDiaryEntries" => {
                let date = part("diaryEntriesSearchDate")
                    .map(|v| {
                        let d = whole_date(v, "diaryEntriesSearchDate", dates)?;
                        if d < today && !lenient.future_dates {
                            return Err(invalid_parameter(
                                "`diaryEntriesSearchDate` must be today or later",
                            ));
                        }
                        Ok(d)
                    })
                    .transpose()?;
                req.diary = Some(date);
            }
            _ => {}
        }
    }
    // A request for the patient alone is valid: the Bundle then holds the patient's details only.
    Ok(req)
}

/// The forbidden combinations: with `includeConsultations` (or `includeProblems`), the other areas' filters.
fn check_combinations(params: &[Param]) -> Result<(), ParamError> {
    let has = |n: &str| params.iter().any(|p| p.name == n);
    let parts: Vec<&str> = params
        .iter()
        .flat_map(|p| p.parts.iter().map(|(n, _)| *n))
        .collect();
    for (area, exempt) in [
        ("includeConsultations", None),
        ("includeProblems", Some("filterStatus")),
    ] {
        if !has(area) {
            continue;
        }
        if let Some(bad) = parts
            .iter()
            .find(|p| NOT_WITH_CONSULTATIONS.contains(p) && Some(**p) != exempt)
        {
            return Err(invalid_parameter(format!(
                "`{bad}` cannot be used together with `{area}`"
            )));
        }
    }
    Ok(())
}

fn nhs_number(p: &Param, lenient: Leniency) -> Result<String, ParamError> {
    let id = match p.value {
        Some(("Identifier", id)) => id.clone(),
        // Only under a fault: a valueString read as the NHS number.
        Some((_, Value::String(s))) if lenient.value_types_unchecked => {
            serde_json::json!({ "system": NHS_NUMBER_SYSTEM, "value": s })
        }
        _ => {
            return Err(invalid_parameter(
                "`patientNHSNumber` must carry a valueIdentifier",
            ))
        }
    };
    if id.get("system").and_then(Value::as_str) != Some(NHS_NUMBER_SYSTEM)
        && !lenient.nhs_system_unchecked
    {
        return Err(invalid_parameter(format!(
            "`patientNHSNumber` must use the system {NHS_NUMBER_SYSTEM}"
        )));
    }
    let value = id.get("value").and_then(Value::as_str).unwrap_or_default();
    if !crate::provider::data::nhs_number_valid(value) && !lenient.nhs_check_digit_unchecked {
        return Err(ParamError {
            code: "INVALID_NHS_NUMBER",
            message: format!("`{value}` is not a valid NHS number"),
        });
    }
    Ok(value.to_string())
}

fn boolean((t, v): (&str, &Value), name: &str, unchecked: bool) -> Result<bool, ParamError> {
    match (t, v.as_bool()) {
        ("Boolean", Some(b)) => Ok(b),
        _ if unchecked && v.as_str().is_some() => Ok(v.as_str() == Some("true")),
        _ => Err(invalid_parameter(format!(
            "`{name}` must be a valueBoolean"
        ))),
    }
}

fn positive_int((t, v): (&str, &Value), name: &str) -> Result<u32, ParamError> {
    match (t, v.as_u64()) {
        ("Integer" | "PositiveInt", Some(n)) if n > 0 => {
            u32::try_from(n).map_err(|_| invalid_parameter(format!("`{name}` is too large")))
        }
        _ => Err(invalid_parameter(format!(
            "`{name}` must be a positive integer"
        ))),
    }
}

/// The day dates are judged against, and whether partial dates pass (a fault).
#[derive(Debug, Clone, Copy)]
struct Dates {
    today: NaiveDate,
    partial: bool,
    date_times: bool,
    bad_ignored: bool,
    order_unchecked: bool,
}

/// A whole date `YYYY-MM-DD` (partial dates and date-times are refused).
fn parse_whole_date(text: &str, d: Dates) -> Option<NaiveDate> {
    if d.date_times && text.len() > 10 && text.as_bytes().get(10) == Some(&b'T') {
        return NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").ok();
    }
    if d.partial {
        let padded = match text.len() {
            4 => format!("{text}-01-01"),
            7 => format!("{text}-01"),
            _ => text.to_string(),
        };
        return NaiveDate::parse_from_str(&padded, "%Y-%m-%d").ok();
    }
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

fn whole_date((t, v): (&str, &Value), name: &str, d: Dates) -> Result<NaiveDate, ParamError> {
    if d.bad_ignored
        && v.as_str()
            .is_some_and(|s| !s.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Ok(NaiveDate::MIN);
    }
    let text = v.as_str().filter(|_| t == "Date").unwrap_or_default();
    parse_whole_date(text, d)
        .ok_or_else(|| invalid_parameter(format!("`{name}` must be a whole date (YYYY-MM-DD)")))
}

fn past_date(v: (&str, &Value), name: &str, dates: Dates) -> Result<NaiveDate, ParamError> {
    let d = whole_date(v, name, dates)?;
    if d > dates.today {
        return Err(invalid_parameter(format!("`{name}` is in the future")));
    }
    Ok(d)
}

fn period((t, v): (&str, &Value), name: &str, dates: Dates) -> Result<DateRange, ParamError> {
    if t != "Period" {
        return Err(invalid_parameter(format!("`{name}` must be a valuePeriod")));
    }
    let bound = |key: &str| -> Result<Option<NaiveDate>, ParamError> {
        match v.get(key) {
            None => Ok(None),
            Some(s) => {
                let d = s
                    .as_str()
                    .and_then(|s| parse_whole_date(s, dates))
                    .ok_or_else(|| {
                        invalid_parameter(format!(
                            "`{name}.{key}` must be a whole date (YYYY-MM-DD)"
                        ))
                    })?;
                if d > dates.today {
                    return Err(invalid_parameter(format!(
                        "`{name}.{key}` is in the future"
                    )));
                }
                Ok(Some(d))
            }
        }
    };
    let range = DateRange {
        start: bound("start")?,
        end: bound("end")?,
    };
    if let (Some(s), Some(e)) = (range.start, range.end) {
        if s > e && !dates.order_unchecked {
            return Err(invalid_parameter(format!("`{name}` starts after it ends")));
        }
    }
    Ok(range)
}

fn optional_period(
    v: Option<(&str, &Value)>,
    name: &str,
    dates: Dates,
) -> Result<DateRange, ParamError> {
    v.map(|v| period(v, name, dates))
        .transpose()
        .map(Option::unwrap_or_default)
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
