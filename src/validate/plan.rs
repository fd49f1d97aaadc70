//! A StructureDefinition snapshot compiled once into the element facts the rules need.

use std::collections::HashMap;

use serde_json::Value;

/// One allowed type of an element.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRef {
    pub code: String,
    /// Profiles the value must conform to (`type.profile`).
    pub profiles: Vec<String>,
    /// For references: allowed target profiles.
    pub target_profiles: Vec<String>,
}

/// A terminology binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub strength: String,
    pub value_set: String,
}

/// An invariant.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub key: String,
    pub severity: String,
    pub human: String,
    pub expression: Option<String>,
}

/// One snapshot element.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementDef {
    pub id: String,
    pub path: String,
    pub slice_name: Option<String>,
    pub min: u64,
    /// `None` is `*`.
    pub max: Option<u64>,
    pub types: Vec<TypeRef>,
    /// `("fixedUri", value)` or `("patternCodeableConcept", value)`.
    pub fixed: Option<(String, Value)>,
    pub pattern: Option<(String, Value)>,
    pub binding: Option<Binding>,
    pub constraints: Vec<Constraint>,
    pub content_reference: Option<String>,
    /// The base element allows more than one value, so JSON carries an array.
    pub base_many: bool,
}

/// A compiled profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub url: String,
    pub type_name: String,
    pub elements: Vec<ElementDef>,
    /// Path -> index of the element without a slice name.
    by_path: HashMap<String, usize>,
    /// Path -> indexes of its direct children (un-sliced).
    children: HashMap<String, Vec<usize>>,
}

/// The snapshot cannot be compiled.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error(
        "StructureDefinition {0} has no snapshot (snapshot generation is not implemented yet)"
    )]
    NoSnapshot(String),
    #[error("StructureDefinition {0} has no type")]
    NoType(String),
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

fn prefixed(el: &serde_json::Map<String, Value>, prefix: &str) -> Option<(String, Value)> {
    el.iter()
        .find(|(k, _)| k.starts_with(prefix) && k.len() > prefix.len())
        .map(|(k, v)| (k.clone(), v.clone()))
}

impl Plan {
    pub fn compile(sd: &Value) -> Result<Plan, PlanError> {
        let url = sd
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let type_name = sd
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| PlanError::NoType(url.clone()))?
            .to_string();
        let raw = sd
            .pointer("/snapshot/element")
            .and_then(Value::as_array)
            .ok_or_else(|| PlanError::NoSnapshot(url.clone()))?;
        let mut elements = Vec::with_capacity(raw.len());
        for e in raw {
            let Some(el) = e.as_object() else { continue };
            let path = el
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let types = el
                .get("type")
                .and_then(Value::as_array)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| {
                            let code = t.get("code").and_then(Value::as_str)?;
                            Some(TypeRef {
                                code: code.to_string(),
                                profiles: strings(t.get("profile")),
                                target_profiles: strings(t.get("targetProfile")),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let binding = el.get("binding").and_then(|b| {
                let strength = b.get("strength").and_then(Value::as_str)?.to_string();
                let value_set = b
                    .get("valueSetReference")
                    .and_then(|r| r.get("reference"))
                    .or_else(|| b.get("valueSetUri"))
                    .or_else(|| b.get("valueSet"))
                    .and_then(Value::as_str)?
                    .to_string();
                Some(Binding {
                    strength,
                    value_set,
                })
            });
            let constraints = el
                .get("constraint")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| Constraint {
                            key: c
                                .get("key")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            severity: c
                                .get("severity")
                                .and_then(Value::as_str)
                                .unwrap_or("error")
                                .to_string(),
                            human: c
                                .get("human")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            expression: c
                                .get("expression")
                                .and_then(Value::as_str)
                                .map(String::from),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let max = match el.get("max").and_then(Value::as_str) {
                Some("*") | None => None,
                Some(n) => n.parse().ok(),
            };
            elements.push(ElementDef {
                id: el
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or(&path)
                    .to_string(),
                slice_name: el
                    .get("sliceName")
                    .and_then(Value::as_str)
                    .map(String::from),
                min: el.get("min").and_then(Value::as_u64).unwrap_or(0),
                max,
                types,
                fixed: prefixed(el, "fixed"),
                pattern: prefixed(el, "pattern"),
                binding,
                constraints,
                content_reference: el
                    .get("contentReference")
                    .and_then(Value::as_str)
                    .map(String::from),
                base_many: match el
                    .get("base")
                    .and_then(|b| b.get("max"))
                    .and_then(Value::as_str)
                {
                    Some("*") => true,
                    Some(n) => n.parse::<u64>().is_ok_and(|n| n > 1),
                    None => max.is_none_or(|m| m > 1),
                },
                path,
            });
        }
        let mut by_path = HashMap::new();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in elements.iter().enumerate() {
            // Only the element that opens a path (not its slices, nor anything under a slice) is indexed.
            if e.slice_name.is_some() || e.id.contains(':') || by_path.contains_key(&e.path) {
                continue;
            }
            by_path.insert(e.path.clone(), i);
            if let Some((parent, _)) = e.path.rsplit_once('.') {
                children.entry(parent.to_string()).or_default().push(i);
            }
        }
        Ok(Plan {
            url,
            type_name,
            elements,
            by_path,
            children,
        })
    }

    pub fn element(&self, path: &str) -> Option<&ElementDef> {
        self.by_path.get(path).map(|&i| &self.elements[i])
    }

    /// Direct (un-sliced) children of an element path.
    pub fn children(&self, path: &str) -> impl Iterator<Item = &ElementDef> {
        self.children
            .get(path)
            .into_iter()
            .flatten()
            .map(|&i| &self.elements[i])
    }

    pub fn has_children(&self, path: &str) -> bool {
        self.children.get(path).is_some_and(|c| !c.is_empty())
    }
}
