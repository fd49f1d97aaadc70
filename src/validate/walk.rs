//! The profile walk: each property of an object matched to the element it belongs to, JSON shape,
//! cardinality, fixed and pattern values, invariants, and the descent into data types, profiles, extensions
//! and inline resources.

use serde_json::{Map, Value};

use super::fields::field;
use super::primitives::{is_primitive, primitive_problem};
use super::slicing::SliceMatch;
use super::{plan, Plan, Severity, Validator, Walk, MAX_DEPTH};

impl Validator {
    pub(super) fn walk(
        &self,
        w: &mut Walk<'_>,
        def_path: &str,
        obj: &Map<String, Value>,
        expr: &str,
        depth: usize,
    ) {
        let node = w.plan.node(def_path);
        self.walk_node(w, def_path, node, obj, expr, depth);
    }

    /// [`walk`](Self::walk) with the element's node already found.
    pub(super) fn walk_node(
        &self,
        w: &mut Walk<'_>,
        def_path: &str,
        node: Option<&plan::Node>,
        obj: &Map<String, Value>,
        expr: &str,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            w.issue(
                Severity::Error,
                "structure",
                expr,
                "nesting is too deep".into(),
                "depth",
            );
            return;
        }
        let plan = w.plan;
        // Indexes into the plan, which outlives the walk: nothing is cloned or collected per object.
        let children = node.map_or(&[][..], |n| n.children.as_slice());
        // Each property, matched to the children it belongs to: (child, property name without its `_`, the type
        // a choice name gives). A property no child claims is an unknown element.
        // On the stack for the usual object (a few properties): no allocation per object.
        let mut hits: smallvec::SmallVec<[Hit<'_>; 12]> = smallvec::SmallVec::new();
        for (key, property) in obj {
            if key == "resourceType" && def_path == plan.type_name || key == "fhir_comments" {
                continue;
            }
            let (name, value, ext) = match key.strip_prefix('_') {
                Some(name) => (name, None, Some(property)),
                None => (key.as_str(), Some(property), None),
            };
            let mut known = false;
            // The children this name reaches: by exact name (a `[x]` name is known but reaches nothing), and
            // each choice whose stem starts the name with a type it allows (`valueQuantity`).
            if let Some(named) = node {
                for &child in named.exact.get(name).into_iter().flatten() {
                    known = true;
                    if !name.ends_with("[x]") {
                        hits.push(Hit {
                            child,
                            name,
                            choice: None,
                            value,
                            ext,
                        });
                    }
                }
                for (stem, child) in &named.choices {
                    // A suffix that names a type (`value[x]` itself is known above and reaches nothing).
                    let Some(suffix) = name
                        .strip_prefix(stem.as_str())
                        .filter(|suffix| !suffix.is_empty() && *suffix != "[x]")
                    else {
                        continue;
                    };
                    if let Some(t) = choice_type(&plan.elements[children[*child]], suffix) {
                        known = true;
                        hits.push(Hit {
                            child: *child,
                            name,
                            choice: Some(t),
                            value,
                            ext,
                        });
                    }
                }
            }
            if !known {
                w.issue(
                    Severity::Error,
                    "structure",
                    &format!("{expr}.{name}"),
                    format!("`{name}` is not an element of {def_path}"),
                    "unknown-element",
                );
            }
        }
        // `value` and `_value` are one element; a choice's properties in name order.
        hits.sort_unstable_by(|a, b| (a.child, a.name).cmp(&(b.child, b.name)));
        hits.dedup_by(|later, kept| {
            let same = later.child == kept.child && later.name == kept.name;
            if same {
                kept.value = kept.value.or(later.value);
                kept.ext = kept.ext.or(later.ext);
            }
            same
        });
        // Cardinality and each value: the children present, and those reported on when absent, in order.
        let mut at = String::with_capacity(expr.len() + 24);
        let mut cursor = 0;
        let mut required = node
            .map_or(&[][..], |n| n.required.as_slice())
            .iter()
            .peekable();
        loop {
            let next_hit = hits.get(cursor).map(|h| h.child);
            let next_required = required.peek().map(|&&r| r);
            let ci = match (next_hit, next_required) {
                (None, None) => break,
                (Some(h), Some(r)) => h.min(r),
                (Some(h), None) => h,
                (None, Some(r)) => r,
            };
            if next_required == Some(ci) {
                required.next();
            }
            let def_index = children[ci];
            let def = &plan.elements[def_index];
            let base = def.name.as_str();
            let first = cursor;
            while hits.get(cursor).is_some_and(|h| h.child == ci) {
                cursor += 1;
            }
            let present = &hits[first..cursor];
            let mut count = 0u64;
            let slice_indices = if def.slicing.is_some() {
                plan.slice_indices(&def.id)
            } else {
                &[]
            };
            let slices: Vec<&plan::ElementDef> =
                slice_indices.iter().map(|&i| &plan.elements[i]).collect();
            let mut slice_counts = vec![0u64; slices.len()];
            let mut slicing_decidable = true;
            for &Hit {
                name: key,
                choice,
                value,
                ext,
                ..
            } in present
            {
                let n = match (value, ext) {
                    (Some(Value::Array(a)), _) => a.len(),
                    (Some(_), _) => 1,
                    (None, Some(Value::Array(a))) => a.len(),
                    (None, Some(_)) => 1,
                    (None, None) => 0,
                };
                count += n as u64;
                let is_array = matches!(value, Some(Value::Array(_)));
                if value.is_some() && is_array != def.base_many {
                    let shape = if def.base_many {
                        "an array"
                    } else {
                        "a single value, not an array"
                    };
                    w.issue(
                        Severity::Error,
                        "structure",
                        &format!("{expr}.{key}"),
                        format!("`{key}` must be {shape}"),
                        "json-shape",
                    );
                }
                let type_code = choice.or_else(|| single_type(def));
                if matches!(value, Some(Value::Array(a)) if a.is_empty()) {
                    w.issue(
                        Severity::Error,
                        "structure",
                        &format!("{expr}.{key}"),
                        "an array must not be empty".into(),
                        "ele-1",
                    );
                }
                let values: &[Value] = match value {
                    Some(Value::Array(a)) => a,
                    Some(v) => std::slice::from_ref(v),
                    None => &[],
                };
                for (i, v) in values.iter().enumerate() {
                    // One buffer per object, not a string per value.
                    at.clear();
                    at.push_str(expr);
                    at.push('.');
                    at.push_str(key);
                    if is_array {
                        at.push('[');
                        push_index(&mut at, i);
                        at.push(']');
                    }
                    let at = at.as_str();
                    match self.slice_for(plan, def, &slices, v, type_code, w.pass) {
                        SliceMatch::Slice(k) => {
                            slice_counts[k] += 1;
                            self.check_value(
                                w,
                                slice_indices[k],
                                slices[k],
                                type_code,
                                v,
                                at,
                                depth,
                            );
                        }
                        SliceMatch::Unmatched => {
                            if def.slicing.as_ref().is_some_and(|sl| sl.rules == "closed") {
                                w.issue(
                                    Severity::Error,
                                    "structure",
                                    at,
                                    format!(
                                        "matches none of the slices of {} (slicing is closed)",
                                        def.path
                                    ),
                                    "slicing-closed",
                                );
                            }
                            self.check_value(w, def_index, def, type_code, v, at, depth);
                        }
                        SliceMatch::Undecidable => {
                            slicing_decidable = false;
                            self.check_value(w, def_index, def, type_code, v, at, depth);
                        }
                    }
                }
            }
            // Only built when there is something to report (most definitions have nothing to say).
            let at_element = || format!("{expr}.{}", base.trim_end_matches("[x]"));
            if slicing_decidable {
                for (slice, n) in slices.iter().zip(&slice_counts) {
                    let name = slice.slice_name.as_deref().unwrap_or_default();
                    if *n < slice.min {
                        w.issue(
                            Severity::Error,
                            "required",
                            &at_element(),
                            format!(
                                "slice `{name}` of {} requires at least {} value(s), found {n}",
                                def.path, slice.min
                            ),
                            "slice-cardinality-min",
                        );
                    }
                    if slice.max.is_some_and(|m| *n > m) {
                        w.issue(
                            Severity::Error,
                            "structure",
                            &at_element(),
                            format!(
                                "slice `{name}` of {} allows at most {} value(s), found {n}",
                                def.path,
                                slice.max.unwrap_or_default()
                            ),
                            "slice-cardinality-max",
                        );
                    }
                }
            }
            if count < def.min {
                w.issue(
                    Severity::Error,
                    "required",
                    &at_element(),
                    format!(
                        "{} requires at least {} value(s), found {count}",
                        def.path, def.min
                    ),
                    "cardinality-min",
                );
            }
            if let Some(max) = def.max {
                if count > max {
                    let message = if max == 0 {
                        format!("{} must not be populated (max 0), found {count}", def.path)
                    } else {
                        format!("{} allows at most {max} value(s), found {count}", def.path)
                    };
                    w.issue(
                        Severity::Error,
                        "structure",
                        &at_element(),
                        message,
                        "cardinality-max",
                    );
                }
            }
        }
    }

    /// Checks one value of element `def` (at `def_index` among the plan's elements).
    #[allow(clippy::too_many_arguments)]
    fn check_value(
        &self,
        w: &mut Walk<'_>,
        def_index: usize,
        def: &plan::ElementDef,
        type_code: Option<&str>,
        v: &Value,
        at: &str,
        depth: usize,
    ) {
        let plan = w.plan;
        let empty = match v {
            Value::Null => true,
            Value::Object(o) => o.keys().all(|k| k == "id"),
            _ => false,
        };
        if empty {
            w.issue(
                Severity::Error,
                "invariant",
                at,
                "all FHIR elements must have a @value or children (ele-1)".into(),
                "ele-1",
            );
            return;
        }
        // The data type's core plan, looked up once for its invariants and its walk.
        let type_plan = type_code
            .filter(|t| {
                v.is_object() && !is_primitive(t) && *t != "Resource" && *t != "DomainResource"
            })
            .map(|tc| {
                if def.types.len() == 1 {
                    self.element_type_plan(plan, def_index, tc)
                } else {
                    self.core_plan(tc)
                }
            });
        if v.is_object() {
            // A data type's own invariants (per-1 on Period, ...) sit on the root of its definition.
            let type_constraints = type_plan
                .as_ref()
                .and_then(|tp| tp.as_ref().ok())
                .as_ref()
                .and_then(|tp| tp.root())
                .map(|root| root.constraints.as_slice())
                .unwrap_or_default()
                .iter()
                .filter(|c| !def.constraints.iter().any(|x| x.key == c.key));
            self.check_invariants(w, def.constraints.iter().chain(type_constraints), v, at);
        }
        if let Some((key, fixed)) = &def.fixed {
            if v != fixed {
                w.issue(
                    Severity::Error,
                    "value",
                    at,
                    format!("must be exactly {fixed} ({key}), found {v}"),
                    "fixed-value",
                );
            }
        }
        if let Some((key, pattern)) = &def.pattern {
            if !matches_pattern(v, pattern) {
                w.issue(
                    Severity::Error,
                    "value",
                    at,
                    format!("must match the pattern {pattern} ({key}), found {v}"),
                    "pattern-value",
                );
            }
        }
        if type_code == Some("Reference") {
            self.check_reference_target(w, plan, def_index, v, at);
        }
        if let Some(tc) = type_code {
            if is_primitive(tc) {
                if let Some(problem) = primitive_problem_once(w, tc, v) {
                    w.issue(Severity::Error, "value", at, problem, "primitive-format");
                } else if tc == "xhtml" && self.is_dstu2() {
                    self.check_narrative(w, v, at);
                }
            }
            if let Some(b) = &def.binding {
                self.check_binding(w, b, tc, v, at);
            }
        }
        let Some(obj) = v.as_object() else {
            if !type_code.is_some_and(is_primitive) && type_code.is_some() {
                w.issue(
                    Severity::Error,
                    "structure",
                    at,
                    "expected an object".into(),
                    "json-shape",
                );
            }
            return;
        };
        if let Some(rt) = field(obj, "resourceType")
            .and_then(Value::as_str)
            .filter(|_| {
                type_code.is_none_or(|t| {
                    t == "Resource" || t == "DomainResource" || !t.starts_with(char::is_lowercase)
                })
            })
        {
            if type_code.is_none_or(|t| t == "Resource" || t == "DomainResource" || t == rt) {
                let mut inner = String::with_capacity(at.len() + rt.len() + 8);
                inner.push_str(at);
                inner.push_str(".ofType(");
                inner.push_str(rt);
                inner.push(')');
                self.validate_resource(v, rt, &inner, &[], w.pass, depth + 1);
                return;
            }
        }
        if let Some(node) = plan.node_at(def_index) {
            self.walk_node(w, &def.id, Some(node), obj, at, depth + 1);
        } else if let Some((profile, declared)) = self.type_profile(def, type_code, obj) {
            // A profile the element's only type declares is the same for every value: the element remembers it.
            let found = if declared && def.types.len() == 1 {
                self.declared_profile_plan(plan, def_index, profile)
            } else {
                self.plan_ref(profile)
            };
            match found {
                Ok(tp) => {
                    // An extension the profile itself places here is sanctioned by the profile; one found
                    // only by its URL must respect its definition's context.
                    let declared = def
                        .types
                        .iter()
                        .any(|t| t.profiles.iter().any(|p| p == profile))
                        || w.pass.placed(w.resource, &def.path, profile);
                    if type_code == Some("Extension") && tp.type_name == "Extension" && !declared {
                        self.check_extension_context(w, def, profile, at);
                    }
                    self.walk_in(w, tp, obj, at, depth)
                }
                Err(e) => w.issue(
                    if def
                        .types
                        .iter()
                        .any(|t| t.profiles.iter().any(|p| p == profile))
                    {
                        Severity::Warning
                    } else {
                        Severity::Information
                    },
                    "not-supported",
                    at,
                    format!("{profile} not checked: {e}"),
                    "profile-resolve",
                ),
            }
        } else if let Some(target) = def
            .content_reference
            .as_deref()
            .and_then(|c| c.strip_prefix('#'))
        {
            let target = target.to_string();
            self.walk(w, &target, obj, at, depth + 1);
        } else if let Some(tc) = type_code.filter(|t| !is_primitive(t)) {
            match type_plan.unwrap_or_else(|| self.core_plan(tc)) {
                Ok(tp) => self.walk_in(w, tp, obj, at, depth),
                Err(e) => w.issue(
                    Severity::Warning,
                    "not-supported",
                    at,
                    format!("type {tc} not checked: {e}"),
                    "type-resolve",
                ),
            }
        } else if type_code.is_none() && !def.types.is_empty() {
            w.issue(
                Severity::Error,
                "structure",
                at,
                format!("cannot tell which type of {} this is", def.path),
                "choice-type",
            );
        }
    }

    /// Walks `obj` from the root of another plan (a data type's core definition or a declared profile).
    fn walk_in(
        &self,
        w: &mut Walk<'_>,
        plan: &Plan,
        obj: &Map<String, Value>,
        at: &str,
        depth: usize,
    ) {
        // The core definition and a profile often reach the same data-type value and walk it from the same
        // plan (`Patient.name[0]` from HumanName): once is enough.
        let key = (
            std::ptr::from_ref(obj) as usize,
            std::ptr::from_ref(plan) as usize,
            {
                let mut h = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(at, &mut h);
                std::hash::Hasher::finish(&h)
            },
        );
        if !w.pass.walked.insert(key) {
            return;
        }
        let mut inner = Walk {
            plan,
            pass: w.pass,
            resource: w.resource,
        };
        self.walk_node(
            &mut inner,
            &plan.type_name,
            plan.root_node(),
            obj,
            at,
            depth + 1,
        );
    }

    /// Evaluates FHIRPath invariants at `focus` (ele-1 is checked natively, for primitives too).
    pub(super) fn check_invariants<'c>(
        &self,
        w: &mut Walk<'_>,
        constraints: impl IntoIterator<Item = &'c std::sync::Arc<plan::Constraint>>,
        focus: &Value,
        at: &str,
    ) {
        let focus_at = std::ptr::from_ref(focus) as usize;
        let resource_at = std::ptr::from_ref(w.resource) as usize;
        for c in constraints {
            if c.key == "ele-1" || !w.pass.invariants.insert((focus_at, resource_at, c.id)) {
                continue;
            }
            let severity = if c.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            };
            let outcome = match c.parsed() {
                Some(Ok(e)) => e.holds(focus, w.resource).map_err(|e| e.to_string()),
                Some(Err(e)) => Err(e.clone()),
                None => continue,
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => w.issue(
                    severity,
                    "invariant",
                    at,
                    format!("{}: {}", c.key, c.human),
                    "invariant",
                ),
                Err(e) => w.issue(
                    Severity::Warning,
                    "processing",
                    at,
                    format!("invariant {} could not be evaluated: {e}", c.key),
                    "invariant-error",
                ),
            }
        }
    }

    /// The profile a complex value is checked against when the current plan says nothing below it: the
    /// element type's declared profile (an extension definition, a data-type profile), or for an extension
    /// with an absolute `url`, the definition found by that URL; and whether the element declares it.
    fn type_profile<'a>(
        &self,
        def: &'a plan::ElementDef,
        type_code: Option<&str>,
        obj: &'a Map<String, Value>,
    ) -> Option<(&'a str, bool)> {
        let declared = def
            .types
            .iter()
            .find(|t| type_code.is_none_or(|tc| t.code == tc))
            .and_then(|t| t.profiles.first());
        if let Some(declared) = declared {
            return Some((declared, true));
        }
        if type_code == Some("Extension") {
            let url = field(obj, "url").and_then(Value::as_str)?;
            if url.starts_with("http") {
                return Some((url, false));
            }
        }
        None
    }
}

/// Texts at least this long are remembered once found valid (see [`primitive_problem_once`]).
const LONG_TEXT: usize = 4096;

/// A primitive's format problem. A long text found valid is not read again when a second definition reaches
/// the same value (the core definition and a profile both reach an attachment's megabytes of base64); a
/// problem is looked for again, so each definition reaching the value reports it as before.
fn primitive_problem_once(w: &mut Walk<'_>, tc: &str, v: &Value) -> Option<String> {
    let long = v
        .as_str()
        .filter(|text| text.len() >= LONG_TEXT)
        .map(|_| (std::ptr::from_ref(v) as usize, tc.to_string()));
    if long
        .as_ref()
        .is_some_and(|key| w.pass.valid_long.contains(key))
    {
        return None;
    }
    let problem = primitive_problem(tc, v);
    if let (None, Some(key)) = (&problem, long) {
        w.pass.valid_long.insert(key);
    }
    problem
}

/// A property of an object, matched to the child element it belongs to.
struct Hit<'v> {
    /// Index into the parent's children.
    child: usize,
    /// The property name without its `_`.
    name: &'v str,
    /// The type a choice property's name gives (`valueQuantity`: Quantity).
    choice: Option<&'v str>,
    /// `name` and `_name`.
    value: Option<&'v Value>,
    ext: Option<&'v Value>,
}

/// The element's type when it has one type code (several `Reference(...)` entries share the code `Reference`).
fn single_type(def: &plan::ElementDef) -> Option<&str> {
    let (first, rest) = def.types.split_first()?;
    // Most elements have one type: nothing to compare (a string compared with itself is still read).
    rest.iter()
        .all(|t| t.code == first.code)
        .then_some(first.code.as_str())
}

/// The type code a choice suffix (`Quantity`, `DateTime`) names, if the element allows it.
fn choice_type<'d>(def: &'d plan::ElementDef, suffix: &str) -> Option<&'d str> {
    def.types
        .iter()
        .find(|t| {
            let mut c = t.code.chars();
            let mut s = suffix.chars();
            match (c.next(), s.next()) {
                (Some(f), Some(g)) => {
                    f.to_uppercase().eq(std::iter::once(g)) && c.as_str() == s.as_str()
                }
                _ => false,
            }
        })
        .map(|t| t.code.as_str())
}

/// Appends `i` in decimal.
pub(super) fn push_index(out: &mut String, i: usize) {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[k..].iter().map(|&d| char::from(d)));
}

pub(super) fn matches_pattern(v: &Value, pattern: &Value) -> bool {
    match (v, pattern) {
        (Value::Object(o), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| o.get(k).is_some_and(|ov| matches_pattern(ov, pv))),
        (Value::Array(a), Value::Array(p)) => p
            .iter()
            .all(|pv| a.iter().any(|av| matches_pattern(av, pv))),
        _ => v == pattern,
    }
}
