//! The FHIR definition sets gpc-assure needs, and how to install them: a manifest (built into the binary, or
//! another one given with `--manifest`) lists each set with its pinned version, where it comes from (the FHIR
//! package registry, or a published release archive) and the SHA-256 digests it must match.
//!
//! - [`manifest`]: the manifest's shape and the built-in one;
//! - [`install`]: `gpc-assure definitions install` (download, resume, verify, unpack into the package cache);
//! - [`list`]: `gpc-assure definitions list` (what is installed, what each capability uses).

pub mod install;
pub mod list;
pub mod manifest;

use std::path::PathBuf;

pub use manifest::{DefinitionSet, Manifest, ManifestError, Part, SetName};

/// The standard FHIR package cache, `~/.fhir/packages` (`%USERPROFILE%\.fhir\packages` on Windows), shared
/// with the HL7 validator, SUSHI and the Firely tools. `None` when there is no home folder.
pub fn package_cache() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE").filter(|h| !h.is_empty()))?;
    Some(PathBuf::from(home).join(".fhir").join("packages"))
}

/// The folder a set is installed in under a package cache: `<name>#<version>` (holding `package/`).
pub fn installed_dir(cache: &std::path::Path, set: &DefinitionSet) -> PathBuf {
    cache.join(set.package_label())
}

/// The alias (the source name the config's `definitions` lists use, e.g. `release-1.2.7`) of an installed
/// package label `name#version`, from the built-in manifest.
pub fn alias_of(package_label: &str) -> Option<&'static str> {
    Manifest::builtin_names()
        .iter()
        .find(|s| s.package_label() == package_label)
        .map(|s| s.alias.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DefinitionSources;
    use crate::spine::catalogue::Capability;

    #[test]
    fn the_built_in_manifest_is_valid_and_covers_every_capability_source() {
        let m =
            Manifest::parse(manifest::BUILTIN, "built in").expect("the built-in manifest parses");
        assert_eq!(&m, Manifest::builtin());
        // A start reads the sets' names from the text alone; they are the full parse's.
        let names: Vec<SetName> = m
            .sets
            .iter()
            .map(|s| SetName {
                alias: s.alias.clone(),
                name: s.name.clone(),
                version: s.version.clone(),
            })
            .collect();
        assert_eq!(Manifest::builtin_names(), names.as_slice());
        let sources = DefinitionSources::default();
        for cap in Capability::ALL {
            for source in sources.get(cap).iter().filter(|s| !s.contains('|')) {
                let set = m.find(source).unwrap_or_else(|| {
                    panic!(
                        "{} uses `{source}`, which no manifest set installs",
                        cap.tag()
                    )
                });
                assert!(
                    set.capabilities.iter().any(|c| c == cap.tag()),
                    "{} of the manifest does not list {}",
                    set.alias,
                    cap.tag()
                );
            }
        }
    }

    #[test]
    fn content_digests_are_order_free_and_path_sensitive() {
        let a = manifest::content_digest([("a.json", "11"), ("b.json", "22")]);
        assert_eq!(
            a,
            manifest::content_digest([("b.json", "22"), ("a.json", "11")])
        );
        assert_ne!(
            a,
            manifest::content_digest([("a.json", "22"), ("b.json", "11")])
        );
    }

    #[test]
    fn a_manifest_without_pins_or_with_two_sources_is_refused() {
        let base = "sets:\n  - alias: a\n    name: n\n    version: '1'\n    title: t\n    fhir_version: '3.0.1'\n    capabilities: [foundations]\n    parts:\n      - url: http://x/a.tgz\n        file: a.tgz\n        root: a\n";
        let err = Manifest::parse(base, "m").expect_err("no digest");
        assert!(err.to_string().contains("pin"), "{err}");
        let two = format!(
            "{base}        registry: n#1\n        sha256: {}\n",
            "0".repeat(64)
        );
        let err = Manifest::parse(&two, "m").expect_err("two sources");
        assert!(err.to_string().contains("exactly one"), "{err}");
        let ok = format!("{base}        sha256: {}\n", "0".repeat(64));
        Manifest::parse(&ok, "m").expect("one source, one pin");
    }
}
