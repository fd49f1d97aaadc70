//! Build script: embeds the feature files (`features/**/*.feature`) into the binary, so an installed or copied
//! `gpc-assure` runs its suite without a checkout. The generated table holds each file's path relative to
//! `features/` and its text (through `include_str!`, which records no path in the binary).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let features = root.join("features");
    println!("cargo:rerun-if-changed=features");
    println!("cargo:rerun-if-changed=src/build.rs");
    let mut files = Vec::new();
    collect(&features, &mut files);
    files.sort();
    let mut table = String::from(
        "/// The feature files built into the binary: (path relative to `features/`, text), sorted by path.\n\
         pub static FEATURES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let rel = file
            .strip_prefix(&features)
            .expect("a feature file lies under features/")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        writeln!(table, "    ({rel:?}, include_str!({:?})),", file.display())
            .expect("writing to a String");
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("embedded_features.rs");
    std::fs::write(&out, table).expect("the build script can write OUT_DIR");
}
