//! The First-of-Type evidence pack: one zip of a run's HTML report, JUnit, cucumber JSON, run record, evidence
//! files and the configuration used (secrets redacted), with `manifest.json` giving the SHA-256 of every
//! file. `verify` checks a pack against its manifest.
//!
//! A pack never carries key material: a file holding a PEM private key stops the pack.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{evidence, html, run_record};

/// The manifest's name inside a pack.
pub const MANIFEST: &str = "manifest.json";

/// The copy of the configuration in a report folder (written by `gpc-assure run`, secrets redacted).
pub const CONFIG_FILE: &str = "config.yaml";

/// The report files a pack takes from the report folder besides the evidence files.
const REPORT_FILES: [&str; 5] = [
    html::FILE,
    "junit.xml",
    "cucumber.json",
    run_record::FILE,
    CONFIG_FILE,
];

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `gpc-assure 0.1.0`.
    pub tool: String,
    /// When the pack was made (UTC, RFC 3339).
    pub created: String,
    /// The run's summary line (`2225 passed, 0 failed`).
    pub summary: String,
    pub files: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A pack could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(transparent)]
    Run(#[from] run_record::ReadError),
    #[error(transparent)]
    Render(#[from] html::RenderError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} holds a private key; a pack never carries key material (remove it from the report folder)")]
    PrivateKey(String),
    #[error("{path} is not a readable evidence pack: {message}")]
    Unreadable { path: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PackError + '_ {
    move |source| PackError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `bytes` hold a PEM private key.
fn holds_private_key(bytes: &[u8]) -> bool {
    const MARK: &[u8] = b"PRIVATE KEY-----";
    bytes.windows(MARK.len()).any(|w| w == MARK)
}

/// The pack's files: the report files present, then the evidence files, as (name in the pack, path).
fn files_of(report_dir: &Path) -> Result<Vec<(String, PathBuf)>, PackError> {
    let mut files: Vec<(String, PathBuf)> = REPORT_FILES
        .iter()
        .map(|f| ((*f).to_string(), report_dir.join(f)))
        .filter(|(_, p)| p.is_file())
        .collect();
    let dir = report_dir.join(evidence::FOLDER);
    if dir.is_dir() {
        let mut ev: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
            .map_err(io(&dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?.to_string();
                Some((format!("{}/{name}", evidence::FOLDER), p))
            })
            .collect();
        ev.sort();
        files.extend(ev);
    }
    Ok(files)
}

/// What a pack holds.
#[derive(Debug, Clone)]
pub struct Packed {
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

/// Writes the pack of `report_dir` to `out` (rendering `index.html` first when the folder has none).
pub fn pack(report_dir: &Path, out: &Path) -> Result<Packed, PackError> {
    let record = run_record::RunRecord::read(report_dir)?;
    if !report_dir.join(html::FILE).is_file() {
        html::write(report_dir)?;
    }
    let passed = record.outcomes.iter().filter(|o| o.passed).count();
    let mut manifest = Manifest {
        tool: format!("gpc-assure {}", env!("CARGO_PKG_VERSION")),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        summary: format!(
            "{passed} passed, {} failed ({} tests; {})",
            record.outcomes.len() - passed,
            record.outcomes.len(),
            record.meta.target
        ),
        files: Vec::new(),
    };
    let file = std::fs::File::create(out).map_err(io(out))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let zip_err = |e: zip::result::ZipError| PackError::Io {
        path: out.display().to_string(),
        source: std::io::Error::other(e),
    };
    for (name, path) in files_of(report_dir)? {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        if holds_private_key(&bytes) {
            drop(zip);
            let _ = std::fs::remove_file(out);
            return Err(PackError::PrivateKey(path.display().to_string()));
        }
        zip.start_file(name.as_str(), options).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(io(out))?;
        manifest.files.push(ManifestEntry {
            path: name,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| PackError::Io {
        path: MANIFEST.into(),
        source: std::io::Error::other(e),
    })?;
    zip.start_file(MANIFEST, options).map_err(zip_err)?;
    zip.write_all(&json).map_err(io(out))?;
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(io(out))?;
    let bytes = std::fs::metadata(out).map_err(io(out))?.len();
    Ok(Packed {
        path: out.to_path_buf(),
        files: manifest.files.len() + 1,
        bytes,
    })
}

/// What `verify` found: the manifest, and every way the pack differs from it (none when it holds).
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub problems: Vec<String>,
}

/// Checks every file of the pack at `path` against its manifest: each listed file present with its size and
/// SHA-256, and nothing in the pack that the manifest does not list.
pub fn verify(path: &Path) -> Result<Verified, PackError> {
    let unreadable = |message: String| PackError::Unreadable {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| unreadable(format!("not a zip archive ({e})")))?;
    let manifest: Manifest = {
        let mut entry = zip
            .by_name(MANIFEST)
            .map_err(|_| unreadable(format!("it has no {MANIFEST}")))?;
        let mut text = Vec::new();
        entry
            .read_to_end(&mut text)
            .map_err(|e| unreadable(format!("{MANIFEST}: {e}")))?;
        serde_json::from_slice(&text).map_err(|e| unreadable(format!("{MANIFEST}: {e}")))?
    };
    let mut problems = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for f in &manifest.files {
        listed.insert(f.path.clone());
        let mut entry = match zip.by_name(&f.path) {
            Ok(e) => e,
            Err(_) => {
                problems.push(format!(
                    "{}: listed in the manifest but not in the pack",
                    f.path
                ));
                continue;
            }
        };
        let mut bytes = Vec::new();
        if let Err(e) = entry.read_to_end(&mut bytes) {
            problems.push(format!("{}: cannot be read ({e})", f.path));
            continue;
        }
        let sha = sha256_hex(&bytes);
        if sha != f.sha256 || bytes.len() as u64 != f.bytes {
            problems.push(format!(
                "{}: SHA-256 {sha} ({} bytes), the manifest says {} ({} bytes)",
                f.path,
                bytes.len(),
                f.sha256,
                f.bytes
            ));
        }
    }
    for name in zip.file_names() {
        if name != MANIFEST && !listed.contains(name) {
            problems.push(format!("{name}: in the pack but not in the manifest"));
        }
    }
    problems.sort();
    Ok(Verified { manifest, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_are_recognised() {
        assert!(holds_private_key(
            b"x\n-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----\n"
        ));
        assert!(holds_private_key(b"-----BEGIN EC PRIVATE KEY-----"));
        assert!(!holds_private_key(b"-----BEGIN CERTIFICATE-----"));
    }
}
