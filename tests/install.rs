//! A binary that runs anywhere: the release binary, copied to a folder with no checkout and no `../shared`
//! beside it, installs the definition sets with `definitions install` from a local server speaking the FHIR
//! package registry's protocol and serving the release archives (both built here from `../shared/fhir`, laid out
//! as upstream lays them out), then runs the whole main job. The built-in manifest is used as it ships, only its
//! hosts pointed at the local server, so every pinned content digest is checked against the archives too.
//!
//! Also: no path of the build machine is baked into the binary, an interrupted download resumes, a changed
//! archive is refused, and `--from DIR` installs offline.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use gpc_assure::definitions::{Manifest, Part};

const CODELOAD: &str = "https://codeload.github.com/";

fn shared() -> PathBuf {
    std::env::var_os("GPC_FHIR_PATH")
        .and_then(|v| std::env::split_paths(&v).next())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir"))
}

/// Builds the release binary (reusing `target/release` when the main job was built) and returns its path.
fn release_binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "gpc-assure"])
        .current_dir(root)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build --release failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release").join("gpc-assure");
    assert!(bin.is_file(), "{} was not built", bin.display());
    bin
}

/// Every file under `dir`, by its path relative to `dir` and by its file name.
fn index_shared(dir: &Path) -> (HashMap<String, PathBuf>, HashMap<String, PathBuf>) {
    let mut by_rel = HashMap::new();
    let mut by_name = HashMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("shared folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                by_name.insert(
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    p.clone(),
                );
                by_rel.insert(rel, p);
            }
        }
    }
    (by_rel, by_name)
}

/// The archive of a part as upstream lays it out: `<root>/<path in the archive>`, built from the part's
/// `shared` folder, plus a file outside the part's selection (which the install must leave out).
fn build_archive(part: &Part) -> Vec<u8> {
    let shared_dir = shared().join(
        part.shared
            .as_deref()
            .expect("every built-in part names its shared folder"),
    );
    let (by_rel, by_name) = index_shared(&shared_dir);
    let unrename: HashMap<&str, &str> = part
        .rename
        .iter()
        .map(|(from, to)| (to.as_str(), from.as_str()))
        .collect();
    // (path in the archive relative to root, file on disk)
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    if part.include.is_empty() {
        // A registry package: flat files under package/, with its package.json.
        for (rel, path) in &by_rel {
            if rel.contains("OVERLAY_MANIFEST") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            entries.push((name, path.clone()));
        }
    } else {
        for inc in &part.include {
            let installed = part.rename.get(inc).map_or(inc.as_str(), String::as_str);
            let path = by_rel
                .get(installed)
                .or_else(|| by_name.get(installed))
                .unwrap_or_else(|| panic!("{installed} is not in {}", shared_dir.display()));
            let in_archive = unrename.get(installed).copied().unwrap_or(inc);
            entries.push((in_archive.to_string(), path.clone()));
        }
    }
    entries.sort();
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: String, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes)
            .expect("tar entry");
    };
    for (rel, path) in entries {
        add(
            format!("{}/{rel}", part.root),
            &std::fs::read(path).expect("shared file"),
        );
    }
    add(format!("{}/README.md", part.root), b"not a definition\n");
    tar.into_inner().expect("tar").finish().expect("gzip")
}

/// The local server: registry documents, package tarballs and archives by URL path; range requests honoured.
#[derive(Clone, Default)]
struct Served {
    files: Arc<HashMap<String, Vec<u8>>>,
    ranges: Arc<Mutex<Vec<String>>>,
    /// Answer range requests with the whole file (a server that cannot resume).
    ignore_ranges: Arc<std::sync::atomic::AtomicBool>,
    /// (requested path, path served instead): a changed archive.
    corrupt: Arc<Mutex<Option<(String, String)>>>,
}

async fn serve(listener: tokio::net::TcpListener, served: Served) {
    use axum::extract::{Request, State};
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};
    async fn handler(State(s): State<Served>, req: Request) -> Response {
        let path = req.uri().path().to_string();
        let swapped = match &*s.corrupt.lock().unwrap() {
            Some((asked, instead)) if *asked == path => instead.clone(),
            _ => path.clone(),
        };
        let Some(body) = s.files.get(&swapped) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let range = req
            .headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.strip_suffix('-'))
            .and_then(|v| v.parse::<usize>().ok());
        let range = range.filter(|_| !s.ignore_ranges.load(std::sync::atomic::Ordering::Relaxed));
        match range {
            Some(from) if from < body.len() => {
                s.ranges.lock().unwrap().push(path);
                let len = body.len();
                (
                    StatusCode::PARTIAL_CONTENT,
                    [(
                        header::CONTENT_RANGE,
                        format!("bytes {from}-{}/{len}", len - 1),
                    )],
                    body[from..].to_vec(),
                )
                    .into_response()
            }
            Some(_) => StatusCode::RANGE_NOT_SATISFIABLE.into_response(),
            None => body.clone().into_response(),
        }
    }
    let app = axum::Router::new().fallback(handler).with_state(served);
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// The served files for the built-in manifest (paths relative to the server) and the archives by file name.
fn archives(
    manifest: &Manifest,
    base: &str,
) -> (HashMap<String, Vec<u8>>, HashMap<String, Vec<u8>>) {
    let mut served = HashMap::new();
    let mut by_file = HashMap::new();
    let mut registry_docs: HashMap<String, serde_json::Map<String, serde_json::Value>> =
        HashMap::new();
    for set in &manifest.sets {
        for part in &set.parts {
            let bytes = build_archive(part);
            by_file.insert(part.file.clone(), bytes.clone());
            if let Some(pkg) = &part.registry {
                let (name, version) = pkg.split_once('#').expect("name#version");
                let path = format!("/registry/{name}/{version}");
                registry_docs.entry(name.to_string()).or_default().insert(
                    version.to_string(),
                    serde_json::json!({"name": name, "version": version,
                        "dist": {"tarball": format!("{base}{path}")}}),
                );
                served.insert(path, bytes);
            } else {
                let url = part.url.as_deref().expect("url");
                let rest = url
                    .strip_prefix(CODELOAD)
                    .expect("built-in archives come from codeload.github.com");
                served.insert(format!("/codeload/{rest}"), bytes);
            }
        }
    }
    for (name, versions) in registry_docs {
        let doc = serde_json::json!({"_id": name, "name": name, "versions": versions});
        served.insert(
            format!("/registry/{name}"),
            serde_json::to_vec(&doc).unwrap(),
        );
    }
    (served, by_file)
}

struct Sandbox {
    bin: PathBuf,
    work: PathBuf,
    home: PathBuf,
}

impl Sandbox {
    fn cmd(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(&self.bin)
            .args(args)
            .current_dir(&self.work)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("the copied binary runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[test]
fn a_copied_release_binary_installs_the_definitions_and_runs_the_main_job() {
    let built = release_binary();
    // No path of the build machine in the binary: it must not look for the checkout it was built in.
    let bytes = std::fs::read(&built).expect("binary");
    let checkout = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    for needle in [
        checkout.to_string_lossy().into_owned(),
        env!("CARGO_MANIFEST_DIR").to_string(),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "the release binary holds the build folder {needle}"
        );
    }

    let root = std::env::temp_dir().join(format!("gpc-assure-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (bin_dir, work, home) = (
        root.join("bin"),
        root.join("elsewhere/work"),
        root.join("home"),
    );
    for d in [&bin_dir, &work, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    let bin = bin_dir.join("gpc-assure");
    std::fs::copy(&built, &bin).unwrap();
    assert!(!work.join("../shared").exists() && !work.join("features").exists());
    let sb = Sandbox {
        bin,
        work: work.clone(),
        home: home.clone(),
    };

    // Before install: a clear message naming the command.
    let (code, _, err) = sb.cmd(&["run", "--quiet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gpc-assure definitions install"), "{err}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let manifest = Manifest::builtin();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (files, by_file) = archives(manifest, &base);
    let served = Served {
        files: Arc::new(files),
        ..Served::default()
    };
    let _guard = rt.enter();
    rt.spawn(serve(listener, served.clone()));
    // The built-in manifest as it ships, its hosts pointed at the local server.
    let manifest_file = root.join("manifest.yaml");
    std::fs::write(
        &manifest_file,
        gpc_assure::definitions::manifest::BUILTIN.replace(CODELOAD, &format!("{base}/codeload/")),
    )
    .unwrap();
    let m = manifest_file.to_str().unwrap();
    let registry = format!("{base}/registry");
    // `definitions install` with the test's manifest and registry, into the standard cache or `--to` a folder.
    let install = |to: Option<&Path>| {
        let mut args = vec![
            "definitions",
            "install",
            "--manifest",
            m,
            "--registry",
            &registry,
        ];
        if let Some(dir) = to {
            args.extend(["--to", dir.to_str().unwrap()]);
        }
        sb.cmd(&args)
    };

    // An interrupted download: half of one archive is already on disk; the install resumes it.
    let resumed = &manifest.sets[2].parts[0];
    let downloads = home.join(".cache/gpc-assure/downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let whole = &by_file[&resumed.file];
    std::fs::File::create(downloads.join(format!("{}.part", resumed.file)))
        .unwrap()
        .write_all(&whole[..whole.len() / 2])
        .unwrap();

    let (code, out, err) = install(None);
    assert_eq!(code, 0, "install failed:\n{out}\n{err}");
    assert!(
        out.contains(&format!("{} definition sets ready", manifest.sets.len())),
        "{out}"
    );
    assert!(err.contains("resuming"), "{err}");
    assert_eq!(
        served.ranges.lock().unwrap().len(),
        1,
        "one range request (the resumed download)"
    );
    let cache = home.join(".fhir/packages");
    for set in &manifest.sets {
        let pkg = cache.join(set.package_label()).join("package");
        assert!(
            pkg.join("package.json").is_file(),
            "{} has no package.json",
            pkg.display()
        );
        // A registry package is installed whole; an assembled set takes only the files its parts select.
        assert_eq!(
            pkg.join("README.md").exists(),
            set.is_registry_package(),
            "{}",
            set.package_label()
        );
    }

    // Installed: a second install does nothing; list shows every set installed and every source found.
    let (code, out, err) = install(None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 installed now"), "{out}");
    let (code, out, _) = sb.cmd(&["definitions", "list"]);
    assert_eq!(code, 0);
    assert!(
        !out.contains("not installed") && !out.contains("MISSING"),
        "{out}"
    );
    assert!(out.contains("package cache"), "{out}");

    // The main job, from the copied binary with the installed definitions only.
    let (code, out, err) = sb.cmd(&["run", "--quiet", "--evidence", "none"]);
    assert_eq!(
        code, 0,
        "the main job failed from the copied binary:\n{out}\n{err}"
    );
    assert!(out.contains(" passed, 0 failed"), "{out}");
    eprintln!("main job from the copied binary: {}", out.trim());

    // A partial download the server cannot resume is restarted from the beginning.
    served
        .ignore_ranges
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let restarted = &manifest.sets[3].parts[0];
    std::fs::write(
        downloads.join(format!("{}.part", restarted.file)),
        b"half of something else",
    )
    .unwrap();
    let fresh = root.join("restart-cache");
    let (code, _, err) = install(Some(&fresh));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("restarting"), "{err}");
    served
        .ignore_ranges
        .store(false, std::sync::atomic::Ordering::Relaxed);

    // A changed archive is refused and nothing is installed from it.
    let changed = &manifest.sets[3].parts[0];
    let codeload = |p: &Part| {
        format!(
            "/codeload/{}",
            p.url.as_deref().unwrap().strip_prefix(CODELOAD).unwrap()
        )
    };
    let instead = &manifest.sets[4].parts[0];
    *served.corrupt.lock().unwrap() = Some((codeload(changed), codeload(instead)));
    let other = root.join("other-cache");
    let (code, _, err) = install(Some(&other));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused"), "{err}");
    assert!(!other.join(manifest.sets[3].package_label()).exists());
    *served.corrupt.lock().unwrap() = None;

    // Offline: a folder of the archives, no server.
    let offline = root.join("archives");
    std::fs::create_dir_all(&offline).unwrap();
    for (file, bytes) in &by_file {
        std::fs::write(offline.join(file), bytes).unwrap();
    }
    let third = root.join("offline-cache");
    let (code, out, err) = sb.cmd(&[
        "definitions",
        "install",
        "--from",
        offline.to_str().unwrap(),
        "--to",
        third.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("{} installed now", manifest.sets.len())),
        "{out}"
    );
    std::fs::remove_file(offline.join(&manifest.sets[0].parts[0].file)).unwrap();
    let (code, _, err) = sb.cmd(&[
        "definitions",
        "install",
        "--force",
        "--from",
        offline.to_str().unwrap(),
        "--to",
        third.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in"), "{err}");

    let _ = std::fs::remove_dir_all(&root);
}
