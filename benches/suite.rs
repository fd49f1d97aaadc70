//! Suite throughput: the whole provider suite against the embedded reference provider, repeated, reporting the
//! median wall time and the time per executable test (the official C# suite takes about 0.47 s per test).
//!
//! Run: `cargo bench --bench suite` (set `GPC_BENCH_RUNS` to change the number of runs, default 7).

use std::time::Duration;

use gpc_assure::config::Config;
use gpc_assure::fhir::FhirPath;
use gpc_assure::runner::{self, Progress, RunOptions, Target};

fn main() {
    let runs: usize = std::env::var("GPC_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut tests = 0;
    for i in 0..runs {
        let opts = RunOptions {
            config: Config::default(),
            target: Target::Embedded(Default::default()),
            features: gpc_assure::runner::FeatureSource::Embedded,
            tags: None,
            ids: None,
            report_dir: std::env::temp_dir()
                .join(format!("gpc-assure-bench-{}", std::process::id())),
            fhir_path: FhirPath::resolve(&[], &[]),
            progress: Progress::Quiet,
            clock: gpc_assure::clock::Clock::system(),
            evidence: Default::default(),
            tls: false,
        };
        match rt.block_on(runner::run(opts)) {
            Ok(s) => {
                if s.failed() > 0 {
                    eprintln!(
                        "run {i}: {} scenarios failed; the benchmark needs a green suite",
                        s.failed()
                    );
                    std::process::exit(1);
                }
                tests = s.outcomes.len();
                times.push(s.elapsed);
            }
            Err(e) => {
                eprintln!("run {i} could not start: {e}");
                std::process::exit(2);
            }
        }
    }
    times.sort();
    let median = times[times.len() / 2];
    let per_test = median.as_secs_f64() / tests.max(1) as f64;
    println!(
        "suite: {tests} tests, {runs} runs, median {:.2} s (min {:.2} s, max {:.2} s), {:.1} ms per test, {:.0}x faster than the official suite's 470 ms per test",
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        per_test * 1000.0,
        0.47 / per_test
    );
}
