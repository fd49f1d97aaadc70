//! The suite over real transport security: the reference provider served with mutual TLS (generated test
//! certificates) and run as an external provider with a PKCS#12 client identity; the same through an SSP-style
//! prefix proxy; and no key material or password in any report file of those runs.

mod common;

use std::path::{Path, PathBuf};

use gpc_assure::config::Config;
use gpc_assure::provider::tls::TlsServing;
use gpc_assure::provider::{self, ProviderOptions, RunningProvider};
use gpc_assure::runner::{self, RunSummary, Target};
use gpc_assure::tls::certs::{ClientVariant, TestPki};

const PASSWORD: &str = "p12-pass-7c1e0b";

async fn tls_provider(pki: &TestPki) -> RunningProvider {
    let mut serving = TlsServing::from_test_pki(pki, &Default::default());
    serving.redirect_listen = Some("127.0.0.1:0".into());
    provider::start(
        "127.0.0.1:0",
        ProviderOptions {
            tls: Some(serving),
            ..ProviderOptions::default()
        },
    )
    .await
    .expect("the TLS provider starts")
}

/// A config for the external TLS provider: the PKCS#12 SSP identity (password in a file), the CA, and the
/// security section's addresses and certificate variants, all from `certs generate`'s files.
fn config(dir: &Path, provider: &RunningProvider) -> Config {
    let d = dir.display();
    let mut variants = String::new();
    // `valid` comes from the PKCS#12 of `tls`.
    for v in ClientVariant::ALL
        .into_iter()
        .filter(|v| *v != ClientVariant::Valid)
    {
        variants.push_str(&format!(
            "    {}: {{ cert: {d}/{stem}.crt, key: {d}/{stem}.key }}\n",
            v.config_key(),
            stem = v.file_stem()
        ));
    }
    let yaml = format!(
        "concurrency: 32\n\
         tls:\n  client_pkcs12: {d}/ssp-client.p12\n  pkcs12_password_file: {d}/ssp-client.p12.pass\n  ca_bundle: {d}/ca.crt\n\
         security:\n  plain_url: {plain}\n  client_certificates:\n{variants}",
        plain = provider.redirect_url.as_deref().unwrap_or_default(),
    );
    Config::from_yaml(&yaml).expect("the config is valid")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every report file of the run, searched for the private keys (any line of their base64 body), the PKCS#12
/// password and any PEM private key.
fn assert_no_secrets(summary: &RunSummary, pki: &TestPki) {
    let mut needles: Vec<String> = vec![PASSWORD.into(), "PRIVATE KEY".into()];
    for pem in ClientVariant::ALL
        .iter()
        .map(|v| pki.client(*v))
        .chain([&pki.server, &pki.consumer])
    {
        needles.extend(
            pem.key
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 40)
                .map(String::from),
        );
    }
    let mut files = Vec::new();
    files_under(&summary.report_dir, &mut files);
    assert!(files.len() > 4, "the run wrote its reports");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        for n in &needles {
            assert!(
                !text.contains(n.as_str()),
                "{} holds secret material ({n})",
                f.display()
            );
        }
    }
}

fn assert_passed(summary: &RunSummary, what: &str) {
    assert!(
        summary.failed() == 0,
        "{what}: {:#?}",
        summary.failed_names()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_passes_over_mutual_tls_directly_and_through_an_ssp_style_proxy() {
    let pki = TestPki::shared().expect("test PKI");
    let dir = common::temp_dir("transport-certs");
    pki.write_to(&dir, PASSWORD).expect("certificates written");
    let served = tls_provider(&pki).await;

    // Directly: the harness plays the SSP (the @ssp tests go through its own local stand-in).
    let mut opts = common::options(
        Target::External(served.base_url.clone()),
        "transport-direct",
    );
    opts.config = config(&dir, &served);
    let direct = runner::run(opts).await.expect("the run completes");
    assert_passed(&direct, "over mutual TLS");
    assert!(
        direct.outcomes.len() > 1200,
        "{} tests",
        direct.outcomes.len()
    );
    assert!(direct
        .outcomes
        .iter()
        .any(|o| o.tags.iter().any(|t| t == "security")));
    assert_no_secrets(&direct, &pki);
    common::discard_reports(&direct);

    // Through an SSP stand-in: every request in the proxy-prefix form, the proxy presenting the SSP certificate.
    let proxy = gpc_assure::spine::proxy::start(
        "127.0.0.1:0",
        gpc_assure::spine::proxy::ProxyOptions {
            identity: pki.client(ClientVariant::Valid).clone(),
            ca_pem: Some(pki.ca_cert.clone()),
            timeout: std::time::Duration::from_secs(30),
        },
    )
    .await
    .expect("the proxy starts");
    let mut opts = common::options(Target::External(served.base_url.clone()), "transport-ssp");
    opts.config = config(&dir, &served);
    opts.config.spine_proxy = Some(proxy.url.clone());
    let through = runner::run(opts).await.expect("the run completes");
    assert_passed(&through, "through the SSP stand-in");
    let sent_through_proxy =
        common::evidence(&through.report_dir, &through.outcomes[0].id)["exchanges"][0].to_string();
    assert!(
        sent_through_proxy.contains(&format!("{}/https://", proxy.url)),
        "the evidence shows the proxy-form URL: {sent_through_proxy}"
    );
    assert_no_secrets(&through, &pki);
    common::discard_reports(&through);

    proxy.stop().await;
    served.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_tls_run_keeps_secrets_out_of_its_reports() {
    let pki = TestPki::shared().expect("test PKI");
    let mut opts = common::options(Target::Embedded(Default::default()), "transport-embedded");
    opts.tls = true;
    opts.tags = Some("@security or @ssp or @jwt".into());
    let summary = runner::run(opts).await.expect("the run completes");
    assert_passed(&summary, "embedded --tls");
    assert!(
        summary.base_url.starts_with("https://"),
        "{}",
        summary.base_url
    );
    assert_no_secrets(&summary, &pki);
    common::discard_reports(&summary);
}
