//! Locating FHIR definitions: the `--fhir-path` / `GPC_FHIR_PATH` folder list, a canonical-URL index, and the
//! few facts the harness reads out of definitions (fixed values, code displays).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The environment variable naming the folders of FHIR definitions (a path list, `:`-separated on Unix).
pub const ENV_VAR: &str = "GPC_FHIR_PATH";

/// A definitions problem, worded so the user knows what to set.
#[derive(Debug, thiserror::Error)]
pub enum DefsError {
    #[error(
        "FHIR definition {url} was not found in the FHIR path ({searched}); run `gpc-assure definitions install` \
         (then `gpc-assure definitions list` shows what each capability uses), or point --fhir-path or the \
         {ENV_VAR} environment variable at folders holding the definitions"
    )]
    Missing { url: String, searched: String },
    #[error(
        "no FHIR definitions found (looked in {searched}); run `gpc-assure definitions install` once, or point \
         --fhir-path or the {ENV_VAR} environment variable at folders holding the definitions"
    )]
    NoFolders { searched: String },
    #[error("cannot read FHIR definition {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("FHIR definition {path} has no element `{element}` with a fixed value")]
    NoFixedValue { path: PathBuf, element: String },
}

/// Where the FHIR path of a run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathOrigin {
    CommandLine,
    Environment,
    Config,
    Development,
    PackageCache,
}

impl std::fmt::Display for PathOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::CommandLine => "--fhir-path",
            Self::Environment => "the GPC_FHIR_PATH environment variable",
            Self::Config => "`fhir_path` in the config file",
            Self::Development => {
                "../shared/fhir beside the working directory (a development checkout)"
            }
            Self::PackageCache => "the sets installed in the FHIR package cache",
        })
    }
}

/// The ordered list of folders where definitions are looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirPath {
    pub folders: Vec<PathBuf>,
}

impl FhirPath {
    /// Precedence: command line, then `GPC_FHIR_PATH`, then the config file, then `../shared/fhir` beside the
    /// working directory (a development checkout), then the sets installed in the FHIR package cache by
    /// `gpc-assure definitions install`.
    pub fn resolve(cli: &[PathBuf], config: &[PathBuf]) -> Self {
        Self::resolve_with_origin(cli, config).0
    }

    /// As [`resolve`](Self::resolve), saying where the list came from.
    pub fn resolve_with_origin(cli: &[PathBuf], config: &[PathBuf]) -> (Self, PathOrigin) {
        if !cli.is_empty() {
            return (
                Self {
                    folders: cli.to_vec(),
                },
                PathOrigin::CommandLine,
            );
        }
        if let Some(env) = std::env::var_os(ENV_VAR) {
            let folders: Vec<PathBuf> = std::env::split_paths(&env)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if !folders.is_empty() {
                return (Self { folders }, PathOrigin::Environment);
            }
        }
        if !config.is_empty() {
            return (
                Self {
                    folders: config.to_vec(),
                },
                PathOrigin::Config,
            );
        }
        let dev = Self::development_default();
        if dev.folders.iter().any(|f| f.is_dir()) {
            return (dev, PathOrigin::Development);
        }
        (Self::package_cache(), PathOrigin::PackageCache)
    }

    /// `../shared/fhir` beside the working directory: the definitions of a development checkout.
    pub fn development_default() -> Self {
        Self {
            folders: vec![PathBuf::from("../shared/fhir")],
        }
    }

    /// The built-in manifest's sets in the FHIR package cache (`~/.fhir/packages/<name>#<version>`), whether
    /// installed or not: the ones missing are skipped and a definition they would hold is reported missing.
    pub fn package_cache() -> Self {
        let folders = match crate::definitions::package_cache() {
            Some(cache) => crate::definitions::Manifest::builtin_names()
                .iter()
                .map(|s| cache.join(s.package_label()))
                .collect(),
            None => Vec::new(),
        };
        Self { folders }
    }

    /// The folders searched, as error messages name them.
    pub fn searched(&self) -> String {
        if self.folders.is_empty() {
            return "no folder: there is no home folder for the FHIR package cache".to_string();
        }
        // The package cache's set folders, none installed: name the cache once.
        let parents: std::collections::HashSet<Option<&Path>> =
            self.folders.iter().map(|p| p.parent()).collect();
        if self.folders.len() > 1 && parents.len() == 1 && self.folders.iter().all(|p| !p.exists())
        {
            if let Some(Some(parent)) = parents.into_iter().next() {
                return format!(
                    "{}, which holds none of the {} definition sets",
                    parent.display(),
                    self.folders.len()
                );
            }
        }
        self.folders
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Folders that exist; a `.tgz` FHIR package is unpacked into the cache and its folder returned.
    pub fn existing(&self) -> Result<Vec<PathBuf>, DefsError> {
        let mut found: Vec<PathBuf> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for p in &self.folders {
            let folder = if p.is_dir() {
                p.clone()
            } else if super::packages::is_archive(p) {
                super::packages::unpack(p)?
            } else {
                continue;
            };
            // The same folder named twice (e.g. the two development defaults) is indexed once.
            if seen.insert(std::fs::canonicalize(&folder).unwrap_or_else(|_| folder.clone())) {
                found.push(folder);
            }
        }
        if found.is_empty() {
            return Err(DefsError::NoFolders {
                searched: self.searched(),
            });
        }
        Ok(found)
    }

    /// The folder of STU3 core StructureDefinitions (for the XML element model).
    pub fn stu3_core_structure_definitions(&self) -> Result<PathBuf, DefsError> {
        for folder in self.existing()? {
            for candidate in [
                folder.join("hl7-fhir-stu3-core-3.0.1/StructureDefinition"),
                folder.join("StructureDefinition"),
                folder.join("package"),
                folder.join("hl7.fhir.r3.core#3.0.1/package"),
                folder.join("hl7.fhir.r3.core#3.0.2/package"),
                folder.join("hl7.fhir.core#3.0.1/package"),
                folder.join("hl7.fhir.core#3.0.2/package"),
            ] {
                if candidate.join("StructureDefinition-Patient.json").is_file() {
                    return Ok(candidate);
                }
            }
        }
        Err(DefsError::Missing {
            url: "http://hl7.org/fhir/StructureDefinition/Patient (FHIR STU3 core 3.0.1)".into(),
            searched: self.searched(),
        })
    }

    /// The folder of DSTU2 core StructureDefinitions (for the DSTU2 element model).
    pub fn dstu2_core_structure_definitions(&self) -> Result<PathBuf, DefsError> {
        for folder in self.existing()? {
            for candidate in [
                folder.join("hl7-fhir-dstu2-core-1.0.2/StructureDefinition"),
                // An installed set of the package cache is itself the package's folder.
                folder.join("package"),
                folder.join("hl7.fhir.core#1.0.2/package"),
                folder.join("hl7.fhir.r2.core#1.0.2/package"),
            ] {
                if candidate
                    .join("StructureDefinition-Conformance.json")
                    .is_file()
                {
                    return Ok(candidate);
                }
            }
        }
        Err(DefsError::Missing {
            url: "http://hl7.org/fhir/StructureDefinition/Conformance (FHIR DSTU2 core 1.0.2)"
                .into(),
            searched: self.searched(),
        })
    }

    /// Builds the canonical URL index over every folder. A run builds it once and shares it (see
    /// [`index_builds`]).
    pub fn index(&self) -> Result<DefinitionIndex, DefsError> {
        INDEX_BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut index = DefinitionIndex {
            by_url: rustc_hash::FxHashMap::default(),
            searched: self.searched(),
        };
        for folder in self.existing()? {
            let csv = folder.join("CANONICAL_INDEX.csv");
            if csv.is_file() {
                index.add_csv(&folder, &csv)?;
            } else {
                index.add_folder(&folder);
            }
        }
        Ok(index)
    }
}

/// `(url, version, path)` of each conformance resource among `files` (a tree under `folder`), sniffed from the
/// files once and then read from a cache keyed by every file's path, size and modification time.
fn sniffed(folder: &Path, files: Vec<PathBuf>) -> Vec<(String, String, PathBuf)> {
    let key = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        // The index's own format: HL7 core entries carry their FHIR version.
        INDEX_CACHE_FORMAT.hash(&mut h);
        super::packages::hash_tree(&mut h, folder, &files);
        h.finish()
    };
    let cache = super::packages::cache_dir()
        .join("index")
        .join(format!("{key:016x}.tsv"));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        return text
            .lines()
            .filter_map(|line| {
                let mut cols = line.split('\t');
                let (Some(url), Some(version), Some(path)) =
                    (cols.next(), cols.next(), cols.next())
                else {
                    return None;
                };
                Some((url.to_string(), version.to_string(), PathBuf::from(path)))
            })
            .collect();
    }
    let mut lines = String::new();
    let mut found = Vec::new();
    for path in files {
        if let Some((url, version)) = sniff_canonical(&path) {
            lines.push_str(&format!("{url}\t{version}\t{}\n", path.display()));
            found.push((url, version, path));
        }
    }
    if let Some(dir) = cache.parent() {
        if std::fs::create_dir_all(dir).is_ok() {
            // A cache: a failed write only costs the next run a re-scan.
            let tmp = cache.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
            if std::fs::write(&tmp, lines).is_ok() {
                let _ = std::fs::rename(&tmp, &cache);
            }
        }
    }
    found
}

/// The columns of a `CANONICAL_INDEX.csv` line the index uses (`url,version,resourceType,fhirVersion,
/// hasSnapshot,baseDefinition,path`; the path is the last column).
struct CsvRow<'a> {
    url: &'a str,
    version: &'a str,
    fhir_version: &'a str,
    path: &'a str,
}

impl<'a> CsvRow<'a> {
    /// A line with at least seven columns; `None` for a shorter one (it is skipped).
    fn split(line: &'a str) -> Option<CsvRow<'a>> {
        let line = line.trim_end_matches('\r');
        let mut commas = [0usize; 4];
        let mut count = 0usize;
        let mut last = 0usize;
        for i in memchr::memchr_iter(b',', line.as_bytes()) {
            if let Some(slot) = commas.get_mut(count) {
                *slot = i;
            }
            count += 1;
            last = i;
        }
        // Seven columns are six commas; the path follows the last one (commas are ASCII: every cut is on a
        // character boundary).
        if count < 6 {
            return None;
        }
        Some(CsvRow {
            url: line.get(..commas[0])?,
            version: line.get(commas[0] + 1..commas[1])?,
            fhir_version: line.get(commas[2] + 1..commas[3])?,
            path: line.get(last + 1..)?,
        })
    }
}

/// `Path::new(base).join(rel)`, made by concatenation where that is the same thing (a relative `rel` on Unix).
fn joined(base: &str, rel: &str) -> PathBuf {
    if !cfg!(unix) || rel.starts_with('/') {
        return Path::new(base).join(rel);
    }
    let mut path = String::with_capacity(base.len() + 1 + rel.len());
    path.push_str(base);
    // `PathBuf::push` adds a separator after a non-empty base that does not end with one.
    if !base.is_empty() && !base.ends_with('/') {
        path.push('/');
    }
    path.push_str(rel);
    PathBuf::from(path)
}

/// One indexed conformance resource.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub version: String,
    pub path: PathBuf,
    /// `name#version` when the file comes from a FHIR NPM package.
    pub package: Option<String>,
}

impl IndexEntry {
    /// Does this entry come from the source a preference names? A preference is a package name
    /// (`uk.nhsdigital.r3`, or `name#version`) or a fragment of the file's path (`release-1.2.7`).
    pub fn from_source(&self, preference: &str) -> bool {
        if let Some(pkg) = &self.package {
            if pkg == preference
                || pkg.split('#').next() == Some(preference)
                || crate::definitions::alias_of(pkg) == Some(preference)
            {
                return true;
            }
        }
        self.path
            .components()
            .any(|c| c.as_os_str().to_str() == Some(preference))
            || (preference.contains('/') && self.path.to_string_lossy().contains(preference))
    }
}

/// Bumped when what a cached folder index holds changes, so an older cache is not read.
const INDEX_CACHE_FORMAT: u32 = 2;

static INDEX_BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many definition indexes this process has built (a run should build one).
pub fn index_builds() -> usize {
    INDEX_BUILDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Canonical URL -> files (several versions may exist).
#[derive(Debug, Clone)]
pub struct DefinitionIndex {
    /// Keys are canonical URLs from local definition files, hashed the cheap way (Fx): a cold start builds
    /// this map before anything else.
    by_url: rustc_hash::FxHashMap<String, Vec<IndexEntry>>,
    searched: String,
}

impl DefinitionIndex {
    fn add_csv(&mut self, folder: &Path, csv: &Path) -> Result<(), DefsError> {
        let text = std::fs::read_to_string(csv).map_err(|e| DefsError::Read {
            path: csv.to_path_buf(),
            reason: e.to_string(),
        })?;
        // Read once (a cold `validate` builds this index before anything else: 2,700 lines), each line split at
        // its commas by byte, and each file's path made by one concatenation.
        let base = folder.to_str();
        let mut start = 0;
        let lines = memchr::memchr_iter(b'\n', text.as_bytes())
            .chain(std::iter::once(text.len()))
            .map(|end| {
                let line = text.get(start..end).unwrap_or_default();
                start = end + 1;
                line
            });
        for line in lines.skip(1) {
            let Some(row) = CsvRow::split(line) else {
                continue;
            };
            // HL7 core definitions carry no business version; their FHIR version tells DSTU2 (1.0.2) and STU3
            // (3.0.1) apart, so `url|1.0.2` finds the DSTU2 core and a plain URL the highest (STU3).
            let version = if row.version.is_empty() && row.url.starts_with("http://hl7.org/fhir/") {
                row.fhir_version
            } else {
                row.version
            };
            let path = match base {
                Some(base) => joined(base, row.path),
                None => folder.join(row.path),
            };
            self.by_url
                .entry(row.url.to_string())
                .or_default()
                .push(IndexEntry {
                    version: version.to_string(),
                    path,
                    package: None,
                });
        }
        Ok(())
    }

    /// Indexes a folder without a CANONICAL_INDEX.csv: an unpacked package (by its `.index.json` when
    /// present), a package cache (`<name>#<version>/package/`), or any tree of JSON/XML files. The result of
    /// sniffing a tree is cached on disk, keyed by every file's size and modification time.
    fn add_folder(&mut self, folder: &Path) {
        let mut files = Vec::new();
        let mut packages = Vec::new();
        collect_files(folder, 0, &mut files, &mut packages);
        for pkg in &packages {
            self.add_package(pkg);
        }
        for (url, version, path) in sniffed(folder, files) {
            self.push(url, version, path, None);
        }
    }

    /// Indexes an unpacked package (the folder holding `package.json`).
    fn add_package(&mut self, dir: &Path) {
        let label = super::packages::package_label(dir);
        if let Some(entries) = super::packages::read_index_json(dir) {
            // `.index.json` gives no FHIR version: an HL7 core package's own version is its FHIR version.
            let core = label.as_deref().and_then(core_fhir_version);
            for (url, version, file) in entries {
                let path = dir.join(file);
                if path.is_file() {
                    let version = match (&core, version.is_empty() && is_hl7_core(&url)) {
                        (Some(fhir), true) => fhir.to_string(),
                        _ => version,
                    };
                    self.push(url, version, path, label.clone());
                }
            }
            return;
        }
        // No `.index.json` (what `definitions install` assembles, and older registry packages): sniffed once and
        // cached like any folder, not read whole at every start.
        let mut files = Vec::new();
        walk_files(dir, 0, &mut files, None);
        for (url, version, path) in sniffed(dir, files) {
            self.push(url, version, path, label.clone());
        }
    }

    fn push(&mut self, url: String, version: String, path: PathBuf, package: Option<String>) {
        self.by_url.entry(url).or_default().push(IndexEntry {
            version,
            path,
            package,
        });
    }

    /// The file for a canonical URL (the highest version when several exist; `url|version` picks one).
    pub fn resolve(&self, url: &str) -> Option<&IndexEntry> {
        let (url, version) = match url.split_once('|') {
            Some((u, v)) => (u, Some(v)),
            None => (url, None),
        };
        let entries = self.by_url.get(url)?;
        match version {
            Some(v) => entries.iter().find(|e| e.version == v),
            None => entries
                .iter()
                .max_by(|a, b| compare_versions(&a.version, &b.version)),
        }
    }

    /// Like [`resolve`](Self::resolve), but without an explicit `|version` the entry comes from a preference
    /// `url|version` naming this URL (a pin), else from the first preferred source that has one (the highest version within it), before falling back to the highest
    /// version anywhere.
    pub fn resolve_preferring(&self, url: &str, preferences: &[String]) -> Option<&IndexEntry> {
        if url.contains('|') || preferences.is_empty() {
            return self.resolve(url);
        }
        // A preference `url|version` pins that URL to that version.
        for pref in preferences {
            if let Some((u, _)) = pref.split_once('|') {
                if u == url {
                    if let Some(e) = self.resolve(pref) {
                        return Some(e);
                    }
                }
            }
        }
        let entries = self.by_url.get(url)?;
        for pref in preferences.iter().filter(|p| !p.contains('|')) {
            let best = entries
                .iter()
                .filter(|e| e.from_source(pref))
                .max_by(|a, b| compare_versions(&a.version, &b.version));
            if best.is_some() {
                return best;
            }
        }
        self.resolve(url)
    }

    /// Every indexed version of a canonical URL.
    pub fn versions(&self, url: &str) -> &[IndexEntry] {
        self.by_url.get(url).map_or(&[], Vec::as_slice)
    }

    /// Like [`resolve`](Self::resolve) but a missing definition is an error naming `GPC_FHIR_PATH`.
    pub fn require(&self, url: &str) -> Result<&IndexEntry, DefsError> {
        self.resolve(url).ok_or_else(|| DefsError::Missing {
            url: url.to_string(),
            searched: self.searched.clone(),
        })
    }

    pub fn len(&self) -> usize {
        self.by_url.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_url.is_empty()
    }

    /// The fixed value (`fixedUri`, `fixedCode`, ...) of a snapshot element, e.g.
    /// `OperationOutcome.issue.details.coding.system` of GPConnect-OperationOutcome-1.
    pub fn fixed_value(&self, url: &str, element_id: &str) -> Result<String, DefsError> {
        let entry = self.require(url)?;
        let text = read(&entry.path)?;
        let found = if entry.path.extension().is_some_and(|e| e == "json") {
            fixed_value_json(&text, element_id)
        } else {
            fixed_value_xml(&text, element_id)
        };
        found.ok_or_else(|| DefsError::NoFixedValue {
            path: entry.path.clone(),
            element: element_id.to_string(),
        })
    }

    /// Code -> display of a CodeSystem.
    pub fn code_displays(&self, url: &str) -> Result<HashMap<String, String>, DefsError> {
        let entry = self.require(url)?;
        let text = read(&entry.path)?;
        let mut out = HashMap::new();
        if entry.path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| DefsError::Read {
                    path: entry.path.clone(),
                    reason: e.to_string(),
                })?;
            collect_json_concepts(v.get("concept"), &mut out);
        } else {
            collect_xml_concepts(&text, &mut out);
        }
        Ok(out)
    }
}

/// JSON and XML files under `dir` (depth-limited, hidden folders skipped); package roots found on the way
/// (a `package/package.json`, as in `~/.fhir/packages/<name>#<version>/`) are listed separately.
fn collect_files(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, packages: &mut Vec<PathBuf>) {
    walk_files(dir, depth, files, Some(packages));
}

/// As [`collect_files`]; with `packages` `None` the tree is walked as plain files (a package's own content).
fn walk_files(
    dir: &Path,
    depth: usize,
    files: &mut Vec<PathBuf>,
    packages: Option<&mut Vec<PathBuf>>,
) {
    if depth > 8 {
        return;
    }
    let Some(packages) = packages else {
        return walk_children(dir, depth, files, None);
    };
    if dir.join("package.json").is_file() {
        packages.push(dir.to_path_buf());
        return;
    }
    if let Some(root) = super::packages::package_root(dir) {
        packages.push(root);
        return;
    }
    walk_children(dir, depth, files, Some(packages));
}

fn walk_children(
    dir: &Path,
    depth: usize,
    files: &mut Vec<PathBuf>,
    mut packages: Option<&mut Vec<PathBuf>>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // By name (the order of the paths, all in one folder, without comparing them component by component), and
    // each entry's kind from the listing itself (no `stat` per file; a link is followed).
    let mut entries: Vec<(std::ffi::OsString, bool)> = entries
        .flatten()
        .map(|e| {
            let is_dir = match e.file_type() {
                Ok(kind) if !kind.is_symlink() => kind.is_dir(),
                _ => e.path().is_dir(),
            };
            (e.file_name(), is_dir)
        })
        .collect();
    entries.sort_unstable();
    for (name, is_dir) in entries {
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = dir.join(&name);
        if is_dir {
            walk_files(&path, depth + 1, files, packages.as_deref_mut());
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if ext == "json" || ext == "xml" {
            files.push(path);
        }
    }
}

fn read(path: &Path) -> Result<String, DefsError> {
    std::fs::read_to_string(path).map_err(|e| DefsError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    parse(a).cmp(&parse(b))
}

const CONFORMANCE: [&str; 7] = [
    "StructureDefinition",
    "ValueSet",
    "CodeSystem",
    "OperationDefinition",
    "NamingSystem",
    "ConceptMap",
    "MessageDefinition",
];

/// Reads the canonical URL and version of a conformance resource without parsing the whole file.
fn sniff_canonical(path: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    // The first 4 KB, cut at a character boundary.
    let mut cut = text.len().min(4096);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    if path.extension().is_some_and(|e| e == "json") {
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let rt = v.get("resourceType")?.as_str()?;
        if !CONFORMANCE.contains(&rt) {
            return None;
        }
        let url = v.get("url")?.as_str()?.to_string();
        let text_of = |key: &str| v.get(key).and_then(|x| x.as_str()).unwrap_or_default();
        let version = match text_of("version") {
            "" if is_hl7_core(&url) => text_of("fhirVersion"),
            version => version,
        };
        Some((url, version.to_string()))
    } else {
        if !CONFORMANCE
            .iter()
            .any(|rt| head.contains(&format!("<{rt}")))
        {
            return None;
        }
        let url = attr_after(head, "<url value=\"")?;
        let version = match attr_after(head, "<version value=\"") {
            Some(v) => v,
            None if is_hl7_core(&url) => {
                attr_after(&text, "<fhirVersion value=\"").unwrap_or_default()
            }
            None => String::new(),
        };
        Some((url, version))
    }
}

/// An HL7 core definition: these carry no business version, so their FHIR version stands for it (as the
/// CANONICAL_INDEX.csv reading does), and `url|1.0.2` finds the DSTU2 core beside STU3's.
fn is_hl7_core(url: &str) -> bool {
    url.starts_with("http://hl7.org/fhir/")
}

/// The FHIR version of an HL7 core package (`hl7.fhir.core#1.0.2`, `hl7.fhir.r3.core#3.0.1`): its own version.
fn core_fhir_version(label: &str) -> Option<&str> {
    let (name, version) = label.split_once('#')?;
    let core = name == "hl7.fhir.core"
        || name
            .strip_prefix("hl7.fhir.r")
            .and_then(|rest| rest.strip_suffix(".core"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (core && !version.is_empty()).then_some(version)
}

fn attr_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(unescape(&text[start..start + end]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn fixed_value_json(text: &str, element_id: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let elements = v.get("snapshot")?.get("element")?.as_array()?;
    let el = elements
        .iter()
        .find(|e| e.get("id").and_then(|i| i.as_str()) == Some(element_id))?;
    el.as_object()?
        .iter()
        .find(|(k, _)| k.starts_with("fixed"))
        .and_then(|(_, v)| v.as_str().map(String::from))
}

/// Finds `<element id="...">` in the snapshot and returns the `value` of its first `fixed*` child.
fn fixed_value_xml(text: &str, element_id: &str) -> Option<String> {
    let snapshot = text.find("<snapshot>").map_or(text, |i| &text[i..]);
    let marker = format!("<element id=\"{element_id}\"");
    let start = snapshot.find(&marker)?;
    let rest = &snapshot[start + marker.len()..];
    let end = rest.find("</element>")?;
    let body = &rest[..end];
    let fixed = body.find("<fixed")?;
    attr_after(&body[fixed..], "value=\"")
}

fn collect_json_concepts(concepts: Option<&serde_json::Value>, out: &mut HashMap<String, String>) {
    for c in concepts.and_then(|c| c.as_array()).into_iter().flatten() {
        if let (Some(code), Some(display)) = (
            c.get("code").and_then(|x| x.as_str()),
            c.get("display").and_then(|x| x.as_str()),
        ) {
            out.insert(code.to_string(), display.to_string());
        }
        collect_json_concepts(c.get("concept"), out);
    }
}

fn collect_xml_concepts(text: &str, out: &mut HashMap<String, String>) {
    let mut rest = text;
    while let Some(i) = rest.find("<concept>") {
        rest = &rest[i + "<concept>".len()..];
        let code = attr_after(rest, "<code value=\"");
        let next_concept = rest.find("<concept>").unwrap_or(rest.len());
        let display_pos = rest.find("<display value=\"");
        if let (Some(code), Some(dp)) = (code, display_pos) {
            if dp < next_concept {
                if let Some(display) = attr_after(&rest[dp..], "<display value=\"") {
                    out.insert(code, display);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
