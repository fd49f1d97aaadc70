//! Conformance resources by canonical URL, loaded once from the FHIR path (JSON, or FHIR XML read with the
//! element model of its FHIR release), and ValueSet expansion against local CodeSystems.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::fhir::{DefinitionIndex, FhirPath};

/// A definitions problem.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum StoreError {
    #[error("{0}")]
    Definitions(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{url} is a {found}, not a {expected}")]
    WrongType {
        url: String,
        found: String,
        expected: &'static str,
    },
}

/// The codes a ValueSet allows, when every part of it is known locally.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    /// `(system, code)` pairs.
    Codes(CodeSet),
    /// Some part draws on a code system that is not held locally (SNOMED CT, UCUM ...): not checked.
    External(String),
}

impl Expansion {
    pub fn contains(&self, system: Option<&str>, code: &str) -> Option<bool> {
        match self {
            Expansion::Codes(codes) => Some(codes.contains(system, code)),
            Expansion::External(_) => None,
        }
    }
}

/// A value set's `(system, code)` pairs, found by code: a coded value is looked up without building a key,
/// and a code given without a system is one lookup, not a scan of the set.
#[derive(Debug, Clone, Default)]
pub struct CodeSet {
    /// The systems that define each code, without repeats.
    by_code: rustc_hash::FxHashMap<String, Vec<String>>,
}

impl CodeSet {
    /// Adds the pair (once).
    pub fn insert(&mut self, system: &str, code: &str) {
        let systems = match self.by_code.get_mut(code) {
            Some(systems) => systems,
            None => self.by_code.entry(code.to_string()).or_default(),
        };
        if !systems.iter().any(|s| s == system) {
            systems.push(system.to_string());
        }
    }

    /// Adds every pair of `other`.
    pub fn extend(&mut self, other: CodeSet) {
        for (code, systems) in other.by_code {
            for system in systems {
                self.insert(&system, &code);
            }
        }
    }

    /// Whether the set holds `code` in `system`, or in any system when none is given.
    pub fn contains(&self, system: Option<&str>, code: &str) -> bool {
        self.by_code
            .get(code)
            .is_some_and(|systems| system.is_none_or(|s| systems.iter().any(|x| x == s)))
    }
}

/// Two sets are equal when they hold the same pairs, whatever order their systems were added in.
impl PartialEq for CodeSet {
    fn eq(&self, other: &Self) -> bool {
        self.by_code.len() == other.by_code.len()
            && self.by_code.iter().all(|(code, systems)| {
                other.by_code.get(code).is_some_and(|theirs| {
                    systems.len() == theirs.len() && systems.iter().all(|s| theirs.contains(s))
                })
            })
    }
}

impl Eq for CodeSet {}

/// Loaded definitions, shared by every validation.
#[derive(Debug)]
pub struct Store {
    index: Arc<DefinitionIndex>,
    /// Sources preferred when a canonical URL has several versions (see `DefinitionSources` in the config).
    preferences: Vec<String>,
    fhir_path: FhirPath,
    /// By canonical URL as asked: the file it was read from, and its content.
    cache: Mutex<HashMap<String, (std::path::PathBuf, Arc<Value>)>>,
    /// By ValueSet URL without a version; read for every coded value, so behind a read-write lock.
    expansions: super::cache::Cache<Expansion>,
}

impl Store {
    pub fn new(fhir_path: FhirPath) -> Result<Self, StoreError> {
        let index = fhir_path
            .index()
            .map_err(|e| StoreError::Definitions(e.to_string()))?;
        Ok(Self::with_index(fhir_path, Arc::new(index)))
    }

    /// A store over an index built already (a run builds one and shares it).
    pub fn with_index(fhir_path: FhirPath, index: Arc<DefinitionIndex>) -> Self {
        Self {
            index,
            preferences: Vec::new(),
            fhir_path,
            cache: Mutex::default(),
            expansions: super::cache::Cache::default(),
        }
    }

    /// A store over the same index that resolves unversioned URLs from these sources first.
    pub fn preferring(&self, preferences: &[String]) -> Store {
        Store {
            index: self.index.clone(),
            preferences: preferences.to_vec(),
            fhir_path: self.fhir_path.clone(),
            cache: Mutex::default(),
            expansions: super::cache::Cache::default(),
        }
    }

    /// The folders the definitions come from.
    pub fn fhir_path(&self) -> &FhirPath {
        &self.fhir_path
    }

    /// The definitions index.
    pub fn index(&self) -> &DefinitionIndex {
        &self.index
    }

    /// The sources preferred for unversioned URLs.
    pub fn preferences(&self) -> &[String] {
        &self.preferences
    }

    /// Which file a canonical URL resolves to here.
    pub fn locate(&self, url: &str) -> Option<&crate::fhir::IndexEntry> {
        self.index.resolve_preferring(url, &self.preferences)
    }

    /// The conformance resource with this canonical URL (`url|version` picks a version).
    pub fn get(&self, url: &str) -> Result<Arc<Value>, StoreError> {
        if let Some((path, v)) = lock(&self.cache).get(url) {
            reads::note(url, path);
            return Ok(v.clone());
        }
        let entry = match self.index.resolve_preferring(url, &self.preferences) {
            Some(e) => e,
            None => self
                .index
                .require(url)
                .map_err(|e| StoreError::Definitions(e.to_string()))?,
        };
        let path = entry.path.clone();
        reads::note(url, &path);
        let read = || {
            std::fs::read_to_string(&path).map_err(|e| StoreError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        };
        let value = if path.extension().is_some_and(|e| e == "xml") {
            match Self::converted(&path) {
                Some(v) => v,
                None => self.xml_definition(&path, &read()?)?,
            }
        } else {
            let text = read()?;
            crate::fhir::json::parse(&text).map_err(|e| StoreError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?
        };
        let value = Arc::new(value);
        lock(&self.cache).insert(url.to_string(), (path, value.clone()));
        Ok(value)
    }

    /// An XML definition as JSON. Converting needs the element model of the definition's FHIR release (every
    /// core StructureDefinition, about 30 MB for STU3), so each converted definition is kept in the cache folder,
    /// keyed by the file's path, size and modification time: a cold run that finds them there reads no XML and
    /// builds no model. A definition that says it is DSTU2 (`constrainedType`, `fhirVersion` 1.0.x: the GP Connect
    /// 0.7.x profiles) is read with the DSTU2 model; any other with the STU3 model, and with the DSTU2 model when
    /// the STU3 one cannot read it (a DSTU2 ValueSet with an inline `codeSystem`).
    fn xml_definition(&self, path: &std::path::Path, text: &str) -> Result<Value, StoreError> {
        let dstu2 =
            crate::fhir::FhirVersion::detect_xml(text) == Some(crate::fhir::FhirVersion::Dstu2);
        let cached = Self::converted_file(path, dstu2);
        let read_with = |version| {
            let model = crate::fhir::model_for(version, &self.fhir_path)
                .map_err(StoreError::Definitions)?;
            crate::fhir::xml::xml_to_json(text, &model).map_err(|e| StoreError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        };
        let value = if dstu2 {
            read_with(crate::fhir::FhirVersion::Dstu2)?
        } else {
            match read_with(crate::fhir::FhirVersion::Stu3) {
                Ok(v) => v,
                Err(stu3) => read_with(crate::fhir::FhirVersion::Dstu2).map_err(|_| stu3)?,
            }
        };
        if let Some(c) = cached {
            // A cache: a failed write only costs the next run a conversion.
            if let Some(dir) = c.parent() {
                if std::fs::create_dir_all(dir).is_ok() {
                    let tmp = c.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
                    if serde_json::to_vec(&value)
                        .ok()
                        .is_some_and(|b| std::fs::write(&tmp, b).is_ok())
                    {
                        let _ = std::fs::rename(&tmp, &c);
                    }
                }
            }
        }
        Ok(value)
    }

    /// Where the conversion of an XML definition is kept (`-dstu2` when it was read with the DSTU2 model).
    fn converted_file(path: &std::path::Path, dstu2: bool) -> Option<std::path::PathBuf> {
        let key = crate::fhir::packages::file_key(path).ok()?;
        Some(Self::converted_name(key, dstu2))
    }

    fn converted_name(key: u64, dstu2: bool) -> std::path::PathBuf {
        let tag = if dstu2 { "-dstu2" } else { "" };
        crate::fhir::packages::cache_dir()
            .join("definitions")
            .join(format!("{key:016x}{tag}.json"))
    }

    /// The kept conversion of an XML definition, if there is one: the XML is then not read at all. A file's
    /// release decides which of the two names it is kept under, so at most one exists for a given file key.
    fn converted(path: &std::path::Path) -> Option<Value> {
        let key = crate::fhir::packages::file_key(path).ok()?;
        [false, true].into_iter().find_map(|dstu2| {
            let text = std::fs::read_to_string(Self::converted_name(key, dstu2)).ok()?;
            crate::fhir::json::parse(&text).ok()
        })
    }

    /// A StructureDefinition by canonical URL.
    pub fn structure_definition(&self, url: &str) -> Result<Arc<Value>, StoreError> {
        let v = self.get(url)?;
        match v.get("resourceType").and_then(Value::as_str) {
            Some("StructureDefinition") => Ok(v),
            other => Err(StoreError::WrongType {
                url: url.to_string(),
                found: other.unwrap_or("(no resourceType)").to_string(),
                expected: "StructureDefinition",
            }),
        }
    }

    /// The expansion of a ValueSet (compose.include of local CodeSystems and nested ValueSets).
    pub fn expand(&self, url: &str) -> &Expansion {
        let key = url.split('|').next().unwrap_or(url);
        // Lent, not shared by count: the threads of a batch read it without writing to one counter.
        self.expansions
            .get_or_insert_with(key, || self.expand_inner(key, &mut HashSet::new()))
    }

    fn expand_inner(&self, url: &str, seen: &mut HashSet<String>) -> Expansion {
        if !seen.insert(url.to_string()) {
            return Expansion::Codes(CodeSet::default());
        }
        if let Some((_, why)) = SUPERSEDED.iter().find(|(u, _)| *u == url) {
            return Expansion::External(format!("ValueSet {url} {why}"));
        }
        let Ok(vs) = self.get(url) else {
            return Expansion::External(format!("ValueSet {url} is not held locally"));
        };
        let mut codes = CodeSet::default();
        // DSTU2 ValueSets may define their codes inline.
        if let Some(cs) = vs.get("codeSystem") {
            let system = cs
                .get("system")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            collect_concepts(cs.get("concept"), &system, &mut codes);
        }
        if let Some(contains) = vs.pointer("/expansion/contains") {
            collect_contains(contains, &mut codes);
        }
        // DSTU2 `compose.import`: whole ValueSets by URL.
        for nested in vs
            .pointer("/compose/import")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match nested.as_str().map(|u| self.expand_inner(u, seen)) {
                Some(Expansion::Codes(c)) => codes.extend(c),
                Some(ext @ Expansion::External(_)) => return ext,
                None => {}
            }
        }
        let includes = vs
            .pointer("/compose/include")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for inc in &includes {
            if inc.get("filter").is_some() {
                return Expansion::External(format!("ValueSet {url} uses a filter"));
            }
            for nested in inc
                .get("valueSet")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match nested.as_str().map(|u| self.expand_inner(u, seen)) {
                    Some(Expansion::Codes(c)) => codes.extend(c),
                    Some(ext @ Expansion::External(_)) => return ext,
                    None => {}
                }
            }
            let Some(system) = inc.get("system").and_then(Value::as_str) else {
                continue;
            };
            if let Some(listed) = inc.get("concept").and_then(Value::as_array) {
                for c in listed {
                    if let Some(code) = c.get("code").and_then(Value::as_str) {
                        codes.insert(system, code);
                    }
                }
                continue;
            }
            match self.get(system) {
                Ok(cs) if cs.get("resourceType").and_then(Value::as_str) == Some("CodeSystem") => {
                    collect_concepts(cs.get("concept"), system, &mut codes);
                }
                _ => {
                    return Expansion::External(format!("code system {system} is not held locally"))
                }
            }
        }
        Expansion::Codes(codes)
    }
}

/// ValueSets whose published content the specification itself supersedes: their codes are not judged against
/// the stale list (the specification's own codes are checked where it states them).
const SUPERSEDED: [(&str, &str); 1] = [(
    "http://fhir.nhs.net/ValueSet/gpconnect-error-or-warning-code-1",
    "lists the GPC-XXX codes the 0.7.x error handling guidance supersedes (\"Please ignore any GPC-XXX format \
     error codes defined in the gpconnect-error-or-warning-code-1 value set\"); it defines BAD_REQUEST, \
     PATIENT_NOT_FOUND, ... instead",
)];

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn collect_concepts(concepts: Option<&Value>, system: &str, out: &mut CodeSet) {
    for c in concepts.and_then(Value::as_array).into_iter().flatten() {
        if let Some(code) = c.get("code").and_then(Value::as_str) {
            out.insert(system, code);
        }
        collect_concepts(c.get("concept"), system, out);
    }
}

fn collect_contains(contains: &Value, out: &mut CodeSet) {
    for c in contains.as_array().into_iter().flatten() {
        if let (Some(s), Some(code)) = (
            c.get("system").and_then(Value::as_str),
            c.get("code").and_then(Value::as_str),
        ) {
            out.insert(s, code);
        }
        if let Some(nested) = c.get("contains") {
            collect_contains(nested, out);
        }
    }
}

/// Which definitions a computation read: a plan kept on disk names the files it was compiled from, and is used
/// again only while each of its URLs still resolves to the same, unchanged file.
pub(crate) mod reads {
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    thread_local! {
        /// One list per computation under way on this thread (innermost last).
        static OPEN: RefCell<Vec<Vec<(String, PathBuf)>>> = const { RefCell::new(Vec::new()) };
    }

    /// Runs `f`, returning what it returns and every `(canonical URL, file)` the store read for it on this
    /// thread (a definition already in memory counts as read).
    pub(crate) fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<(String, PathBuf)>) {
        OPEN.with(|o| o.borrow_mut().push(Vec::new()));
        let out = f();
        let read = OPEN.with(|o| o.borrow_mut().pop()).unwrap_or_default();
        (out, read)
    }

    pub(in crate::validate) fn note(url: &str, path: &Path) {
        OPEN.with(|o| {
            for frame in o.borrow_mut().iter_mut() {
                if !frame.iter().any(|(u, _)| u == url) {
                    frame.push((url.to_string(), path.to_path_buf()));
                }
            }
        });
    }
}
