//! The CI smoke of the fuzz targets (`src/fuzzing`): every target runs its seeds and a few thousand mutants
//! without a panic or a hang, and every saved regression input (`tests/fuzz/regressions/<target>/`, each a
//! crash or hang the fuzzer once found) runs clean. The long runs are `cargo run --release --example fuzz`
//! (`docs/robustness.md`).

use std::time::Duration;

use gpc_assure::fuzzing::engine::{fuzz, Options};
use gpc_assure::fuzzing::Target;

#[test]
fn every_target_survives_a_short_fuzz_and_every_regression_input() {
    gpc_assure::fuzzing::warm_up();
    let findings = std::env::temp_dir().join(format!("gpc-fuzz-smoke-{}", std::process::id()));
    let opts = Options {
        inputs: 3_000,
        seed: 20261201,
        threads: 2,
        max_len: 64 * 1024,
        hang: Duration::from_secs(60),
        findings: findings.clone(),
        max_seeds: 60,
    };
    let mut failures = Vec::new();
    for t in Target::ALL {
        let r = fuzz(t, &opts);
        println!(
            "{}: {} inputs ({} seeds) in {:.1} s, slowest {:.1} ms, {} crashes",
            r.target,
            r.inputs,
            r.seeds,
            r.elapsed.as_secs_f64(),
            r.slowest.as_secs_f64() * 1000.0,
            r.crashes.len()
        );
        assert!(r.seeds > 0, "{}: no seed", r.target);
        for (path, message) in r.crashes {
            failures.push(format!("{}: {message} ({})", r.target, path.display()));
        }
    }
    let regressions =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    for t in Target::ALL {
        let Ok(entries) = std::fs::read_dir(regressions.join(t.name())) else {
            continue;
        };
        for e in entries.flatten() {
            let input = std::fs::read(e.path()).expect("a regression input");
            if std::panic::catch_unwind(|| t.run(&input)).is_err() {
                failures.push(format!(
                    "{}: regression {} panics again",
                    t.name(),
                    e.path().display()
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&findings);
    assert!(failures.is_empty(), "{failures:#?}");
}
