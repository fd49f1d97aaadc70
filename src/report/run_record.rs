//! `run.json`: what a run was (tool, target, configuration digest, times, what was left out) and the outcome
//! of every test, written when the run ends. `gpc-assure report DIR` renders the HTML report from it and the
//! evidence files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ScenarioOutcome;

/// The file's name in the report folder.
pub const FILE: &str = "run.json";

/// What the run was.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    /// `gpc-assure 0.1.0`.
    pub tool: String,
    /// What was tested: the embedded reference provider (with its faults), an external provider, or a consumer.
    pub target: String,
    /// The provider's base URL as the run reached it.
    pub base_url: String,
    pub provider_asid: String,
    pub consumer_asid: String,
    /// The provider's ODS code, when the service roots carry one (`/B82617/STU3/1/...`).
    pub provider_ods: Option<String>,
    /// The requesting organisation's ODS code (JWT).
    pub consumer_ods: String,
    /// SHA-256 of the effective configuration (defaults and config file together).
    pub config_digest: String,
    /// The run's clock (`--now` moves it) when the run started and ended, RFC 3339.
    pub started: String,
    pub ended: String,
    pub elapsed_secs: f64,
    /// `--tags` and `--id` of the run.
    pub tags: Option<String>,
    pub ids: Option<Vec<String>>,
    /// Which tests kept evidence: `all`, `failed` or `none`.
    pub evidence: String,
    /// Run-wide warnings (unverified server certificates).
    pub warnings: Vec<String>,
    /// Tests selected but not run, and why.
    pub not_run: Vec<NotRun>,
}

/// Selected tests that did not run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NotRun {
    /// The tag the tests share (`send-document`).
    pub tag: String,
    pub count: usize,
    pub reason: String,
}

/// `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub meta: RunMeta,
    /// One per test, in feature-file order.
    pub outcomes: Vec<ScenarioOutcome>,
}

/// `run.json` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path} is not a gpc-assure report folder: {source}")]
    Missing {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a run record of this version of gpc-assure: {message}")]
    Invalid { path: String, message: String },
}

impl RunRecord {
    pub fn write(&self, report_dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        std::fs::write(report_dir.join(FILE), json)
    }

    pub fn read(report_dir: &Path) -> Result<Self, ReadError> {
        let path = report_dir.join(FILE);
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| ReadError::Missing {
            path: shown.clone(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| ReadError::Invalid {
            path: shown,
            message: e.to_string(),
        })
    }
}

/// The ODS code in a service root such as `/B82617/STU3/1/gpconnect/fhir` or
/// `https://host/B82617/STU3/1/gpconnect/fhir`, if it carries one.
pub fn ods_of_root(root: &str) -> Option<String> {
    let path = match root.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => root,
    };
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let first = parts.next()?;
    let next = parts.next()?;
    let looks_like_ods = (3..=10).contains(&first.len())
        && first
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    (looks_like_ods && (next == "STU3" || next == "DSTU2")).then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ods_code_is_read_from_a_service_root() {
        assert_eq!(
            ods_of_root("/B82617/STU3/1/gpconnect/fhir").as_deref(),
            Some("B82617")
        );
        assert_eq!(
            ods_of_root("https://gpc.example/A20047/DSTU2/1/gpconnect/fhir").as_deref(),
            Some("A20047")
        );
        assert_eq!(ods_of_root("https://gpc.example/fhir"), None);
        assert_eq!(ods_of_root("/"), None);
    }
}
