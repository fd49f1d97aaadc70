//! Green on any day: each capability's suite passes against the reference provider whatever the clock says. The
//! run's clock (harness and embedded provider) is started at UK times across the day on an ordinary weekday, a
//! Saturday, the two clock-change Sundays, New Year's Eve and a leap day. Appointments run at five times of day
//! (just after midnight, before the first surgery, midday, just before the last slot, just before midnight);
//! Access Document and Access Record Structured, whose dates are relative to the provider clock's day, around
//! midnight and at midday.

mod common;

use chrono::{DateTime, NaiveDate, Utc};

use gpc_assure::clock::Clock;
use gpc_assure::provider::FaultSet;
use gpc_assure::runner::{self, Evidence, Target};
use gpc_assure::steps::uk_time;

const DAYS: [(&str, (i32, u32, u32)); 6] = [
    ("ordinary weekday", (2026, 6, 17)),
    ("Saturday", (2026, 11, 28)),
    ("clocks go forward", (2026, 3, 29)),
    ("clocks go back", (2026, 10, 25)),
    ("New Year's Eve", (2026, 12, 31)),
    ("leap day", (2028, 2, 29)),
];

/// Runs at most this many instants at once (each run is one suite against its own embedded provider).
const PARALLEL: usize = 2;

/// The instants: each day at each UK local time.
fn instants(times: &[(u32, u32)]) -> Vec<(String, DateTime<Utc>)> {
    let mut out = Vec::new();
    for (label, (y, m, d)) in DAYS {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("a real date");
        for (h, min) in times {
            let local = date.and_hms_opt(*h, *min, 0).expect("a real time");
            out.push((format!("{label} {local}"), uk_time::instant_of(local)));
        }
    }
    out
}

/// Runs the tests tagged `tag` at every instant; every run must pass and hold at least `at_least` tests.
async fn suite_passes_at_every_instant(tag: &str, times: &[(u32, u32)], at_least: usize) {
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for chunk in instants(times).chunks(PARALLEL) {
        let runs = chunk.iter().map(|(label, at)| {
            let mut opts = common::options(
                Target::Embedded(FaultSet::default()),
                &format!("any-day-{}-{}", tag.trim_start_matches('@'), at.timestamp()),
            );
            opts.tags = Some(tag.into());
            opts.clock = Clock::starting_at(*at);
            opts.evidence = Evidence::Failed;
            async move { (label.clone(), *at, runner::run(opts).await) }
        });
        for (label, at, result) in futures::future::join_all(runs).await {
            match result {
                Ok(summary) => {
                    lines.push(format!(
                        "{tag} {label:<36} ({}) {} passed, {} failed",
                        uk_time::format(at),
                        summary.passed(),
                        summary.failed()
                    ));
                    for o in summary.outcomes.iter().filter(|o| !o.passed) {
                        problems.push(format!(
                            "{label}: {}: {}",
                            o.id,
                            o.message.clone().unwrap_or_default()
                        ));
                    }
                    if summary.outcomes.len() < at_least {
                        problems.push(format!(
                            "{label}: only {} {tag} tests ran",
                            summary.outcomes.len()
                        ));
                    }
                    if summary.failed() == 0 {
                        common::discard_reports(&summary);
                    }
                }
                Err(e) => problems.push(format!("{label}: the run did not complete: {e}")),
            }
        }
    }
    println!("{}", lines.join("\n"));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_appointment_suite_passes_at_every_instant() {
    suite_passes_at_every_instant(
        "@appointments",
        &[(0, 5), (8, 45), (12, 0), (16, 55), (23, 55)],
        390,
    )
    .await;
}

/// The official StructuredDocuments.feature's test count is the floor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documents_suite_passes_at_every_instant() {
    suite_passes_at_every_instant("@documents", &[(0, 5), (12, 0), (23, 55)], 51).await;
}

/// The official 1.6.0 pack's structured feature files hold 256 tests: the floor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_structured_suite_passes_at_every_instant() {
    suite_passes_at_every_instant("@structured", &[(0, 5), (12, 0), (23, 55)], 256).await;
}
