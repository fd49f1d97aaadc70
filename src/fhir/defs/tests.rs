use super::*;
use crate::spine::headers::{profile, system};

fn index() -> DefinitionIndex {
    FhirPath::development_default()
        .index()
        .expect("../shared/fhir beside the repository")
}

#[test]
fn resolves_gp_connect_profiles() {
    let idx = index();
    let e = idx.require(profile::PATIENT).unwrap();
    assert!(e.path.is_file());
    assert_eq!(
        idx.resolve(&format!("{}|1.8.0", profile::PATIENT))
            .unwrap()
            .version,
        "1.8.0"
    );
}

#[test]
fn core_definitions_are_told_apart_by_fhir_version() {
    let idx = index();
    let dstu2 = idx
        .resolve("http://hl7.org/fhir/StructureDefinition/Patient|1.0.2")
        .unwrap();
    assert!(dstu2.path.to_string_lossy().contains("dstu2"), "{dstu2:?}");
    let stu3 = idx
        .resolve("http://hl7.org/fhir/StructureDefinition/Patient")
        .unwrap();
    assert!(stu3.path.to_string_lossy().contains("stu3"), "{stu3:?}");
}

#[test]
fn missing_definition_names_the_variable() {
    let e = index()
        .require("https://example.org/StructureDefinition/Nope")
        .unwrap_err()
        .to_string();
    assert!(e.contains("GPC_FHIR_PATH"), "{e}");
    let e = FhirPath {
        folders: vec![PathBuf::from("/nonexistent")],
    }
    .index()
    .unwrap_err()
    .to_string();
    assert!(e.contains("GPC_FHIR_PATH"), "{e}");
}

#[test]
fn reads_fixed_coding_system_of_operation_outcome() {
    let v = index()
        .fixed_value(
            profile::OPERATION_OUTCOME,
            "OperationOutcome.issue.details.coding.system",
        )
        .unwrap();
    assert_eq!(v, system::SPINE_ERROR);
}

#[test]
fn reads_spine_error_displays() {
    let d = index().code_displays(system::SPINE_ERROR).unwrap();
    assert_eq!(
        d.get("BAD_REQUEST").map(String::as_str),
        Some("Bad request")
    );
    assert_eq!(
        d.get("ACCESS DENIED").map(String::as_str),
        Some("Access has been denied to process this request")
    );
}

#[test]
fn walks_folders_without_an_index() {
    let dir = FhirPath::development_default().existing().unwrap()[0]
        .join("nhsconnect-STU3-FHIR-Assets/CodeSystems");
    let idx = FhirPath { folders: vec![dir] }.index().unwrap();
    assert!(idx.resolve(system::SPINE_ERROR).is_some());
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gpc-defs-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tiny FHIR NPM package holding the Spine error CodeSystem.
fn write_package(root: &Path, with_index: bool) {
    let pkg = root.join("package");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"test.gpc.pkg","version":"9.9.9","fhirVersions":["3.0.1"]}"#,
    )
    .unwrap();
    std::fs::write(
        pkg.join("CodeSystem-test.json"),
        r#"{"resourceType":"CodeSystem","url":"https://example.org/CodeSystem/test","version":"9.9.9","status":"active","content":"complete","concept":[{"code":"A","display":"Alpha"}]}"#,
    )
    .unwrap();
    if with_index {
        std::fs::write(
            pkg.join(".index.json"),
            r#"{"index-version":1,"files":[{"filename":"CodeSystem-test.json","resourceType":"CodeSystem","url":"https://example.org/CodeSystem/test","version":"9.9.9"}]}"#,
        )
        .unwrap();
    }
}

#[test]
fn reads_a_tgz_package() {
    let dir = scratch("tgz");
    let src = dir.join("src");
    write_package(&src, false);
    let tgz = dir.join("test.gpc.pkg-9.9.9.tgz");
    {
        let file = std::fs::File::create(&tgz).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.append_dir_all("package", src.join("package")).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let idx = FhirPath {
        folders: vec![tgz.clone()],
    }
    .index()
    .unwrap();
    let e = idx.require("https://example.org/CodeSystem/test").unwrap();
    assert_eq!(e.package.as_deref(), Some("test.gpc.pkg#9.9.9"));
    assert_eq!(
        idx.code_displays("https://example.org/CodeSystem/test")
            .unwrap()["A"],
        "Alpha"
    );
    // A second index reuses the unpacked copy.
    let again = FhirPath { folders: vec![tgz] }.index().unwrap();
    assert_eq!(
        again
            .require("https://example.org/CodeSystem/test")
            .unwrap()
            .path,
        e.path
    );
    // Not a package: a clear error naming the file.
    let bad = dir.join("broken.tgz");
    std::fs::write(&bad, b"not gzip").unwrap();
    let err = FhirPath { folders: vec![bad] }
        .index()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("broken.tgz") && err.contains("package"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn reads_the_standard_package_cache_layout() {
    let cache = scratch("fhir-packages");
    write_package(&cache.join("test.gpc.pkg#9.9.9"), true);
    let idx = FhirPath {
        folders: vec![cache.clone()],
    }
    .index()
    .unwrap();
    let e = idx.require("https://example.org/CodeSystem/test").unwrap();
    assert_eq!(e.package.as_deref(), Some("test.gpc.pkg#9.9.9"));
    assert!(e.from_source("test.gpc.pkg"));
    assert!(e.from_source("test.gpc.pkg#9.9.9"));
    assert!(!e.from_source("other.pkg"));
    let _ = std::fs::remove_dir_all(cache);
}

#[test]
fn prefers_the_capability_source() {
    let idx = index();
    let url = profile::APPOINTMENT;
    let v = |prefs: &[&str]| {
        let prefs: Vec<String> = prefs.iter().map(|s| s.to_string()).collect();
        idx.resolve_preferring(url, &prefs).unwrap().clone()
    };
    let e = v(&["release-1.2.7"]);
    assert_eq!(e.version, "1.6.0");
    assert!(e.path.to_string_lossy().contains("release-1.2.7"));
    assert_eq!(v(&["nhsconnect-STU3-FHIR-Assets"]).version, "1.7.0");
    // No preferred source holds it: the highest version.
    assert_eq!(v(&["no-such-source"]).version, "1.7.0");
    assert_eq!(idx.versions(url).len(), 3);
    // A pin beats the source order.
    assert_eq!(
        v(&[&format!("{url}|1.7.0"), "release-1.2.7"]).version,
        "1.7.0"
    );
}

#[test]
fn caches_the_index_of_a_walked_folder() {
    let dir = FhirPath::development_default().existing().unwrap()[0]
        .join("nhsconnect-STU3-FHIR-Assets/ValueSets");
    let first = FhirPath {
        folders: vec![dir.clone()],
    }
    .index()
    .unwrap();
    let second = FhirPath { folders: vec![dir] }.index().unwrap();
    assert_eq!(first.len(), second.len());
    assert!(first.len() > 50);
}

/// An HL7 core package in the package cache, as `definitions install` leaves it: its StructureDefinitions
/// carry no business version, so the index keys them by FHIR version (`url|1.0.2`), from each file's
/// `fhirVersion` or, with a registry `.index.json`, from the core package's own version.
#[test]
fn installed_core_packages_are_told_apart_by_fhir_version() {
    for with_index in [false, true] {
        let cache = scratch("core-cache");
        for (version, rt) in [("1.0.2", "Conformance"), ("3.0.1", "CapabilityStatement")] {
            let pkg = cache.join(format!("hl7.fhir.core#{version}/package"));
            std::fs::create_dir_all(&pkg).unwrap();
            std::fs::write(
                pkg.join("package.json"),
                format!(r#"{{"name":"hl7.fhir.core","version":"{version}"}}"#),
            )
            .unwrap();
            let url = "http://hl7.org/fhir/StructureDefinition/Device";
            std::fs::write(
                pkg.join("StructureDefinition-Device.json"),
                format!(
                    r#"{{"resourceType":"StructureDefinition","url":"{url}","fhirVersion":"{version}","name":"{rt}"}}"#
                ),
            )
            .unwrap();
            if with_index {
                std::fs::write(
                    pkg.join(".index.json"),
                    format!(
                        r#"{{"index-version":1,"files":[{{"filename":"StructureDefinition-Device.json","resourceType":"StructureDefinition","url":"{url}"}}]}}"#
                    ),
                )
                .unwrap();
            }
        }
        let idx = FhirPath {
            folders: vec![cache.clone()],
        }
        .index()
        .unwrap();
        let dstu2 = idx
            .require("http://hl7.org/fhir/StructureDefinition/Device|1.0.2")
            .unwrap();
        assert!(dstu2.path.to_string_lossy().contains("#1.0.2"), "{dstu2:?}");
        let latest = idx
            .require("http://hl7.org/fhir/StructureDefinition/Device")
            .unwrap();
        assert!(
            latest.path.to_string_lossy().contains("#3.0.1"),
            "{latest:?}"
        );
        let _ = std::fs::remove_dir_all(cache);
    }
    assert_eq!(core_fhir_version("hl7.fhir.r3.core#3.0.2"), Some("3.0.2"));
    assert_eq!(core_fhir_version("hl7.fhir.core#1.0.2"), Some("1.0.2"));
    assert_eq!(core_fhir_version("uk.nhsdigital.r3#1.0.0"), None);
}

/// The index's byte-wise split of a CSV line reads the columns `str::split(',')` reads, on every line of the
/// shared index and on short, long and odd lines; a joined path is `Path::join`'s.
#[test]
fn the_index_reads_csv_lines_and_joins_paths_as_the_standard_library_does() {
    fn by_split(line: &str) -> Option<(&str, &str, &str, &str)> {
        let mut cols = line.split(',');
        let (Some(url), Some(version), Some(_), Some(fhir)) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            return None;
        };
        let (Some(_), Some(_), Some(path)) = (cols.next(), cols.next(), cols.next_back()) else {
            return None;
        };
        Some((url, version, fhir, path))
    }
    let csv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir/CANONICAL_INDEX.csv");
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 1000, "{}", lines.len());
    lines.extend([
        "",
        "a",
        "a,b,c,d,e,f",
        "a,b,c,d,e,f,g",
        "a,b,c,d,e,f,g,h",
        ",,,,,,",
        "u,,x,3.0.1,,,p/q.json",
        "é,ü,c,d,e,f,g/ß.json",
    ]);
    for line in lines {
        let ours = CsvRow::split(line).map(|r| (r.url, r.version, r.fhir_version, r.path));
        assert_eq!(ours, by_split(line), "{line:?}");
    }
    for (base, rel) in [
        ("/a/b", "c/d.json"),
        ("/a/b/", "c.json"),
        ("", "c.json"),
        ("rel", "c.json"),
        ("/a", "/abs/c.json"),
        ("/a", ""),
    ] {
        assert_eq!(
            joined(base, rel),
            std::path::Path::new(base).join(rel),
            "{base} {rel}"
        );
    }
}

/// A package without `.index.json` (as `definitions install` assembles the NHS sets) is read whole once; later
/// starts take its index from the cache, keyed by each file's size and modification time. (Each start used to
/// read every file of every such package: about 130 ms of a 140 ms cold `validate` of an installed binary.)
#[test]
fn a_package_without_an_index_is_read_once() {
    let root = scratch("unindexed-package");
    let pkg = root.join("example#1.0.0/package");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","version":"1.0.0"}"#,
    )
    .unwrap();
    let file = pkg.join("StructureDefinition-A.json");
    let write = |url: &str| {
        std::fs::write(
            &file,
            format!(r#"{{"resourceType":"StructureDefinition","url":"{url}","version":"1"}}"#),
        )
        .unwrap();
    };
    write("http://example.org/StructureDefinition/A");
    let path = FhirPath {
        folders: vec![root.clone()],
    };
    assert!(path
        .index()
        .unwrap()
        .resolve("http://example.org/StructureDefinition/A")
        .is_some());
    // The same size and modification time, another URL: still the cached index.
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    write("http://example.org/StructureDefinition/B");
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let again = path.index().unwrap();
    assert!(again
        .resolve("http://example.org/StructureDefinition/A")
        .is_some());
    assert!(again
        .resolve("http://example.org/StructureDefinition/B")
        .is_none());
    // A changed size is a changed package.
    write("http://example.org/StructureDefinition/Bigger");
    let changed = path.index().unwrap();
    assert!(changed
        .resolve("http://example.org/StructureDefinition/Bigger")
        .is_some());
    let _ = std::fs::remove_dir_all(&root);
}

/// An XML definition with a character of two bytes across the 4 KB the sniffing reads first: no panic (the
/// head was cut by byte and panicked inside the character).
#[test]
fn sniffing_cuts_its_head_at_a_character_boundary() {
    let dir = scratch("sniff-boundary");
    let file = dir.join("odd.xml");
    let text = format!(
        "<!--{}é--><StructureDefinition xmlns=\"http://hl7.org/fhir\"><url value=\"http://example.org/x\"/></StructureDefinition>",
        "a".repeat(4091)
    );
    assert!(!text.is_char_boundary(4096));
    std::fs::write(&file, text).unwrap();
    assert_eq!(sniff_canonical(&file), None);
    let _ = std::fs::remove_dir_all(&dir);
}
