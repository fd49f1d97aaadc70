//! Self-assurance of the consumer suite: the reference consumer is run with every named consumer fault. Every
//! fault must have guards (consumer tests that carry `@guards:<fault>` or name it in an Examples row's `guards`
//! column), every guard must fail under its fault, and every consumer test must be failed by at least one fault.
//! The clean consumer passes everything (tests/consumer_suite.rs).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use gpc_assure::consumer::demo::ConsumerFault;
use gpc_assure::runner::{self, Evidence, FeatureSource, Plan};

/// Faults run at once (each run starts its own inspecting provider and runs the consumer serially).
const PARALLEL: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_consumer_fault_is_killed_by_its_guards_and_every_consumer_test_is_killable() {
    let plan = Plan::from_source(&FeatureSource::Embedded).expect("the features load");
    let cases: Vec<_> = plan
        .cases
        .iter()
        .filter(|c| c.tags.iter().any(|t| t == "consumer"))
        .collect();
    let mut problems = Vec::new();
    let mut guards: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for case in &cases {
        for g in &case.guards {
            if ConsumerFault::from_name(g).is_none() {
                problems.push(format!(
                    "{}: guards `{g}`, which is no consumer fault",
                    case.id
                ));
            }
            guards
                .entry(g.as_str())
                .or_default()
                .insert(case.id.as_str());
        }
    }
    for f in ConsumerFault::ALL {
        if !guards.contains_key(f.name()) {
            problems.push(format!("{}: no consumer test guards it", f.name()));
        }
    }
    let mut killed: BTreeSet<String> = BTreeSet::new();
    let mut lines = Vec::new();
    for chunk in ConsumerFault::ALL.chunks(PARALLEL) {
        let runs = chunk.iter().map(|f| {
            let mut opts = common::consumer_options(
                &format!("consumer-fault-{}", f.name()),
                &format!("--fault {}", f.name()),
            );
            opts.evidence = Evidence::None;
            async move { (*f, runner::run(opts).await) }
        });
        for (fault, result) in futures::future::join_all(runs).await {
            let summary = match result {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{}: the run did not complete: {e}", fault.name()));
                    continue;
                }
            };
            let failed: BTreeSet<String> = summary.failed_ids().into_iter().collect();
            lines.push(format!(
                "{:<36} fails {:>3} of {:>3} tests; guards {:>3}",
                fault.name(),
                failed.len(),
                summary.outcomes.len(),
                guards.get(fault.name()).map_or(0, BTreeSet::len)
            ));
            for g in guards.get(fault.name()).into_iter().flatten() {
                if !failed.contains(*g) {
                    problems.push(format!(
                        "{}: its guard {g} passes under the fault",
                        fault.name()
                    ));
                }
            }
            killed.extend(failed);
            common::discard_reports(&summary);
        }
    }
    let never: Vec<&str> = cases
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !killed.contains(*id))
        .collect();
    for id in &never {
        problems.push(format!(
            "{id}: no consumer fault fails it (a test that cannot fail)"
        ));
    }
    eprintln!("{}", lines.join("\n"));
    eprintln!(
        "consumer kill matrix: {} faults, {} guards; {} of {} consumer tests are failed by at least one fault",
        ConsumerFault::ALL.len(),
        guards.values().map(BTreeSet::len).sum::<usize>(),
        cases.len() - never.len(),
        cases.len()
    );
    assert!(ConsumerFault::ALL.len() >= 20);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
