//! The proxy driver: the inspecting provider forwards the reference consumer's requests to a reference provider
//! started here (the "real" upstream), judges both sides, and fails a scenario on the side that broke a rule.

mod common;

use gpc_assure::consumer::config::{CommandSettings, DriverKind, ProxySettings};
use gpc_assure::provider::{self, Fault, FaultSet, ProviderOptions, RunningProvider};
use gpc_assure::report::ScenarioOutcome;
use gpc_assure::runner::{self, RunOptions, RunSummary, Target};

async fn upstream(faults: FaultSet) -> RunningProvider {
    provider::start(
        "127.0.0.1:0",
        ProviderOptions {
            faults,
            ..ProviderOptions::default()
        },
    )
    .await
    .expect("the upstream reference provider starts")
}

/// A consumer run of the Foundations scenarios through the proxy driver to `upstream`, the reference consumer run
/// as a command with `extra` appended.
fn proxy_options(report: &str, upstream: &str, extra: &str) -> RunOptions {
    let mut opts = common::options(Target::Consumer, report);
    opts.tags = Some("@foundations".into());
    let consumer = &mut opts.config.consumer;
    consumer.driver = DriverKind::Proxy;
    consumer.proxy = Some(ProxySettings {
        upstream: upstream.to_string(),
        trigger: DriverKind::Command,
    });
    consumer.command = Some(CommandSettings {
        template: Some(format!(
            "{} consumer demo {{task}} {extra}",
            env!("CARGO_BIN_EXE_gpc-assure")
        )),
        tasks: Default::default(),
        timeout_secs: 60,
        working_dir: None,
    });
    opts
}

/// The whole failure sentence of a test (the one-line message is shortened).
fn full(o: &ScenarioOutcome) -> String {
    o.failure
        .as_ref()
        .map(|f| f.failure.message.clone())
        .or_else(|| o.message.clone())
        .unwrap_or_default()
}

fn message(summary: &RunSummary, id: &str) -> String {
    summary
        .outcomes
        .iter()
        .find(|o| o.id == id)
        .map(full)
        .unwrap_or_default()
}

/// The scenarios that script the provider's answer: the harness answers them itself, nothing is forwarded.
fn scripted(id: &str) -> bool {
    id.starts_with("consumer.fou.07")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_without_cache_control_fails_the_scenarios_on_the_provider_side() {
    let up = upstream(FaultSet::new([Fault::NoCacheControl])).await;
    let summary = runner::run(proxy_options("proxy-no-cache-control", &up.base_url, ""))
        .await
        .expect("the consumer run completes");
    assert!(
        summary.outcomes.len() >= 20,
        "{} tests",
        summary.outcomes.len()
    );
    for o in &summary.outcomes {
        let text = full(o);
        if scripted(&o.id) {
            assert!(
                o.passed,
                "{} answered by the harness itself fails: {text}",
                o.id
            );
            continue;
        }
        assert!(
            !o.passed,
            "{} passes through a provider without Cache-Control",
            o.id
        );
        assert!(text.starts_with("provider side: "), "{}: {text}", o.id);
        assert!(
            text.contains("of the response to ") && text.contains("(rule provider.cache-control: "),
            "{}: {text}",
            o.id
        );
    }
    common::discard_reports(&summary);
    up.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_consumer_fails_on_the_consumer_side_through_a_clean_provider() {
    let up = upstream(FaultSet::default()).await;
    let summary = runner::run(proxy_options(
        "proxy-missing-ssp-from",
        &up.base_url,
        "--fault missing-ssp-from",
    ))
    .await
    .expect("the consumer run completes");
    let ssp: Vec<_> = summary
        .outcomes
        .iter()
        .filter(|o| o.id.starts_with("consumer.fou.01"))
        .collect();
    assert!(!ssp.is_empty());
    for o in ssp {
        let text = full(o);
        assert!(!o.passed, "{} passes without Ssp-From", o.id);
        assert!(text.contains("rule ssp.header-present"), "{}: {text}", o.id);
    }
    for o in &summary.outcomes {
        let text = full(o);
        assert!(!text.starts_with("provider side"), "{}: {text}", o.id);
    }
    common::discard_reports(&summary);
    up.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_consumer_and_a_clean_provider_pass() {
    let up = upstream(FaultSet::default()).await;
    let summary = runner::run(proxy_options("proxy-clean", &up.base_url, ""))
        .await
        .expect("the consumer run completes");
    assert!(
        summary.outcomes.len() >= 20,
        "{} tests",
        summary.outcomes.len()
    );
    assert_eq!(
        summary.failed(),
        0,
        "through the proxy: {:#?}",
        summary
            .outcomes
            .iter()
            .filter(|o| !o.passed)
            .map(|o| format!("{}: {}", o.id, full(o)))
            .collect::<Vec<_>>()
    );
    common::discard_reports(&summary);
    up.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_fails_the_scenario_with_one_sentence() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut opts = proxy_options("proxy-unreachable", &base, "");
    opts.tags = None;
    opts.ids = Some(vec!["consumer.fou.04.1".into()]);
    let summary = runner::run(opts).await.expect("the consumer run completes");
    assert_eq!(summary.failed(), 1);
    let text = message(&summary, "consumer.fou.04.1");
    assert!(
        text.starts_with(&format!(
            "provider side: the upstream provider {base} did not answer: "
        )),
        "{text}"
    );
    assert!(text.contains("rule provider.upstream-answers"), "{text}");
    common::discard_reports(&summary);
}

/// Each provider rule is reached through the proxy: a provider fault that breaks it fails a scenario with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_provider_rule_catches_its_provider_fault() {
    let cases = [
        (Fault::NoCharset, "", "provider.content-type"),
        (
            Fault::PatientGenderNotCoded,
            "",
            "provider.response-profile",
        ),
        // The provider refuses a request without Ssp-From; its OperationOutcome is judged.
        (
            Fault::ErrorCodeWrongSystem,
            "--fault missing-ssp-from",
            "provider.error-outcome",
        ),
    ];
    for (fault, extra, rule) in cases {
        let up = upstream(FaultSet::new([fault])).await;
        let mut opts = proxy_options(&format!("proxy-{rule}"), &up.base_url, extra);
        opts.tags = None;
        opts.ids = Some(vec!["consumer.fou.04.1".into()]);
        let summary = runner::run(opts).await.expect("the consumer run completes");
        let text = message(&summary, "consumer.fou.04.1");
        assert!(text.starts_with("provider side: "), "{fault:?}: {text}");
        assert!(
            text.contains("of the response to GET ") && text.contains(&format!("(rule {rule}: ")),
            "{fault:?}: {text}"
        );
        common::discard_reports(&summary);
        up.stop().await;
    }
}
