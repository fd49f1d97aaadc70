//! Compiled plans kept on disk, so that a cold start reads a small plan instead of parsing and compiling the
//! StructureDefinitions behind it (a CareConnect profile is 0.6 MB of XML; its plan a fraction of that).
//!
//! A plan file is used only by the build that wrote it (the folder is named by the running executable's path,
//! size and modification time, so a rebuilt binary never reads an older compiler's plans) and only while each
//! definition it was compiled from still resolves, by the same canonical URL and source preferences, to the same
//! file with the same size and modification time. Anything else (no file, another layout, a moved or edited
//! definition) compiles the plan again. The cache is best effort: a folder that cannot be written costs the next
//! run a compilation, nothing more. `GPC_PLAN_CACHE=0` turns it off.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::plan::Plan;
use super::store::{reads, Store};

/// Build folders kept beside the running one (older ones are removed when a new one is made).
const KEEP_BUILDS: usize = 64;

/// One plan file.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    /// The definitions the plan was compiled from: canonical URL as asked, the file it resolved to, that file's
    /// key (path, size, modification time).
    sources: Vec<(String, PathBuf, u64)>,
    plan: Plan,
}

/// This build's folder of plans, or `None` when the cache is off or the executable cannot be identified.
fn build_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var("GPC_PLAN_CACHE").is_ok_and(|v| v.trim() == "0") {
            return None;
        }
        let exe = std::env::current_exe().ok()?;
        let key = crate::fhir::packages::file_key(&exe).ok()?;
        Some(
            crate::fhir::packages::cache_dir()
                .join("plans")
                .join(format!("{key:016x}")),
        )
    })
    .as_deref()
}

fn file_for(dir: &Path, store: &Store, url: &str) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut h);
    store.preferences().hash(&mut h);
    dir.join(format!("{:016x}.json", h.finish()))
}

/// The plan of `url` compiled by this build from definitions that have not changed since, if there is one.
pub(super) fn load(store: &Store, url: &str) -> Option<Plan> {
    let dir = build_dir()?;
    let bytes = std::fs::read(file_for(dir, store, url)).ok()?;
    let stored: Stored = serde_json::from_slice(&bytes).ok()?;
    let unchanged = stored.sources.iter().all(|(u, path, key)| {
        store.locate(u).is_some_and(|e| e.path == *path)
            && crate::fhir::packages::file_key(path).is_ok_and(|k| k == *key)
    });
    if !unchanged {
        return None;
    }
    for (u, path, _) in &stored.sources {
        reads::note(u, path);
    }
    Some(stored.plan.renumbered())
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
    if !dir.is_dir() {
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        prune(dir);
    }
    let stored = Stored {
        sources,
        plan: plan.clone(),
    };
    let Ok(bytes) = serde_json::to_vec(&stored) else {
        return;
    };
    let file = file_for(dir, store, url);
    // Written beside and renamed: a concurrent run reads a whole file or none.
    let tmp = file.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &file).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Removes the plans of older builds, keeping the most recent [`KEEP_BUILDS`].
fn prune(current: &Path) {
    let Some(parent) = current.parent() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut builds: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != current && p.is_dir())
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    builds.sort_by(|a, b| b.0.cmp(&a.0));
    for (_, old) in builds.into_iter().skip(KEEP_BUILDS) {
        let _ = std::fs::remove_dir_all(old);
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
            .expect("plans folder")
            .count();
        assert!(stored > 0, "the compiled plan is kept");
        // Read back: the same plan, its invariant numbered and parsed in this process.
        let store = Store::new(FhirPath::resolve(&[folder.clone()], &[])).expect("store");
        assert!(super::load(&store, URL).is_some(), "the kept plan is read");
        let kept = plan_of(&folder);
        assert_eq!(kept, compiled);
        let c = &kept.elements[0].constraints[0];
        assert_eq!(c.id, compiled.elements[0].constraints[0].id);
        assert!(matches!(c.parsed(), Some(Ok(_))));
        // The definition changes (size and time): the plan is compiled from it again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, definition(0) + " ").expect("rewrite");
        let store = Store::new(FhirPath::resolve(&[folder.clone()], &[])).expect("store");
        assert!(
            super::load(&store, URL).is_none(),
            "a changed source is not read back"
        );
        let changed = plan_of(&folder);
        assert_eq!(changed.element("Extension.url").map(|e| e.min), Some(0));
        let _ = std::fs::remove_dir_all(&folder);
    }
}
