//! `gpc-assure consumer demo <task>`: performs one task as the reference consumer and prints its [`Outcome`] as
//! JSON. Exit status: 0 the task completed, 1 the provider answered with an error (or could not be reached), 2
//! bad usage (unknown task or fault, missing or malformed parameter), each with one sentence on standard error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::fault::{self, ConsumerFault};
use super::{perform_as, DemoIdentity, Outcome};
use crate::clock::Clock;
use crate::config::Config;
use crate::consumer::task::{Task, TaskRequest, CONTEXT_PARAMETERS};

/// Environment variable with comma-separated consumer faults (added to `--fault`).
pub const FAULTS_ENV: &str = "GPC_CONSUMER_FAULTS";

/// Arguments of `consumer demo`.
#[derive(clap::Args, Debug, Clone, Default, PartialEq)]
pub struct DemoArgs {
    /// The task to perform (read_metadata, find_patient, book_appointment, ...; `--list` shows them all).
    #[arg(value_name = "TASK", required_unless_present = "list")]
    pub task: Option<String>,
    /// A task parameter, `name=value` (repeatable): the task's own (`nhs_number`, `start`, ...) or the
    /// provider's (`base_url`, `foundations_url`, `appointments_url`, `structured_url`, `documents_url`,
    /// `provider_asid`, `provider_ods_code`, `now`). A parameter not given is read from `GPC_<NAME>`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// A consumer fault to inject (repeatable; also GPC_CONSUMER_FAULTS, comma-separated).
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<String>,
    /// The consumer's ASID (`Ssp-From`); default: the config's `consumer_asid`, else the harness default.
    #[arg(long, value_name = "ASID")]
    pub consumer_asid: Option<String>,
    /// YAML config whose `consumer_asid` and `jwt` identity the consumer uses.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Start the consumer's clock at this instant (RFC 3339); it runs on in real time. Also the `now` parameter
    /// or GPC_NOW.
    #[arg(long, value_name = "INSTANT")]
    pub now: Option<String>,
    /// List the tasks (with their parameters) and the consumer faults, and exit.
    #[arg(long)]
    pub list: bool,
}

/// The task and faults the arguments and the environment (`var`) ask for; `Err` is the usage sentence.
pub fn resolve(
    args: &DemoArgs,
    var: impl Fn(&str) -> Option<String>,
) -> Result<(TaskRequest, Vec<ConsumerFault>), String> {
    let name = args
        .task
        .as_deref()
        .ok_or("name the task to perform (`--list` shows them)")?;
    let task = Task::parse(name)?;
    let known: Vec<&str> = task
        .parameters()
        .iter()
        .chain(CONTEXT_PARAMETERS)
        .copied()
        .collect();
    let mut params = BTreeMap::new();
    for item in &args.set {
        let Some((k, v)) = item.split_once('=') else {
            return Err(format!("--set `{item}` is not name=value"));
        };
        let k = k.trim();
        if !known.contains(&k) {
            return Err(format!(
                "`{k}` is not a parameter of {task}; it takes {}",
                known.join(", ")
            ));
        }
        params.insert(k.to_string(), v.to_string());
    }
    for k in &known {
        if !params.contains_key(*k) {
            if let Some(v) = var(&format!("GPC_{}", k.to_ascii_uppercase())) {
                params.insert((*k).to_string(), v);
            }
        }
    }
    let mut faults = Vec::new();
    for f in &args.faults {
        faults.push(f.parse::<ConsumerFault>().map_err(|e| e.to_string())?);
    }
    if let Some(list) = var(FAULTS_ENV) {
        faults.extend(fault::parse_list(&list).map_err(|e| format!("{FAULTS_ENV}: {e}"))?);
    }
    Ok((TaskRequest { task, params }, faults))
}

fn listing() -> String {
    let mut out = String::from("Tasks:\n");
    for t in Task::ALL {
        out.push_str(&format!(
            "  {:<28} {}\n",
            t.name(),
            t.parameters().join(", ")
        ));
    }
    out.push_str(&format!(
        "  (every task also takes {})\n\nConsumer faults:\n",
        CONTEXT_PARAMETERS.join(", ")
    ));
    for f in ConsumerFault::ALL {
        out.push_str(&format!("  {:<34} {}\n", f.name(), f.description()));
    }
    out
}

/// Writes a line to standard output (see [`crate::output`]).
fn print(text: &str) {
    crate::output::print_line(format_args!("{text}"));
}

fn usage(sentence: &str) -> i32 {
    eprintln!("{sentence}");
    2
}

/// The identity the arguments ask for.
fn identity(args: &DemoArgs) -> Result<DemoIdentity, String> {
    let mut identity = match &args.config {
        Some(path) => DemoIdentity::from_config(&Config::load(path).map_err(|e| e.to_string())?),
        None => DemoIdentity::default(),
    };
    if let Some(asid) = &args.consumer_asid {
        identity.consumer_asid = asid.clone();
    }
    Ok(identity)
}

/// Runs `consumer demo`; returns the exit status.
pub async fn main_entry(args: DemoArgs) -> i32 {
    if args.list {
        print(listing().trim_end());
        return 0;
    }
    let (request, faults) = match resolve(&args, |k| std::env::var(k).ok()) {
        Ok(r) => r,
        Err(sentence) => return usage(&sentence),
    };
    let identity = match identity(&args) {
        Ok(i) => i,
        Err(sentence) => return usage(&sentence),
    };
    let now = args.now.as_deref().or(request.param("now"));
    let clock = match Clock::from_option_or_env(now) {
        Ok(c) => c,
        Err(e) => return usage(&e.to_string()),
    };
    match perform_as(&request, &faults, clock, &identity).await {
        Ok(outcome) => report(&outcome),
        Err(e) if e.is_usage() => usage(&e.to_string()),
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

/// Prints the outcome; the exit status it calls for.
fn report(outcome: &Outcome) -> i32 {
    match serde_json::to_string_pretty(outcome) {
        Ok(text) => print(&text),
        Err(e) => eprintln!("the outcome could not be written as JSON: {e}"),
    }
    match outcome.failures.first() {
        None => 0,
        Some(failure) => {
            eprintln!("{} did not complete: {failure}", outcome.task);
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(task: &str, set: &[&str], faults: &[&str]) -> DemoArgs {
        DemoArgs {
            task: Some(task.into()),
            set: set.iter().map(|s| s.to_string()).collect(),
            faults: faults.iter().map(|s| s.to_string()).collect(),
            ..DemoArgs::default()
        }
    }

    #[test]
    fn parameters_come_from_set_then_the_environment() {
        let env = |k: &str| match k {
            "GPC_NHS_NUMBER" => Some("9690937286".to_string()),
            "GPC_BASE_URL" => Some("http://env".to_string()),
            "GPC_CONSUMER_FAULTS" => Some("blind-retry".to_string()),
            _ => None,
        };
        let (r, faults) = resolve(
            &args("find_patient", &["base_url=http://set"], &["wrong-scope"]),
            env,
        )
        .expect("resolves");
        assert_eq!(r.task, Task::FindPatient);
        assert_eq!(r.param("base_url"), Some("http://set"));
        assert_eq!(r.param("nhs_number"), Some("9690937286"));
        assert_eq!(
            faults,
            vec![ConsumerFault::WrongScope, ConsumerFault::BlindRetry]
        );
    }

    #[derive(clap::Parser, Debug)]
    struct Wrapper {
        #[command(flatten)]
        demo: DemoArgs,
    }

    #[test]
    fn the_arguments_flatten_into_a_command() {
        use clap::{CommandFactory, Parser};
        Wrapper::command().debug_assert();
        let w = Wrapper::try_parse_from([
            "demo",
            "book_appointment",
            "--set",
            "nhs_number=9690937278",
            "--fault",
            "blind-retry",
            "--fault",
            "wrong-scope",
        ])
        .expect("parses");
        assert_eq!(w.demo.task.as_deref(), Some("book_appointment"));
        assert_eq!(w.demo.faults, ["blind-retry", "wrong-scope"]);
        assert!(Wrapper::try_parse_from(["demo", "--list"]).is_ok());
        assert!(Wrapper::try_parse_from(["demo"]).is_err());
    }

    #[test]
    fn bad_usage_is_one_sentence() {
        let none = |_: &str| None;
        let e = resolve(&args("book", &[], &[]), none).expect_err("unknown task");
        assert!(e.contains("book_appointment"), "{e}");
        let e = resolve(&args("find_patient", &["colour=red"], &[]), none).expect_err("param");
        assert!(e.contains("nhs_number"), "{e}");
        let e = resolve(&args("find_patient", &[], &["nope"]), none).expect_err("fault");
        assert!(e.contains("wrong-scope"), "{e}");
        assert!(listing().contains("no-reread-on-conflict"));
    }
}
