//! Every response body the reference provider sent during a full suite run (read back from the evidence)
//! validates against its core definition and the profiles its meta.profile claims, with zero errors.

mod common;

use std::sync::Arc;

use gpc_assure::config::DefinitionSources;
use gpc_assure::fhir::FhirPath;
use gpc_assure::runner::{self, Target};
use gpc_assure::spine::catalogue::Capability;
use gpc_assure::validate::{Severity, Store, Validator, Validators};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_provider_response_validates_clean() {
    let summary = runner::run(common::options(
        Target::Embedded(Default::default()),
        "validate",
    ))
    .await
    .unwrap();
    assert_eq!(summary.failed(), 0);
    let fhir_path = FhirPath::resolve(&[], &[]);
    let store = Store::new(fhir_path).unwrap();
    let stu3 = Validator::new(Arc::new(store.preferring(&[])));
    // Access Record HTML (the `html.` tests) answers FHIR DSTU2, read and judged by the DSTU2 validator.
    let dstu2 = Validators::new(&store, &DefinitionSources::default())
        .get(Capability::Html)
        .unwrap();
    // Every exchange of every test, from the evidence lines (one per test, in one file per feature).
    let mut exchanges = Vec::new();
    for (id, line) in gpc_assure::report::evidence::read_lines(&summary.report_dir).unwrap() {
        let evidence: serde_json::Value = serde_json::from_str(&line).unwrap();
        for (n, ex) in evidence["exchanges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            exchanges.push((
                format!("{id} exchange {}", n + 1),
                id.starts_with("html."),
                ex,
            ));
        }
    }
    let (mut checked, mut problems) = (0, Vec::new());
    for (path, html, ex) in exchanges {
        // `Prefer: return=minimal` answers have no body.
        let Some(body) = ex
            .pointer("/response/body")
            .and_then(|b| b.as_str())
            .filter(|b| !b.is_empty())
        else {
            continue;
        };
        let ct = ex["response"]["headers"]
            .as_array()
            .and_then(|hs| {
                hs.iter().find(|h| {
                    h[0].as_str()
                        .is_some_and(|k| k.eq_ignore_ascii_case("content-type"))
                })
            })
            .and_then(|h| h[1].as_str())
            .unwrap_or_default()
            .to_string();
        // The TLS layer's own answers (496 without a client certificate) are not FHIR responses.
        if !ct.contains("json") && !ct.contains("xml") {
            continue;
        }
        let validator: &Validator = if html { &dstu2 } else { &stu3 };
        let resource = validator
            .read(body)
            .unwrap_or_else(|e| panic!("{}: {e}", path));
        checked += 1;
        for issue in validator.validate(&resource, &[]) {
            if issue.severity == Severity::Error {
                problems.push(format!(
                    "{}: {} {} ({})",
                    path, issue.expression, issue.message, issue.profile
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(checked > 400, "only {checked} responses checked");
    assert!(
        problems.is_empty(),
        "{} errors, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(10)]
    );
}
