//! The reference provider's structured records: every answer to every kind of request, for every pack patient
//! with a record, on days across the year, validates with zero errors against the Access Record Structured
//! definitions, and every reference in it resolves inside the Bundle.

use std::sync::Arc;

use gpc_assure::clock::Clock;
use gpc_assure::config::{DefinitionSources, DEFAULT_PATIENTS};
use gpc_assure::fhir::FhirPath;
use gpc_assure::provider::{structured, ProviderOptions, ProviderState};
use gpc_assure::spine::catalogue::Capability;
use gpc_assure::validate::{Severity, Store, Validator, Validators};
use serde_json::{json, Value};

/// Requests covering every area and option (the patient parameter is added per patient).
fn requests() -> Vec<Value> {
    vec![
        json!([{"name": "includeAllergies", "part": [{"name": "includeResolvedAllergies", "valueBoolean": true}]}]),
        json!([{"name": "includeAllergies", "part": [{"name": "includeResolvedAllergies", "valueBoolean": false}]}]),
        json!([{"name": "includeMedication"}]),
        json!([{"name": "includeMedication", "part": [{"name": "includePrescriptionIssues", "valueBoolean": false}]}]),
        json!([{"name": "includeProblems"}]),
        json!([{"name": "includeProblems", "part": [{"name": "filterStatus", "valueCode": "active"}]}]),
        json!([{"name": "includeProblems", "part": [{"name": "filterStatus", "valueCode": "inactive"}]}]),
        json!([{"name": "includeImmunisations", "part": [{"name": "includeNotGiven", "valueBoolean": true}]}]),
        json!([{"name": "includeUncategorisedData"}]),
        json!([{"name": "includeConsultations"}]),
        json!([{"name": "includeConsultations", "part": [{"name": "includeNumberOfMostRecent", "valuePositiveInt": 1}]}]),
        json!([{"name": "includeInvestigations"}]),
        json!([{"name": "includeReferrals"}]),
        json!([{"name": "includeDiaryEntries"}]),
        json!([{"name": "includeAllergies", "part": [{"name": "includeResolvedAllergies", "valueBoolean": true}]},
               {"name": "includeMedication"}, {"name": "includeImmunisations"}, {"name": "includeUncategorisedData"},
               {"name": "includeInvestigations"}, {"name": "includeReferrals"}, {"name": "includeDiaryEntries"},
               {"name": "includeConsultations"}, {"name": "includeProblems"}, {"name": "includeFutureArea"}]),
    ]
}

fn parameters(nhs: &str, extra: &Value) -> Value {
    let mut p = vec![json!({"name": "patientNHSNumber",
        "valueIdentifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}})];
    p.extend(extra.as_array().cloned().unwrap_or_default());
    json!({"resourceType": "Parameters", "parameter": p})
}

/// References that do not resolve inside the Bundle. A problem's links to other clinical items
/// (`relatedClinicalContent`, `relatedProblemHeader`) are not judged: a problem returned because it is linked to a
/// returned item keeps its links to items of areas that were not asked for (retrieve page, "Medications": "include
/// the Condition resources that are linked"), as real providers send them.
fn dangling(bundle: &Value) -> Vec<String> {
    let entries: Vec<&Value> = bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| &e["resource"]).collect())
        .unwrap_or_default();
    let keys: Vec<String> = entries
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mut out = Vec::new();
    for r in &entries {
        let mut judged = (*r).clone();
        if r["resourceType"] == "Condition" {
            if let Some(o) = judged.as_object_mut() {
                o.remove("extension");
            }
        }
        for target in structured::areas::references(&judged) {
            if !keys.contains(&target) {
                out.push(format!(
                    "{} -> {target}",
                    r["resourceType"].as_str().unwrap_or("")
                ));
            }
        }
    }
    out
}

/// The validator of structured payloads, as `run` uses it.
fn structured_validator(fhir_path: &FhirPath) -> Arc<Validator> {
    let store = Store::new(fhir_path.clone()).expect("FHIR definitions");
    Validators::new(&store, &DefinitionSources::default())
        .get(Capability::Structured)
        .expect("structured validator")
}

#[test]
fn every_structured_answer_validates_clean_on_any_day() {
    let fhir_path = FhirPath::resolve(&[], &[]);
    let validator = structured_validator(&fhir_path);
    let index = Arc::new(fhir_path.index().expect("definitions index"));
    let mut problems = Vec::new();
    let mut answered = 0;
    for instant in [
        "2026-11-30T16:00:00Z",
        "2027-03-28T00:30:00Z",
        "2028-02-29T23:30:00Z",
    ] {
        let clock = Clock::starting_at(Clock::parse_instant(instant).expect("instant"));
        let state = ProviderState::new(ProviderOptions {
            clock,
            index: Some(index.clone()),
            fhir_path: fhir_path.clone(),
            ..ProviderOptions::default()
        })
        .expect("provider state");
        for (name, nhs) in DEFAULT_PATIENTS {
            for extra in requests() {
                let Ok(bundle) = structured::answer(&state, &parameters(nhs, &extra)) else {
                    continue;
                };
                answered += 1;
                // GPC_DUMP_STRUCTURED=DIR writes each answer there, for reading the provider's data.
                if let Some(dir) = std::env::var_os("GPC_DUMP_STRUCTURED") {
                    let file = format!("{name}-{answered}.json");
                    std::fs::write(
                        std::path::Path::new(&dir).join(file),
                        serde_json::to_string_pretty(&bundle).unwrap_or_default(),
                    )
                    .expect("dump folder writable");
                }
                let label = format!("{instant} {name} {}", extra);
                for issue in validator.validate_expecting(&bundle, &[]) {
                    if issue.severity == Severity::Error {
                        problems.push(format!("{label}: {} {}", issue.expression, issue.message));
                    }
                }
                for d in dangling(&bundle) {
                    problems.push(format!("{label}: dangling reference {d}"));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(answered > 100, "only {answered} answers");
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(40)]
    );
}

/// A clinical area switched off (`serve --disable-area`) is answered with a warning in the one OperationOutcome,
/// not with data; the other areas are answered as usual and the Bundle still validates.
#[test]
fn a_disabled_area_is_answered_with_a_warning() {
    let fhir_path = FhirPath::resolve(&[], &[]);
    let validator = structured_validator(&fhir_path);
    let state = ProviderState::new(ProviderOptions {
        fhir_path: fhir_path.clone(),
        disabled_areas: vec!["includeProblems".into()],
        ..ProviderOptions::default()
    })
    .expect("provider state");
    let nhs = DEFAULT_PATIENTS
        .iter()
        .find(|(n, _)| *n == "patient2")
        .map(|(_, v)| *v)
        .expect("patient2");
    let bundle = structured::answer(
        &state,
        &parameters(
            nhs,
            &json!([{"name": "includeProblems"}, {"name": "includeMedication"}, {"name": "includeFuture"}]),
        ),
    )
    .expect("answered");
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let titles: Vec<&str> = resources
        .iter()
        .filter(|r| r["resourceType"] == "List")
        .filter_map(|r| r["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Medications and medical devices"),
        "{titles:?}"
    );
    assert!(!titles.contains(&"Problems"), "{titles:?}");
    let outcomes: Vec<&&Value> = resources
        .iter()
        .filter(|r| r["resourceType"] == "OperationOutcome")
        .collect();
    assert_eq!(outcomes.len(), 1, "one OperationOutcome for every warning");
    let issues = outcomes[0]["issue"].as_array().expect("issues");
    let texts: Vec<&str> = issues
        .iter()
        .filter_map(|i| i.pointer("/details/text").and_then(Value::as_str))
        .collect();
    assert_eq!(
        texts,
        [
            "includeFuture is an unrecognised parameter",
            "includeProblems has been disabled"
        ]
    );
    for i in issues {
        assert_eq!(i["severity"], "warning");
        assert_eq!(i["code"], "not-supported");
        assert_eq!(
            i.pointer("/details/coding/0/code"),
            Some(&json!("NOT_IMPLEMENTED"))
        );
    }
    let errors: Vec<String> = validator
        .validate_expecting(&bundle, &[])
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{} {}", i.expression, i.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // An unknown area name is refused when the provider starts.
    let refused = ProviderState::new(ProviderOptions {
        fhir_path,
        disabled_areas: vec!["includeEverything".into()],
        ..ProviderOptions::default()
    });
    assert!(refused.is_err());
}
