//! `$gpc.getcarerecord` (Access Record HTML 0.7.x, FHIR DSTU2): a Parameters resource with the patient's NHS
//! number, one care record section and, for sections that take one, an optional time period.

use serde_json::Value;

use super::values::{array_at, nhs_number_problem, shown, str_at};
use crate::consumer::finding::{Finding, Rule};
use crate::spine::headers::system;

const PAGE: &str = "accessrecord_use_case_retrieve_a_care_record_section";

/// The record section code system (a DSTU2 ValueSet URL used as a system).
const SECTION_SYSTEM: &str = "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1";
/// The codes of gpconnect-record-section-1 (upper case).
const SECTIONS: &[&str] = &[
    "ADM", "ALL", "CLI", "ENC", "IMM", "INV", "MED", "OBS", "PAT", "PRB", "REF", "SUM",
];
/// Sections whose time frame is "N/A": a consumer-supplied time period is an error (HTML layout page).
const TIME_AGNOSTIC: &[&str] = &["ALL", "IMM", "SUM"];

pub(super) const PARAMETERS: Rule = Rule {
    id: "body.care-record-parameters",
    requirement: "The Parameters hold patientNHSNumber and recordSection once each, timePeriod at most once, and nothing else",
    page: PAGE,
};
pub(super) const NHS_NUMBER: Rule = Rule {
    id: "body.care-record-nhs-number",
    requirement: "patientNHSNumber is an Identifier with system http://fhir.nhs.net/Id/nhs-number and a valid NHS number (format and check digit)",
    page: PAGE,
};
pub(super) const SECTION: Rule = Rule {
    id: "body.care-record-section",
    requirement: "recordSection is a code of the gpconnect-record-section-1 value set (upper case)",
    page: PAGE,
};
pub(super) const TIME_PERIOD: Rule = Rule {
    id: "body.care-record-time-period",
    requirement: "timePeriod is only sent for a section that takes a time period, and its start is not after its end",
    page: PAGE,
};

/// The operation's rules on the Parameters (already known to be Parameters).
pub(super) fn judge(body: &Value, findings: &mut Vec<Finding>) {
    let all = array_at(body, "parameter");
    let named = |name: &str| -> Vec<(usize, &Value)> {
        all.iter()
            .enumerate()
            .filter(|(_, p)| str_at(p, "name") == Some(name))
            .collect()
    };
    for (n, p) in all.iter().enumerate() {
        let name = str_at(p, "name").unwrap_or_default();
        if !matches!(name, "patientNHSNumber" | "recordSection" | "timePeriod") {
            findings.push(PARAMETERS.finding(
                format!("body Parameters.parameter[{n}]"),
                "patientNHSNumber, recordSection or timePeriod",
                shown(name),
            ));
        }
    }
    for (name, optional) in [
        ("patientNHSNumber", false),
        ("recordSection", false),
        ("timePeriod", true),
    ] {
        let count = named(name).len();
        if count > 1 || (count == 0 && !optional) {
            findings.push(PARAMETERS.finding(
                "body Parameters.parameter",
                format!(
                    "`{name}` {}",
                    if optional { "at most once" } else { "once" }
                ),
                format!("{count}"),
            ));
        }
    }
    if let Some((n, p)) = named("patientNHSNumber").first() {
        let at = format!("body Parameters.parameter[{n}].valueIdentifier");
        let id = p.get("valueIdentifier").unwrap_or(&Value::Null);
        let sys = str_at(id, "system").unwrap_or_default();
        if sys != system::NHS_NUMBER_DSTU2 {
            findings.push(NHS_NUMBER.finding(
                format!("{at}.system"),
                system::NHS_NUMBER_DSTU2,
                shown(sys),
            ));
        }
        if let Some(problem) = nhs_number_problem(str_at(id, "value").unwrap_or_default()) {
            findings.push(NHS_NUMBER.finding(format!("{at}.value"), "a valid NHS number", problem));
        }
    }
    let mut section = None;
    if let Some((n, p)) = named("recordSection").first() {
        let codings = p
            .pointer("/valueCodeableConcept/coding")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        section = codings
            .iter()
            .filter(|c| str_at(c, "system") == Some(SECTION_SYSTEM))
            .find_map(|c| str_at(c, "code").filter(|code| SECTIONS.contains(code)));
        if section.is_none() {
            let sent: Vec<String> = codings
                .iter()
                .map(|c| {
                    format!(
                        "{}|{}",
                        str_at(c, "system").unwrap_or_default(),
                        str_at(c, "code").unwrap_or_default()
                    )
                })
                .collect();
            findings.push(SECTION.finding(
                format!("body Parameters.parameter[{n}].valueCodeableConcept"),
                format!("a coding {SECTION_SYSTEM}|<section code>"),
                if sent.is_empty() {
                    "no coding".to_string()
                } else {
                    shown(&sent.join(", "))
                },
            ));
        }
    }
    if let Some((n, p)) = named("timePeriod").first() {
        let at = format!("body Parameters.parameter[{n}]");
        if let Some(code) = section.filter(|c| TIME_AGNOSTIC.contains(c)) {
            findings.push(TIME_PERIOD.finding(
                &at,
                format!("no timePeriod for section {code}"),
                "a timePeriod",
            ));
        }
        let period = p.get("valuePeriod").unwrap_or(&Value::Null);
        let date = |key: &str| {
            str_at(period, key)
                .and_then(|s| s.get(..10))
                .and_then(super::values::whole_date)
        };
        if let (Some(start), Some(end)) = (date("start"), date("end")) {
            if start > end {
                findings.push(TIME_PERIOD.finding(
                    format!("{at}.valuePeriod.end"),
                    format!("an end on or after {start}"),
                    end.to_string(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(nhs: &str, code: &str, period: Option<Value>) -> Value {
        let mut params = vec![
            json!({ "name": "patientNHSNumber", "valueIdentifier": { "system": system::NHS_NUMBER_DSTU2, "value": nhs } }),
            json!({ "name": "recordSection", "valueCodeableConcept": { "coding": [{ "system": SECTION_SYSTEM, "code": code }] } }),
        ];
        if let Some(p) = period {
            params.push(json!({ "name": "timePeriod", "valuePeriod": p }));
        }
        json!({ "resourceType": "Parameters", "parameter": params })
    }

    fn ids(body: &Value) -> Vec<String> {
        let mut f = Vec::new();
        judge(body, &mut f);
        f.into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn the_page_example_passes() {
        // The page's example.
        assert!(ids(&request("9480489457", "ALL", None)).is_empty());
        let period = json!({ "start": "2016-01-01", "end": "2017-01-01" });
        assert!(ids(&request("9690937286", "ENC", Some(period))).is_empty());
    }

    #[test]
    fn parameters_once_and_nothing_else() {
        let mut body = request("9690937286", "ALL", None);
        if let Some(list) = body.get_mut("parameter").and_then(Value::as_array_mut) {
            list.remove(1);
            list.push(json!({ "name": "extra", "valueString": "x" }));
        }
        assert_eq!(ids(&body), vec![PARAMETERS.id, PARAMETERS.id]);
    }

    #[test]
    fn nhs_number() {
        assert_eq!(
            ids(&request("9690937287", "ALL", None)),
            vec![NHS_NUMBER.id]
        );
    }

    #[test]
    fn section_code() {
        assert_eq!(ids(&request("9690937286", "all", None)), vec![SECTION.id]);
    }

    #[test]
    fn time_period() {
        let period = json!({ "start": "2016-01-01", "end": "2017-01-01" });
        assert_eq!(
            ids(&request("9690937286", "SUM", Some(period))),
            vec![TIME_PERIOD.id]
        );
        let backwards = json!({ "start": "2017-01-01", "end": "2016-01-01" });
        assert_eq!(
            ids(&request("9690937286", "ENC", Some(backwards))),
            vec![TIME_PERIOD.id]
        );
    }
}
