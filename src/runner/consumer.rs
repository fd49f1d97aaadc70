//! The consumer side of a run: which tests a consumer run selects, the inspecting provider it starts, and the
//! capture of every scenario's requests for a later replay.

use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{RunError, RunOptions, TestCase};
use crate::consumer::capture::{self, CapturedExchange, CapturedResponse, CapturedScenario};
use crate::consumer::config::ConsumerConfig;
use crate::consumer::driver::Driver;
use crate::consumer::{Harness, Task};
use crate::fhir::DefinitionIndex;
use crate::provider::{self, ProviderOptions, RunningProvider};
use crate::steps::GpcWorld;

/// The tag naming a consumer scenario's task (`@task:book_appointment`); an outline may name it in a `task`
/// column instead.
const TASK_TAG: &str = "task:";
const TASK_COLUMN: &str = "task";

/// Whether a test belongs to the run: a consumer run takes the `@consumer` tests of the tasks the consumer
/// supports, a provider run every other test.
pub(super) fn selects(case: &TestCase, consumer_run: bool, config: &ConsumerConfig) -> bool {
    let is_consumer = case.tags.iter().any(|t| t == "consumer");
    if !consumer_run {
        return !is_consumer;
    }
    is_consumer
        && case
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix(TASK_TAG))
            .chain(
                case.row
                    .iter()
                    .filter(|(k, _)| k == TASK_COLUMN)
                    .map(|(_, v)| v.as_str()),
            )
            .filter_map(Task::from_name)
            .all(|task| config.supports(task))
}

/// Starts the inspecting reference provider of a consumer run and the driver.
pub(super) async fn start(
    opts: &RunOptions,
    index: Arc<DefinitionIndex>,
) -> Result<(RunningProvider, Arc<Harness>), RunError> {
    let config = &opts.config;
    let driver =
        Driver::from_config(&config.consumer).map_err(|e| RunError::Consumer(e.to_string()))?;
    let inspector = Arc::new(crate::consumer::inspector::for_config(
        config,
        &opts.fhir_path,
        index.clone(),
        config.consumer.asid.clone(),
    ));
    let listen = config.consumer.listen.as_deref().unwrap_or("127.0.0.1:0");
    let p = provider::start(
        listen,
        ProviderOptions {
            asid: config.provider_asid.clone(),
            fhir_path: opts.fhir_path.clone(),
            roots: config.service_roots.clone(),
            clock: opts.clock,
            index: Some(index),
            inspector: Some(inspector.clone()),
            upstream: provider::Upstream::from_config(config)
                .map_err(|e| RunError::Consumer(e.to_string()))?,
            html_default_time_frames: config.html.default_time_frames.clone(),
            ..ProviderOptions::default()
        },
    )
    .await?;
    let harness = Harness {
        inspector,
        driver,
        base_url: p.base_url.clone(),
        roots: p.service_roots(),
        provider_asid: config.provider_asid.clone(),
        provider_ods_code: config
            .test_data
            .organization("ORG1")
            .unwrap_or_default()
            .to_string(),
    };
    Ok((p, Arc::new(harness)))
}

/// Every consumer scenario's task and requests, for `consumer.capture`.
#[derive(Debug, Clone, Default)]
pub(super) struct Captured(Arc<Mutex<Vec<CapturedScenario>>>);

impl Captured {
    /// Keeps what a finished consumer scenario's consumer did.
    pub(super) fn add(&self, case: &TestCase, world: &GpcWorld) {
        let state = &world.consumer;
        let Some(task) = &state.task else { return };
        let scenario = CapturedScenario {
            id: case.id.clone(),
            title: case.title.clone(),
            task: Some(task.clone()),
            exchanges: state
                .requests
                .iter()
                .map(|r| CapturedExchange {
                    url: r.url.clone(),
                    request: r.request.clone(),
                    response: r.response.as_ref().map(|resp| CapturedResponse {
                        status: resp.status,
                        headers: resp.headers.clone(),
                        body: resp.body.clone().into_bytes(),
                    }),
                })
                .collect(),
        };
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(scenario);
    }

    /// Writes the captured scenarios as a HAR file.
    pub(super) fn write(&self, path: &Path) -> Result<(), RunError> {
        let scenarios = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        capture::write_har(path, &scenarios, env!("CARGO_PKG_VERSION"))
            .map_err(|e| RunError::Consumer(e.to_string()))
    }
}
