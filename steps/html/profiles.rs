//! What the 0.7.2 DSTU2 profiles fix: the snapshot elements of a StructureDefinition (path, slice name, fixed
//! value, bound value set) and the codes of a value set, read from the FHIR definitions the run uses (the
//! Html capability's definition index), so that the checks follow the published profiles.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use super::xhtml::{self, Element};
use crate::spine::catalogue::Capability;
use crate::steps::world::GpcWorld;

/// One element of a profile's snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileElement {
    pub path: String,
    /// The slice name (`name` in DSTU2).
    pub slice: Option<String>,
    /// The fixed value (`fixedUri`, `fixedCode`, `fixedString`, ...).
    pub fixed: Option<String>,
    /// The bound value set (`valueSetReference.reference` or `valueSetUri`).
    pub binding: Option<String>,
    /// The maximum cardinality (`0` for an element the profile removes).
    pub max: Option<String>,
}

type Cache = Mutex<HashMap<PathBuf, Arc<Vec<ProfileElement>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The file a canonical URL resolves to among the Html capability's definitions.
fn file_of(w: &GpcWorld, url: &str) -> Result<PathBuf, String> {
    let validator = w.ctx.validator(Capability::Html)?;
    let entry = validator
        .store()
        .index()
        .require(url)
        .map_err(|e| e.to_string())?;
    Ok(entry.path.clone())
}

/// The snapshot elements of the profile `url`.
pub fn snapshot(w: &GpcWorld, url: &str) -> Result<Arc<Vec<ProfileElement>>, String> {
    let path = file_of(w, url)?;
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&path).cloned()) {
        return Ok(hit);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let elements = if path.extension().is_some_and(|e| e == "json") {
        snapshot_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
    } else {
        snapshot_xml(&text).map_err(|e| format!("{}: {e}", path.display()))?
    };
    let elements = Arc::new(elements);
    if let Ok(mut c) = cache().lock() {
        c.insert(path, elements.clone());
    }
    Ok(elements)
}

fn child<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
    e.elements().find(|c| c.name == name)
}

fn value_of(e: &Element, name: &str) -> Option<String> {
    child(e, name)
        .and_then(|c| c.attr("value"))
        .map(String::from)
}

fn snapshot_xml(text: &str) -> Result<Vec<ProfileElement>, String> {
    let root = xhtml::parse(text).map_err(|e| e.to_string())?;
    let snap = child(&root, "snapshot").ok_or("no snapshot")?;
    Ok(snap
        .elements()
        .filter(|e| e.name == "element")
        .map(|e| ProfileElement {
            path: value_of(e, "path").unwrap_or_default(),
            slice: value_of(e, "name"),
            fixed: e
                .elements()
                .find(|c| c.name.starts_with("fixed"))
                .and_then(|c| c.attr("value"))
                .map(String::from),
            max: value_of(e, "max"),
            binding: child(e, "binding").and_then(|b| {
                child(b, "valueSetReference")
                    .and_then(|r| value_of(r, "reference"))
                    .or_else(|| value_of(b, "valueSetUri"))
            }),
        })
        .collect())
}

fn snapshot_json(text: &str) -> Result<Vec<ProfileElement>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let elements = v
        .pointer("/snapshot/element")
        .and_then(Value::as_array)
        .ok_or("no snapshot")?;
    Ok(elements
        .iter()
        .map(|e| {
            let fixed = e.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.starts_with("fixed"))
                    .map(|(_, v)| v.as_str().map_or_else(|| v.to_string(), String::from))
            });
            ProfileElement {
                path: e
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                slice: e
                    .get("name")
                    .or_else(|| e.get("sliceName"))
                    .and_then(Value::as_str)
                    .map(String::from),
                fixed,
                max: e.get("max").and_then(Value::as_str).map(String::from),
                binding: e
                    .pointer("/binding/valueSetReference/reference")
                    .or_else(|| e.pointer("/binding/valueSetUri"))
                    .or_else(|| e.pointer("/binding/valueSet"))
                    .and_then(Value::as_str)
                    .map(String::from),
            }
        })
        .collect())
}

/// The fixed value of the first snapshot element at `path` that fixes one.
pub fn fixed(w: &GpcWorld, url: &str, path: &str) -> Result<String, String> {
    snapshot(w, url)?
        .iter()
        .find(|e| e.path == path && e.fixed.is_some())
        .and_then(|e| e.fixed.clone())
        .ok_or_else(|| format!("the profile {url} fixes no value at {path}"))
}

/// The value set bound at `path` (the first element at that path with a binding).
pub fn binding(w: &GpcWorld, url: &str, path: &str) -> Result<String, String> {
    snapshot(w, url)?
        .iter()
        .find(|e| e.path == path && e.binding.is_some())
        .and_then(|e| e.binding.clone())
        .ok_or_else(|| format!("the profile {url} binds no value set at {path}"))
}

/// A section slice's fixed coding system and display (when fixed).
pub type SectionCoding = (Option<String>, Option<String>);

/// The section slices of the care record Composition: code -> (system, display if fixed).
pub fn section_codings(w: &GpcWorld, url: &str) -> Result<HashMap<String, SectionCoding>, String> {
    let snap = snapshot(w, url)?;
    let mut out = HashMap::new();
    let mut system: Option<String> = None;
    let mut code: Option<String> = None;
    for e in snap.iter() {
        match e.path.as_str() {
            "Composition.section" => {
                system = None;
                code = None;
            }
            "Composition.section.code.coding.system" => system = e.fixed.clone(),
            "Composition.section.code.coding.code" => {
                code = e.fixed.clone();
                if let Some(c) = &code {
                    out.insert(c.clone(), (system.clone(), None));
                }
            }
            "Composition.section.code.coding.display" => {
                if let (Some(c), Some(d)) = (&code, &e.fixed) {
                    out.insert(c.clone(), (system.clone(), Some(d.clone())));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// One code a value set allows: its system, code and (when the value set gives it) display.
#[derive(Debug, Clone, PartialEq)]
pub struct AllowedCode {
    pub system: String,
    pub code: String,
    pub display: Option<String>,
}

/// The codes of a DSTU2 value set: those of its inline `codeSystem`, and those its `compose.include` lists
/// (an include that lists no concepts allows its whole system: `code` is then empty).
pub fn codes(w: &GpcWorld, url: &str) -> Result<Vec<AllowedCode>, String> {
    let path = file_of(w, url)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    if path.extension().is_some_and(|e| e == "json") {
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        fn walk(system: &str, c: Option<&Value>, out: &mut Vec<AllowedCode>) {
            for x in c.and_then(Value::as_array).into_iter().flatten() {
                if let Some(code) = x.get("code").and_then(Value::as_str) {
                    out.push(AllowedCode {
                        system: system.to_string(),
                        code: code.to_string(),
                        display: x.get("display").and_then(Value::as_str).map(String::from),
                    });
                }
                walk(system, x.get("concept"), out);
            }
        }
        if let Some(cs) = v.get("codeSystem") {
            let system = cs.get("system").and_then(Value::as_str).unwrap_or_default();
            walk(system, cs.get("concept"), &mut out);
        }
        for inc in v
            .pointer("/compose/include")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let system = inc
                .get("system")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match inc.get("concept") {
                Some(c) => walk(system, Some(c), &mut out),
                None => out.push(AllowedCode {
                    system: system.to_string(),
                    code: String::new(),
                    display: None,
                }),
            }
        }
        return Ok(out);
    }
    let root = xhtml::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut groups: Vec<&Element> = root.elements().filter(|e| e.name == "codeSystem").collect();
    if let Some(compose) = child(&root, "compose") {
        groups.extend(compose.elements().filter(|e| e.name == "include"));
    }
    for g in groups {
        let system = value_of(g, "system").unwrap_or_default();
        let concepts = g.find_all("concept");
        if concepts.is_empty() && g.name == "include" {
            out.push(AllowedCode {
                system,
                code: String::new(),
                display: None,
            });
            continue;
        }
        for c in concepts {
            if let Some(code) = value_of(c, "code") {
                out.push(AllowedCode {
                    system: system.clone(),
                    code,
                    display: value_of(c, "display"),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_slices_fixed_values_and_bindings_from_xml() {
        let sd = r#"<StructureDefinition xmlns="http://hl7.org/fhir"><snapshot>
            <element><path value="Composition.type.coding.code"/><fixedCode value="425173008"/></element>
            <element><path value="Composition.section"/><name value="ALL"/></element>
            <element><path value="Patient.maritalStatus"/><binding><strength value="required"/>
              <valueSetReference><reference value="http://x/vs"/></valueSetReference></binding></element>
            </snapshot></StructureDefinition>"#;
        let els = snapshot_xml(sd).expect("reads");
        assert_eq!(els[0].fixed.as_deref(), Some("425173008"));
        assert_eq!(els[1].slice.as_deref(), Some("ALL"));
        assert_eq!(els[2].binding.as_deref(), Some("http://x/vs"));
    }
}
