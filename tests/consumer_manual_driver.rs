//! The manual driver: the harness prints what a tester must do and waits for the consumer's requests. Here the
//! "tester" is a loop that makes the reference consumer find a patient every two seconds against the inspecting
//! provider's fixed address; the driver takes the first request after the task was printed, waits until the
//! consumer has been quiet for a second, and judges what came.

mod common;

use std::time::Duration;

use gpc_assure::consumer::config::{DriverKind, ManualSettings};
use gpc_assure::consumer::{Task, TaskRequest};
use gpc_assure::runner::{self, Target};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tester_acting_on_the_consumer_is_judged() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut opts = common::options(Target::Consumer, "consumer-manual");
    opts.ids = Some(vec!["consumer.fou.04.1".into()]);
    opts.config.consumer.driver = DriverKind::Manual;
    opts.config.consumer.listen = Some(format!("127.0.0.1:{port}"));
    opts.config.consumer.manual = Some(ManualSettings {
        timeout_secs: 60,
        settle_secs: 1,
    });
    let clock = opts.clock;
    let nhs = opts
        .config
        .test_data
        .patient("patient2")
        .expect("patient2 in the test data")
        .to_string();
    let root = opts
        .config
        .service_roots
        .get(gpc_assure::spine::catalogue::Capability::Foundations)
        .clone();
    let task = TaskRequest {
        task: Task::FindPatient,
        params: [
            ("nhs_number".to_string(), nhs),
            ("base_url".to_string(), base.clone()),
            ("foundations_url".to_string(), format!("{base}{root}")),
            (
                "provider_asid".to_string(),
                opts.config.provider_asid.clone(),
            ),
            ("now".to_string(), clock.now().to_rfc3339()),
        ]
        .into(),
    };
    let tester = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _ = gpc_assure::consumer::demo::perform(&task, &[], clock).await;
        }
    });
    let summary = runner::run(opts).await.expect("the run completes");
    tester.abort();
    assert_eq!(summary.outcomes.len(), 1);
    assert_eq!(summary.failed(), 0, "{:#?}", summary.outcomes[0].message);
    common::discard_reports(&summary);
}

/// No request within the timeout fails the scenario with one sentence naming the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_within_the_timeout_fails_clearly() {
    let mut opts = common::options(Target::Consumer, "consumer-manual-timeout");
    opts.ids = Some(vec!["consumer.fou.04.1".into()]);
    opts.config.consumer.driver = DriverKind::Manual;
    opts.config.consumer.manual = Some(ManualSettings {
        timeout_secs: 1,
        settle_secs: 1,
    });
    let summary = runner::run(opts).await.expect("the run completes");
    let message = summary.outcomes[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("no request from the consumer within 1 s (consumer.manual.timeout_secs)"),
        "{message}"
    );
    common::discard_reports(&summary);
}
