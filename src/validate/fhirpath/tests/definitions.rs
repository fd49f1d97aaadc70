//! The FHIRPath engine over the published definitions and examples: the evidence `docs/decisions.md` cites.
//! The definitions are found as the harness finds them (`GPC_FHIR_PATH`, then `../shared/fhir`); without them
//! these tests fail, naming `GPC_FHIR_PATH`, rather than skip.

use super::*;
use regex::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::fhir::FhirPath;
use crate::validate::fhirpath::types::canonical_type;

/// Folders of profile StructureDefinitions (XML), relative to a folder of the FHIR path.
const XML_SD_DIRS: [&str; 3] = [
    "nhsconnect-STU3-FHIR-Assets/StructureDefinitions",
    "careconnect-profiles-stu3/constraints",
    "nhsconnect-gpconnect-fhir/release-1.2.7/StructureDefinitions",
];
/// The official GP Connect examples, relative to a folder of the FHIR path.
const EXAMPLES_DIR: &str = "nhsconnect-gpconnect-spec-examples";

/// The FHIR path as the harness resolves it without a command line or config file: `GPC_FHIR_PATH`, then
/// `../shared/fhir`.
fn fhir_path() -> FhirPath {
    FhirPath::resolve(&[], &[])
}

/// The folder of STU3 core StructureDefinitions (JSON); panics when the FHIR path has none.
fn core_sd_dir() -> PathBuf {
    fhir_path()
        .stu3_core_structure_definitions()
        .unwrap_or_else(|e| panic!("the FHIRPath tests need the FHIR STU3 core definitions: {e}"))
}

/// `relative` below the first folder of the FHIR path that has it; panics when none has it.
fn definitions_dir(relative: &str) -> PathBuf {
    let folders = fhir_path()
        .existing()
        .unwrap_or_else(|e| panic!("the FHIRPath tests need the FHIR definitions: {e}"));
    folders
        .iter()
        .map(|folder| folder.join(relative))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the FHIRPath tests need {relative}, which is in no folder of the FHIR path ({}); set the {} \
                 environment variable to the folder holding the FHIR definitions (e.g. ../shared/fhir)",
                folders
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::fhir::defs::ENV_VAR
            )
        })
}

fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else {
            break;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn walk_json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            walk_json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

// --- acceptance 1: every invariant in the definitions parses ---------------------------------------

#[test]
fn all_core_json_invariants_parse() {
    let dir = core_sd_dir();
    let files = files_with_ext(&dir, "json");
    assert!(
        !files.is_empty(),
        "no StructureDefinition JSON files in {}",
        dir.display()
    );
    let mut total = 0;
    let mut distinct = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for f in &files {
        let sd: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for section in ["snapshot", "differential"] {
            for e in sd[section]["element"].as_array().into_iter().flatten() {
                for c in e["constraint"].as_array().into_iter().flatten() {
                    if let Some(x) = c["expression"].as_str() {
                        total += 1;
                        distinct.insert(x.to_string());
                        if let Err(err) = parse(x) {
                            failures.push(format!("{}: {err}", f.display()));
                        }
                    }
                }
            }
        }
    }
    println!(
        "core STU3 JSON: {} SDs, {total} constraint expressions ({} distinct) parsed",
        files.len(),
        distinct.len()
    );
    assert!(total > 1000);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn all_profile_xml_invariants_parse() {
    let constraint_re = Regex::new(r"(?s)<constraint>(.*?)</constraint>").unwrap();
    let expr_re = Regex::new(r#"<expression\s+value="([^"]*)"\s*/?>"#).unwrap();
    for dir in XML_SD_DIRS {
        let dir = definitions_dir(dir);
        let files = files_with_ext(&dir, "xml");
        assert!(
            !files.is_empty(),
            "no StructureDefinition XML files in {}",
            dir.display()
        );
        let mut total = 0;
        let mut failures = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for c in constraint_re.captures_iter(&text) {
                for e in expr_re.captures_iter(&c[1]) {
                    let x = xml_unescape(&e[1]);
                    total += 1;
                    if let Err(err) = parse(&x) {
                        failures.push(format!("{}: {err}", f.display()));
                    }
                }
            }
        }
        println!(
            "{}: {} files, {total} constraint expressions parsed",
            dir.display(),
            files.len()
        );
        assert!(total > 0);
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

// --- acceptance 2: evaluate invariants over the GP Connect examples --------------------------------

struct ElementInfo {
    path: String,
    rel: Option<Expr>,
    types: Vec<String>,
    constraints: Vec<(String, Expr)>,
}

#[derive(Default)]
struct Walker {
    /// The folder of STU3 core StructureDefinitions.
    core_dir: PathBuf,
    sds: HashMap<String, Option<Rc<Vec<ElementInfo>>>>,
    evaluations: usize,
    root_evaluations: usize,
    by_key: std::collections::BTreeMap<String, usize>,
    falses: Vec<String>,
    errors: Vec<String>,
}

impl Walker {
    fn sd(&mut self, type_name: &str) -> Option<Rc<Vec<ElementInfo>>> {
        if let Some(cached) = self.sds.get(type_name) {
            return cached.clone();
        }
        let path = self
            .core_dir
            .join(format!("StructureDefinition-{type_name}.json"));
        let loaded = std::fs::read_to_string(path).ok().map(|text| {
            let sd: Value = serde_json::from_str(&text).unwrap();
            let elements = sd["snapshot"]["element"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            Rc::new(
                elements
                    .iter()
                    .map(|e| {
                        let path = e["path"].as_str().unwrap().to_string();
                        let rel = path
                            .split_once('.')
                            .map(|(_, rest)| parse(&rest.replace("[x]", "")).unwrap());
                        let types = e["type"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|t| t["code"].as_str().map(str::to_string))
                            .collect();
                        let constraints = e["constraint"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|c| {
                                let x = c["expression"].as_str()?;
                                Some((c["key"].as_str()?.to_string(), parse(x).unwrap()))
                            })
                            .collect();
                        ElementInfo {
                            path,
                            rel,
                            types,
                            constraints,
                        }
                    })
                    .collect(),
            )
        });
        self.sds.insert(type_name.to_string(), loaded.clone());
        loaded
    }

    fn walk<'a>(
        &mut self,
        type_name: &str,
        node: &Item<'a>,
        resource: &'a Value,
        file: &str,
        depth: usize,
    ) {
        if depth > 40 {
            return;
        }
        let Some(elements) = self.sd(type_name) else {
            return;
        };
        for e in elements.iter() {
            let nodes = match &e.rel {
                None => vec![node.clone()],
                Some(rel) => match rel.evaluate_item(node, resource) {
                    Ok(n) => n,
                    Err(err) => {
                        self.errors.push(format!("{file}: path {}: {err}", e.path));
                        continue;
                    }
                },
            };
            for n in &nodes {
                for (key, c) in &e.constraints {
                    self.evaluations += 1;
                    *self.by_key.entry(key.clone()).or_default() += 1;
                    if e.rel.is_none() && depth == 0 {
                        self.root_evaluations += 1;
                    }
                    match c.holds_item(n, resource) {
                        Ok(true) => {}
                        Ok(false) => self.falses.push(format!(
                            "{file}: {key} false at {} `{}`",
                            e.path,
                            c.source()
                        )),
                        Err(err) => self
                            .errors
                            .push(format!("{file}: {key} at {}: {err}", e.path)),
                    }
                }
                if e.rel.is_none() {
                    continue;
                }
                let Some(Item::Node(nd)) = Some(n) else {
                    continue;
                };
                if let Some(rt) = nd.resource_type() {
                    // Contained resources keep the container as %resource; entries use themselves.
                    let inner_resource = if e.path.ends_with(".contained") {
                        resource
                    } else {
                        nd.value().unwrap_or(resource)
                    };
                    self.walk(rt, n, inner_resource, file, depth + 1);
                    continue;
                }
                let ty = if e.types.len() == 1 {
                    Some(e.types[0].clone())
                } else {
                    nd.choice_type()
                        .map(canonical_type)
                        .filter(|t| e.types.contains(t))
                };
                match ty.as_deref() {
                    None | Some("BackboneElement" | "Element" | "Resource") => {}
                    Some(t) => self.walk(t, n, resource, file, depth + 1),
                }
            }
        }
    }
}

#[test]
fn gp_connect_examples_evaluate_without_errors() {
    let root = definitions_dir(EXAMPLES_DIR);
    let core_dir = core_sd_dir();
    let invalid: Vec<String> = std::fs::read_to_string(root.join("INVALID_JSON.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(':').next().map(str::trim).map(str::to_string))
        .collect();
    let mut files = Vec::new();
    walk_json_files(&root, &mut files);
    files.sort();
    let mut walker = Walker {
        core_dir,
        ..Walker::default()
    };
    let mut checked = 0;
    let mut skipped = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().to_string();
        if invalid.contains(&rel) {
            skipped.push(rel);
            continue;
        }
        let Ok(doc) = serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap()) else {
            skipped.push(rel);
            continue;
        };
        let Some(rt) = doc.get("resourceType").and_then(Value::as_str) else {
            skipped.push(rel);
            continue;
        };
        checked += 1;
        walker.walk(rt, &Item::Node(Node::new(&doc)), &doc, &rel, 0);
    }
    println!(
        "examples: {checked} resources checked, {} skipped, {} invariant evaluations ({} at resource roots), {} false, {} errors",
        skipped.len(),
        walker.evaluations,
        walker.root_evaluations,
        walker.falses.len(),
        walker.errors.len()
    );
    println!("  evaluations per invariant: {:?}", walker.by_key);
    let mut summary: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &walker.falses {
        *summary.entry(f.as_str()).or_default() += 1;
    }
    for (f, n) in summary {
        println!("  FALSE x{n}: {f}");
    }
    assert!(checked > 50);
    assert!(walker.root_evaluations > 100);
    assert!(walker.errors.is_empty(), "{:#?}", walker.errors);
}
