//! Corpus test: every official GP Connect example (spec site examples, Send Document messaging examples and the
//! Examples of STU3-FHIR-Assets, all under the shared FHIR folder) is validated, and the verdict and number of
//! errors are compared with the checked-in table `tests/corpus/verdicts.csv`.
//!
//! The table has the columns `file` (relative to the shared FHIR folder), `verdict` (`valid`, `invalid`,
//! `unreadable` or `pending`), `errors` (the exact number of error-severity issues) and `reason` (one line; for
//! `invalid` rows the defect of the example, verified against the profile). `pending` marks a file that claims a
//! profile the validator cannot use yet (a differential-only StructureDefinition without a snapshot).
//!
//! Each file is judged with the definition sources of its capability (see `capability`), against its core
//! definition and the profiles it claims; a `Parameters` request that names its OperationDefinition is also
//! checked against the operation's input parameters.
//!
//! Environment:
//! - `GPC_CORPUS_BLESS=1` rewrites the verdicts and counts in the table from the validator, keeping the reasons
//!   (new invalid rows still need a reason written by hand before the test passes).
//! - `GPC_CORPUS_VERBOSE=1` prints every issue of every file (for triage).
//!
//! Beside each table, `tests/corpus/outcomes-official.jsonl` and `outcomes-realworld.jsonl` hold every file's whole OperationOutcome as the
//! validator gives it (one line per file: `{"file", "outcome"}`), and the test asserts the outcomes are
//! byte-identical: a change that means to keep the findings (a faster validator) proves it here; a change that
//! means to alter them re-blesses the file with `GPC_CORPUS_BLESS=1` and its diff shows what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use gpc_assure::config::DefinitionSources;
use gpc_assure::fhir::FhirPath;
use gpc_assure::spine::catalogue::Capability;
use gpc_assure::validate::{Issue, Severity, Store, Validators};
use serde_json::Value;

/// Example folders, relative to the shared FHIR folder.
const ROOTS: [&str; 3] = [
    "nhsconnect-gpconnect-spec-examples",
    "nhsconnect-gpconnect-messaging-examples",
    "nhsconnect-STU3-FHIR-Assets/Examples",
];
/// Sub-folders that hold test data rather than examples.
const SKIPPED_DIRS: [&str; 1] = ["testing"];
/// The list of spec example files that are fragments or placeholders (relative to the spec examples folder).
const INVALID_JSON: &str = "nhsconnect-gpconnect-spec-examples/INVALID_JSON.txt";
const HEADER: &str = "file,verdict,errors,reason";
/// What real GP systems served (through the NHS GP2GP adaptor's mock), relative to the shared FHIR folder.
const REAL_WORLD: &str = "realworld-gp2gp-adaptor";
/// Real-world files the adaptor's own tests treat as negatives, and the rule that must catch each for its reason.
const NEGATIVES: [(&str, &str, &str); 2] = [
    (
        "realworld-gp2gp-adaptor/structured/malformedDateStructuredRecord.json",
        "primitive-format",
        "onsetDateTime",
    ),
    (
        "realworld-gp2gp-adaptor/structured/malformedStructuredRecordMissingPatientResource.json",
        "structured-record-patient",
        "Bundle.entry",
    ),
];

fn table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/verdicts.csv")
}

fn real_world_table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/realworld.csv")
}

/// The shared FHIR folder that holds the examples.
fn shared_folder() -> PathBuf {
    let path = FhirPath::resolve(&[], &[]);
    let folders = path
        .existing()
        .expect("the shared FHIR folder (../shared/fhir or GPC_FHIR_PATH)");
    folders
        .into_iter()
        .find(|f| f.join(ROOTS[0]).is_dir())
        .unwrap_or_else(|| panic!("no folder of the FHIR path holds {}", ROOTS[0]))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                collect(&p, out);
            }
        } else if name.ends_with(".json") || name.ends_with(".xml") {
            out.push(p);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    Unreadable,
    Pending,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Unreadable => "unreadable",
            Verdict::Pending => "pending",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "valid" => Verdict::Valid,
            "invalid" => Verdict::Invalid,
            "unreadable" => Verdict::Unreadable,
            "pending" => Verdict::Pending,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct Row {
    verdict: Verdict,
    errors: usize,
    reason: String,
}

/// What the validator says about one file.
struct Outcome {
    verdict: Verdict,
    errors: usize,
    /// Why the file cannot be read, or every issue found.
    detail: Vec<String>,
    /// The lines of `detail` worth showing in a difference: errors and profiles that could not be used.
    salient: Vec<String>,
    /// The whole OperationOutcome (compact JSON), or why the file cannot be read.
    stored: String,
}

/// Splits one CSV line (fields may be double-quoted, `""` inside quotes is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn read_table(path: &Path) -> (BTreeMap<String, Row>, Vec<String>) {
    let mut rows = BTreeMap::new();
    let mut problems = Vec::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for (n, line) in text.lines().enumerate() {
        if n == 0 {
            if line != HEADER {
                problems.push(format!("table header must be `{HEADER}`, found `{line}`"));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let f = csv_fields(line);
        let parsed = (f.len() == 4)
            .then(|| Some((Verdict::parse(&f[1])?, f[2].parse::<usize>().ok()?)))
            .flatten();
        match parsed {
            Some((verdict, errors)) => {
                let row = Row {
                    verdict,
                    errors,
                    reason: f[3].clone(),
                };
                if rows.insert(f[0].clone(), row).is_some() {
                    problems.push(format!("table line {}: {} is listed twice", n + 1, f[0]));
                }
            }
            None => problems.push(format!("table line {} is malformed: {line}", n + 1)),
        }
    }
    (rows, problems)
}

fn write_table(path: &Path, rows: &BTreeMap<String, Row>) {
    let mut out = String::from(HEADER);
    out.push('\n');
    for (file, row) in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_quote(file),
            row.verdict.as_str(),
            row.errors,
            csv_quote(&row.reason)
        ));
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, out).unwrap();
}

/// The capability whose definition sources judge an example: the harness validates each capability's payloads
/// with that capability's definitions (Foundations and Appointments 1.2.7, Structured 1.6.2, messaging 1.3.0,
/// HTML 0.7.x on DSTU2).
fn capability(file: &str, text: &str) -> Capability {
    if let Some(rest) = file.strip_prefix(REAL_WORLD) {
        // Documents searches and Binaries by Access Document; structured records and the error responses of both
        // by Access Record Structured (the error table and OperationOutcome profile are common to both).
        return if rest.starts_with("/documents/") {
            Capability::Documents
        } else {
            Capability::Structured
        };
    }
    // GP Connect 0.x (Access Record HTML) is DSTU2 and names its profiles under fhir.nhs.net.
    if text.contains("http://fhir.nhs.net/StructureDefinition/") {
        Capability::Html
    } else if file.contains("/appointments/") {
        Capability::Appointments
    } else if file.contains("/accessrecord_structured/")
        || file.contains("/access_documents/")
        || file.starts_with(ROOTS[2])
    {
        // The Examples of STU3-FHIR-Assets are judged by the definitions published beside them (the ITK
        // response codes 20015 and 30004 exist only there): the Structured sources put those first.
        Capability::Structured
    } else if file.starts_with(ROOTS[1]) {
        Capability::Documents
    } else {
        Capability::Foundations
    }
}

fn describe(i: &Issue) -> String {
    format!(
        "{} {}: {} [{}; {}]",
        i.severity.as_str(),
        i.expression,
        i.message,
        i.rule,
        i.profile
    )
}

fn judge(
    validators: &Validators,
    fhir_path: &FhirPath,
    file: &str,
    path: &Path,
    listed_unreadable: bool,
) -> Outcome {
    let unreadable = |why: String| Outcome {
        verdict: Verdict::Unreadable,
        errors: 0,
        detail: vec![why.clone()],
        stored: serde_json::json!({ "unreadable": why }).to_string(),
        salient: vec![why],
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return unreadable(format!("cannot read: {e}")),
    };
    let listed = if listed_unreadable {
        " (listed in INVALID_JSON.txt)"
    } else {
        ""
    };
    let resource: Value = if text.trim_start().starts_with('<') {
        let model = match gpc_assure::fhir::stu3_model(fhir_path) {
            Ok(m) => m,
            Err(e) => return unreadable(format!("no STU3 element model: {e}")),
        };
        match gpc_assure::fhir::xml::xml_to_json(&text, &model) {
            Ok(r) => r,
            Err(e) => return unreadable(format!("not FHIR XML: {e}")),
        }
    } else {
        match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => return unreadable(format!("not JSON{listed}: {e}")),
        }
    };
    if listed_unreadable {
        return unreadable("listed in INVALID_JSON.txt".into());
    }
    let cap = capability(file, &text);
    let validator = validators
        .get(cap)
        .unwrap_or_else(|| panic!("no validator for capability {}", cap.tag()));
    // Real error responses are judged as `run` judges them: against GP Connect's OperationOutcome profile.
    let operation_outcome =
        resource.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome");
    let issues = if file.starts_with(REAL_WORLD) && operation_outcome {
        validator.validate_expecting(
            &resource,
            &[gpc_assure::spine::headers::profile::OPERATION_OUTCOME],
        )
    } else {
        validator.validate(&resource, &[])
    };
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let pending = issues
        .iter()
        .any(|i| i.rule == "profile-resolve" && i.message.contains("has no snapshot"));
    let verdict = if pending {
        Verdict::Pending
    } else if errors > 0 {
        Verdict::Invalid
    } else {
        Verdict::Valid
    };
    Outcome {
        verdict,
        errors,
        // Where the definitions were looked for is the machine's, not a finding.
        stored: gpc_assure::validate::operation_outcome(&issues)
            .to_string()
            .replace(&fhir_path.searched(), "<FHIR path>"),
        detail: issues.iter().map(describe).collect(),
        salient: issues
            .iter()
            .filter(|i| i.severity == Severity::Error || i.rule == "profile-resolve")
            .map(describe)
            .collect(),
    }
}

#[test]
fn every_official_example_has_its_recorded_verdict() {
    let shared = shared_folder();
    let listed: BTreeSet<String> = std::fs::read_to_string(shared.join(INVALID_JSON))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':').map(|(f, _)| f.trim()))
        .map(|f| format!("{}/{f}", ROOTS[0]))
        .collect();
    let outcomes = check_corpus(&shared, &ROOTS, &listed, &table_path(), 100);
    let _ = outcomes;
}

/// What real GP systems served: every file has a verdict, each invalid one its defects (checked against the
/// profiles; `docs/notes/realworld-structured-triage.md` traces each kind), and each negative of the adaptor's
/// own tests is caught for its reason.
#[test]
fn every_real_world_record_has_its_recorded_verdict() {
    let shared = shared_folder();
    let outcomes = check_corpus(
        &shared,
        &[REAL_WORLD],
        &BTreeSet::new(),
        &real_world_table_path(),
        50,
    );
    for (file, rule, at) in NEGATIVES {
        let o = outcomes
            .get(file)
            .unwrap_or_else(|| panic!("{file} is missing"));
        assert!(
            o.detail.iter().any(|d| d.starts_with("error")
                && d.contains(at)
                && d.contains(&format!("[{rule};"))),
            "{file} is not caught by {rule} at {at}:\n{}",
            indent(&o.salient)
        );
    }
}

/// Validates every file under `roots` and compares the verdicts with `table`; returns the outcomes by file.
fn check_corpus(
    shared: &Path,
    roots: &[&str],
    listed: &BTreeSet<String>,
    table_file: &Path,
    at_least: usize,
) -> BTreeMap<String, Outcome> {
    let mut files = Vec::new();
    for root in roots {
        collect(&shared.join(root), &mut files);
    }
    let files: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(shared)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert!(
        files.len() > at_least,
        "only {} files found under {}",
        files.len(),
        roots.join(", ")
    );

    let fhir_path = FhirPath::resolve(&[], &[]);
    let outcomes = validate_all(shared, &files, listed, &fhir_path);
    // Again with fresh validators: their plans now come from the plans kept on disk by the first pass (or by an
    // earlier run of this test binary), and must give the same OperationOutcome, byte for byte.
    let again = validate_all(shared, &files, listed, &fhir_path);
    let differing: Vec<&String> = outcomes
        .iter()
        .filter(|(file, o)| again.get(file.as_str()).map(|a| &a.stored) != Some(&o.stored))
        .map(|(file, _)| file)
        .collect();
    assert!(
        differing.is_empty(),
        "validators with the kept plans judged {} file(s) differently: {differing:?}",
        differing.len()
    );
    check_outcomes(&outcomes, table_file);
    // Every invariant a native form answered (ext-1, dom-1..4, the first half of ref-1, ...) was evaluated again
    // by the FHIRPath evaluator in this debug build: the answers must agree on every node of the corpus.
    if let Some((answered, differences)) = gpc_assure::validate::fhirpath::native_cross_check() {
        assert!(answered > 0, "no invariant was answered by a native form");
        assert!(
            differences.is_empty(),
            "native invariant forms differ from the evaluator {} time(s): {:?}",
            differences.len(),
            &differences[..differences.len().min(10)]
        );
    }
    outcomes
}

/// Every file's outcome, from validators over a fresh store (in the order of `files`).
fn validate_all(
    shared: &Path,
    files: &[String],
    listed: &BTreeSet<String>,
    fhir_path: &FhirPath,
) -> BTreeMap<String, Outcome> {
    let store = Store::new(fhir_path.clone()).expect("FHIR definitions");
    let validators = Validators::new(&store, &DefinitionSources::default());

    // Validate on every core: the big Send Document messages dominate.
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let mut outcomes: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(k) else { break };
                        let outcome = judge(
                            &validators,
                            fhir_path,
                            file,
                            &shared.join(file),
                            listed.contains(file),
                        );
                        done.push((k, outcome));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    outcomes.sort_by_key(|(k, _)| *k);
    outcomes
        .into_iter()
        .map(|(k, o)| (files[k].clone(), o))
        .collect()
}

/// Holds the outcomes to the verdict table and the stored OperationOutcomes.
fn check_outcomes(outcomes: &BTreeMap<String, Outcome>, table_file: &Path) {
    if std::env::var_os("GPC_CORPUS_VERBOSE").is_some() {
        for (file, o) in outcomes {
            println!("{file}: {} ({} errors)", o.verdict.as_str(), o.errors);
            for d in &o.detail {
                println!("    {d}");
            }
        }
    }

    let (mut table, mut problems) = read_table(table_file);
    if std::env::var_os("GPC_CORPUS_BLESS").is_some() {
        let blessed: BTreeMap<String, Row> = outcomes
            .iter()
            .map(|(file, o)| {
                let reason = table
                    .get(file.as_str())
                    .map(|r| r.reason.clone())
                    .unwrap_or_default();
                let row = Row {
                    verdict: o.verdict,
                    errors: o.errors,
                    reason,
                };
                (file.clone(), row)
            })
            .collect();
        write_table(table_file, &blessed);
        eprintln!("rewrote {}", table_file.display());
        table = blessed;
        problems.clear();
    }

    for (file, o) in outcomes {
        let Some(row) = table.get(file.as_str()) else {
            problems.push(format!(
                "{file}: not in the table; validator says {} ({} errors)\n{}",
                o.verdict.as_str(),
                o.errors,
                indent(&o.salient)
            ));
            continue;
        };
        if row.verdict != o.verdict || row.errors != o.errors {
            problems.push(format!(
                "{file}: table says {} ({} errors), validator says {} ({} errors)\n{}",
                row.verdict.as_str(),
                row.errors,
                o.verdict.as_str(),
                o.errors,
                indent(&o.salient)
            ));
        }
        if row.verdict != Verdict::Valid && row.reason.trim().is_empty() {
            problems.push(format!(
                "{file}: the {} row needs a one-line reason",
                row.verdict.as_str()
            ));
        }
    }
    for file in table.keys() {
        if !outcomes.contains_key(file.as_str()) {
            problems.push(format!(
                "{file}: in the table, but there is no such example file"
            ));
        }
    }
    problems.extend(compare_outcomes(table_file, outcomes));
    let count = |v: Verdict| outcomes.values().filter(|o| o.verdict == v).count();
    eprintln!(
        "{} examples: {} valid, {} invalid, {} unreadable, {} pending",
        outcomes.len(),
        count(Verdict::Valid),
        count(Verdict::Invalid),
        count(Verdict::Unreadable),
        count(Verdict::Pending)
    );
    assert!(
        problems.is_empty(),
        "{} difference(s) from {} (GPC_CORPUS_BLESS=1 rewrites the counts):\n\n{}",
        problems.len(),
        table_file.display(),
        problems.join("\n\n")
    );
}

/// The stored outcomes beside `table_file`: `outcomes-<table>.jsonl`.
fn outcomes_path(table_file: &Path) -> PathBuf {
    let stem = table_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if stem == "verdicts" {
        "official"
    } else {
        &stem
    };
    table_file.with_file_name(format!("outcomes-{name}.jsonl"))
}

/// Differences between the outcomes and the stored ones (rewritten first under `GPC_CORPUS_BLESS`).
fn compare_outcomes(table_file: &Path, outcomes: &BTreeMap<String, Outcome>) -> Vec<String> {
    let path = outcomes_path(table_file);
    if std::env::var_os("GPC_CORPUS_BLESS").is_some() {
        let mut out = String::new();
        for (file, o) in outcomes {
            out.push_str(&format!(
                "{{\"file\":{},\"outcome\":{}}}\n",
                serde_json::to_string(file).unwrap(),
                o.stored
            ));
        }
        std::fs::write(&path, out).unwrap();
        eprintln!("rewrote {}", path.display());
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut stored = BTreeMap::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let parsed: Option<(String, String)> =
            serde_json::from_str::<Value>(line).ok().and_then(|v| {
                Some((
                    v.get("file")?.as_str()?.to_string(),
                    v.get("outcome")?.to_string(),
                ))
            });
        match parsed {
            Some((file, outcome)) => {
                stored.insert(file, outcome);
            }
            None => problems.push(format!(
                "{}:{}: not a stored outcome",
                path.display(),
                n + 1
            )),
        }
    }
    for (file, o) in outcomes {
        match stored.get(file) {
            None => problems.push(format!("{file}: no stored outcome in {}", path.display())),
            Some(before) if *before != o.stored => {
                problems.push(format!(
                    "{file}: the OperationOutcome differs from the stored one in {}\n{}",
                    path.display(),
                    first_difference(before, &o.stored)
                ));
            }
            Some(_) => {}
        }
    }
    for file in stored.keys() {
        if !outcomes.contains_key(file) {
            problems.push(format!("{file}: a stored outcome, but no such file"));
        }
    }
    problems
}

/// The first issue at which two stored outcomes differ, both sides shown.
fn first_difference(before: &str, now: &str) -> String {
    let issues = |s: &str| -> Vec<String> {
        serde_json::from_str::<Value>(s)
            .ok()
            .and_then(|v| v.get("issue").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .map(Value::to_string)
            .collect()
    };
    let (b, n) = (issues(before), issues(now));
    let at = b.iter().zip(&n).take_while(|(x, y)| x == y).count();
    format!(
        "    {} issues before, {} now; first difference at issue {at}:\n    before: {}\n    now:    {}",
        b.len(),
        n.len(),
        b.get(at).map_or("(none)", String::as_str),
        n.get(at).map_or("(none)", String::as_str)
    )
}

/// At most `SHOWN` lines of issues, indented.
fn indent(lines: &[String]) -> String {
    const SHOWN: usize = 30;
    let mut out: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|l| format!("    {l}"))
        .collect();
    if lines.len() > SHOWN {
        out.push(format!(
            "    ... and {} more (GPC_CORPUS_VERBOSE=1 shows every issue)",
            lines.len() - SHOWN
        ));
    }
    out.join("\n")
}
