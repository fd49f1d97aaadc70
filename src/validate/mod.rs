//! The profile validator: StructureDefinition-driven checks of FHIR resources, reported as an
//! OperationOutcome whose issues carry severity, issue code, a FHIRPath expression, a sentence, the rule and
//! the profile.
//!
//! Rules: unknown elements, JSON shape (array or single), cardinality, types and choice `[x]`, primitive
//! formats, fixed and pattern values, bindings (required = error, extensible = warning, code systems not held
//! locally = information), slicing by every STU3 discriminator kind, extensions checked against their
//! definitions and contexts, reference target types, contained resources and Bundle entries, FHIRPath
//! invariants (`fhirpath/`). Definitions come from `store.rs`, compiled per profile by `plan.rs` (snapshots generated for differential-only profiles by `snapshot/`); `sets.rs`
//! holds one validator per capability and the harness's expected-profile check.
//!
//! The orchestration (a resource, its claimed profiles, Bundle entries) is here; the profile walk is in
//! `walk.rs`, with `slicing.rs`, `references.rs` (reference targets, extension contexts), `bindings.rs` and
//! `primitives.rs` (primitive formats).
//!
//! FHIR DSTU2 (Access Record HTML 0.7.x) is validated by [`Validator::dstu2`]: DSTU2 StructureDefinitions are
//! rewritten into the STU3 shape before compiling (`dstu2.rs`: slices by repeated path, `nameReference`,
//! path discriminators, Reference `profile` = target), a profile's incomplete snapshot is completed from its
//! base, and narrative XHTML is held to the DSTU2 narrative rules (`narrative.rs`). `input.rs` reads JSON or
//! XML with the validator's release model.
//!
//! A `Parameters` resource that names an OperationDefinition (in `meta.profile`, or as a profile to check) is
//! checked against the operation's input parameters (`operation.rs`).

pub mod batch;
mod bindings;
mod cache;
mod dstu2;
pub mod fhirpath;
mod fields;
mod input;
pub mod narrative;
mod operation;
pub mod plan;
mod plan_cache;
mod primitives;
mod records;
mod references;
pub mod sets;
mod slicing;
pub mod snapshot;
pub mod store;
mod walk;

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use serde_json::{json, Value};

pub use input::ReadError;
pub use plan::Plan;
pub use sets::Validators;
pub use store::{CodeSet, Expansion, Store, StoreError};

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
    /// Tells this validator's plans from another's: a plan remembers its elements' data-type plans by their
    /// slot in `core_plans` (see [`Plan::type_slot`]), which only its own validator may read.
    id: usize,
}

/// The next [`Validator`]'s `id`.
static NEXT_VALIDATOR: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn next_validator_id() -> usize {
    NEXT_VALIDATOR.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
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
    /// value, address of the plan, a SipHash of its expression). A value is reached by more than one expression
    /// only through an inline resource's `ofType(...)` form, a handful of texts for 64 bits to tell apart.
    walked: rustc_hash::FxHashSet<(usize, usize, u64)>,
    /// Long texts found valid as a primitive type: (address of the value, type code).
    valid_long: rustc_hash::FxHashSet<(usize, String)>,
    /// The resource type of each Bundle entry by its `fullUrl`, for references by `urn:uuid:` (and absolute
    /// URLs) between entries.
    full_urls: HashMap<String, String>,
    /// Whether a resource conforms to a profile (`profile` discriminators): (address of the resource, profile).
    conforms: HashMap<(usize, String), bool>,
    /// The definitions each resource is validated against (address of the resource -> their plans): an
    /// extension one of them places is sanctioned in every pass over that resource, the core one included.
    placed: HashMap<usize, Vec<Arc<Plan>>>,
}

thread_local! {
    /// Passes of finished validations, emptied with their tables' room kept: a thread validating one resource
    /// after another does not grow the same tables from nothing each time.
    static SPARE_PASSES: std::cell::RefCell<Vec<Pass>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A pass whose tables grew beyond this many entries is not kept (a huge Bundle's room is given back).
const SPARE_PASS_ROOM: usize = 1 << 14;

impl Pass {
    /// An empty pass, from this thread's spares when it has one.
    fn take() -> Self {
        SPARE_PASSES.with_borrow_mut(Vec::pop).unwrap_or_default()
    }

    /// Empties this pass and keeps it for the thread's next validation.
    fn give_back(mut self) {
        if self.invariants.capacity() > SPARE_PASS_ROOM || self.walked.capacity() > SPARE_PASS_ROOM
        {
            return;
        }
        // Every table named, so that a new one cannot be forgotten here.
        let Pass {
            issues,
            resources,
            invariants,
            walked,
            valid_long,
            full_urls,
            conforms,
            placed,
        } = &mut self;
        issues.clear();
        resources.clear();
        invariants.clear();
        walked.clear();
        valid_long.clear();
        full_urls.clear();
        conforms.clear();
        placed.clear();
        SPARE_PASSES.with_borrow_mut(|spares| {
            if spares.len() < 4 {
                spares.push(self);
            }
        });
    }

    /// Does a definition the resource is validated against place extension `url` at element `path`?
    fn placed(&self, resource: &Value, path: &str, url: &str) -> bool {
        self.placed
            .get(&(std::ptr::from_ref(resource) as usize))
            .is_some_and(|plans| plans.iter().any(|p| p.places(path, url)))
    }
}

impl Validator {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: String::new(),
            plans: cache::Cache::default(),
            core_plans: cache::Cache::default(),
            id: next_validator_id(),
        }
    }

    /// A validator for FHIR DSTU2 (1.0.2) core definitions.
    pub fn dstu2(store: Arc<Store>) -> Self {
        Self {
            store,
            core_version: "|1.0.2".into(),
            plans: cache::Cache::default(),
            core_plans: cache::Cache::default(),
            id: next_validator_id(),
        }
    }

    /// The definitions this validator reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Is this a DSTU2 (1.0.2) validator?
    pub fn is_dstu2(&self) -> bool {
        !self.core_version.is_empty()
    }

    /// The FHIR release this validator reads.
    pub fn fhir_version(&self) -> crate::fhir::FhirVersion {
        if self.is_dstu2() {
            crate::fhir::FhirVersion::Dstu2
        } else {
            crate::fhir::FhirVersion::Stu3
        }
    }

    /// The plan of a StructureDefinition by canonical URL (a DSTU2 validator reads an unversioned core URL as
    /// the DSTU2 core definition: `http://hl7.org/fhir/StructureDefinition/Patient` is DSTU2's Patient).
    pub fn plan(&self, url: &str) -> Result<Arc<Plan>, String> {
        self.plan_ref(url).clone()
    }

    /// The plan of the profile that element `def_index` of `plan` declares for its type (`url`): found by URL
    /// once per element, then by the slot the element remembers.
    fn declared_profile_plan(
        &self,
        plan: &Plan,
        def_index: usize,
        url: &str,
    ) -> &Result<Arc<Plan>, String> {
        self.remembered(plan.profile_slot(def_index), &self.plans, url, || {
            self.plan_ref(url)
        })
    }

    /// [`plan`](Self::plan), lent by the cache.
    fn plan_ref(&self, url: &str) -> &Result<Arc<Plan>, String> {
        if self.is_dstu2() && url.starts_with(CORE) && !url.contains(['|', '#']) {
            return self.plan_ref(&format!("{url}{}", self.core_version));
        }
        self.plans.get_or_insert_with(url, || {
            if let Some(plan) = plan_cache::load(&self.store, url) {
                return Ok(Arc::new(plan));
            }
            let (compiled, sources) = store::reads::recording(|| {
                self.store
                    .structure_definition(url)
                    .map_err(|e| e.to_string())
                    // A differential-only profile gets a snapshot generated from its base definition.
                    .and_then(|sd| snapshot::ensure(&self.store, sd).map_err(|e| e.to_string()))
                    .and_then(|sd| self.compile(&sd))
            });
            if let Ok(plan) = &compiled {
                plan_cache::save(&self.store, url, &sources, plan);
            }
            compiled.map(Arc::new)
        })
    }

    /// Compiles a snapshot; a DSTU2 profile's snapshot is completed from its base definition first.
    fn compile(&self, sd: &Value) -> Result<Plan, String> {
        let base = dstu2::base_of(sd).map(|b| {
            let versioned = if b.starts_with(CORE) && !b.contains('|') {
                format!("{b}|1.0.2")
            } else {
                b.to_string()
            };
            self.store
                .structure_definition(&versioned)
                .map_err(|e| e.to_string())
        });
        match base {
            Some(base) => Plan::compile_dstu2(sd, base?.as_ref()),
            None => Plan::compile(sd),
        }
        .map_err(|e: plan::PlanError| e.to_string())
    }

    fn core_plan(&self, type_code: &str) -> &Result<Arc<Plan>, String> {
        self.core_plans.get_or_insert_with(type_code, || {
            self.plan(&format!("{CORE}{type_code}{}", self.core_version))
        })
    }

    /// The core plan of the data type of element `def_index` of `plan` (an element of one type, `type_code`):
    /// found by type code once per element, then by the slot the element remembers.
    fn element_type_plan(
        &self,
        plan: &Plan,
        def_index: usize,
        type_code: &str,
    ) -> &Result<Arc<Plan>, String> {
        self.remembered(
            plan.type_slot(def_index),
            &self.core_plans,
            type_code,
            || self.core_plan(type_code),
        )
    }

    /// A plan `find` finds in `cache` under `key`, the first time for a plan element (`memo`); then by the slot
    /// the element remembers, when this validator filled it.
    fn remembered<'s>(
        &'s self,
        memo: Option<&plan::SlotMemo>,
        cache: &'s cache::Cache<Result<Arc<Plan>, String>>,
        key: &str,
        find: impl Fn() -> &'s Result<Arc<Plan>, String>,
    ) -> &'s Result<Arc<Plan>, String> {
        if let Some(memo) = memo {
            let &(owner, slot) = memo.get_or_init(|| {
                find();
                (self.id, cache.slot(key))
            });
            if owner == self.id {
                if let Some(found) = cache.at(slot) {
                    return found;
                }
            }
        }
        find()
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
        let mut pass = Pass::take();
        self.validate_resource(resource, rt, rt, profiles, &mut pass, 0);
        let mut issues = std::mem::take(&mut pass.issues);
        pass.give_back();
        if records::is_structured_record(resource, profiles) {
            issues.extend(records::check(resource));
        }
        // The core definition and a profile can reach the same extension or data type: report each finding once.
        // A structural finding is the same finding whichever definition reports it (a profile's inline view of an
        // extension names the element by a different path than the extension's own definition does).
        let mut seen = rustc_hash::FxHashSet::default();
        let keep: Vec<bool> = issues
            .iter()
            .map(|i| {
                let message: &str = if STRUCTURAL_RULES.contains(&i.rule) {
                    ""
                } else if i.rule.starts_with("slice-cardinality") {
                    // "slice `name` of <element path> ...": the slice, not the path that names its element.
                    i.message.split(" of ").next().unwrap_or_default()
                } else {
                    &i.message
                };
                seen.insert((i.severity, i.expression.as_str(), i.rule, message))
            })
            .collect();
        let mut keep = keep.into_iter();
        issues.retain(|_| keep.next().unwrap_or(true));
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
                .get("meta")
                .and_then(|m| m.get("profile"))
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
        let placed = pass
            .placed
            .entry(std::ptr::from_ref(resource) as usize)
            .or_default();
        let plans: Vec<&Result<Arc<Plan>, String>> =
            urls.iter().map(|url| self.plan_ref(url)).collect();
        placed.extend(plans.iter().filter_map(|plan| plan.as_ref().ok().cloned()));
        for (url, plan) in urls.into_iter().zip(plans) {
            // A URL that names no StructureDefinition may name an OperationDefinition.
            if let Some(op) = plan
                .is_err()
                .then(|| self.operation_definition(&url))
                .flatten()
            {
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
            match plan {
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
                        plan,
                        pass,
                        resource,
                    };
                    if let Some(root) = plan.root() {
                        self.check_invariants(&mut w, &root.constraints, resource, expr);
                    }
                    if let Some(obj) = resource.as_object() {
                        let root = plan.root_node();
                        self.walk_node(&mut w, &plan.type_name, root, obj, expr, depth + 1);
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

#[cfg(test)]
mod dstu2_tests;
#[cfg(test)]
mod tests;
