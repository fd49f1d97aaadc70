//! Element model built from FHIR core StructureDefinitions.
//!
//! The model answers one question quickly: "given a node of some FHIR type (or
//! a backbone element inside a type), what is its child called `name` in the
//! JSON representation?". It is used by the XML parser to decide between
//! single values and arrays, between primitive and complex elements, and to
//! type primitive JSON values.
//!
//! Only the snapshots of the *specialisations* (primitive types, complex
//! types and resources) are used; constraint profiles are skipped, except
//! that core constraints on data types (e.g. STU3 `SimpleQuantity`) are
//! remembered as aliases of the type they constrain. Both the STU3 (3.0.x)
//! and DSTU2 (1.0.x) layouts are understood.

use std::collections::HashMap;
use std::hash::Hasher as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Prefix of the canonical URL of core StructureDefinitions.
const CORE_URL_PREFIX: &str = "http://hl7.org/fhir/StructureDefinition/";

/// Errors raised while loading StructureDefinitions.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A StructureDefinition file is not valid JSON or has an unexpected shape.
    #[error("cannot parse StructureDefinition {path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A StructureDefinition is internally inconsistent.
    #[error("invalid StructureDefinition {path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    /// Two StructureDefinitions define the same type.
    #[error("type {name} is defined twice: in {first} and in {second}")]
    DuplicateType {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// The directory holds no usable StructureDefinition.
    #[error("no FHIR type definitions found under {0}")]
    Empty(PathBuf),
}

/// Where a node sits: a type and an element path inside that type.
///
/// It is a pair of indices into the [`ElementModel`] that created it, so it is
/// `Copy`; a context used with another model simply finds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TypeCtx {
    ty: u32,
    node: u32,
}

/// What the model knows about one child element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildInfo {
    /// The element repeats (JSON array, repeated XML elements).
    pub is_array: bool,
    /// What sort of value the element holds.
    pub kind: ChildKind,
    /// Context for looking up the element's own children.
    pub ctx: TypeCtx,
}

/// The sort of value a child element holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildKind {
    /// A primitive; the FHIR type code, e.g. `boolean`, `decimal`, `dateTime`.
    Primitive(String),
    /// A complex data type or backbone element.
    Complex,
    /// An inline resource (`Bundle.entry.resource`, `DomainResource.contained`, ...).
    Resource,
    /// XHTML (`Narrative.div`).
    Xhtml,
}

/// Element model of a FHIR release, loaded from its core StructureDefinitions.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ElementModel {
    types: Vec<TypeDef>,
    index: HashMap<String, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Category {
    Primitive,
    Complex,
    Resource,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TypeDef {
    name: String,
    category: Category,
    is_abstract: bool,
    nodes: Vec<Node>,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Node {
    path: String,
    children: HashMap<String, Slot>,
    choices: Vec<ChoiceSlot>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Slot {
    is_array: bool,
    target: Target,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ChoiceSlot {
    prefix: String,
    is_array: bool,
    /// (capitalised type suffix, target) pairs, e.g. ("DateTime", dateTime).
    options: Vec<(String, Target)>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Target {
    Primitive(String, TypeCtx),
    Complex(TypeCtx),
    Resource(TypeCtx),
    Xhtml(TypeCtx),
}

impl Target {
    fn info(&self, is_array: bool) -> ChildInfo {
        let (kind, ctx) = match self {
            Target::Primitive(code, ctx) => (ChildKind::Primitive(code.clone()), *ctx),
            Target::Complex(ctx) => (ChildKind::Complex, *ctx),
            Target::Resource(ctx) => (ChildKind::Resource, *ctx),
            Target::Xhtml(ctx) => (ChildKind::Xhtml, *ctx),
        };
        ChildInfo {
            is_array,
            kind,
            ctx,
        }
    }
}

impl ElementModel {
    /// Loads every `*.json` StructureDefinition under `dir` (recursively).
    ///
    /// Primitive types, complex types and resources are loaded; constraint
    /// profiles are skipped (core data-type constraints such as
    /// `SimpleQuantity` become aliases of their base type). Files whose
    /// `resourceType` is not `StructureDefinition` are ignored.
    pub fn load_dir(dir: &Path) -> Result<ElementModel, ModelError> {
        let mut files = Vec::new();
        collect_json_files(dir, &mut files)?;
        files.sort();
        // Reading every core definition (about 30 MB for STU3) is most of a cold start with XML input: the model
        // built from them is kept in this build's folder, keyed by every file's path, size and modification time.
        let kept = super::packages::build_dir().map(|build| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            super::packages::hash_tree(&mut h, dir, &files);
            build.join(format!("model-{:016x}.json", h.finish()))
        });
        if let Some(model) = kept
            .as_ref()
            .and_then(|k| std::fs::read(k).ok())
            .and_then(|b| serde_json::from_slice::<ElementModel>(&b).ok())
        {
            return Ok(model);
        }
        let parsed = parse_files_parallel(&files)?;
        let model = build_model(parsed)?;
        if model.types.len() <= 1 {
            return Err(ModelError::Empty(dir.to_path_buf()));
        }
        if let Some(k) = kept {
            if let Ok(bytes) = serde_json::to_vec(&model) {
                super::packages::write_whole(&k, &bytes);
            }
        }
        Ok(model)
    }

    /// Info for child element `name` (its JSON property name, e.g.
    /// `valueQuantity`, `given`, `entry`) of a node whose context is `ctx`.
    pub fn child(&self, ctx: &TypeCtx, name: &str) -> Option<ChildInfo> {
        let node = self.node(ctx)?;
        if let Some(slot) = node.children.get(name) {
            return Some(slot.target.info(slot.is_array));
        }
        node.choices.iter().find_map(|choice| {
            let suffix = name.strip_prefix(choice.prefix.as_str())?;
            choice
                .options
                .iter()
                .find(|(s, _)| s == suffix)
                .map(|(_, target)| target.info(choice.is_array))
        })
    }

    /// True if `name` is a concrete (non-abstract) resource type.
    pub fn is_resource_type(&self, name: &str) -> bool {
        self.concrete_resource(name).is_some()
    }

    /// Context of the root of a concrete resource type.
    pub fn root(&self, resource_type: &str) -> Option<TypeCtx> {
        self.concrete_resource(resource_type)
            .map(|ty| TypeCtx { ty, node: 0 })
    }

    /// Element path of a context, e.g. `Bundle.entry.request` (for messages).
    pub fn ctx_path(&self, ctx: &TypeCtx) -> Option<&str> {
        self.node(ctx).map(|n| n.path.as_str())
    }

    /// Names of all concrete resource types, sorted.
    pub fn resource_types(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .types
            .iter()
            .filter(|t| t.category == Category::Resource && !t.is_abstract)
            .map(|t| t.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Number of types (primitive, complex and resource) in the model.
    pub fn type_count(&self) -> usize {
        self.types.len().saturating_sub(1)
    }

    fn concrete_resource(&self, name: &str) -> Option<u32> {
        let idx = *self.index.get(name)?;
        let def = self.types.get(idx as usize)?;
        (def.category == Category::Resource && !def.is_abstract && def.name == name).then_some(idx)
    }

    fn node(&self, ctx: &TypeCtx) -> Option<&Node> {
        self.types
            .get(ctx.ty as usize)?
            .nodes
            .get(ctx.node as usize)
    }
}

// ---------------------------------------------------------------------------
// Raw StructureDefinition shape (only what is needed).

#[derive(Deserialize)]
struct RawSd {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    id: Option<String>,
    url: Option<String>,
    kind: Option<String>,
    derivation: Option<String>,
    #[serde(rename = "type")]
    sd_type: Option<String>,
    #[serde(rename = "constrainedType")]
    constrained_type: Option<String>,
    #[serde(rename = "abstract", default)]
    is_abstract: bool,
    snapshot: Option<RawSnapshot>,
}

#[derive(Deserialize)]
struct RawSnapshot {
    #[serde(default)]
    element: Vec<RawElement>,
}

#[derive(Deserialize)]
struct RawElement {
    path: String,
    /// DSTU2 element name, the target of `nameReference`.
    name: Option<String>,
    max: Option<String>,
    base: Option<RawBase>,
    #[serde(rename = "type", default)]
    types: Vec<RawType>,
    #[serde(rename = "contentReference")]
    content_reference: Option<String>,
    #[serde(rename = "nameReference")]
    name_reference: Option<String>,
}

#[derive(Deserialize)]
struct RawBase {
    max: Option<String>,
}

#[derive(Deserialize)]
struct RawType {
    code: Option<String>,
}

/// Outcome of reading one file.
enum Parsed {
    Type {
        path: PathBuf,
        name: String,
        category: Category,
        is_abstract: bool,
        elements: Vec<RawElement>,
    },
    Alias {
        name: String,
        target: String,
    },
}

fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ModelError> {
    let io_err = |source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| ModelError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            collect_json_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn parse_files_parallel(files: &[PathBuf]) -> Result<Vec<Parsed>, ModelError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = files.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<Parsed>, ModelError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for path in part {
                        if let Some(p) = parse_file(path)? {
                            out.push(p);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ModelError::Invalid {
                        path: PathBuf::new(),
                        reason: "StructureDefinition loader thread failed".to_string(),
                    })
                })
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

/// Cheap check of the top-level `resourceType`, so that ValueSets etc. in the
/// same folder are not parsed. Looks at the first `"resourceType"` key.
fn declared_resource_type(bytes: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"resourceType\"";
    let pos = bytes.windows(KEY.len()).position(|w| w == KEY)?;
    let rest = bytes.get(pos + KEY.len()..)?.trim_ascii_start();
    let rest = rest.strip_prefix(b":")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    rest.get(..end)
}

fn parse_file(path: &Path) -> Result<Option<Parsed>, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if declared_resource_type(&bytes) != Some(b"StructureDefinition".as_slice()) {
        return Ok(None);
    }
    let sd: RawSd = serde_json::from_slice(&bytes).map_err(|source| ModelError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    if sd.resource_type.as_deref() != Some("StructureDefinition") {
        return Ok(None);
    }
    let kind = sd.kind.as_deref().unwrap_or_default();
    let constraint =
        sd.derivation.as_deref() == Some("constraint") || sd.constrained_type.is_some();
    if constraint {
        return Ok(alias_of(&sd, kind));
    }
    let Some(elements) = sd.snapshot.map(|s| s.element) else {
        return Err(invalid(path, "no snapshot"));
    };
    let Some(root) = elements.first() else {
        return Err(invalid(path, "empty snapshot"));
    };
    let name = root.path.clone();
    if name.is_empty() || name.contains('.') {
        return Err(invalid(path, format!("unexpected root path '{name}'")));
    }
    let category = match kind {
        "primitive-type" => Category::Primitive,
        "complex-type" => Category::Complex,
        "resource" => Category::Resource,
        // DSTU2: data types are all "datatype"; primitives are lower case.
        "datatype" if starts_lowercase(&name) => Category::Primitive,
        "datatype" => Category::Complex,
        // logical models and anything else are not serialised types
        _ => return Ok(None),
    };
    Ok(Some(Parsed::Type {
        path: path.to_path_buf(),
        name,
        category,
        is_abstract: sd.is_abstract,
        elements,
    }))
}

/// Core constraints on data types (STU3 `SimpleQuantity`) become aliases.
fn alias_of(sd: &RawSd, kind: &str) -> Option<Parsed> {
    if kind == "resource" || kind == "logical" {
        return None;
    }
    let id = sd.id.as_deref()?;
    let target = sd.sd_type.as_deref().or(sd.constrained_type.as_deref())?;
    let is_core = sd
        .url
        .as_deref()
        .and_then(|u| u.strip_prefix(CORE_URL_PREFIX))
        == Some(id);
    let is_type_name = id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric());
    (is_core && is_type_name && id != target).then(|| Parsed::Alias {
        name: id.to_string(),
        target: target.to_string(),
    })
}

fn invalid(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn starts_lowercase(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

fn capitalise(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// True when a `max` cardinality allows more than one occurrence.
fn repeats(el: &RawElement) -> bool {
    let max = el
        .base
        .as_ref()
        .and_then(|b| b.max.as_deref())
        .or(el.max.as_deref());
    !matches!(max, None | Some("0") | Some("1"))
}

// ---------------------------------------------------------------------------
// Model assembly.

struct PendingType {
    path: PathBuf,
    elements: Vec<RawElement>,
}

/// Read-only view used while resolving type codes.
struct Resolver<'a> {
    index: &'a HashMap<String, u32>,
    categories: &'a [(Category, bool)],
    element_ctx: TypeCtx,
    resource_ctx: TypeCtx,
    empty_ctx: TypeCtx,
}

impl Resolver<'_> {
    fn type_root(&self, code: &str) -> Option<(u32, Category)> {
        let idx = *self.index.get(code)?;
        let (cat, _) = *self.categories.get(idx as usize)?;
        Some((idx, cat))
    }

    /// Target of a type code, `None` if the type is unknown.
    fn code(&self, code: &str) -> Option<Target> {
        match code {
            "Resource" | "DomainResource" => return Some(Target::Resource(self.resource_ctx)),
            "xhtml" => {
                let ctx = self
                    .type_root(code)
                    .map(|(ty, _)| TypeCtx { ty, node: 0 })
                    .unwrap_or(self.empty_ctx);
                return Some(Target::Xhtml(ctx));
            }
            _ => {}
        }
        match self.type_root(code) {
            Some((ty, Category::Primitive)) => {
                Some(Target::Primitive(code.to_string(), TypeCtx { ty, node: 0 }))
            }
            Some((ty, Category::Complex)) => Some(Target::Complex(TypeCtx { ty, node: 0 })),
            Some((_, Category::Resource)) => Some(Target::Resource(self.resource_ctx)),
            // DSTU2 has no StructureDefinitions for code, id, oid, ...: they
            // behave like any primitive (id + extension).
            None if starts_lowercase(code) => {
                Some(Target::Primitive(code.to_string(), self.element_ctx))
            }
            None => None,
        }
    }

    /// Expansion of the DSTU2 open type `*`.
    fn open_types(&self) -> Vec<(String, Target)> {
        let mut names: Vec<(&String, &u32)> = self.index.iter().collect();
        names.sort();
        names
            .into_iter()
            .filter(|(name, idx)| {
                let Some((cat, is_abstract)) = self.categories.get(**idx as usize) else {
                    return false;
                };
                *cat != Category::Resource
                    && !is_abstract
                    && !matches!(
                        name.as_str(),
                        "xhtml" | "Element" | "BackboneElement" | "Extension" | "Narrative"
                    )
            })
            .filter_map(|(name, _)| Some((capitalise(name), self.code(name)?)))
            .collect()
    }
}

fn build_model(parsed: Vec<Parsed>) -> Result<ElementModel, ModelError> {
    // Index 0 is an empty type, used as context for things without children.
    let mut types = vec![TypeDef {
        name: String::new(),
        category: Category::Complex,
        is_abstract: true,
        nodes: vec![Node::default()],
    }];
    let mut raws: Vec<Option<PendingType>> = vec![None];
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut aliases = Vec::new();

    for p in parsed {
        match p {
            Parsed::Alias { name, target } => aliases.push((name, target)),
            Parsed::Type {
                path,
                name,
                category,
                is_abstract,
                elements,
            } => {
                if let Some(&existing) = index.get(&name) {
                    let first = raws
                        .get(existing as usize)
                        .and_then(|r| r.as_ref())
                        .map(|r| r.path.clone())
                        .unwrap_or_default();
                    return Err(ModelError::DuplicateType {
                        name,
                        first,
                        second: path,
                    });
                }
                let idx =
                    u32::try_from(types.len()).map_err(|_| invalid(&path, "too many types"))?;
                index.insert(name.clone(), idx);
                types.push(TypeDef {
                    name,
                    category,
                    is_abstract,
                    nodes: Vec::new(),
                });
                raws.push(Some(PendingType { path, elements }));
            }
        }
    }
    for (name, target) in aliases {
        if let Some(&idx) = index.get(&target) {
            index.entry(name).or_insert(idx);
        }
    }

    let categories: Vec<(Category, bool)> =
        types.iter().map(|t| (t.category, t.is_abstract)).collect();
    let root_of = |name: &str| index.get(name).map(|&ty| TypeCtx { ty, node: 0 });
    let empty_ctx = TypeCtx { ty: 0, node: 0 };
    let resolver = Resolver {
        index: &index,
        categories: &categories,
        element_ctx: root_of("Element").unwrap_or(empty_ctx),
        resource_ctx: root_of("Resource").unwrap_or(empty_ctx),
        empty_ctx,
    };

    for (ty, raw) in raws.into_iter().enumerate() {
        let Some(raw) = raw else { continue };
        let ty32 = u32::try_from(ty).map_err(|_| invalid(&raw.path, "too many types"))?;
        let nodes = build_nodes(ty32, &raw, &resolver)?;
        if let Some(def) = types.get_mut(ty) {
            def.nodes = nodes;
        }
    }
    Ok(ElementModel { types, index })
}

fn build_nodes(
    ty: u32,
    raw: &PendingType,
    resolver: &Resolver<'_>,
) -> Result<Vec<Node>, ModelError> {
    // One node per distinct path (slices repeat paths; the first one wins).
    let mut by_path: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut elements: Vec<&RawElement> = Vec::new();
    for el in &raw.elements {
        if by_path.contains_key(el.path.as_str()) {
            continue;
        }
        by_path.insert(el.path.as_str(), elements.len());
        if let Some(name) = el.name.as_deref() {
            by_name.entry(name).or_insert(elements.len());
        }
        elements.push(el);
    }

    // Parent of each element and whether it has children of its own.
    let mut parents = vec![None; elements.len()];
    let mut has_children = vec![false; elements.len()];
    for (i, el) in elements.iter().enumerate().skip(1) {
        let Some((parent_path, _)) = el.path.rsplit_once('.') else {
            return Err(invalid(
                &raw.path,
                format!("element {} outside the root", el.path),
            ));
        };
        let Some(&parent) = by_path.get(parent_path) else {
            return Err(invalid(
                &raw.path,
                format!("element {} has no parent", el.path),
            ));
        };
        parents[i] = Some(parent);
        has_children[parent] = true;
    }

    let mut nodes: Vec<Node> = elements
        .iter()
        .map(|el| Node {
            path: el.path.clone(),
            ..Node::default()
        })
        .collect();
    let node_ctx = |i: usize| -> Result<TypeCtx, ModelError> {
        let node = u32::try_from(i).map_err(|_| invalid(&raw.path, "too many elements"))?;
        Ok(TypeCtx { ty, node })
    };

    for (i, el) in elements.iter().enumerate() {
        let Some(parent) = parents[i] else { continue };
        let name = el.path.rsplit_once('.').map_or("", |(_, n)| n);
        let is_array = repeats(el);

        // Content references (STU3 "#Path", DSTU2 nameReference).
        let reference = if let Some(r) = el.content_reference.as_deref() {
            let target_path = r.rsplit_once('#').map_or(r, |(_, p)| p);
            Some(by_path.get(target_path).copied().ok_or_else(|| {
                invalid(
                    &raw.path,
                    format!("unresolved contentReference {r} at {}", el.path),
                )
            })?)
        } else if let Some(r) = el.name_reference.as_deref() {
            Some(by_name.get(r).copied().ok_or_else(|| {
                invalid(
                    &raw.path,
                    format!("unresolved nameReference {r} at {}", el.path),
                )
            })?)
        } else {
            None
        };

        if let Some(prefix) = name.strip_suffix("[x]") {
            let mut options = Vec::new();
            for t in &el.types {
                let Some(code) = t.code.as_deref() else {
                    continue;
                };
                if code == "*" {
                    options.extend(resolver.open_types());
                    continue;
                }
                let target = resolver.code(code).ok_or_else(|| {
                    invalid(&raw.path, format!("unknown type {code} at {}", el.path))
                })?;
                options.push((capitalise(code), target));
            }
            nodes[parent].choices.push(ChoiceSlot {
                prefix: prefix.to_string(),
                is_array,
                options,
            });
            continue;
        }

        let target = if let Some(r) = reference {
            Target::Complex(node_ctx(r)?)
        } else if has_children[i] {
            Target::Complex(node_ctx(i)?)
        } else {
            // STU3 primitive `value` elements carry no type code: skip them.
            let Some(code) = el.types.iter().find_map(|t| t.code.as_deref()) else {
                continue;
            };
            resolver
                .code(code)
                .ok_or_else(|| invalid(&raw.path, format!("unknown type {code} at {}", el.path)))?
        };
        nodes[parent]
            .children
            .entry(name.to_string())
            .or_insert(Slot { is_array, target });
    }
    Ok(nodes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The shared FHIR folder: `GPC_FHIR_PATH`'s first entry, else `../shared/fhir`.
    pub(crate) fn shared_fhir_dir() -> PathBuf {
        if let Some(first) = std::env::var_os("GPC_FHIR_PATH")
            .as_ref()
            .and_then(|v| std::env::split_paths(v).next())
            .filter(|p| !p.as_os_str().is_empty())
        {
            return first;
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir")
    }

    /// The STU3 model; the tests need the definitions and fail without them.
    pub(crate) fn stu3() -> Option<&'static ElementModel> {
        static MODEL: OnceLock<ElementModel> = OnceLock::new();
        Some(MODEL.get_or_init(|| {
            let dir = shared_fhir_dir().join("hl7-fhir-stu3-core-3.0.1");
            assert!(
                dir.is_dir(),
                "{} not found: set GPC_FHIR_PATH",
                dir.display()
            );
            ElementModel::load_dir(&dir).unwrap()
        }))
    }

    fn walk(model: &ElementModel, ty: &str, path: &[&str]) -> Option<ChildInfo> {
        let mut ctx = model.root(ty)?;
        let mut last = None;
        for name in path {
            let info = model.child(&ctx, name)?;
            ctx = info.ctx;
            last = Some(info);
        }
        last
    }

    #[test]
    fn stu3_basics() {
        let Some(m) = stu3() else { return };
        assert!(m.is_resource_type("Patient"));
        assert!(m.is_resource_type("Bundle"));
        assert!(!m.is_resource_type("DomainResource"));
        assert!(!m.is_resource_type("HumanName"));
        assert!(!m.is_resource_type("SimpleQuantity"));
        assert!(m.root("Quantity").is_none());

        let given = walk(m, "Patient", &["name", "given"]).unwrap();
        assert!(given.is_array);
        assert_eq!(given.kind, ChildKind::Primitive("string".into()));
        let bd = walk(m, "Patient", &["birthDate"]).unwrap();
        assert!(!bd.is_array);
        assert_eq!(bd.kind, ChildKind::Primitive("date".into()));
        let active = walk(m, "Patient", &["active"]).unwrap();
        assert_eq!(active.kind, ChildKind::Primitive("boolean".into()));
        let id = walk(m, "Patient", &["id"]).unwrap();
        assert_eq!(id.kind, ChildKind::Primitive("id".into()));
        let ext = walk(m, "Patient", &["birthDate", "extension", "url"]).unwrap();
        assert_eq!(ext.kind, ChildKind::Primitive("uri".into()));
        let contained = walk(m, "Patient", &["contained"]).unwrap();
        assert!(contained.is_array);
        assert_eq!(contained.kind, ChildKind::Resource);
        let div = walk(m, "Patient", &["text", "div"]).unwrap();
        assert_eq!(div.kind, ChildKind::Xhtml);
        let method = walk(m, "Bundle", &["entry", "request", "method"]).unwrap();
        assert_eq!(method.kind, ChildKind::Primitive("code".into()));
        let res = walk(m, "Bundle", &["entry", "resource"]).unwrap();
        assert_eq!(res.kind, ChildKind::Resource);
        assert!(!res.is_array);
        assert_eq!(
            m.ctx_path(&walk(m, "Bundle", &["entry"]).unwrap().ctx),
            Some("Bundle.entry")
        );
    }

    #[test]
    fn stu3_choices_and_references() {
        let Some(m) = stu3() else { return };
        let vq = walk(m, "Observation", &["valueQuantity"]).unwrap();
        assert_eq!(vq.kind, ChildKind::Complex);
        assert!(m.child(&vq.ctx, "unit").is_some());
        let vdt = walk(m, "Observation", &["effectiveDateTime"]).unwrap();
        assert_eq!(vdt.kind, ChildKind::Primitive("dateTime".into()));
        let vs = walk(m, "Patient", &["extension", "valueString"]).unwrap();
        assert_eq!(vs.kind, ChildKind::Primitive("string".into()));
        assert!(walk(m, "Observation", &["valueFoo"]).is_none());
        assert!(walk(m, "Observation", &["value"]).is_none());
        let dec = walk(m, "Observation", &["valueQuantity", "value"]).unwrap();
        assert_eq!(dec.kind, ChildKind::Primitive("decimal".into()));
        // contentReference
        let deep = walk(m, "Questionnaire", &["item", "item", "item", "linkId"]).unwrap();
        assert_eq!(deep.kind, ChildKind::Primitive("string".into()));
        let part = walk(m, "Parameters", &["parameter", "part", "part", "resource"]).unwrap();
        assert_eq!(part.kind, ChildKind::Resource);
        let pv = walk(m, "Parameters", &["parameter", "part", "valueBoolean"]).unwrap();
        assert_eq!(pv.kind, ChildKind::Primitive("boolean".into()));
        // SimpleQuantity is an alias of Quantity
        let dose = walk(
            m,
            "MedicationRequest",
            &["dispenseRequest", "quantity", "value"],
        )
        .unwrap();
        assert_eq!(dose.kind, ChildKind::Primitive("decimal".into()));
        // Age is its own type in STU3
        let age = walk(m, "Condition", &["onsetAge", "value"]).unwrap();
        assert_eq!(age.kind, ChildKind::Primitive("decimal".into()));
        let count = walk(m, "Observation", &["valueSampledData", "dimensions"]).unwrap();
        assert_eq!(count.kind, ChildKind::Primitive("positiveInt".into()));
    }

    #[test]
    fn dstu2_loads() {
        let dir = shared_fhir_dir().join("hl7-fhir-dstu2-core-1.0.2");
        assert!(
            dir.is_dir(),
            "{} not found: set GPC_FHIR_PATH",
            dir.display()
        );
        let m = ElementModel::load_dir(&dir).unwrap();
        assert!(m.is_resource_type("Conformance"));
        let g = walk(
            &m,
            "Questionnaire",
            &["group", "group", "question", "linkId"],
        )
        .unwrap();
        assert_eq!(g.kind, ChildKind::Primitive("string".into()));
        let code = walk(&m, "Patient", &["gender"]).unwrap();
        assert_eq!(code.kind, ChildKind::Primitive("code".into()));
        assert!(m.child(&code.ctx, "extension").is_some());
        let vc = walk(&m, "Observation", &["valueCodeableConcept", "coding"]).unwrap();
        assert!(vc.is_array);
    }

    #[test]
    fn loads_every_stu3_resource_type() {
        let dir = shared_fhir_dir().join("hl7-fhir-stu3-core-3.0.1");
        assert!(
            dir.is_dir(),
            "{} not found: set GPC_FHIR_PATH",
            dir.display()
        );
        let m = ElementModel::load_dir(&dir).unwrap();
        assert!(
            m.resource_types().len() >= 110,
            "{} resource types",
            m.resource_types().len()
        );
        for rt in [
            "Patient",
            "Bundle",
            "Parameters",
            "OperationOutcome",
            "CapabilityStatement",
        ] {
            assert!(m.is_resource_type(rt), "{rt}");
        }
        assert!(m.type_count() > m.resource_types().len());
    }

    #[test]
    fn foreign_ctx_finds_nothing() {
        let Some(m) = stu3() else { return };
        let bogus = TypeCtx {
            ty: u32::MAX,
            node: 3,
        };
        assert!(m.child(&bogus, "id").is_none());
        assert!(m.ctx_path(&bogus).is_none());
    }

    #[test]
    fn empty_dir_is_an_error() {
        let dir = std::env::temp_dir().join(format!("gpc-model-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = ElementModel::load_dir(&dir).unwrap_err();
        assert!(matches!(err, ModelError::Empty(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
