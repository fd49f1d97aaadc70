//! Validator performance: cold start of `gpc-assure validate` on one Patient (definitions load included), warm
//! throughput over the official examples, and time against Bundle size for a synthetic Bundle of up to 20,000
//! entries with internal references; with the two peers (FHIR.js and fhir.resources) run on the same inputs
//! in the same run when they are installed (`benches/peers/setup.sh`).
//!
//! Run: `cargo bench --bench validate`. Knobs (environment):
//! * `GPC_BENCH_RUNS` warm passes over the corpus (default 7; medians are reported),
//! * `GPC_BENCH_COLD_RUNS` cold process starts per tool (default 11),
//! * `GPC_BENCH_SIZES` Bundle sizes (default `1000,2000,5000,10000,20000`),
//! * `GPC_BENCH_SCALE_RUNS` passes per Bundle size (default 5),
//! * `GPC_BENCH_RECORD_ENTRIES` entries of the real structured record measure (default 2000),
//! * `GPC_BENCH_BATCH_PASSES` times the corpus is given to one `gpc-assure validate` (default 20), and
//!   `GPC_BENCH_BATCH_RUNS` how many such processes are timed per `--jobs` (default 7),
//! * `GPC_BENCH_PEERS=0` skips the peers even when installed.
//!
//! The corpus: the GP Connect specification examples (1.2.9 and 1.6.2, JSON, less the files listed in
//! `INVALID_JSON.txt`), the GP Connect messaging examples (XML) and the NHS STU3 FHIR assets examples (JSON
//! and XML). XML is converted to JSON once, up front, and handed to the peers as JSON files. A Bundle counts
//! as its entries. Every validation runs with every rule on: core definition plus the `meta.profile` profiles,
//! slicing, bindings, extensions and FHIRPath invariants, Bundle entries and contained resources included.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use gpc_assure::fhir::FhirPath;
use gpc_assure::validate::{Severity, Store, Validator};

/// The in-process figures run with the allocator the `gpc-assure` binary uses (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Patient the cold start validates.
const COLD_PATIENT: &str =
    "nhsconnect-gpconnect-spec-examples/1.6.2/foundations/read_patient_response_example.json";
/// The Bundle the synthetic Bundles are copied from: 26 entries, 104 references, all internal.
const TEMPLATE_BUNDLE: &str =
    "nhsconnect-gpconnect-spec-examples/1.6.2/accessrecord_structured/pathology_response1.json";
/// The largest real structured record in the shared folder (509 entries, as EMIS served it to the GP2GP
/// adaptor): the real-record measure copies its entries up to `GPC_BENCH_RECORD_ENTRIES` (default 2,000).
const REAL_RECORD: &str =
    "realworld-gp2gp-adaptor/structured/EMISPatientStructurede2eResponsePWTP4.json";
/// fullUrl base of the synthetic entries (relative references `Type/id` resolve against it).
const SYNTHETIC_BASE: &str = "https://bench.gpc-assure.invalid/STU3/1/gpconnect/structured/fhir";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// One corpus document, parsed.
struct Doc {
    /// Path relative to the shared FHIR folder.
    name: String,
    value: Value,
    resources: usize,
    /// A JSON file holding `value`, for the peers (the original, or the XML converted by us).
    json_file: PathBuf,
}

/// A Bundle counts as its entries; anything else as one resource.
fn resource_count(v: &Value) -> usize {
    if v.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
        v.get("entry").and_then(Value::as_array).map_or(0, Vec::len)
    } else {
        1
    }
}

fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_under(&p, exts, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(p);
        }
    }
}

fn load_corpus(shared: &Path, fhir_path: &FhirPath, work: &Path) -> Vec<Doc> {
    let spec = shared.join("nhsconnect-gpconnect-spec-examples");
    let invalid: Vec<String> = std::fs::read_to_string(spec.join("INVALID_JSON.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(':').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut files = Vec::new();
    files_under(&spec.join("1.2.9"), &["json"], &mut files);
    files_under(&spec.join("1.6.2"), &["json"], &mut files);
    files.retain(|f| {
        let rel = f.strip_prefix(&spec).unwrap_or(f).to_string_lossy();
        !invalid.iter().any(|i| *i == rel)
    });
    files_under(
        &shared.join("nhsconnect-gpconnect-messaging-examples"),
        &["xml"],
        &mut files,
    );
    files_under(
        &shared.join("nhsconnect-STU3-FHIR-Assets/Examples"),
        &["json", "xml"],
        &mut files,
    );
    files.sort();
    let converted = work.join("corpus");
    std::fs::create_dir_all(&converted).expect("cannot create the bench work folder under target/");
    let mut docs = Vec::new();
    for f in files {
        let name = f.strip_prefix(shared).unwrap_or(&f).display().to_string();
        let text = std::fs::read_to_string(&f)
            .unwrap_or_else(|e| panic!("cannot read corpus file {}: {e}", f.display()));
        let is_xml = f.extension().is_some_and(|e| e == "xml");
        let parsed = if is_xml {
            let model = gpc_assure::fhir::stu3_model(fhir_path)
                .expect("the STU3 element model (for XML) must load from the FHIR path");
            gpc_assure::fhir::xml::xml_to_json(&text, &model).map_err(|e| e.to_string())
        } else {
            serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
        };
        let value = match parsed {
            Ok(v) => v,
            Err(e) => {
                eprintln!("skipping {name}: {e}");
                continue;
            }
        };
        let json_file = if is_xml {
            let out = converted.join(format!("{}.json", name.replace(['/', '\\'], "__")));
            let text = serde_json::to_string(&value).expect("a JSON value serialises");
            std::fs::write(&out, text)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
            out
        } else {
            f.clone()
        };
        docs.push(Doc {
            name,
            resources: resource_count(&value),
            value,
            json_file,
        });
    }
    docs
}

/// Copies of the template Bundle's entries, each copy with its own ids, fullUrls and references rewritten to
/// point into the same copy, until the Bundle has `entries` entries. Returns the Bundle and how many
/// references in it point at another entry.
fn synthetic_bundle(template: &Value, entries: usize) -> (Value, usize) {
    let source: &[Value] = template
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    assert!(!source.is_empty(), "the template Bundle has no entries");
    let mut out = Vec::with_capacity(entries);
    let mut internal = 0;
    let mut copy = 0usize;
    while out.len() < entries {
        copy += 1;
        let renamed: std::collections::HashMap<String, String> = source
            .iter()
            .filter_map(|e| {
                let r = e.get("resource")?;
                let rt = r.get("resourceType")?.as_str()?;
                let id = r.get("id")?.as_str()?;
                Some((format!("{rt}/{id}"), format!("{rt}/{id}-{copy}")))
            })
            .collect();
        for e in source {
            if out.len() == entries {
                break;
            }
            let mut e = e.clone();
            if let Some(r) = e.get_mut("resource") {
                internal += rewrite_references(r, &renamed);
                let rt = r
                    .get("resourceType")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if let Some(id) = r.get("id").and_then(Value::as_str).map(String::from) {
                    let new_id = format!("{id}-{copy}");
                    r["id"] = json!(new_id);
                    e["fullUrl"] = json!(format!("{SYNTHETIC_BASE}/{rt}/{new_id}"));
                }
            }
            out.push(e);
        }
    }
    let mut bundle = template.clone();
    bundle["id"] = json!(format!("synthetic-{entries}"));
    bundle["entry"] = Value::Array(out);
    (bundle, internal)
}

fn rewrite_references(v: &mut Value, renamed: &std::collections::HashMap<String, String>) -> usize {
    match v {
        Value::Object(o) => {
            let mut n = 0;
            for (k, x) in o.iter_mut() {
                if k == "reference" {
                    if let Some(new) = x.as_str().and_then(|s| renamed.get(s)) {
                        *x = json!(new);
                        n += 1;
                    }
                } else {
                    n += rewrite_references(x, renamed);
                }
            }
            n
        }
        Value::Array(a) => a.iter_mut().map(|x| rewrite_references(x, renamed)).sum(),
        _ => 0,
    }
}

/// Wall time of one process, spawn to exit; `ok` says which exit codes are a verdict.
fn time_process(cmd: &mut Command, ok: &[i32]) -> Result<f64, String> {
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let elapsed = start.elapsed().as_secs_f64();
    match out.status.code() {
        Some(c) if ok.contains(&c) => Ok(elapsed),
        _ => Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// Median wall time of `runs` process starts, after one untimed start (file cache warm: process-cold, not
/// disk-cold).
fn cold(mut make: impl FnMut() -> Command, ok: &[i32], runs: usize) -> Result<f64, String> {
    time_process(&mut make(), ok)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(time_process(&mut make(), ok)?);
    }
    Ok(median(times))
}

/// What one pass over the corpus found.
#[derive(Default)]
struct Tally {
    errors: usize,
    warnings: usize,
    failing_files: usize,
}

/// One timed pass over the corpus (its own function, so that a profiler can be limited to it:
/// `valgrind --tool=callgrind --toggle-collect='validate::timed_pass' ...`).
#[inline(never)]
fn timed_pass(validator: &Validator, docs: &[Doc], per_doc: &mut [f64]) -> Tally {
    let mut tally = Tally::default();
    for (d, spent) in docs.iter().zip(per_doc.iter_mut()) {
        let t = Instant::now();
        let issues = validator.validate(&d.value, &[]);
        *spent += t.elapsed().as_secs_f64();
        let e = issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        tally.errors += e;
        tally.warnings += issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .count();
        tally.failing_files += usize::from(e > 0);
        std::hint::black_box(issues);
    }
    tally
}

/// A peer's JSON report from a throughput run over `files` (paths on standard input).
fn peer_throughput(mut cmd: Command, files: &[&Path]) -> Result<Value, String> {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    {
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
        stdin
            .write_all(list.as_bytes())
            .map_err(|e| format!("cannot write the file list: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("peer failed: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("peer output is not JSON ({e}): {stdout}"))
}

/// Builds a fresh command per process start.
type MakeCommand<'a> = Box<dyn Fn() -> Command + 'a>;

/// The installed peers, if any.
struct Peers {
    node_script: PathBuf,
    node_home: PathBuf,
    node_defs: PathBuf,
    stu3_core: PathBuf,
    python: PathBuf,
    py_script: PathBuf,
}

impl Peers {
    fn find(manifest: &Path, target: &Path, shared: &Path) -> Result<Peers, String> {
        let peers = target.join("peers");
        let p = Peers {
            node_script: manifest.join("benches/peers/fhirjs.js"),
            node_home: peers.join("node"),
            node_defs: peers.join("node/stu3-parsed.json"),
            stu3_core: shared.join("hl7-fhir-stu3-core-3.0.1"),
            python: peers.join("py/bin/python"),
            py_script: manifest.join("benches/peers/fhir_resources.py"),
        };
        let missing: Vec<String> = [
            p.node_home.join("node_modules/fhir/package.json"),
            p.node_defs.clone(),
            p.python.clone(),
        ]
        .iter()
        .filter(|f| !f.exists())
        .map(|f| f.display().to_string())
        .collect();
        if missing.is_empty() {
            Ok(p)
        } else {
            Err(missing.join(", "))
        }
    }

    fn node(&self, defs: &Path) -> Command {
        let mut c = Command::new("node");
        c.arg(&self.node_script)
            .arg("--defs")
            .arg(defs)
            .env("FHIRJS_HOME", &self.node_home);
        c
    }

    fn py(&self) -> Command {
        let mut c = Command::new(&self.python);
        c.arg(&self.py_script);
        c
    }
}

fn per_sec(v: &Value) -> f64 {
    v.get("per_sec").and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn seconds(v: &Value) -> f64 {
    v.get("seconds").and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn main() {
    let runs = env_usize("GPC_BENCH_RUNS", 7);
    let cold_runs = env_usize("GPC_BENCH_COLD_RUNS", 11);
    let scale_runs = env_usize("GPC_BENCH_SCALE_RUNS", 5);
    let sizes: Vec<usize> = std::env::var("GPC_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 2_000, 5_000, 10_000, 20_000]);
    let want_peers = std::env::var("GPC_BENCH_PEERS").map_or(true, |v| v != "0");

    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { manifest.join(t) })
        .unwrap_or_else(|| manifest.join("target"));
    let work = target.join("bench-validate");
    let fhir_path = FhirPath::resolve(&[], &[]);
    let shared = fhir_path
        .existing()
        .expect("the FHIR path (GPC_FHIR_PATH or ../shared/fhir) must exist")
        .into_iter()
        .find(|f| f.join("nhsconnect-gpconnect-spec-examples").is_dir())
        .expect("no folder of the FHIR path holds nhsconnect-gpconnect-spec-examples");
    let shared = shared.canonicalize().unwrap_or(shared);
    // Cargo builds the binary for benches too; the path is a fallback for older toolchains.
    let binary = option_env!("CARGO_BIN_EXE_gpc-assure")
        .map(PathBuf::from)
        .unwrap_or_else(|| target.join("release/gpc-assure"));
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build --release`",
        binary.display()
    );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!("== gpc-assure validator bench ==");
    println!(
        "machine: {cores} cores, load average {} at start; binary {}",
        load_average(),
        binary.display()
    );

    let docs = load_corpus(&shared, &fhir_path, &work);
    let resources: usize = docs.iter().map(|d| d.resources).sum();
    let xml = docs.iter().filter(|d| d.name.ends_with(".xml")).count();
    println!(
        "corpus: {} files ({} JSON, {xml} XML converted once up front), {resources} resources (a Bundle counts as its entries)",
        docs.len(),
        docs.len() - xml
    );

    let peers = if want_peers {
        match Peers::find(&manifest, &target, &shared) {
            Ok(p) => Some(p),
            Err(missing) => {
                println!(
                    "peers: not installed ({missing} missing); run `benches/peers/setup.sh` to compare with FHIR.js and fhir.resources"
                );
                None
            }
        }
    } else {
        println!("peers: skipped (GPC_BENCH_PEERS=0)");
        None
    };

    // --- (a) cold start -----------------------------------------------------------------------------------
    let patient = shared.join(COLD_PATIENT);
    println!();
    println!(
        "cold start: process start to the verdict on one Patient ({COLD_PATIENT}), definitions load included; median of {cold_runs}"
    );
    let ours_cold = cold(
        || {
            let mut c = Command::new(&binary);
            c.arg("validate").arg(&patient).current_dir(&manifest);
            c
        },
        // 1: the verdict has errors (the published example has one), still a verdict.
        &[0, 1],
        cold_runs,
    )
    .expect("gpc-assure validate must run");
    println!("  {:<42} {:>8.3} s", "gpc-assure validate", ours_cold);
    if let Some(p) = &peers {
        let rows: [(&str, MakeCommand<'_>); 3] = [
            (
                "FHIR.js 4.12.0 (pre-parsed STU3 defs)",
                Box::new(|| {
                    let mut c = p.node(&p.node_defs);
                    c.arg("--cold").arg(&patient);
                    c
                }),
            ),
            (
                "FHIR.js 4.12.0 (STU3 defs parsed at start)",
                Box::new(|| {
                    let mut c = p.node(&p.stu3_core);
                    c.arg("--cold").arg(&patient);
                    c
                }),
            ),
            (
                "fhir.resources 8.3.0 (STU3 models)",
                Box::new(|| {
                    let mut c = p.py();
                    c.arg("--cold").arg(&patient);
                    c
                }),
            ),
        ];
        for (label, make) in rows {
            match cold(make, &[0], cold_runs) {
                Ok(t) => println!(
                    "  {label:<42} {t:>8.3} s   peer/gpc-assure = {:.1}",
                    t / ours_cold
                ),
                Err(e) => println!("  {label:<42} failed: {e}"),
            }
        }
    }

    // --- (b) warm throughput ------------------------------------------------------------------------------
    let store =
        Arc::new(Store::new(fhir_path.clone()).expect("definitions must load from the FHIR path"));
    let validator = Validator::new(store);
    let warm_up = Instant::now();
    for d in &docs {
        std::hint::black_box(validator.validate(&d.value, &[]));
    }
    let first_pass = warm_up.elapsed().as_secs_f64();
    let mut passes = Vec::with_capacity(runs);
    let mut tally = Tally::default();
    // Time per document, summed over the passes (where a pass's time goes).
    let mut per_doc = vec![0f64; docs.len()];
    for _ in 0..runs {
        let t = Instant::now();
        tally = timed_pass(&validator, &docs, &mut per_doc);
        passes.push(t.elapsed().as_secs_f64());
    }
    let Tally {
        errors,
        warnings,
        failing_files,
    } = tally;
    let ours_pass = median(passes.clone());
    let ours_rate = resources as f64 / ours_pass;
    println!();
    println!(
        "warm throughput: the corpus ({} files, {resources} resources) through one validator; median of {runs} passes after one warm-up pass",
        docs.len()
    );
    println!(
        "  {:<42} {:>9.0} resources/s  ({:.1} ms per pass, min {:.1}, max {:.1}; first pass with plan compilation {:.0} ms; {errors} errors, {warnings} warnings, {failing_files} files with errors)",
        "gpc-assure (every rule on)",
        ours_rate,
        ours_pass * 1e3,
        passes.iter().copied().fold(f64::INFINITY, f64::min) * 1e3,
        passes.iter().copied().fold(0.0, f64::max) * 1e3,
        first_pass * 1e3,
    );
    let total: f64 = per_doc.iter().sum();
    let mut slowest: Vec<(usize, f64)> = per_doc.iter().copied().enumerate().collect();
    slowest.sort_by(|a, b| b.1.total_cmp(&a.1));
    let shown: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|&(k, t)| {
            format!(
                "{} ({} resources, {:.0}% of a pass)",
                docs[k].name,
                docs[k].resources,
                t / total * 100.0
            )
        })
        .collect();
    println!("    where a pass goes: {}", shown.join("; "));
    let mut fhirjs_rate: Option<f64> = None;
    if let Some(p) = &peers {
        let files: Vec<&Path> = docs.iter().map(|d| d.json_file.as_path()).collect();
        let runs_arg = runs.to_string();
        let rows = [
            ("FHIR.js 4.12.0", {
                let mut c = p.node(&p.node_defs);
                c.args(["--runs", &runs_arg]);
                c
            }),
            ("fhir.resources 8.3.0", {
                let mut c = p.py();
                c.args(["--runs", &runs_arg]);
                c
            }),
        ];
        for (label, cmd) in rows {
            match peer_throughput(cmd, &files) {
                Ok(v) if v.get("resources").and_then(Value::as_u64) == Some(resources as u64) => {
                    if label.starts_with("FHIR.js") {
                        fhirjs_rate = Some(per_sec(&v));
                    }
                    println!(
                        "  {label:<42} {:>9.0} resources/s  ({:.1} ms per pass; gpc-assure/peer = {:.2})",
                        per_sec(&v),
                        seconds(&v) * 1e3,
                        ours_rate / per_sec(&v)
                    );
                }
                Ok(v) => println!("  {label:<42} counted a different corpus: {v}"),
                Err(e) => println!("  {label:<42} failed: {e}"),
            }
        }
    }

    // --- (b2) the CLI's batch ----------------------------------------------------------------------------
    let batch_passes = env_usize("GPC_BENCH_BATCH_PASSES", 20);
    let batch_runs = env_usize("GPC_BENCH_BATCH_RUNS", 7);
    println!();
    println!(
        "CLI batch: `gpc-assure validate` given the corpus {batch_passes} times over ({} files: the JSON files the peers get), one process, start to exit; median of {batch_runs}",
        docs.len() * batch_passes
    );
    let sources: Vec<&Path> = docs.iter().map(|d| d.json_file.as_path()).collect();
    let mut jobs_rows = vec![1];
    if cores > 1 {
        jobs_rows.push(cores);
    }
    for jobs in jobs_rows {
        let mut times = Vec::with_capacity(batch_runs);
        for _ in 0..batch_runs {
            let mut c = Command::new(&binary);
            c.arg("validate")
                .arg("--jobs")
                .arg(jobs.to_string())
                .current_dir(&manifest)
                .stdout(Stdio::null());
            for _ in 0..batch_passes {
                c.args(&sources);
            }
            match time_process(&mut c, &[0, 1]) {
                Ok(t) => times.push(t),
                Err(e) => {
                    println!("  --jobs {jobs}: failed: {e}");
                    break;
                }
            }
        }
        if times.len() < batch_runs {
            continue;
        }
        let t = median(times);
        let rate = (resources * batch_passes) as f64 / t;
        let versus = fhirjs_rate.map_or_else(String::new, |f| {
            format!("; gpc-assure/FHIR.js in-process warm = {:.2}", rate / f)
        });
        println!(
            "  {:<42} {rate:>9.0} resources/s  ({t:.3} s{versus})",
            format!("gpc-assure validate --jobs {jobs}")
        );
    }

    // --- (c) Bundle size ----------------------------------------------------------------------------------
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join(TEMPLATE_BUNDLE))
            .expect("the template Bundle must be readable"),
    )
    .expect("the template Bundle must be JSON");
    println!();
    println!(
        "Bundle size: copies of {TEMPLATE_BUNDLE} with unique ids, fullUrls and references into the same copy; median of {scale_runs} passes"
    );
    let mut header = format!(
        "  {:>7} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "entries", "refs", "gpc-assure", "(min)", "us/entry", "vs first"
    );
    if peers.is_some() {
        header.push_str(&format!(
            " {:>10} {:>9} {:>14} {:>9}",
            "FHIR.js", "us/entry", "fhir.resources", "us/entry"
        ));
    }
    println!("{header}");
    let mut first_per_entry = None;
    // (entries, median, min) for us; (entries, seconds) for each peer.
    let mut points: Vec<(f64, f64, f64)> = Vec::new();
    let mut peer_points: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for &n in &sizes {
        let (bundle, refs) = synthetic_bundle(&template, n);
        let (t, fastest, bundle_errors) = time_validation(&validator, &bundle, scale_runs);
        let per_entry = t / n as f64;
        let first = *first_per_entry.get_or_insert(per_entry);
        points.push((n as f64, t, fastest));
        let mut line = format!(
            "  {n:>7} {refs:>8} {:>8.3} s {:>7.3} s {:>9.1} {:>8.2}x",
            t,
            fastest,
            per_entry * 1e6,
            per_entry / first
        );
        if let Some(p) = &peers {
            let file = work.join(format!("bundle-{n}.json"));
            std::fs::write(
                &file,
                serde_json::to_string(&bundle).expect("a JSON value serialises"),
            )
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
            let runs_arg = scale_runs.min(3).to_string();
            let mut node = p.node(&p.node_defs);
            node.args(["--runs", &runs_arg]);
            let mut py = p.py();
            py.args(["--runs", &runs_arg]);
            for (k, (cmd, width)) in [(node, 10), (py, 14)].into_iter().enumerate() {
                match peer_throughput(cmd, &[file.as_path()]) {
                    Ok(v) => {
                        peer_points[k].push((n as f64, seconds(&v)));
                        line.push_str(&format!(
                            " {:>w$.3} s {:>8.1}",
                            seconds(&v),
                            seconds(&v) / n as f64 * 1e6,
                            w = width - 2
                        ));
                    }
                    Err(e) => line.push_str(&format!(" failed: {e}")),
                }
            }
        }
        line.push_str(&format!("   ({bundle_errors} errors)"));
        println!("{line}");
    }
    let exponent = |a: (f64, f64), b: (f64, f64)| (b.1 / a.1).ln() / (b.0 / a.0).ln();
    if let (Some(&(n0, t0, m0)), Some(&(n1, t1, m1))) = (points.first(), points.last()) {
        if n1 > n0 {
            let mut line = format!(
                "  growth exponent between {n0} and {n1} entries (time ~ entries^k: 1 is linear, 2 quadratic): gpc-assure {:.2} (medians; {:.2} from the fastest passes)",
                exponent((n0, t0), (n1, t1)),
                exponent((n0, m0), (n1, m1)),
            );
            for (label, pts) in ["FHIR.js", "fhir.resources"].iter().zip(&peer_points) {
                if let (Some(&a), Some(&b)) = (pts.first(), pts.last()) {
                    if b.0 > a.0 {
                        line.push_str(&format!(", {label} {:.2}", exponent(a, b)));
                    }
                }
            }
            println!("{line}");
        }
    }
    println!(
        "  for scale: the HL7 Java validator is reported to take 77 s for a Bundle with 10,000 references (not measured here)"
    );
    real_record(&shared, peers.as_ref(), &work, scale_runs);
    println!();
    println!("load average at end: {}", load_average());
}

/// Validates `bundle` once to warm up, then `runs` times: (median seconds, fastest seconds, errors found).
fn time_validation(validator: &Validator, bundle: &Value, runs: usize) -> (f64, f64, usize) {
    std::hint::black_box(validator.validate(bundle, &[]));
    let mut times = Vec::with_capacity(runs);
    let mut errors = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let issues = validator.validate(bundle, &[]);
        times.push(t.elapsed().as_secs_f64());
        errors = issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
    }
    let fastest = times.iter().copied().fold(f64::INFINITY, f64::min);
    (median(times), fastest, errors)
}

/// A full structured record as a real supplier serves it, grown to `GPC_BENCH_RECORD_ENTRIES` entries by copying
/// its entries (ids, fullUrls and references rewritten per copy), validated as `run` validates a structured
/// response: the Access Record Structured definitions, every rule, the structured-record rules included.
fn real_record(shared: &Path, peers: Option<&Peers>, work: &Path, runs: usize) {
    use gpc_assure::config::DefinitionSources;
    use gpc_assure::spine::catalogue::Capability;
    let entries = env_usize("GPC_BENCH_RECORD_ENTRIES", 2_000);
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join(REAL_RECORD))
            .expect("the real record must be readable"),
    )
    .expect("the real record must be JSON");
    let (bundle, refs) = synthetic_bundle(&template, entries);
    let fhir_path = FhirPath::resolve(&[], &[]);
    let store = Store::new(fhir_path).expect("FHIR definitions");
    let validator = gpc_assure::validate::Validators::new(&store, &DefinitionSources::default())
        .get(Capability::Structured)
        .expect("a structured validator");
    let (t, fastest, errors) = time_validation(&validator, &bundle, runs);
    println!();
    println!(
        "real structured record: {REAL_RECORD} grown to {entries} entries ({refs} internal references), structured definitions; median of {runs}"
    );
    let mut line = format!(
        "  gpc-assure {t:.3} s (min {fastest:.3} s, {:.1} us/entry, {errors} errors: the record's own defects in each copy, and references into the part of the last copy that is cut off)",
        t / entries as f64 * 1e6
    );
    if let Some(p) = peers {
        let file = work.join(format!("real-record-{entries}.json"));
        std::fs::create_dir_all(work).expect("the bench work folder");
        std::fs::write(
            &file,
            serde_json::to_string(&bundle).expect("a JSON value serialises"),
        )
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        let runs_arg = runs.min(3).to_string();
        let mut node = p.node(&p.node_defs);
        node.args(["--runs", &runs_arg]);
        match peer_throughput(node, &[file.as_path()]) {
            Ok(v) => line.push_str(&format!(
                "; FHIR.js {:.3} s (ours {:.1}x faster)",
                seconds(&v),
                seconds(&v) / t
            )),
            Err(e) => line.push_str(&format!("; FHIR.js failed: {e}")),
        }
    }
    println!("{line}");
}
