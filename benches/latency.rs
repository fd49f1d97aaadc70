//! A distant provider: the whole HTTP suite against the reference provider (`gpc-assure serve`, a child
//! process) through a proxy that delays every byte by half the added round trip in each direction, so each
//! request/response exchange takes `GPC_LATENCY_MS` (default 50) longer, and opening a connection one round trip
//! longer, as a provider across a network would. The proxy pipelines: a delay, not a bandwidth limit, and bytes
//! in flight on one connection do not hold up another.
//!
//! The run is `gpc-assure run --provider <proxy>` (a child process, as a user runs it), the tests that need the
//! provider's TLS and SSP addresses excluded (`not @security and not @ssp`: they open their own connections to
//! addresses this proxy does not serve) and Send Document too (it goes over MESH, not to the provider).
//!
//! Run: `cargo bench --bench latency` (`GPC_LATENCY_MS`, default 50; `GPC_BENCH_RUNS`, default 3;
//! `GPC_LATENCY_TAGS` replaces the tag expression).

use std::io::BufRead as _;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const DEFAULT_TAGS: &str = "not @security and not @ssp and not @send-document";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Copies `from` to `to`, each chunk written `delay` after it was read (chunks in order, never coalesced into
/// fewer delays), then closes `to`'s write side.
async fn delayed(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let due = tokio::time::Instant::now() + delay;
                    if tx.send((due, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    while let Some((due, chunk)) = rx.recv().await {
        tokio::time::sleep_until(due).await;
        if to.write_all(&chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    reader.abort();
}

/// Accepts connections on `listener` and joins each to `upstream` with `one_way` added each way.
async fn proxy(
    listener: TcpListener,
    upstream: std::sync::Arc<std::sync::Mutex<String>>,
    one_way: Duration,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let upstream = upstream
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        tokio::spawn(async move {
            // The connection's own handshake: one round trip.
            tokio::time::sleep(one_way * 2).await;
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::join!(delayed(cr, sw, one_way), delayed(sr, cw, one_way));
        });
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Starts the reference provider (`gpc-assure serve` on a free port): the child and the address it listens on.
fn start_provider(binary: &str, fhir: &str) -> Result<(std::process::Child, String), String> {
    let mut serve = std::process::Command::new(binary)
        .args(["serve", "--listen", "127.0.0.1:0", "--fhir-path", fhir])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start gpc-assure serve: {e}"))?;
    // The first line says where it listens; the rest is drained (serve ends quietly when its output goes away).
    let mut first = String::new();
    if let Some(out) = serve.stdout.take() {
        let mut reader = std::io::BufReader::new(out);
        let _ = reader.read_line(&mut first);
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    }
    match first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(|w| w.trim_end_matches('/').to_string())
    {
        Some(upstream) => Ok((serve, upstream)),
        None => {
            let _ = serve.kill();
            Err(format!(
                "the provider did not say where it listens: {first}"
            ))
        }
    }
}

fn main() {
    let latency_ms = env_u64("GPC_LATENCY_MS", 50);
    let runs = env_u64("GPC_BENCH_RUNS", 3).max(1);
    let tags = std::env::var("GPC_LATENCY_TAGS").unwrap_or_else(|_| DEFAULT_TAGS.to_string());
    let binary = env!("CARGO_BIN_EXE_gpc-assure");
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
    let fhir = std::env::var("GPC_FHIR_PATH").unwrap_or_else(|_| shared.display().to_string());

    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    let listener = match rt.block_on(TcpListener::bind("127.0.0.1:0")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen for the proxy: {e}");
            std::process::exit(2);
        }
    };
    let proxy_addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let one_way = Duration::from_millis(latency_ms) / 2;
    let upstream = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    rt.spawn(proxy(listener, upstream.clone(), one_way));

    println!("== gpc-assure through a distant provider ==");
    println!(
        "the reference provider (a fresh `gpc-assure serve` for each run), reached through a proxy at {proxy_addr} adding {latency_ms} ms to every exchange (and a round trip to each new connection); tests: --tags \"{tags}\"; {runs} run(s)"
    );
    let report = std::env::temp_dir().join(format!("gpc-latency-bench-{}", std::process::id()));
    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..runs {
        let (mut serve, address) = match start_provider(binary, &fhir) {
            Ok(started) => started,
            Err(e) => {
                println!("  {e}");
                break;
            }
        };
        *upstream
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = address;
        let _ = std::fs::remove_dir_all(&report);
        let started = Instant::now();
        let out = std::process::Command::new(binary)
            .args(["run", "--provider", &format!("http://{proxy_addr}")])
            .args(["--tags", &tags, "--quiet", "--evidence", "failed"])
            .arg("--report-dir")
            .arg(&report)
            .args(["--fhir-path", &fhir])
            .output();
        let elapsed = started.elapsed().as_secs_f64();
        match out {
            Ok(o) => {
                summary = String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .to_string();
                println!("  {elapsed:.1} s  exit {}: {summary}", o.status);
                if !o.status.success() {
                    let err = String::from_utf8_lossy(&o.stderr);
                    println!("  {}", err.lines().take(5).collect::<Vec<_>>().join("\n  "));
                }
                times.push(elapsed);
            }
            Err(e) => {
                println!("  cannot run gpc-assure: {e}");
            }
        }
        let _ = serve.kill();
        let _ = serve.wait();
    }
    // Exchanges of the last run (from its run.json): what the latency alone would cost one at a time.
    let exchanges: u64 = std::fs::read(report.join("run.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|run| {
            run.get("outcomes")?.as_array().map(|outcomes| {
                outcomes
                    .iter()
                    .filter_map(|o| o.get("exchanges").and_then(serde_json::Value::as_u64))
                    .sum()
            })
        })
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&report);
    if times.is_empty() {
        std::process::exit(2);
    }
    let tests: f64 = summary
        .split_whitespace()
        .zip(summary.split_whitespace().skip(1))
        .find(|(_, w)| *w == "passed,")
        .and_then(|(n, _)| n.replace(',', "").parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    let t = median(times.clone());
    println!(
        "median {t:.1} s over {} run(s) (min {:.1}, max {:.1}); {:.0} ms a passing test; the official suite, serially: 470 ms a test",
        times.len(),
        times.iter().copied().fold(f64::INFINITY, f64::min),
        times.iter().copied().fold(0.0, f64::max),
        t / tests * 1e3
    );
    println!(
        "{exchanges} exchanges in the last run: the added latency alone, one exchange at a time, would be {:.0} s",
        exchanges as f64 * latency_ms as f64 / 1e3
    );
}
