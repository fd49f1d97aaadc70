//! The harness's client against real TLS over loopback: OpenSSL servers (TLS 1.2 only, or 1.2 and 1.3) with
//! certificates made by rcgen, mutual authentication with PEM and PKCS#12 identities, every TLS failure the
//! client explains in one sentence, `insecure`, `per_capability`, the Spine Secure Proxy URL form and a CONNECT
//! proxy. Configuration problems with the files are checked through `HttpClient::from_config`'s error.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use gpc_assure::client::{Exchange, HttpClient, OutgoingRequest};
use gpc_assure::config::Config;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use time::OffsetDateTime;

/// The files of the test PKI, written once per test binary.
struct Pki {
    dir: PathBuf,
}

/// A certificate and key in PEM.
struct Pem {
    cert: String,
    key: String,
}

fn authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(
    issuer: &Issuer<'static, KeyPair>,
    name: &str,
    sans: &[&str],
    purpose: ExtendedKeyUsagePurpose,
    expired: bool,
) -> Pem {
    let key = KeyPair::generate().unwrap();
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_string()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![purpose];
    let now = OffsetDateTime::now_utc();
    if expired {
        params.not_before = now - time::Duration::days(400);
        params.not_after = now - time::Duration::days(30);
    } else {
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(30);
    }
    Pem {
        cert: params.signed_by(&key, issuer).unwrap().pem(),
        key: key.serialize_pem(),
    }
}

const P12_PASSWORD: &str = "s3cret-p12-pass";
const P12_ENV: &str = "GPC_ASSURE_CLIENT_TLS_TEST_P12";

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        // Under cargo's scratch folder for integration tests (inside target/), not the system's temp folder:
        // the set is shared by every test of the process, so no test can remove it.
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("gpc-assure-client-tls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca_pem, ca) = authority("Test Spine CA");
        let (other_pem, other) = authority("Other CA");
        let server = ExtendedKeyUsagePurpose::ServerAuth;
        let client = ExtendedKeyUsagePurpose::ClientAuth;
        let files = [
            ("ca.crt", ca_pem),
            ("other-ca.crt", other_pem),
            ("empty.crt", "not a certificate\n".to_string()),
            (
                "damaged.crt",
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n".to_string(),
            ),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let pems = [
            (
                "server",
                leaf(&ca, "provider", &["127.0.0.1"], server.clone(), false),
            ),
            (
                "server-expired",
                leaf(&ca, "provider", &["127.0.0.1"], server.clone(), true),
            ),
            (
                "server-wrong-name",
                leaf(&ca, "other", &["other.example"], server.clone(), false),
            ),
            (
                "server-other-ca",
                leaf(&other, "provider", &["127.0.0.1"], server, false),
            ),
            (
                "client",
                leaf(
                    &ca,
                    "gpc-assure-client",
                    &["ssp.example"],
                    client.clone(),
                    false,
                ),
            ),
            (
                "client-other-ca",
                leaf(&other, "stranger", &["ssp.example"], client, false),
            ),
        ];
        for (stem, pem) in &pems {
            std::fs::write(dir.join(format!("{stem}.crt")), &pem.cert).unwrap();
            std::fs::write(dir.join(format!("{stem}.key")), &pem.key).unwrap();
        }
        // The client identity as PKCS#12 (with the CA as its chain), and an encrypted PEM key.
        let client = &pems[4].1;
        let pkey = PKey::private_key_from_pem(client.key.as_bytes()).unwrap();
        let cert = X509::from_pem(client.cert.as_bytes()).unwrap();
        let mut chain = openssl::stack::Stack::new().unwrap();
        chain
            .push(X509::from_pem(&std::fs::read(dir.join("ca.crt")).unwrap()).unwrap())
            .unwrap();
        let p12 = Pkcs12::builder()
            .name("client")
            .pkey(&pkey)
            .cert(&cert)
            .ca(chain)
            .build2(P12_PASSWORD)
            .unwrap();
        std::fs::write(dir.join("client.p12"), p12.to_der().unwrap()).unwrap();
        std::fs::write(dir.join("p12.pass"), format!("{P12_PASSWORD}\n")).unwrap();
        std::fs::write(dir.join("wrong.pass"), "not-the-password\n").unwrap();
        let encrypted = pkey
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pass")
            .unwrap();
        std::fs::write(dir.join("client-encrypted.key"), encrypted).unwrap();
        std::env::set_var(P12_ENV, P12_PASSWORD);
        Pki { dir }
    })
}

impl Pki {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// Accepts connections on a loopback port, each handled on its own thread.
fn serve(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let h = handler.clone();
            thread::spawn(move || h(stream));
        }
    });
    port
}

/// Reads up to the end of the request head.
fn read_head(stream: &mut impl Read) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Closes cleanly (FIN, not RST): stop writing, then read what the peer still sends.
fn close(mut raw: TcpStream) {
    let _ = raw.shutdown(Shutdown::Write);
    let _ = raw.set_read_timeout(Some(Duration::from_secs(2)));
    let mut sink = [0u8; 4096];
    while matches!(raw.read(&mut sink), Ok(n) if n > 0) {}
}

/// How a TLS test server is set up.
struct ServerTls<'a> {
    cert: &'a str,
    /// Require a client certificate issued by the test CA.
    client_auth: bool,
    tls12_only: bool,
}

/// A TLS server answering 200 with the common name of the client's certificate (or `none`); `seen` collects the
/// request lines.
fn tls_server(setup: ServerTls<'_>, seen: Arc<Mutex<Vec<String>>>) -> u16 {
    let pki = pki();
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    let cert = std::fs::read(pki.dir.join(format!("{}.crt", setup.cert))).unwrap();
    let key = std::fs::read(pki.dir.join(format!("{}.key", setup.cert))).unwrap();
    b.set_certificate(&X509::from_pem(&cert).unwrap()).unwrap();
    b.set_private_key(&PKey::private_key_from_pem(&key).unwrap())
        .unwrap();
    if setup.client_auth {
        let ca = X509::from_pem(&std::fs::read(pki.dir.join("ca.crt")).unwrap()).unwrap();
        b.cert_store_mut().add_cert(ca).unwrap();
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        // Without it OpenSSL refuses to resume a client-authenticated session (internal_error), and the client
        // resumes on its next connection.
        b.set_session_id_context(b"client-tls-test").unwrap();
    }
    if setup.tls12_only {
        b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    }
    let acceptor = b.build();
    serve(move |stream| {
        let raw = stream.try_clone().unwrap();
        let _ = raw.set_read_timeout(Some(Duration::from_secs(5)));
        match acceptor.accept(stream) {
            Ok(mut tls) => {
                let head = read_head(&mut tls);
                let line = head.lines().next().unwrap_or_default().to_string();
                seen.lock().unwrap().push(line);
                let who = tls
                    .ssl()
                    .peer_certificate()
                    .and_then(|c| {
                        c.subject_name()
                            .entries_by_nid(Nid::COMMONNAME)
                            .next()
                            .and_then(|e| e.data().to_string().ok())
                    })
                    .unwrap_or_else(|| "none".into());
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{who}",
                    who.len()
                );
                let _ = tls.shutdown();
                close(raw);
            }
            Err(_) => close(raw),
        }
    })
}

fn simple_server(cert: &str, client_auth: bool, tls12_only: bool) -> u16 {
    tls_server(
        ServerTls {
            cert,
            client_auth,
            tls12_only,
        },
        Arc::default(),
    )
}

/// The client for a config (YAML) and the base URL the service roots resolve against.
fn client(yaml: &str, base: &str) -> Result<HttpClient, String> {
    let config =
        Config::from_yaml(&format!("timeout_secs: 10\n{yaml}")).map_err(|e| e.to_string())?;
    HttpClient::from_config(&config, base).map_err(|e| e.to_string())
}

async fn get(client: &HttpClient, url: &str) -> Exchange {
    client
        .send(
            OutgoingRequest {
                method: "GET".into(),
                url: url.to_string(),
                headers: Vec::new(),
                body: None,
            },
            None,
        )
        .await
}

/// The body of a 200, or the exchange's error.
fn outcome(x: &Exchange) -> Result<String, String> {
    match (&x.response, &x.error) {
        (Some(r), _) if r.status == 200 => Ok(String::from_utf8_lossy(&r.body).into_owned()),
        (Some(r), _) => Err(format!("HTTP {}", r.status)),
        (None, e) => Err(e.clone().unwrap_or_default()),
    }
}

fn pem_identity() -> String {
    let p = pki();
    format!(
        "tls:\n  client_cert: '{}'\n  client_key: '{}'\n  ca_bundle: '{}'\n",
        p.path("client.crt"),
        p.path("client.key"),
        p.path("ca.crt")
    )
}

#[tokio::test]
async fn a_pem_identity_is_presented_over_tls_1_2_and_kept_by_with_max_body() {
    let port = simple_server("server", true, true);
    let url = format!("https://127.0.0.1:{port}/fhir/metadata");
    let c = client(&pem_identity(), &format!("https://127.0.0.1:{port}")).unwrap();
    assert_eq!(
        outcome(&get(&c, &url).await),
        Ok("gpc-assure-client".into())
    );
    let bigger = c.with_max_body(64 * 1024 * 1024);
    assert_eq!(
        outcome(&get(&bigger, &url).await),
        Ok("gpc-assure-client".into())
    );
}

#[tokio::test]
async fn a_pkcs12_identity_is_presented_with_its_password_from_env_or_file() {
    let p = pki();
    let port = simple_server("server", true, false);
    let url = format!("https://127.0.0.1:{port}/fhir/metadata");
    for source in [
        format!("pkcs12_password_env: {P12_ENV}"),
        format!("pkcs12_password_file: '{}'", p.path("p12.pass")),
    ] {
        let yaml = format!(
            "tls:\n  client_pkcs12: '{}'\n  {source}\n  ca_bundle: '{}'\n",
            p.path("client.p12"),
            p.path("ca.crt")
        );
        let c = client(&yaml, "https://127.0.0.1").unwrap();
        assert_eq!(
            outcome(&get(&c, &url).await),
            Ok("gpc-assure-client".into()),
            "{source}"
        );
        // Neither the password nor key material shows in Debug output.
        let debug = format!("{c:?} {:?}", Config::from_yaml(&yaml).unwrap());
        assert!(
            !debug.contains(P12_PASSWORD) && !debug.contains("PRIVATE KEY"),
            "{debug}"
        );
    }
}

#[test]
fn problems_with_the_files_name_the_key_and_the_file() {
    let p = pki();
    let p12 = p.path("client.p12");
    let cases = [
        (
            format!("tls:\n  client_pkcs12: '{p12}'\n  pkcs12_password_file: '{}'\n", p.path("wrong.pass")),
            format!("tls.client_pkcs12 {p12}: wrong password or not a PKCS#12 file"),
        ),
        (
            format!("tls:\n  client_pkcs12: '{p12}'\n  pkcs12_password_env: GPC_ASSURE_NOT_SET_ANYWHERE\n"),
            "tls.pkcs12_password_env GPC_ASSURE_NOT_SET_ANYWHERE is not set".to_string(),
        ),
        (
            format!(
                "tls:\n  client_pkcs12: '{}'\n  pkcs12_password_env: {P12_ENV}\n",
                p.path("ca.crt")
            ),
            format!("tls.client_pkcs12 {}: not a PKCS#12 file", p.path("ca.crt")),
        ),
        (
            format!(
                "tls:\n  client_cert: '{}'\n  client_key: '{}'\n",
                p.path("client.crt"),
                p.path("client.crt")
            ),
            format!(
                "tls.client_key {}: no private key in the file (PEM PKCS#8, PKCS#1 RSA or SEC1 EC expected)",
                p.path("client.crt")
            ),
        ),
        (
            format!(
                "tls:\n  client_cert: '{}'\n  client_key: '{}'\n",
                p.path("client.crt"),
                p.path("server.key")
            ),
            format!(
                "tls.client_key {}: the key does not match the certificate in tls.client_cert {}",
                p.path("server.key"),
                p.path("client.crt")
            ),
        ),
        (
            format!(
                "tls:\n  client_cert: '{}'\n  client_key: '{}'\n",
                p.path("client.crt"),
                p.path("client-encrypted.key")
            ),
            format!(
                "tls.client_key {}: the private key is encrypted",
                p.path("client-encrypted.key")
            ),
        ),
        (
            format!(
                "tls:\n  client_cert: '{}'\n  client_key: '{}'\n",
                p.path("client.key"),
                p.path("client.key")
            ),
            format!("tls.client_cert {}: no PEM certificate in the file", p.path("client.key")),
        ),
        (
            format!("tls:\n  ca_bundle: '{}'\n", p.path("empty.crt")),
            format!("tls.ca_bundle {}: no PEM certificate in the file", p.path("empty.crt")),
        ),
        (
            format!("tls:\n  ca_bundle: '{}'\n", p.path("damaged.crt")),
            format!(
                "tls.ca_bundle {}: not a bundle of PEM certificates (",
                p.path("damaged.crt")
            ),
        ),
        (
            format!("tls:\n  ca_bundle: '{}'\n", p.path("missing.crt")),
            format!("tls.ca_bundle {}: cannot read the file (", p.path("missing.crt")),
        ),
        (
            format!(
                "tls:\n  per_capability:\n    structured: {{ client_pkcs12: '{p12}', pkcs12_password_file: '{}' }}\n",
                p.path("wrong.pass")
            ),
            format!("tls.per_capability.structured.client_pkcs12 {p12}: wrong password"),
        ),
    ];
    for (yaml, want) in cases {
        let e = client(&yaml, "https://127.0.0.1").unwrap_err();
        assert!(
            e.starts_with(&format!("cannot build the HTTP client: {want}")),
            "{yaml}\n{e}"
        );
        assert!(!e.contains(P12_PASSWORD), "{e}");
    }
}

/// The error of a GET of `/` on `port` with `yaml`'s config.
async fn failure(yaml: &str, port: u16) -> String {
    let c = client(yaml, "https://127.0.0.1").unwrap();
    outcome(&get(&c, &format!("https://127.0.0.1:{port}/")).await).unwrap_err()
}

#[tokio::test]
async fn the_provider_refusing_the_handshake_is_said_with_its_alert() {
    let trust_only = format!("tls:\n  ca_bundle: '{}'\n", pki().path("ca.crt"));
    // No client certificate: TLS 1.2 fails the handshake, TLS 1.3 says a certificate is required.
    let e = failure(&trust_only, simple_server("server", true, true)).await;
    assert!(
        e.starts_with("the provider refused the TLS handshake (alert handshake_failure): "),
        "{e}"
    );
    let e = failure(&trust_only, simple_server("server", true, false)).await;
    assert!(
        e.starts_with("the provider refused the TLS handshake (alert certificate_required): "),
        "{e}"
    );
    // A client certificate from a CA the provider does not trust.
    let p = pki();
    let stranger = format!(
        "tls:\n  client_cert: '{}'\n  client_key: '{}'\n  ca_bundle: '{}'\n",
        p.path("client-other-ca.crt"),
        p.path("client-other-ca.key"),
        p.path("ca.crt")
    );
    let e = failure(&stranger, simple_server("server", true, true)).await;
    assert!(
        e.starts_with("the provider refused the TLS handshake (alert unknown_ca): "),
        "{e}"
    );
    // The connection closed during the handshake.
    let port = serve(|mut s| {
        let mut hello = [0u8; 16];
        let _ = s.read(&mut hello);
        close(s);
    });
    let e = failure(&trust_only, port).await;
    assert!(
        e.starts_with("the provider refused the TLS handshake (it closed the connection): "),
        "{e}"
    );
}

#[tokio::test]
async fn bad_server_certificates_are_said_in_one_sentence() {
    let p = pki();
    let trust = format!("tls:\n  ca_bundle: '{}'\n", p.path("ca.crt"));
    for (cert, want) in [
        (
            "server-other-ca",
            "the provider's certificate is signed by a CA not in tls.ca_bundle (unknown CA): ",
        ),
        ("server-expired", "the provider's certificate has expired: "),
        (
            "server-wrong-name",
            "the provider's certificate is not valid for host 127.0.0.1 (hostname mismatch): ",
        ),
    ] {
        let e = failure(&trust, simple_server(cert, false, false)).await;
        assert!(e.starts_with(want), "{cert}: {e}");
    }
    // Without ca_bundle the system's roots do not know the test CA either.
    let e = failure("", simple_server("server", false, false)).await;
    assert!(
        e.starts_with("the provider's certificate is signed by a CA the system does not trust"),
        "{e}"
    );
}

#[tokio::test]
async fn a_plain_http_answer_is_recognised() {
    let port = serve(|mut s| {
        let mut hello = [0u8; 512];
        let _ = s.read(&mut hello);
        let _ = s.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        close(s);
    });
    let e = failure("", port).await;
    assert!(
        e.starts_with("the provider did not answer in TLS (is it plain HTTP?): "),
        "{e}"
    );
}

#[tokio::test]
async fn insecure_accepts_any_server_certificate() {
    let port = simple_server("server-other-ca", false, false);
    let c = client("tls:\n  insecure: true\n", "https://127.0.0.1").unwrap();
    let x = get(&c, &format!("https://127.0.0.1:{port}/")).await;
    assert_eq!(outcome(&x), Ok("none".into()));
    let port = simple_server("server-wrong-name", false, false);
    let x = get(&c, &format!("https://127.0.0.1:{port}/")).await;
    assert_eq!(outcome(&x), Ok("none".into()));
}

#[tokio::test]
async fn per_capability_identities_follow_the_service_roots() {
    let p = pki();
    let port = simple_server("server", true, false);
    let base = format!("https://127.0.0.1:{port}");
    let yaml = format!(
        "tls:\n  ca_bundle: '{}'\n  per_capability:\n    documents: {{ client_cert: '{}', client_key: '{}' }}\n",
        p.path("ca.crt"),
        p.path("client.crt"),
        p.path("client.key")
    );
    let c = client(&yaml, &base).unwrap();
    let documents = format!("{base}/B82617/STU3/1/gpconnect/documents/fhir/metadata");
    assert_eq!(
        outcome(&get(&c, &documents).await),
        Ok("gpc-assure-client".into())
    );
    let foundations = format!("{base}/B82617/STU3/1/gpconnect/fhir/metadata");
    let e = outcome(&get(&c, &foundations).await).unwrap_err();
    assert!(
        e.starts_with("the provider refused the TLS handshake"),
        "{e}"
    );
}

#[tokio::test]
async fn requests_go_through_the_spine_secure_proxy_in_its_url_form() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let ssp = tls_server(
        ServerTls {
            cert: "server",
            client_auth: true,
            tls12_only: true,
        },
        seen.clone(),
    );
    let yaml = format!("{}spine_proxy: https://127.0.0.1:{ssp}/\n", pem_identity());
    let provider = "https://provider.example";
    let c = client(&yaml, provider).unwrap();
    let url = format!("{provider}/B82617/STU3/1/gpconnect/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number%7C9690937286");
    let x = get(&c, &url).await;
    assert_eq!(outcome(&x), Ok("gpc-assure-client".into()));
    assert_eq!(x.request.url, format!("https://127.0.0.1:{ssp}/{url}"));
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("GET /{url} HTTP/1.1")]
    );
}

#[tokio::test]
async fn an_http_proxy_tunnels_https_with_connect() {
    let target = simple_server("server", true, true);
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let lines = seen.clone();
    let proxy = serve(move |mut client| {
        let head = read_head(&mut client);
        let line = head.lines().next().unwrap_or_default().to_string();
        lines.lock().unwrap().push(line.clone());
        let authority = line.split(' ').nth(1).unwrap_or_default().to_string();
        let Ok(upstream) = TcpStream::connect(&authority) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        let (mut c1, mut u1) = (client, upstream);
        let up = thread::spawn(move || {
            let _ = std::io::copy(&mut c1, &mut u1);
            let _ = u1.shutdown(Shutdown::Write);
        });
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(Shutdown::Write);
        let _ = up.join();
    });
    let yaml = format!("{}http_proxy: http://127.0.0.1:{proxy}\n", pem_identity());
    let c = client(&yaml, "https://127.0.0.1").unwrap();
    let x = get(&c, &format!("https://127.0.0.1:{target}/fhir/metadata")).await;
    assert_eq!(outcome(&x), Ok("gpc-assure-client".into()));
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("CONNECT 127.0.0.1:{target} HTTP/1.1")]
    );
}

/// Runs the binary against the embedded provider with `yaml` as config; (exit code, stderr, report folder).
fn run_cli(name: &str, yaml: &str) -> (Option<i32>, String, PathBuf) {
    let dir = pki().dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("gpc.yaml");
    std::fs::write(&config, yaml).unwrap();
    let reports = dir.join("reports");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpc-assure"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GPC_FHIR_PATH")
        .args(["run", "--quiet", "--tags", "@MetadataRead", "--config"])
        .arg(&config)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        reports,
    )
}

#[test]
fn a_tls_file_problem_stops_the_run_with_exit_2() {
    let p = pki();
    let yaml = format!(
        "tls:\n  client_cert: '{}'\n  client_key: '{}'\n",
        p.path("client.crt"),
        p.path("no-such.key")
    );
    let (code, err, _) = run_cli("cli-bad-key", &yaml);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "cannot build the HTTP client: tls.client_key {}: cannot read the file (",
            p.path("no-such.key")
        )),
        "{err}"
    );
}

#[test]
fn insecure_is_warned_about_on_stderr_in_junit_and_in_the_evidence() {
    let (code, err, reports) = run_cli("cli-insecure", "tls:\n  insecure: true\n");
    assert_eq!(code, Some(0), "{err}");
    let warning = "TLS server certificates were not verified (tls.insecure)";
    assert!(err.contains(&format!("warning: {warning}")), "{err}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(
        junit.contains(&format!(
            "<property name=\"gpc-assure.warning\" value=\"{warning}\"/>"
        )),
        "{junit}"
    );
    let record = std::fs::read_to_string(reports.join("run.json")).unwrap();
    assert!(record.contains(warning), "{record:.500}");
    let page = std::fs::read_to_string(reports.join("index.html")).unwrap();
    assert!(page.contains(warning), "the HTML report shows the warning");
}
