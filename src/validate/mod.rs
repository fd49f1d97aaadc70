//! The profile validator: StructureDefinition-driven checks of FHIR resources, reported as an
//! OperationOutcome whose issues carry severity, issue code, a FHIRPath expression, a sentence, the rule and
//! the profile.
//!
//! Rules: unknown elements, JSON shape (array or single), cardinality, types and choice `[x]`, primitive
//! formats, fixed and pattern values, bindings (required = error, extensible = warning, code systems not held
//! locally = information), slicing by every STU3 discriminator kind, extensions checked against their
//! definitions and contexts, reference target types, contained resources and Bundle entries, FHIRPath
//! invariants (`fhirpath/`). Definitions come from `store.rs`, compiled per profile by `plan.rs` (snapshots generated for differential-only profiles by `snapshot.rs`); `sets.rs`
//! holds one validator per capability and the harness's expected-profile check.
//!
//! A `Parameters` resource that names an OperationDefinition (in `meta.profile`, or as a profile to check) is
//! checked against the operation's input parameters (`operation.rs`).

mod cache;
pub mod fhirpath;
mod operation;
pub mod plan;
pub mod sets;
pub mod snapshot;
pub mod store;

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use serde_json::{json, Map, Value};

pub use plan::Plan;
pub use sets::Validators;
pub use store::{Expansion, Store, StoreError};

/// Issue severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Issue {
    pub severity: Severity,
    /// FHIR `issue-type` code.
    pub code: &'static str,
    /// FHIRPath location, e.g. `Patient.identifier[0].system`.
    pub expression: String,
    pub message: String,
    /// The rule that produced the issue.
    pub rule: &'static str,
    /// The profile (or core definition) being checked.
    pub profile: String,
}

/// The issues as a FHIR OperationOutcome.
pub fn operation_outcome(issues: &[Issue]) -> Value {
    let issue: Vec<Value> = if issues.is_empty() {
        vec![
            json!({ "severity": "information", "code": "informational", "diagnostics": "No issues found" }),
        ]
    } else {
        issues
            .iter()
            .map(|i| {
                json!({
                    "severity": i.severity.as_str(),
                    "code": i.code,
                    "diagnostics": i.message,
                    "expression": [i.expression],
                    "extension": [
                        { "url": "urn:gpc-assure:validation-rule", "valueString": i.rule },
                        { "url": "urn:gpc-assure:validation-profile", "valueUri": i.profile }
                    ]
                })
            })
            .collect()
    };
    json!({ "resourceType": "OperationOutcome", "issue": issue })
}

const CORE: &str = "http://hl7.org/fhir/StructureDefinition/";
const MAX_DEPTH: usize = 64;
/// Rules whose finding is identified by where it is, not by which definition's wording reports it.
const STRUCTURAL_RULES: [&str; 6] = [
    "unknown-element",
    "cardinality-min",
    "cardinality-max",
    "json-shape",
    "primitive-format",
    "ele-1",
];

/// Validates resources against profiles; plans are compiled once and shared.
#[derive(Debug)]
pub struct Validator {
    store: Arc<Store>,
    /// `|1.0.2` for DSTU2, empty for STU3 (the highest version of each core definition).
    core_version: String,
    plans: cache::Cache<Result<Arc<Plan>, String>>,
    /// Core definitions by type code (the same plans as in `plans`, found without building their URL).
    core_plans: cache::Cache<Result<Arc<Plan>, String>>,
}

struct Walk<'a> {
    plan: &'a Plan,
    pass: &'a mut Pass,
    /// The resource being walked (`%resource` for invariants).
    resource: &'a Value,
}

/// One validation: its findings, and what it has already checked, so that a value reached again through a
/// second definition (the core definition and a profile walk the same Bundle entries and meet the same
/// invariants) is not checked again. A repeat would only add findings that `validate` drops as duplicates.
#[derive(Default)]
struct Pass {
    issues: Vec<Issue>,
    /// Resources validated by their own claims: (address of the resource, its expression).
    resources: rustc_hash::FxHashSet<(usize, String)>,
    /// Invariants evaluated: (address of the focus, address of the resource, the constraint's id).
    invariants: rustc_hash::FxHashSet<(usize, usize, u32)>,
    /// Values walked from the root of another plan (a data type, an extension definition): (address of the
    /// value, address of the plan, its expression).
    walked: rustc_hash::FxHashSet<(usize, usize, String)>,
    /// The resource type of each Bundle entry by its `fullUrl`, for references by `urn:uuid:` (and absolute
    /// URLs) between entries.
    full_urls: HashMap<String, String>,
    /// Whether a resource conforms to a profile (`profile` discriminators): (address of the resource, profile).
    conforms: HashMap<(usize, String), bool>,
}

impl Validator {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: String::new(),
            plans: cache::Cache::default(),
            core_plans: cache::Cache::default(),
        }
    }

    /// A validator for FHIR DSTU2 (1.0.2) core definitions.
    pub fn dstu2(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: "|1.0.2".into(),
            plans: cache::Cache::default(),
            core_plans: cache::Cache::default(),
        }
    }

    /// The definitions this validator reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn plan(&self, url: &str) -> Result<Arc<Plan>, String> {
        self.plans.get_or_insert_with(url, || {
            self.store
                .structure_definition(url)
                .map_err(|e| e.to_string())
                // A differential-only profile gets a snapshot generated from its base definition.
                .and_then(|sd| snapshot::ensure(&self.store, sd).map_err(|e| e.to_string()))
                .and_then(|sd| Plan::compile(&sd).map_err(|e| e.to_string()))
                .map(Arc::new)
        })
    }

    fn core_plan(&self, type_code: &str) -> Result<Arc<Plan>, String> {
        self.core_plans.get_or_insert_with(type_code, || {
            self.plan(&format!("{CORE}{type_code}{}", self.core_version))
        })
    }

    /// Validates `resource` against its core definition, the given profiles and (when `profiles` is empty)
    /// the profiles its `meta.profile` claims.
    pub fn validate(&self, resource: &Value, profiles: &[&str]) -> Vec<Issue> {
        let Some(rt) = resource.get("resourceType").and_then(Value::as_str) else {
            return vec![Issue {
                severity: Severity::Error,
                code: "structure",
                expression: "(root)".into(),
                message: "the content is not a FHIR resource: it has no resourceType".into(),
                rule: "resource-type",
                profile: String::new(),
            }];
        };
        let mut pass = Pass::default();
        self.validate_resource(resource, rt, rt, profiles, &mut pass, 0);
        let mut issues = pass.issues;
        // The core definition and a profile can reach the same extension or data type: report each finding once.
        // A structural finding is the same finding whichever definition reports it (a profile's inline view of an
        // extension names the element by a different path than the extension's own definition does).
        let mut seen = std::collections::HashSet::new();
        issues.retain(|i| {
            let message = if STRUCTURAL_RULES.contains(&i.rule) {
                String::new()
            } else if i.rule.starts_with("slice-cardinality") {
                // "slice `name` of <element path> ...": the slice, not the path that names its element.
                i.message
                    .split(" of ")
                    .next()
                    .unwrap_or_default()
                    .to_string()
            } else {
                i.message.clone()
            };
            seen.insert((i.severity, i.expression.clone(), i.rule, message))
        });
        issues
    }

    fn validate_resource(
        &self,
        resource: &Value,
        rt: &str,
        expr: &str,
        profiles: &[&str],
        pass: &mut Pass,
        depth: usize,
    ) {
        let claimed = profiles.is_empty();
        if claimed
            && !pass
                .resources
                .insert((std::ptr::from_ref(resource) as usize, expr.to_string()))
        {
            return;
        }
        if rt == "Bundle" {
            for entry in resource
                .get("entry")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let full_url = entry.get("fullUrl").and_then(Value::as_str);
                let entry_type = entry
                    .get("resource")
                    .and_then(|r| r.get("resourceType"))
                    .and_then(Value::as_str);
                if let (Some(u), Some(t)) = (full_url, entry_type) {
                    pass.full_urls
                        .entry(u.to_string())
                        .or_insert_with(|| t.to_string());
                }
            }
        }
        let mut urls: Vec<String> = vec![format!("{CORE}{rt}{}", self.core_version)];
        if claimed {
            for p in resource
                .pointer("/meta/profile")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(p) = p.as_str() {
                    urls.push(p.to_string());
                }
            }
        } else {
            urls.extend(profiles.iter().map(|p| (*p).to_string()));
        }
        for url in urls {
            if let Some(op) = self.operation_definition(&url) {
                if claimed {
                    pass.issues.push(Issue {
                        severity: Severity::Warning,
                        code: "invalid",
                        expression: format!("{expr}.meta.profile"),
                        message: format!(
                            "{url} is an OperationDefinition; meta.profile names StructureDefinitions \
                             (the parameters were checked against the operation)"
                        ),
                        rule: "profile-operation",
                        profile: url.clone(),
                    });
                }
                self.check_operation(resource, &op, &url, expr, &mut pass.issues, depth);
                continue;
            }
            match self.plan(&url) {
                Ok(plan) => {
                    if plan.type_name != rt {
                        pass.issues.push(Issue {
                            severity: Severity::Error,
                            code: "structure",
                            expression: expr.to_string(),
                            message: format!(
                                "the profile is for {}, the resource is a {rt}",
                                plan.type_name
                            ),
                            rule: "profile-type",
                            profile: url.clone(),
                        });
                        continue;
                    }
                    let mut w = Walk {
                        plan: &plan,
                        pass,
                        resource,
                    };
                    if let Some(root) = plan.element(&plan.type_name) {
                        self.check_invariants(&mut w, &root.constraints, resource, expr);
                    }
                    if let Some(obj) = resource.as_object() {
                        self.walk(&mut w, &plan.type_name, obj, expr, depth + 1);
                    }
                }
                Err(e) => pass.issues.push(Issue {
                    severity: if url.starts_with(CORE) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    code: "not-supported",
                    expression: expr.to_string(),
                    message: format!("profile {url} cannot be used: {e}"),
                    rule: "profile-resolve",
                    profile: url.clone(),
                }),
            }
        }
    }

    fn walk(
        &self,
        w: &mut Walk<'_>,
        def_path: &str,
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
        let children = plan.child_indices(def_path);
        // Each property, matched to the children it belongs to: (child, property name without its `_`, the type
        // a choice name gives). A property no child claims is an unknown element.
        let mut hits: Vec<Hit<'_>> = Vec::with_capacity(obj.len());
        for (key, property) in obj {
            if key == "resourceType" && def_path == plan.type_name || key == "fhir_comments" {
                continue;
            }
            let (name, value, ext) = match key.strip_prefix('_') {
                Some(name) => (name, None, Some(property)),
                None => (key.as_str(), Some(property), None),
            };
            let mut known = false;
            for (child, &i) in children.iter().enumerate() {
                let d = &plan.elements[i];
                let base = d.name.as_str();
                let choice = if base == name {
                    known = true;
                    if base.ends_with("[x]") {
                        continue;
                    }
                    None
                } else if let Some(t) = base
                    .strip_suffix("[x]")
                    .and_then(|stem| name.strip_prefix(stem))
                    .and_then(|suffix| choice_type(d, suffix))
                {
                    known = true;
                    Some(t)
                } else {
                    continue;
                };
                hits.push(Hit {
                    child,
                    name,
                    choice,
                    value,
                    ext,
                });
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
        // Cardinality and each value.
        let mut at = String::with_capacity(expr.len() + 24);
        let mut cursor = 0;
        for (ci, &i) in children.iter().enumerate() {
            let def = &plan.elements[i];
            let base = def.name.as_str();
            let first = cursor;
            while hits.get(cursor).is_some_and(|h| h.child == ci) {
                cursor += 1;
            }
            let present = &hits[first..cursor];
            let mut count = 0u64;
            let slices: Vec<&plan::ElementDef> = if def.slicing.is_some() {
                plan.slices(&def.id).collect()
            } else {
                Vec::new()
            };
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
                            self.check_value(w, slices[k], type_code, v, at, depth);
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
                            self.check_value(w, def, type_code, v, at, depth);
                        }
                        SliceMatch::Undecidable => {
                            slicing_decidable = false;
                            self.check_value(w, def, type_code, v, at, depth);
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

    fn check_value(
        &self,
        w: &mut Walk<'_>,
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
        if v.is_object() {
            // A data type's own invariants (per-1 on Period, ...) sit on the root of its definition.
            let type_plan = type_code
                .filter(|t| !is_primitive(t) && *t != "Resource" && *t != "DomainResource")
                .and_then(|tc| self.core_plan(tc).ok());
            let type_constraints = type_plan
                .as_ref()
                .and_then(|tp| tp.element(&tp.type_name))
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
            self.check_reference_target(w, def, v, at);
        }
        if let Some(tc) = type_code {
            if is_primitive(tc) {
                if let Some(problem) = primitive_problem(tc, v) {
                    w.issue(Severity::Error, "value", at, problem, "primitive-format");
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
        if let Some(rt) = obj.get("resourceType").and_then(Value::as_str).filter(|_| {
            type_code.is_none_or(|t| {
                t == "Resource" || t == "DomainResource" || !t.starts_with(char::is_lowercase)
            })
        }) {
            if type_code.is_none_or(|t| t == "Resource" || t == "DomainResource" || t == rt) {
                self.validate_resource(
                    v,
                    rt,
                    &format!("{at}.ofType({rt})"),
                    &[],
                    w.pass,
                    depth + 1,
                );
                return;
            }
        }
        if plan.has_children(&def.id) {
            self.walk(w, &def.id, obj, at, depth + 1);
        } else if let Some(profile) = self.type_profile(def, type_code, obj) {
            match self.plan(&profile) {
                Ok(tp) => {
                    // An extension the profile itself places here is sanctioned by the profile; one found
                    // only by its URL must respect its definition's context.
                    let declared = def.types.iter().any(|t| t.profiles.contains(&profile));
                    if type_code == Some("Extension") && tp.type_name == "Extension" && !declared {
                        self.check_extension_context(w, def, &profile, at);
                    }
                    self.walk_in(w, &tp, obj, at, depth)
                }
                Err(e) => w.issue(
                    if def.types.iter().any(|t| t.profiles.contains(&profile)) {
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
            match self.core_plan(tc) {
                Ok(tp) => self.walk_in(w, &tp, obj, at, depth),
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

    /// A literal reference must point at a resource of a type the element allows (`targetProfile`, or in DSTU2
    /// the Reference type's `profile`). Relative (`Patient/1`), absolute (`https://x/fhir/Patient/1`) and
    /// contained (`#id`) references are checked, and so are references to an entry of the Bundle being validated
    /// by its `fullUrl` (`urn:uuid:...`); other `urn:` and logical (identifier-only) references are not.
    fn check_reference_target(
        &self,
        w: &mut Walk<'_>,
        def: &plan::ElementDef,
        v: &Value,
        at: &str,
    ) {
        let Some(reference) = v.get("reference").and_then(Value::as_str) else {
            return;
        };
        let mut allowed: Vec<String> = Vec::new();
        for t in def.types.iter().filter(|t| t.code == "Reference") {
            let targets = if t.target_profiles.is_empty() {
                &t.profiles
            } else {
                &t.target_profiles
            };
            for url in targets {
                let type_name = match self.plan(url) {
                    Ok(p) => p.type_name.clone(),
                    Err(_) => match url.strip_prefix(CORE) {
                        Some(name) => name.split('|').next().unwrap_or(name).to_string(),
                        None => return, // an unknown target profile: nothing safe to check
                    },
                };
                if type_name == "Reference" {
                    continue;
                }
                if type_name == "Resource" || type_name == "DomainResource" {
                    return;
                }
                if !allowed.contains(&type_name) {
                    allowed.push(type_name);
                }
            }
        }
        if allowed.is_empty() {
            return;
        }
        allowed.sort();
        let target = if let Some(id) = reference.strip_prefix('#') {
            w.resource
                .get("contained")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
                .and_then(|c| c.get("resourceType").and_then(Value::as_str))
                .map(String::from)
        } else if let Some(t) = w.pass.full_urls.get(reference) {
            // An entry of the Bundle being validated, by its fullUrl.
            Some(t.clone())
        } else if reference.starts_with("urn:") {
            None
        } else {
            reference_type(reference)
        };
        let Some(target) = target else {
            return;
        };
        if !allowed.contains(&target) {
            w.issue(
                Severity::Error,
                "structure",
                &format!("{at}.reference"),
                format!(
                    "refers to a {target} (`{reference}`), but only {} may be referenced here",
                    allowed.join(" or ")
                ),
                "reference-target",
            );
        }
    }

    /// An extension may only appear where its definition's `context` allows (STU3 and DSTU2 `contextType`
    /// `resource` or `datatype`: element paths or type names; `extension` contexts are not checked).
    fn check_extension_context(
        &self,
        w: &mut Walk<'_>,
        def: &plan::ElementDef,
        url: &str,
        at: &str,
    ) {
        let Ok(sd) = self.store.structure_definition(url) else {
            return;
        };
        if sd.get("contextType").and_then(Value::as_str) == Some("extension") {
            return;
        }
        let contexts: Vec<&str> = sd
            .get("context")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if contexts.is_empty() {
            return;
        }
        let parent_def = def.path.rsplit_once('.').map_or("", |(p, _)| p);
        let mut candidates: Vec<String> = vec![instance_path_parent(at), parent_def.to_string()];
        // A bare resource-type context (`AllergyIntolerance`) is read as the resource and everything in it:
        // the CareConnect definitions name resources that way while their own profiles place the extension
        // deeper (Extension-coding-sctdescid on `AllergyIntolerance.code.coding`). Dotted paths are exact.
        let resource_root = candidates[0]
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string();
        let allows = |candidates: &[String]| {
            contexts.iter().any(|c| {
                matches!(*c, "*" | "Any" | "Element" | "Resource" | "DomainResource")
                    || *c == resource_root
                    || candidates.iter().any(|cand| {
                        cand == c
                            || c.strip_suffix("[x]").is_some_and(|stem| {
                                cand.strip_prefix(stem).is_some_and(|rest| {
                                    rest.starts_with(|ch: char| ch.is_ascii_uppercase())
                                })
                            })
                    })
            })
        };
        if allows(&candidates) {
            return;
        }
        // The parent's type names (`Extension` on a data type): looked up only when its paths did not allow it.
        for e in w.plan.elements.iter().filter(|e| e.path == parent_def) {
            candidates.extend(e.types.iter().map(|t| t.code.clone()));
        }
        if !allows(&candidates) {
            w.issue(
                Severity::Error,
                "structure",
                at,
                format!(
                    "extension {url} is not allowed on {}: its definition allows it on {}",
                    candidates[0],
                    contexts.join(", ")
                ),
                "extension-context",
            );
        }
    }

    fn check_binding(
        &self,
        w: &mut Walk<'_>,
        b: &plan::Binding,
        type_code: &str,
        v: &Value,
        at: &str,
    ) {
        if let Some(f) = self.binding_finding(b, type_code, v) {
            w.issue(f.severity, f.code, at, f.message, f.rule);
        }
    }

    /// What a binding says about a coded value, if anything.
    fn binding_finding(&self, b: &plan::Binding, type_code: &str, v: &Value) -> Option<Finding> {
        let (severity, rule) = match b.strength.as_str() {
            "required" => (Severity::Error, "binding-required"),
            "extensible" => (Severity::Warning, "binding-extensible"),
            _ => return None,
        };
        let codings: Vec<(Option<&str>, &str)> = match type_code {
            "code" | "string" | "uri" => v.as_str().map(|c| vec![(None, c)]).unwrap_or_default(),
            "Coding" => coding(v).into_iter().collect(),
            "CodeableConcept" => v
                .get("coding")
                .and_then(Value::as_array)
                .map(|cs| cs.iter().filter_map(coding).collect())
                .unwrap_or_default(),
            _ => return None,
        };
        if codings.is_empty() {
            return (type_code == "CodeableConcept" && severity == Severity::Error).then(|| {
                Finding {
                    severity,
                    code: "code-invalid",
                    message: format!("no coding from the required value set {}", b.value_set),
                    rule,
                }
            });
        }
        let expansion = self.store.expand(&b.value_set);
        let results: Vec<Option<bool>> = codings
            .iter()
            .map(|(s, c)| expansion.contains(*s, c))
            .collect();
        if results.iter().any(Option::is_none) {
            return match &*expansion {
                Expansion::External(why) => Some(Finding {
                    severity: Severity::Information,
                    code: "informational",
                    message: format!("codes not checked against {}: {why}", b.value_set),
                    rule: "binding-external",
                }),
                Expansion::Codes(_) => None,
            };
        }
        if results.contains(&Some(true)) {
            return None;
        }
        let shown: Vec<String> = codings
            .iter()
            .map(|(s, c)| format!("{}{c}", s.map(|s| format!("{s}|")).unwrap_or_default()))
            .collect();
        Some(Finding {
            severity,
            code: "code-invalid",
            message: format!(
                "{} is not in the value set {}",
                shown.join(", "),
                b.value_set
            ),
            rule,
        })
    }
}

/// A finding before it is tied to an expression and a profile.
struct Finding {
    severity: Severity,
    code: &'static str,
    message: String,
    rule: &'static str,
}

impl Validator {
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
            at.to_string(),
        );
        if !w.pass.walked.insert(key) {
            return;
        }
        let mut inner = Walk {
            plan,
            pass: w.pass,
            resource: w.resource,
        };
        self.walk(&mut inner, &plan.type_name, obj, at, depth + 1);
    }

    /// Evaluates FHIRPath invariants at `focus` (ele-1 is checked natively, for primitives too).
    fn check_invariants<'c>(
        &self,
        w: &mut Walk<'_>,
        constraints: impl IntoIterator<Item = &'c plan::Constraint>,
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
            let outcome = match &c.parsed.0 {
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

/// Which slice a value belongs to.
enum SliceMatch {
    Slice(usize),
    Unmatched,
    /// The discriminators cannot be evaluated with what the snapshot says (slice checks are skipped).
    Undecidable,
}

/// The values at a dotted path below `v` (arrays flatten); `None` for paths this walker cannot follow.
fn json_at<'v>(v: &'v Value, path: &str) -> Option<Vec<&'v Value>> {
    if path.contains('(') {
        return None;
    }
    let mut cur = vec![v];
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "$this") {
        let mut next = Vec::new();
        for c in cur {
            match c.get(part) {
                Some(Value::Array(a)) => next.extend(a.iter()),
                Some(x) => next.push(x),
                None => {}
            }
        }
        cur = next;
    }
    Some(cur)
}

impl Validator {
    fn slice_for(
        &self,
        plan: &Plan,
        base: &plan::ElementDef,
        slices: &[&plan::ElementDef],
        v: &Value,
        type_code: Option<&str>,
        pass: &mut Pass,
    ) -> SliceMatch {
        let Some(slicing) = &base.slicing else {
            return SliceMatch::Undecidable;
        };
        if slices.is_empty() {
            return SliceMatch::Unmatched;
        }
        if slicing.discriminators.is_empty() {
            return SliceMatch::Undecidable;
        }
        for (k, s) in slices.iter().enumerate() {
            let mut all = true;
            for discriminator in &slicing.discriminators {
                match self.discriminate(plan, s, discriminator, v, type_code, pass) {
                    Some(true) => {}
                    Some(false) => {
                        all = false;
                        break;
                    }
                    None => return SliceMatch::Undecidable,
                }
            }
            if all {
                return SliceMatch::Slice(k);
            }
        }
        SliceMatch::Unmatched
    }

    /// Whether `v` meets one discriminator of slice `s`; `None` when it cannot be decided.
    fn discriminate(
        &self,
        plan: &Plan,
        s: &plan::ElementDef,
        (kind, path): &(String, String),
        v: &Value,
        type_code: Option<&str>,
        pass: &mut Pass,
    ) -> Option<bool> {
        let instance = json_at(v, path)?;
        let target = if path == "$this" {
            Some(s)
        } else {
            plan.descendant(&s.id, path)
        };
        match kind.as_str() {
            "value" | "pattern" => {
                let expected = target
                    .and_then(|t| {
                        t.fixed
                            .as_ref()
                            .or(t.pattern.as_ref())
                            .map(|(_, x)| x.clone())
                    })
                    .or_else(|| {
                        (path == "url")
                            .then(|| {
                                s.types
                                    .first()
                                    .and_then(|t| t.profiles.first())
                                    .map(|p| Value::String(p.clone()))
                            })
                            .flatten()
                    })?;
                Some(instance.iter().any(|iv| matches_pattern(iv, &expected)))
            }
            "exists" => {
                let t = target?;
                let exists = !instance.is_empty();
                Some(if t.min > 0 {
                    exists
                } else if t.max == Some(0) {
                    !exists
                } else {
                    true
                })
            }
            "type" => {
                let t = target?;
                let actual = if path == "$this" {
                    type_code.map(String::from).or_else(|| {
                        v.get("resourceType")
                            .and_then(Value::as_str)
                            .map(String::from)
                    })
                } else {
                    instance
                        .first()
                        .and_then(|x| x.get("resourceType"))
                        .and_then(Value::as_str)
                        .map(String::from)
                }?;
                Some(t.types.iter().any(|tr| tr.code == actual))
            }
            "profile" => {
                let t = target?;
                let profiles: Vec<&String> = t.types.iter().flat_map(|tr| &tr.profiles).collect();
                if profiles.is_empty() {
                    return None;
                }
                let candidate = instance.first()?;
                let Some(rt) = candidate.get("resourceType").and_then(Value::as_str) else {
                    return Some(false);
                };
                Some(profiles.iter().any(|p| {
                    // The core definition and a profile slice the same list: each candidate is judged once.
                    let key = (std::ptr::from_ref(candidate) as usize, (*p).clone());
                    if let Some(&conforms) = pass.conforms.get(&key) {
                        return conforms;
                    }
                    let mut trial = Pass::default();
                    self.validate_resource(candidate, rt, rt, &[p.as_str()], &mut trial, 1);
                    let conforms = !trial.issues.iter().any(|i| i.severity == Severity::Error);
                    pass.conforms.insert(key, conforms);
                    conforms
                }))
            }
            _ => None,
        }
    }

    /// The profile a complex value is checked against when the current plan says nothing below it: the
    /// element type's declared profile (an extension definition, a data-type profile), or for an extension
    /// with an absolute `url`, the definition found by that URL.
    fn type_profile(
        &self,
        def: &plan::ElementDef,
        type_code: Option<&str>,
        obj: &Map<String, Value>,
    ) -> Option<String> {
        let declared = def
            .types
            .iter()
            .find(|t| type_code.is_none_or(|tc| t.code == tc))
            .and_then(|t| t.profiles.first())
            .cloned();
        if declared.is_some() {
            return declared;
        }
        if type_code == Some("Extension") {
            let url = obj.get("url").and_then(Value::as_str)?;
            if url.starts_with("http") {
                return Some(url.to_string());
            }
        }
        None
    }
}

impl Walk<'_> {
    fn issue(
        &mut self,
        severity: Severity,
        code: &'static str,
        expression: &str,
        message: String,
        rule: &'static str,
    ) {
        self.pass.issues.push(Issue {
            severity,
            code,
            expression: expression.to_string(),
            message,
            rule,
            profile: self.plan.url.clone(),
        });
    }
}

/// The element an extension at `at` sits on, as a path without indexes, rooted at the innermost resource:
/// `Bundle.entry[0].resource.ofType(Patient).identifier[0].extension[1]` -> `Patient.identifier`.
fn instance_path_parent(at: &str) -> String {
    let inner = match at.rfind(".ofType(") {
        Some(i) => {
            let rest = &at[i + ".ofType(".len()..];
            rest.replacen(')', "", 1)
        }
        None => at.to_string(),
    };
    let mut plain = String::with_capacity(inner.len());
    let mut depth = 0;
    for ch in inner.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => plain.push(ch),
            _ => {}
        }
    }
    match plain.rsplit_once('.') {
        Some((parent, _)) => parent.to_string(),
        None => plain,
    }
}

/// The resource type a literal reference names: `Patient/1`, `Patient/1/_history/2`, `https://x/fhir/Patient/1`.
fn reference_type(reference: &str) -> Option<String> {
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let n = parts.len();
    let (ty, _id) = if n >= 4 && parts[n - 2] == "_history" {
        (parts[n - 4], parts[n - 3])
    } else if n >= 2 {
        (parts[n - 2], parts[n - 1])
    } else {
        return None;
    };
    let is_type = ty.starts_with(|c: char| c.is_ascii_uppercase())
        && ty.chars().all(|c| c.is_ascii_alphanumeric());
    is_type.then(|| ty.to_string())
}

fn coding(v: &Value) -> Option<(Option<&str>, &str)> {
    let code = v.get("code").and_then(Value::as_str)?;
    Some((v.get("system").and_then(Value::as_str), code))
}

/// The element's type when it has one type code (several `Reference(...)` entries share the code `Reference`).
fn single_type(def: &plan::ElementDef) -> Option<&str> {
    let first = def.types.first()?;
    def.types
        .iter()
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
fn push_index(out: &mut String, i: usize) {
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

fn is_primitive(code: &str) -> bool {
    code.starts_with(char::is_lowercase)
}

fn matches_pattern(v: &Value, pattern: &Value) -> bool {
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

/// A regex compiled once per call site (the primitive formats are checked for every value).
macro_rules! static_regex {
    ($re:expr) => {{
        static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        RE.get_or_init(|| {
            regex::Regex::new($re)
                .unwrap_or_else(|_| regex::Regex::new("^$").unwrap_or_else(|_| unreachable!()))
        })
    }};
}

/// Byte classes for [`is_base64`]: 1 a base64 character, 2 ASCII whitespace, 0 anything else.
const BASE64_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=' {
            1
        } else if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            2
        } else {
            0
        };
        b += 1;
    }
    t
};

/// Whether `text` matches `^(\s*([0-9a-zA-Z+/=]){4}\s*)+$`: groups of four base64 characters, whitespace
/// only between groups, at least one group.
fn is_base64(text: &str) -> bool {
    let mut n = 0usize;
    if text.is_ascii() {
        // The usual case, by bytes through a table (ASCII whitespace is where `\s` and `char::is_whitespace`
        // agree): a branch per character on random data was the cost of a large attachment.
        let mut chunks = text.as_bytes().chunks_exact(64);
        for chunk in chunks.by_ref() {
            // Whole runs of base64 characters, tested without branches (vectorised).
            if chunk.iter().fold(true, |all, &b| {
                all & (b.is_ascii_alphanumeric() | (b == b'+') | (b == b'/') | (b == b'='))
            }) {
                n += chunk.len();
                continue;
            }
            for &b in chunk {
                match BASE64_CLASS[usize::from(b)] {
                    1 => n += 1,
                    2 if n % 4 == 0 => {}
                    _ => return false,
                }
            }
        }
        for &b in chunks.remainder() {
            match BASE64_CLASS[usize::from(b)] {
                1 => n += 1,
                2 if n % 4 == 0 => {}
                _ => return false,
            }
        }
        return n > 0 && n % 4 == 0;
    }
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            n += 1;
        } else if !(c.is_whitespace() && n % 4 == 0) {
            return false;
        }
    }
    n > 0 && n % 4 == 0
}

/// `^[^\s]+( [^\s]+)*$`: runs of non-whitespace joined by single spaces.
fn is_code(text: &str) -> bool {
    let mut previous_space = true; // no leading space
    for c in text.chars() {
        if c == ' ' {
            if previous_space {
                return false;
            }
            previous_space = true;
        } else if c.is_whitespace() {
            return false;
        } else {
            previous_space = false;
        }
    }
    !previous_space // not empty, no trailing space
}

/// `^[A-Za-z0-9\-\.]{1,64}$`.
fn is_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `^\S*$`.
fn is_uri(text: &str) -> bool {
    !text.chars().any(char::is_whitespace)
}

/// Why a JSON value is not a valid FHIR primitive of type `code`, if it is not.
fn primitive_problem(code: &str, v: &Value) -> Option<String> {
    let check_by = |valid: &dyn Fn(&str) -> bool, what: &str| -> Option<String> {
        match v.as_str() {
            Some(text) if valid(text) => None,
            Some(text) => Some(format!("`{text}` is not a valid {what}")),
            None => Some(format!("a {what} must be a JSON string, found {v}")),
        }
    };
    let check = |re: &regex::Regex, what: &str| check_by(&|text| re.is_match(text), what);
    match code {
        "boolean" => {
            (!v.is_boolean()).then(|| format!("a boolean must be true or false, found {v}"))
        }
        "integer" => {
            (!v.is_i64()).then(|| format!("an integer must be a JSON whole number, found {v}"))
        }
        "unsignedInt" => v
            .as_i64()
            .is_none_or(|n| n < 0)
            .then(|| format!("an unsignedInt must be a whole number >= 0, found {v}")),
        "positiveInt" => v
            .as_i64()
            .is_none_or(|n| n < 1)
            .then(|| format!("a positiveInt must be a whole number >= 1, found {v}")),
        "decimal" => {
            (!v.is_number()).then(|| format!("a decimal must be a JSON number, found {v}"))
        }
        "date" => check(
            static_regex!(r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"),
            "date (YYYY, YYYY-MM or YYYY-MM-DD)",
        ),
        "dateTime" => check(
            static_regex!(
                r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$"
            ),
            "dateTime",
        ),
        "instant" => check(
            static_regex!(
                r"^-?[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
            ),
            "instant",
        ),
        "time" => check(
            static_regex!(r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$"),
            "time",
        ),
        // `code`, `id` and `uri` are the commonest primitives: their regexes are checked by hand (the same
        // languages; `\s` is Unicode White_Space, as `char::is_whitespace`). Tested against the regexes.
        "code" => check_by(&is_code, "code (no leading, trailing or double spaces)"),
        "id" => check_by(&is_id, "id"),
        "oid" => check(static_regex!(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$"), "oid"),
        "uuid" => check(
            static_regex!(
                r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
            ),
            "uuid",
        ),
        "uri" => check_by(&is_uri, "uri"),
        // Same language as `^(\s*([0-9a-zA-Z+/=]){4}\s*)+$`, checked by hand: the regex cost ~15 ns a byte, which
        // made a 2 MB attachment the slowest thing in the official examples.
        "base64Binary" => match v.as_str() {
            Some(text) if is_base64(text) => None,
            Some(text) => Some(format!("`{text}` is not a valid base64Binary")),
            None => Some(format!("a base64Binary must be a JSON string, found {v}")),
        },
        "string" | "markdown" => match v {
            Value::String(t) if t.trim().is_empty() => {
                Some("a string must not be empty or only whitespace".into())
            }
            Value::String(_) => None,
            other => Some(format!("a string must be a JSON string, found {other}")),
        },
        "xhtml" => match v {
            Value::String(t) if t.trim_start().starts_with("<div") => None,
            _ => Some("narrative must be an XHTML <div>".into()),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::FhirPath;
    use std::sync::OnceLock;

    pub(crate) fn validator() -> &'static Validator {
        static V: OnceLock<Validator> = OnceLock::new();
        V.get_or_init(|| {
            let store = Store::new(FhirPath::development_default())
                .expect("../shared/fhir beside the repository");
            Validator::new(Arc::new(store))
        })
    }

    #[test]
    fn code_id_and_uri_checks_are_the_regexes_of_the_specification() {
        let code = regex::Regex::new(r"^[^\s]+( [^\s]+)*$").unwrap();
        let id = regex::Regex::new(r"^[A-Za-z0-9\-\.]{1,64}$").unwrap();
        let uri = regex::Regex::new(r"^\S*$").unwrap();
        let long = "a".repeat(64);
        let longer = "a".repeat(65);
        let cases = [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\u{a0}b",
            "\u{2003}",
            "é",
            "ab-c.d",
            "ab_c",
            "x y z",
            "http://x/y z",
            "urn:oid:1.2",
            "a\n",
            &long,
            &longer,
            "ü-1",
            "a b ",
        ];
        for c in cases {
            assert_eq!(is_code(c), code.is_match(c), "code {c:?}");
            assert_eq!(is_id(c), id.is_match(c), "id {c:?}");
            assert_eq!(is_uri(c), uri.is_match(c), "uri {c:?}");
        }
    }

    #[test]
    fn base64_check_is_the_regex_of_the_specification() {
        let re = regex::Regex::new(r"^(\s*([0-9a-zA-Z+/=]){4}\s*)+$").unwrap();
        for text in [
            "",
            " ",
            "QUJD",
            "QUJDRA==",
            "QUJ",
            "QUJDR",
            " QUJD ",
            "QUJD\nRA==\n",
            "QU JD",
            "QUJD RA==",
            "QUJD  RA=\t=",
            "QUJD\u{2003}RA==",
            "QUJD\u{00a0}",
            "QUJ\u{00a0}D",
            "QUJD-A==",
            "é===",
            "====",
            "\n\n",
            "QUJD\x0bRA==",
            "QUJD\x0cRA==",
            "QUJD\rRA==",
            "QUJD\x1cRA==",
            "QUJD\x00",
        ] {
            assert_eq!(is_base64(text), re.is_match(text), "{text:?}");
        }
        // Long values go through 64-byte runs: whitespace and bad characters inside and across runs.
        let long = "QUJD".repeat(100);
        let mut cases = vec![long.clone(), format!("{long}="), format!("{long}\n")];
        for at in [0, 3, 4, 63, 64, 65, 127, 128, 200, 399] {
            for insert in [" ", "\n", "-", "é", "\u{2003}"] {
                let mut t = long.clone();
                t.insert_str(at, insert);
                cases.push(t);
            }
        }
        for text in &cases {
            assert_eq!(is_base64(text), re.is_match(text), "{text:?}");
        }
    }

    fn errors(issues: &[Issue]) -> Vec<&Issue> {
        issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .collect()
    }

    fn example(rel: &str) -> Value {
        let p = FhirPath::development_default().existing().unwrap()[0]
            .join("nhsconnect-gpconnect-spec-examples")
            .join(rel);
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    fn gpc_patient() -> Value {
        let mut p = example("1.2.9/foundations/read_patient_response_example.json");
        // The published example codes the verification status in `https://fhir.nhs.uk/CareConnect-...`, a
        // system the required ValueSet does not include; the CodeSystem is under /STU3/CodeSystem/.
        p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["system"] =
            json!("https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1");
        p
    }

    fn broken(f: impl Fn(&mut Value)) -> Vec<Issue> {
        let mut p = gpc_patient();
        f(&mut p);
        validator().validate(&p, &[])
    }

    fn has_error(issues: &[Issue], expression: &str, rule: &str) -> bool {
        errors(issues)
            .iter()
            .any(|i| i.expression == expression && i.rule == rule)
    }

    #[test]
    fn the_published_example_has_a_wrong_verification_system() {
        let issues = validator().validate(
            &example("1.2.9/foundations/read_patient_response_example.json"),
            &[],
        );
        assert!(
            has_error(
                &issues,
                "Patient.identifier[0].extension[0].valueCodeableConcept",
                "binding-required"
            ),
            "{issues:#?}"
        );
    }

    #[test]
    fn the_official_gp_connect_patient_is_clean() {
        let issues = validator().validate(&gpc_patient(), &[]);
        assert!(errors(&issues).is_empty(), "{issues:#?}");
    }

    #[test]
    fn breakages_are_reported_at_their_expression() {
        type Breakage = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Breakage, &str, &str)> = vec![
            (
                Box::new(|p| p["photo"] = json!([{ "title": "x" }])),
                "Patient.photo",
                "cardinality-max",
            ),
            (
                Box::new(|p| p["birthDate"] = json!("02/06/1958")),
                "Patient.birthDate",
                "primitive-format",
            ),
            (
                Box::new(|p| p["favouriteColour"] = json!("blue")),
                "Patient.favouriteColour",
                "unknown-element",
            ),
            (
                Box::new(|p| p["gender"] = json!("F")),
                "Patient.gender",
                "binding-required",
            ),
            (
                Box::new(|p| p["address"] = json!([{}])),
                "Patient.address[0]",
                "ele-1",
            ),
            (
                Box::new(|p| p["telecom"] = json!([])),
                "Patient.telecom",
                "ele-1",
            ),
            (
                Box::new(|p| p["active"] = json!("yes")),
                "Patient.active",
                "primitive-format",
            ),
            (
                Box::new(|p| p["gender"] = json!(["female"])),
                "Patient.gender",
                "json-shape",
            ),
        ];
        for (f, expression, rule) in cases {
            let issues = broken(f);
            assert!(
                has_error(&issues, expression, rule),
                "{expression} {rule}: {issues:#?}"
            );
        }
    }

    fn gpc_outcome() -> Value {
        json!({
            "resourceType": "OperationOutcome",
            "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"] },
            "issue": [{
                "severity": "error",
                "code": "invalid",
                "details": { "coding": [{
                    "system": "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1",
                    "code": "BAD_REQUEST",
                    "display": "Bad request"
                }] },
                "diagnostics": "x"
            }]
        })
    }

    #[test]
    fn gp_connect_operation_outcome_fixed_system_and_single_coding() {
        let clean = validator().validate(&gpc_outcome(), &[]);
        assert!(errors(&clean).is_empty(), "{clean:#?}");
        let mut wrong = gpc_outcome();
        wrong["issue"][0]["details"]["coding"][0]["system"] =
            json!("https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1");
        let issues = validator().validate(&wrong, &[]);
        assert!(
            has_error(
                &issues,
                "OperationOutcome.issue[0].details.coding[0].system",
                "fixed-value"
            ),
            "{issues:#?}"
        );
        let mut two = gpc_outcome();
        let c = two["issue"][0]["details"]["coding"][0].clone();
        two["issue"][0]["details"]["coding"] = json!([c.clone(), c]);
        let issues = validator().validate(&two, &[]);
        assert!(
            has_error(
                &issues,
                "OperationOutcome.issue[0].details.coding",
                "cardinality-max"
            ),
            "{issues:#?}"
        );
    }

    #[test]
    fn not_a_resource_and_unknown_profiles() {
        let issues = validator().validate(&json!({ "id": "1" }), &[]);
        assert!(has_error(&issues, "(root)", "resource-type"));
        let issues = validator().validate(
            &gpc_patient(),
            &["https://example.org/StructureDefinition/nope"],
        );
        assert!(issues
            .iter()
            .any(|i| i.rule == "profile-resolve" && i.severity == Severity::Warning));
        let oo = operation_outcome(&issues);
        assert_eq!(oo["resourceType"], "OperationOutcome");
        assert_eq!(
            oo["issue"][0]["extension"][0]["valueString"],
            "profile-resolve"
        );
    }

    #[test]
    fn contained_and_bundle_entries_are_checked_against_their_definitions() {
        let mut bad = gpc_patient();
        bad["gender"] = json!("F");
        let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "entry": [{ "resource": bad }] });
        let issues = validator().validate(&bundle, &[]);
        assert!(
            has_error(
                &issues,
                "Bundle.entry[0].resource.ofType(Patient).gender",
                "binding-required"
            ),
            "{issues:#?}"
        );
    }

    #[test]
    fn slice_and_extension_breakages() {
        type Breakage = Box<dyn Fn(&mut Value)>;
        let ext = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1";
        let cases: Vec<(Breakage, &str, &str)> = vec![
            (
                Box::new(|p| p["identifier"][0]["use"] = json!("official")),
                "Patient.identifier[0].use",
                "cardinality-max",
            ),
            (
                Box::new(|p| {
                    p["identifier"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("extension");
                }),
                "Patient.identifier[0].extension",
                "slice-cardinality-min",
            ),
            (
                Box::new(move |p| {
                    p["identifier"][0]["extension"][0] = json!({ "url": ext, "valueString": "01" })
                }),
                "Patient.identifier[0].extension[0].valueString",
                "unknown-element",
            ),
            (
                Box::new(|p| {
                    p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
                        ["code"] = json!("99")
                }),
                "Patient.identifier[0].extension[0].valueCodeableConcept",
                "binding-required",
            ),
            (
                Box::new(|p| {
                    let n = p["name"][0].clone();
                    p["name"] = json!([n.clone(), n]);
                }),
                "Patient.name",
                "slice-cardinality-max",
            ),
            (
                Box::new(|p| {
                    p["name"][0].as_object_mut().unwrap().remove("family");
                }),
                "Patient.name[0].family",
                "cardinality-min",
            ),
        ];
        let mut missing = Vec::new();
        for (f, expression, rule) in cases {
            let issues = broken(f);
            if !has_error(&issues, expression, rule) {
                missing.push(format!(
                    "{expression} {rule}: got {:?}",
                    errors(&issues)
                        .iter()
                        .map(|i| (&i.expression, i.rule))
                        .collect::<Vec<_>>()
                ));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn expanded_extension_slices_are_also_checked_against_the_extension() {
        // CareConnect-GPC-Immunization-1 (a Forge snapshot) expands the parentPresent slice from core Extension,
        // so its value[x] allows every type; Extension-CareConnect-ParentPresent-1 allows only boolean. The walk
        // of the core definition resolves every extension by its URL, so the extension's rules still apply.
        let imm = json!({
            "resourceType": "Immunization",
            "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Immunization-1"] },
            "extension": [{
                "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ParentPresent-1",
                "valueString": "yes"
            }],
            "status": "completed", "notGiven": false,
            "vaccineCode": { "text": "x" },
            "patient": { "reference": "Patient/1" },
            "primarySource": true
        });
        let issues = validator().validate(&imm, &[]);
        assert!(
            errors(&issues)
                .iter()
                .any(|i| i.expression == "Immunization.extension[0].valueString"),
            "{issues:#?}"
        );
    }

    #[test]
    fn extension_context_is_checked() {
        assert_eq!(
            instance_path_parent(
                "Bundle.entry[0].resource.ofType(Patient).identifier[0].extension[1]"
            ),
            "Patient.identifier"
        );
        assert_eq!(instance_path_parent("Patient.extension[0]"), "Patient");
        // The NHS number verification status belongs on Patient.identifier, not on the Patient itself.
        let mut p = gpc_patient();
        let ext = p["identifier"][0]["extension"][0].clone();
        p["extension"] = json!([ext]);
        let issues = validator().validate(&p, &[]);
        assert!(
            has_error(&issues, "Patient.extension[0]", "extension-context"),
            "{issues:#?}"
        );
        let clean = validator().validate(&gpc_patient(), &[]);
        assert!(
            !clean.iter().any(|i| i.rule == "extension-context"),
            "{clean:#?}"
        );
    }

    #[test]
    fn reference_targets_are_checked() {
        assert_eq!(reference_type("Patient/1").as_deref(), Some("Patient"));
        assert_eq!(
            reference_type("https://x/fhir/Practitioner/2/_history/3").as_deref(),
            Some("Practitioner")
        );
        assert_eq!(reference_type("urn:uuid:1234"), None);
        assert_eq!(reference_type("Patient"), None);
        // CareConnect-GPC-Patient-1 generalPractitioner allows Practitioner (and Organization), not Location.
        let mut p = gpc_patient();
        p["generalPractitioner"] = json!([{ "reference": "Location/1" }]);
        let issues = validator().validate(&p, &[]);
        assert!(
            has_error(
                &issues,
                "Patient.generalPractitioner[0].reference",
                "reference-target"
            ),
            "{issues:#?}"
        );
        p["generalPractitioner"] = json!([{ "reference": "Practitioner/1" }]);
        let issues = validator().validate(&p, &[]);
        assert!(
            !issues.iter().any(|i| i.rule == "reference-target"),
            "{issues:#?}"
        );
        // A contained target is resolved by id.
        p["contained"] = json!([{ "resourceType": "Location", "id": "loc" }]);
        p["generalPractitioner"] = json!([{ "reference": "#loc" }]);
        let issues = validator().validate(&p, &[]);
        assert!(
            has_error(
                &issues,
                "Patient.generalPractitioner[0].reference",
                "reference-target"
            ),
            "{issues:#?}"
        );
    }

    #[test]
    fn references_between_bundle_entries_by_full_url_are_checked() {
        let bundle = |target: &str| {
            json!({
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    { "fullUrl": "urn:uuid:1b6f7b4c-5d5e-4a0e-9d0b-1c2d3e4f5a6b",
                      "resource": { "resourceType": target, "id": "t" } },
                    { "fullUrl": "urn:uuid:2c7a8b5d-6e6f-4b1f-8e1c-2d3e4f5a6b7c",
                      "resource": { "resourceType": "Encounter", "id": "e", "status": "finished",
                                    "subject": { "reference": "urn:uuid:1b6f7b4c-5d5e-4a0e-9d0b-1c2d3e4f5a6b" } } }
                ]
            })
        };
        let at = "Bundle.entry[1].resource.ofType(Encounter).subject.reference";
        let wrong = validator().validate(&bundle("Organization"), &[]);
        assert!(has_error(&wrong, at, "reference-target"), "{wrong:#?}");
        let right = validator().validate(&bundle("Patient"), &[]);
        assert!(
            !right.iter().any(|i| i.rule == "reference-target"),
            "{right:#?}"
        );
    }

    #[test]
    fn invariants_are_evaluated() {
        let issues = broken(|p| {
            p["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" })
        });
        assert!(
            errors(&issues)
                .iter()
                .any(|i| i.expression == "Patient.name[0].period"
                    && i.rule == "invariant"
                    && i.message.starts_with("per-1")),
            "{issues:#?}"
        );
        let ok = broken(|p| {
            p["name"][0]["period"] = json!({ "start": "2010-01-01", "end": "2011-01-01" })
        });
        assert!(!ok.iter().any(|i| i.rule == "invariant"), "{ok:#?}");
        let mut contained = gpc_patient();
        contained["contained"] = json!([{ "resourceType": "Organization", "id": "o1", "name": "x", "text": { "status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>" } }]);
        let issues = validator().validate(&contained, &[]);
        assert!(
            errors(&issues)
                .iter()
                .any(|i| i.rule == "invariant" && i.message.starts_with("dom-")),
            "{issues:#?}"
        );
    }

    /// The core Bundle definition and the Bundle's profile both walk the entries: what the first walk checked
    /// is not checked again, and what it found is kept, once.
    #[test]
    fn an_entry_met_through_two_definitions_is_reported_once() {
        let mut patient = gpc_patient();
        patient["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" });
        patient["photo"] = json!([{ "url": "https://example.org/photo" }]);
        let bundle = json!({
            "resourceType": "Bundle",
            "meta": { "profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Searchset-Bundle-1"] },
            "type": "searchset",
            "entry": [{ "fullUrl": "https://example.org/fhir/Patient/1", "resource": patient }]
        });
        let issues = validator().validate(&bundle, &[]);
        let at = "Bundle.entry[0].resource.ofType(Patient)";
        let per1: Vec<&Issue> = issues
            .iter()
            .filter(|i| i.message.starts_with("per-1"))
            .collect();
        assert_eq!(per1.len(), 1, "{issues:#?}");
        assert_eq!(per1[0].expression, format!("{at}.name[0].period"));
        assert!(
            has_error(&issues, &format!("{at}.photo"), "cardinality-max"),
            "{issues:#?}"
        );
    }

    #[test]
    fn xml_and_json_forms_give_the_same_issues() {
        let model = crate::fhir::stu3_model(&FhirPath::development_default()).unwrap();
        let mut cases = vec![gpc_patient(), gpc_outcome()];
        let mut broken_patient = gpc_patient();
        broken_patient["gender"] = json!("F");
        broken_patient["name"][0]["period"] = json!({ "start": "2011-01-01", "end": "2010-01-01" });
        broken_patient["photo"] = json!([{ "title": "x" }]);
        cases.push(broken_patient);
        for resource in cases {
            let xml = crate::fhir::xml::json_to_xml(&resource).unwrap();
            let from_xml = crate::fhir::xml::xml_to_json(&xml, &model).unwrap();
            assert_eq!(
                validator().validate(&resource, &[]),
                validator().validate(&from_xml, &[])
            );
        }
    }

    #[test]
    fn the_resources_inside_the_harness_jwt_are_valid() {
        let jwt = crate::spine::jwt::Jwt::build(
            &crate::config::JwtConfig::default(),
            "https://p/fhir",
            "patient/*.read",
            0,
        );
        for claim in [
            "requesting_device",
            "requesting_organization",
            "requesting_practitioner",
        ] {
            let issues = validator().validate(&jwt.claims[claim], &[]);
            assert!(errors(&issues).is_empty(), "{claim}: {issues:#?}");
        }
    }

    fn itk_message_header() -> Value {
        json!({
            "resourceType": "MessageHeader",
            "extension": [{
                "url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2",
                "extension": [
                    { "url": "BusAckRequested", "valueBoolean": false },
                    { "url": "InfAckRequested", "valueBoolean": false },
                    { "url": "RecipientType", "valueCoding": {
                        "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1",
                        "code": "FA",
                        "display": "For Action"
                    } },
                    { "url": "MessageDefinition", "valueReference": {
                        "reference": "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-Instance-1"
                    } },
                    { "url": "SenderReference", "valueString": "None" },
                    { "url": "LocalExtension", "valueString": "None" }
                ]
            }],
            "event": {
                "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
                "code": "ITK008M",
                "display": "ITK Response"
            },
            "timestamp": "2017-01-23T10:10:16+00:00",
            "source": { "endpoint": "NOROT003" }
        })
    }

    #[test]
    fn irregular_ids_of_constrained_choices_reach_their_children() {
        // Extension-ITK-MessageHandling-2 names its constrained choices `valueBoolean:valueBoolean` and
        // `value[x]:valueCoding`, and the children of the latter `valueCoding:valueCoding.system`.
        let clean = validator().validate(&itk_message_header(), &[]);
        assert!(errors(&clean).is_empty(), "{clean:#?}");
        let mut no_display = itk_message_header();
        no_display["extension"][0]["extension"][2]["valueCoding"]
            .as_object_mut()
            .unwrap()
            .remove("display");
        let issues = validator().validate(&no_display, &[]);
        assert!(
            has_error(
                &issues,
                "MessageHeader.extension[0].extension[2].valueCoding.display",
                "cardinality-min"
            ),
            "{issues:#?}"
        );
        let mut versioned = itk_message_header();
        versioned["extension"][0]["extension"][2]["valueCoding"]["version"] = json!("1");
        let issues = validator().validate(&versioned, &[]);
        assert!(
            has_error(
                &issues,
                "MessageHeader.extension[0].extension[2].valueCoding.version",
                "cardinality-max"
            ),
            "{issues:#?}"
        );
    }

    fn medication_request(quantity: Value) -> Value {
        json!({
            "resourceType": "MedicationRequest",
            "intent": "plan",
            "medicationReference": { "reference": "Medication/1" },
            "subject": { "reference": "Patient/1" },
            "dispenseRequest": { "quantity": quantity }
        })
    }

    #[test]
    fn simple_quantity_is_walked_from_its_own_root() {
        // SimpleQuantity's root element id is `Quantity:simplequantity`.
        let clean = validator().validate(
            &medication_request(json!({ "value": 28, "unit": "tablet" })),
            &[],
        );
        assert!(errors(&clean).is_empty(), "{clean:#?}");
        let issues = validator().validate(
            &medication_request(json!({ "value": 28, "comparator": "<" })),
            &[],
        );
        assert!(
            has_error(
                &issues,
                "MedicationRequest.dispenseRequest.quantity.comparator",
                "cardinality-max"
            ),
            "{issues:#?}"
        );
    }

    #[test]
    fn one_finding_reached_through_a_profile_and_an_extension_is_reported_once() {
        // CareConnect-GPC-MedicationRequest-1 repeats the repeat-information extension inline; the extension's
        // own definition says the same about `valuePositiveInt`.
        let bundle = example("1.6.2/accessrecord_structured/meds_response.json");
        let issues = validator().validate(&bundle, &[]);
        let at = "Bundle.entry[11].resource.ofType(MedicationRequest).extension[0].extension[0]";
        let unknown = errors(&issues)
            .iter()
            .filter(|i| {
                i.expression == format!("{at}.valuePositiveInt") && i.rule == "unknown-element"
            })
            .count();
        let missing = errors(&issues)
            .iter()
            .filter(|i| {
                i.expression == format!("{at}.valueUnsignedInt") && i.rule == "cardinality-min"
            })
            .count();
        assert_eq!((unknown, missing), (1, 1), "{issues:#?}");
        // CareConnect-GPC-ProblemHeader-Condition-1 repeats Extension-coding-sctdescid inline: its missing
        // `descriptionId` slice is one finding.
        let diary = example("1.6.2/accessrecord_structured/diaryentries_response1.json");
        let issues = validator().validate(&diary, &[]);
        let slice = errors(&issues)
            .iter()
            .filter(|i| {
                i.expression
                    == "Bundle.entry[8].resource.ofType(Condition).code.coding[0].extension[0].extension"
                    && i.rule == "slice-cardinality-min"
            })
            .count();
        assert_eq!(slice, 1, "{issues:#?}");
    }

    fn structured_request(parameter: Value) -> Value {
        json!({
            "resourceType": "Parameters",
            "meta": { "profile": [
                "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1"
            ] },
            "parameter": parameter
        })
    }

    fn nhs_number() -> Value {
        json!({
            "name": "patientNHSNumber",
            "valueIdentifier": { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9999999999" }
        })
    }

    #[test]
    fn parameters_are_checked_against_a_claimed_operation_definition() {
        let clean = validator().validate(
            &structured_request(json!([nhs_number(), {
                "name": "includeProblems",
                "part": [{ "name": "filterStatus", "valueCode": "active" }]
            }])),
            &[],
        );
        assert!(errors(&clean).is_empty(), "{clean:#?}");
        assert!(clean.iter().any(|i| i.rule == "profile-operation"));
        type Case = (Value, &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                json!([{ "name": "includeAllergies", "part": [{ "name": "includeResolvedAllergies", "valueBoolean": true }] }]),
                "Parameters.parameter",
                "operation-cardinality-min",
            ),
            (
                json!([nhs_number(), nhs_number()]),
                "Parameters.parameter",
                "operation-cardinality-max",
            ),
            (
                json!([nhs_number(), { "name": "includeReferrals", "part": [{ "name": "referralsSearchPeriod", "valuePeriod": { "start": "2019-01-25" } }] }]),
                "Parameters.parameter[1].part[0]",
                "operation-parameter-unknown",
            ),
            (
                json!([{ "name": "patientNHSNumber", "valueString": "9999999999" }]),
                "Parameters.parameter[0].valueString",
                "operation-parameter-type",
            ),
            (
                json!([nhs_number(), { "name": "includeProblems", "part": [{ "name": "filterStatus", "valueCode": "sleeping" }] }]),
                "Parameters.parameter[1].part[0].valueCode",
                "binding-required",
            ),
            (
                json!([nhs_number(), { "name": "includeAllergies", "valueBoolean": true, "part": [{ "name": "includeResolvedAllergies", "valueBoolean": true }] }]),
                "Parameters.parameter[1].valueBoolean",
                "operation-parameter-type",
            ),
        ];
        let mut missing = Vec::new();
        for (parameter, expression, rule) in cases {
            let issues = validator().validate(&structured_request(parameter), &[]);
            if !has_error(&issues, expression, rule) {
                missing.push(format!("{expression} {rule}: {issues:#?}"));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn a_resource_parameter_is_checked_against_the_operations_profile() {
        let op =
            "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-RegisterPatient-Operation-1";
        let mut patient = gpc_patient();
        patient.as_object_mut().unwrap().remove("meta");
        patient["gender"] = json!("F");
        let params = json!({ "resourceType": "Parameters", "parameter": [{ "name": "registerPatient", "resource": patient }] });
        let issues = validator().validate(&params, &[op]);
        // Checked against CareConnect-GPC-Patient-1 although the patient claims no profile.
        assert!(
            issues.iter().any(|i| i.expression
                == "Parameters.parameter[0].resource.ofType(Patient).gender"
                && i.rule == "binding-required"
                && i.profile.ends_with("CareConnect-GPC-Patient-1")),
            "{issues:#?}"
        );
        let org = json!({ "resourceType": "Parameters", "parameter": [{ "name": "registerPatient", "resource": { "resourceType": "Organization", "name": "x" } }] });
        let issues = validator().validate(&org, &[op]);
        assert!(
            has_error(
                &issues,
                "Parameters.parameter[0].resource",
                "operation-parameter-type"
            ),
            "{issues:#?}"
        );
        let issues = validator().validate(&gpc_patient(), &[op]);
        assert!(has_error(&issues, "Patient", "profile-type"), "{issues:#?}");
    }
}
