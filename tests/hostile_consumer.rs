//! Hostile consumers against the reference provider (`gpc-assure serve`, a child process, over real loopback
//! sockets), plain and inspecting (`serve --inspect`, which also judges every request against the consumer
//! rules): malformed JSON and XML, invalid UTF-8, 10,000 levels of nesting, XML entity expansion, a 100 MB
//! body, slowloris connections and 10,000 concurrent connections. The provider must not crash, must answer a
//! 4xx (never a 5xx) where the specification defines one, keep its memory bounded, and keep serving
//! well-formed requests meanwhile. Figures (the provider's resident memory before, at peak and after) are
//! printed for BENCHMARKS.md and asserted only with generous limits.

mod common;

use std::io::BufRead as _;
use std::time::{Duration, Instant};

use gpc_assure::config::{JwtConfig, DEFAULT_CONSUMER_ASID, DEFAULT_PROVIDER_ASID};
use gpc_assure::spine::catalogue::Interaction;
use gpc_assure::spine::headers;
use gpc_assure::spine::jwt::Jwt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The reference provider as a child process; killed when dropped.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(inspect: bool) -> Self {
        let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
        let fhir = std::env::var("GPC_FHIR_PATH").unwrap_or_else(|_| shared.display().to_string());
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--fhir-path", &fhir];
        if inspect {
            args.push("--inspect");
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gpc-assure"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("gpc-assure serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        let mut reader = std::io::BufReader::new(stdout);
        reader
            .read_line(&mut first)
            .expect("the provider says where it listens");
        // The rest is drained: the provider ends quietly when its output goes away.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("a base URL")
            .to_string();
        Served { child, base }
    }

    /// The provider's resident memory now and at its peak, in KiB.
    fn memory(&self) -> (u64, u64) {
        common::memory_kib(self.child.id())
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

fn root(base: &str) -> String {
    format!("{base}/B82617/STU3/1/gpconnect/fhir")
}

fn structured_root(base: &str) -> String {
    format!("{base}/B82617/STU3/1/gpconnect/structured/fhir")
}

/// The raw HTTP/1.1 request of `interaction` on `root` with valid Spine headers and JWT.
fn raw_request(interaction: Interaction, root: &str, content_type: &str, length: usize) -> Vec<u8> {
    let token = Jwt::build(
        &JwtConfig::default(),
        root,
        interaction.scope(),
        chrono::Utc::now().timestamp(),
    )
    .encode();
    let url = format!("{root}{}", interaction.path_with(None));
    let (authority, path) = url
        .trim_start_matches("http://")
        .split_once('/')
        .expect("a path");
    let mut head = format!(
        "{} /{path} HTTP/1.1\r\nHost: {authority}\r\n{}: {}\r\n{}: {DEFAULT_CONSUMER_ASID}\r\n{}: {DEFAULT_PROVIDER_ASID}\r\n{}: {}\r\n{}: Bearer {token}\r\nAccept: {}\r\nConnection: close\r\n",
        interaction.method().as_str(),
        headers::SSP_TRACE_ID,
        uuid::Uuid::new_v4(),
        headers::SSP_FROM,
        headers::SSP_TO,
        headers::SSP_INTERACTION_ID,
        interaction.urn(),
        headers::AUTHORIZATION,
        headers::FHIR_JSON,
    );
    if interaction.method().as_str() != "GET" {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
        ));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// The status code of the answer to `head` + `body` on a fresh connection, or why there was none.
async fn exchange(base: &str, head: &[u8], body: &[u8]) -> Result<u16, String> {
    let addr = base.trim_start_matches("http://");
    let mut sock = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    sock.write_all(head)
        .await
        .map_err(|e| format!("head: {e}"))?;
    // A provider may answer (and close) before the whole body is sent; what it answered is what counts.
    for chunk in body.chunks(1024 * 1024) {
        if sock.write_all(chunk).await.is_err() {
            break;
        }
    }
    status_of(&mut sock).await
}

async fn status_of(sock: &mut TcpStream) -> Result<u16, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(2).any(|w| w == b"\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(60), sock.read(&mut chunk))
            .await
            .map_err(|_| "no status line within 60 s".to_string())?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!(
                "closed without a status line ({} bytes)",
                buf.len()
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not a status line: {line:.80}"))
}

/// A well-formed CapabilityStatement read answers 200.
async fn healthy(base: &str) -> bool {
    let head = raw_request(Interaction::MetadataRead, &root(base), "", 0);
    matches!(exchange(base, &head, b"").await, Ok(200))
}

async fn body_case(
    base: &str,
    name: &str,
    interaction: Interaction,
    content_type: &str,
    body: &[u8],
) {
    let r = if interaction == Interaction::GetStructuredRecord {
        structured_root(base)
    } else {
        root(base)
    };
    let head = raw_request(interaction, &r, content_type, body.len());
    let started = Instant::now();
    let status = exchange(base, &head, body).await;
    println!(
        "{name}: {status:?} in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    match status {
        Ok(code) => assert!(
            (400..500).contains(&code),
            "{name}: HTTP {code}; a request the provider cannot read is a 4xx"
        ),
        Err(e) => panic!("{name}: no answer ({e})"),
    }
    assert!(healthy(base).await, "{name}: the provider still serves");
}

/// The plain provider, then the inspecting one (one after the other: each opens 10,000 connections).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_consumers_get_4xx_and_the_provider_keeps_serving() {
    println!("== gpc-assure serve");
    hostile(false).await;
    println!("== gpc-assure serve --inspect");
    hostile(true).await;
}

async fn hostile(inspect: bool) {
    let mut served = Served::start(inspect);
    let base = served.base.clone();
    assert!(healthy(&base).await, "the provider serves");
    let (before, _) = served.memory();

    let json = "application/fhir+json";
    let xml = "application/fhir+xml";
    body_case(
        &base,
        "malformed JSON",
        Interaction::AppointmentCreate,
        json,
        br#"{"resourceType":"Appointment","status":"booked","slot":[{"reference":"#,
    )
    .await;
    body_case(
        &base,
        "malformed XML",
        Interaction::AppointmentCreate,
        xml,
        br#"<Appointment xmlns="http://hl7.org/fhir"><status value="booked"/><slot>"#,
    )
    .await;
    body_case(
        &base,
        "invalid UTF-8",
        Interaction::AppointmentCreate,
        json,
        b"{\"resourceType\":\"Appointment\",\"description\":\"\xff\xfe\xc3\x28\"}",
    )
    .await;
    let deep = format!(
        "{{\"resourceType\":\"Parameters\",\"parameter\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    body_case(
        &base,
        "10,000 levels of JSON nesting",
        Interaction::GetStructuredRecord,
        json,
        deep.as_bytes(),
    )
    .await;
    let deep_xml = format!(
        "<Parameters xmlns=\"http://hl7.org/fhir\">{}{}</Parameters>",
        "<parameter>".repeat(10_000),
        "</parameter>".repeat(10_000)
    );
    body_case(
        &base,
        "10,000 levels of XML nesting",
        Interaction::GetStructuredRecord,
        xml,
        deep_xml.as_bytes(),
    )
    .await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><Appointment xmlns="http://hl7.org/fhir"><description value="&lol9;"/></Appointment>"#;
    body_case(
        &base,
        "XML entity expansion",
        Interaction::AppointmentCreate,
        xml,
        laughs.as_bytes(),
    )
    .await;
    let big = vec![b' '; 100 * 1024 * 1024];
    body_case(
        &base,
        "100 MB body",
        Interaction::AppointmentCreate,
        json,
        &big,
    )
    .await;
    drop(big);

    // Slowloris: 500 connections sending their request head a byte a second; well-formed requests are still
    // answered meanwhile.
    let addr = base.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..500 {
        if let Ok(mut s) = TcpStream::connect(&addr).await {
            let _ = s
                .write_all(b"GET /B82617/STU3/1/gpconnect/fhir/metadata HTTP/1.1\r\nHo")
                .await;
            slow.push(s);
        }
    }
    let drip = tokio::spawn(async move {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            for s in &mut slow {
                let _ = s.write_all(b"s").await;
            }
        }
        slow
    });
    for _ in 0..5 {
        let started = Instant::now();
        assert!(
            healthy(&base).await,
            "served beside 500 slowloris connections"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(drip.await.expect("the slow connections"));
    println!("slowloris: 500 connections; well-formed requests answered meanwhile");

    // 10,000 concurrent connections, each with a well-formed request; twice, so that the second wave shows
    // whether memory levels off (the inspecting provider keeps the latest 10,000 requests).
    let head = raw_request(Interaction::MetadataRead, &root(&base), "", 0);
    let mut after_wave = Vec::new();
    for wave in 1..=2 {
        flood(&base, &head, wave).await;
        assert!(served.alive(), "the provider is still running");
        assert!(healthy(&base).await, "and serving");
        after_wave.push(served.memory().0);
    }
    println!(
        "provider memory after each wave: {} MiB, {} MiB",
        after_wave[0] / 1024,
        after_wave[1] / 1024
    );
    assert!(
        after_wave[1] < after_wave[0] + 128 * 1024,
        "memory keeps growing: {after_wave:?} KiB"
    );

    let (after, peak) = served.memory();
    println!(
        "provider memory: {} MiB before, {} MiB after, peak {} MiB",
        before / 1024,
        after / 1024,
        peak / 1024
    );
    assert!(peak < 2 * 1024 * 1024, "peak {peak} KiB");
    assert!(
        after < before + 512 * 1024,
        "{after} KiB after, {before} KiB before"
    );
}

/// 10,000 concurrent connections, each a well-formed CapabilityStatement read: at least 9,500 answered 200, no
/// 5xx.
async fn flood(base: &str, head: &[u8], wave: u32) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10_000 {
        let base = base.to_string();
        let head = head.to_vec();
        tasks.spawn(async move { exchange(&base, &head, b"").await });
    }
    let (mut ok, mut other, mut failed) = (0usize, Vec::new(), Vec::new());
    while let Some(r) = tasks.join_next().await {
        match r.expect("the task ran") {
            Ok(200) => ok += 1,
            Ok(code) => other.push(code),
            Err(e) => failed.push(e),
        }
    }
    println!(
        "10,000 concurrent connections (wave {wave}): {ok} answered 200 in {:.1} s, {} other statuses, {} without an answer{}",
        started.elapsed().as_secs_f64(),
        other.len(),
        failed.len(),
        failed
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    assert!(other.iter().all(|c| *c < 500), "no 5xx: {other:?}");
    assert!(ok >= 9_500, "{ok} of 10,000 answered");
}
