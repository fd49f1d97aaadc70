//! Hostile providers over real loopback sockets: a proxy in front of the reference provider that misbehaves on
//! one interaction only (the CapabilityStatement, `GET .../metadata`) and forwards everything else. For each
//! misbehaviour, `gpc-assure run` (the release of this checkout, as a user runs it) against it must fail exactly
//! the `@MetadataRead` tests, each with one sentence naming what went wrong, pass the `@PatientSearch` tests,
//! finish within its time bounds, stay within a memory bound, and write every report.
//!
//! Peak memory is the child's maximum resident set (`wait4`); the figures are printed (BENCHMARKS.md) and
//! asserted only with generous limits.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use gpc_assure::provider::{self, ProviderOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// The body one byte at a time, 50 ms apart.
    Trickle,
    /// The connection reset halfway through the body.
    ResetMidBody,
    /// 100 MB of body.
    Body100Mb,
    /// `Content-Encoding: gzip` over bytes that are not gzip.
    BadGzip,
    /// `Transfer-Encoding: chunked` with a chunk size that is not hexadecimal.
    BadChunked,
    /// A header of 1 MB.
    Header1Mb,
    /// 302 to the same URL, for ever.
    RedirectLoop,
    /// No status line: HTTP/0.9-style garbage.
    Http09,
    /// Accepts the connection and never answers.
    Silent,
    /// Reads the request and closes before the status line.
    CloseBeforeStatus,
}

impl Hostile {
    /// What a failed test's message must say (one of these). A transport failure fails every step alike; a
    /// redirect is an answer (302, no body), so each test says what its first failing check saw of it.
    fn sentences(self) -> &'static [&'static str] {
        match self {
            Hostile::Trickle | Hostile::Silent => &["no response within the"],
            Hostile::ResetMidBody | Hostile::BadChunked => &["the response body could not be read"],
            Hostile::Body100Mb => &["exceeds the 5242880 byte limit (max_body_bytes)"],
            Hostile::BadGzip => &["Content-Encoding is gzip but the body is not valid gzip"],
            Hostile::Header1Mb => &["message head is too large"],
            Hostile::RedirectLoop => &[
                "HTTP status: expected 200, got 302",
                "the response body is empty",
            ],
            Hostile::Http09 => &["invalid HTTP version"],
            Hostile::CloseBeforeStatus => &["connection closed before message completed"],
        }
    }
}

const ALL: [Hostile; 10] = [
    Hostile::Trickle,
    Hostile::ResetMidBody,
    Hostile::Body100Mb,
    Hostile::BadGzip,
    Hostile::BadChunked,
    Hostile::Header1Mb,
    Hostile::RedirectLoop,
    Hostile::Http09,
    Hostile::Silent,
    Hostile::CloseBeforeStatus,
];

/// Reads one request (head and `Content-Length` body); `None` when the peer closed first.
async fn read_request(sock: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// The request with `Connection: close`, so the upstream ends its answer by closing.
fn closing(request: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let Some(end) = text.find("\r\n\r\n") else {
        return request.to_vec();
    };
    let mut out: Vec<u8> = text[..end]
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(&request[end + 4..]);
    out
}

/// The proxy answers one request a connection, and says so: a client must not find a pooled connection closed
/// under it (which would fail the test with a different sentence than the misbehaviour's).
const JSON_HEAD: &str =
    "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/fhir+json;charset=utf-8\r\n";

async fn misbehave(kind: Hostile, sock: &mut TcpStream, path: &str) {
    let body = br#"{"resourceType":"CapabilityStatement","status":"active"}"#;
    match kind {
        Hostile::Trickle => {
            let body = vec![b' '; 10_000];
            let head = format!("{JSON_HEAD}content-length: {}\r\n\r\n", body.len());
            let _ = sock.write_all(head.as_bytes()).await;
            for b in body {
                if sock.write_all(&[b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Hostile::ResetMidBody => {
            let head = format!("{JSON_HEAD}content-length: 4000\r\n\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(&[b' '; 2000]).await;
            let _ = sock.flush().await;
            // Linger 0: closing sends RST instead of FIN.
            let _ = sock.set_zero_linger();
        }
        Hostile::Body100Mb => {
            let total = 100 * 1024 * 1024usize;
            let head = format!("{JSON_HEAD}content-length: {total}\r\n\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
            let block = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                if sock.write_all(&block).await.is_err() {
                    return;
                }
                sent += block.len();
            }
        }
        Hostile::BadGzip => {
            let junk = b"this is not gzip at all, just text pretending";
            let head = format!(
                "{JSON_HEAD}content-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
                junk.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(junk).await;
        }
        Hostile::BadChunked => {
            let _ = sock
                .write_all(
                    format!(
                        "{JSON_HEAD}transfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .await;
        }
        Hostile::Header1Mb => {
            let big = "a".repeat(1024 * 1024);
            let head = format!(
                "{JSON_HEAD}x-padding: {big}\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body).await;
        }
        Hostile::RedirectLoop => {
            let head =
                format!("HTTP/1.1 302 Found\r\nconnection: close\r\nlocation: {path}\r\ncontent-length: 0\r\n\r\n");
            let _ = sock.write_all(head.as_bytes()).await;
        }
        Hostile::Http09 => {
            let _ = sock
                .write_all(b"garbage from before HTTP/1.0\r\nno status line here\r\n\r\n")
                .await;
        }
        Hostile::Silent => {
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        Hostile::CloseBeforeStatus => {}
    }
    let _ = sock.shutdown().await;
}

/// The hostile proxy: misbehaves on `.../metadata`, forwards everything else to `upstream`.
async fn serve(kind: Hostile, upstream: std::net::SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                {
                    let Some(request) = read_request(&mut sock).await else {
                        return;
                    };
                    let line = String::from_utf8_lossy(&request[..request.len().min(2048)])
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                    if path
                        .split('?')
                        .next()
                        .is_some_and(|p| p.ends_with("/metadata"))
                    {
                        misbehave(kind, &mut sock, &path).await;
                        return;
                    }
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    if up.write_all(&closing(&request)).await.is_err() {
                        return;
                    }
                    let mut answer = Vec::new();
                    if up.read_to_end(&mut answer).await.is_err() {
                        return;
                    }
                    // The upstream closed after its answer; so does the proxy (the client reconnects).
                    let _ = sock.write_all(&answer).await;
                    let _ = sock.shutdown().await;
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Runs the CLI as a child and returns its exit code, stdout, stderr and peak resident memory in KiB. The child
/// is reaped by `wait4` (which also gives its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_cli(args: &[&str], dir: &Path) -> (Option<i32>, String, String, i64) {
    use std::os::unix::process::ExitStatusExt as _;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_gpc-assure"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gpc-assure starts");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let mut stderr = child.stderr.expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; status and usage point at live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 on the child");
    let code = std::process::ExitStatus::from_raw(status).code();
    (
        code,
        out_reader.join().unwrap_or_default(),
        err_reader.join().unwrap_or_default(),
        usage.ru_maxrss,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_providers_fail_only_the_affected_tests_with_one_sentence() {
    let reference = provider::start("127.0.0.1:0", ProviderOptions::default())
        .await
        .expect("the reference provider starts");
    let upstream: std::net::SocketAddr = reference
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("a loopback address");
    let work = common::temp_dir("hostile");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("config.yaml"), "timeout_secs: 2\n").unwrap();
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
    let fhir = std::env::var("GPC_FHIR_PATH").unwrap_or_else(|_| shared.display().to_string());
    for kind in ALL {
        let url = serve(kind, upstream).await;
        let reports = work.join(format!("{kind:?}"));
        let reports_arg = reports.display().to_string();
        let args: Vec<String> = [
            "run",
            "--provider",
            url.as_str(),
            "--config",
            "config.yaml",
            "--fhir-path",
            fhir.as_str(),
            "--tags",
            "@MetadataRead or @PatientSearch",
            "--quiet",
            "--report-dir",
            reports_arg.as_str(),
        ]
        .map(String::from)
        .to_vec();
        let dir = work.clone();
        let started = Instant::now();
        let (code, out, err, peak_kib) = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_cli(&args, &dir)
        })
        .await
        .expect("the child is waited for");
        let took = started.elapsed();
        assert_eq!(code, Some(1), "{kind:?}: {out}{err}");
        let record: serde_json::Value = serde_json::from_slice(
            &std::fs::read(reports.join("run.json")).expect("run.json is written"),
        )
        .expect("run.json reads");
        let outcomes = record["outcomes"].as_array().expect("outcomes");
        let has = |o: &serde_json::Value, tag: &str| {
            o["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|x| x == tag))
        };
        let mut messages = Vec::new();
        for o in outcomes {
            let metadata = has(
                o,
                gpc_assure::spine::catalogue::Interaction::MetadataRead.name(),
            );
            let passed = o["passed"].as_bool() == Some(true);
            assert_eq!(
                passed,
                !metadata,
                "{kind:?}: {} {} should {}: {}",
                o["id"],
                o["name"],
                if metadata { "fail" } else { "pass" },
                o["message"]
            );
            if let Some(m) = o["message"].as_str() {
                assert!(!m.contains('\n'), "{kind:?}: one sentence: {m}");
                assert!(
                    kind.sentences().iter().any(|s| m.contains(s)),
                    "{kind:?}: {m}"
                );
                messages.push(m.to_string());
            }
        }
        assert!(!messages.is_empty());
        let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
        assert_eq!(junit.matches("<testcase ").count(), outcomes.len());
        assert!(
            reports.join("index.html").is_file(),
            "index.html is written"
        );
        assert!(
            took < Duration::from_secs(180),
            "{kind:?} took {took:?}: the run must stay within its timeouts"
        );
        assert!(
            peak_kib < 1024 * 1024,
            "{kind:?}: peak memory {peak_kib} KiB"
        );
        let sample = messages[0].chars().take(160).collect::<String>();
        println!(
            "{kind:?}: {} tests, {} failed, {:.1} s, peak {} MiB; \"{sample}\"",
            outcomes.len(),
            messages.len(),
            took.as_secs_f64(),
            peak_kib / 1024
        );
    }
    reference.stop().await;
    let _ = std::fs::remove_dir_all(&work);
}
