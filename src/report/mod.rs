//! Report writers: JUnit XML, the evidence files, the run record, the HTML report, failure blocks and the
//! First-of-Type evidence pack. (cucumber.json is written by cucumber's own JSON writer during the run.)

pub mod config_copy;
pub mod evidence;
pub mod failure;
pub mod html;
pub mod junit;
pub mod pack;
pub mod run_record;

use serde::{Deserialize, Serialize};

pub use failure::{FailureReport, StepFailure};

/// Result of one executed test (one Examples row counts as one test).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioOutcome {
    /// The stable test id (`appt.book.07`, `appt.book.01.2` for an outline row).
    pub id: String,
    pub feature: String,
    pub feature_file: String,
    /// JUnit classname: `gpc.<capability>.<Feature>`.
    pub classname: String,
    /// The scenario name, with `[column=value, ...]` for an outline row.
    pub name: String,
    pub line: usize,
    pub tags: Vec<String>,
    /// The requirement the test checks, with links to the specification.
    pub requirement: String,
    pub passed: bool,
    /// One line saying why the test failed.
    pub message: Option<String>,
    /// The whole failure, h2spec-style.
    pub failure: Option<FailureReport>,
    pub duration_ms: f64,
    /// The evidence file holding the test's line, relative to the report folder
    /// (`evidence/<capability>.<feature>.jsonl`).
    pub evidence: String,
    pub exchanges: usize,
}

/// Escapes text for an XML or HTML attribute or element; characters XML 1.0 cannot carry at all become U+FFFD.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Makes a string safe as one path component.
pub fn safe_component(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches(|c| c == '_' || c == '.');
    out.chars().take(max).collect()
}
