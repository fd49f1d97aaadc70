//! One validator per capability, each resolving canonical URLs from that capability's definition sources
//! (Foundations and Appointments 1.2.7, Structured 1.6.2, messaging 1.3.0, HTML 0.7.x on DSTU2).

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::DefinitionSources;
use crate::spine::catalogue::Capability;

use serde_json::Value;

use super::{Issue, Store, Validator};

/// Validators by capability, sharing one definitions index.
#[derive(Debug, Clone)]
pub struct Validators {
    by_capability: HashMap<Capability, Arc<Validator>>,
}

impl Validators {
    pub fn new(store: &Store, sources: &DefinitionSources) -> Self {
        let by_capability = Capability::ALL
            .into_iter()
            .map(|cap| {
                let store = Arc::new(store.preferring(sources.get(cap)));
                let v = if cap == Capability::Html {
                    Validator::dstu2(store)
                } else {
                    Validator::new(store)
                };
                (cap, Arc::new(v))
            })
            .collect();
        Self { by_capability }
    }

    /// The validator for a capability's payloads.
    pub fn get(&self, capability: Capability) -> Option<Arc<Validator>> {
        self.by_capability.get(&capability).cloned()
    }
}

impl Validator {
    /// Validates a payload the way the harness judges a response: the resource and every Bundle entry against
    /// its core definition and the profiles it claims in `meta.profile`, and in addition against each of the
    /// `expected` profiles (the catalogue's profiles for the interaction) whose type matches, claimed or not.
    pub fn validate_expecting(&self, resource: &Value, expected: &[&str]) -> Vec<Issue> {
        let mut issues = self.validate(resource, &[]);
        let typed: Vec<(&str, String)> = expected
            .iter()
            .filter_map(|url| self.plan(url).ok().map(|p| (*url, p.type_name.clone())))
            .collect();
        let mut targets: Vec<(String, &Value)> = Vec::new();
        if let Some(rt) = resource.get("resourceType").and_then(Value::as_str) {
            targets.push((rt.to_string(), resource));
            if rt == "Bundle" {
                for (i, entry) in resource
                    .get("entry")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(r) = entry.get("resource") {
                        if let Some(ert) = r.get("resourceType").and_then(Value::as_str) {
                            targets.push((format!("Bundle.entry[{i}].resource.ofType({ert})"), r));
                        }
                    }
                }
            }
        }
        for (at, target) in targets {
            let Some(rt) = target.get("resourceType").and_then(Value::as_str) else {
                continue;
            };
            let claimed: Vec<&str> = target
                .get("meta")
                .and_then(|m| m.get("profile"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|p| p.split('|').next().unwrap_or(p))
                .collect();
            for (url, type_name) in &typed {
                if type_name != rt || claimed.contains(url) {
                    continue;
                }
                for mut issue in self.validate(target, &[url]) {
                    if at != rt {
                        issue.expression = rebase(&issue.expression, rt, &at);
                    }
                    issues.push(issue);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        issues
            .retain(|i| seen.insert((i.severity, i.expression.clone(), i.rule, i.message.clone())));
        issues
    }
}

/// `Patient.name[0]` found inside an entry becomes `Bundle.entry[2].resource.ofType(Patient).name[0]`.
fn rebase(expression: &str, root: &str, at: &str) -> String {
    match expression.strip_prefix(root) {
        Some(rest) if rest.is_empty() || rest.starts_with(['.', '[']) => format!("{at}{rest}"),
        _ => format!("{at}: {expression}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::FhirPath;
    use crate::spine::headers::profile;

    #[test]
    fn each_capability_resolves_its_own_version() {
        let store = Store::new(FhirPath::development_default()).unwrap();
        let sets = Validators::new(&store, &DefinitionSources::default());
        let version = |cap| {
            let v = sets.get(cap).unwrap();
            v.store()
                .locate(profile::APPOINTMENT)
                .map(|e| e.version.clone())
        };
        assert_eq!(version(Capability::Appointments).as_deref(), Some("1.6.0"));
        assert_eq!(version(Capability::Structured).as_deref(), Some("1.7.0"));
        let appt = sets.get(Capability::Appointments).unwrap();
        let plan = appt.plan(profile::APPOINTMENT).unwrap();
        assert_eq!(plan.type_name, "Appointment");
    }

    /// Three readings that real supplier records (the GP2GP adaptor's EMIS and TPP patients) showed wrong, each
    /// reasoned from the definitions (docs/decisions.md, issue 10): a profile-placed extension is not refused by
    /// the core pass; an untargeted `Reference` beside targeted ones allows any target; the structured capability
    /// resolves ConditionCategory 1.1.0 and RelatedProblemHeader 1.2.0.
    #[test]
    fn structured_records_as_real_suppliers_send_them() {
        let store = Store::new(FhirPath::development_default()).unwrap();
        let v = Validators::new(&store, &DefinitionSources::default())
            .get(Capability::Structured)
            .unwrap();
        let errors = |r: &Value| -> Vec<String> {
            v.validate(r, &[])
                .into_iter()
                .filter(|i| i.severity == crate::validate::Severity::Error)
                .map(|i| format!("{}: {} [{}]", i.expression, i.message, i.rule))
                .collect()
        };
        let list = serde_json::json!({"resourceType": "List", "id": "l1",
            "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1"]},
            "extension": [{"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedProblemHeader-1",
                "extension": [{"url": "type", "valueCode": "child"}, {"url": "target", "valueReference": {"reference": "Condition/c1"}}]}],
            "status": "current", "mode": "snapshot", "title": "Problems",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "717711000000103", "display": "Problems"}]},
            "subject": {"reference": "Patient/p1"}});
        assert_eq!(errors(&list), Vec::<String>::new());
        let condition = serde_json::json!({"resourceType": "Condition", "id": "c1",
            "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ProblemHeader-Condition-1"]},
            "extension": [
                {"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedClinicalContent-1",
                 "valueReference": {"reference": "MedicationRequest/m1"}},
                {"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ProblemSignificance-1", "valueCode": "major"}],
            "identifier": [{"system": "https://example.org/x", "value": "1"}],
            "clinicalStatus": "active",
            "category": [{"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-ConditionCategory-1",
                "code": "problem-list-item", "display": "Problem List Item"}]}],
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}]},
            "subject": {"reference": "Patient/p1"}, "assertedDate": "2020-01-01",
            "asserter": {"reference": "Practitioner/pr1"}});
        assert_eq!(errors(&condition), Vec::<String>::new());
        // The reference check still holds where the definition names its targets.
        let mut wrong = condition.clone();
        wrong["subject"] = serde_json::json!({"reference": "Organization/o1"});
        assert!(
            errors(&wrong)
                .iter()
                .any(|e| e.contains("reference-target")),
            "{:?}",
            errors(&wrong)
        );
        // And an extension no definition of the resource places is still held to its context.
        let mut misplaced = list.clone();
        misplaced["extension"][0]["url"] =
            "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ProblemSignificance-1".into();
        misplaced["extension"][0]["valueCode"] = "major".into();
        misplaced["extension"][0]
            .as_object_mut()
            .unwrap()
            .remove("extension");
        assert!(
            errors(&misplaced)
                .iter()
                .any(|e| e.contains("extension-context")),
            "{:?}",
            errors(&misplaced)
        );
    }

    #[test]
    fn the_html_capability_validates_dstu2() {
        let store = Store::new(FhirPath::development_default()).unwrap();
        let html = Validators::new(&store, &DefinitionSources::default())
            .get(Capability::Html)
            .unwrap();
        // DSTU2 HumanName.family is a list; in STU3 it is a single string.
        let patient = serde_json::json!({
            "resourceType": "Patient", "id": "1", "gender": "female",
            "name": [{ "use": "official", "family": ["Smith"] }]
        });
        let errors = |v: &Validator, r: &Value| {
            v.validate(r, &[])
                .into_iter()
                .filter(|i| i.severity == crate::validate::Severity::Error)
                .collect::<Vec<_>>()
        };
        assert!(
            errors(&html, &patient).is_empty(),
            "{:#?}",
            errors(&html, &patient)
        );
        let stu3 = Validator::new(Arc::new(
            Store::new(FhirPath::development_default()).unwrap(),
        ));
        assert!(!errors(&stu3, &patient).is_empty());
        let mut bad = patient.clone();
        bad["gender"] = serde_json::json!("F");
        assert!(errors(&html, &bad)
            .iter()
            .any(|i| i.expression == "Patient.gender" && i.rule == "binding-required"));
    }

    #[test]
    fn expected_profiles_apply_to_unclaimed_resources_and_entries() {
        let store = Store::new(FhirPath::development_default()).unwrap();
        let v = Validators::new(&store, &DefinitionSources::default())
            .get(Capability::Foundations)
            .unwrap();
        // A Patient that claims no profile but lacks what CareConnect-GPC-Patient-1 requires of the NHS number.
        let patient = serde_json::json!({
            "resourceType": "Patient",
            "id": "1",
            "identifier": [{ "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009" }]
        });
        assert!(v
            .validate(&patient, &[])
            .iter()
            .all(|i| i.severity != crate::validate::Severity::Error));
        let root = v.validate_expecting(&patient, &[profile::SEARCHSET_BUNDLE, profile::PATIENT]);
        assert!(
            root.iter()
                .any(|i| i.severity == crate::validate::Severity::Error
                    && i.expression.starts_with("Patient.identifier[0]")
                    && i.profile == profile::PATIENT),
            "{root:#?}"
        );
        let bundle = serde_json::json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{ "fullUrl": "http://x/Patient/1", "resource": patient }]
        });
        let in_bundle =
            v.validate_expecting(&bundle, &[profile::SEARCHSET_BUNDLE, profile::PATIENT]);
        assert!(
            in_bundle.iter().any(|i| i
                .expression
                .starts_with("Bundle.entry[0].resource.ofType(Patient).identifier[0]")
                && i.profile == profile::PATIENT),
            "{in_bundle:#?}"
        );
        assert_eq!(rebase("Patient", "Patient", "E"), "E");
        assert_eq!(rebase("Patient.x", "Patient", "E"), "E.x");
        assert_eq!(rebase("(root)", "Patient", "E"), "E: (root)");
    }
}
