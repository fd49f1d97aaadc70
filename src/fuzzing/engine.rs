//! A mutational fuzzer on stable Rust. A seeded pseudo-random generator mutates inputs (bit flips, random
//! bytes, parser tokens, deletions, duplications, truncations, splices, long repeats, extreme numbers) drawn from
//! the target's seeds and a rolling pool of recent mutants (there is no coverage instrumentation, so no
//! coverage-guided corpus), runs the target on each on every core, catches panics, and a watchdog saves and
//! names an input that runs longer than the hang limit. Deterministic for a given seed per thread.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Target;

/// A small, fast, seeded generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Fragments that parsers of JSON, XML, FHIRPath, YAML and HTTP treat specially.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"-9223372036854775809",
    b"0.0000000000000000000001",
    b"\\u0000",
    b"\\ud800",
    b"<",
    b">",
    b"</",
    b"/>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"&a;",
    b"xmlns=\"http://hl7.org/fhir\"",
    b"value=\"",
    b"resourceType",
    b"\"resourceType\":\"Bundle\"",
    b"\"entry\":[",
    b"\"resource\":",
    b"\"extension\":[{\"url\":\"",
    b"\"valueString\":",
    b"\"reference\":\"#",
    b"\"contained\":[",
    b"\"meta\":{\"profile\":[\"",
    b".where(",
    b".exists()",
    b"%resource",
    b"today()",
    b"@2020-02-30",
    b"@T25:61",
    b"'",
    b"\\",
    b"$this",
    b" implies ",
    b" | ",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\0",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xf0\x9f\x92\xa9",
    b"- ",
    b": &anchor",
    b"*anchor",
    b"!!binary",
    b"---",
    b"Bearer ",
    b".",
    b"eyJ",
    b"%PDF-1.4",
    b"/FlateDecode",
    b"stream\n",
    b"endstream",
    b"9690937286",
    b"2026-12-01",
];

/// One mutant of `input`; `other` is another corpus entry for splicing.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8], max_len: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = out.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                out.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                out.drain(i..i + n);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(256));
                let chunk: Vec<u8> = out[i..i + n].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, chunk);
            }
            5 if len > 0 => out.truncate(rng.below(len)),
            6 if !other.is_empty() => {
                let cut = rng.below(len + 1);
                let from = rng.below(other.len());
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            7 if len > 0 => {
                // Repeat a small piece many times (deep nesting, long runs).
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(8));
                let piece: Vec<u8> = out[i..i + n].to_vec();
                let times = 1 + rng.below(2000);
                let at = rng.below(out.len() + 1);
                let repeated: Vec<u8> = piece.iter().copied().cycle().take(n * times).collect();
                out.splice(at..at, repeated);
            }
            8 if len > 0 => {
                // Replace a digit run with an extreme number.
                let i = rng.below(len);
                if out[i].is_ascii_digit() {
                    let end = out[i..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .map_or(len, |p| i + p);
                    let n: &[u8] = match rng.below(4) {
                        0 => b"0",
                        1 => b"99999999999999999999999",
                        2 => b"-1",
                        _ => b"4294967296",
                    };
                    out.splice(i..end, n.iter().copied());
                }
            }
            _ => {
                let i = rng.below(len + 1);
                out.insert(i, rng.next_u64() as u8);
            }
        }
    }
    out.truncate(max_len);
    out
}

/// What one thread is running, and since when (`None`: between inputs).
type Running = Mutex<(Option<Instant>, Vec<u8>)>;

/// What a fuzzing session of one target found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub target: String,
    pub inputs: u64,
    pub seeds: usize,
    pub elapsed: Duration,
    /// Inputs that made the target panic, saved under the findings folder: (file, panic message).
    pub crashes: Vec<(PathBuf, String)>,
    /// The slowest input's time.
    pub slowest: Duration,
}

/// How to fuzz.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: u64,
    pub seed: u64,
    pub threads: usize,
    /// The largest input made (bytes).
    pub max_len: usize,
    /// An input running longer than this is a hang: saved, and the process stops.
    pub hang: Duration,
    /// Where crashing and hanging inputs are saved (`<dir>/<target>/crash-<hash>`).
    pub findings: PathBuf,
    /// At most this many seed files per target.
    pub max_seeds: usize,
}

fn save(findings: &Path, target: Target, kind: &str, input: &[u8]) -> PathBuf {
    let mut h = DefaultHasher::new();
    input.hash(&mut h);
    let dir = findings.join(target.name());
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{kind}-{:016x}", h.finish()));
    let _ = std::fs::write(&path, input);
    path
}

/// The message of a caught panic.
fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// Runs `target` on `opts.inputs` mutated inputs (its seeds first, as they are).
pub fn fuzz(target: Target, opts: &Options) -> Report {
    let seeds = target.seeds(opts.max_seeds);
    let seeds: Arc<Vec<Vec<u8>>> = Arc::new(if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds
    });
    let started = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let crashes: Arc<Mutex<Vec<(PathBuf, String)>>> = Arc::default();
    let slowest = Arc::new(AtomicU64::new(0));
    let threads = opts.threads.max(1);
    // What each thread is running, and since when (for the watchdog).
    let current: Arc<Vec<Running>> = Arc::new(
        (0..threads)
            .map(|_| Mutex::new((None, Vec::new())))
            .collect(),
    );
    let watchdog = {
        let (current, stop, findings, hang) = (
            current.clone(),
            stop.clone(),
            opts.findings.clone(),
            opts.hang,
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                for slot in current.iter() {
                    let (since, input) = &*slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if since.is_some_and(|s| s.elapsed() > hang) {
                        let path = save(&findings, target, "hang", input);
                        eprintln!(
                            "fuzz {}: an input ran longer than {:?}: saved as {}",
                            target.name(),
                            hang,
                            path.display()
                        );
                        std::process::exit(3);
                    }
                }
            }
        })
    };
    std::thread::scope(|s| {
        for t in 0..threads {
            let (seeds, done, crashes, slowest, current) =
                (&seeds, &done, &crashes, &slowest, &current);
            s.spawn(move || {
                let mut rng = Rng::new(opts.seed ^ ((t as u64 + 1) * 0x5851_f42d_4c95_7f2d));
                let mut pool: Vec<Vec<u8>> = Vec::new();
                loop {
                    let n = done.fetch_add(1, Ordering::Relaxed);
                    if n >= opts.inputs {
                        break;
                    }
                    let input = if (n as usize) < seeds.len() {
                        seeds[n as usize].clone()
                    } else {
                        let base = if !pool.is_empty() && rng.below(3) == 0 {
                            &pool[rng.below(pool.len())]
                        } else {
                            &seeds[rng.below(seeds.len())]
                        };
                        let other = &seeds[rng.below(seeds.len())];
                        mutate(&mut rng, base, other, opts.max_len)
                    };
                    {
                        let mut slot = current[t]
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        *slot = (Some(Instant::now()), input.clone());
                    }
                    let began = Instant::now();
                    let result = std::panic::catch_unwind(|| target.run(&input));
                    let took = began.elapsed();
                    current[t]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0 = None;
                    slowest.fetch_max(took.as_micros() as u64, Ordering::Relaxed);
                    match result {
                        Ok(()) => {
                            if pool.len() < 256 {
                                pool.push(input);
                            } else {
                                let i = rng.below(pool.len());
                                pool[i] = input;
                            }
                        }
                        Err(e) => {
                            let path = save(&opts.findings, target, "crash", &input);
                            crashes
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .push((path, panic_text(e.as_ref())));
                        }
                    }
                }
            });
        }
    });
    stop.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let crashes = std::mem::take(
        &mut *crashes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    Report {
        target: target.name().to_string(),
        inputs: opts.inputs,
        seeds: seeds.len(),
        elapsed: started.elapsed(),
        crashes,
        slowest: Duration::from_micros(slowest.load(Ordering::Relaxed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_is_deterministic_and_bounded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let x = mutate(
            &mut a,
            b"{\"resourceType\":\"Patient\"}",
            b"<Patient/>",
            4096,
        );
        let y = mutate(
            &mut b,
            b"{\"resourceType\":\"Patient\"}",
            b"<Patient/>",
            4096,
        );
        assert_eq!(x, y);
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            assert!(mutate(&mut r, b"1234567890", b"abc", 100).len() <= 100);
        }
    }
}
