//! Build script: embeds the feature files (`features/**/*.feature`) and the reference provider's structured
//! records (`src/provider/structured/records/*.json`) into the binary, so an installed or copied `gpc-assure`
//! runs its suite and serves its records without a checkout. Each generated table holds each file's path
//! relative to its folder and its text (through `include_str!`, which records no path in the binary).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Writes `OUT_DIR/<file>`: `pub static <name>: &[(&str, &str)]` over the `ext` files under `dir`, sorted.
fn embed(root: &Path, dir: &str, ext: &str, name: &str, doc: &str, file: &str) {
    let base = root.join(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    collect(&base, ext, &mut files);
    files.sort();
    let mut table = format!("/// {doc}: (path relative to `{dir}/`, text), sorted by path.\npub static {name}: &[(&str, &str)] = &[\n");
    for path in &files {
        let rel = path
            .strip_prefix(&base)
            .expect("an embedded file lies under its folder")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        writeln!(table, "    ({rel:?}, include_str!({:?})),", path.display())
            .expect("writing to a String");
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join(file);
    std::fs::write(&out, table).expect("the build script can write OUT_DIR");
}

fn main() {
    let root = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    println!("cargo:rerun-if-changed=src/build.rs");
    embed(
        &root,
        "features",
        "feature",
        "FEATURES",
        "The feature files built into the binary",
        "embedded_features.rs",
    );
    embed(
        &root,
        "src/provider/structured/records",
        "json",
        "RECORDS",
        "The structured record files built into the binary",
        "embedded_records.rs",
    );
}
