//! The DSTU2 (1.0.x) StructureDefinition shape, rewritten into the shape [`Plan::compile`](super::Plan::compile)
//! reads (the STU3 one), so that one compiler serves both releases.
//!
//! What DSTU2 says differently, from the DSTU2 StructureDefinition and ElementDefinition definitions:
//! - the profiled type is `constrainedType` (a base definition names it only as the root element's path), and
//!   the parent definition is `base` (a URI), not `type` and `baseDefinition`;
//! - elements carry no `id`: a slice is an element that repeats the path of an element already defined under
//!   the same parent, and its `name` is the slice name; the elements that follow it (until the path leaves it)
//!   are its children. Ids are made up here the STU3 way (`Patient.identifier:NHSNumber.system`);
//! - `name` also names an element as the target of a `nameReference` (STU3's `contentReference`);
//! - `slicing.discriminator` is a list of element paths (`system`, `code`, `url`), read as value
//!   discriminators, with `@type` and `@profile` for the type and profile kinds;
//! - `type.profile` is a list, and on a `Reference` it names the profile of the *target* resource (STU3's
//!   `targetProfile`), not a profile of the reference itself.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

/// Is this StructureDefinition in the DSTU2 shape? STU3 always names its `type`; DSTU2 has none, and says
/// `constrainedType`, a `base` URI or `fhirVersion` 1.0.x instead.
pub(crate) fn is_dstu2(sd: &Value) -> bool {
    sd.get("type").is_none()
        && (sd.get("constrainedType").is_some()
            || sd.get("base").is_some_and(Value::is_string)
            || sd
                .get("fhirVersion")
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with("1.")))
}

/// The base definition a DSTU2 profile's snapshot must be completed from: `base` of a constraint
/// (`constrainedType`); core definitions are complete.
pub(crate) fn base_of(sd: &Value) -> Option<&str> {
    sd.get("constrainedType")?;
    sd.get("base").and_then(Value::as_str)
}

/// [`normalize`], and then the snapshot completed from the (normalized) base definition: an element of the base
/// that the profile's snapshot leaves out is inherited unchanged, under the plain element and under each slice.
///
/// The GP Connect 0.7.2 snapshots leave out what every resource inherits (`id`, `meta`, `text`, `contained`,
/// `extension`, ...). A DSTU2 constraint cannot remove an element of its base (it can only set `max` to 0), so
/// an element a snapshot does not list keeps its base definition.
pub(crate) fn normalize_with_base(sd: &Value, base: &Value) -> Value {
    let mut out = normalize(sd);
    let base = normalize(base);
    let Some(base_elements) = base.pointer("/snapshot/element").and_then(Value::as_array) else {
        return out;
    };
    let Some(elements) = out
        .pointer_mut("/snapshot/element")
        .and_then(Value::as_array_mut)
    else {
        return out;
    };
    let text = |e: &Value, k: &str| {
        e.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut ids: HashSet<String> = elements.iter().map(|e| text(e, "id")).collect();
    // (id, path) of each element the profile lists, in order.
    let listed: Vec<(String, String)> = elements
        .iter()
        .map(|e| (text(e, "id"), text(e, "path")))
        .collect();
    let mut added: Vec<Value> = Vec::new();
    for (id, path) in &listed {
        let prefix = format!("{path}.");
        for child in base_elements {
            let child_path = text(child, "path");
            let Some(name) = child_path.strip_prefix(&prefix) else {
                continue;
            };
            if name.contains('.') || ids.contains(&format!("{id}.{name}")) {
                continue;
            }
            // A choice the profile lists under a type's name (`valueQuantity` for `value[x]`) is there.
            if let Some(stem) = name.strip_suffix("[x]") {
                let renamed = listed.iter().any(|(i, _)| {
                    i.strip_prefix(id.as_str())
                        .and_then(|r| r.strip_prefix('.'))
                        .and_then(|r| r.strip_prefix(stem))
                        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
                });
                if renamed {
                    continue;
                }
            }
            // The element and everything below it, re-rooted under `id`.
            let subtree = format!("{child_path}.");
            for e in base_elements {
                let p = text(e, "path");
                if p != child_path && !p.starts_with(&subtree) {
                    continue;
                }
                let new_id = format!("{id}{}", &p[path.len()..]);
                if !ids.insert(new_id.clone()) {
                    continue;
                }
                let mut copy = e.clone();
                if let Some(obj) = copy.as_object_mut() {
                    obj.insert("id".into(), Value::String(new_id));
                }
                added.push(copy);
            }
        }
    }
    keep_base_types(elements, base_elements);
    let mut all = std::mem::take(elements);
    all.extend(added);
    *elements = all;
    out
}

/// A constraint can only narrow the types of an element: a profile element whose types share none with the
/// base element's is an error of the profile, and the base's types stand (the resource must be valid against
/// the core definition whatever the profile says). gpconnect-operationoutcome-1 types `issue.code` as a
/// CodeableConcept where DSTU2's OperationOutcome has a `code`, and the 0.7.x specification's own examples send
/// a code.
fn keep_base_types(elements: &mut [Value], base_elements: &[Value]) {
    let codes = |e: &Value| -> Vec<String> {
        e.get("type")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("code").and_then(Value::as_str).map(String::from))
            .collect()
    };
    let base_types: HashMap<&str, &Value> = base_elements
        .iter()
        .filter_map(|e| Some((e.get("path")?.as_str()?, e)))
        .collect();
    for el in elements.iter_mut() {
        let Some(path) = el.get("path").and_then(Value::as_str) else {
            continue;
        };
        let Some(base) = base_types.get(path).filter(|_| path.contains('.')) else {
            continue;
        };
        let (mine, theirs) = (codes(el), codes(base));
        let open = theirs.iter().any(|c| c == "*" || c == "Resource");
        if open || mine.is_empty() || theirs.is_empty() || mine.iter().any(|c| theirs.contains(c)) {
            continue;
        }
        if let (Some(obj), Some(t)) = (el.as_object_mut(), base.get("type")) {
            obj.insert("type".into(), t.clone());
        }
    }
}

/// The DSTU2 StructureDefinition `sd` in the STU3 shape the compiler reads: `type`, element ids and slice names,
/// `contentReference` for `nameReference`, typed discriminators, and `targetProfile` for Reference targets.
pub(crate) fn normalize(sd: &Value) -> Value {
    let mut out = sd.clone();
    let type_name = sd
        .get("constrainedType")
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| {
            sd.pointer("/snapshot/element/0/path")
                .and_then(Value::as_str)
                .filter(|p| !p.contains('.'))
                .map(String::from)
        });
    if let (Some(t), Some(obj)) = (type_name, out.as_object_mut()) {
        obj.insert("type".into(), Value::String(t));
    }
    if let Some(elements) = out
        .pointer_mut("/snapshot/element")
        .and_then(Value::as_array_mut)
    {
        normalize_elements(elements);
    }
    out
}

fn normalize_elements(elements: &mut [Value]) {
    // The most recent id given to each path: an element's parent is the latest element with its parent path.
    let mut latest: HashMap<String, String> = HashMap::new();
    let mut ids: HashSet<String> = HashSet::new();
    // `name` -> id, for `nameReference` (the first element of a name wins; slices are not reference targets).
    let mut named: HashMap<String, String> = HashMap::new();
    for el in elements.iter_mut() {
        let Some(obj) = el.as_object_mut() else {
            continue;
        };
        let path = obj
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = obj.get("name").and_then(Value::as_str).map(String::from);
        let plain = match path.rsplit_once('.') {
            Some((parent, last)) => {
                let parent_id = latest.get(parent).map_or(parent, String::as_str);
                format!("{parent_id}.{last}")
            }
            None => path.clone(),
        };
        let (id, slice) = if ids.contains(&plain) && path.contains('.') {
            let slice = name
                .clone()
                .unwrap_or_else(|| format!("slice{}", ids.len()));
            let mut id = format!("{plain}:{}", slice.replace(['.', ':'], "_"));
            while ids.contains(&id) {
                id.push('_');
            }
            (id, Some(slice))
        } else {
            (plain, None)
        };
        if obj.get("id").and_then(Value::as_str).is_none() {
            obj.insert("id".into(), Value::String(id.clone()));
        }
        match &slice {
            Some(s) => {
                obj.insert("sliceName".into(), Value::String(s.clone()));
            }
            None => {
                if let Some(n) = name {
                    named.entry(n).or_insert_with(|| id.clone());
                }
            }
        }
        ids.insert(id.clone());
        latest.insert(path, id);
        if let Some(slicing) = obj.get_mut("slicing").and_then(Value::as_object_mut) {
            type_discriminators(slicing);
        }
        trim_fixed_tokens(obj);
        if let Some(types) = obj.get_mut("type").and_then(Value::as_array_mut) {
            for t in types.iter_mut().filter_map(Value::as_object_mut) {
                target_profiles(t);
            }
        }
    }
    for el in elements.iter_mut() {
        let Some(obj) = el.as_object_mut() else {
            continue;
        };
        let target = obj
            .get("nameReference")
            .and_then(Value::as_str)
            .and_then(|n| named.get(n));
        if let Some(target) = target {
            let reference = format!("#{target}");
            obj.insert("contentReference".into(), Value::String(reference));
        }
    }
}

/// A fixed `code`, `id`, `uri` or `oid` cannot carry leading or trailing whitespace (their lexical forms exclude
/// it), so a fixed value written with some (gpconnect-searchset-bundle-1 fixes `Bundle.type` to `"searchset "`)
/// means the token without it: an instance is held to `searchset`. The definition itself is still reported
/// when it is validated.
fn trim_fixed_tokens(obj: &mut Map<String, Value>) {
    for (key, value) in obj.iter_mut() {
        let token = matches!(
            key.as_str(),
            "fixedCode" | "fixedId" | "fixedUri" | "fixedOid" | "patternCode" | "patternUri"
        );
        if let (true, Value::String(s)) = (token, value) {
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                *s = trimmed.to_string();
            }
        }
    }
}

/// DSTU2 discriminators are paths; `@type` and `@profile` name the type and profile kinds.
fn type_discriminators(slicing: &mut Map<String, Value>) {
    let Some(list) = slicing.get("discriminator").and_then(Value::as_array) else {
        return;
    };
    let typed: Vec<Value> = list
        .iter()
        .filter_map(|d| {
            let path = d.as_str()?;
            let (kind, path) = match path {
                "@type" => ("type", "$this"),
                "@profile" => ("profile", "$this"),
                p => match p.strip_suffix(".@type") {
                    Some(inner) => ("type", inner),
                    None => match p.strip_suffix(".@profile") {
                        Some(inner) => ("profile", inner),
                        None => ("value", p),
                    },
                },
            };
            Some(serde_json::json!({ "type": kind, "path": path }))
        })
        .collect();
    slicing.insert("discriminator".into(), Value::Array(typed));
}

/// On a `Reference`, DSTU2's `profile` names the target: it becomes `targetProfile`.
fn target_profiles(t: &mut Map<String, Value>) {
    if t.get("code").and_then(Value::as_str) != Some("Reference") {
        return;
    }
    if let Some(p) = t.remove("profile") {
        t.insert("targetProfile".into(), p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Plan;
    use serde_json::json;

    /// The shape of gpconnect-patient-1 (0.7.2): a sliced identifier, a base constraint, a renamed choice, a
    /// Reference whose profile names its target, and a nameReference.
    fn patient_profile() -> Value {
        json!({
            "resourceType": "StructureDefinition",
            "url": "http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1",
            "constrainedType": "Patient",
            "base": "http://hl7.org/fhir/StructureDefinition/Patient",
            "snapshot": { "element": [
                { "path": "Patient", "min": 1, "max": "1" },
                { "path": "Patient.identifier", "min": 1, "max": "*",
                  "slicing": { "discriminator": ["system"], "ordered": true, "rules": "openAtEnd" },
                  "type": [{ "code": "Identifier" }] },
                { "path": "Patient.identifier.system", "min": 1, "max": "1", "type": [{ "code": "uri" }] },
                { "path": "Patient.identifier", "name": "NHSNumber", "min": 1, "max": "1",
                  "type": [{ "code": "Identifier" }] },
                { "path": "Patient.identifier.system", "min": 1, "max": "1", "type": [{ "code": "uri" }],
                  "fixedUri": "http://fhir.nhs.net/Id/nhs-number" },
                { "path": "Patient.deceased[x]", "name": "deceasedDateTime", "min": 0, "max": "1",
                  "type": [{ "code": "dateTime" }] },
                { "path": "Patient.careProvider", "min": 0, "max": "1", "type": [{ "code": "Reference",
                  "profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-practitioner-1"] }] },
                { "path": "Patient.link", "name": "link", "min": 0, "max": "*" },
                { "path": "Patient.link.other", "min": 1, "max": "1", "type": [{ "code": "Reference",
                  "profile": "http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1" }] },
                { "path": "Patient.contact", "min": 0, "max": "*" },
                { "path": "Patient.contact.link", "nameReference": "link", "min": 0, "max": "*" }
            ] }
        })
    }

    #[test]
    fn the_dstu2_shape_is_recognised() {
        assert!(is_dstu2(&patient_profile()));
        assert!(is_dstu2(
            &json!({ "fhirVersion": "1.0.2", "snapshot": { "element": [] } })
        ));
        assert!(!is_dstu2(
            &json!({ "type": "Patient", "fhirVersion": "3.0.1" })
        ));
        assert!(!is_dstu2(
            &json!({ "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient" })
        ));
    }

    #[test]
    fn slices_ids_name_references_and_targets() {
        let plan = Plan::compile(&patient_profile()).unwrap();
        assert_eq!(plan.type_name, "Patient");
        let ids: Vec<&str> = plan.elements.iter().map(|e| e.id.as_str()).collect();
        assert!(ids.contains(&"Patient.identifier:NHSNumber"), "{ids:?}");
        assert!(
            ids.contains(&"Patient.identifier:NHSNumber.system"),
            "{ids:?}"
        );
        let base = plan.element("Patient.identifier").unwrap();
        assert_eq!(
            base.slicing.as_ref().unwrap().discriminators,
            [("value".to_string(), "system".to_string())]
        );
        let slices: Vec<_> = plan.slices("Patient.identifier").collect();
        assert_eq!(slices.len(), 1);
        assert_eq!(slices[0].slice_name.as_deref(), Some("NHSNumber"));
        assert!(plan
            .descendant("Patient.identifier:NHSNumber", "system")
            .is_some_and(|s| s.fixed.is_some()));
        // A named element that does not repeat its path is not a slice.
        assert!(plan.element("Patient.deceased[x]").is_some());
        assert!(plan.slices("Patient.deceased[x]").next().is_none());
        // The Reference's profile is its target, single or listed.
        let cp = plan.element("Patient.careProvider").unwrap();
        assert!(cp.types[0].profiles.is_empty());
        assert_eq!(
            cp.types[0].target_profiles,
            ["http://fhir.nhs.net/StructureDefinition/gpconnect-practitioner-1"]
        );
        let other = plan.element("Patient.link.other").unwrap();
        assert_eq!(other.types[0].target_profiles.len(), 1);
        // nameReference becomes a content reference to the named element.
        let link = plan.element("Patient.contact.link").unwrap();
        assert_eq!(link.content_reference.as_deref(), Some("#Patient.link"));
    }

    #[test]
    fn discriminator_kinds() {
        let mut slicing =
            json!({ "discriminator": ["url", "@type", "value.@profile"], "rules": "open" });
        type_discriminators(slicing.as_object_mut().unwrap());
        assert_eq!(
            slicing["discriminator"],
            json!([{ "type": "value", "path": "url" }, { "type": "type", "path": "$this" },
                   { "type": "profile", "path": "value" }])
        );
    }
}
