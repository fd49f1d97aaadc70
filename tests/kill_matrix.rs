//! Self-assurance: the suite is run against every named fault of the reference provider. Every fault must have
//! guards (tests that carry `@guards:<fault>`, or name it in an Examples row's `guards` column), every guard must
//! fail under its fault, and every test must be failed by at least one fault (a test that no fault can fail
//! cannot fail). The clean provider passes everything (tests/suite.rs).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt as _;
use gpc_assure::provider::html::time_frames::DefaultTimeFrames;
use gpc_assure::provider::{Fault, FaultSet};
use gpc_assure::runner::{self, Evidence, Plan, Target};

/// Faults run at once (each run starts its own embedded provider).
const PARALLEL: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_killed_by_its_guards_and_every_test_is_killable() {
    let plan =
        Plan::from_source(&gpc_assure::runner::FeatureSource::Embedded).expect("the features load");
    let mut problems = Vec::new();
    let mut guards: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // The consumer suite has its own kill matrix (tests/consumer_kill_matrix.rs).
    let cases: Vec<_> = plan
        .cases
        .iter()
        .filter(|c| !c.tags.iter().any(|t| t == "consumer"))
        .collect();
    for case in &cases {
        for g in &case.guards {
            if g.parse::<Fault>().is_err() {
                problems.push(format!("{}: guards `{g}`, which is no fault", case.id));
            }
            guards
                .entry(g.as_str())
                .or_default()
                .insert(case.id.as_str());
        }
    }
    for f in Fault::ALL {
        if !guards.contains_key(f.name()) {
            problems.push(format!(
                "{f}: no test guards it (tag a scenario @guards:{f})"
            ));
        }
    }
    let mut killed: BTreeSet<String> = BTreeSet::new();
    // Always PARALLEL runs in flight (not chunks that wait for their slowest run); the results are read in the
    // order of `Fault::ALL`, so the report does not depend on which run finished first.
    let runs = Fault::ALL.iter().map(|f| {
        let mut opts = common::options(
            Target::Embedded(FaultSet::new([*f])),
            &format!("fault-{}", f.name()),
        );
        opts.tags = f.kill_matrix_scope().map(String::from);
        // A Send Document fault that loses a message shows as a wait that runs out: keep the waits short.
        if f.is_send_document() {
            opts.config.send_document.wait_secs = Some(3);
        }
        if let Some(months) = f.kill_matrix_default_time_frame() {
            opts.config.html.default_time_frames = DefaultTimeFrames::every_section(months);
        }
        // Only failures are counted here; evidence of thousands of failing tests would be disk traffic.
        opts.evidence = Evidence::None;
        async move { (*f, runner::run(opts).await) }
    });
    let mut finished = futures::stream::iter(runs).buffer_unordered(PARALLEL);
    // Each fault's report line and what is wrong with it, by its place in `Fault::ALL` (runs finish in any order).
    let mut lines: BTreeMap<usize, String> = BTreeMap::new();
    let mut found: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    while let Some((fault, result)) = finished.next().await {
        let place = Fault::ALL
            .iter()
            .position(|f| *f == fault)
            .unwrap_or(usize::MAX);
        let wrong = found.entry(place).or_default();
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                wrong.push(format!("{fault}: the run did not complete: {e}"));
                continue;
            }
        };
        let ran: BTreeSet<&str> = summary.outcomes.iter().map(|o| o.id.as_str()).collect();
        let failed: BTreeSet<&str> = summary
            .outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.id.as_str())
            .collect();
        lines.insert(
            place,
            format!(
                "{:<36} fails {:>3} of {:>3} tests; guards {:>3}",
                fault.name(),
                failed.len(),
                ran.len(),
                guards.get(fault.name()).map_or(0, BTreeSet::len)
            ),
        );
        for g in guards.get(fault.name()).into_iter().flatten() {
            if !ran.contains(g) {
                wrong.push(format!(
                    "{fault}: its guard {g} is outside the fault's kill-matrix scope ({:?})",
                    fault.kill_matrix_scope()
                ));
            } else if !failed.contains(g) {
                wrong.push(format!("{fault}: its guard {g} passed"));
            }
        }
        killed.extend(failed.iter().map(|s| (*s).to_string()));
        common::discard_reports(&summary);
    }
    problems.extend(found.into_values().flatten());
    let lines: Vec<String> = lines.into_values().collect();
    let never: Vec<&str> = cases
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !killed.contains(*id))
        .collect();
    println!("{}", lines.join("\n"));
    println!(
        "kill matrix: {} faults, {} guards; {} of {} tests are failed by at least one fault",
        Fault::ALL.len(),
        guards.values().map(BTreeSet::len).sum::<usize>(),
        cases.len() - never.len(),
        cases.len()
    );
    if !never.is_empty() {
        problems.push(format!(
            "{} tests cannot fail (give each a fault or delete it): {never:?}",
            never.len()
        ));
    }
    assert!(Fault::ALL.len() >= 25);
    assert!(problems.is_empty(), "{problems:#?}");
}
