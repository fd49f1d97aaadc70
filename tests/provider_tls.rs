//! The reference provider over mutual TLS, judged by the transport probes: every client-certificate variant,
//! protocol version and cipher rule of the specification holds, and each transport fault breaks its rule.

use std::time::Duration;

use gpc_assure::provider::tls::TlsServing;
use gpc_assure::provider::{self, Fault, FaultSet, ProviderOptions, RunningProvider};
use gpc_assure::tls::certs::{ClientVariant, TestPki};
use gpc_assure::tls::probe::{Outcome, Probe, TlsVersion};

async fn provider(faults: &[Fault]) -> (RunningProvider, std::sync::Arc<TestPki>) {
    let pki = TestPki::shared().expect("test PKI");
    let faults = FaultSet::new(faults.iter().copied());
    let mut tls = TlsServing::from_test_pki(&pki, &faults);
    tls.redirect_listen = Some("127.0.0.1:0".into());
    let p = provider::start(
        "127.0.0.1:0",
        ProviderOptions {
            faults,
            tls: Some(tls),
            ..ProviderOptions::default()
        },
    )
    .await
    .expect("provider starts");
    (p, pki)
}

fn probe(p: &RunningProvider, pki: &TestPki, variant: Option<ClientVariant>) -> Probe {
    Probe {
        addr: p.addr.to_string(),
        server_name: "localhost".into(),
        client: variant.map(|v| pki.client(v).clone()),
        trust: gpc_assure::tls::probe::Trust::Cas(pki.ca_cert.clone()),
        timeout: Duration::from_secs(5),
    }
}

const METADATA: &[u8] = b"GET /B82617/STU3/1/gpconnect/fhir/metadata HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

async fn run(probe: Probe, version: TlsVersion, ciphers: &'static str) -> Outcome {
    tokio::task::spawn_blocking(move || probe.handshake(version, ciphers, Some(METADATA)))
        .await
        .expect("probe task")
}

fn connected(o: &Outcome) -> bool {
    matches!(o, Outcome::Connected { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_versions_and_ciphers() {
    let (p, pki) = provider(&[]).await;
    let valid = run(
        probe(&p, &pki, Some(ClientVariant::Valid)),
        TlsVersion::Tls12,
        "ECDHE-RSA-AES128-GCM-SHA256",
    )
    .await;
    match &valid {
        Outcome::Connected {
            response: Ok(r), ..
        } => assert_eq!(r.status, 400, "{valid:?}"),
        other => panic!("valid certificate: {other:?}"),
    }
    for v in [
        ClientVariant::Expired,
        ClientVariant::WrongFqdn,
        ClientVariant::WrongAuthority,
        ClientVariant::Revoked,
    ] {
        let o = run(
            probe(&p, &pki, Some(v)),
            TlsVersion::Tls12,
            "ECDHE-RSA-AES128-GCM-SHA256",
        )
        .await;
        assert!(matches!(o, Outcome::Refused(_)), "{v:?}: {o:?}");
    }
    let none = run(
        probe(&p, &pki, None),
        TlsVersion::Tls12,
        "ECDHE-RSA-AES128-GCM-SHA256",
    )
    .await;
    match &none {
        Outcome::Connected {
            response: Ok(r), ..
        } => assert_eq!(r.status, 496),
        other => panic!("no certificate: {other:?}"),
    }
    for c in [
        "ECDHE-RSA-AES256-SHA",
        "DHE-RSA-AES256-SHA",
        "DHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-SHA384",
    ] {
        let o = run(
            probe(&p, &pki, Some(ClientVariant::Valid)),
            TlsVersion::Tls12,
            c,
        )
        .await;
        assert!(connected(&o), "{c}: {o:?}");
    }
    for c in ["NULL-MD5", "AES128-SHA256"] {
        let o = run(
            probe(&p, &pki, Some(ClientVariant::Valid)),
            TlsVersion::Tls12,
            c,
        )
        .await;
        assert!(matches!(o, Outcome::Refused(_)), "{c}: {o:?}");
    }
    let o = run(
        probe(&p, &pki, Some(ClientVariant::Valid)),
        TlsVersion::Tls11,
        "ALL",
    )
    .await;
    assert!(matches!(o, Outcome::Refused(_)), "TLS 1.1: {o:?}");
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_relax_their_rule() {
    for (fault, variant, version, cipher) in [
        (
            Fault::TlsAcceptsExpiredClientCert,
            Some(ClientVariant::Expired),
            TlsVersion::Tls12,
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            Fault::TlsAcceptsAnyCa,
            Some(ClientVariant::WrongAuthority),
            TlsVersion::Tls12,
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            Fault::TlsIgnoresCrl,
            Some(ClientVariant::Revoked),
            TlsVersion::Tls12,
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            Fault::TlsAnyClientFqdn,
            Some(ClientVariant::WrongFqdn),
            TlsVersion::Tls12,
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            Fault::TlsNullCipher,
            Some(ClientVariant::Valid),
            TlsVersion::Tls12,
            "NULL-MD5",
        ),
        (
            Fault::TlsNonPfsCipher,
            Some(ClientVariant::Valid),
            TlsVersion::Tls12,
            "AES128-SHA256",
        ),
        (
            Fault::TlsOldVersions,
            Some(ClientVariant::Valid),
            TlsVersion::Tls11,
            "ALL",
        ),
    ] {
        let (p, pki) = provider(&[fault]).await;
        let o = run(probe(&p, &pki, variant), version, cipher).await;
        assert!(connected(&o), "{fault}: {o:?}");
        p.stop().await;
    }
}
