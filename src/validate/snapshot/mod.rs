//! Snapshot generation for StructureDefinitions that publish only a differential, following the FHIR STU3
//! profiling rules (<http://hl7.org/fhir/STU3/profiling.html#snapshot>).
//!
//! The base definition's snapshot and the differential are each read into a tree of elements (children and
//! slices per element, keyed by element name and slice name, from the element ids or, where ids are missing,
//! from path and `sliceName`). The snapshot is then written by walking the base tree in order and merging the
//! differential onto it:
//!
//! * a differential element constrains the base element with the same name (a choice `value[x]` matches its
//!   renamed form `valueQuantity`); min, max, type, fixed/pattern, binding, slicing, text and flags replace the
//!   base's, constraints and mappings are added to the base's;
//! * slices follow the sliced element and its children: base slices first (merged with the differential's
//!   slice of the same name), then new slices, each starting from a copy of the unsliced base element and its
//!   subtree; slices of slices nest the same way and a re-slice `a/b` hangs off slice `a`;
//! * when the differential constrains children of an element the base does not expand, the element's type is
//!   expanded under it: the type's profile (an extension definition, a data-type profile) when it names one,
//!   otherwise the core data type, or the element a `contentReference` points at;
//! * an extension slice whose type names an extension definition takes that definition's root cardinality
//!   (where narrower), text and invariants unless the differential says otherwise;
//! * `extension` and `modifierExtension` elements are sliced by `url` (open) unless stated otherwise.
//!
//! A base or type profile that itself has only a differential is generated first (cycles are reported).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::plan::strings;
use super::store::Store;

const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";
const MAX_DEPTH: usize = 64;
/// ElementDefinition properties that are choices (`fixedUri`, `patternCodeableConcept` ...).
const CHOICES: [&str; 5] = ["fixed", "pattern", "defaultValue", "minValue", "maxValue"];

/// Why a snapshot cannot be generated.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SnapshotError {
    #[error("StructureDefinition {0} has neither a snapshot nor a differential")]
    NoDifferential(String),
    #[error("StructureDefinition {0} has no snapshot and no baseDefinition to generate one from")]
    NoBase(String),
    #[error("{url}: definition {missing} was not found")]
    NotFound { url: String, missing: String },
    #[error("{url}: definitions depend on each other in a cycle ({cycle})")]
    Cycle { url: String, cycle: String },
    #[error("{url}: the {part} of {definition} is malformed: {reason}")]
    Malformed {
        url: String,
        part: &'static str,
        definition: String,
        reason: String,
    },
    #[error("{url}: differential element `{id}` matches no element of the base")]
    NoBaseElement { url: String, id: String },
    #[error("{url}: cannot expand `{id}` to constrain its children: {reason}")]
    Expand {
        url: String,
        id: String,
        reason: String,
    },
    #[error("{url}: elements nest too deeply at `{id}`")]
    TooDeep { url: String, id: String },
}

/// `sd` itself when it has a snapshot, otherwise a copy with a snapshot generated from its base definition
/// (other definitions are looked up in `store`).
pub fn ensure(store: &Store, sd: Arc<Value>) -> Result<Arc<Value>, SnapshotError> {
    if has_snapshot(&sd) {
        return Ok(sd);
    }
    Generator::for_store(store).generate(&sd).map(Arc::new)
}

/// Whether a StructureDefinition carries snapshot elements.
pub fn has_snapshot(sd: &Value) -> bool {
    sd.pointer("/snapshot/element")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

type Resolver<'r> = Box<dyn Fn(&str) -> Option<Arc<Value>> + 'r>;

/// Generates snapshots; definitions it needs (bases, data types, extension definitions) come from a resolver
/// and are generated in turn when they lack a snapshot. One generator may serve several profiles: generated
/// definitions and element trees are kept.
pub struct Generator<'r> {
    resolve: Resolver<'r>,
    /// Canonical URL -> the definition with a generated snapshot.
    generated: HashMap<String, Arc<Value>>,
    /// Canonical URL -> its snapshot as a tree.
    trees: HashMap<String, Rc<Tree>>,
    /// Definitions being generated (cycle guard).
    in_progress: Vec<String>,
    /// Things worked around (a type profile that was not found ...).
    notes: Vec<String>,
}

impl std::fmt::Debug for Generator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("generated", &self.generated.keys().collect::<Vec<_>>())
            .field("in_progress", &self.in_progress)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

impl<'r> Generator<'r> {
    pub fn new(resolve: impl Fn(&str) -> Option<Arc<Value>> + 'r) -> Self {
        Self {
            resolve: Box::new(resolve),
            generated: HashMap::new(),
            trees: HashMap::new(),
            in_progress: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Resolves definitions from a [`Store`].
    pub fn for_store(store: &'r Store) -> Self {
        Self::new(move |url| store.structure_definition(url).ok())
    }

    /// What was worked around while generating.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The definition with this canonical URL, with a snapshot (generated when it has only a differential).
    pub fn with_snapshot(&mut self, url: &str) -> Result<Arc<Value>, SnapshotError> {
        if let Some(sd) = self.generated.get(url) {
            return Ok(sd.clone());
        }
        let sd = (self.resolve)(url).ok_or_else(|| SnapshotError::NotFound {
            url: self.current(),
            missing: url.to_string(),
        })?;
        if has_snapshot(&sd) {
            return Ok(sd);
        }
        let generated = Arc::new(self.generate(&sd)?);
        self.generated.insert(url.to_string(), generated.clone());
        Ok(generated)
    }

    /// A copy of `sd` whose snapshot is generated from its differential and its base definition's snapshot
    /// (any snapshot `sd` already has is ignored).
    pub fn generate(&mut self, sd: &Value) -> Result<Value, SnapshotError> {
        let url = sd
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or("(StructureDefinition without url)")
            .to_string();
        if self.in_progress.contains(&url) {
            let mut cycle = self.in_progress.clone();
            cycle.push(url.clone());
            return Err(SnapshotError::Cycle {
                url,
                cycle: cycle.join(" -> "),
            });
        }
        self.in_progress.push(url.clone());
        let result = self.generate_inner(sd, &url);
        self.in_progress.pop();
        result
    }

    fn current(&self) -> String {
        self.in_progress.last().cloned().unwrap_or_default()
    }

    fn generate_inner(&mut self, sd: &Value, url: &str) -> Result<Value, SnapshotError> {
        let differential = sd
            .pointer("/differential/element")
            .and_then(Value::as_array)
            .ok_or_else(|| SnapshotError::NoDifferential(url.to_string()))?;
        let base_url = sd
            .get("baseDefinition")
            .and_then(Value::as_str)
            .ok_or_else(|| SnapshotError::NoBase(url.to_string()))?;
        let base = self.tree(base_url)?;
        let diff = Tree::build(differential).map_err(|reason| SnapshotError::Malformed {
            url: url.to_string(),
            part: "differential",
            definition: url.to_string(),
            reason,
        })?;
        let root = match diff.nodes.first() {
            None => None,
            Some(d) if names_match(&base.nodes[0].name, &d.name) => Some(0),
            Some(d) => {
                return Err(SnapshotError::NoBaseElement {
                    url: url.to_string(),
                    id: d.raw.clone(),
                })
            }
        };
        let mut cx = Cx {
            url,
            diff: &diff,
            out: Vec::with_capacity(base.nodes.len() + diff.nodes.len()),
        };
        self.emit(&mut cx, &base, 0, root, None, false, 0)?;
        let mut out = sd.clone();
        if let Some(o) = out.as_object_mut() {
            o.insert("snapshot".into(), json!({ "element": cx.out }));
        }
        Ok(out)
    }

    /// The snapshot of a definition as a tree (cached).
    fn tree(&mut self, url: &str) -> Result<Rc<Tree>, SnapshotError> {
        if let Some(t) = self.trees.get(url) {
            return Ok(t.clone());
        }
        let sd = self.with_snapshot(url)?;
        let malformed = |reason: String| SnapshotError::Malformed {
            url: self.current(),
            part: "snapshot",
            definition: url.to_string(),
            reason,
        };
        let elements = sd
            .pointer("/snapshot/element")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("no snapshot elements".into()))?;
        let tree = Tree::build(elements).map_err(malformed)?;
        if tree.nodes.is_empty() {
            return Err(malformed("no snapshot elements".into()));
        }
        let tree = Rc::new(tree);
        self.trees.insert(url.to_string(), tree.clone());
        Ok(tree)
    }

    /// Writes base node `b` merged with differential node `d` (and then their children and slices) to the
    /// output. `parent` is the id and path of the parent element (none for the root); `new_slice` starts a
    /// slice the base does not have from the unsliced element `b`.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        cx: &mut Cx<'_>,
        base: &Rc<Tree>,
        b: usize,
        d: Option<usize>,
        parent: Option<(&str, &str)>,
        new_slice: bool,
        depth: usize,
    ) -> Result<(), SnapshotError> {
        let diff = cx.diff;
        let bn = &base.nodes[b];
        let dn = d.map(|i| &diff.nodes[i]);
        let name = match dn {
            Some(dn) if !dn.name.ends_with("[x]") => dn.name.clone(),
            _ => bn.name.clone(),
        };
        let mut elem = bn.elem.clone().ok_or_else(|| SnapshotError::Malformed {
            url: cx.url.to_string(),
            part: "snapshot",
            definition: "the base".into(),
            reason: format!("no element for `{name}`, though it has children or slices"),
        })?;
        // A choice renamed to one type is identified as `value[x]:valueQuantity` whatever form the
        // differential or the base used (`valueQuantity:valueQuantity`, or `value[x]` with a renamed path).
        let choice = if choice_of(&bn.name, &name) {
            Some(bn.name.clone())
        } else {
            elem.get("base")
                .and_then(|b| b.get("path"))
                .and_then(Value::as_str)
                .and_then(|p| p.rsplit('.').next())
                .filter(|c| choice_of(c, &name))
                .map(String::from)
        };
        let seg = match choice {
            Some(c) => format!("{c}:{name}"),
            None => dn.map_or(&bn.raw, |dn| &dn.raw).clone(),
        };
        let id = parent.map_or_else(|| seg.clone(), |(pid, _)| format!("{pid}.{seg}"));
        let path = parent.map_or_else(|| name.clone(), |(_, pp)| format!("{pp}.{name}"));
        if depth > MAX_DEPTH {
            return Err(SnapshotError::TooDeep {
                url: cx.url.to_string(),
                id,
            });
        }
        if !elem.contains_key("base") {
            let origin = json!({
                "path": elem.get("path").cloned().unwrap_or(Value::Null),
                "min": elem.get("min").cloned().unwrap_or(json!(0)),
                "max": elem.get("max").cloned().unwrap_or(json!("*")),
            });
            elem.insert("base".into(), origin);
        }
        if new_slice {
            elem.remove("slicing");
        }
        if let Some(de) = dn.and_then(|dn| dn.elem.as_ref()) {
            let base_types = elem.get("type").cloned();
            apply_diff(&mut elem, de);
            if de.contains_key("type") {
                if let Some(dropped) = restrict_types(&mut elem, base_types.as_ref()) {
                    self.notes.push(format!(
                        "{}: `{id}` lists types its base does not allow ({dropped}); they were dropped",
                        cx.url
                    ));
                }
                self.merge_extension_root(&mut elem, de);
            }
        }
        if let Some(slice) = dn.and_then(|dn| dn.slice.as_ref()) {
            elem.insert("sliceName".into(), Value::String(slice.clone()));
        }
        // Extensions are sliced by url (as Forge writes it: every `extension`, and `modifierExtension` of the
        // resource itself).
        let top = parent.is_some_and(|(_, pp)| !pp.contains('.'));
        if (name == "extension" || (name == "modifierExtension" && top))
            && !elem.contains_key("slicing")
            && !elem.contains_key("sliceName")
        {
            elem.insert(
                "slicing".into(),
                json!({ "discriminator": [{ "type": "value", "path": "url" }], "ordered": false, "rules": "open" }),
            );
        }

        // Children: the base's, or the type's when the differential constrains below an unexpanded element.
        let diff_children: &[usize] = dn.map_or(&[], |dn| &dn.children);
        let (ctree, cnode) = if bn.children.is_empty() && !diff_children.is_empty() {
            self.expand(cx.url, base, &elem, &name, &bn.name, &id)?
        } else {
            (base.clone(), b)
        };
        let mut out = Map::with_capacity(elem.len() + 2);
        out.insert("id".into(), Value::String(id.clone()));
        out.insert("path".into(), Value::String(path.clone()));
        for (k, v) in elem {
            if k != "id" && k != "path" {
                out.insert(k, v);
            }
        }
        cx.out.push(Value::Object(out));

        let mut matched = vec![false; diff_children.len()];
        for &c in &ctree.nodes[cnode].children {
            let cname = &ctree.nodes[c].name;
            let mut constrained = false;
            for (k, &dc) in diff_children.iter().enumerate() {
                if names_match(cname, &diff.nodes[dc].name) {
                    matched[k] = true;
                    constrained = true;
                    self.emit(
                        cx,
                        &ctree,
                        c,
                        Some(dc),
                        Some((&id, &path)),
                        false,
                        depth + 1,
                    )?;
                }
            }
            if !constrained {
                self.emit(cx, &ctree, c, None, Some((&id, &path)), false, depth + 1)?;
            }
        }
        if let Some(k) = matched.iter().position(|m| !m) {
            return Err(SnapshotError::NoBaseElement {
                url: cx.url.to_string(),
                id: format!("{id}.{}", diff.nodes[diff_children[k]].raw),
            });
        }

        // Slices: the base's (a new slice does not inherit its siblings), then the differential's new ones.
        let diff_slices: &[usize] = dn.map_or(&[], |dn| &dn.slices);
        let mut used = vec![false; diff_slices.len()];
        if !new_slice {
            for &s in &bn.slices {
                let found = diff_slices
                    .iter()
                    .position(|&x| diff.nodes[x].slice == base.nodes[s].slice);
                if let Some(k) = found {
                    used[k] = true;
                }
                let ds = found.map(|k| diff_slices[k]);
                self.emit(cx, base, s, ds, parent, false, depth + 1)?;
            }
        }
        for (k, &ds) in diff_slices.iter().enumerate() {
            if !used[k] {
                self.emit(cx, base, b, Some(ds), parent, true, depth + 1)?;
            }
        }
        Ok(())
    }

    /// The tree and node whose children an element gets when the differential constrains below it.
    fn expand(
        &mut self,
        url: &str,
        base: &Rc<Tree>,
        elem: &Map<String, Value>,
        name: &str,
        base_name: &str,
        id: &str,
    ) -> Result<(Rc<Tree>, usize), SnapshotError> {
        let fail = |reason: String| SnapshotError::Expand {
            url: url.to_string(),
            id: id.to_string(),
            reason,
        };
        if let Some(target) = elem.get("contentReference").and_then(Value::as_str) {
            let target = target.trim_start_matches('#');
            return base
                .by_path
                .get(target)
                .map(|&i| (base.clone(), i))
                .ok_or_else(|| fail(format!("its contentReference #{target} is not in the base")));
        }
        let types: &[Value] = elem
            .get("type")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        // A choice renamed to one type (`valueQuantity`) keeps the types of that name only.
        let rename = base_name
            .strip_suffix("[x]")
            .and_then(|stem| name.strip_prefix(stem))
            .filter(|rest| !rest.is_empty() && !name.ends_with("[x]"));
        let chosen: Vec<&Value> = types
            .iter()
            .filter(|t| rename.is_none_or(|suffix| code_is(type_code(t), suffix)))
            .collect();
        let Some(code) = chosen.first().map(|t| type_code(t)) else {
            return Err(fail("it has no type".into()));
        };
        if chosen.iter().any(|t| type_code(t) != code) {
            let codes: Vec<&str> = chosen.iter().map(|t| type_code(t)).collect();
            return Err(fail(format!(
                "it has several types ({}); constrain it to one first",
                codes.join(", ")
            )));
        }
        let mut profiles: Vec<String> = chosen
            .iter()
            .map(|t| strings(t.get("profile")).into_iter().next())
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        profiles.dedup();
        let core = format!("{CORE}{code}");
        let target = match profiles.as_slice() {
            [p] => p.clone(),
            _ => core.clone(),
        };
        match self.tree(&target) {
            Ok(t) => Ok((t, 0)),
            Err(SnapshotError::NotFound { .. }) if target != core => {
                self.notes.push(format!(
                    "{url}: type profile {target} of `{id}` was not found; its children were expanded from {core}"
                ));
                self.tree(&core).map(|t| (t, 0))
            }
            Err(e) => Err(e),
        }
    }

    /// An element typed with an extension definition takes that definition's root cardinality (where
    /// narrower), text and invariants, unless the differential states them.
    fn merge_extension_root(&mut self, elem: &mut Map<String, Value>, diff: &Map<String, Value>) {
        let profile = match elem
            .get("type")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([t]) if type_code(t) == "Extension" => {
                strings(t.get("profile")).into_iter().next()
            }
            _ => None,
        };
        let Some(profile) = profile else { return };
        let ext = match self.with_snapshot(&profile) {
            Ok(ext) => ext,
            Err(e) => {
                self.notes.push(format!(
                    "extension definition {profile} not merged into its slice: {e}"
                ));
                return;
            }
        };
        let Some(root) = ext
            .pointer("/snapshot/element/0")
            .and_then(Value::as_object)
        else {
            return;
        };
        if !diff.contains_key("min") {
            let (own, theirs) = (min_of(elem), min_of(root));
            if theirs > own {
                elem.insert("min".into(), json!(theirs));
            }
        }
        if !diff.contains_key("max") {
            if let Some(theirs) = root.get("max").and_then(Value::as_str) {
                let own = elem.get("max").and_then(Value::as_str).unwrap_or("*");
                if narrower(theirs, own) {
                    elem.insert("max".into(), Value::String(theirs.to_string()));
                }
            }
        }
        for key in ["short", "definition", "comment"] {
            if !diff.contains_key(key) {
                if let Some(v) = root.get(key) {
                    elem.insert(key.into(), v.clone());
                }
            }
        }
        if root.get("isModifier") == Some(&Value::Bool(true)) {
            elem.insert("isModifier".into(), Value::Bool(true));
        }
        if let Some(theirs) = root.get("constraint") {
            merge_list(elem, "constraint", theirs, |c| c.get("key").cloned());
        }
    }
}

/// What one generation writes to.
struct Cx<'a> {
    url: &'a str,
    diff: &'a Tree,
    out: Vec<Value>,
}

/// One step of an element id: the element's name as in its path and, for a slice, the slice name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Seg {
    name: String,
    slice: Option<String>,
}

/// An element with its children and slices.
#[derive(Debug)]
struct Node {
    /// None for an element the differential only implies (it constrains a descendant).
    elem: Option<Map<String, Value>>,
    name: String,
    slice: Option<String>,
    /// The id step as written (`extension:nhsNumber`, `value[x]:valueCodeableConcept`).
    raw: String,
    children: Vec<usize>,
    slices: Vec<usize>,
}

/// Elements as a tree; node 0 is the root.
#[derive(Debug)]
struct Tree {
    nodes: Vec<Node>,
    /// Path of an element outside any slice -> node (for `contentReference`).
    by_path: HashMap<String, usize>,
}

impl Tree {
    fn build(elements: &[Value]) -> Result<Tree, String> {
        let maps: Vec<&Map<String, Value>> = elements
            .iter()
            .filter_map(Value::as_object)
            .filter(|m| {
                m.get("path")
                    .and_then(Value::as_str)
                    .is_some_and(|p| !p.is_empty())
            })
            .collect();
        let segs = segments(&maps);
        let mut tree = Tree {
            nodes: Vec::with_capacity(maps.len()),
            by_path: HashMap::new(),
        };
        let mut index: HashMap<Vec<Seg>, usize> = HashMap::with_capacity(maps.len());
        for (m, s) in maps.iter().zip(&segs) {
            let i = tree.node(&mut index, s)?;
            let node = &mut tree.nodes[i];
            if node.elem.is_none() {
                node.elem = Some((*m).clone());
            }
        }
        Ok(tree)
    }

    /// The node for an id, created (with the nodes above it) when new.
    fn node(
        &mut self,
        index: &mut HashMap<Vec<Seg>, usize>,
        segs: &[(Seg, String)],
    ) -> Result<usize, String> {
        let key: Vec<Seg> = segs.iter().map(|(s, _)| s.clone()).collect();
        if let Some(&i) = index.get(&key) {
            return Ok(i);
        }
        let Some(((last, raw), up)) = segs.split_last() else {
            return Err("an element has an empty path".into());
        };
        let owner = if up.is_empty() {
            if let Some(root) = self.nodes.first() {
                return Err(format!(
                    "two root elements, `{}` and `{}`",
                    root.name, last.name
                ));
            }
            None
        } else if let Some(slice) = &last.slice {
            // A slice hangs off the unsliced element; a re-slice `a/b` off slice `a`.
            let (owner_slice, owner_raw) = match slice.rsplit_once('/') {
                Some((outer, _)) => (
                    Some(outer.to_string()),
                    raw.rsplit_once('/').map_or(raw.as_str(), |(o, _)| o),
                ),
                None => (None, raw.split(':').next().unwrap_or(raw)),
            };
            let mut owner = up.to_vec();
            owner.push((
                Seg {
                    name: last.name.clone(),
                    slice: owner_slice,
                },
                owner_raw.to_string(),
            ));
            Some((self.node(index, &owner)?, true))
        } else {
            Some((self.node(index, up)?, false))
        };
        let i = self.nodes.len();
        self.nodes.push(Node {
            elem: None,
            name: last.name.clone(),
            slice: last.slice.clone(),
            raw: raw.clone(),
            children: Vec::new(),
            slices: Vec::new(),
        });
        match owner {
            Some((o, true)) => self.nodes[o].slices.push(i),
            Some((p, false)) => self.nodes[p].children.push(i),
            None => {}
        }
        if key.iter().all(|s| s.slice.is_none()) {
            let path: Vec<&str> = key.iter().map(|s| s.name.as_str()).collect();
            self.by_path.insert(path.join("."), i);
        }
        index.insert(key, i);
        Ok(i)
    }
}

/// Each element's id as steps. An id that is missing or does not line up with the path is rebuilt from the
/// path, the `sliceName` and the slice the preceding elements opened.
fn segments(elements: &[&Map<String, Value>]) -> Vec<Vec<(Seg, String)>> {
    let mut context: Vec<(String, Vec<(Seg, String)>)> = Vec::new();
    let mut out = Vec::with_capacity(elements.len());
    for el in elements {
        let path = el.get("path").and_then(Value::as_str).unwrap_or_default();
        let names: Vec<&str> = path.split('.').collect();
        // The innermost element before this one that contains it.
        while context.last().is_some_and(|(p, _)| {
            !(path.starts_with(p.as_str()) && path[p.len()..].starts_with('.'))
        }) {
            context.pop();
        }
        let segs = el
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| parse_id(id, &names))
            .unwrap_or_else(|| {
                let mut segs = context.last().map(|(_, s)| s.clone()).unwrap_or_default();
                let inherited = segs.len().min(names.len().saturating_sub(1));
                segs.truncate(inherited);
                for name in &names[inherited..names.len().saturating_sub(1)] {
                    segs.push((
                        Seg {
                            name: (*name).to_string(),
                            slice: None,
                        },
                        (*name).to_string(),
                    ));
                }
                let last = names.last().copied().unwrap_or_default();
                let slice = el
                    .get("sliceName")
                    .and_then(Value::as_str)
                    .filter(|s| *s != last)
                    .map(String::from);
                let raw = match &slice {
                    Some(s) => format!("{last}:{s}"),
                    None => last.to_string(),
                };
                segs.push((
                    Seg {
                        name: last.to_string(),
                        slice,
                    },
                    raw,
                ));
                segs
            });
        context.push((path.to_string(), segs.clone()));
        out.push(segs);
    }
    out
}

/// Splits an id into steps named after the path (`Extension.value[x]:valueQuantity` with path
/// `Extension.valueQuantity` is the renamed choice, not a slice); `None` when id and path disagree.
fn parse_id(id: &str, names: &[&str]) -> Option<Vec<(Seg, String)>> {
    let parts: Vec<&str> = id.split('.').collect();
    if parts.len() != names.len() {
        return None;
    }
    parts
        .iter()
        .zip(names)
        .map(|(raw, name)| {
            let (element, slice) = match raw.split_once(':') {
                Some((e, s)) => (e, Some(s)),
                None => (*raw, None),
            };
            if !names_match(element, name) || slice.is_some_and(str::is_empty) {
                return None;
            }
            let slice = slice.filter(|s| !is_rename(element, s, name));
            Some((
                Seg {
                    name: (*name).to_string(),
                    slice: slice.map(String::from),
                },
                (*raw).to_string(),
            ))
        })
        .collect()
}

/// `value[x]:valueQuantity` or `valueQuantity:valueQuantity` for the element `valueQuantity`: a renamed choice
/// (as is any `value[x]:name` whose path is renamed: a renamed choice has one type, so it is not sliced).
fn is_rename(element: &str, slice: &str, name: &str) -> bool {
    choice_of(element, name)
        || slice == name
            && (element.ends_with("[x]")
                || (element == slice && slice.chars().any(|c| c.is_ascii_uppercase())))
}

/// Whether two element names are the same element (`value[x]` and `valueQuantity` are).
fn names_match(a: &str, b: &str) -> bool {
    a == b || choice_of(a, b) || choice_of(b, a)
}

/// Whether `concrete` is the choice `choice` (`value[x]`) renamed to one type (`valueQuantity`).
fn choice_of(choice: &str, concrete: &str) -> bool {
    choice
        .strip_suffix("[x]")
        .and_then(|stem| concrete.strip_prefix(stem))
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

fn type_code(t: &Value) -> &str {
    t.get("code").and_then(Value::as_str).unwrap_or_default()
}

/// Whether a type code (`dateTime`) is the one a choice suffix (`DateTime`) names.
fn code_is(code: &str, suffix: &str) -> bool {
    let mut c = code.chars();
    c.next()
        .is_some_and(|first| first.to_ascii_uppercase().to_string() + c.as_str() == suffix)
}

fn min_of(el: &Map<String, Value>) -> u64 {
    el.get("min").and_then(Value::as_u64).unwrap_or(0)
}

/// Whether the max `a` allows fewer repetitions than `b` (`*` is unbounded).
fn narrower(a: &str, b: &str) -> bool {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x < y,
        (Ok(_), Err(_)) => b == "*",
        _ => false,
    }
}

/// The name of a choice property (`fixedUri` -> `fixed`), if it is one.
fn choice_prefix(key: &str) -> Option<&'static str> {
    CHOICES.into_iter().find(|p| {
        key.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

/// A profile may only narrow the types of its base: differential types whose code the base does not allow are
/// dropped (unless none would remain). Returns the dropped codes.
fn restrict_types(elem: &mut Map<String, Value>, base: Option<&Value>) -> Option<String> {
    let allowed: Vec<&str> = base?.as_array()?.iter().map(type_code).collect();
    let types = elem.get_mut("type")?.as_array_mut()?;
    if allowed.is_empty() || types.iter().all(|t| allowed.contains(&type_code(t))) {
        return None;
    }
    let (kept, dropped): (Vec<Value>, Vec<Value>) = types
        .drain(..)
        .partition(|t| allowed.contains(&type_code(t)));
    if kept.is_empty() {
        *types = dropped;
        return None;
    }
    *types = kept;
    let mut codes: Vec<&str> = dropped.iter().map(type_code).collect();
    codes.dedup();
    Some(codes.join(", "))
}

/// Constrains a (copy of a) base element with a differential element.
fn apply_diff(elem: &mut Map<String, Value>, diff: &Map<String, Value>) {
    for (k, v) in diff {
        match k.as_str() {
            "id" | "path" | "base" => {}
            "constraint" => merge_list(elem, k, v, |c| c.get("key").cloned()),
            "mapping" | "alias" | "condition" => merge_list(elem, k, v, |x| Some(x.clone())),
            "slicing" | "binding" => {
                let mut merged = match elem.get(k) {
                    Some(Value::Object(o)) => o.clone(),
                    _ => Map::new(),
                };
                if let Value::Object(d) = v {
                    if k == "binding"
                        && (d.contains_key("valueSetReference") || d.contains_key("valueSetUri"))
                    {
                        merged.remove("valueSetReference");
                        merged.remove("valueSetUri");
                    }
                    for (dk, dv) in d {
                        merged.insert(dk.clone(), dv.clone());
                    }
                    elem.insert(k.clone(), Value::Object(merged));
                } else {
                    elem.insert(k.clone(), v.clone());
                }
            }
            _ => {
                if let Some(prefix) = choice_prefix(k) {
                    elem.retain(|ek, _| choice_prefix(ek) != Some(prefix));
                }
                elem.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Adds the entries of `extra` to the list `key` of `elem`; an entry with the same identity replaces the old.
fn merge_list(
    elem: &mut Map<String, Value>,
    key: &str,
    extra: &Value,
    identity: impl Fn(&Value) -> Option<Value>,
) {
    let extra: Vec<Value> = match extra {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let list = match elem.get_mut(key) {
        Some(Value::Array(a)) => a,
        _ => {
            elem.insert(key.to_string(), Value::Array(extra));
            return;
        }
    };
    for x in extra {
        let id = identity(&x);
        match list
            .iter()
            .position(|old| id.is_some() && identity(old) == id)
        {
            Some(i) => list[i] = x,
            None => list.push(x),
        }
    }
}

#[cfg(test)]
mod tests;
