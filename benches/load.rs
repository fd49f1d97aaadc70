//! Load: the reference provider (`gpc-assure serve`, a child process) under a bounded loopback load of
//! read, search, book and amend requests from many connections. Reports throughput, p50/p99 latency per kind
//! and the provider's peak resident memory, then checks the booking invariants: each slot booked exactly once
//! however many consumers raced for it (the others refused 409 DUPLICATE_REJECTED), a booked slot no longer
//! free, and each appointment's version equal to one plus its successful amendments, amendments with a stale
//! version refused 409.
//!
//! Run: `cargo bench --bench load` (`GPC_LOAD_REQUESTS`, default 100000; `GPC_LOAD_CONNECTIONS`, default 32).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::BufRead as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gpc_assure::config::{JwtConfig, DEFAULT_CONSUMER_ASID, DEFAULT_PROVIDER_ASID};
use gpc_assure::spine::catalogue::Interaction;
use gpc_assure::spine::headers::{self, profile, system};
use gpc_assure::spine::jwt::Jwt;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Read,
    Search,
    Book,
    Amend,
}

struct Answer {
    status: u16,
    etag: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Consumer {
    http: reqwest::Client,
    root: String,
}

impl Consumer {
    async fn send(
        &self,
        i: Interaction,
        id: Option<&str>,
        query: &str,
        body: Option<String>,
        if_match: Option<&str>,
    ) -> Result<Answer, String> {
        let now = chrono::Utc::now().timestamp();
        let token = Jwt::build(&JwtConfig::default(), &self.root, i.scope(), now).encode();
        let url = format!("{}{}{}", self.root, i.path_with(id), query);
        let method = reqwest::Method::from_bytes(i.method().as_str().as_bytes())
            .map_err(|e| e.to_string())?;
        let mut rb = self
            .http
            .request(method, url)
            .header(headers::SSP_TRACE_ID, uuid::Uuid::new_v4().to_string())
            .header(headers::SSP_FROM, DEFAULT_CONSUMER_ASID)
            .header(headers::SSP_TO, DEFAULT_PROVIDER_ASID)
            .header(headers::SSP_INTERACTION_ID, i.urn())
            .header(headers::AUTHORIZATION, format!("Bearer {token}"))
            .header("accept", headers::FHIR_JSON);
        if let Some(b) = body {
            rb = rb.header("content-type", headers::FHIR_JSON).body(b);
        }
        if let Some(v) = if_match {
            rb = rb.header("if-match", v);
        }
        let resp = rb.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let text = resp.text().await.map_err(|e| e.to_string())?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| e.to_string())?
        };
        Ok(Answer { status, etag, body })
    }
}

fn appointment(slot: &Value, location: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "meta": { "profile": [profile::APPOINTMENT] },
        "contained": [{
            "resourceType": "Organization",
            "id": "1",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": "GPCA0001" }],
            "name": "GP Connect Assurance",
            "telecom": [{ "system": "phone", "value": "0300 303 5678" }]
        }],
        "extension": [{ "url": profile::EXT_BOOKING_ORGANISATION, "valueReference": { "reference": "#1" } }],
        "status": "booked",
        "description": "Load test booking",
        "start": slot["start"],
        "end": slot["end"],
        "slot": [{ "reference": format!("Slot/{}", slot["id"].as_str().unwrap_or_default()) }],
        "created": "2024-01-01T10:00:00+00:00",
        "participant": [
            { "actor": { "reference": "Patient/2" }, "status": "accepted" },
            { "actor": { "reference": location }, "status": "accepted" }
        ]
    })
}

/// Free slots from tomorrow for `days` days, each with its location.
async fn free_slots(c: &Consumer, days: i64) -> Result<Vec<(Value, String)>, String> {
    let from =
        gpc_assure::provider::uktime::local_date(chrono::Utc::now()) + chrono::Duration::days(1);
    let to = from + chrono::Duration::days(days);
    let q = format!("?start=ge{from}&end=le{to}&status=free&_include=Slot:schedule");
    let a = c
        .send(Interaction::SearchForFreeSlots, None, &q, None, None)
        .await?;
    if a.status != 200 {
        return Err(format!("slot search: HTTP {}", a.status));
    }
    let resources: Vec<Value> = a.body["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default();
    let location_of = |slot: &Value| {
        let schedule = slot["schedule"]["reference"].as_str().unwrap_or_default();
        resources
            .iter()
            .find(|r| format!("Schedule/{}", r["id"].as_str().unwrap_or_default()) == schedule)
            .and_then(|s| s["actor"].as_array())
            .and_then(|actors| {
                actors
                    .iter()
                    .filter_map(|a| a["reference"].as_str())
                    .find(|r| r.starts_with("Location/"))
            })
            .map(String::from)
    };
    Ok(resources
        .iter()
        .filter(|r| r["resourceType"] == "Slot")
        .filter_map(|s| location_of(s).map(|l| (s.clone(), l)))
        .collect())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn memory(pid: u32) -> (u64, u64) {
    common::memory_kib(pid)
}

/// What every booking and amendment came to.
#[derive(Default)]
struct Ledger {
    /// Per slot id: bookings created (201) and refused as duplicates (409).
    slots: HashMap<String, (usize, usize)>,
    /// Per appointment id: (slot id, successful amendments, stale amendments refused 409).
    appointments: HashMap<String, (String, usize, usize)>,
    unexpected: Vec<String>,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let total = env_usize("GPC_LOAD_REQUESTS", 100_000);
    let connections = env_usize("GPC_LOAD_CONNECTIONS", 32);
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
    let fhir = std::env::var("GPC_FHIR_PATH").unwrap_or_else(|_| shared.display().to_string());
    let mut child = match std::process::Command::new(env!("CARGO_BIN_EXE_gpc-assure"))
        .args(["serve", "--listen", "127.0.0.1:0", "--fhir-path", &fhir])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start gpc-assure serve: {e}");
            std::process::exit(2);
        }
    };
    let pid = child.id();
    // The first line says where it listens; the rest is drained so that the provider never writes to a closed
    // pipe (it ends quietly when its output goes away).
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let mut reader = std::io::BufReader::new(out);
        let _ = reader.read_line(&mut first);
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    }
    let Some(base) = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(String::from)
    else {
        eprintln!("the provider did not say where it listens: {first}");
        let _ = child.kill();
        std::process::exit(2);
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    let result = rt.block_on(load(&base, pid, total, connections));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
}

async fn load(base: &str, pid: u32, total: usize, connections: usize) -> Result<(), String> {
    let consumer = Consumer {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()
            .map_err(|e| e.to_string())?,
        root: format!("{base}/B82617/STU3/1/gpconnect/fhir"),
    };
    let slots = Arc::new(free_slots(&consumer, 13).await?);
    if slots.is_empty() {
        return Err("no free slot to book".into());
    }
    let (rss_before, _) = memory(pid);
    let next = Arc::new(AtomicUsize::new(0));
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let latencies: Arc<Mutex<HashMap<Kind, Vec<Duration>>>> = Arc::default();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (c, slots, next, ledger, latencies) = (
            consumer.clone(),
            slots.clone(),
            next.clone(),
            ledger.clone(),
            latencies.clone(),
        );
        workers.spawn(async move {
            let mut mine: HashMap<Kind, Vec<Duration>> = HashMap::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                // 60% reads, 25% searches, 10% bookings, 5% amendments.
                let kind = match n % 20 {
                    0..=11 => Kind::Read,
                    12..=16 => Kind::Search,
                    17 | 18 => Kind::Book,
                    _ => Kind::Amend,
                };
                let t = Instant::now();
                let outcome = step(&c, kind, n, &slots, &ledger).await;
                mine.entry(kind).or_default().push(t.elapsed());
                if let Err(e) = outcome {
                    lock(&ledger).unexpected.push(format!("{kind:?} #{n}: {e}"));
                }
            }
            let mut all = lock(&latencies);
            for (k, v) in mine {
                all.entry(k).or_default().extend(v);
            }
        });
    }
    while let Some(r) = workers.join_next().await {
        r.map_err(|e| format!("a worker failed: {e}"))?;
    }
    let elapsed = started.elapsed();
    let (rss_after, peak) = memory(pid);

    let mut lat = std::mem::take(&mut *lock(&latencies));
    let mut all: Vec<Duration> = Vec::new();
    println!(
        "load: {total} requests over {connections} connections in {:.2} s: {:.0} requests/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    for kind in [Kind::Read, Kind::Search, Kind::Book, Kind::Amend] {
        let v = lat.entry(kind).or_default();
        v.sort_unstable();
        println!(
            "  {kind:?}: {} requests, p50 {:.2} ms, p99 {:.2} ms",
            v.len(),
            percentile(v, 0.5).as_secs_f64() * 1000.0,
            percentile(v, 0.99).as_secs_f64() * 1000.0
        );
        all.extend(v.iter().copied());
    }
    all.sort_unstable();
    println!(
        "  all: p50 {:.2} ms, p99 {:.2} ms; provider memory {} MiB before, {} MiB after, peak {} MiB",
        percentile(&all, 0.5).as_secs_f64() * 1000.0,
        percentile(&all, 0.99).as_secs_f64() * 1000.0,
        rss_before / 1024,
        rss_after / 1024,
        peak / 1024
    );
    check_invariants(&consumer, &ledger, &slots).await
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One request of `kind`; an answer outside what the specification allows is an error.
async fn step(
    c: &Consumer,
    kind: Kind,
    n: usize,
    slots: &[(Value, String)],
    ledger: &Mutex<Ledger>,
) -> Result<(), String> {
    match kind {
        Kind::Read => {
            let a = c
                .send(Interaction::PatientRead, Some("2"), "", None, None)
                .await?;
            (a.status == 200)
                .then_some(())
                .ok_or(format!("patient read: HTTP {}", a.status))
        }
        Kind::Search => {
            let from = gpc_assure::provider::uktime::local_date(chrono::Utc::now())
                + chrono::Duration::days(1 + (n % 7) as i64);
            let to = from + chrono::Duration::days(1);
            let q = format!("?start=ge{from}&end=le{to}&status=free&_include=Slot:schedule");
            let a = c
                .send(Interaction::SearchForFreeSlots, None, &q, None, None)
                .await?;
            (a.status == 200)
                .then_some(())
                .ok_or(format!("slot search: HTTP {}", a.status))
        }
        Kind::Book => {
            // Bookings race for a few slots at a time, so that most slots are wanted by several consumers.
            let (slot, location) = &slots[(n / 20) % slots.len()];
            let slot_id = slot["id"].as_str().unwrap_or_default().to_string();
            let a = c
                .send(
                    Interaction::AppointmentCreate,
                    None,
                    "",
                    Some(appointment(slot, location).to_string()),
                    None,
                )
                .await?;
            let code = a.body["issue"][0]["details"]["coding"][0]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut l = lock(ledger);
            match (a.status, code.as_str()) {
                (201, _) => {
                    l.slots.entry(slot_id.clone()).or_default().0 += 1;
                    let id = a.body["id"].as_str().unwrap_or_default().to_string();
                    l.appointments.insert(id, (slot_id, 0, 0));
                    Ok(())
                }
                (409, "DUPLICATE_REJECTED") => {
                    l.slots.entry(slot_id).or_default().1 += 1;
                    Ok(())
                }
                (s, code) => Err(format!("booking: HTTP {s} {code}")),
            }
        }
        Kind::Amend => {
            let id = {
                let l = lock(ledger);
                let ids: Vec<&String> = l.appointments.keys().collect();
                if ids.is_empty() {
                    return Ok(());
                }
                ids[n % ids.len()].clone()
            };
            let read = c
                .send(Interaction::AppointmentRead, Some(&id), "", None, None)
                .await?;
            if read.status != 200 {
                return Err(format!("appointment read: HTTP {}", read.status));
            }
            let etag = read.etag.unwrap_or_default();
            let mut amend = read.body.clone();
            amend["description"] = json!(format!("Amended by request {n}"));
            let a = c
                .send(
                    Interaction::AppointmentAmend,
                    Some(&id),
                    "",
                    Some(amend.to_string()),
                    Some(&etag),
                )
                .await?;
            let mut l = lock(ledger);
            let entry = l.appointments.entry(id).or_default();
            match a.status {
                200 => {
                    entry.1 += 1;
                    Ok(())
                }
                // Another consumer amended it between this read and this amendment.
                409 => {
                    entry.2 += 1;
                    Ok(())
                }
                s => Err(format!("amendment: HTTP {s}")),
            }
        }
    }
}

async fn check_invariants(
    c: &Consumer,
    ledger: &Mutex<Ledger>,
    slots: &[(Value, String)],
) -> Result<(), String> {
    let (slot_counts, appointments, unexpected) = {
        let l = lock(ledger);
        (
            l.slots.clone(),
            l.appointments.clone(),
            l.unexpected.clone(),
        )
    };
    if !unexpected.is_empty() {
        return Err(format!(
            "{} answers outside the specification, first: {}",
            unexpected.len(),
            unexpected[0]
        ));
    }
    let mut problems = Vec::new();
    let mut raced = 0;
    for (slot, (created, duplicates)) in &slot_counts {
        if *created != 1 {
            problems.push(format!(
                "slot {slot}: {created} bookings created, {duplicates} refused"
            ));
        }
        if *duplicates > 0 {
            raced += 1;
        }
    }
    let still_free: Vec<String> = free_slots(c, 13)
        .await?
        .into_iter()
        .filter_map(|(s, _)| s["id"].as_str().map(String::from))
        .filter(|id| slot_counts.contains_key(id))
        .collect();
    if !still_free.is_empty() {
        problems.push(format!("booked slots still free: {still_free:?}"));
    }
    let mut amended = 0;
    let mut stale = 0;
    for (id, (_, amendments, refused)) in &appointments {
        let a = c
            .send(Interaction::AppointmentRead, Some(id), "", None, None)
            .await?;
        let want = format!("W/\"{}\"", 1 + amendments);
        if a.etag.as_deref() != Some(want.as_str()) {
            problems.push(format!(
                "appointment {id}: version {:?} after {amendments} amendments",
                a.etag
            ));
        }
        amended += amendments;
        stale += refused;
    }
    println!(
        "invariants: {} slots of {} booked exactly once ({raced} raced for by several consumers, {} duplicates refused 409); {} appointments, {amended} amendments, versions all 1 + amendments, {stale} stale amendments refused 409",
        slot_counts.len(),
        slots.len(),
        slot_counts.values().map(|(_, d)| d).sum::<usize>(),
        appointments.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "booking invariants broken: {}",
            problems.join("; ")
        ))
    }
}
