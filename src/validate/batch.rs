//! `gpc-assure validate`: files judged as a batch, one verdict per input in the order given, on every core.
//!
//! Each input is read, parsed, validated and written out as its part of the report by one thread of the pool;
//! the report is the parts joined in input order. Rendering in the pool keeps the serial tail of a batch (the
//! main thread joining the parts) to a copy of text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{json, Value};

use super::{operation_outcome, Issue, ReadError, Severity, Store, Validator};
use crate::config::Config;
use crate::fhir::{FhirPath, FhirVersion};
use crate::spine::catalogue::Capability;

/// The HL7 extension that names the input file of an OperationOutcome (as the HL7 validator writes it).
const OPERATION_OUTCOME_FILE: &str =
    "http://hl7.org/fhir/StructureDefinition/operationoutcome-file";

/// What `validate` was asked.
pub struct Batch<'a> {
    /// Profiles every input is validated against (none: each input's own claims and the catalogue's).
    pub profiles: &'a [String],
    /// The FHIR release of every input (`STU3`, `DSTU2`); else the capability's, else each input tells.
    pub fhir_version: Option<&'a str>,
    /// `text` or `json` (a Bundle of OperationOutcomes).
    pub format: &'a str,
    /// The capability whose definitions and error profile apply.
    pub capability: Option<&'a str>,
    /// The loaded configuration (its FHIR path and definition sources).
    pub config: &'a Config,
    /// Folders of definitions given on the command line.
    pub fhir_path: &'a [PathBuf],
    /// Threads (default: one per core).
    pub jobs: Option<usize>,
    /// The inputs, `-` for standard input.
    pub files: &'a [String],
}

/// What became of one input.
enum Verdict {
    Issues(Vec<Issue>),
    /// Not validated: (OperationOutcome issue code, reason).
    Failed(&'static str, String),
}

/// One input's part of the report, made where it was judged.
struct Part {
    /// Its lines of the text report (empty in the JSON format).
    text: String,
    /// Its Bundle entry (JSON format only).
    entry: Option<Value>,
    /// Why it could not be read, if it could not.
    unreadable: Option<String>,
    /// It was not validated, or has an error.
    failed: bool,
}

/// Judges every input and writes the report to standard output: exit 0 when every input is valid, 1 when one
/// has an error or could not be parsed, 2 when one could not be read.
pub fn run(batch: &Batch<'_>) -> anyhow::Result<ExitCode> {
    let (profiles, files, config) = (batch.profiles, batch.files, batch.config);
    let fhir_path = FhirPath::resolve(batch.fhir_path, &config.fhir_path);
    let store = Store::new(fhir_path.clone())?;
    let capability = batch
        .capability
        .and_then(|c| Capability::ALL.into_iter().find(|k| k.tag() == c));
    // The release: the flag, else the capability's, else a DSTU2 profile asked for, else each input tells.
    let fixed_version = match (batch.fhir_version.and_then(FhirVersion::parse), capability) {
        (Some(v), _) => Some(v),
        (None, Some(Capability::Html)) => Some(FhirVersion::Dstu2),
        (None, Some(_)) => Some(FhirVersion::Stu3),
        (None, None)
            if profiles
                .iter()
                .any(|p| p.starts_with("http://fhir.nhs.net/")) =>
        {
            Some(FhirVersion::Dstu2)
        }
        (None, None) => None,
    };
    // DSTU2 content resolves definitions as the HTML capability does (the 0.7.2 profiles and value sets).
    let stu3 = std::sync::Arc::new(Validator::new(std::sync::Arc::new(match capability {
        Some(cap) if cap != Capability::Html => store.preferring(config.definitions.get(cap)),
        _ => store.preferring(&[]),
    })));
    let dstu2 = std::sync::Arc::new(Validator::dstu2(std::sync::Arc::new(
        store.preferring(config.definitions.get(Capability::Html)),
    )));
    let profiles: Vec<&str> = profiles.iter().map(String::as_str).collect();
    // An error response is judged against the GP Connect OperationOutcome of the capability, as `run` does.
    let expected: Vec<&str> = match capability {
        Some(Capability::Html) => {
            vec![crate::spine::headers::profile::DSTU2_OPERATION_OUTCOME]
        }
        Some(_) => vec![crate::spine::headers::profile::OPERATION_OUTCOME],
        None => Vec::new(),
    };
    let json_format = batch.format == "json";
    // Every input gets a verdict: one that cannot be read or parsed is reported and the batch goes on.
    thread_local! {
        static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let judge_input = |name: &String, buf: &mut Vec<u8>| -> Verdict {
        let read: Result<&str, String> = match read_input_into(name, buf) {
            Err(e) => Err(format!("{e:#}")),
            Ok(()) => std::str::from_utf8(buf).map_err(|_| {
                let what = if name == "-" {
                    "standard input".to_string()
                } else {
                    name.clone()
                };
                format!("cannot read {what}: stream did not contain valid UTF-8")
            }),
        };
        match read {
            Err(e) => Verdict::Failed("exception", e),
            Ok(text) => {
                let body = text.strip_prefix('\u{feff}').unwrap_or(text);
                let is_xml = body.trim_start().starts_with('<');
                // JSON is parsed once, for its release and for its validation.
                let json = (!is_xml).then(|| crate::fhir::json::parse(body));
                let version = fixed_version.unwrap_or_else(|| {
                    let told = match &json {
                        None => FhirVersion::detect_xml(body),
                        Some(parsed) => parsed.as_ref().ok().and_then(FhirVersion::detect),
                    };
                    told.unwrap_or(FhirVersion::Stu3)
                });
                let validator = match version {
                    FhirVersion::Dstu2 => dstu2.clone(),
                    FhirVersion::Stu3 => stu3.clone(),
                };
                let parsed = match json {
                    Some(parsed) => parsed.map_err(ReadError::Json),
                    None => validator.read(body),
                }
                .map_err(|e| match e {
                    ReadError::Xml { source, .. } => format!("{name} is not FHIR XML: {source}"),
                    ReadError::Json(e) => format!("{name} is not JSON: {e}"),
                    model @ ReadError::Model { .. } => format!("{name}: {model}"),
                });
                match parsed {
                    Err(reason) => Verdict::Failed("structure", reason),
                    Ok(resource) => {
                        Verdict::Issues(if profiles.is_empty() && !expected.is_empty() {
                            validator.validate_expecting(&resource, &expected)
                        } else {
                            validator.validate(&resource, &profiles)
                        })
                    }
                }
            }
        }
    };
    let judge = |name: &String| -> Part {
        let verdict = INPUT.with_borrow_mut(|buf| judge_input(name, buf));
        render(name, verdict, json_format)
    };
    let threads = batch
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let parts: Vec<Part> = if threads <= 1 || files.len() <= 1 {
        files.iter().map(judge).collect()
    } else {
        use rayon::prelude::*;
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start the validation threads")?
            .install(|| files.par_iter().map(judge).collect())
    };
    // The definitions and plans go with the process: freeing them one by one costs a tenth of a cold start.
    std::mem::forget((stu3, dstu2, store));
    let mut any_error = false;
    let mut unreadable: Vec<String> = Vec::new();
    let mut outcomes: Vec<Value> = Vec::new();
    // One buffer, written at once (a batch's thousands of lines were as many writes).
    let mut report = String::with_capacity(parts.iter().map(|p| p.text.len()).sum());
    for part in parts {
        any_error |= part.failed;
        unreadable.extend(part.unreadable);
        outcomes.extend(part.entry);
        report.push_str(&part.text);
    }
    if json_format {
        let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": outcomes });
        report = serde_json::to_string_pretty(&bundle)?;
        report.push('\n');
    }
    crate::output::print(&report);
    if !unreadable.is_empty() {
        eprintln!(
            "error: {} of {} input(s) not validated: {}",
            unreadable.len(),
            files.len(),
            unreadable.join("; ")
        );
        return Ok(ExitCode::from(2));
    }
    Ok(if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One input's part of the report.
fn render(name: &str, verdict: Verdict, json_format: bool) -> Part {
    use std::fmt::Write as _;
    let unreadable = match &verdict {
        Verdict::Failed("exception", reason) => Some(reason.clone()),
        _ => None,
    };
    let failed =
        !matches!(&verdict, Verdict::Issues(i) if !i.iter().any(|i| i.severity == Severity::Error));
    if json_format {
        let mut oo = match &verdict {
            Verdict::Issues(issues) => operation_outcome(issues),
            Verdict::Failed(code, reason) => json!({
                "resourceType": "OperationOutcome",
                "issue": [{ "severity": "fatal", "code": code, "diagnostics": reason }]
            }),
        };
        oo["extension"] = json!([{ "url": OPERATION_OUTCOME_FILE, "valueString": name }]);
        return Part {
            text: String::new(),
            entry: Some(json!({ "resource": oo })),
            unreadable,
            failed,
        };
    }
    let mut text = String::new();
    match verdict {
        Verdict::Failed(_, reason) => {
            let _ = writeln!(text, "{name}: not validated: {reason}");
        }
        Verdict::Issues(issues) => {
            let errors = issues
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .count();
            let _ = writeln!(
                text,
                "{name}: {errors} error(s), {} other issue(s)",
                issues.len() - errors
            );
            for i in &issues {
                let _ = writeln!(
                    text,
                    "  {:<11} {}: {} [{}; {}]",
                    i.severity.as_str(),
                    i.expression,
                    i.message,
                    i.rule,
                    i.profile
                );
            }
        }
    }
    Part {
        text,
        entry: None,
        unreadable,
        failed,
    }
}

/// Reads a file (or standard input for `-`) into `buf`, replacing what it held: `validate` reads every input
/// into one buffer per thread, so a batch does not ask the system for fresh memory per file.
fn read_input_into(name: &str, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    use std::io::Read as _;
    buf.clear();
    if name == "-" {
        std::io::stdin()
            .read_to_end(buf)
            .context("cannot read standard input")?;
    } else {
        std::fs::File::open(name)
            .and_then(|mut f| f.read_to_end(buf))
            .with_context(|| format!("cannot read {name}"))?;
    }
    Ok(())
}
