//! The profile validator: StructureDefinition-driven checks of FHIR resources, reported as an
//! OperationOutcome whose issues carry severity, issue code, a FHIRPath expression, a sentence, the rule and
//! the profile.
//!
//! Implemented so far: unknown elements, JSON shape (array or single), cardinality, types and choice `[x]`,
//! primitive formats, fixed and pattern values, bindings (required = error, extensible = warning, code systems
//! not held locally = information), contained / inline resources against their core definition. Still to come
//! (issue 3): slicing, snapshot generation for differential-only profiles, extensions by definition,
//! reference targets, FHIRPath invariants.

pub mod fhirpath;
pub mod plan;
pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

pub use plan::Plan;
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

/// Validates resources against profiles; plans are compiled once and shared.
#[derive(Debug)]
pub struct Validator {
    store: Arc<Store>,
    /// `|1.0.2` for DSTU2, empty for STU3 (the highest version of each core definition).
    core_version: String,
    plans: Mutex<HashMap<String, Result<Arc<Plan>, String>>>,
    /// Invariant expressions, parsed once.
    exprs: Mutex<HashMap<String, Result<Arc<fhirpath::Expr>, String>>>,
}

struct Walk<'a> {
    plan: &'a Plan,
    issues: &'a mut Vec<Issue>,
    /// The resource being walked (`%resource` for invariants).
    resource: &'a Value,
}

impl Validator {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: String::new(),
            plans: Mutex::default(),
            exprs: Mutex::default(),
        }
    }

    /// A validator for FHIR DSTU2 (1.0.2) core definitions.
    pub fn dstu2(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: "|1.0.2".into(),
            plans: Mutex::default(),
            exprs: Mutex::default(),
        }
    }

    pub fn plan(&self, url: &str) -> Result<Arc<Plan>, String> {
        if let Some(p) = self
            .plans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(url)
        {
            return p.clone();
        }
        let compiled = self
            .store
            .structure_definition(url)
            .map_err(|e| e.to_string())
            .and_then(|sd| Plan::compile(&sd).map_err(|e| e.to_string()))
            .map(Arc::new);
        self.plans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(url.to_string(), compiled.clone());
        compiled
    }

    fn core_plan(&self, type_code: &str) -> Result<Arc<Plan>, String> {
        self.plan(&format!("{CORE}{type_code}{}", self.core_version))
    }

    /// Validates `resource` against its core definition, the given profiles and (when `profiles` is empty)
    /// the profiles its `meta.profile` claims.
    pub fn validate(&self, resource: &Value, profiles: &[&str]) -> Vec<Issue> {
        let mut issues = Vec::new();
        let Some(rt) = resource.get("resourceType").and_then(Value::as_str) else {
            issues.push(Issue {
                severity: Severity::Error,
                code: "structure",
                expression: "(root)".into(),
                message: "the content is not a FHIR resource: it has no resourceType".into(),
                rule: "resource-type",
                profile: String::new(),
            });
            return issues;
        };
        self.validate_resource(resource, rt, rt, profiles, &mut issues, 0);
        // The core definition and a profile can reach the same extension or data type: report each finding once.
        let mut seen = std::collections::HashSet::new();
        issues
            .retain(|i| seen.insert((i.severity, i.expression.clone(), i.rule, i.message.clone())));
        issues
    }

    fn validate_resource(
        &self,
        resource: &Value,
        rt: &str,
        expr: &str,
        profiles: &[&str],
        issues: &mut Vec<Issue>,
        depth: usize,
    ) {
        let mut urls: Vec<String> = vec![format!("{CORE}{rt}{}", self.core_version)];
        if profiles.is_empty() {
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
            match self.plan(&url) {
                Ok(plan) => {
                    if plan.type_name != rt {
                        issues.push(Issue {
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
                        issues,
                        resource,
                    };
                    if let Some(root) = plan.element(&plan.type_name) {
                        self.check_invariants(&mut w, &root.constraints, resource, expr);
                    }
                    if let Some(obj) = resource.as_object() {
                        self.walk(&mut w, &plan.type_name, obj, expr, depth + 1);
                    }
                }
                Err(e) => issues.push(Issue {
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
        // Borrowed from the plan (which outlives the walk), not cloned: cloning every child definition of
        // every object was the largest cost of a validation. Names are split off once per object.
        let children: Vec<(&plan::ElementDef, &str)> = plan
            .children(def_path)
            .map(|d| (d, d.path.rsplit('.').next().unwrap_or_default()))
            .collect();
        // Unknown elements.
        for key in obj.keys() {
            if key == "resourceType" && def_path == plan.type_name || key == "fhir_comments" {
                continue;
            }
            let name = key.strip_prefix('_').unwrap_or(key);
            if !children
                .iter()
                .any(|&(d, base)| is_child_named(d, base, name))
            {
                w.issue(
                    Severity::Error,
                    "structure",
                    &format!("{expr}.{name}"),
                    format!("`{name}` is not an element of {def_path}"),
                    "unknown-element",
                );
            }
        }
        // Cardinality and each value.
        for &(def, base) in &children {
            let present: Vec<(String, Option<String>)> =
                if let Some(stem) = base.strip_suffix("[x]") {
                    obj.keys()
                        .filter_map(|k| {
                            let k2 = k.strip_prefix('_').unwrap_or(k);
                            let suffix = k2.strip_prefix(stem)?;
                            let t = choice_type(def, suffix)?;
                            Some((k2.to_string(), Some(t)))
                        })
                        .collect::<std::collections::BTreeMap<_, _>>()
                        .into_iter()
                        .collect()
                } else if obj.contains_key(base)
                    || obj
                        .keys()
                        .any(|k| k.strip_prefix('_').is_some_and(|k| k == base))
                {
                    vec![(base.to_string(), None)]
                } else {
                    Vec::new()
                };
            let mut count = 0u64;
            let slices: Vec<&plan::ElementDef> = if def.slicing.is_some() {
                plan.slices(&def.id).collect()
            } else {
                Vec::new()
            };
            let mut slice_counts = vec![0u64; slices.len()];
            let mut slicing_decidable = true;
            for (key, choice) in &present {
                let value = obj.get(key);
                let ext = obj.get(&format!("_{key}"));
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
                let type_code = choice.clone().or_else(|| single_type(def));
                if matches!(value, Some(Value::Array(a)) if a.is_empty()) {
                    w.issue(
                        Severity::Error,
                        "structure",
                        &format!("{expr}.{key}"),
                        "an array must not be empty".into(),
                        "ele-1",
                    );
                }
                let values: Vec<&Value> = match value {
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(v) => vec![v],
                    None => Vec::new(),
                };
                for (i, v) in values.iter().enumerate() {
                    let at = if is_array {
                        format!("{expr}.{key}[{i}]")
                    } else {
                        format!("{expr}.{key}")
                    };
                    match self.slice_for(plan, def, &slices, v, type_code.as_deref()) {
                        SliceMatch::Slice(k) => {
                            slice_counts[k] += 1;
                            self.check_value(w, slices[k], type_code.as_deref(), v, &at, depth);
                        }
                        SliceMatch::Unmatched => {
                            if def.slicing.as_ref().is_some_and(|sl| sl.rules == "closed") {
                                w.issue(
                                    Severity::Error,
                                    "structure",
                                    &at,
                                    format!(
                                        "matches none of the slices of {} (slicing is closed)",
                                        def.path
                                    ),
                                    "slicing-closed",
                                );
                            }
                            self.check_value(w, def, type_code.as_deref(), v, &at, depth);
                        }
                        SliceMatch::Undecidable => {
                            slicing_decidable = false;
                            self.check_value(w, def, type_code.as_deref(), v, &at, depth);
                        }
                    }
                }
            }
            // Only built when there is something to report (most definitions have nothing to say).
            let at = || format!("{expr}.{}", base.trim_end_matches("[x]"));
            if slicing_decidable {
                for (slice, n) in slices.iter().zip(&slice_counts) {
                    let name = slice.slice_name.as_deref().unwrap_or_default();
                    if *n < slice.min {
                        w.issue(
                            Severity::Error,
                            "required",
                            &at(),
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
                            &at(),
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
                    &at(),
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
                        &at(),
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
            let mut constraints: Vec<&plan::Constraint> = def.constraints.iter().collect();
            // A data type's own invariants (per-1 on Period, ...) sit on the root of its definition.
            let type_plan = type_code
                .filter(|t| !is_primitive(t) && *t != "Resource" && *t != "DomainResource")
                .and_then(|tc| self.core_plan(tc).ok());
            if let Some(root) = type_plan.as_ref().and_then(|tp| tp.element(&tp.type_name)) {
                for c in &root.constraints {
                    if !constraints.iter().any(|x| x.key == c.key) {
                        constraints.push(c);
                    }
                }
            }
            self.check_invariants(w, constraints, v, at);
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
                    w.issues,
                    depth + 1,
                );
                return;
            }
        }
        if plan.has_children(&def.id) {
            self.walk(w, &def.id, obj, at, depth + 1);
        } else if let Some(profile) = self.type_profile(def, type_code, obj) {
            match self.plan(&profile) {
                Ok(tp) => self.walk_in(w, &tp, obj, at, depth),
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

    fn check_binding(
        &self,
        w: &mut Walk<'_>,
        b: &plan::Binding,
        type_code: &str,
        v: &Value,
        at: &str,
    ) {
        let (severity, rule) = match b.strength.as_str() {
            "required" => (Severity::Error, "binding-required"),
            "extensible" => (Severity::Warning, "binding-extensible"),
            _ => return,
        };
        let codings: Vec<(Option<&str>, &str)> = match type_code {
            "code" | "string" | "uri" => v.as_str().map(|c| vec![(None, c)]).unwrap_or_default(),
            "Coding" => coding(v).into_iter().collect(),
            "CodeableConcept" => v
                .get("coding")
                .and_then(Value::as_array)
                .map(|cs| cs.iter().filter_map(coding).collect())
                .unwrap_or_default(),
            _ => return,
        };
        if codings.is_empty() {
            if type_code == "CodeableConcept" && severity == Severity::Error {
                w.issue(
                    severity,
                    "code-invalid",
                    at,
                    format!("no coding from the required value set {}", b.value_set),
                    rule,
                );
            }
            return;
        }
        let expansion = self.store.expand(&b.value_set);
        let results: Vec<Option<bool>> = codings
            .iter()
            .map(|(s, c)| expansion.contains(*s, c))
            .collect();
        if results.iter().any(Option::is_none) {
            if let Expansion::External(why) = &*expansion {
                w.issue(
                    Severity::Information,
                    "informational",
                    at,
                    format!("codes not checked against {}: {why}", b.value_set),
                    "binding-external",
                );
            }
            return;
        }
        if !results.contains(&Some(true)) {
            let shown: Vec<String> = codings
                .iter()
                .map(|(s, c)| format!("{}{c}", s.map(|s| format!("{s}|")).unwrap_or_default()))
                .collect();
            w.issue(
                severity,
                "code-invalid",
                at,
                format!(
                    "{} is not in the value set {}",
                    shown.join(", "),
                    b.value_set
                ),
                rule,
            );
        }
    }
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
        let mut inner = Walk {
            plan,
            issues: w.issues,
            resource: w.resource,
        };
        self.walk(&mut inner, &plan.type_name, obj, at, depth + 1);
    }

    fn expr(&self, source: &str) -> Result<Arc<fhirpath::Expr>, String> {
        let mut cache = self
            .exprs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(source.to_string())
            .or_insert_with(|| {
                fhirpath::parse(source)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// Evaluates FHIRPath invariants at `focus` (ele-1 is checked natively, for primitives too).
    fn check_invariants<'c>(
        &self,
        w: &mut Walk<'_>,
        constraints: impl IntoIterator<Item = &'c plan::Constraint>,
        focus: &Value,
        at: &str,
    ) {
        for c in constraints {
            let Some(source) = c.expression.as_deref() else {
                continue;
            };
            if c.key == "ele-1" {
                continue;
            }
            let severity = if c.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            };
            match self
                .expr(source)
                .and_then(|e| e.holds(focus, w.resource).map_err(|e| e.to_string()))
            {
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
            for (kind, path) in &slicing.discriminators {
                match self.discriminate(plan, s, kind, path, v, type_code) {
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
        kind: &str,
        path: &str,
        v: &Value,
        type_code: Option<&str>,
    ) -> Option<bool> {
        let instance = json_at(v, path)?;
        let target = if path == "$this" {
            Some(s)
        } else {
            plan.descendant(&s.id, path)
        };
        match kind {
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
                Some(profiles.iter().any(|p| {
                    let rt = candidate.get("resourceType").and_then(Value::as_str);
                    let issues = match rt {
                        Some(rt) => {
                            let mut issues = Vec::new();
                            self.validate_resource(
                                candidate,
                                rt,
                                rt,
                                &[p.as_str()],
                                &mut issues,
                                1,
                            );
                            issues
                        }
                        None => return false,
                    };
                    !issues.iter().any(|i| i.severity == Severity::Error)
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
        self.issues.push(Issue {
            severity,
            code,
            expression: expression.to_string(),
            message,
            rule,
            profile: self.plan.url.clone(),
        });
    }
}

fn coding(v: &Value) -> Option<(Option<&str>, &str)> {
    let code = v.get("code").and_then(Value::as_str)?;
    Some((v.get("system").and_then(Value::as_str), code))
}

/// Whether the JSON property `name` belongs to the child element `d`, whose last path segment is `base`.
fn is_child_named(d: &plan::ElementDef, base: &str, name: &str) -> bool {
    base == name
        || base
            .strip_suffix("[x]")
            .and_then(|stem| name.strip_prefix(stem))
            .is_some_and(|suffix| choice_type(d, suffix).is_some())
}

/// The element's type when it has one type code (several `Reference(...)` entries share the code `Reference`).
fn single_type(def: &plan::ElementDef) -> Option<String> {
    let first = def.types.first()?;
    def.types
        .iter()
        .all(|t| t.code == first.code)
        .then(|| first.code.clone())
}

/// The type code a choice suffix (`Quantity`, `DateTime`) names, if the element allows it.
fn choice_type(def: &plan::ElementDef, suffix: &str) -> Option<String> {
    def.types
        .iter()
        .find(|t| {
            let mut c = t.code.chars();
            c.next().is_some_and(|f| {
                let cap: String = f.to_uppercase().chain(c).collect();
                cap == suffix
            })
        })
        .map(|t| t.code.clone())
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

fn regex(re: &'static str) -> &'static regex::Regex {
    use std::sync::OnceLock;
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static regex::Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut map = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(re).or_insert_with(|| {
        let compiled = regex::Regex::new(re)
            .unwrap_or_else(|_| regex::Regex::new("^$").unwrap_or_else(|_| unreachable!()));
        Box::leak(Box::new(compiled))
    })
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

/// Why a JSON value is not a valid FHIR primitive of type `code`, if it is not.
fn primitive_problem(code: &str, v: &Value) -> Option<String> {
    let check = |re: &'static str, what: &str| -> Option<String> {
        match v.as_str() {
            Some(text) if regex(re).is_match(text) => None,
            Some(text) => Some(format!("`{text}` is not a valid {what}")),
            None => Some(format!("a {what} must be a JSON string, found {v}")),
        }
    };
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
            r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
            "date (YYYY, YYYY-MM or YYYY-MM-DD)",
        ),
        "dateTime" => check(
            r"^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$",
            "dateTime",
        ),
        "instant" => check(
            r"^-?[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$",
            "instant",
        ),
        "time" => check(
            r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$",
            "time",
        ),
        "code" => check(
            r"^[^\s]+( [^\s]+)*$",
            "code (no leading, trailing or double spaces)",
        ),
        "id" => check(r"^[A-Za-z0-9\-\.]{1,64}$", "id"),
        "oid" => check(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$", "oid"),
        "uuid" => check(
            r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            "uuid",
        ),
        "uri" => check(r"^\S*$", "uri"),
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
}
