//! The http driver: the harness POSTs each task to a consumer's test hook. Here the hook is a small HTTP server
//! over loopback that hands the task to the reference consumer in-process; the consumer's Foundations tests pass
//! through it, and a hook that answers an error fails the scenario with the hook's answer.

mod common;

use axum::http::StatusCode;
use gpc_assure::clock::Clock;
use gpc_assure::consumer::config::{DriverKind, HttpSettings};
use gpc_assure::consumer::TaskRequest;
use gpc_assure::runner::{self, Target};

/// Serves `POST /hook` on a free loopback port; `healthy` false answers 503 to every task.
async fn hook(healthy: bool) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| async move {
            if !healthy {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the consumer is down".to_string(),
                );
            }
            let task: TaskRequest = match serde_json::from_slice(&body) {
                Ok(t) => t,
                Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()),
            };
            // The consumer's clock is the run's (`now`), so replayed instants (GPC_NOW) hold for both sides.
            let clock = task
                .param("now")
                .and_then(|n| Clock::parse_instant(n).ok())
                .map_or_else(Clock::system, Clock::starting_at);
            match gpc_assure::consumer::demo::perform(&task, &[], clock).await {
                Ok(outcome) => (
                    StatusCode::OK,
                    serde_json::to_string(&outcome).unwrap_or_default(),
                ),
                Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/hook")
}

fn options(url: String, report: &str) -> runner::RunOptions {
    let mut opts = common::options(Target::Consumer, report);
    opts.tags = Some("@foundations".into());
    opts.config.consumer.driver = DriverKind::Http;
    opts.config.consumer.http = Some(HttpSettings {
        url,
        headers: Default::default(),
        timeout_secs: 30,
    });
    opts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_consumer_behind_a_test_hook_passes() {
    let summary = runner::run(options(hook(true).await, "consumer-http"))
        .await
        .expect("the run completes");
    assert!(summary.outcomes.len() >= 30, "{}", summary.outcomes.len());
    assert_eq!(summary.failed(), 0, "{:#?}", summary.failed_names());
    common::discard_reports(&summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_that_answers_an_error_fails_the_scenario_with_its_answer() {
    let mut opts = options(hook(false).await, "consumer-http-down");
    opts.ids = Some(vec!["consumer.fou.04.1".into()]);
    let summary = runner::run(opts).await.expect("the run completes");
    assert_eq!(summary.failed(), 1);
    let message = summary.outcomes[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("answered 503") && message.contains("the consumer is down"),
        "{message}"
    );
    common::discard_reports(&summary);
}
