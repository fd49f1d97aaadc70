//! The search parameters of "Search for a patient's documents": `created` (date prefixes), `author` (an ODS
//! code), `description` (keyword), and the `_include` / `_revinclude:recurse` parameters consumers must send.
//! Unrecognised parameters are ignored (general API guidance, "Inter-version compatibility").

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use crate::provider::uktime;
use crate::spine::headers::system;

pub const INCLUDE_SUBJECT: &str = "DocumentReference:subject:Patient";
pub const INCLUDE_CUSTODIAN: &str = "DocumentReference:custodian:Organization";
pub const INCLUDE_AUTHOR_ORG: &str = "DocumentReference:author:Organization";
pub const INCLUDE_AUTHOR_PRACTITIONER: &str = "DocumentReference:author:Practitioner";
pub const REVINCLUDE_ROLE: &str = "PractitionerRole:practitioner";
pub const INCLUDE: &str = "_include";
pub const REVINCLUDE: &str = "_revinclude:recurse";

/// The `_include` values the specification lists, in its order.
pub const INCLUDES: [&str; 4] = [
    INCLUDE_SUBJECT,
    INCLUDE_CUSTODIAN,
    INCLUDE_AUTHOR_ORG,
    INCLUDE_AUTHOR_PRACTITIONER,
];

/// A search parameter the provider refuses: `INVALID_PARAMETER` with a diagnostic naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError(pub String);

/// A date comparison prefix (FHIR search, "date" parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

/// One `created` value: a prefix and the interval `[lo, hi)` its date or dateTime covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateBound {
    pub prefix: Prefix,
    pub lo: DateTime<Utc>,
    pub hi: DateTime<Utc>,
}

impl DateBound {
    /// Whether a moment satisfies the bound.
    pub fn admits(&self, t: DateTime<Utc>) -> bool {
        match self.prefix {
            Prefix::Eq => self.lo <= t && t < self.hi,
            Prefix::Ne => !(self.lo <= t && t < self.hi),
            Prefix::Gt => t >= self.hi,
            Prefix::Lt => t < self.lo,
            Prefix::Ge => t >= self.lo,
            Prefix::Le => t < self.hi,
        }
    }
}

/// Which referenced resources the Bundle carries besides the DocumentReferences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Includes {
    pub subject: bool,
    pub custodian: bool,
    pub author_organization: bool,
    pub author_practitioner: bool,
    pub practitioner_roles: bool,
}

impl Includes {
    pub fn all() -> Self {
        Includes {
            subject: true,
            custodian: true,
            author_organization: true,
            author_practitioner: true,
            practitioner_roles: true,
        }
    }
}

/// A parsed search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub created: Vec<DateBound>,
    /// ODS codes of authoring organisations (every one must match).
    pub authors: Vec<String>,
    /// Keywords (every one must match).
    pub descriptions: Vec<String>,
    pub includes: Includes,
}

/// Checks a faulty provider skips.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leniency {
    /// The mandatory `_include` / `_revinclude:recurse` parameters may be left out.
    pub includes_optional: bool,
    /// An `author` identifier that is not an ODS code is ignored instead of refused.
    pub author_system_unchecked: bool,
    /// A malformed `created` value is ignored instead of refused.
    pub created_unchecked: bool,
    /// An unrecognised parameter is refused instead of ignored.
    pub refuse_unknown: bool,
}

const KNOWN: [&str; 6] = [
    INCLUDE,
    REVINCLUDE,
    "created",
    "author",
    "description",
    "_format",
];

/// Parses the query parameters of a DocumentReference search.
pub fn parse(params: &[(String, String)], lenient: Leniency) -> Result<Query, ParamError> {
    let mut q = Query::default();
    for (name, value) in params {
        match name.as_str() {
            INCLUDE => match value.as_str() {
                INCLUDE_SUBJECT => q.includes.subject = true,
                INCLUDE_CUSTODIAN => q.includes.custodian = true,
                INCLUDE_AUTHOR_ORG => q.includes.author_organization = true,
                INCLUDE_AUTHOR_PRACTITIONER => q.includes.author_practitioner = true,
                // An include the server does not support is ignored, like any unrecognised criterion.
                _ => {}
            },
            REVINCLUDE if value == REVINCLUDE_ROLE => q.includes.practitioner_roles = true,
            "created" => match date_bound(value) {
                Ok(b) => q.created.push(b),
                Err(_) if lenient.created_unchecked => {}
                Err(e) => return Err(e),
            },
            "author" => match author(value) {
                Ok(code) => q.authors.push(code),
                Err(_) if lenient.author_system_unchecked => {}
                Err(e) => return Err(e),
            },
            "description" => {
                let v = value.trim();
                if v.is_empty() {
                    return Err(ParamError("description: the keyword is empty".into()));
                }
                q.descriptions.push(v.to_lowercase());
            }
            other if lenient.refuse_unknown && !KNOWN.contains(&other) => {
                return Err(ParamError(format!(
                    "{other}: not a search parameter of DocumentReference"
                )));
            }
            _ => {}
        }
    }
    if !lenient.includes_optional && q.includes != Includes::all() {
        let missing: Vec<String> = [
            (q.includes.subject, INCLUDE, INCLUDE_SUBJECT),
            (q.includes.custodian, INCLUDE, INCLUDE_CUSTODIAN),
            (q.includes.author_organization, INCLUDE, INCLUDE_AUTHOR_ORG),
            (
                q.includes.author_practitioner,
                INCLUDE,
                INCLUDE_AUTHOR_PRACTITIONER,
            ),
            (q.includes.practitioner_roles, REVINCLUDE, REVINCLUDE_ROLE),
        ]
        .iter()
        .filter(|(present, _, _)| !present)
        .map(|(_, name, value)| format!("{name}={value}"))
        .collect();
        return Err(ParamError(format!(
            "the mandatory parameters {} are missing",
            missing.join(", ")
        )));
    }
    Ok(q)
}

/// `https://fhir.nhs.uk/Id/ods-organization-code|<code>` -> the code.
fn author(value: &str) -> Result<String, ParamError> {
    let Some((sys, code)) = value.split_once('|') else {
        return Err(ParamError(format!(
            "author `{value}` must be `{}|<ODS code>`",
            system::ODS_ORGANIZATION
        )));
    };
    if sys != system::ODS_ORGANIZATION {
        return Err(ParamError(format!(
            "author: `{sys}` is not the ODS organisation code system {}",
            system::ODS_ORGANIZATION
        )));
    }
    if code.trim().is_empty() {
        return Err(ParamError("author: the ODS code is empty".into()));
    }
    Ok(code.trim().to_string())
}

/// `ge2024-05-01`, `le2024-05-01T10:00:00+01:00`, `2024` (eq), ...
pub fn date_bound(value: &str) -> Result<DateBound, ParamError> {
    let invalid = || {
        ParamError(format!(
            "created `{value}`: expected a prefix (eq, ne, gt, lt, ge, le) and a date (yyyy, yyyy-mm, yyyy-mm-dd) or a dateTime with its offset"
        ))
    };
    let (prefix, rest) = match value.get(..2) {
        Some("eq") => (Prefix::Eq, &value[2..]),
        Some("ne") => (Prefix::Ne, &value[2..]),
        Some("gt") => (Prefix::Gt, &value[2..]),
        Some("lt") => (Prefix::Lt, &value[2..]),
        Some("ge") => (Prefix::Ge, &value[2..]),
        Some("le") => (Prefix::Le, &value[2..]),
        _ => (Prefix::Eq, value),
    };
    let (lo, hi) = interval(rest).ok_or_else(invalid)?;
    Ok(DateBound { prefix, lo, hi })
}

/// The interval a date or dateTime covers; dates are UK calendar days.
fn interval(text: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if text.contains('T') {
        let t = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
        return Some((t, t + chrono::Duration::seconds(1)));
    }
    let parts: Vec<&str> = text.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (start, end) = match parts.as_slice() {
        [y] => {
            let y = i32::try_from(num(y, 4)?).ok()?;
            let s = NaiveDate::from_ymd_opt(y, 1, 1)?;
            (s, s.with_year(y + 1)?)
        }
        [y, m] => {
            let s = NaiveDate::from_ymd_opt(i32::try_from(num(y, 4)?).ok()?, num(m, 2)?, 1)?;
            (s, s.checked_add_months(Months::new(1))?)
        }
        [y, m, d] => {
            let s =
                NaiveDate::from_ymd_opt(i32::try_from(num(y, 4)?).ok()?, num(m, 2)?, num(d, 2)?)?;
            (s, s.succ_opt()?)
        }
        _ => return None,
    };
    Some((uktime::start_of_day(start), uktime::start_of_day(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn mandatory() -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = INCLUDES
            .iter()
            .map(|i| (INCLUDE.to_string(), (*i).to_string()))
            .collect();
        p.push((REVINCLUDE.into(), REVINCLUDE_ROLE.into()));
        p
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn the_includes_are_mandatory() {
        let lenient = Leniency::default();
        assert_eq!(
            parse(&mandatory(), lenient).map(|q| q.includes),
            Ok(Includes::all())
        );
        let mut p = mandatory();
        p.remove(1);
        let e = parse(&p, lenient).expect_err("custodian include missing");
        assert!(e.0.contains(INCLUDE_CUSTODIAN), "{e:?}");
        let lenient = Leniency {
            includes_optional: true,
            ..Leniency::default()
        };
        assert!(parse(&[], lenient).is_ok());
    }

    #[test]
    fn created_bounds() {
        // 1 July 2026 is in British Summer Time: the day starts at 23:00 UTC the day before.
        let b = date_bound("ge2026-07-01").expect("ge");
        assert!(b.admits(utc("2026-06-30T23:00:00Z")));
        assert!(!b.admits(utc("2026-06-30T22:59:59Z")));
        let b = date_bound("le2026-07-01").expect("le");
        assert!(b.admits(utc("2026-07-01T22:59:59Z")));
        assert!(!b.admits(utc("2026-07-01T23:00:00Z")));
        let b = date_bound("2026-01").expect("month");
        assert!(b.admits(utc("2026-01-31T12:00:00Z")));
        assert!(!b.admits(utc("2026-02-01T00:00:00Z")));
        let b = date_bound("lt2026-01-15T10:00:00+00:00").expect("dateTime");
        assert!(b.admits(utc("2026-01-15T09:59:59Z")));
        assert!(!b.admits(utc("2026-01-15T10:00:00Z")));
        for bad in [
            "ge2026-13-01",
            "gesomeday",
            "xx2026-01-01",
            "ge2026-1-1",
            "le2026-01-01T10:00",
            "",
        ] {
            assert!(date_bound(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn author_must_be_an_ods_code() {
        let lenient = Leniency::default();
        let mut p = mandatory();
        p.push((
            "author".into(),
            format!("{}|R1A14", system::ODS_ORGANIZATION),
        ));
        assert_eq!(
            parse(&p, lenient).map(|q| q.authors),
            Ok(vec!["R1A14".to_string()])
        );
        for bad in [
            "https://bad-identifier|R1A14",
            "R1A14",
            "https://fhir.nhs.uk/Id/ods-organization-code|",
        ] {
            let mut p = mandatory();
            p.push(("author".into(), bad.into()));
            assert!(parse(&p, lenient).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_parameters_are_ignored() {
        let mut p = mandatory();
        p.extend(params(&[("BadParameter", "x")]));
        assert!(parse(&p, Leniency::default()).is_ok());
        let strict = Leniency {
            refuse_unknown: true,
            ..Leniency::default()
        };
        assert!(parse(&p, strict).is_err());
    }
}
