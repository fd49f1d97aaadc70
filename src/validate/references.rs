//! Reference target types and extension contexts.

use serde_json::Value;

use super::{plan, Severity, Validator, Walk, CORE};

impl Validator {
    /// A literal reference must point at a resource of a type the element allows (`targetProfile`, or in DSTU2
    /// the Reference type's `profile`). Relative (`Patient/1`), absolute (`https://x/fhir/Patient/1`) and
    /// contained (`#id`) references are checked, and so are references to an entry of the Bundle being validated
    /// by its `fullUrl` (`urn:uuid:...`); other `urn:` and logical (identifier-only) references are not.
    pub(super) fn check_reference_target(
        &self,
        w: &mut Walk<'_>,
        plan: &plan::Plan,
        def_index: usize,
        v: &Value,
        at: &str,
    ) {
        let Some(reference) = v.get("reference").and_then(Value::as_str) else {
            return;
        };
        let def = &plan.elements[def_index];
        // The element's targets are the same for every reference: found once per validator.
        let found;
        let allowed = match plan
            .targets(def_index)
            .map(|memo| memo.get_or_init(|| (self.id, self.reference_targets(def))))
        {
            Some((id, targets)) if *id == self.id => targets.as_deref(),
            _ => {
                found = self.reference_targets(def);
                found.as_deref()
            }
        };
        let Some(allowed) = allowed else {
            return;
        };
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
        // DSTU2: a URL is a RESTful reference only when its `[type]/[id]` names a resource type
        // (`http://hl7.org/fhir/DSTU2/valueset-issue-type.html` is a web page, not a resource of type DSTU2).
        if self.is_dstu2()
            && self
                .store
                .locate(&format!("{CORE}{target}{}", self.core_version))
                .is_none()
        {
            return;
        }
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

    /// The resource types an element's references may name, sorted: `None` when any type may be (an untargeted
    /// `Reference`, `Resource`) or a target profile is unknown (nothing safe to check).
    fn reference_targets(&self, def: &plan::ElementDef) -> Option<Box<[String]>> {
        let mut allowed: Vec<String> = Vec::new();
        for t in def.types.iter().filter(|t| t.code == "Reference") {
            let targets = if t.target_profiles.is_empty() {
                &t.profiles
            } else {
                &t.target_profiles
            };
            // An untargeted `Reference` among the element's types allows any target, whatever the other
            // entries name (ProblemHeader's relatedClinicalContent lists `Reference` beside eight targeted ones);
            // the STU3 reference validator reads it the same way.
            if targets.is_empty() {
                return None;
            }
            for url in targets {
                let type_name = match self.plan(url) {
                    Ok(p) => p.type_name.clone(),
                    Err(_) => url
                        .strip_prefix(CORE)
                        .map(|name| name.split('|').next().unwrap_or(name).to_string())?,
                };
                if type_name == "Reference" {
                    continue;
                }
                if type_name == "Resource" || type_name == "DomainResource" {
                    return None;
                }
                if !allowed.contains(&type_name) {
                    allowed.push(type_name);
                }
            }
        }
        if allowed.is_empty() {
            return None;
        }
        allowed.sort();
        Some(allowed.into_boxed_slice())
    }

    /// An extension may only appear where its definition's `context` allows (STU3 and DSTU2 `contextType`
    /// `resource` or `datatype`: element paths or type names; `extension` contexts are not checked).
    pub(super) fn check_extension_context(
        &self,
        w: &mut Walk<'_>,
        def: &plan::ElementDef,
        url: &str,
        at: &str,
    ) {
        let Ok(extension) = self.plan(url) else {
            return;
        };
        if extension.context_type.as_deref() == Some("extension") {
            return;
        }
        let contexts: Vec<&str> = extension.contexts.iter().map(String::as_str).collect();
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
}

/// The element an extension at `at` sits on, as a path without indexes, rooted at the innermost resource:
/// `Bundle.entry[0].resource.ofType(Patient).identifier[0].extension[1]` -> `Patient.identifier`.
pub(super) fn instance_path_parent(at: &str) -> String {
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
pub(super) fn reference_type(reference: &str) -> Option<String> {
    reference_type_id(reference).map(|(ty, _)| ty.to_string())
}

/// The resource type and id a literal reference names (as [`reference_type`]).
pub(super) fn reference_type_id(reference: &str) -> Option<(&str, &str)> {
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    // The non-empty segments from the end: `.../Type/id` or `.../Type/id/_history/version`.
    let mut segments = path.rsplit('/').filter(|p| !p.is_empty());
    let (last, before) = (segments.next()?, segments.next()?);
    let (ty, id) = match (before == "_history", segments.next(), segments.next()) {
        (true, Some(id), Some(ty)) => (ty, id),
        _ => (before, last),
    };
    let is_type = ty.starts_with(|c: char| c.is_ascii_uppercase())
        && ty.chars().all(|c| c.is_ascii_alphanumeric());
    is_type.then_some((ty, id))
}
