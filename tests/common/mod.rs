//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use gpc_assure::clock::Clock;
use gpc_assure::config::Config;
use gpc_assure::fhir::FhirPath;
use gpc_assure::runner::{Evidence, Progress, RunOptions, Target};

pub fn features() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("features")
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gpc-assure-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn options(target: Target, report: &str) -> RunOptions {
    let config = Config {
        concurrency: 32,
        ..Config::default()
    };
    RunOptions {
        config,
        target,
        features: gpc_assure::runner::FeatureSource::Embedded,
        tags: None,
        ids: None,
        report_dir: temp_dir(report),
        fhir_path: FhirPath::resolve(&[], &[]),
        progress: Progress::Quiet,
        // GPC_NOW replays an instant for any integration test (`GPC_NOW=2026-10-25T00:30:00Z cargo test`).
        clock: Clock::from_option_or_env(None).expect("GPC_NOW is an RFC 3339 instant"),
        evidence: Evidence::All,
        tls: false,
    }
}

/// The evidence of test `id` in a run's report folder (its line of the evidence file of its feature).
pub fn evidence(report_dir: &std::path::Path, id: &str) -> serde_json::Value {
    gpc_assure::report::evidence::read(report_dir, id)
        .expect("the evidence files read")
        .unwrap_or_else(|| panic!("no evidence of {id} in {}", report_dir.display()))
}

/// Deletes a finished run's report folder: the kill matrix and the any-day test make over a hundred runs, and
/// their evidence would otherwise fill the disk (a full run writes about 90 MB).
pub fn discard_reports(summary: &gpc_assure::runner::RunSummary) {
    let _ = std::fs::remove_dir_all(&summary.report_dir);
}

/// Options of a consumer run whose consumer is the reference consumer (`gpc-assure consumer demo`) driven by the
/// command driver, with `extra` appended to its command line (`--fault reused-trace-id`).
pub fn consumer_options(report: &str, extra: &str) -> RunOptions {
    let mut opts = options(Target::Consumer, report);
    opts.config.consumer.driver = gpc_assure::consumer::config::DriverKind::Command;
    opts.config.consumer.command = Some(gpc_assure::consumer::config::CommandSettings {
        template: Some(format!(
            "{} consumer demo {{task}} {extra}",
            env!("CARGO_BIN_EXE_gpc-assure")
        )),
        tasks: Default::default(),
        timeout_secs: 60,
        working_dir: None,
    });
    opts
}

/// A process's resident memory now and at its peak (`VmRSS`, `VmHWM` of `/proc/<pid>/status`), in KiB; zeros
/// when it cannot be read.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
