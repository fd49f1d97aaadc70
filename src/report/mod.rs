//! Report writers: JUnit XML, per-scenario evidence folders, and progress lines. (cucumber.json is written by
//! cucumber's own JSON writer during the run.)

pub mod evidence;
pub mod junit;

use serde::Serialize;

/// Result of one executed scenario (one Examples row counts as one scenario).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioOutcome {
    pub feature: String,
    pub feature_file: String,
    /// JUnit classname: `gpc.<capability>.<Feature>`.
    pub classname: String,
    pub name: String,
    pub line: usize,
    pub tags: Vec<String>,
    pub passed: bool,
    pub message: Option<String>,
    pub duration_ms: f64,
    /// Evidence folder, relative to the report folder.
    pub evidence: String,
    pub exchanges: usize,
}

/// Makes a string safe as one path component.
pub fn safe_component(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').chars().take(max).collect()
}
