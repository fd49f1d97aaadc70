//! `gpc-assure definitions list`: where the run's definitions come from, which sets are installed, and which
//! sources each capability resolves definitions from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::manifest::Manifest;
use crate::config::DefinitionSources;
use crate::fhir::{FhirPath, PathOrigin};
use crate::spine::catalogue::Capability;

/// The report, as text for people.
pub fn report(
    fhir_path: &FhirPath,
    origin: PathOrigin,
    sources: &DefinitionSources,
    cache: Option<&Path>,
) -> String {
    let manifest = Manifest::builtin();
    let mut out = String::new();
    let _ = writeln!(out, "FHIR path (from {origin}):");
    for f in &fhir_path.folders {
        let state = if f.is_dir() { "" } else { "  (absent)" };
        let _ = writeln!(out, "  {}{state}", f.display());
    }
    match cache {
        Some(cache) => {
            let _ = writeln!(
                out,
                "\nDefinition sets (package cache {}):",
                cache.display()
            );
            for set in &manifest.sets {
                let dir = super::installed_dir(cache, set);
                let state = if super::install::is_installed(&dir, set) {
                    "installed"
                } else if dir.join("package").join("package.json").is_file() {
                    "present, not as pinned (reinstall with --force)"
                } else {
                    "not installed"
                };
                let _ = writeln!(
                    out,
                    "  {:<28} {:<48} {state}",
                    set.alias,
                    set.package_label()
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "\nNo home folder: the FHIR package cache is unavailable."
            );
        }
    }
    let _ = writeln!(
        out,
        "\nWhat each capability uses (the config's `definitions` sources, first match wins):"
    );
    let folders = fhir_path.existing().unwrap_or_default();
    for cap in Capability::ALL {
        let items: Vec<String> = sources
            .get(cap)
            .iter()
            .map(|s| {
                if s.contains('|') {
                    format!("{s} (pinned)")
                } else if source_found(&folders, s) {
                    format!("{s} (found)")
                } else {
                    format!("{s} (MISSING)")
                }
            })
            .collect();
        let _ = writeln!(out, "  {:<13} {}", cap.tag(), items.join(", "));
    }
    out
}

/// Is a source (a folder name such as `release-1.2.7`, or a package name) among the folders, directly, one or
/// two levels down, or as an installed package whose alias it is?
fn source_found(folders: &[PathBuf], source: &str) -> bool {
    let named = |p: &Path| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n == source || n.split('#').next() == Some(source) || super::alias_of(n) == Some(source)
        })
    };
    let children = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    folders.iter().any(|f| {
        named(f)
            || children(f)
                .iter()
                .any(|c| named(c) || children(c).iter().any(|g| named(g)))
    })
}
