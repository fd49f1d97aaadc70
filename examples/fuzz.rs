//! Fuzzes gpc-assure's parsers and judges of outside input (`src/fuzzing`): each target gets its seeds, then
//! mutants of them, on every core; crashing or hanging inputs are saved under `target/fuzz-findings/<target>/`.
//!
//! ```sh
//! cargo run --release --example fuzz -- all 1000000          # a million inputs per target
//! cargo run --release --example fuzz -- jwt 200000 --seed 7  # one target
//! ```
//!
//! Exit status: 0 nothing found, 1 a target panicked (the inputs are saved), 2 bad arguments, 3 a hang (the
//! input is saved and the process stops).

use std::time::Duration;

use gpc_assure::fuzzing::engine::{fuzz, Options};
use gpc_assure::fuzzing::Target;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        eprintln!(
            "usage: fuzz <all|{}> <inputs> [--seed N] [--threads N]",
            names.join("|")
        );
        std::process::exit(2);
    };
    let (Some(which), Some(inputs)) = (args.first(), args.get(1).and_then(|n| n.parse().ok()))
    else {
        usage();
        return;
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let targets: Vec<Target> = if which == "all" {
        Target::ALL.to_vec()
    } else {
        match Target::from_name(which) {
            Some(t) => vec![t],
            None => {
                usage();
                return;
            }
        }
    };
    let threads = flag("--threads").map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        |n| n as usize,
    );
    let opts = Options {
        inputs,
        seed: flag("--seed").unwrap_or(1),
        threads,
        max_len: 64 * 1024,
        hang: Duration::from_secs(10),
        findings: std::path::PathBuf::from("target/fuzz-findings"),
        max_seeds: 400,
    };
    // Panics are caught and reported per target; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    gpc_assure::fuzzing::warm_up();
    let mut found = false;
    println!("| target | inputs | seeds | time | inputs/s | slowest input | crashes |");
    println!("|---|---|---|---|---|---|---|");
    for t in targets {
        let r = fuzz(t, &opts);
        println!(
            "| {} | {} | {} | {:.1} s | {:.0} | {:.1} ms | {} |",
            r.target,
            r.inputs,
            r.seeds,
            r.elapsed.as_secs_f64(),
            r.inputs as f64 / r.elapsed.as_secs_f64().max(1e-9),
            r.slowest.as_secs_f64() * 1000.0,
            r.crashes.len()
        );
        for (path, message) in r.crashes.iter().take(5) {
            println!("  crash {}: {message}", path.display());
        }
        found |= !r.crashes.is_empty();
    }
    std::process::exit(i32::from(found));
}
