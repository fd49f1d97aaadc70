//! The manifest of definition sets: YAML, built into the binary (`manifest.yaml` beside this file), or read
//! from a file with `definitions install --manifest FILE` (an organisation's mirror or re-pinned sets).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

/// The built-in manifest's text.
pub const BUILTIN: &str = include_str!("manifest.yaml");

/// The default FHIR package registry (its npm-style protocol: `GET {registry}/{name}` answers the package's
/// versions, each with `dist.tarball`).
pub const DEFAULT_REGISTRY: &str = "https://packages.fhir.org";

/// Every definition set, in install order.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Base URL of the FHIR package registry for parts given as `registry:`.
    #[serde(default = "default_registry")]
    pub registry: String,
    pub sets: Vec<DefinitionSet>,
}

fn default_registry() -> String {
    DEFAULT_REGISTRY.to_string()
}

/// One definition set: installed as one package `<name>#<version>` in the package cache.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DefinitionSet {
    /// The source name the config's `definitions` lists use for this set (the folder name in `../shared/fhir`).
    pub alias: String,
    /// Package name in the cache.
    pub name: String,
    pub version: String,
    /// One line for people.
    pub title: String,
    /// FHIR version of the definitions (`3.0.1`, `1.0.2`).
    pub fhir_version: String,
    /// Capability tags that resolve definitions from this set.
    pub capabilities: Vec<String>,
    /// Where the set's files come from, applied in order (a later part's file replaces an earlier one's).
    pub parts: Vec<Part>,
}

/// One archive of a set.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// A FHIR package from the registry, `name#version`: the archive is the package's tarball.
    #[serde(default)]
    pub registry: Option<String>,
    /// A published release archive (`.tar.gz`), by URL.
    #[serde(default)]
    pub url: Option<String>,
    /// The archive's file name (downloads are kept under it; `--from DIR` looks for it).
    pub file: String,
    /// The folder inside the archive that holds the files (`package` for FHIR packages).
    pub root: String,
    /// Files or folders (relative to `root`) to take; empty takes everything under `root`.
    #[serde(default)]
    pub include: Vec<String>,
    /// The installed files the content digest covers (for a part installed whole, such as a registry package:
    /// the files gpc-assure reads); empty covers every file the part installs. Each must be present.
    #[serde(default)]
    pub verify: Vec<String>,
    /// Files renamed on install: path in the archive (relative to `root`) to installed path.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// SHA-256 of the archive, hex.
    #[serde(default)]
    pub sha256: Option<String>,
    /// SHA-256 over the files this part installs (see [`content_digest`]), hex: it holds however the archive is
    /// packed, which matters for source archives a forge generates on request.
    #[serde(default)]
    pub content_sha256: Option<String>,
    /// Where the part's files were taken from for `../shared/fhir` (provenance, and the offline test's source).
    #[serde(default)]
    pub shared: Option<String>,
}

/// The manifest is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the definitions manifest {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("definitions manifest {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// A set's names: all a run's start needs of the manifest (where each set is installed, and the alias a config
/// names it by).
#[derive(Debug, Clone, PartialEq)]
pub struct SetName {
    pub alias: String,
    pub name: String,
    pub version: String,
}

impl SetName {
    /// `name#version`, the set's folder in the package cache.
    pub fn package_label(&self) -> String {
        format!("{}#{}", self.name, self.version)
    }
}

/// The sets' names in the built-in manifest's text, read line by line: each set opens with `  - alias: `, and
/// its `name` and `version` are keys four spaces in. (A test holds this to the full parse.)
fn names_in(text: &str) -> Vec<SetName> {
    fn scalar(v: &str) -> String {
        let v = v.trim();
        v.strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v)
            .to_string()
    }
    let mut sets: Vec<SetName> = Vec::new();
    for line in text.lines() {
        if let Some(alias) = line.strip_prefix("  - alias: ") {
            sets.push(SetName {
                alias: scalar(alias),
                name: String::new(),
                version: String::new(),
            });
        } else if let Some(set) = sets.last_mut() {
            if let Some(name) = line.strip_prefix("    name: ") {
                set.name = scalar(name);
            } else if let Some(version) = line.strip_prefix("    version: ") {
                set.version = scalar(version);
            }
        }
    }
    sets
}

impl Manifest {
    /// The manifest built into the binary.
    pub fn builtin() -> &'static Manifest {
        static BUILT_IN: OnceLock<Manifest> = OnceLock::new();
        BUILT_IN.get_or_init(|| match Self::parse(BUILTIN, "(built in)") {
            Ok(m) => m,
            // The built-in manifest is checked by a unit test; an unusable one is a build defect.
            Err(e) => panic!("{e}"),
        })
    }

    /// The built-in sets' names, without parsing the manifest's YAML: the whole manifest (its lists of files)
    /// costs a start about 29 M instructions (6 ms), and a start that reads installed definitions needs only
    /// where each set is installed.
    pub fn builtin_names() -> &'static [SetName] {
        static NAMES: OnceLock<Vec<SetName>> = OnceLock::new();
        NAMES.get_or_init(|| names_in(BUILTIN))
    }

    /// Reads a manifest file.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a manifest's text.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ManifestError> {
        let invalid = |reason: String| ManifestError::Invalid {
            path: origin.to_string(),
            reason,
        };
        let m: Manifest = serde_yaml_ng::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut labels = std::collections::HashSet::new();
        for set in &m.sets {
            if !labels.insert(set.package_label()) {
                return Err(invalid(format!("{} is listed twice", set.package_label())));
            }
            if set.parts.is_empty() {
                return Err(invalid(format!("{} has no parts", set.package_label())));
            }
            for cap in &set.capabilities {
                if crate::spine::catalogue::Capability::from_tag(cap).is_none() {
                    return Err(invalid(format!(
                        "{}: unknown capability `{cap}`",
                        set.package_label()
                    )));
                }
            }
            for part in &set.parts {
                let what = format!("{} part {}", set.package_label(), part.file);
                match (&part.registry, &part.url) {
                    (Some(_), None) | (None, Some(_)) => {}
                    _ => {
                        return Err(invalid(format!(
                            "{what}: give exactly one of `registry` and `url`"
                        )))
                    }
                }
                if part.sha256.is_none() && part.content_sha256.is_none() {
                    return Err(invalid(format!(
                        "{what}: pin `sha256` (the archive) or `content_sha256` (its files)"
                    )));
                }
                for digest in [&part.sha256, &part.content_sha256].into_iter().flatten() {
                    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(invalid(format!(
                            "{what}: `{digest}` is not a SHA-256 in hex"
                        )));
                    }
                }
                if part.file.contains(['/', '\\']) || part.file.starts_with('.') {
                    return Err(invalid(format!("{what}: `file` must be a plain file name")));
                }
            }
        }
        Ok(m)
    }

    /// The set with this alias or package label.
    pub fn find(&self, key: &str) -> Option<&DefinitionSet> {
        self.sets
            .iter()
            .find(|s| s.alias == key || s.package_label() == key || s.name == key)
    }
}

impl DefinitionSet {
    /// `name#version`, the package's folder name in the cache.
    pub fn package_label(&self) -> String {
        format!("{}#{}", self.name, self.version)
    }

    /// Is this set a package of the FHIR registry (installed verbatim, package.json included)?
    pub fn is_registry_package(&self) -> bool {
        self.parts.len() == 1 && self.parts[0].registry.is_some()
    }
}

/// The content digest of installed files: SHA-256 over `path NUL sha256(file) LF` for every file, sorted by its
/// installed path (`/`-separated, relative to the package folder).
pub fn content_digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    use sha2::Digest as _;
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort();
    let mut h = sha2::Sha256::new();
    for (path, digest) in files {
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update(digest.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}
