//! Register a patient: a Parameters resource whose single `registerPatient` parameter holds the Patient, with
//! the details a PDS trace needs and nothing the page does not list.
//!
//! SHOULD-only, not judged: `gender`, a home `address`, telecoms and `nhsCommunication` being sent.

use serde_json::Value;

use super::values::{array_at, nhs_number_problem, shown, str_at};
use crate::consumer::finding::{Finding, Rule};
use crate::spine::headers::{profile, system};
use crate::validate::{Issue, Validator};

const PAGE: &str = "foundations_use_case_register_a_patient";

pub(super) const PARAMETERS: Rule = Rule {
    id: "body.register-parameters",
    requirement: "The request is a Parameters resource with a single parameter, registerPatient, holding the Patient to register",
    page: PAGE,
};
pub(super) const NHS_NUMBER: Rule = Rule {
    id: "body.register-nhs-number",
    requirement: "The Patient to register has an identifier with the patient's NHS number (system https://fhir.nhs.uk/Id/nhs-number)",
    page: PAGE,
};
pub(super) const OFFICIAL_NAME: Rule = Rule {
    id: "body.register-official-name",
    requirement:
        "The Patient to register has exactly one name with use official, holding family and given",
    page: PAGE,
};
pub(super) const BIRTH_DATE: Rule = Rule {
    id: "body.register-birth-date",
    requirement: "The Patient to register has a birthDate (needed for the PDS trace)",
    page: PAGE,
};
pub(super) const ONE_PER_USE: Rule = Rule {
    id: "body.register-one-per-use",
    requirement: "The Patient to register has no more than one home and one temp address, one phone per use (home, work, mobile, temp) and one email",
    page: PAGE,
};
pub(super) const PERMITTED_FIELDS: Rule = Rule {
    id: "body.register-permitted-fields",
    requirement: "The Patient to register populates only identifier, name, birthDate, gender, address (home, temp), telecom and nhsCommunication: all other fields must not be populated",
    page: PAGE,
};

/// Patient elements the page lets a consumer send (besides the resource's own `id` and `meta`).
const PERMITTED: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "identifier",
    "name",
    "birthDate",
    "gender",
    "address",
    "telecom",
];

/// The `registerPatient` Patient and where it is (`Parameters.parameter[0].resource`), if the Parameters hold one.
fn patient(params: &Value) -> Option<(String, &Value)> {
    array_at(params, "parameter")
        .iter()
        .enumerate()
        .find(|(_, p)| str_at(p, "name") == Some("registerPatient"))
        .and_then(|(n, p)| {
            p.get("resource")
                .filter(|r| str_at(r, "resourceType") == Some("Patient"))
                .map(|r| (format!("Parameters.parameter[{n}].resource"), r))
        })
}

/// Profile issues: the Parameters against their core definition (which checks the Patient against the profiles
/// it claims), and the Patient against CareConnect-GPC-Patient-1 whether it claims it or not, its findings placed
/// inside the Parameters the way the validator places them (`Parameters.parameter[0].resource.ofType(Patient)`).
pub(super) fn validate(validator: &Validator, params: &Value) -> Vec<Issue> {
    let mut issues = validator.validate(params, &[]);
    if let Some((at, patient)) = patient(params) {
        for mut issue in validator.validate(patient, &[profile::PATIENT]) {
            issue.expression = match issue.expression.strip_prefix("Patient") {
                Some(rest) if rest.is_empty() || rest.starts_with(['.', '[']) => {
                    format!("{at}.ofType(Patient){rest}")
                }
                _ => format!("{at}: {}", issue.expression),
            };
            if !issues
                .iter()
                .any(|i| i.expression == issue.expression && i.message == issue.message)
            {
                issues.push(issue);
            }
        }
    }
    issues
}

/// The page's rules on the Parameters (already known to be Parameters).
pub(super) fn judge(params: &Value, findings: &mut Vec<Finding>) {
    let all = array_at(params, "parameter");
    let names: Vec<&str> = all
        .iter()
        .map(|p| str_at(p, "name").unwrap_or("(unnamed)"))
        .collect();
    if names != ["registerPatient"] {
        findings.push(PARAMETERS.finding(
            "body Parameters.parameter",
            "a single parameter `registerPatient`",
            if names.is_empty() {
                "no parameters".to_string()
            } else {
                names
                    .iter()
                    .map(|n| shown(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
    }
    let Some((at, patient)) = patient(params) else {
        findings.push(PARAMETERS.finding(
            "body Parameters.parameter",
            "`registerPatient` with a Patient resource",
            "no Patient",
        ));
        return;
    };
    let at = format!("body {at}");
    nhs_number(&at, patient, findings);
    official_name(&at, patient, findings);
    if str_at(patient, "birthDate").is_none_or(|d| d.trim().is_empty()) {
        findings.push(BIRTH_DATE.finding(format!("{at}.birthDate"), "a birth date", "none"));
    }
    one_per_use(&at, patient, findings);
    permitted(&at, patient, findings);
}

fn nhs_number(at: &str, patient: &Value, findings: &mut Vec<Finding>) {
    let ids = array_at(patient, "identifier");
    let Some((n, id)) = ids
        .iter()
        .enumerate()
        .find(|(_, i)| str_at(i, "system") == Some(system::NHS_NUMBER))
    else {
        findings.push(NHS_NUMBER.finding(
            format!("{at}.identifier"),
            format!("an identifier with system {}", system::NHS_NUMBER),
            "none",
        ));
        return;
    };
    let value = str_at(id, "value").unwrap_or_default();
    if let Some(problem) = nhs_number_problem(value) {
        findings.push(NHS_NUMBER.finding(
            format!("{at}.identifier[{n}].value"),
            "a valid NHS number (10 digits, modulus 11 check digit)",
            problem,
        ));
    }
}

fn official_name(at: &str, patient: &Value, findings: &mut Vec<Finding>) {
    let names = array_at(patient, "name");
    let official: Vec<(usize, &Value)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| str_at(n, "use") == Some("official"))
        .collect();
    match official.as_slice() {
        [] => findings.push(OFFICIAL_NAME.finding(
            format!("{at}.name"),
            "a name with use `official`",
            format!("none among {} names", names.len()),
        )),
        [(n, name)] => {
            let family = str_at(name, "family").is_some_and(|f| !f.trim().is_empty());
            let given = array_at(name, "given")
                .iter()
                .any(|g| g.as_str().is_some_and(|g| !g.trim().is_empty()));
            if !family || !given {
                findings.push(OFFICIAL_NAME.finding(
                    format!("{at}.name[{n}]"),
                    "family and given",
                    match (family, given) {
                        (false, false) => "neither",
                        (false, true) => "no family",
                        _ => "no given",
                    },
                ));
            }
        }
        many => findings.push(OFFICIAL_NAME.finding(
            format!("{at}.name"),
            "one name with use `official`",
            format!("{} official names", many.len()),
        )),
    }
}

fn one_per_use(at: &str, patient: &Value, findings: &mut Vec<Finding>) {
    let addresses = array_at(patient, "address");
    for use_ in ["home", "temp"] {
        let n = addresses
            .iter()
            .filter(|a| str_at(a, "use") == Some(use_))
            .count();
        if n > 1 {
            findings.push(ONE_PER_USE.finding(
                format!("{at}.address"),
                format!("at most one address with use `{use_}`"),
                format!("{n}"),
            ));
        }
    }
    let telecoms = array_at(patient, "telecom");
    let count = |system: &str, use_: Option<&str>| {
        telecoms
            .iter()
            .filter(|t| {
                str_at(t, "system") == Some(system) && (use_.is_none() || str_at(t, "use") == use_)
            })
            .count()
    };
    for use_ in ["home", "work", "mobile", "temp"] {
        let n = count("phone", Some(use_));
        if n > 1 {
            findings.push(ONE_PER_USE.finding(
                format!("{at}.telecom"),
                format!("at most one phone with use `{use_}`"),
                format!("{n}"),
            ));
        }
    }
    let n = count("email", None);
    if n > 1 {
        findings.push(ONE_PER_USE.finding(
            format!("{at}.telecom"),
            "at most one email",
            format!("{n}"),
        ));
    }
}

fn permitted(at: &str, patient: &Value, findings: &mut Vec<Finding>) {
    let Some(fields) = patient.as_object() else {
        return;
    };
    for key in fields.keys() {
        let base = key.strip_prefix('_').unwrap_or(key);
        if !PERMITTED.contains(&base) && base != "extension" {
            findings.push(PERMITTED_FIELDS.finding(
                format!("{at}.{key}"),
                "not populated",
                "present",
            ));
        }
    }
    for (n, ext) in array_at(patient, "extension").iter().enumerate() {
        let url = str_at(ext, "url").unwrap_or_default();
        if url != profile::EXT_NHS_COMMUNICATION {
            findings.push(PERMITTED_FIELDS.finding(
                format!("{at}.extension[{n}]"),
                "no extension but nhsCommunication",
                shown(url),
            ));
        }
    }
    for (n, address) in array_at(patient, "address").iter().enumerate() {
        if let Some(use_) = str_at(address, "use").filter(|u| !matches!(*u, "home" | "temp")) {
            findings.push(PERMITTED_FIELDS.finding(
                format!("{at}.address[{n}].use"),
                "a home or temp address",
                shown(use_),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        let text = std::fs::read_to_string(
            "../shared/fhir/nhsconnect-gpconnect-spec-examples/1.2.9/foundations/register_patient_request_example.json",
        )
        .expect("the official register patient example");
        serde_json::from_str(&text).expect("JSON")
    }

    fn ids(params: &Value) -> Vec<String> {
        let mut f = Vec::new();
        judge(params, &mut f);
        f.into_iter().map(|f| f.rule).collect()
    }

    fn with_patient(edit: impl FnOnce(&mut Value)) -> Value {
        let mut params = example();
        if let Some(p) = params.pointer_mut("/parameter/0/resource") {
            edit(p);
        }
        params
    }

    #[test]
    fn the_official_example_passes() {
        assert_eq!(ids(&example()), Vec::<String>::new());
    }

    #[test]
    fn a_single_register_patient_parameter() {
        let mut params = example();
        if let Some(list) = params.get_mut("parameter").and_then(Value::as_array_mut) {
            list.push(json!({ "name": "extra", "valueString": "x" }));
        }
        assert_eq!(ids(&params), vec![PARAMETERS.id]);
        assert_eq!(
            ids(&json!({ "resourceType": "Parameters", "parameter": [] })),
            vec![PARAMETERS.id, PARAMETERS.id]
        );
    }

    #[test]
    fn nhs_number_identifier() {
        let bad = with_patient(|p| p["identifier"][0]["value"] = json!("9476719932"));
        assert_eq!(ids(&bad), vec![NHS_NUMBER.id]);
        let none = with_patient(|p| p["identifier"][0]["system"] = json!("https://example.org/id"));
        assert_eq!(ids(&none), vec![NHS_NUMBER.id]);
    }

    #[test]
    fn one_official_name_with_family_and_given() {
        let usual = with_patient(|p| p["name"][0]["use"] = json!("usual"));
        assert_eq!(ids(&usual), vec![OFFICIAL_NAME.id]);
        let no_given = with_patient(|p| p["name"][0]["given"] = json!([]));
        assert_eq!(ids(&no_given), vec![OFFICIAL_NAME.id]);
        let two = with_patient(|p| {
            let name = p["name"][0].clone();
            p["name"] = json!([name.clone(), name]);
        });
        assert_eq!(ids(&two), vec![OFFICIAL_NAME.id]);
    }

    #[test]
    fn birth_date() {
        let bad = with_patient(|p| {
            p.as_object_mut().map(|o| o.remove("birthDate"));
        });
        assert_eq!(ids(&bad), vec![BIRTH_DATE.id]);
    }

    #[test]
    fn one_per_use() {
        let phones = with_patient(|p| {
            p["telecom"] = json!([
                { "system": "phone", "value": "01", "use": "home" },
                { "system": "phone", "value": "02", "use": "home" },
                { "system": "email", "value": "a@b" },
                { "system": "email", "value": "c@d" }
            ]);
        });
        assert_eq!(ids(&phones), vec![ONE_PER_USE.id, ONE_PER_USE.id]);
        let homes = with_patient(|p| {
            let a = p["address"][0].clone();
            p["address"] = json!([a.clone(), a]);
        });
        assert_eq!(ids(&homes), vec![ONE_PER_USE.id]);
    }

    #[test]
    fn nothing_else_is_populated() {
        let extra = with_patient(|p| {
            p["maritalStatus"] = json!({ "text": "single" });
            p["extension"] = json!([
                { "url": profile::EXT_NHS_COMMUNICATION, "extension": [] },
                { "url": profile::EXT_REGISTRATION_DETAILS, "extension": [] }
            ]);
            p["address"][0]["use"] = json!("work");
        });
        assert_eq!(
            ids(&extra),
            vec![
                PERMITTED_FIELDS.id,
                PERMITTED_FIELDS.id,
                PERMITTED_FIELDS.id
            ]
        );
    }
}
