//! Evidence: every exchange of a test (request, response, timings and the decoded JWT), the profile
//! validator's findings for what it validated, and the MESH messages of Send Document tests.
//!
//! A run keeps them in one JSON Lines file per feature, `evidence/<capability>.<feature file>.jsonl`, one line
//! per test (`{"id": ..., "exchanges": [...], "validations": [...], "messages": [...]}`), so that a run of
//! thousands of tests writes tens of files. The outcome of each test is in `run.json` beside them; the HTML
//! report reads both.

use std::collections::HashMap;
use std::io::{BufRead as _, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::client::Exchange;

/// The evidence folder, relative to the report folder.
pub const FOLDER: &str = "evidence";

/// The evidence file of the tests of `feature_file` (`features/structured/allergies.feature` ->
/// `evidence/structured.allergies.jsonl`), relative to the report folder.
pub fn file_of(feature_file: &str) -> String {
    let path = Path::new(feature_file);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("features");
    let name = match path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
    {
        Some(folder) => format!("{folder}.{stem}"),
        None => stem.to_string(),
    };
    format!("{FOLDER}/{}.jsonl", super::safe_component(&name, 120))
}

/// One test's line.
#[derive(Debug, Serialize)]
struct Line<'a> {
    id: &'a str,
    exchanges: Vec<Exchange>,
    validations: &'a [serde_json::Value],
    messages: &'a [serde_json::Value],
}

/// Appends tests' lines to the evidence files of a run (from any thread).
#[derive(Debug)]
pub struct EvidenceWriter {
    report_dir: PathBuf,
    files: Mutex<HashMap<String, BufWriter<std::fs::File>>>,
}

impl EvidenceWriter {
    pub fn new(report_dir: &Path) -> Self {
        Self {
            report_dir: report_dir.to_path_buf(),
            files: Mutex::new(HashMap::new()),
        }
    }

    /// Writes the line of test `id` into `file` (relative to the report folder, from [`file_of`]).
    pub fn write(
        &self,
        file: &str,
        id: &str,
        exchanges: &[Exchange],
        validations: &[serde_json::Value],
        messages: &[serde_json::Value],
    ) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&Line {
            id,
            exchanges: exchanges.iter().map(redacted).collect(),
            validations,
            messages,
        })
        .map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let out = match files.get_mut(file) {
            Some(out) => out,
            None => {
                let path = self.report_dir.join(file);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let created = BufWriter::with_capacity(256 * 1024, std::fs::File::create(&path)?);
                files.entry(file.to_string()).or_insert(created)
            }
        };
        out.write_all(&line)
    }

    /// Flushes and closes every file.
    pub fn finish(&self) -> std::io::Result<()> {
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, mut out) in files.drain() {
            out.flush()?;
        }
        Ok(())
    }
}

/// Every test's line of the evidence files in `report_dir`, by test id (the JSON text, without its newline).
/// A line that does not read as a test's evidence is an error naming the file and line.
pub fn read_lines(report_dir: &Path) -> std::io::Result<HashMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    let mut out = HashMap::new();
    let dir = report_dir.join(FOLDER);
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for path in files {
        let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
        for (n, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let id: Id = serde_json::from_str(&line).map_err(|e| {
                std::io::Error::other(format!(
                    "{} line {}: not a test's evidence: {e}",
                    path.display(),
                    n + 1
                ))
            })?;
            out.insert(id.id, line);
        }
    }
    Ok(out)
}

/// The evidence of test `id` in `report_dir`, parsed, if the run kept any.
pub fn read(report_dir: &Path, id: &str) -> std::io::Result<Option<serde_json::Value>> {
    read_lines(report_dir)?
        .remove(id)
        .map(|line| serde_json::from_str(&line).map_err(std::io::Error::other))
        .transpose()
}

/// The exchange as evidence may show it: the signature of a signed bearer token is replaced by its length
/// (GP Connect's JWTs are unsigned and stay whole; a signature is a secret of whoever made it).
pub fn redacted(ex: &Exchange) -> Exchange {
    let mut ex = ex.clone();
    for (name, value) in &mut ex.request.headers {
        if name.eq_ignore_ascii_case("authorization") {
            if let Some(v) = redact_token(value) {
                *value = v;
            }
        }
    }
    if let Some(sig) = ex
        .jwt
        .as_mut()
        .and_then(|j| j.get_mut("signature"))
        .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
    {
        let n = sig.as_str().map_or(0, str::len);
        *sig = serde_json::Value::String(format!("<redacted: {n} characters>"));
    }
    ex
}

/// `Bearer header.payload.signature` with the signature replaced, or `None` when there is no signature.
fn redact_token(value: &str) -> Option<String> {
    let (scheme, token) = value.split_once(' ')?;
    let (unsigned, signature) = token.rsplit_once('.')?;
    if signature.is_empty() || unsigned.matches('.').count() != 1 {
        return None;
    }
    Some(format!(
        "{scheme} {unsigned}.<redacted: {} characters>",
        signature.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(auth: &str) -> Exchange {
        Exchange {
            request: crate::client::OutgoingRequest {
                method: "GET".into(),
                url: "http://x/metadata".into(),
                headers: vec![("Authorization".into(), auth.into())],
                body: None,
            },
            response: None,
            error: None,
            started_at: String::new(),
            elapsed_ms: 0.0,
            jwt: Some(serde_json::json!({ "header": {}, "payload": {}, "signature": "secret" })),
        }
    }

    #[test]
    fn signatures_are_redacted_and_unsigned_tokens_kept() {
        assert_eq!(redact_token("Bearer aaa.bbb."), None);
        assert_eq!(
            redact_token("Bearer aaa.bbb.c2ln").as_deref(),
            Some("Bearer aaa.bbb.<redacted: 4 characters>")
        );
        assert_eq!(redact_token("Bearer invalid"), None);
        let text = serde_json::to_string(&redacted(&exchange("Bearer a.b.secret"))).unwrap();
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn one_line_per_test_in_one_file_per_feature() {
        let dir = std::env::temp_dir().join(format!("gpc-evidence-{}", uuid::Uuid::new_v4()));
        let w = EvidenceWriter::new(&dir);
        let file = file_of("features/structured/allergies.feature");
        assert_eq!(file, "evidence/structured.allergies.jsonl");
        let oo = serde_json::json!({ "resourceType": "OperationOutcome" });
        w.write(&file, "a.1", &[exchange("Bearer a.b.")], &[oo], &[])
            .unwrap();
        w.write(&file, "a.2", &[], &[], &[]).unwrap();
        w.write(&file_of("features/html/jwt.feature"), "h.1", &[], &[], &[])
            .unwrap();
        w.finish().unwrap();
        let lines = read_lines(&dir).unwrap();
        assert_eq!(lines.len(), 3);
        let a1 = read(&dir, "a.1").unwrap().unwrap();
        assert_eq!(a1["exchanges"][0]["request"]["method"], "GET");
        assert_eq!(a1["validations"][0]["resourceType"], "OperationOutcome");
        assert_eq!(std::fs::read_dir(dir.join(FOLDER)).unwrap().count(), 2);
        std::fs::write(dir.join("evidence/bad.jsonl"), "not json\n").unwrap();
        let err = read_lines(&dir).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl line 1"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
