//! What a run shows while it goes: one line per test (or a live line on a terminal), the failure blocks at the
//! end, and a panic hook that keeps step failures (panics inside cucumber) off stderr.

use std::io::Write;

use crate::report::ScenarioOutcome;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A live line on a terminal, plain lines otherwise.
    Auto,
    /// One line per test.
    Plain,
    /// Only the summary.
    Quiet,
}

/// The resolved display mode of a run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Display {
    pub live: bool,
    pub plain: bool,
}

impl Display {
    pub fn new(progress: Progress) -> Self {
        use std::io::IsTerminal;
        let live = progress == Progress::Auto && std::io::stderr().is_terminal();
        let plain = progress == Progress::Plain || (progress == Progress::Auto && !live);
        Self { live, plain }
    }

    fn shows_anything(self) -> bool {
        self.live || self.plain
    }

    /// One test finished.
    pub fn test_done(self, o: &ScenarioOutcome, done: usize, total: usize) {
        let mut err = std::io::stderr().lock();
        let mark = if o.passed { "PASS" } else { "FAIL" };
        if self.live {
            let _ = write!(
                err,
                "\r\x1b[2K[{done:>4}/{total}] {mark} {} {}",
                o.id,
                truncate(&o.name, 80)
            );
            if !o.passed {
                let _ = writeln!(
                    err,
                    "\n        {}",
                    o.message.as_deref().unwrap_or_default()
                );
            }
        } else if self.plain {
            let _ = writeln!(
                err,
                "[{done:>4}/{total}] {mark} {} {} ({:.0} ms)",
                o.id, o.name, o.duration_ms
            );
            if !o.passed {
                let _ = writeln!(err, "        {}", o.message.as_deref().unwrap_or_default());
            }
        }
        let _ = err.flush();
    }

    /// The run ended: the failure blocks, h2spec-style.
    pub fn finished(self, outcomes: &[ScenarioOutcome]) {
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
