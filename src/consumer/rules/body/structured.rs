//! `$gpc.getstructuredrecord` and `$gpc.migratestructuredrecord`: the Parameters of the two structured
//! operations, per the 1.6.x retrieve and migrate pages (parameter table, error table, not permitted
//! combinations, predefined multi-area searches).
//!
//! Not judged: a request with only `patientNHSNumber` (the pages do not require a clinical area); `conf/R` sent
//! with `includeSensitiveInformation` false (the pages only forbid the other way round); `filterPrescriptionType`
//! is refused like any unknown part (it is in the newest OperationDefinition, not in the 1.6.x pages).

use chrono::NaiveDate;
use serde_json::Value;

use super::values::{array_at, nhs_number_problem, shown, str_at, uk_today, whole_date};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::spine::headers::system;

const RETRIEVE: &str = "accessrecord_structured_development_retrieve_patient_record";
const MIGRATE: &str = "accessrecord_structured_development_migrate_patient_record";

/// Which structured operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    Get,
    Migrate,
}

pub(super) const PARAMETER_NAMES: Rule = Rule {
    id: "body.structured-parameter-names",
    requirement: "The Parameters hold only the operation's parameters, each at most once, each part only under its own parameter, and no value on a clinical-area parameter",
    page: RETRIEVE,
};
pub(super) const NHS_NUMBER: Rule = Rule {
    id: "body.structured-nhs-number",
    requirement: "patientNHSNumber is present once, an Identifier with system https://fhir.nhs.uk/Id/nhs-number and a valid NHS number (format and check digit)",
    page: RETRIEVE,
};
pub(super) const PART_VALUE: Rule = Rule {
    id: "body.structured-part-value",
    requirement: "Every part parameter carries a value of its defined type (boolean, date, Period, positiveInt, code)",
    page: RETRIEVE,
};
pub(super) const RESOLVED_ALLERGIES: Rule = Rule {
    id: "body.structured-resolved-allergies",
    requirement: "includeAllergies carries its mandatory includeResolvedAllergies part",
    page: RETRIEVE,
};
pub(super) const WHOLE_DATE: Rule = Rule {
    id: "body.structured-whole-date",
    requirement: "Search dates and period start/end are whole dates (yyyy-mm-dd): no partial date, time or offset",
    page: RETRIEVE,
};
pub(super) const NOT_FUTURE: Rule = Rule {
    id: "body.structured-date-not-future",
    requirement: "medicationSearchFromDate and the start and end of the consultation, uncategorised data, investigation and referral search periods are on or before the current date",
    page: RETRIEVE,
};
pub(super) const DIARY_DATE: Rule = Rule {
    id: "body.structured-diary-date",
    requirement: "diaryEntriesSearchDate is on or after the current date",
    page: RETRIEVE,
};
pub(super) const PERIOD_ORDER: Rule = Rule {
    id: "body.structured-period-order",
    requirement: "A search period's start is not after its end",
    page: RETRIEVE,
};
pub(super) const CONSULTATION_FILTERS: Rule = Rule {
    id: "body.structured-consultation-filters",
    requirement: "consultationSearchPeriod and includeNumberOfMostRecent are not both populated",
    page: RETRIEVE,
};
pub(super) const FILTER_STATUS: Rule = Rule {
    id: "body.structured-filter-status",
    requirement: "The includeProblems filterStatus part is active or inactive",
    page: RETRIEVE,
};
pub(super) const COMBINATION: Rule = Rule {
    id: "body.structured-combination",
    requirement: "With includeConsultations or includeProblems, the other areas' filter parts listed as not permitted are not sent (except in the predefined multi-area searches)",
    page: RETRIEVE,
};
pub(super) const FULL_RECORD: Rule = Rule {
    id: "body.migrate-full-record",
    requirement:
        "A migration sends includeFullRecord with its mandatory includeSensitiveInformation part",
    page: MIGRATE,
};
pub(super) const SENSITIVE_SCOPE: Rule = Rule {
    id: "body.migrate-sensitive-scope",
    requirement: "includeSensitiveInformation is true only with the JWT requested_scope carrying conf/R (restricted confidentiality; absent means conf/N)",
    page: MIGRATE,
};

/// The JSON type of a part's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Boolean,
    Date,
    Period,
    PositiveInt,
    Code,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Boolean => "valueBoolean",
            Kind::Date => "valueDate",
            Kind::Period => "valuePeriod",
            Kind::PositiveInt => "valuePositiveInt",
            Kind::Code => "valueCode",
        }
    }

    fn holds(self, v: &Value) -> bool {
        match self {
            Kind::Boolean => v.is_boolean(),
            Kind::Date | Kind::Code => v.as_str().is_some_and(|s| !s.trim().is_empty()),
            Kind::Period => v.is_object(),
            Kind::PositiveInt => v.as_u64().is_some_and(|n| n >= 1),
        }
    }
}

/// A clinical-area parameter and its parts.
struct Area {
    name: &'static str,
    parts: &'static [(&'static str, Kind)],
}

const GET_AREAS: &[Area] = &[
    Area {
        name: "includeAllergies",
        parts: &[("includeResolvedAllergies", Kind::Boolean)],
    },
    Area {
        name: "includeMedication",
        parts: &[
            ("includePrescriptionIssues", Kind::Boolean),
            ("medicationSearchFromDate", Kind::Date),
        ],
    },
    Area {
        name: "includeConsultations",
        parts: &[
            ("consultationSearchPeriod", Kind::Period),
            ("includeNumberOfMostRecent", Kind::PositiveInt),
        ],
    },
    Area {
        name: "includeProblems",
        parts: &[("filterStatus", Kind::Code)],
    },
    Area {
        name: "includeImmunisations",
        parts: &[
            ("includeNotGiven", Kind::Boolean),
            ("includeStatus", Kind::Boolean),
        ],
    },
    Area {
        name: "includeUncategorisedData",
        parts: &[("uncategorisedDataSearchPeriod", Kind::Period)],
    },
    Area {
        name: "includeInvestigations",
        parts: &[("investigationSearchPeriod", Kind::Period)],
    },
    Area {
        name: "includeReferrals",
        parts: &[("referralSearchPeriod", Kind::Period)],
    },
    Area {
        name: "includeDiaryEntries",
        parts: &[("diaryEntriesSearchDate", Kind::Date)],
    },
];

const MIGRATE_AREAS: &[Area] = &[Area {
    name: "includeFullRecord",
    parts: &[("includeSensitiveInformation", Kind::Boolean)],
}];

/// Parts that may not be sent alongside consultations (and, but for `filterStatus`, alongside problems).
const NOT_WITH_CONSULTATIONS: &[(&str, &str)] = &[
    ("includeMedication", "medicationSearchFromDate"),
    ("includeUncategorisedData", "uncategorisedDataSearchPeriod"),
    ("includeProblems", "filterStatus"),
    ("includeReferrals", "referralSearchPeriod"),
    ("includeDiaryEntries", "diaryEntriesSearchDate"),
    ("includeImmunisations", "includeNotGiven"),
    ("includeImmunisations", "includeStatus"),
];

/// Periods and dates that must not lie after today.
const NOT_AFTER_TODAY: &[&str] = &[
    "medicationSearchFromDate",
    "consultationSearchPeriod",
    "uncategorisedDataSearchPeriod",
    "investigationSearchPeriod",
    "referralSearchPeriod",
];

/// A parameter of the request: its index, name and JSON.
struct Param<'a> {
    n: usize,
    name: &'a str,
    json: &'a Value,
}

impl<'a> Param<'a> {
    fn parts(&self) -> impl Iterator<Item = Param<'a>> {
        array_at(self.json, "part")
            .iter()
            .enumerate()
            .map(|(n, json)| Param {
                n,
                name: str_at(json, "name").unwrap_or_default(),
                json,
            })
    }

    fn part(&self, name: &str) -> Option<Param<'a>> {
        self.parts().find(|p| p.name == name)
    }

    /// Does it carry a value, a resource or parts (`value[x]`, `resource`, `part`)?
    fn has_content(&self) -> bool {
        self.json.as_object().is_some_and(|o| {
            o.keys()
                .any(|k| k.starts_with("value") || k == "resource" || k == "part")
        })
    }
}

/// The Parameters' parameters.
fn params(body: &Value) -> Vec<Param<'_>> {
    array_at(body, "parameter")
        .iter()
        .enumerate()
        .map(|(n, json)| Param {
            n,
            name: str_at(json, "name").unwrap_or_default(),
            json,
        })
        .collect()
}

/// Is a top-level `parameter[n]` present without value, resource or part (what the retrieve page allows for a
/// clinical-area parameter, against the core inv-1)?
pub(super) fn is_bare_parameter(body: &Value, expression: &str) -> bool {
    params(body)
        .iter()
        .any(|p| expression == format!("Parameters.parameter[{}]", p.n) && !p.has_content())
}

/// The operation's rules on the Parameters (already known to be Parameters).
pub(super) fn judge(
    req: &InboundRequest,
    op: Operation,
    body: &Value,
    findings: &mut Vec<Finding>,
) {
    let all = params(body);
    let areas = match op {
        Operation::Get => GET_AREAS,
        Operation::Migrate => MIGRATE_AREAS,
    };
    names(&all, areas, findings);
    nhs_number(&all, findings);
    let today = uk_today(req.received_at);
    for p in &all {
        let Some(area) = areas.iter().find(|a| a.name == p.name) else {
            continue;
        };
        for part in p.parts() {
            let Some((_, kind)) = area.parts.iter().find(|(name, _)| *name == part.name) else {
                continue;
            };
            let at = format!("body Parameters.parameter[{}].part[{}]", p.n, part.n);
            match part.json.get(kind.key()) {
                Some(v) if kind.holds(v) => dates(&at, part.name, *kind, v, today, findings),
                _ => findings.push(PART_VALUE.finding(
                    &at,
                    format!("`{}` with a {}", part.name, kind.key()),
                    "no such value",
                )),
            }
        }
    }
    let find = |name: &str| all.iter().find(|p| p.name == name);
    match op {
        Operation::Get => {
            if let Some(allergies) = find("includeAllergies") {
                if allergies.part("includeResolvedAllergies").is_none() {
                    findings.push(RESOLVED_ALLERGIES.finding(
                        format!("body Parameters.parameter[{}]", allergies.n),
                        "an includeResolvedAllergies part",
                        "none",
                    ));
                }
            }
            if let Some(c) = find("includeConsultations") {
                if c.part("consultationSearchPeriod").is_some()
                    && c.part("includeNumberOfMostRecent").is_some()
                {
                    findings.push(CONSULTATION_FILTERS.finding(
                        format!("body Parameters.parameter[{}]", c.n),
                        "consultationSearchPeriod or includeNumberOfMostRecent",
                        "both",
                    ));
                }
            }
            if let Some(problems) = find("includeProblems") {
                if let Some(status) = problems.part("filterStatus") {
                    let code = str_at(status.json, "valueCode").unwrap_or_default();
                    if !code.is_empty() && !matches!(code, "active" | "inactive") {
                        findings.push(FILTER_STATUS.finding(
                            format!(
                                "body Parameters.parameter[{}].part[{}]",
                                problems.n, status.n
                            ),
                            "`active` or `inactive`",
                            shown(code),
                        ));
                    }
                }
            }
            combinations(&all, findings);
        }
        Operation::Migrate => match find("includeFullRecord") {
            None => findings.push(FULL_RECORD.finding(
                "body Parameters.parameter",
                "includeFullRecord",
                "none",
            )),
            Some(full) => match full.part("includeSensitiveInformation") {
                None => findings.push(FULL_RECORD.finding(
                    format!("body Parameters.parameter[{}]", full.n),
                    "an includeSensitiveInformation part",
                    "none",
                )),
                Some(part) => {
                    if part.json.get("valueBoolean").and_then(Value::as_bool) == Some(true) {
                        sensitive_scope(req, findings);
                    }
                }
            },
        },
    }
}

fn names(all: &[Param<'_>], areas: &[Area], findings: &mut Vec<Finding>) {
    let mut seen: Vec<&str> = Vec::new();
    for p in all {
        let at = format!("body Parameters.parameter[{}]", p.n);
        if seen.contains(&p.name) {
            findings.push(PARAMETER_NAMES.finding(&at, format!("`{}` once", p.name), "a repeat"));
            continue;
        }
        seen.push(p.name);
        if p.name == "patientNHSNumber" {
            continue;
        }
        let Some(area) = areas.iter().find(|a| a.name == p.name) else {
            findings.push(PARAMETER_NAMES.finding(
                &at,
                "a parameter of the operation",
                shown(p.name),
            ));
            continue;
        };
        let extra = p
            .json
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .find(|k| k.starts_with("value") || *k == "resource");
        if let Some(extra) = extra {
            findings.push(PARAMETER_NAMES.finding(
                &at,
                format!("`{}` without a value", p.name),
                shown(extra),
            ));
        }
        let mut seen_parts: Vec<&str> = Vec::new();
        for part in p.parts() {
            let at = format!("{at}.part[{}]", part.n);
            if seen_parts.contains(&part.name) {
                findings.push(PARAMETER_NAMES.finding(
                    &at,
                    format!("`{}` once", part.name),
                    "a repeat",
                ));
            } else if !area.parts.iter().any(|(name, _)| *name == part.name) {
                findings.push(PARAMETER_NAMES.finding(
                    &at,
                    format!("a part of `{}`", p.name),
                    shown(part.name),
                ));
            }
            seen_parts.push(part.name);
        }
    }
}

fn nhs_number(all: &[Param<'_>], findings: &mut Vec<Finding>) {
    let Some(p) = all.iter().find(|p| p.name == "patientNHSNumber") else {
        findings.push(NHS_NUMBER.finding("body Parameters.parameter", "patientNHSNumber", "none"));
        return;
    };
    let at = format!("body Parameters.parameter[{}].valueIdentifier", p.n);
    let Some(id) = p.json.get("valueIdentifier") else {
        findings.push(NHS_NUMBER.finding(at, "an Identifier", "none"));
        return;
    };
    let sys = str_at(id, "system").unwrap_or_default();
    if sys != system::NHS_NUMBER {
        findings.push(NHS_NUMBER.finding(format!("{at}.system"), system::NHS_NUMBER, shown(sys)));
    }
    if let Some(problem) = nhs_number_problem(str_at(id, "value").unwrap_or_default()) {
        findings.push(NHS_NUMBER.finding(format!("{at}.value"), "a valid NHS number", problem));
    }
}

/// Whole dates, not in the future (or, for diary entries, not in the past), periods in order.
fn dates(
    at: &str,
    name: &str,
    kind: Kind,
    v: &Value,
    today: Option<NaiveDate>,
    findings: &mut Vec<Finding>,
) {
    let mut checked: Vec<(String, NaiveDate)> = Vec::new();
    let mut one = |at: String, text: &str| match whole_date(text) {
        Some(d) => checked.push((at, d)),
        None => findings.push(WHOLE_DATE.finding(at, "a whole date yyyy-mm-dd", shown(text))),
    };
    match kind {
        Kind::Date => one(
            format!("{at}.{}", kind.key()),
            v.as_str().unwrap_or_default(),
        ),
        Kind::Period => {
            for end in ["start", "end"] {
                if let Some(text) = str_at(v, end) {
                    one(format!("{at}.valuePeriod.{end}"), text);
                }
            }
        }
        _ => return,
    }
    if let Some(today) = today {
        for (at, d) in &checked {
            if NOT_AFTER_TODAY.contains(&name) && *d > today {
                findings.push(NOT_FUTURE.finding(
                    at,
                    format!("a date on or before {today}"),
                    d.to_string(),
                ));
            }
            if name == "diaryEntriesSearchDate" && *d < today {
                findings.push(DIARY_DATE.finding(
                    at,
                    format!("a date on or after {today}"),
                    d.to_string(),
                ));
            }
        }
    }
    if let [(_, start), (end_at, end)] = checked.as_slice() {
        if kind == Kind::Period && start > end {
            findings.push(PERIOD_ORDER.finding(
                end_at,
                format!("an end on or after {start}"),
                end.to_string(),
            ));
        }
    }
}

fn combinations(all: &[Param<'_>], findings: &mut Vec<Finding>) {
    if predefined(all) {
        return;
    }
    let has = |name: &str| all.iter().any(|p| p.name == name);
    for (area, forbidden_filter) in [
        ("includeConsultations", None),
        ("includeProblems", Some("filterStatus")),
    ] {
        if !has(area) {
            continue;
        }
        for (parent, part) in NOT_WITH_CONSULTATIONS {
            if forbidden_filter == Some(*part) {
                continue;
            }
            for p in all.iter().filter(|p| p.name == *parent) {
                if let Some(found) = p.part(part) {
                    findings.push(COMBINATION.finding(
                        format!("body Parameters.parameter[{}].part[{}]", p.n, found.n),
                        format!("no `{parent}.{part}` with `{area}`"),
                        format!("`{part}`"),
                    ));
                }
            }
        }
    }
}

/// Is the request one of the specification's predefined multi-area searches (1: last 3 consultations, a year
/// of medication, allergies and problems; 2: the same with immunisations and uncategorised data)?
fn predefined(all: &[Param<'_>]) -> bool {
    let mut names: Vec<&str> = all
        .iter()
        .map(|p| p.name)
        .filter(|n| *n != "patientNHSNumber")
        .collect();
    names.sort_unstable();
    let one = [
        "includeAllergies",
        "includeConsultations",
        "includeMedication",
        "includeProblems",
    ];
    let two = [
        "includeAllergies",
        "includeConsultations",
        "includeImmunisations",
        "includeMedication",
        "includeProblems",
        "includeUncategorisedData",
    ];
    if names != one && names != two {
        return false;
    }
    let parts = |name: &str| -> Vec<(&str, Option<&Value>)> {
        all.iter()
            .find(|p| p.name == name)
            .map(|p| {
                p.parts()
                    .map(|part| {
                        let value = part.json.as_object().and_then(|o| {
                            o.iter()
                                .find(|(k, _)| k.starts_with("value"))
                                .map(|(_, v)| v)
                        });
                        (part.name, value)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let three = Value::from(3);
    let yes = Value::Bool(true);
    parts("includeConsultations") == [("includeNumberOfMostRecent", Some(&three))]
        && parts("includeAllergies") == [("includeResolvedAllergies", Some(&yes))]
        && parts("includeMedication")
            .iter()
            .map(|(n, _)| *n)
            .eq(["medicationSearchFromDate"])
        && [
            "includeProblems",
            "includeImmunisations",
            "includeUncategorisedData",
        ]
        .iter()
        .all(|n| parts(n).is_empty())
}

/// `includeSensitiveInformation` true: the JWT must ask for restricted confidentiality. A missing or unreadable
/// token is the JWT rules' to report.
fn sensitive_scope(req: &InboundRequest, findings: &mut Vec<Finding>) {
    let Some(token) = req.header("Authorization").and_then(|h| {
        let h = h.trim();
        h.get(..7)
            .filter(|p| p.eq_ignore_ascii_case("bearer "))
            .map(|_| h[7..].trim())
    }) else {
        return;
    };
    let Ok((jwt, _)) = crate::spine::jwt::Jwt::decode(token) else {
        return;
    };
    let Some(scope) = jwt.claims.get("requested_scope").and_then(Value::as_str) else {
        return;
    };
    if !scope.split_whitespace().any(|s| s == "conf/R") {
        findings.push(SENSITIVE_SCOPE.finding(
            "JWT claim requested_scope",
            "`conf/R` with includeSensitiveInformation true",
            shown(scope),
        ));
    }
}

#[cfg(test)]
#[path = "structured_tests.rs"]
mod tests;
