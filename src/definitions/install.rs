//! `gpc-assure definitions install`: fetches every set of the manifest (from the FHIR package registry, a release
//! archive URL, or a folder of archives already downloaded), verifies the pinned digests, and unpacks each set
//! into the package cache as `<name>#<version>/package/`.
//!
//! Downloads go to `<archive>.part` beside the kept archives (`<gpc-assure cache>/downloads/`); an interrupted
//! download resumes with an HTTP range request, or restarts when the server cannot resume. A set is unpacked
//! into a staging folder and moved into place only when every digest holds, so an interrupted install never
//! leaves a half-written package behind.

use std::io::{Read as _, Write as _};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use sha2::Digest as _;

use super::manifest::{content_digest, hex, DefinitionSet, Manifest, Part};

/// The record of an installed set, beside its `package.json`.
pub const MARKER: &str = ".gpc-assure-install.json";

/// What an install needs.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub manifest: Manifest,
    /// The package cache to install into.
    pub to: PathBuf,
    /// A folder of archives already downloaded (offline install): no network is used.
    pub from: Option<PathBuf>,
    /// Where downloads are kept.
    pub downloads: PathBuf,
    /// Reinstall sets that are already installed.
    pub force: bool,
    /// Progress on one updating line (a terminal) rather than a line per step.
    pub live_progress: bool,
}

/// An install failed; each variant says what to do.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("cannot download {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error(
        "the FHIR package registry at {registry} does not list {package} ({reason}); check --registry or the \
         manifest"
    )]
    Registry {
        registry: String,
        package: String,
        reason: String,
    },
    #[error(
        "refused {file}: its SHA-256 is {actual} but the manifest pins {expected}; the file was deleted (a \
         corrupt or changed download); run the install again, or check the source"
    )]
    Digest {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "refused {package}: the files taken from {file} have content digest {actual} but the manifest pins \
         {expected}; nothing was installed"
    )]
    Content {
        package: String,
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "refused {package}: {file} lacks {count} file(s) the manifest pins ({first}...); is it the right archive?"
    )]
    MissingFiles {
        package: String,
        file: String,
        count: usize,
        first: String,
    },
    #[error("{file} is not in {dir} (the folder given with --from must hold every archive the manifest lists)")]
    NotInFolder { file: String, dir: PathBuf },
    #[error(
        "refused {file}: it is not a readable .tar.gz archive ({reason}); a download is deleted so that the next \
         install fetches it again"
    )]
    Archive { file: String, reason: String },
    #[error("refused {file}: it holds none of the files of {package} (is it the right archive, and `root` right?)")]
    Empty { file: String, package: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What happened to one set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOutcome {
    Installed { files: usize },
    AlreadyInstalled,
}

/// Installs every set of the manifest, writing progress to `log`.
pub async fn install(
    opts: &InstallOptions,
    log: &mut (dyn std::io::Write + Send),
) -> Result<Vec<(String, SetOutcome)>, InstallError> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .user_agent(concat!("gpc-assure/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| InstallError::Http {
            url: String::new(),
            reason: e.to_string(),
        })?;
    std::fs::create_dir_all(&opts.to).map_err(io(&opts.to))?;
    let mut outcomes = Vec::new();
    for set in &opts.manifest.sets {
        let label = set.package_label();
        let dest = super::installed_dir(&opts.to, set);
        if !opts.force && is_installed(&dest, set) {
            let _ = writeln!(log, "{label}: already installed in {}", dest.display());
            outcomes.push((label, SetOutcome::AlreadyInstalled));
            continue;
        }
        let mut archives = Vec::new();
        for part in &set.parts {
            archives.push(fetch(&client, opts, set, part, log).await?);
        }
        let files = unpack_set(opts, set, &archives, &dest)?;
        let _ = writeln!(
            log,
            "{label}: installed {files} files in {}",
            dest.display()
        );
        outcomes.push((label, SetOutcome::Installed { files }));
    }
    Ok(outcomes)
}

/// Is the set installed as this manifest pins it?
pub fn is_installed(dest: &Path, set: &DefinitionSet) -> bool {
    let Ok(text) = std::fs::read_to_string(dest.join("package").join(MARKER)) else {
        return false;
    };
    let Ok(marker) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    marker.get("pins") == Some(&pins(set)) && dest.join("package").join("package.json").is_file()
}

/// The digests a set is pinned to, as recorded in its marker.
fn pins(set: &DefinitionSet) -> serde_json::Value {
    serde_json::Value::Array(
        set.parts
            .iter()
            .map(
                |p| json!({"file": p.file, "sha256": p.sha256, "content_sha256": p.content_sha256}),
            )
            .collect(),
    )
}

/// The archive of a part on disk, verified against its pinned archive digest.
async fn fetch(
    client: &reqwest::Client,
    opts: &InstallOptions,
    set: &DefinitionSet,
    part: &Part,
    log: &mut (dyn std::io::Write + Send),
) -> Result<PathBuf, InstallError> {
    let label = set.package_label();
    if let Some(dir) = &opts.from {
        let path = dir.join(&part.file);
        if !path.is_file() {
            return Err(InstallError::NotInFolder {
                file: part.file.clone(),
                dir: dir.clone(),
            });
        }
        verify_archive(&path, part, false)?;
        let _ = writeln!(log, "{label}: using {}", path.display());
        return Ok(path);
    }
    std::fs::create_dir_all(&opts.downloads).map_err(io(&opts.downloads))?;
    let path = opts.downloads.join(&part.file);
    if path.is_file() && part.sha256.is_some() && verify_archive(&path, part, true).is_ok() {
        let _ = writeln!(
            log,
            "{label}: using the download kept in {}",
            path.display()
        );
        return Ok(path);
    }
    let url = match (&part.url, &part.registry) {
        (Some(url), _) => url.clone(),
        (None, Some(package)) => tarball_url(client, &opts.manifest.registry, package).await?,
        (None, None) => unreachable!("the manifest check requires `registry` or `url`"),
    };
    download(client, &url, &path, &label, opts.live_progress, log).await?;
    verify_archive(&path, part, true)?;
    Ok(path)
}

/// Checks a part's archive digest when one is pinned; a refused download is deleted.
fn verify_archive(path: &Path, part: &Part, delete_on_mismatch: bool) -> Result<(), InstallError> {
    let Some(expected) = &part.sha256 else {
        return Ok(());
    };
    let actual = file_sha256(path)?;
    if !actual.eq_ignore_ascii_case(expected) {
        if delete_on_mismatch {
            let _ = std::fs::remove_file(path);
        }
        return Err(InstallError::Digest {
            file: path.display().to_string(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(())
}

fn file_sha256(path: &Path) -> Result<String, InstallError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// The tarball URL of `name#version` from the registry's package document (`versions.<v>.dist.tarball`).
async fn tarball_url(
    client: &reqwest::Client,
    registry: &str,
    package: &str,
) -> Result<String, InstallError> {
    let (name, version) = package.split_once('#').unwrap_or((package, ""));
    let registry = registry.trim_end_matches('/');
    let url = format!("{registry}/{name}");
    let fail = |reason: String| InstallError::Registry {
        registry: registry.to_string(),
        package: package.to_string(),
        reason,
    };
    let resp = client
        .get(&url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| InstallError::Http {
            url: url.clone(),
            reason: crate::client::tls::chain(&e),
        })?;
    if !resp.status().is_success() {
        return Err(InstallError::Status {
            url,
            status: resp.status().as_u16(),
        });
    }
    let body = resp.bytes().await.map_err(|e| InstallError::Http {
        url: url.clone(),
        reason: crate::client::tls::chain(&e),
    })?;
    let doc: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| fail(format!("its answer is not a package document: {e}")))?;
    let entry = doc
        .get("versions")
        .and_then(|v| v.get(version))
        .ok_or_else(|| fail(format!("no version {version}")))?;
    Ok(entry
        .pointer("/dist/tarball")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| format!("{registry}/{name}/{version}"), str::to_string))
}

/// Downloads `url` to `path` through `path.part`, resuming a partial download when the server allows it.
async fn download(
    client: &reqwest::Client,
    url: &str,
    path: &Path,
    label: &str,
    live: bool,
    log: &mut (dyn std::io::Write + Send),
) -> Result<(), InstallError> {
    let part = path.with_file_name(format!(
        "{}.part",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("download")
    ));
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let http = |e: reqwest::Error| InstallError::Http {
        url: url.to_string(),
        reason: crate::client::tls::chain(&e),
    };
    let mut request = client.get(url);
    if have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let mut resp = request.send().await.map_err(http)?;
    let status = resp.status().as_u16();
    let (mut file, mut done) = match status {
        206 if have > 0 => {
            let _ = writeln!(log, "{label}: resuming {url} at {}", megabytes(have));
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(&part)
                .map_err(io(&part))?;
            (f, have)
        }
        200 => {
            if have > 0 {
                let _ = writeln!(log, "{label}: the server cannot resume; restarting {url}");
            }
            (std::fs::File::create(&part).map_err(io(&part))?, 0)
        }
        416 => {
            // The partial file does not fit what the server has: start again.
            let _ = std::fs::remove_file(&part);
            return Box::pin(download(client, url, path, label, live, log)).await;
        }
        _ => {
            return Err(InstallError::Status {
                url: url.to_string(),
                status,
            })
        }
    };
    let total = resp.content_length().map(|n| n + done);
    let _ = writeln!(log, "{label}: downloading {url}");
    let mut last_shown = done;
    while let Some(chunk) = resp.chunk().await.map_err(http)? {
        file.write_all(&chunk).map_err(io(&part))?;
        done += chunk.len() as u64;
        if live && done - last_shown >= 256 * 1024 {
            last_shown = done;
            let of = total
                .map(|t| format!(" of {}", megabytes(t)))
                .unwrap_or_default();
            let _ = write!(log, "\r  {}{of}   ", megabytes(done));
            let _ = log.flush();
        }
    }
    file.flush().map_err(io(&part))?;
    drop(file);
    if live {
        let _ = writeln!(log, "\r  {}             ", megabytes(done));
    }
    if let Some(t) = total {
        if done != t {
            return Err(InstallError::Http {
                url: url.to_string(),
                reason: format!(
                    "the download ended after {done} of {t} bytes; run the install again to resume"
                ),
            });
        }
    }
    std::fs::rename(&part, path).map_err(io(path))?;
    Ok(())
}

fn megabytes(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1_000_000.0)
}

/// Unpacks a set's archives into a staging folder, checks content digests, writes `package.json` (for sets that
/// are not registry packages) and the install marker, then moves the set into place.
fn unpack_set(
    opts: &InstallOptions,
    set: &DefinitionSet,
    archives: &[PathBuf],
    dest: &Path,
) -> Result<usize, InstallError> {
    let label = set.package_label();
    let staging = opts
        .to
        .join(format!(".{label}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let package = staging.join("package");
    std::fs::create_dir_all(&package).map_err(io(&package))?;
    let result = (|| {
        let mut installed = std::collections::BTreeSet::new();
        for (part, archive) in set.parts.iter().zip(archives) {
            let files = unpack_part(part, archive, &package)?;
            if files.is_empty() {
                return Err(InstallError::Empty {
                    file: part.file.clone(),
                    package: label.clone(),
                });
            }
            if let Some(expected) = &part.content_sha256 {
                let covered: Vec<(&str, &str)> = if part.verify.is_empty() {
                    files
                        .iter()
                        .map(|(p, d)| (p.as_str(), d.as_str()))
                        .collect()
                } else {
                    let by_path: std::collections::HashMap<&str, &str> = files
                        .iter()
                        .map(|(p, d)| (p.as_str(), d.as_str()))
                        .collect();
                    let missing: Vec<&str> = part
                        .verify
                        .iter()
                        .map(String::as_str)
                        .filter(|v| !by_path.contains_key(v))
                        .collect();
                    if !missing.is_empty() {
                        return Err(InstallError::MissingFiles {
                            package: label.clone(),
                            file: part.file.clone(),
                            count: missing.len(),
                            first: missing[..missing.len().min(3)].join(", "),
                        });
                    }
                    part.verify
                        .iter()
                        .filter_map(|v| by_path.get_key_value(v.as_str()).map(|(p, d)| (*p, *d)))
                        .collect()
                };
                let actual = content_digest(covered);
                if !actual.eq_ignore_ascii_case(expected) {
                    return Err(InstallError::Content {
                        package: label.clone(),
                        file: part.file.clone(),
                        expected: expected.clone(),
                        actual,
                    });
                }
            }
            installed.extend(files.into_iter().map(|(p, _)| p));
        }
        if !set.is_registry_package() {
            let sources: Vec<String> = set
                .parts
                .iter()
                .filter_map(|p| p.url.clone().or_else(|| p.registry.clone()))
                .collect();
            let manifest = json!({
                "name": set.name,
                "version": set.version,
                "title": set.title,
                "description": format!("{} (assembled by gpc-assure from {})", set.title, sources.join(", ")),
                "fhirVersions": [set.fhir_version],
                "type": "fhir.ig",
            });
            write_json(&package.join("package.json"), &manifest)?;
        }
        write_json(
            &package.join(MARKER),
            &json!({
                "installed_by": concat!("gpc-assure ", env!("CARGO_PKG_VERSION")),
                "alias": set.alias,
                "pins": pins(set),
            }),
        )?;
        Ok(installed.len())
    })();
    let files = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            // A download that cannot be used is not kept (an archive of the user's --from folder is left alone).
            if opts.from.is_none()
                && matches!(
                    e,
                    InstallError::Archive { .. }
                        | InstallError::Content { .. }
                        | InstallError::MissingFiles { .. }
                        | InstallError::Empty { .. }
                )
            {
                for a in archives {
                    let _ = std::fs::remove_file(a);
                }
            }
            return Err(e);
        }
    };
    if dest.exists() {
        std::fs::remove_dir_all(dest).map_err(io(dest))?;
    }
    std::fs::rename(&staging, dest).map_err(io(dest))?;
    Ok(files)
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), InstallError> {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    std::fs::write(path, text).map_err(io(path))
}

/// Extracts the files of one part under `package`; returns (installed path, SHA-256) per file.
fn unpack_part(
    part: &Part,
    archive: &Path,
    package: &Path,
) -> Result<Vec<(String, String)>, InstallError> {
    let bad = |reason: String| InstallError::Archive {
        file: archive.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(archive).map_err(io(archive))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let root: Vec<String> = part
        .root
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for entry in tar.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry.path().map_err(|e| bad(e.to_string()))?.into_owned();
        let mut names = Vec::new();
        for c in path.components() {
            match c {
                Component::Normal(n) => names.push(n.to_string_lossy().into_owned()),
                Component::CurDir => {}
                // `..`, absolute paths: never written outside the package.
                _ => return Err(bad(format!("unsafe path {}", path.display()))),
            }
        }
        if names.len() <= root.len() || names[..root.len()] != root[..] {
            continue;
        }
        let rel = names[root.len()..].join("/");
        if !part.include.is_empty()
            && !part
                .include
                .iter()
                .any(|i| rel == *i || rel.starts_with(&format!("{}/", i.trim_end_matches('/'))))
        {
            continue;
        }
        let installed = part.rename.get(&rel).cloned().unwrap_or(rel);
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(e.to_string()))?;
        let target = package.join(&installed);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&target, &bytes).map_err(io(&target))?;
        out.push((installed, super::manifest::sha256_hex(&bytes)));
    }
    Ok(out)
}
