//! FHIR NPM packages: `.tgz` archives (unpacked once into the cache), unpacked package folders
//! (`package/package.json`) and the standard package cache `~/.fhir/packages` (`<name>#<version>/package/`).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use super::defs::DefsError;

/// `name#version` of an unpacked package folder (the folder holding `package.json`).
pub fn package_label(package_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package_dir.join("package.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let name = v.get("name")?.as_str()?;
    let version = v
        .get("version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    Some(format!("{name}#{version}"))
}

/// The package root below `dir`: `dir/package` when it holds a `package.json`.
pub fn package_root(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("package");
    p.join("package.json").is_file().then_some(p)
}

/// Is this path a packed FHIR package?
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    path.is_file() && (name.ends_with(".tgz") || name.ends_with(".tar.gz"))
}

/// Where gpc-assure keeps derived files (unpacked packages, definition indexes): `GPC_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/gpc-assure`, else `~/.cache/gpc-assure`, else a folder under the system temp dir.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GPC_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("gpc-assure");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(h).join(".cache/gpc-assure");
    }
    std::env::temp_dir().join("gpc-assure-cache")
}

/// Build folders kept beside the running one in the cache's `builds` folder (older ones are removed when a
/// new one is made).
const KEEP_BUILDS: usize = 16;

/// This build's folder for what it derives from definitions (compiled plans, element models), or `None` when
/// `GPC_PLAN_CACHE=0` or the running executable cannot be identified. The folder is named by the executable's
/// path, size and modification time, so a rebuilt binary never reads what an older one derived; it is created
/// on first use, and then the folders of all but the latest [`KEEP_BUILDS`] other builds are removed.
pub fn build_dir() -> Option<&'static Path> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var("GPC_PLAN_CACHE").is_ok_and(|v| v.trim() == "0") {
            return None;
        }
        let exe = std::env::current_exe().ok()?;
        let key = file_key(&exe).ok()?;
        let dir = cache_dir().join("builds").join(format!("{key:016x}"));
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).ok()?;
            prune_builds(&dir);
        }
        Some(dir)
    })
    .as_deref()
}

/// Removes the folders of older builds, keeping the most recent [`KEEP_BUILDS`] beside `current`.
fn prune_builds(current: &Path) {
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
    builds.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (_, old) in builds.into_iter().skip(KEEP_BUILDS) {
        let _ = std::fs::remove_dir_all(old);
    }
}

/// Writes `bytes` to `file` through a temporary file beside it, so that a concurrent reader sees the whole file
/// or none. A cache's write: failing costs a later run the work again, so errors are dropped.
pub fn write_whole(file: &Path, bytes: &[u8]) {
    let tmp = file.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, file).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Adds a folder of files to a cache key: the folder's canonical path, then each file's path, size and
/// modification time (a file that cannot be read adds its path only).
pub fn hash_tree(h: &mut impl Hasher, folder: &Path, files: &[PathBuf]) {
    std::fs::canonicalize(folder)
        .unwrap_or_else(|_| folder.to_path_buf())
        .hash(h);
    for f in files {
        f.hash(h);
        if let Ok(m) = std::fs::metadata(f) {
            m.len().hash(h);
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .hash(h);
        }
    }
}

/// A stable key for a file's identity and content age.
pub fn file_key(path: &Path) -> Result<u64, DefsError> {
    let meta = std::fs::metadata(path).map_err(|e| DefsError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .hash(&mut h);
    meta.len().hash(&mut h);
    meta.modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .hash(&mut h);
    Ok(h.finish())
}

/// Unpacks a `.tgz` package into the cache (once per archive version) and returns the unpacked folder (the
/// one holding `package/`).
pub fn unpack(archive: &Path) -> Result<PathBuf, DefsError> {
    let err = |reason: String| DefsError::Read {
        path: archive.to_path_buf(),
        reason,
    };
    let stem = archive
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("package")
        .trim_end_matches(".tgz")
        .trim_end_matches(".tar.gz")
        .to_string();
    let dest = cache_dir()
        .join("packages")
        .join(format!("{stem}-{:016x}", file_key(archive)?));
    if dest.join("package/package.json").is_file() {
        return Ok(dest);
    }
    let parent = dest.parent().ok_or_else(|| err("no cache folder".into()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
    // Unpack beside the destination and rename, so a concurrent run never sees half a package.
    let tmp = parent.join(format!(
        ".{stem}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let file = std::fs::File::open(archive).map_err(|e| err(e.to_string()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let unpacked = tar.unpack(&tmp);
    if let Err(e) = unpacked {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err(format!("not a readable .tgz FHIR package: {e}")));
    }
    if !tmp.join("package/package.json").is_file() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(err(
            "not a FHIR NPM package: the archive has no package/package.json".into(),
        ));
    }
    if std::fs::rename(&tmp, &dest).is_err() {
        // Another run won the race; use its copy.
        let _ = std::fs::remove_dir_all(&tmp);
        if !dest.join("package/package.json").is_file() {
            return Err(err(format!("cannot unpack into {}", dest.display())));
        }
    }
    Ok(dest)
}

/// Entries of a package's `.index.json`: `(url, version, file name)`.
pub fn read_index_json(package_dir: &Path) -> Option<Vec<(String, String, String)>> {
    let text = std::fs::read_to_string(package_dir.join(".index.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let files = v.get("files")?.as_array()?;
    Some(
        files
            .iter()
            .filter_map(|f| {
                let url = f.get("url")?.as_str()?.to_string();
                let file = f.get("filename")?.as_str()?.to_string();
                let version = f
                    .get("version")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_string();
                Some((url, version, file))
            })
            .collect(),
    )
}
