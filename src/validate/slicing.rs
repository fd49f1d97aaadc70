//! Slicing: which slice a value belongs to, by every STU3 discriminator kind.

use serde_json::Value;

use super::walk::matches_pattern;
use super::{plan, Pass, Plan, Severity, Validator};

/// Which slice a value belongs to.
pub(super) enum SliceMatch {
    Slice(usize),
    Unmatched,
    /// The discriminators cannot be evaluated with what the snapshot says (slice checks are skipped).
    Undecidable,
}

/// The values at a dotted path below `v` (arrays flatten); `None` for paths this walker cannot follow. On the
/// stack for the usual few values (a discriminator is read for every value of a sliced element).
fn json_at<'v>(v: &'v Value, path: &str) -> Option<smallvec::SmallVec<[&'v Value; 4]>> {
    if path.contains('(') {
        return None;
    }
    let mut cur: smallvec::SmallVec<[&'v Value; 4]> = smallvec::smallvec![v];
    for part in path.split('.').filter(|p| !p.is_empty() && *p != "$this") {
        let mut next = smallvec::SmallVec::new();
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
    pub(super) fn slice_for(
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
                // The fixed or pattern value of the discriminating element, read where the plan keeps it.
                if let Some((_, expected)) =
                    target.and_then(|t| t.fixed.as_ref().or(t.pattern.as_ref()))
                {
                    return Some(instance.iter().any(|iv| matches_pattern(iv, expected)));
                }
                // An extension slice's `url` is its type's profile (a text matches a text pattern only by
                // being equal to it).
                if path == "url" {
                    if let Some(p) = s.types.first().and_then(|t| t.profiles.first()) {
                        return Some(instance.iter().any(|iv| iv.as_str() == Some(p.as_str())));
                    }
                }
                // DSTU2 discriminates by an element's allowed values, which a profile may fix below it
                // (gpconnect-carerecord-composition-1 slices `section` by `code`, fixing `code.coding.system` and
                // `code.coding.code`).
                let expected = target
                    .filter(|_| plan.dstu2)
                    .and_then(|t| descendant_pattern(plan, &t.id, 0))?;
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
}

/// A pattern made of the fixed values below an element (DSTU2 value discriminators): every fixed descendant
/// except human-readable `display` and `text`, which name a code but do not tell it apart (a wrong display is
/// reported by the slice's own fixed value, once the value is matched to its slice).
fn descendant_pattern(plan: &Plan, id: &str, depth: usize) -> Option<Value> {
    if depth > 8 {
        return None;
    }
    let mut pattern = serde_json::Map::new();
    for child in plan.children(id) {
        if matches!(child.name.as_str(), "display" | "text") || child.name.ends_with("[x]") {
            continue;
        }
        let value = match child.fixed.as_ref().or(child.pattern.as_ref()) {
            Some((_, v)) => Some(v.clone()),
            None => descendant_pattern(plan, &child.id, depth + 1),
        };
        if let Some(v) = value {
            let v = if child.base_many {
                Value::Array(vec![v])
            } else {
                v
            };
            pattern.insert(child.name.clone(), v);
        }
    }
    (!pattern.is_empty()).then_some(Value::Object(pattern))
}
