//! Access Record HTML with default time frames ("Per section default time frames", 0.7.4 layout guide): the
//! reference provider and the harness configured alike (`html.default_time_frames`) pass the whole `@html`
//! suite, with frames that hold all the sample data (as the kill matrix configures the faults of the default
//! time frames) and with frames that leave part of it out, at instants that test the month arithmetic; and the
//! two faults of the default time frames fail their guards under such a config.

mod common;

use std::collections::BTreeMap;

use gpc_assure::clock::Clock;
use gpc_assure::provider::html::time_frames::{DefaultTimeFrames, MAX_MONTHS};
use gpc_assure::provider::{Fault, FaultSet};
use gpc_assure::runner::{self, Evidence, RunSummary, Target};

async fn run_html(
    label: &str,
    frames: DefaultTimeFrames,
    at: Option<&str>,
    faults: FaultSet,
) -> RunSummary {
    let mut opts = common::options(Target::Embedded(faults), &format!("html-frames-{label}"));
    opts.tags = Some("@html".into());
    opts.config.html.default_time_frames = frames;
    if let Some(at) = at {
        opts.clock = Clock::starting_at(Clock::parse_instant(at).expect("an instant"));
    }
    opts.evidence = Evidence::Failed;
    runner::run(opts).await.expect("the run completes")
}

fn failures(summary: &RunSummary) -> Vec<String> {
    summary
        .outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}: {}", o.id, o.message.clone().unwrap_or_default()))
        .collect()
}

/// Twelve months for every section, but six for Medications; instants where "less N months" must clamp to
/// the end of a shorter month, and where part of the 2015-2016 sample data falls outside the frames.
fn partial_frames() -> DefaultTimeFrames {
    let codes: BTreeMap<String, u32> = [
        ("ADM", 12),
        ("CLI", 12),
        ("ENC", 12),
        ("OBS", 12),
        ("REF", 12),
        ("PRB", 12),
        ("MED", 6),
    ]
    .into_iter()
    .map(|(c, m)| (c.to_string(), m))
    .collect();
    DefaultTimeFrames::from_codes(&codes).expect("valid frames")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_suite_passes_against_a_provider_with_default_time_frames() {
    let mut problems = Vec::new();
    let runs = [
        (
            "all-data",
            DefaultTimeFrames::every_section(MAX_MONTHS),
            None,
        ),
        ("month-end", partial_frames(), Some("2016-08-31T12:00:00Z")),
        ("leap-day", partial_frames(), Some("2016-02-29T23:30:00Z")),
    ];
    for (label, frames, at) in runs {
        let summary = run_html(label, frames, at, FaultSet::default()).await;
        assert!(
            summary.outcomes.len() >= 717,
            "{label}: only {} tests",
            summary.outcomes.len()
        );
        problems.extend(
            failures(&summary)
                .into_iter()
                .map(|f| format!("{label}: {f}")),
        );
        common::discard_reports(&summary);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_time_frame_faults_fail_their_guards() {
    for fault in [
        Fault::HtmlDefaultTimeFrameIgnored,
        Fault::HtmlDefaultTimeFrameOverridesPeriod,
    ] {
        let summary = run_html(
            fault.name(),
            partial_frames(),
            Some("2016-08-31T12:00:00Z"),
            FaultSet::new([fault]),
        )
        .await;
        let failed = failures(&summary);
        assert!(
            failed.iter().any(|f| f.starts_with("html.banner.")),
            "{fault}: no banner scenario failed: {failed:#?}"
        );
        common::discard_reports(&summary);
    }
}
