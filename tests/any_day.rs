//! Green on any day: the appointment suite passes against the reference provider whatever the clock says. The
//! run's clock (harness and embedded provider) is started at UK times across the day (just after midnight,
//! before the first surgery, midday, just before the last slot, just before midnight) on an ordinary weekday, a
//! Saturday, the two clock-change Sundays, New Year's Eve and a leap day.

mod common;

use chrono::NaiveDate;

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

const TIMES: [(u32, u32); 5] = [(0, 5), (8, 45), (12, 0), (16, 55), (23, 55)];

/// Runs at most this many instants at once (each run is one suite against its own embedded provider).
const PARALLEL: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_appointment_suite_passes_at_every_instant() {
    let mut instants = Vec::new();
    for (label, (y, m, d)) in DAYS {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("a real date");
        for (h, min) in TIMES {
            let local = date.and_hms_opt(h, min, 0).expect("a real time");
            instants.push((format!("{label} {local}"), uk_time::instant_of(local)));
        }
    }
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for chunk in instants.chunks(PARALLEL) {
        let runs = chunk.iter().map(|(label, at)| {
            let mut opts = common::options(
                Target::Embedded(FaultSet::default()),
                &format!("any-day-{}", at.timestamp()),
            );
            opts.tags = Some("@appointments".into());
            opts.clock = Clock::starting_at(*at);
            opts.evidence = Evidence::Failed;
            async move { (label.clone(), *at, runner::run(opts).await) }
        });
        for (label, at, result) in futures::future::join_all(runs).await {
            match result {
                Ok(summary) => {
                    lines.push(format!(
                        "{label:<36} ({}) {} passed, {} failed",
                        uk_time::format(at),
                        summary.passed(),
                        summary.failed()
                    ));
                    for name in summary.failed_names() {
                        let why = summary
                            .outcomes
                            .iter()
                            .find(|o| format!("{} :: {}", o.feature, o.name) == name)
                            .and_then(|o| o.message.clone())
                            .unwrap_or_default();
                        problems.push(format!("{label}: {name}: {why}"));
                    }
                    if summary.outcomes.len() < 390 {
                        problems.push(format!(
                            "{label}: only {} appointment scenarios ran",
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
