//! A StructureDefinition snapshot compiled once into the element facts the rules need.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;

use super::fhirpath;

/// One allowed type of an element.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TypeRef {
    pub code: String,
    /// Profiles the value must conform to (`type.profile`).
    pub profiles: Vec<String>,
    /// For references: allowed target profiles.
    pub target_profiles: Vec<String>,
}

/// A terminology binding.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Binding {
    pub strength: String,
    pub value_set: String,
}

/// An invariant.
///
/// Each distinct constraint exists once in a process ([`Constraint::new`] hands out the one already made for the
/// same text): `ele-1` and its like stand on thousands of elements, and every plan shares them, each expression
/// parsed once.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Constraint {
    pub key: String,
    pub severity: String,
    pub human: String,
    pub expression: Option<String>,
    /// `expression` parsed once, when it is first evaluated (most invariants of a definition never are: their
    /// element is absent).
    #[serde(skip)]
    parsed: Parsed,
    /// The same number for every constraint with this key, severity, wording and expression, in whichever
    /// plan (the constraint's place among the process's constraints).
    #[serde(skip)]
    pub id: u32,
}

impl Constraint {
    /// The process's constraint with this text (made the first time it is asked for).
    pub fn new(
        key: &str,
        severity: &str,
        human: &str,
        expression: Option<&str>,
    ) -> Arc<Constraint> {
        use std::fmt::Write as _;
        type Known = HashMap<String, Arc<Constraint>>;
        static KNOWN: std::sync::OnceLock<std::sync::Mutex<Known>> = std::sync::OnceLock::new();
        // The text, each part preceded by its length (so no two texts read alike), an absent expression marked.
        let mut text = String::with_capacity(
            key.len() + severity.len() + human.len() + expression.map_or(0, str::len) + 16,
        );
        for part in [key, severity, human] {
            let _ = write!(text, "{}:{part}", part.len());
        }
        match expression {
            Some(e) => {
                let _ = write!(text, "{}:{e}", e.len());
            }
            None => text.push('-'),
        }
        let mut known = KNOWN
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = known.get(&text) {
            return c.clone();
        }
        let made = Arc::new(Constraint {
            key: key.to_string(),
            severity: severity.to_string(),
            human: human.to_string(),
            expression: expression.map(String::from),
            parsed: Parsed::default(),
            id: u32::try_from(known.len()).unwrap_or(u32::MAX),
        });
        known.insert(text, made.clone());
        made
    }

    /// The process's constraint with the text of this one (one read from a kept plan).
    pub(super) fn shared(&self) -> Arc<Constraint> {
        Constraint::new(
            &self.key,
            &self.severity,
            &self.human,
            self.expression.as_deref(),
        )
    }

    /// The expression parsed (or why it cannot be); `None` when the constraint has no expression.
    pub fn parsed(&self) -> Option<&Result<Arc<fhirpath::Expr>, String>> {
        self.parsed
            .0
            .get_or_init(|| {
                self.expression
                    .as_deref()
                    .map(|e| fhirpath::parse(e).map(Arc::new).map_err(|e| e.to_string()))
            })
            .as_ref()
    }
}

/// A constraint's expression, parsed on first use (or why it could not be). It is derived from `expression`,
/// so two constraints are equal when their other fields are.
#[derive(Debug, Default)]
struct Parsed(std::sync::OnceLock<Option<Result<Arc<fhirpath::Expr>, String>>>);

impl PartialEq for Parsed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// How an element is sliced.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Slicing {
    /// `(type, path)`: `value`, `pattern`, `type`, `profile` or `exists`, and a path relative to the element.
    pub discriminators: Vec<(String, String)>,
    /// `open`, `closed` or `openAtEnd`.
    pub rules: String,
}

/// One snapshot element.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ElementDef {
    pub id: String,
    pub path: String,
    /// The last segment of `path` (`family`, `value[x]`).
    pub name: String,
    pub slice_name: Option<String>,
    pub min: u64,
    /// `None` is `*`.
    pub max: Option<u64>,
    pub types: Vec<TypeRef>,
    /// `("fixedUri", value)` or `("patternCodeableConcept", value)`.
    #[serde(with = "super::plan_cache::json_text")]
    pub fixed: Option<(String, Value)>,
    #[serde(with = "super::plan_cache::json_text")]
    pub pattern: Option<(String, Value)>,
    pub binding: Option<Binding>,
    /// Kept on disk as places in a table of the plan's distinct constraints (see `plan_cache`).
    #[serde(skip)]
    pub constraints: Vec<Arc<Constraint>>,
    pub content_reference: Option<String>,
    pub slicing: Option<Slicing>,
    /// The base element allows more than one value, so JSON carries an array.
    pub base_many: bool,
}

/// A compiled profile. Its serde form is the plan cache's binary form (`plan_cache`): every field in order,
/// none left out when empty.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub url: String,
    pub type_name: String,
    /// Compiled from a DSTU2 (1.0.x) StructureDefinition (see `dstu2.rs`).
    pub dstu2: bool,
    pub elements: Vec<ElementDef>,
    /// An extension definition's `contextType` and `context` (where it may be used).
    pub context_type: Option<String>,
    pub contexts: Vec<String>,
    /// Element id -> index.
    by_id: HashMap<String, usize>,
    /// Element id -> its direct children (`Patient.identifier:nhsNumber` -> `...:nhsNumber.system`, ...).
    children: HashMap<String, Vec<usize>>,
    /// Element id of a sliced element -> its slices.
    slices: HashMap<String, Vec<usize>>,
    /// `(element path, extension URL)` for every extension an element of this plan places (built on first use).
    #[serde(skip)]
    placed: std::sync::OnceLock<HashMap<String, Vec<String>>>,
    /// What the walk needs of each element with children, found by id or by element index (built on first
    /// use; see [`Plan::node`]).
    #[serde(skip)]
    nodes: std::sync::OnceLock<Nodes>,
    /// Per element, where the validator that owns this plan keeps the core plan of the element's data type
    /// (filled on first use; see [`Plan::type_slot`]).
    #[serde(skip)]
    type_slots: TypeSlots,
    /// The same for the profile an element's type declares (an extension's definition), in the validator's
    /// cache of plans by URL.
    #[serde(skip)]
    profile_slots: TypeSlots,
    /// Per element, the resource types its references may name, as the validator that owns this plan read
    /// them from the target profiles (see [`Plan::targets`]).
    #[serde(skip)]
    targets: PerElement<Option<Box<[String]>>>,
}

/// (validator, what it found) per element: a memo, not part of what a plan says (plans compare equal whatever
/// it holds).
#[derive(Debug, Clone)]
struct PerElement<T>(std::sync::OnceLock<Box<[ElementMemo<T>]>>);

/// Per element, where the validator keeps a plan (a slot of its cache).
type TypeSlots = PerElement<usize>;

/// (validator id, what that validator found for the element), once known.
pub(super) type ElementMemo<T> = std::sync::OnceLock<(usize, T)>;

/// (validator id, slot), once known.
pub(super) type SlotMemo = ElementMemo<usize>;

impl<T> Default for PerElement<T> {
    fn default() -> Self {
        PerElement(std::sync::OnceLock::new())
    }
}

impl<T> PerElement<T> {
    fn at(&self, element: usize, elements: usize) -> Option<&ElementMemo<T>> {
        self.0
            .get_or_init(|| (0..elements).map(|_| std::sync::OnceLock::new()).collect())
            .get(element)
    }
}

impl<T> PartialEq for PerElement<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The walk's index of a plan: its elements with children, by id and by element index, and the root.
#[derive(Debug, Clone, Default, PartialEq)]
struct Nodes {
    nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
    /// Element index -> position in `nodes` (`u32::MAX`: no children).
    by_element: Vec<u32>,
    root: Option<usize>,
}

/// What the walk needs of one element that has children, found with one lookup per object: the children, the
/// property names that reach them, and which of them can have something to report when absent (so that the
/// definitions of the others are not read at all for an object that does not use them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// The direct children, as indexes into the plan's elements.
    pub children: Vec<usize>,
    /// Name -> positions among the children whose name is exactly it (a `[x]` name included).
    pub exact: HashMap<String, Vec<usize>>,
    /// `(stem, position)` of each choice child (`value[x]`: `value`), in order.
    pub choices: Vec<(String, usize)>,
    /// Positions of the children with a minimum above 0 or a slice with one, in order: the only children an
    /// object without them is reported on.
    pub required: Vec<usize>,
}

/// The snapshot cannot be compiled.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("StructureDefinition {0} has no snapshot")]
    NoSnapshot(String),
    #[error("StructureDefinition {0} has no type")]
    NoType(String),
}

/// A string or a list of strings (`type.profile` is one in DSTU2 and STU3 JSON, several in XML-converted
/// definitions).
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
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

/// A `max` (of an element or an operation parameter): `None` is `*` (or absent).
pub(crate) fn max_of(v: &serde_json::Map<String, Value>) -> Option<u64> {
    match v.get("max").and_then(Value::as_str) {
        Some("*") | None => None,
        Some(n) => n.parse().ok(),
    }
}

/// The element id with the irregular forms some authoring tools write made regular, so that a child finds its
/// parent whichever form each uses: a choice constrained to one type (path `Extension.valueCoding`) appears as
/// `value[x]:valueCoding` or `valueCoding:valueCoding`, and its children use either form whatever the element
/// itself uses; the root of SimpleQuantity is `Quantity:simplequantity`. Such segments become the element name
/// the path gives (`valueCoding`, `Quantity`); real slices (`identifier:nhsNumber`, path segment `identifier`)
/// are kept.
fn normalize_id(id: &str, path: &str) -> String {
    let segments: Vec<&str> = id.split('.').collect();
    let names: Vec<&str> = path.split('.').collect();
    if segments.len() != names.len() {
        return id.to_string();
    }
    segments
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (segment, name))| match segment.split_once(':') {
            Some(_) if i == 0 => *name,
            Some((_, renamed)) if renamed == *name => *name,
            _ => *segment,
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn prefixed(el: &serde_json::Map<String, Value>, prefix: &str) -> Option<(String, Value)> {
    el.iter()
        .find(|(k, _)| k.starts_with(prefix) && k.len() > prefix.len())
        .map(|(k, v)| (k.clone(), v.clone()))
}

impl Plan {
    /// Compiles a StructureDefinition snapshot, STU3 or DSTU2 (rewritten into the STU3 shape first).
    pub fn compile(sd: &Value) -> Result<Plan, PlanError> {
        if super::dstu2::is_dstu2(sd) {
            let mut plan = Self::compile_shaped(&super::dstu2::normalize(sd))?;
            plan.dstu2 = true;
            return Ok(plan);
        }
        Self::compile_shaped(sd)
    }

    /// Compiles a DSTU2 profile whose snapshot is completed from its base definition (see `dstu2.rs`).
    pub fn compile_dstu2(sd: &Value, base: &Value) -> Result<Plan, PlanError> {
        let mut plan = Self::compile_shaped(&super::dstu2::normalize_with_base(sd, base))?;
        plan.dstu2 = true;
        Ok(plan)
    }

    /// Compiles a snapshot in the STU3 shape.
    fn compile_shaped(sd: &Value) -> Result<Plan, PlanError> {
        let url = sd
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // STU3 names the type; DSTU2 has `constrainedType` on profiles and only the root element's path on
        // base definitions.
        let type_name = sd
            .get("type")
            .or_else(|| sd.get("constrainedType"))
            .and_then(Value::as_str)
            .or_else(|| {
                sd.pointer("/snapshot/element/0/path")
                    .and_then(Value::as_str)
                    .filter(|p| !p.contains('.'))
            })
            .ok_or_else(|| PlanError::NoType(url.clone()))?
            .to_string();
        let raw = sd
            .pointer("/snapshot/element")
            .and_then(Value::as_array)
            .ok_or_else(|| PlanError::NoSnapshot(url.clone()))?;
        // SimpleQuantity's root is `Quantity:simplequantity`: its elements are addressed from the type name.
        let alias = raw.first().and_then(|e| {
            let id = e.get("id").and_then(Value::as_str)?;
            let path = e.get("path").and_then(Value::as_str)?;
            (id != path && !path.contains('.')).then(|| (id.to_string(), path.to_string()))
        });
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
                        .map(|c| {
                            let text = |k: &str| c.get(k).and_then(Value::as_str);
                            Constraint::new(
                                text("key").unwrap_or_default(),
                                text("severity").unwrap_or("error"),
                                text("human").unwrap_or_default(),
                                text("expression"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let max = max_of(el);
            let mut id = el
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or(&path)
                .to_string();
            if let Some((alias, root)) = &alias {
                if let Some(rest) = id.strip_prefix(alias.as_str()) {
                    if rest.is_empty() || rest.starts_with('.') {
                        id = format!("{root}{rest}");
                    }
                }
            }
            elements.push(ElementDef {
                id,
                name: path.rsplit('.').next().unwrap_or_default().to_string(),
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
                slicing: el.get("slicing").map(|sl| Slicing {
                    discriminators: sl
                        .get("discriminator")
                        .and_then(Value::as_array)
                        .map(|ds| {
                            ds.iter()
                                .filter_map(|d| {
                                    Some((
                                        d.get("type").and_then(Value::as_str)?.to_string(),
                                        d.get("path").and_then(Value::as_str)?.to_string(),
                                    ))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    rules: sl
                        .get("rules")
                        .and_then(Value::as_str)
                        .unwrap_or("open")
                        .to_string(),
                }),
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
        let mut by_id = HashMap::default();
        // Regular id (see `normalize_id`) -> the id the element was written with.
        let mut by_regular_id: HashMap<String, String> = HashMap::default();
        let mut children: HashMap<String, Vec<usize>> = HashMap::default();
        let mut slices: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, e) in elements.iter().enumerate() {
            if by_id.contains_key(&e.id) {
                continue;
            }
            by_id.insert(e.id.clone(), i);
            by_regular_id
                .entry(normalize_id(&e.id, &e.path))
                .or_insert_with(|| e.id.clone());
            let (parent, last) = match e.id.rsplit_once('.') {
                Some((p, l)) => (p, l),
                None => continue,
            };
            // A child may name its parent in another form than the parent's own id
            // (`...RecipientType.valueCoding:valueCoding.system` below `...RecipientType.value[x]:valueCoding`).
            let parent = match e.path.rsplit_once('.') {
                Some((parent_path, _)) if !by_id.contains_key(parent) => by_regular_id
                    .get(&normalize_id(parent, parent_path))
                    .map_or(parent, String::as_str),
                _ => parent,
            };
            match last.split_once(':') {
                // `Extension.value[x]:valueCodeableConcept` (path `Extension.valueCodeableConcept`): a choice
                // constrained to one type, named by its path; a child like any other.
                Some((name, slice))
                    if name
                        .strip_suffix("[x]")
                        .is_some_and(|stem| slice.starts_with(stem))
                        && e.path.ends_with(slice) =>
                {
                    children.entry(parent.to_string()).or_default().push(i);
                }
                // Other ways Forge wrote the same: `Extension.valueCodeableConcept:valueCodeableConcept`, and
                // `Extension.value[x]:valueReference` with the path `Extension.value[x]` and no unsliced
                // `Extension.value[x]` beside it.
                Some((name, slice))
                    if (name == slice
                        && e.path.ends_with(slice)
                        && slice.contains(|c: char| c.is_ascii_uppercase()))
                        || (name.ends_with("[x]")
                            && !by_id.contains_key(&format!("{parent}.{name}"))) =>
                {
                    children.entry(parent.to_string()).or_default().push(i);
                }
                // `Patient.identifier:nhsNumber`: a slice of `Patient.identifier` (re-slices are not used).
                Some((name, slice)) if !slice.contains('/') => {
                    slices
                        .entry(format!("{parent}.{name}"))
                        .or_default()
                        .push(i);
                }
                Some(_) => {}
                None => children.entry(parent.to_string()).or_default().push(i),
            }
        }
        Ok(Plan {
            url,
            type_name,
            dstu2: false,
            elements,
            context_type: sd
                .get("contextType")
                .and_then(Value::as_str)
                .map(String::from),
            contexts: sd
                .get("context")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            by_id,
            children,
            slices,
            placed: std::sync::OnceLock::new(),
            nodes: std::sync::OnceLock::new(),
            type_slots: TypeSlots::default(),
            profile_slots: TypeSlots::default(),
            targets: PerElement::default(),
        })
    }

    pub fn element(&self, id: &str) -> Option<&ElementDef> {
        self.by_id.get(id).map(|&i| &self.elements[i])
    }

    /// Direct children of an element id.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &ElementDef> {
        self.child_indices(id).iter().map(|&i| &self.elements[i])
    }

    /// Does an element of this plan place extension `url` at element `path`?
    pub fn places(&self, path: &str, url: &str) -> bool {
        self.placed
            .get_or_init(|| {
                let mut placed: HashMap<String, Vec<String>> = HashMap::default();
                for e in &self.elements {
                    for t in e.types.iter().filter(|t| t.code == "Extension") {
                        placed
                            .entry(e.path.clone())
                            .or_default()
                            .extend(t.profiles.iter().cloned());
                    }
                }
                placed
            })
            .get(path)
            .is_some_and(|urls| urls.iter().any(|u| u == url))
    }

    /// The walk's index, built on first use.
    fn nodes(&self) -> &Nodes {
        self.nodes.get_or_init(|| {
            let mut index = Nodes {
                by_element: vec![u32::MAX; self.elements.len()],
                root: self.by_id.get(&self.type_name).copied(),
                ..Nodes::default()
            };
            for (parent, kids) in self.children.iter().filter(|(_, kids)| !kids.is_empty()) {
                let mut node = Node {
                    children: kids.clone(),
                    ..Node::default()
                };
                for (pos, &i) in kids.iter().enumerate() {
                    let e = &self.elements[i];
                    node.exact.entry(e.name.clone()).or_default().push(pos);
                    if let Some(stem) = e.name.strip_suffix("[x]") {
                        node.choices.push((stem.to_string(), pos));
                    }
                    if e.min > 0 || (e.slicing.is_some() && self.slices(&e.id).any(|s| s.min > 0)) {
                        node.required.push(pos);
                    }
                }
                index.by_id.insert(parent.clone(), index.nodes.len());
                index.nodes.push(node);
            }
            // Every element whose id has children (a repeated id reaches the same node, as by id).
            for (i, e) in self.elements.iter().enumerate() {
                if let Some(at) = index
                    .by_id
                    .get(&e.id)
                    .and_then(|&at| u32::try_from(at).ok())
                {
                    index.by_element[i] = at;
                }
            }
            index
        })
    }

    /// The walk's node of the root element (the one whose id is the type name).
    pub fn root_node(&self) -> Option<&Node> {
        self.nodes().root.and_then(|i| self.node_at(i))
    }

    /// The walk's node of element `id` (`None` for an element without children).
    pub fn node(&self, id: &str) -> Option<&Node> {
        let index = self.nodes();
        index.by_id.get(id).map(|&at| &index.nodes[at])
    }

    /// Where the validator walking this plan keeps element `element`'s data-type plan: (the validator's id, the
    /// slot in its cache of core plans), set by the first walk that needs it.
    pub(super) fn type_slot(&self, element: usize) -> Option<&SlotMemo> {
        self.type_slots.at(element, self.elements.len())
    }

    /// Where the validator walking this plan keeps the resource types element `element`'s references may name
    /// (`None`: any, or not to be told).
    pub(super) fn targets(&self, element: usize) -> Option<&ElementMemo<Option<Box<[String]>>>> {
        self.targets.at(element, self.elements.len())
    }

    /// [`Plan::type_slot`] for the profile element `element`'s type declares, in the validator's plans by URL.
    pub(super) fn profile_slot(&self, element: usize) -> Option<&SlotMemo> {
        self.profile_slots.at(element, self.elements.len())
    }

    /// [`Plan::node`] by the element's index into `elements` (no lookup by text).
    pub fn node_at(&self, element: usize) -> Option<&Node> {
        let index = self.nodes();
        let at = *index.by_element.get(element)?;
        index.nodes.get(usize::try_from(at).ok()?)
    }

    /// The root element (the type's own, where a data type's invariants sit).
    pub fn root(&self) -> Option<&ElementDef> {
        self.nodes().root.map(|i| &self.elements[i])
    }

    /// The slices of a sliced element id, as indexes into `elements`.
    pub fn slice_indices(&self, id: &str) -> &[usize] {
        self.slices.get(id).map_or(&[], Vec::as_slice)
    }

    /// Direct children of an element id, as indexes into `elements`.
    pub fn child_indices(&self, id: &str) -> &[usize] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }

    pub fn has_children(&self, id: &str) -> bool {
        self.children.get(id).is_some_and(|c| !c.is_empty())
    }

    /// The slices of a sliced element id.
    pub fn slices(&self, id: &str) -> impl Iterator<Item = &ElementDef> {
        self.slices
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.elements[i])
    }

    /// The element at `relative` (dotted element names) below the element `id`.
    pub fn descendant(&self, id: &str, relative: &str) -> Option<&ElementDef> {
        let mut cur = id;
        for part in relative
            .split('.')
            .filter(|p| !p.is_empty() && *p != "$this")
        {
            let next = self.children(cur).find(|c| {
                // By the path's name: a renamed choice's id ends `value[x]:valueCoding` or `valueCoding:valueCoding`.
                let name = c.name.as_str();
                name == part
                    || name
                        .strip_suffix("[x]")
                        .is_some_and(|stem| part.starts_with(stem))
            })?;
            cur = &next.id;
        }
        self.element(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(elements: Value) -> Plan {
        Plan::compile(&json!({ "url": "http://x/E", "type": "Extension", "snapshot": { "element": elements } }))
            .unwrap()
    }

    fn child_ids(p: &Plan, id: &str) -> Vec<String> {
        p.children(id).map(|c| c.id.clone()).collect()
    }

    #[test]
    fn renamed_choices_are_children_in_every_form() {
        for (id, path) in [
            (
                "Extension.value[x]:valueCodeableConcept",
                "Extension.valueCodeableConcept",
            ),
            (
                "Extension.valueCodeableConcept:valueCodeableConcept",
                "Extension.valueCodeableConcept",
            ),
            (
                "Extension.value[x]:valueCodeableConcept",
                "Extension.value[x]",
            ),
            ("Extension.value[x]", "Extension.valueCodeableConcept"),
        ] {
            let p = plan(json!([
                { "id": "Extension", "path": "Extension" },
                { "id": "Extension.url", "path": "Extension.url" },
                { "id": id, "path": path, "type": [{ "code": "CodeableConcept" }] },
                { "id": format!("{id}.coding"), "path": format!("{path}.coding") }
            ]));
            assert_eq!(
                child_ids(&p, "Extension"),
                ["Extension.url", id],
                "{id} {path}"
            );
            assert_eq!(child_ids(&p, id), [format!("{id}.coding")], "{id} {path}");
        }
        // A slice of a choice that is present is still a slice.
        let p = plan(json!([
            { "id": "Extension", "path": "Extension" },
            { "id": "Extension.value[x]", "path": "Extension.value[x]", "slicing": { "rules": "open" } },
            { "id": "Extension.value[x]:valueString", "path": "Extension.value[x]" }
        ]));
        assert_eq!(child_ids(&p, "Extension"), ["Extension.value[x]"]);
        assert_eq!(p.slices("Extension.value[x]").count(), 1);
    }

    #[test]
    fn children_may_name_a_renamed_choice_in_another_form() {
        // Extension-ITK-MessageHandling-2 and CareConnect-BloodPressure-Observation-1 mix the two forms.
        for (element, child) in [
            (
                "Extension.extension:a.value[x]:valueCoding",
                "Extension.extension:a.valueCoding:valueCoding.system",
            ),
            (
                "Extension.extension:a.valueCoding:valueCoding",
                "Extension.extension:a.value[x]:valueCoding.system",
            ),
        ] {
            let p = plan(json!([
                { "id": "Extension", "path": "Extension" },
                { "id": "Extension.extension", "path": "Extension.extension", "slicing": { "rules": "open" } },
                { "id": "Extension.extension:a", "path": "Extension.extension", "sliceName": "a" },
                { "id": element, "path": "Extension.extension.valueCoding", "type": [{ "code": "Coding" }] },
                { "id": child, "path": "Extension.extension.valueCoding.system" }
            ]));
            assert_eq!(child_ids(&p, "Extension.extension:a"), [element]);
            assert_eq!(child_ids(&p, element), [child], "{element}");
            assert!(p
                .descendant("Extension.extension:a", "valueCoding.system")
                .is_some());
        }
        assert_eq!(
            normalize_id("Quantity:simplequantity.value", "Quantity.value"),
            "Quantity.value"
        );
        assert_eq!(
            normalize_id(
                "Patient.identifier:nhsNumber.system",
                "Patient.identifier.system"
            ),
            "Patient.identifier:nhsNumber.system"
        );
    }

    #[test]
    fn simple_quantity_is_addressed_from_its_type() {
        let p = Plan::compile(
            &json!({ "url": "http://x/SQ", "type": "Quantity", "snapshot": { "element": [
            { "id": "Quantity:simplequantity", "path": "Quantity", "sliceName": "SimpleQuantity" },
            { "id": "Quantity:simplequantity.value", "path": "Quantity.value" }
        ] } }),
        )
        .unwrap();
        assert!(p.element("Quantity").is_some());
        assert_eq!(child_ids(&p, "Quantity"), ["Quantity.value"]);
    }
}
