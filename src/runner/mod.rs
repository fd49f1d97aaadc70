//! Runs the Gherkin suite against a provider (the embedded reference provider or an external one), collects
//! one outcome per test, and writes JUnit, cucumber JSON, evidence and the failure blocks.
//!
//! - [`plan`]: the tests of the feature files, with their stable ids, requirements and guards;
//! - [`recorder`]: which Gherkin step of a failed test failed;
//! - [`progress`]: progress lines, the failure blocks at the end, and the quiet panic hook.

mod consumer;
pub mod features;
pub mod plan;
mod progress;
mod recorder;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::event::{ScenarioFinished, StepError};
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::World as _;
use futures::FutureExt as _;

use crate::client::HttpClient;
use crate::clock::Clock;
use crate::config::Config;
use crate::fhir::{DefinitionIndex, DefsError, FhirPath};
use crate::provider::tls::TlsServing;
use crate::provider::{self, FaultSet, ProviderOptions};
use crate::report::{self, safe_component, FailureReport, ScenarioOutcome, StepFailure};
use crate::spine::catalogue::Interaction;
use crate::spine::headers::profile;
use crate::steps::{GpcWorld, RunContext};
use crate::tls::certs::{ClientVariant, TestPki};
use crate::tls::TransportTarget;

use features::MemoryParser;
pub use features::{FeatureFile, FeatureSource};
pub use plan::{Plan, PlanError, TestCase};
pub use progress::Progress;
use progress::{Display, QuietStepPanics};
use recorder::{FailedSteps, StepRecorder};

/// Which provider the suite runs against.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Start the reference provider in-process on a free loopback port (optionally with faults).
    Embedded(FaultSet),
    /// An external provider's base URL; service roots follow the config.
    External(String),
    /// Consumer assurance: the reference provider inspects the consumer under test, which the config's
    /// `consumer` driver makes act (`gpc-assure consumer run`). Only `@consumer` scenarios run.
    Consumer,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: Config,
    pub target: Target,
    /// The feature files: the built-in set unless `--features DIR` names a folder.
    pub features: FeatureSource,
    pub tags: Option<String>,
    /// Only the tests with these ids (a scenario id selects all rows of an outline).
    pub ids: Option<Vec<String>>,
    pub report_dir: PathBuf,
    pub fhir_path: FhirPath,
    pub progress: Progress,
    /// The clock of the harness and of the embedded provider (`--now`).
    pub clock: Clock,
    /// Which tests get an evidence folder.
    pub evidence: Evidence,
    /// The embedded provider serves the whole suite over mutual TLS (with the generated test certificates).
    pub tls: bool,
}

/// Which tests get an evidence folder (`--evidence`). JUnit and cucumber JSON are always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Evidence {
    /// Every test (assurance runs).
    #[default]
    All,
    /// Failed tests only.
    Failed,
    /// None (self-assurance runs that only count failures).
    None,
}

impl Evidence {
    fn keeps(self, passed: bool) -> bool {
        match self {
            Self::All => true,
            Self::Failed => !passed,
            Self::None => false,
        }
    }
}

/// The run could not start or finish its reports (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("--tags `{expr}` is not a tag expression: {reason}")]
    Tags { expr: String, reason: String },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("no test matches {0}")]
    NothingSelected(String),
    #[error(transparent)]
    Definitions(#[from] DefsError),
    #[error("cannot start the reference provider: {0}")]
    Provider(#[from] provider::ProviderError),
    #[error("provider {url} is unreachable ({reason}); check --provider and that the provider is running")]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    Client(#[from] crate::client::ClientError),
    #[error("cannot make the test certificates: {0}")]
    Pki(String),
    #[error("cannot start the SSP stand-in: {0}")]
    Proxy(#[from] crate::spine::proxy::ProxyError),
    #[error("{0}")]
    Security(String),
    #[error("{0}")]
    Consumer(String),
    #[error("cannot set up Send Document: {0}")]
    SendDocument(#[from] crate::send_document::SetupError),
    #[error("{0}")]
    SendDocumentUnavailable(String),
    #[error("cannot write reports to {path}: {source}")]
    Reports {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// One outcome per test, in feature-file order.
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
    /// Ids of the failed tests.
    pub fn failed_ids(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| o.id.clone())
            .collect()
    }
    /// Names (`id Feature :: Scenario`) of the failed tests.
    pub fn failed_names(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| format!("{} {} :: {}", o.id, o.feature, o.name))
            .collect()
    }
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
fn definitions(index: &DefinitionIndex) -> Result<(String, HashMap<String, String>), RunError> {
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
    let evidence = dir.join(report::evidence::FOLDER);
    if evidence.exists() {
        std::fs::remove_dir_all(&evidence).map_err(err)?;
    }
    // A report of an earlier run in the folder must not pass for this one's.
    for stale in [report::html::FILE, report::run_record::FILE] {
        let path = dir.join(stale);
        if path.exists() {
            std::fs::remove_file(&path).map_err(err)?;
        }
    }
    std::fs::create_dir_all(&evidence).map_err(err)
}

/// What the after-hook knows of a finished test; completed into an outcome when the run ends.
struct Finished {
    case: TestCase,
    passed: bool,
    message: Option<String>,
    request: Option<String>,
    duration_ms: f64,
    exchanges: usize,
}

/// The tag of the Send Document tests.
const SEND_DOCUMENT_TAG: &str = "send-document";

/// How a run reaches MESH for its Send Document tests.
#[derive(Debug)]
enum SendDocumentMode {
    /// No Send Document test is selected.
    NotSelected,
    /// The MESH sandbox on loopback, with the reference receiver and sender (embedded target).
    Sandbox,
    /// The MESH service of `send_document.mesh_url`.
    Mesh,
    /// The tests cannot run, and why (with what to do).
    Unavailable(String),
}

fn send_document_mode(opts: &RunOptions, selected: &[&TestCase]) -> SendDocumentMode {
    if !selected
        .iter()
        .any(|c| c.tags.iter().any(|t| t == SEND_DOCUMENT_TAG))
    {
        return SendDocumentMode::NotSelected;
    }
    let settings = &opts.config.send_document;
    if settings.mesh_url.is_some() {
        return SendDocumentMode::Mesh;
    }
    match &opts.target {
        Target::Embedded(_) => {
            let python = settings.python();
            if python.is_file() {
                SendDocumentMode::Sandbox
            } else {
                SendDocumentMode::Unavailable(format!(
                    "the MESH sandbox is not installed ({} does not exist); install it with `python3 -m venv .venv-mesh && .venv-mesh/bin/pip install mesh-sandbox=={}` in this folder, or set GPC_MESH_SANDBOX_PYTHON or send_document.sandbox_python to its Python",
                    python.display(),
                    crate::mesh::sandbox::SANDBOX_VERSION
                ))
            }
        }
        _ => SendDocumentMode::Unavailable(
            "no MESH service is configured; set send_document.mesh_url, send_document.mailbox and the credentials' environment variables (README, \"Send Document\")".into(),
        ),
    }
}

/// The validator Send Document messages are read and checked with (STU3).
fn ctx_validator(
    validators: &crate::validate::Validators,
) -> Result<Arc<crate::validate::Validator>, RunError> {
    validators
        .get(crate::spine::Capability::Structured)
        .ok_or_else(|| RunError::SendDocumentUnavailable("no STU3 validator".into()))
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
    let files = opts.features.files()?;
    let plan = Plan::from_files(&files)?;
    let features = files
        .iter()
        .map(FeatureFile::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let consumer_run = opts.target == Target::Consumer;
    let mut selected: Vec<&TestCase> = plan
        .select(tag_op.as_ref(), opts.ids.as_deref())?
        .into_iter()
        .filter(|c| consumer::selects(c, consumer_run, &opts.config.consumer))
        .collect();
    if selected.is_empty() {
        let mut what = Vec::new();
        if let Some(t) = &opts.tags {
            what.push(format!("--tags `{t}`"));
        }
        if let Some(ids) = &opts.ids {
            what.push(format!("--id {}", ids.join(",")));
        }
        return Err(RunError::NothingSelected(what.join(" and ")));
    }
    let send_document = send_document_mode(&opts, &selected);
    let mut not_run = Vec::new();
    if let SendDocumentMode::Unavailable(why) = &send_document {
        let before = selected.len();
        selected.retain(|c| !c.tags.iter().any(|t| t == SEND_DOCUMENT_TAG));
        let left_out = before - selected.len();
        if selected.is_empty() {
            return Err(RunError::SendDocumentUnavailable(format!(
                "the {left_out} @send-document tests selected cannot run: {why}"
            )));
        }
        if opts.progress != Progress::Quiet {
            eprintln!("note: {left_out} @send-document tests are not run: {why}");
        }
        not_run.push(report::run_record::NotRun {
            tag: SEND_DOCUMENT_TAG.into(),
            count: left_out,
            reason: why.clone(),
        });
    }
    let display = Display::new(
        opts.progress,
        selected.iter().map(|c| c.file.display().to_string()),
    );
    let derived = plan.derived_ids();
    if derived > 0 && opts.progress != Progress::Quiet {
        eprintln!(
            "note: {derived} scenarios have no @id tag; their ids come from file and line and change when the file is edited"
        );
    }
    let total = selected.len();
    let by_location: Arc<BTreeMap<(PathBuf, usize), TestCase>> = Arc::new(
        selected
            .iter()
            .map(|c| ((c.file.clone(), c.line), (*c).clone()))
            .collect(),
    );
    // One definitions index for the run: the harness's checks, the validators and the embedded provider share it.
    let index = Arc::new(opts.fhir_path.index()?);
    let (error_system, error_displays) = definitions(&index)?;
    let has_tag = |tag: &str| selected.iter().any(|c| c.tags.iter().any(|t| t == tag));
    let (security_tests, ssp_tests) = (has_tag("security"), has_tag("ssp"));
    let mut consumer_harness = None;
    let (base_url, embedded, transport) = match &opts.target {
        Target::Consumer => {
            let (p, harness) = consumer::start(&opts, index.clone()).await?;
            consumer_harness = Some(harness);
            (
                p.base_url.clone(),
                Some(p),
                (TransportTarget::default(), None),
            )
        }
        Target::Embedded(faults) => {
            // The provider's TLS addresses (and the test PKI, generated once per process) only when a test uses
            // them or the whole run goes over TLS.
            let tls = (security_tests || ssp_tests || opts.tls)
                .then(|| {
                    let pki = TestPki::shared().map_err(RunError::Pki)?;
                    let mut serving = TlsServing::from_test_pki(&pki, faults);
                    serving.redirect_listen = Some("127.0.0.1:0".into());
                    if !opts.tls {
                        serving.plain_listen = Some("127.0.0.1:0".into());
                    }
                    Ok::<_, RunError>((pki, serving))
                })
                .transpose()?;
            let p = provider::start(
                "127.0.0.1:0",
                ProviderOptions {
                    asid: opts.config.provider_asid.clone(),
                    faults: faults.clone(),
                    fhir_path: opts.fhir_path.clone(),
                    roots: opts.config.service_roots.clone(),
                    clock: opts.clock,
                    index: Some(index.clone()),
                    disabled_areas: Vec::new(),
                    tls: tls.as_ref().map(|(_, serving)| serving.clone()),
                    inspector: None,
                    upstream: None,
                    html_default_time_frames: opts.config.html.default_time_frames.clone(),
                },
            )
            .await?;
            let base = p.plain_url.clone().unwrap_or_else(|| p.base_url.clone());
            let transport = match &tls {
                Some((pki, _)) => embedded_transport(pki, &p, ssp_tests, &opts.config).await?,
                None => (TransportTarget::default(), None),
            };
            (base, Some(p), transport)
        }
        Target::External(url) => {
            // Through a proxy, the proxy is the first hop to reach.
            let proxy = opts.config.http_proxy.as_ref();
            check_reachable(proxy.or(opts.config.spine_proxy.as_ref()).unwrap_or(url)).await?;
            let base = url.trim_end_matches('/').to_string();
            let mut transport = external_transport(&base, &opts.config)?;
            // Without a configured SSP, the @ssp tests go through a local stand-in presenting the harness's own
            // SSP certificate, as the embedded provider's do.
            let stand_in = match transport.client(ClientVariant::Valid) {
                Ok(identity)
                    if ssp_tests
                        && opts.config.spine_proxy.is_none()
                        && transport.tls_base_url.is_some() =>
                {
                    Some(
                        ssp_stand_in(identity.clone(), transport.ca_pem.clone(), &opts.config)
                            .await?,
                    )
                }
                _ => None,
            };
            transport.spine_proxy = stand_in.as_ref().map(|p| p.url.clone());
            (base, None, (transport, stand_in))
        }
    };
    let (transport, ssp_stand_in) = transport;
    prepare_report_dir(&opts.report_dir)?;
    // A `--tls` run presents the generated SSP certificate and trusts the generated CA; the client reads them
    // from files, which live in a private temporary folder for the run.
    let mut client_config = opts.config.clone();
    let pki_files = match (&opts.target, opts.tls) {
        (Target::Embedded(_), true) => {
            let pki = TestPki::shared().map_err(RunError::Pki)?;
            let files = PkiFiles::write(&pki).map_err(|e| RunError::Pki(e.to_string()))?;
            client_config.tls.default = files.settings();
            Some(files)
        }
        _ => None,
    };
    let client = HttpClient::from_config(&client_config, &base_url)?;
    let warnings = opts.config.tls.warnings();
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let store = crate::validate::Store::with_index(opts.fhir_path.clone(), index.clone());
    let validators = crate::validate::Validators::new(&store, &opts.config.definitions);
    let send_document = match send_document {
        SendDocumentMode::Sandbox => {
            let displays = index.code_displays(crate::itk::system::RESPONSE_CODES)?;
            let reader = ctx_validator(&validators)?;
            let faults = match &opts.target {
                Target::Embedded(f) => f.clone(),
                _ => Default::default(),
            };
            Some(Arc::new(
                crate::send_document::start_embedded(
                    &opts.config,
                    &faults,
                    opts.clock,
                    reader,
                    displays,
                    &opts.report_dir.join("mesh"),
                )
                .await?,
            ))
        }
        SendDocumentMode::Mesh => {
            let displays = index.code_displays(crate::itk::system::RESPONSE_CODES)?;
            Some(Arc::new(
                crate::send_document::connect(&opts.config, displays).await?,
            ))
        }
        SendDocumentMode::NotSelected | SendDocumentMode::Unavailable(_) => None,
    };
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
        .with_validators(validators)
        .with_transport(transport)
        .with_consumer(consumer_harness.clone())
        .with_send_document(send_document),
    );
    let captured = consumer::Captured::default();
    let finished: Arc<Mutex<Vec<Finished>>> = Arc::new(Mutex::new(Vec::new()));
    let json_path = opts.report_dir.join("cucumber.json");
    let json_file = std::fs::File::create(&json_path).map_err(|source| RunError::Reports {
        path: json_path.clone(),
        source,
    })?;
    let report_dir = opts.report_dir.clone();
    let evidence_mode = opts.evidence;
    let evidence_writer = Arc::new(report::evidence::EvidenceWriter::new(&opts.report_dir));
    let after_evidence = evidence_writer.clone();
    let started_at = opts.clock.now();
    let failed_steps = FailedSteps::default();
    let cli: cucumber::cli::Opts<_, _, _, cucumber::cli::Empty> = cucumber::cli::Opts::default();

    let quiet_steps = QuietStepPanics::install();
    let before_ctx = ctx.clone();
    let after_finished = finished.clone();
    let after_captured = captured.clone();
    let after_cases = by_location.clone();
    let after_display = display.clone();
    let before_cases = by_location.clone();
    let filter_cases = by_location.clone();
    GpcWorld::cucumber::<PathBuf>()
        .with_parser(MemoryParser)
        .with_writer(cucumber::writer::Normalize::new(
            cucumber::writer::Tee::new(
                cucumber::writer::Json::raw(std::io::BufWriter::new(json_file)),
                StepRecorder(failed_steps.clone()),
            ),
        ))
        .with_cli(cli)
        // One consumer acts at a time: a scenario's requests are those the inspector logs while it acts.
        .max_concurrent_scenarios(if consumer_run {
            1
        } else {
            opts.config.concurrency
        })
        .which_scenario(|_, _, s| {
            if s.tags.iter().any(|t| t == "serial") {
                cucumber::ScenarioType::Serial
            } else {
                cucumber::ScenarioType::Concurrent
            }
        })
        .before(move |feature, _, scenario, world| {
            world.ctx = before_ctx.clone();
            let file = feature.path.clone().unwrap_or_default();
            if let Some(case) = before_cases.get(&(file, scenario.position.line)) {
                world.stored.insert(
                    crate::steps::consumer::TEST_ID_KEY.to_string(),
                    case.id.clone(),
                );
            }
            world.started = Some(Instant::now());
            async {}.boxed_local()
        })
        .after(move |feature, _, scenario, outcome, mut world| {
            if let Some(w) = world.as_deref_mut() {
                w.finish();
            }
            let (passed, message) = match outcome {
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
            let file = feature.path.clone().unwrap_or_default();
            let case = after_cases
                .get(&(file.clone(), scenario.position.line))
                .cloned()
                .unwrap_or_else(|| TestCase {
                    id: format!("unplanned.L{}", scenario.position.line),
                    scenario_id: format!("unplanned.L{}", scenario.position.line),
                    title: scenario.name.clone(),
                    rule: scenario.name.clone(),
                    feature: feature.name.clone(),
                    file,
                    scenario_line: scenario.position.line,
                    line: scenario.position.line,
                    tags: scenario.tags.clone(),
                    specs: Vec::new(),
                    guards: Vec::new(),
                    row: Vec::new(),
                    derived_id: true,
                });
            let (duration_ms, request, exchanges) = match world.as_deref() {
                Some(w) => {
                    if evidence_mode.keeps(passed) {
                        let file = report::evidence::file_of(&case.file.display().to_string());
                        if let Err(e) = after_evidence.write(
                            &file,
                            &case.id,
                            &w.exchanges,
                            &w.validations,
                            &w.send_document.messages,
                        ) {
                            eprintln!("warning: cannot write the evidence of {}: {e}", case.id);
                        }
                    }
                    (
                        w.started
                            .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0),
                        w.last()
                            .or_else(|_| w.exchanges.last().ok_or(()))
                            .ok()
                            .map(|x| format!("{} {}", x.request.method, x.request.url)),
                        w.exchanges.len(),
                    )
                }
                None => (0.0, None, 0),
            };
            if let Some(w) = world.as_deref() {
                after_captured.add(&case, w);
            }
            let done = Finished {
                case,
                passed,
                message,
                request,
                duration_ms,
                exchanges,
            };
            let mut all = after_finished
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            after_display.test_done(&outcome_of(&done, None, &report_dir), all.len() + 1, total);
            all.push(done);
            async {}.boxed_local()
        })
        .filter_run(features, move |feature, _, scenario| {
            let file = feature.path.clone().unwrap_or_default();
            filter_cases.contains_key(&(file, scenario.position.line))
        })
        .await;
    drop(quiet_steps);
    drop(pki_files);
    if let Some(path) = &opts.config.consumer.capture {
        captured.write(path)?;
    }
    if let Some(ssp) = ssp_stand_in {
        ssp.stop().await;
    }
    if let Some(p) = embedded {
        p.stop().await;
    }
    let finished = std::mem::take(
        &mut *finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let evidence_root = opts.report_dir.clone();
    let mut outcomes: Vec<ScenarioOutcome> = finished
        .iter()
        .map(|f| {
            let step = failed_steps.get(&f.case.file, f.case.line);
            outcome_of(f, step, &evidence_root)
        })
        .collect();
    let order: HashMap<&str, usize> = plan
        .cases
        .iter()
        .enumerate()
        .map(|(n, c)| (c.id.as_str(), n))
        .collect();
    outcomes.sort_by_key(|o| order.get(o.id.as_str()).copied().unwrap_or(usize::MAX));
    let reports_err =
        |path: PathBuf| move |source: std::io::Error| RunError::Reports { path, source };
    evidence_writer
        .finish()
        .map_err(reports_err(opts.report_dir.join(report::evidence::FOLDER)))?;
    let junit = opts.report_dir.join("junit.xml");
    report::junit::write(&junit, &outcomes, &warnings).map_err(reports_err(junit))?;
    let record = report::run_record::RunRecord {
        meta: run_meta(
            &opts,
            &base_url,
            started_at,
            started.elapsed(),
            warnings,
            not_run,
        ),
        outcomes,
    };
    record
        .write(&opts.report_dir)
        .map_err(reports_err(opts.report_dir.join(report::run_record::FILE)))?;
    report::html::write(&opts.report_dir).map_err(|e| RunError::Reports {
        path: opts.report_dir.join(report::html::FILE),
        source: std::io::Error::other(e.to_string()),
    })?;
    let outcomes = record.outcomes;
    display.finished(&outcomes);
    Ok(RunSummary {
        outcomes,
        elapsed: started.elapsed(),
        report_dir: opts.report_dir.clone(),
        base_url,
    })
}

/// The generated SSP client certificate, its key and the CA, written for the client of a `--tls` run into a
/// folder only the user can read, removed when the run ends.
struct PkiFiles(PathBuf);

impl PkiFiles {
    fn write(pki: &TestPki) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "gpc-assure-tls-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let pem = pki.client(ClientVariant::Valid);
        std::fs::write(dir.join("ssp-client.crt"), &pem.cert)?;
        std::fs::write(dir.join("ssp-client.key"), &pem.key)?;
        std::fs::write(dir.join("ca.crt"), &pki.ca_cert)?;
        Ok(Self(dir))
    }

    fn settings(&self) -> crate::client::tls::TlsSettings {
        crate::client::tls::TlsSettings {
            client_cert: Some(self.0.join("ssp-client.crt")),
            client_key: Some(self.0.join("ssp-client.key")),
            ca_bundle: Some(self.0.join("ca.crt")),
            ..Default::default()
        }
    }
}

impl Drop for PkiFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the security and SSP features use against the embedded provider: its TLS and redirect addresses, the
/// generated SSP certificates and CA, and (for `@ssp` tests) a local SSP stand-in reaching the TLS address.
async fn embedded_transport(
    pki: &TestPki,
    provider: &provider::RunningProvider,
    ssp_tests: bool,
    config: &Config,
) -> Result<(TransportTarget, Option<crate::spine::proxy::RunningProxy>), RunError> {
    let ssp = if ssp_tests {
        Some(
            ssp_stand_in(
                pki.client(ClientVariant::Valid).clone(),
                Some(pki.ca_cert.clone()),
                config,
            )
            .await?,
        )
    } else {
        None
    };
    let target = TransportTarget {
        tls_base_url: Some(provider.base_url.clone()),
        plain_url: provider.redirect_url.clone(),
        clients: ClientVariant::ALL
            .iter()
            .map(|v| (*v, pki.client(*v).clone()))
            .collect(),
        ca_pem: Some(pki.ca_cert.clone()),
        spine_proxy: ssp.as_ref().map(|p| p.url.clone()),
        setup_hint: "the embedded provider sets everything up itself".into(),
    };
    Ok((target, ssp))
}

/// A local SSP stand-in on a free loopback port, presenting `identity` to providers and trusting `ca_pem`.
async fn ssp_stand_in(
    identity: crate::tls::certs::Pem,
    ca_pem: Option<String>,
    config: &Config,
) -> Result<crate::spine::proxy::RunningProxy, RunError> {
    Ok(crate::spine::proxy::start(
        "127.0.0.1:0",
        crate::spine::proxy::ProxyOptions {
            identity,
            ca_pem,
            timeout: Duration::from_secs(config.timeout_secs),
        },
    )
    .await?)
}

/// What the security and SSP features use against an external provider (the config's `security` section, with
/// the `tls` client identity and CA bundle as defaults). Unreadable files stop the run (exit 2).
fn external_transport(base: &str, config: &Config) -> Result<TransportTarget, RunError> {
    let sec = &config.security;
    let tls_base_url = sec
        .tls_url
        .clone()
        .or_else(|| base.starts_with("https://").then(|| base.to_string()));
    let plain_url = sec.plain_url.clone().or_else(|| {
        let (host, _) =
            crate::tls::host_and_port(crate::tls::authority_of(tls_base_url.as_deref()?));
        Some(if host.contains(':') {
            format!("http://[{host}]")
        } else {
            format!("http://{host}")
        })
    });
    let mut clients = sec.read_clients().map_err(RunError::Security)?;
    if !clients.iter().any(|(v, _)| *v == ClientVariant::Valid) {
        if let Some(pem) = config.tls.identity_pem()? {
            clients.push((ClientVariant::Valid, pem));
        }
    }
    let ca_file = sec
        .ca_bundle
        .as_ref()
        .or(config.tls.default.ca_bundle.as_ref());
    let ca_pem = ca_file
        .map(|p| {
            std::fs::read_to_string(p)
                .map_err(|e| RunError::Security(format!("security.ca_bundle {}: {e}", p.display())))
        })
        .transpose()?;
    Ok(TransportTarget {
        tls_base_url,
        plain_url,
        clients,
        ca_pem,
        spine_proxy: None,
        setup_hint:
            "set it in the config's `security` section (README, \"Testing a real provider\")".into(),
    })
}

/// What the run was, for `run.json` and the HTML report.
fn run_meta(
    opts: &RunOptions,
    base_url: &str,
    started_at: chrono::DateTime<chrono::Utc>,
    elapsed: Duration,
    warnings: Vec<String>,
    not_run: Vec<report::run_record::NotRun>,
) -> report::run_record::RunMeta {
    use sha2::Digest as _;
    let config = &opts.config;
    let target = match &opts.target {
        Target::Embedded(faults) => {
            let names: Vec<&str> = faults.iter().map(|f| f.name()).collect();
            if names.is_empty() {
                "the embedded reference provider".to_string()
            } else {
                format!(
                    "the embedded reference provider with faults {}",
                    names.join(", ")
                )
            }
        }
        Target::External(url) => format!("the provider at {url}"),
        Target::Consumer => "the consumer under test (consumer assurance)".to_string(),
    };
    let digest = sha2::Sha256::digest(format!("{config:?}").as_bytes());
    let rfc3339 =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    report::run_record::RunMeta {
        tool: format!("gpc-assure {}", env!("CARGO_PKG_VERSION")),
        target,
        base_url: base_url.to_string(),
        provider_asid: config.provider_asid.clone(),
        consumer_asid: config.consumer_asid.clone(),
        provider_ods: config
            .service_roots
            .iter()
            .find_map(|(_, root)| report::run_record::ods_of_root(root)),
        consumer_ods: config.jwt.organization.ods_code.clone(),
        config_digest: digest.iter().map(|b| format!("{b:02x}")).collect(),
        started: rfc3339(started_at),
        ended: rfc3339(opts.clock.now()),
        elapsed_secs: elapsed.as_secs_f64(),
        tags: opts.tags.clone(),
        ids: opts.ids.clone(),
        evidence: match opts.evidence {
            Evidence::All => "all",
            Evidence::Failed => "failed",
            Evidence::None => "no",
        }
        .to_string(),
        warnings,
        not_run,
    }
}

/// The outcome of a finished test; `step` is the Gherkin step that failed, when known.
fn outcome_of(f: &Finished, step: Option<String>, report_dir: &Path) -> ScenarioOutcome {
    let c = &f.case;
    let file = c.file.display().to_string();
    let evidence = report::evidence::file_of(&file);
    let failure = (!f.passed).then(|| FailureReport {
        id: c.id.clone(),
        title: c.title.clone(),
        step,
        requirement: c.requirement(),
        request: f.request.clone(),
        failure: StepFailure::parse(f.message.as_deref().unwrap_or("failed")),
        evidence: format!(
            "{}#open={}",
            report_dir.join(report::html::FILE).display(),
            c.id
        ),
    });
    ScenarioOutcome {
        id: c.id.clone(),
        feature: c.feature.clone(),
        feature_file: file.clone(),
        classname: classname(&file, &c.feature),
        name: c.title.clone(),
        line: c.line,
        tags: c.tags.clone(),
        requirement: c.requirement(),
        passed: f.passed,
        message: failure.as_ref().map(|r| r.failure.summary(300)),
        failure,
        duration_ms: f.duration_ms,
        evidence,
        exchanges: f.exchanges,
    }
}
