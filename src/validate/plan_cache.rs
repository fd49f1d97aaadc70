//! Compiled plans kept on disk, so that a cold start reads a small plan instead of parsing and compiling the
//! StructureDefinitions behind it (a CareConnect profile is 0.6 MB of XML; its plan a fraction of that).
//!
//! A plan file is used only by the build that wrote it (it is kept in the build's folder,
//! [`crate::fhir::packages::build_dir`], so a rebuilt binary never reads an older compiler's plans) and only while each
//! definition it was compiled from still resolves, by the same canonical URL and source preferences, to the same
//! file with the same size and modification time. Anything else (no file, another layout, a moved or edited
//! definition) compiles the plan again. The cache is best effort: a folder that cannot be written costs the next
//! run a compilation, nothing more. `GPC_PLAN_CACHE=0` turns it off.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::fhir::packages::build_dir;

use super::plan::{Constraint, Plan};
use super::store::{reads, Store};

/// One plan file, as written.
#[derive(serde::Serialize)]
struct Stored<'a> {
    /// The definitions the plan was compiled from: canonical URL as asked, the file it resolved to, that file's
    /// key (path, size, modification time).
    sources: Vec<(String, PathBuf, u64)>,
    /// The plan's distinct constraints, each once (`ele-1` and its like stand on most elements).
    constraints: Vec<&'a Constraint>,
    /// Per element, its constraints as places in `constraints`.
    uses: Vec<Vec<u32>>,
    plan: &'a Plan,
}

/// One plan file, as read.
#[derive(serde::Deserialize)]
struct Read {
    sources: Vec<(String, PathBuf, u64)>,
    constraints: Vec<Constraint>,
    uses: Vec<Vec<u32>>,
    plan: Plan,
}

fn file_for(dir: &Path, store: &Store, url: &str) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    store.preferences().hash(&mut h);
    dir.join(format!("plan-{:016x}.bin", h.finish()))
}

/// The plan of `url` compiled by this build from definitions that have not changed since, if there is one.
pub(super) fn load(store: &Store, url: &str) -> Option<Plan> {
    let dir = build_dir()?;
    let bytes = std::fs::read(file_for(dir, store, url)).ok()?;
    let Read {
        sources,
        constraints,
        uses,
        mut plan,
    } = postcard::from_bytes(&bytes).ok()?;
    let unchanged = sources.iter().all(|(u, path, key)| {
        store.locate(u).is_some_and(|e| e.path == *path)
            && crate::fhir::packages::file_key(path).is_ok_and(|k| k == *key)
    });
    if !unchanged || uses.len() != plan.elements.len() {
        return None;
    }
    let shared: Vec<Arc<Constraint>> = constraints.iter().map(Constraint::shared).collect();
    for (e, uses) in plan.elements.iter_mut().zip(uses) {
        e.constraints = uses
            .iter()
            .map(|&k| usize::try_from(k).ok().and_then(|k| shared.get(k)).cloned())
            .collect::<Option<_>>()?;
    }
    for (u, path, _) in &sources {
        reads::note(u, path);
    }
    Some(plan)
}

/// Keeps `plan`, compiled from `sources`, for the next run of this build.
pub(super) fn save(store: &Store, url: &str, sources: &[(String, PathBuf)], plan: &Plan) {
    let Some(dir) = build_dir() else {
        return;
    };
    let Some(sources) = sources
        .iter()
        .map(|(u, p)| {
            crate::fhir::packages::file_key(p)
                .ok()
                .map(|k| (u.clone(), p.clone(), k))
        })
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    // Constraints are shared (one per text in the process), so the same one is the same allocation.
    let mut constraints: Vec<&Constraint> = Vec::new();
    let mut places: HashMap<*const Constraint, u32> = HashMap::default();
    let uses = plan
        .elements
        .iter()
        .map(|e| {
            e.constraints
                .iter()
                .map(|c| {
                    *places.entry(Arc::as_ptr(c)).or_insert_with(|| {
                        constraints.push(c);
                        u32::try_from(constraints.len() - 1).unwrap_or(u32::MAX)
                    })
                })
                .collect()
        })
        .collect();
    let stored = Stored {
        sources,
        constraints,
        uses,
        plan,
    };
    let Ok(bytes) = postcard::to_stdvec(&stored) else {
        return;
    };
    crate::fhir::packages::write_whole(&file_for(dir, store, url), &bytes);
}

/// A JSON value kept as its JSON text (the binary form cannot hold a self-describing value).
pub(super) mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Option<(String, Value)>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|(name, value)| (name, value.to_string()))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(String, Value)>, D::Error> {
        Option::<(String, String)>::deserialize(d)?
            .map(|(name, text)| {
                serde_json::from_str(&text)
                    .map(|value| (name, value))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::fhir::FhirPath;
    use crate::validate::{Store, Validator};

    const URL: &str = "https://gpc-assure.invalid/StructureDefinition/plan-cache-test";

    fn definition(min: u64) -> String {
        json!({
            "resourceType": "StructureDefinition",
            "url": URL,
            "type": "Extension",
            "snapshot": { "element": [
                { "id": "Extension", "path": "Extension", "min": 0, "max": "*",
                  "constraint": [{ "key": "t-1", "severity": "error", "human": "h", "expression": "url.exists()" }] },
                { "id": "Extension.url", "path": "Extension.url", "min": min, "max": "1" }
            ] }
        })
        .to_string()
    }

    fn plan_of(folder: &std::path::Path) -> Arc<super::Plan> {
        let store = Store::new(FhirPath::resolve(&[folder.to_path_buf()], &[])).expect("store");
        Validator::new(Arc::new(store)).plan(URL).expect("plan")
    }

    #[test]
    fn a_kept_plan_is_the_compiled_one_and_a_changed_definition_is_compiled_again() {
        let folder =
            std::env::temp_dir().join(format!("gpc-plan-cache-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("temp folder");
        let file = folder.join("StructureDefinition-plan-cache-test.json");
        std::fs::write(&file, definition(1)).expect("write");
        let compiled = plan_of(&folder);
        let stored = std::fs::read_dir(super::build_dir().expect("the cache is on in tests"))
            .expect("the build's folder")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("plan-"))
            .count();
        assert!(stored > 0, "the compiled plan is kept");
        // Read back: the same plan, its invariant numbered and parsed in this process.
        let store =
            Store::new(FhirPath::resolve(std::slice::from_ref(&folder), &[])).expect("store");
        assert!(super::load(&store, URL).is_some(), "the kept plan is read");
        let kept = plan_of(&folder);
        assert_eq!(kept, compiled);
        let c = &kept.elements[0].constraints[0];
        assert_eq!(c.id, compiled.elements[0].constraints[0].id);
        assert!(matches!(c.parsed(), Some(Ok(_))));
        // The definition changes (size and time): the plan is compiled from it again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, definition(0) + " ").expect("rewrite");
        let store =
            Store::new(FhirPath::resolve(std::slice::from_ref(&folder), &[])).expect("store");
        assert!(
            super::load(&store, URL).is_none(),
            "a changed source is not read back"
        );
        let changed = plan_of(&folder);
        assert_eq!(changed.element("Extension.url").map(|e| e.min), Some(0));
        let _ = std::fs::remove_dir_all(&folder);
    }
}
