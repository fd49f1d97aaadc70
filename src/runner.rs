//! Runs the Gherkin suite against a provider (the embedded reference provider or an external one), collects
//! one outcome per scenario, and writes JUnit, cucumber JSON and evidence.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::event::{ScenarioFinished, StepError};
use cucumber::gherkin::{self, tagexpr::TagOperation, GherkinEnv};
use cucumber::World as _;
use futures::FutureExt as _;

use crate::client::HttpClient;
use crate::clock::Clock;
use crate::config::Config;
use crate::fhir::{DefsError, FhirPath};
use crate::provider::{self, FaultSet, ProviderOptions};
use crate::report::{self, safe_component, ScenarioOutcome};
use crate::spine::catalogue::Interaction;
use crate::spine::headers::profile;
use crate::steps::{GpcWorld, RunContext};

/// Which provider the suite runs against.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Start the reference provider in-process on a free loopback port (optionally with faults).
    Embedded(FaultSet),
    /// An external provider's base URL; service roots follow the config.
    External(String),
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A live line on a terminal, plain lines otherwise.
    Auto,
    /// One line per scenario.
    Plain,
    Quiet,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: Config,
    pub target: Target,
    pub features: PathBuf,
    pub tags: Option<String>,
    pub report_dir: PathBuf,
    pub fhir_path: FhirPath,
    pub progress: Progress,
    /// The clock of the harness and of the embedded provider (`--now`).
    pub clock: Clock,
}

/// The run could not start or finish its reports (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("--tags `{expr}` is not a tag expression: {reason}")]
    Tags { expr: String, reason: String },
    #[error("features folder {0} does not exist or holds no .feature files; pass --features DIR")]
    NoFeatures(PathBuf),
    #[error("feature file {path}: {reason}")]
    Feature { path: PathBuf, reason: String },
    #[error("no scenario matches --tags `{0}`")]
    NothingSelected(String),
    #[error(transparent)]
    Definitions(#[from] DefsError),
    #[error("cannot start the reference provider: {0}")]
    Provider(#[from] provider::ProviderError),
    #[error("provider {url} is unreachable ({reason}); check --provider and that the provider is running")]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    Client(#[from] crate::client::ClientError),
    #[error("cannot write reports to {path}: {source}")]
    Reports {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub outcomes: Vec<ScenarioOutcome>,
    pub elapsed: Duration,
    pub report_dir: PathBuf,
    pub base_url: String,
}

impl RunSummary {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
    /// Names (`Feature :: Scenario`) of the failed scenarios.
    pub fn failed_names(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| format!("{} :: {}", o.feature, o.name))
            .collect()
    }
}

/// Feature files under `dir`, sorted.
pub fn feature_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "feature") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn tags_of(
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
    examples: Option<&gherkin::Examples>,
) -> Vec<String> {
    feature
        .tags
        .iter()
        .chain(&scenario.tags)
        .chain(examples.into_iter().flat_map(|e| &e.tags))
        .cloned()
        .collect()
}

/// Parses every feature file and counts the executable tests selected by `tags`.
pub fn count_selected(dir: &Path, tags: Option<&TagOperation>) -> Result<usize, RunError> {
    let files = feature_files(dir);
    if files.is_empty() {
        return Err(RunError::NoFeatures(dir.to_path_buf()));
    }
    let mut n = 0;
    for path in files {
        let f = gherkin::Feature::parse_path(&path, GherkinEnv::default()).map_err(|e| {
            RunError::Feature {
                path: path.clone(),
                reason: e.to_string(),
            }
        })?;
        let scenarios = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| &r.scenarios));
        for s in scenarios {
            let selected = |ex: Option<&gherkin::Examples>| {
                tags.is_none_or(|t| {
                    let all = tags_of(&f, s, ex);
                    tagexpr_eval(t, &all)
                })
            };
            if s.examples.is_empty() {
                n += usize::from(selected(None));
            } else {
                for ex in &s.examples {
                    let rows = ex
                        .table
                        .as_ref()
                        .map_or(0, |t| t.rows.len().saturating_sub(1));
                    if selected(Some(ex)) {
                        n += rows;
                    }
                }
            }
        }
    }
    Ok(n)
}

fn tagexpr_eval(op: &TagOperation, tags: &[String]) -> bool {
    use cucumber::tag::Ext as _;
    op.eval(tags.iter())
}

fn classname(feature_file: &str, feature: &str) -> String {
    let capability = Path::new(feature_file)
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("features");
    format!("gpc.{capability}.{}", safe_component(feature, 60))
}

fn step_error_text(e: &StepError) -> String {
    match e {
        StepError::Panic(info) => info
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_else(|| "step panicked".into()),
        other => other.to_string(),
    }
}

/// Requires the definitions the suite relies on, and reads the OperationOutcome facts from them.
fn definitions(fhir_path: &FhirPath) -> Result<(String, HashMap<String, String>), RunError> {
    let index = fhir_path.index()?;
    for i in Interaction::ALL {
        for p in i.response().profiles() {
            index.require(p)?;
        }
    }
    index.require(profile::OPERATION_OUTCOME)?;
    let system = index.fixed_value(
        profile::OPERATION_OUTCOME,
        "OperationOutcome.issue.details.coding.system",
    )?;
    let displays = index.code_displays(&system)?;
    Ok((system, displays))
}

async fn check_reachable(url: &str) -> Result<(), RunError> {
    let unreachable = |reason: String| RunError::Unreachable {
        url: url.to_string(),
        reason,
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| unreachable("the URL must start with http:// or https://".into()))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let addr = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable("no TCP connection within 5 s".into())),
    }
}

fn prepare_report_dir(dir: &Path) -> Result<(), RunError> {
    let err = |source| RunError::Reports {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let evidence = dir.join("evidence");
    if evidence.exists() {
        std::fs::remove_dir_all(&evidence).map_err(err)?;
    }
    std::fs::create_dir_all(&evidence).map_err(err)
}

/// Runs the suite and writes the reports.
pub async fn run(opts: RunOptions) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let tag_op = match &opts.tags {
        Some(expr) => Some(TagOperation::from_str(expr).map_err(|e| RunError::Tags {
            expr: expr.clone(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let total = count_selected(&opts.features, tag_op.as_ref())?;
    if total == 0 {
        return Err(RunError::NothingSelected(
            opts.tags.clone().unwrap_or_default(),
        ));
    }
    let (error_system, error_displays) = definitions(&opts.fhir_path)?;
    let (base_url, embedded) = match &opts.target {
        Target::Embedded(faults) => {
            let p = provider::start(
                "127.0.0.1:0",
                ProviderOptions {
                    asid: opts.config.provider_asid.clone(),
                    faults: faults.clone(),
                    fhir_path: opts.fhir_path.clone(),
                    roots: opts.config.service_roots.clone(),
                    clock: opts.clock,
                },
            )
            .await?;
            (p.base_url.clone(), Some(p))
        }
        Target::External(url) => {
            check_reachable(url).await?;
            (url.trim_end_matches('/').to_string(), None)
        }
    };
    prepare_report_dir(&opts.report_dir)?;
    let client = HttpClient::new(
        Duration::from_secs(opts.config.timeout_secs),
        opts.config.max_body_bytes,
    )?;
    let store = crate::validate::Store::new(opts.fhir_path.clone()).map_err(|e| {
        RunError::Definitions(DefsError::Read {
            path: PathBuf::from("FHIR path"),
            reason: e.to_string(),
        })
    })?;
    let validators = crate::validate::Validators::new(&store, &opts.config.definitions);
    let ctx = Arc::new(
        RunContext::new(
            opts.config.clone(),
            base_url.clone(),
            client,
            opts.fhir_path.clone(),
            error_system,
            error_displays,
            opts.clock,
        )
        .with_validators(validators),
    );
    let outcomes: Arc<Mutex<Vec<ScenarioOutcome>>> = Arc::new(Mutex::new(Vec::new()));
    let json_path = opts.report_dir.join("cucumber.json");
    let json_file = std::fs::File::create(&json_path).map_err(|source| RunError::Reports {
        path: json_path.clone(),
        source,
    })?;
    let live = opts.progress == Progress::Auto && std::io::stderr().is_terminal();
    let plain = opts.progress == Progress::Plain || (opts.progress == Progress::Auto && !live);
    let report_dir = opts.report_dir.clone();
    let cli: cucumber::cli::Opts<_, _, _, cucumber::cli::Empty> = cucumber::cli::Opts {
        tags_filter: tag_op,
        ..Default::default()
    };

    let _quiet_steps = QuietStepPanics::install();
    let features_arg = opts.features.clone();
    let before_ctx = ctx.clone();
    let after_outcomes = outcomes.clone();
    let features_root = opts
        .features
        .canonicalize()
        .unwrap_or_else(|_| opts.features.clone());
    GpcWorld::cucumber()
        .with_writer(cucumber::writer::Json::new(std::io::BufWriter::new(
            json_file,
        )))
        .with_cli(cli)
        .max_concurrent_scenarios(opts.config.concurrency)
        .which_scenario(|_, _, s| {
            if s.tags.iter().any(|t| t == "serial") {
                cucumber::ScenarioType::Serial
            } else {
                cucumber::ScenarioType::Concurrent
            }
        })
        .before(move |_, _, _, world| {
            world.ctx = before_ctx.clone();
            world.started = Some(Instant::now());
            async {}.boxed_local()
        })
        .after(move |feature, _, scenario, finished, mut world| {
            if let Some(w) = world.as_deref_mut() {
                w.finish();
            }
            let (passed, message) = match finished {
                ScenarioFinished::StepPassed => (true, None),
                ScenarioFinished::StepSkipped => (
                    false,
                    Some("a step has no matching step definition".to_string()),
                ),
                ScenarioFinished::StepFailed(_, _, e) => (false, Some(step_error_text(e))),
                ScenarioFinished::BeforeHookFailed(_) => {
                    (false, Some("the before hook failed".to_string()))
                }
            };
            let file = feature
                .path
                .as_ref()
                .map(|p| match p.strip_prefix(&features_root) {
                    Ok(rel) => features_arg.join(rel).display().to_string(),
                    Err(_) => p.display().to_string(),
                })
                .unwrap_or_default();
            let row = scenario
                .examples
                .first()
                .and_then(|e| e.table.as_ref())
                .filter(|t| t.rows.len() == 2)
                .map(|t| {
                    let cells: Vec<String> = t.rows[0]
                        .iter()
                        .zip(&t.rows[1])
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    format!(" [{}]", cells.join(", "))
                })
                .unwrap_or_default();
            let name = format!("{}{row}", scenario.name);
            let evidence_rel = format!(
                "evidence/{}/{}-L{}",
                safe_component(&feature.name, 40),
                safe_component(&scenario.name, 80),
                scenario.position.line
            );
            let (duration_ms, exchanges, validations) = match world.as_deref() {
                Some(w) => (
                    w.started
                        .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0),
                    w.exchanges.clone(),
                    w.validations.clone(),
                ),
                None => (0.0, Vec::new(), Vec::new()),
            };
            let outcome = ScenarioOutcome {
                feature: feature.name.clone(),
                feature_file: file.clone(),
                classname: classname(&file, &feature.name),
                name,
                line: scenario.position.line,
                tags: feature.tags.iter().chain(&scenario.tags).cloned().collect(),
                passed,
                message,
                duration_ms,
                evidence: evidence_rel.clone(),
                exchanges: exchanges.len(),
            };
            if let Err(e) = report::evidence::write(
                &report_dir.join(&evidence_rel),
                &outcome,
                &exchanges,
                &validations,
            ) {
                eprintln!("warning: cannot write evidence {evidence_rel}: {e}");
            }
            let mut all = after_outcomes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            all.push(outcome.clone());
            let done = all.len();
            drop(all);
            show_progress(&outcome, done, total, live, plain);
            async {}.boxed_local()
        })
        .run(opts.features.clone())
        .await;
    if live {
        eprintln!();
    }
    if let Some(p) = embedded {
        p.stop().await;
    }
    let outcomes = std::mem::take(
        &mut *outcomes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let junit = opts.report_dir.join("junit.xml");
    report::junit::write(&junit, &outcomes).map_err(|source| RunError::Reports {
        path: junit,
        source,
    })?;
    Ok(RunSummary {
        outcomes,
        elapsed: started.elapsed(),
        report_dir: opts.report_dir.clone(),
        base_url,
    })
}

/// Step failures are panics inside cucumber; their message is reported per scenario, so the default panic hook's
/// stderr line for them is noise. Panics anywhere else still reach the original hook.
///
/// cucumber swaps the process's panic hook for an empty one while it runs and puts back the one it found. Two
/// runs in one process (the kill matrix runs several at once) can then leave the empty hook installed for
/// good, and every later panic, a test's failed assertion included, would vanish without a word. So the
/// quiet hook is installed again after every run.
struct QuietStepPanics;

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

static ORIGINAL_HOOK: std::sync::OnceLock<PanicHook> = std::sync::OnceLock::new();

impl QuietStepPanics {
    fn install() -> Self {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            let original = std::panic::take_hook();
            let _ = ORIGINAL_HOOK.set(original);
        });
        Self::set_quiet_hook();
        QuietStepPanics
    }

    fn set_quiet_hook() {
        std::panic::set_hook(Box::new(|info| {
            let in_steps = info.location().is_some_and(|l| l.file().contains("steps/"));
            if !in_steps {
                if let Some(h) = ORIGINAL_HOOK.get() {
                    h(info);
                }
            }
        }));
    }
}

impl Drop for QuietStepPanics {
    fn drop(&mut self) {
        // Whatever cucumber left behind, the quiet hook (which passes every other panic on) is what stays.
        Self::set_quiet_hook();
    }
}

fn show_progress(o: &ScenarioOutcome, done: usize, total: usize, live: bool, plain: bool) {
    let mut err = std::io::stderr().lock();
    let mark = if o.passed { "PASS" } else { "FAIL" };
    if live {
        let _ = write!(
            err,
            "\r\x1b[2K[{done:>4}/{total}] {mark} {}: {}",
            o.feature,
            truncate(&o.name, 80)
        );
        if !o.passed {
            let _ = writeln!(
                err,
                "\n        {}",
                o.message.as_deref().unwrap_or_default()
            );
        }
    } else if plain {
        let _ = writeln!(
            err,
            "[{done:>4}/{total}] {mark} {}: {} ({:.0} ms)",
            o.feature, o.name, o.duration_ms
        );
        if !o.passed {
            let _ = writeln!(err, "        {}", o.message.as_deref().unwrap_or_default());
        }
    }
    let _ = err.flush();
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
