//! The consumer suite against the reference consumer: every consumer test passes through the command driver
//! (the reference consumer is run as a command per task), and again through the replay driver judging the traffic
//! the first run captured, with no consumer running.

mod common;

use gpc_assure::runner;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_consumer_passes_through_the_command_driver_and_through_replay() {
    let capture = common::temp_dir("consumer-capture.har");
    let mut opts = common::consumer_options("consumer-command", "");
    opts.config.consumer.capture = Some(capture.clone());
    let live = runner::run(opts).await.expect("the consumer run completes");
    assert!(
        live.outcomes.len() >= 80,
        "at least 80 consumer tests, got {}",
        live.outcomes.len()
    );
    assert_eq!(
        live.failed(),
        0,
        "the reference consumer fails: {:#?}",
        live.failed_names()
    );
    for capability in ["foundations", "appointments", "structured", "documents"] {
        assert!(
            live.outcomes
                .iter()
                .any(|o| o.tags.iter().any(|t| t == capability)),
            "no consumer test of {capability}"
        );
    }
    common::discard_reports(&live);

    let mut opts = common::options(runner::Target::Consumer, "consumer-replay");
    opts.config.consumer.driver = gpc_assure::consumer::config::DriverKind::Replay;
    opts.config.consumer.replay = Some(gpc_assure::consumer::config::ReplaySettings {
        from: capture.clone(),
    });
    let replayed = runner::run(opts).await.expect("the replay run completes");
    assert_eq!(replayed.outcomes.len(), live.outcomes.len());
    assert_eq!(
        replayed.failed(),
        0,
        "replaying the captured traffic fails: {:#?}",
        replayed.failed_names()
    );
    common::discard_reports(&replayed);
    let _ = std::fs::remove_file(&capture);
}

/// A replay of a capture that lacks a test's requests fails that test with one clear sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_without_a_tests_requests_fails_that_test_clearly() {
    let capture = common::temp_dir("consumer-empty.har");
    gpc_assure::consumer::capture::write_har(&capture, &[], "test").expect("an empty HAR");
    let mut opts = common::options(runner::Target::Consumer, "consumer-replay-empty");
    opts.ids = Some(vec!["consumer.fou.04.1".into()]);
    opts.config.consumer.driver = gpc_assure::consumer::config::DriverKind::Replay;
    opts.config.consumer.replay = Some(gpc_assure::consumer::config::ReplaySettings {
        from: capture.clone(),
    });
    let summary = runner::run(opts).await.expect("the replay run completes");
    assert_eq!(summary.failed(), 1);
    let message = summary.outcomes[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("the capture holds no requests for the test consumer.fou.04.1"),
        "{message}"
    );
    common::discard_reports(&summary);
    let _ = std::fs::remove_file(&capture);
}
