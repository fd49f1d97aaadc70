//! Reading the care record Bundle of a `$gpc.getcarerecord` answer for the checks: its entries, the one
//! Composition and its one section, the section's XHTML parsed, and references resolved inside the Bundle.

use serde_json::Value;

use super::xhtml::{self, Element};
use crate::steps::world::GpcWorld;

/// Where the section's narrative is, for failure sentences.
pub const DIV: &str = "Composition.section[0].text.div";

/// The resources of the answer's Bundle with their place (`Bundle.entry[2].resource`).
pub fn entries(w: &GpcWorld) -> Result<Vec<(String, Value)>, String> {
    let b = w.resource()?;
    let rt = b
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    if rt != "Bundle" {
        return Err(format!("resourceType: expected `Bundle`, got `{rt}`"));
    }
    Ok(b.get("entry")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    e.get("resource")
                        .map(|r| (format!("Bundle.entry[{i}].resource"), r.clone()))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The resources of one type, with their place.
pub fn of_type(w: &GpcWorld, resource_type: &str) -> Result<Vec<(String, Value)>, String> {
    Ok(entries(w)?
        .into_iter()
        .filter(|(_, r)| r.get("resourceType").and_then(Value::as_str) == Some(resource_type))
        .collect())
}

/// The one resource of a type (an error when there is none or more than one).
pub fn single(w: &GpcWorld, resource_type: &str) -> Result<(String, Value), String> {
    let mut all = of_type(w, resource_type)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        n => Err(format!(
            "Bundle.entry: expected exactly one {resource_type}, got {n}"
        )),
    }
}

/// The Composition of the answer.
pub fn composition(w: &GpcWorld) -> Result<Value, String> {
    single(w, "Composition").map(|(_, c)| c)
}

/// The Composition's one section.
pub fn section(w: &GpcWorld) -> Result<Value, String> {
    let c = composition(w)?;
    let sections = c
        .get("section")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match sections.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "Composition.section: expected exactly one section, got {}",
            sections.len()
        )),
    }
}

/// The section's `text.div` as written.
pub fn div_text(w: &GpcWorld) -> Result<String, String> {
    section(w)?
        .pointer("/text/div")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("{DIV}: expected the section's XHTML, got (absent)"))
}

/// The section's XHTML as a tree.
pub fn div(w: &GpcWorld) -> Result<Element, String> {
    let text = div_text(w)?;
    xhtml::parse(&text).map_err(|e| format!("{DIV}: expected well-formed XHTML, got {e}"))
}

/// The resource a reference names within the Bundle: an entry whose `fullUrl` is the reference, or whose
/// `resourceType/id` is (also when the reference is an absolute URL ending so).
pub fn resolve<'a>(bundle: &'a Value, reference: &str) -> Option<&'a Value> {
    let entries = bundle.get("entry").and_then(Value::as_array)?;
    entries.iter().find_map(|e| {
        let r = e.get("resource")?;
        let full = e.get("fullUrl").and_then(Value::as_str);
        let rt = r.get("resourceType").and_then(Value::as_str)?;
        let id = r.get("id").and_then(Value::as_str)?;
        let local = format!("{rt}/{id}");
        let hit = full == Some(reference)
            || reference == local
            || reference.ends_with(&format!("/{local}"));
        hit.then_some(r)
    })
}

/// Checks that `reference` (at `at`) names a resource of type `target` in the Bundle.
pub fn expect_reference(
    w: &GpcWorld,
    at: &str,
    reference: &str,
    target: &str,
) -> Result<(), String> {
    let bundle = w.resource()?;
    match resolve(bundle, reference) {
        Some(r) => {
            let rt = r.get("resourceType").and_then(Value::as_str).unwrap_or("(none)");
            if rt == target {
                Ok(())
            } else {
                Err(format!(
                    "{at}: expected a reference to a {target} in the Bundle, got `{reference}`, a {rt}"
                ))
            }
        }
        None => Err(format!(
            "{at}: expected a reference to a {target} in the Bundle, got `{reference}`, which no entry is"
        )),
    }
}

/// The values at a dotted path of a resource (`contact.relationship`), arrays flattened, with their places.
pub fn values_at<'a>(root: &'a Value, base: &str, path: &str) -> Vec<(String, &'a Value)> {
    let mut current: Vec<(String, &Value)> = vec![(base.to_string(), root)];
    for part in path.split('.') {
        let mut next = Vec::new();
        for (at, v) in current {
            match v.get(part) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{at}.{part}[{i}]"), item));
                    }
                }
                Some(x) => next.push((format!("{at}.{part}"), x)),
                None => {}
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_by_full_url_or_type_and_id() {
        let b = json!({"resourceType": "Bundle", "entry": [
            {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "p"}},
            {"resource": {"resourceType": "Device", "id": "d"}}
        ]});
        assert!(resolve(&b, "urn:uuid:1").is_some());
        assert!(resolve(&b, "Patient/p").is_some());
        assert!(resolve(&b, "https://x/fhir/Device/d").is_some());
        assert!(resolve(&b, "Device/x").is_none());
    }

    #[test]
    fn values_at_flattens_arrays() {
        let p = json!({"contact": [{"relationship": [{"text": "a"}, {"text": "b"}]}, {}]});
        let v = values_at(&p, "Patient", "contact.relationship");
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].0, "Patient.contact[0].relationship[1]");
    }
}
