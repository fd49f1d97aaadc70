//! What a run shows while it goes: a live bar on a terminal, one line per feature in a CI log (or one per test
//! with `--plain`), the failure blocks at the end, and a panic hook that keeps step failures (panics inside cucumber) off stderr.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::report::ScenarioOutcome;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// On a terminal a live bar with the counts and the current feature; elsewhere (CI logs) one line per
    /// feature as it finishes.
    Auto,
    /// One line per test.
    Plain,
    /// Only the summary.
    Quiet,
}

/// How many tests of each feature file the run has, and how many have finished.
#[derive(Debug, Default)]
struct Tally {
    /// Tests per feature file, and the files in run order.
    totals: HashMap<String, usize>,
    features: usize,
    /// Per feature file: (passed, failed, summed duration in ms, the failed tests' lines).
    done: HashMap<String, (usize, usize, f64, Vec<String>)>,
    features_done: usize,
    passed: usize,
    failed: usize,
}

/// The resolved display mode of a run.
#[derive(Debug, Clone)]
pub(super) struct Display {
    live: bool,
    plain: bool,
    per_feature: bool,
    tally: Arc<Mutex<Tally>>,
}

impl Display {
    /// `features`: the feature file of every selected test.
    pub fn new(progress: Progress, features: impl IntoIterator<Item = String>) -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        let live = progress == Progress::Auto && terminal;
        let plain = progress == Progress::Plain;
        let per_feature = progress == Progress::Auto && !terminal;
        let mut tally = Tally::default();
        for f in features {
            *tally.totals.entry(f).or_default() += 1;
        }
        tally.features = tally.totals.len();
        Self {
            live,
            plain,
            per_feature,
            tally: Arc::new(Mutex::new(tally)),
        }
    }

    fn shows_anything(&self) -> bool {
        self.live || self.plain || self.per_feature
    }

    /// One test finished.
    pub fn test_done(&self, o: &ScenarioOutcome, done: usize, total: usize) {
        if !self.shows_anything() {
            return;
        }
        let mut t = self
            .tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if o.passed {
            t.passed += 1;
        } else {
            t.failed += 1;
        }
        let failure_line = (!o.passed).then(|| {
            format!(
                "  FAIL {} {}\n        {}",
                o.id,
                o.name,
                o.message.as_deref().unwrap_or_default()
            )
        });
        let entry = t.done.entry(o.feature_file.clone()).or_default();
        if o.passed {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        entry.2 += o.duration_ms;
        entry.3.extend(failure_line.clone());
        let feature_finished = entry.0 + entry.1;
        let feature_total = t.totals.get(&o.feature_file).copied().unwrap_or(0);
        let mut err = std::io::stderr().lock();
        let mark = if o.passed { "PASS" } else { "FAIL" };
        if self.live {
            if let Some(line) = &failure_line {
                let _ = writeln!(err, "\r\x1b[2K{}", line.trim_start());
            }
            let width = 30;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            let _ = write!(
                err,
                "\r\x1b[2K[{}{}] {done}/{total}  {} passed  {} failed  {}",
                "#".repeat(filled),
                "-".repeat(width - filled),
                t.passed,
                t.failed,
                truncate(&o.feature, 60)
            );
        } else if self.plain {
            let _ = writeln!(
                err,
                "[{done:>4}/{total}] {mark} {} {} ({:.0} ms)",
                o.id, o.name, o.duration_ms
            );
            if !o.passed {
                let _ = writeln!(err, "        {}", o.message.as_deref().unwrap_or_default());
            }
        } else if self.per_feature && feature_finished == feature_total {
            let (passed, failed, ms, lines) =
                t.done.get(&o.feature_file).cloned().unwrap_or_default();
            t.features_done += 1;
            let _ = writeln!(
                err,
                "[{:>3}/{} features] {} {}: {passed} passed, {failed} failed ({:.1} s of tests); {done}/{total} tests done",
                t.features_done,
                t.features,
                if failed == 0 { "PASS" } else { "FAIL" },
                o.feature_file,
                ms / 1000.0
            );
            for l in lines {
                let _ = writeln!(err, "{l}");
            }
        }
        let _ = err.flush();
    }

    /// The run ended: the failure blocks, h2spec-style.
    pub fn finished(&self, outcomes: &[ScenarioOutcome]) {
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = writeln!(err);
        }
        if !self.shows_anything() {
            return;
        }
        let failed: Vec<&ScenarioOutcome> = outcomes.iter().filter(|o| !o.passed).collect();
        if failed.is_empty() {
            return;
        }
        let _ = writeln!(err, "\nFailures ({}):\n", failed.len());
        for o in failed {
            if let Some(f) = &o.failure {
                let _ = writeln!(err, "{}\n", f.render());
            }
        }
        let _ = err.flush();
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Step failures are panics inside cucumber; their message is reported per test, so the default panic hook's
/// stderr line for them is noise. Panics anywhere else still reach the original hook.
///
/// cucumber swaps the process's panic hook for an empty one while it runs and puts back the one it found. Two
/// runs in one process (the kill matrix runs several at once) can then leave the empty hook installed for
/// good, and every later panic, a test's failed assertion included, would vanish without a word. So the
/// quiet hook is installed again when a run ends (when this guard drops).
pub(super) struct QuietStepPanics;

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

static ORIGINAL_HOOK: std::sync::OnceLock<PanicHook> = std::sync::OnceLock::new();

impl QuietStepPanics {
    pub fn install() -> Self {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            let original = std::panic::take_hook();
            let _ = ORIGINAL_HOOK.set(original);
        });
        Self::set_quiet_hook();
        QuietStepPanics
    }

    fn set_quiet_hook() {
        std::panic::set_hook(Box::new(|info| {
            let in_steps = info.location().is_some_and(|l| l.file().contains("steps/"));
            if !in_steps {
                if let Some(h) = ORIGINAL_HOOK.get() {
                    h(info);
                }
            }
        }));
    }
}

impl Drop for QuietStepPanics {
    fn drop(&mut self) {
        // Whatever cucumber left behind, the quiet hook (which passes every other panic on) is what stays.
        Self::set_quiet_hook();
    }
}
