//! The whole provider suite against the reference provider: embedded, and served on a socket as an
//! external provider (the two must agree), with JUnit holding every scenario.

mod common;

use gpc_assure::provider::{self, ProviderOptions};
use gpc_assure::runner::{self, Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_and_external_runs_pass_everything_and_agree() {
    let embedded = runner::run(common::options(
        Target::Embedded(Default::default()),
        "embedded",
    ))
    .await
    .unwrap();
    assert!(
        embedded.failed() == 0,
        "failed against the reference provider: {:#?}",
        embedded.failed_names()
    );
    let foundations_and_common = embedded
        .outcomes
        .iter()
        .filter(|o| o.tags.iter().any(|t| t == "foundations" || t == "common"))
        .count();
    assert!(
        foundations_and_common >= 341,
        "only {foundations_and_common} Foundations/common tests"
    );

    let junit = std::fs::read_to_string(embedded.report_dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), embedded.outcomes.len());
    assert!(junit.contains("classname=\"gpc.foundations."));
    assert!(junit.contains("classname=\"gpc.common."));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(embedded.report_dir.join("cucumber.json")).unwrap(),
    )
    .unwrap();
    assert!(json.as_array().is_some_and(|a| !a.is_empty()));
    let one = embedded.outcomes.iter().find(|o| o.exchanges > 0).unwrap();
    let ev = common::evidence(&embedded.report_dir, &one.id);
    assert_eq!(
        ev["exchanges"][0]["jwt"]["header"]["alg"], "none",
        "evidence carries the decoded JWT"
    );
    // Every test's evidence is kept, in one file per feature: tens of files for the whole suite.
    let evidence_files = std::fs::read_dir(embedded.report_dir.join("evidence"))
        .unwrap()
        .count();
    let features: std::collections::BTreeSet<&str> = embedded
        .outcomes
        .iter()
        .map(|o| o.feature_file.as_str())
        .collect();
    assert_eq!(evidence_files, features.len());
    assert!(evidence_files <= 60, "{evidence_files} evidence files");
    assert_eq!(
        gpc_assure::report::evidence::read_lines(&embedded.report_dir)
            .unwrap()
            .len(),
        embedded.outcomes.len()
    );
    assert!(embedded.report_dir.join("index.html").is_file());

    let served = provider::start("127.0.0.1:0", ProviderOptions::default())
        .await
        .unwrap();
    // A plain-HTTP provider has no TLS address for the transport tests (tests/transport.rs runs them against a
    // TLS provider served on its own).
    let mut opts = common::options(Target::External(served.base_url.clone()), "external");
    opts.tags = Some("not @security and not @ssp".into());
    let external = runner::run(opts).await.unwrap();
    served.stop().await;
    // Send Document runs over MESH: the embedded run starts the sandbox with the reference receiver and sender;
    // an external provider has no MESH side unless `send_document.mesh_url` names one.
    let send_document = embedded
        .outcomes
        .iter()
        .filter(|o| o.tags.iter().any(|t| t == "send-document"))
        .count();
    assert!(
        send_document >= 60,
        "only {send_document} Send Document tests"
    );
    let names = |s: &runner::RunSummary| {
        let mut v: Vec<(String, bool)> = s
            .outcomes
            .iter()
            .filter(|o| {
                !o.tags
                    .iter()
                    .any(|t| t == "security" || t == "ssp" || t == "send-document")
            })
            .map(|o| (format!("{}::{}", o.feature, o.name), o.passed))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&embedded), names(&external));
}
