//! Steps of Access Record Structured 1.6.2.
//!
//! - [`request`]: the `Parameters` of `$gpc.getstructuredrecord` and `$gpc.migratestructuredrecord`, one Given per
//!   parameter or mutation;
//! - [`lists`]: the spec's List codes and titles, and expectations on the Lists of a record;
//! - [`record`]: expectations on the record as a whole (its patient, references, profiles, warnings);
//! - [`items`]: expectations on the items of each clinical area (allergies, medication, problems, ...).
//!
//! The harness keeps its own copy of the specification's codes and rules (judge and judged must not share a bug):
//! nothing here reads the reference provider's code.

pub mod items;
pub mod lists;
pub mod record;
pub mod request;

use serde_json::Value;

use super::common::resource_type;
use super::world::GpcWorld;

pub type Step = Result<(), String>;

/// The resources of the structured record Bundle (entries), with their index.
pub fn entries(w: &GpcWorld) -> Result<Vec<(usize, Value)>, String> {
    let b = w.resource()?;
    if resource_type(b) != "Bundle" {
        return Err(format!(
            "expected a structured record Bundle, got a {} resource",
            resource_type(b)
        ));
    }
    Ok(b.get("entry")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .enumerate()
                .filter_map(|(i, e)| e.get("resource").cloned().map(|r| (i, r)))
                .collect()
        })
        .unwrap_or_default())
}

/// `Type/id` of a resource.
pub fn key_of(r: &Value) -> String {
    format!(
        "{}/{}",
        resource_type(r),
        r.get("id").and_then(Value::as_str).unwrap_or_default()
    )
}

/// `Type/id` of every resource of the Bundle.
pub fn keys(w: &GpcWorld) -> Result<Vec<String>, String> {
    Ok(entries(w)?.iter().map(|(_, r)| key_of(r)).collect())
}

/// The resources of one type in the Bundle.
pub fn of_type(w: &GpcWorld, kind: &str) -> Result<Vec<(usize, Value)>, String> {
    Ok(entries(w)?
        .into_iter()
        .filter(|(_, r)| resource_type(r) == kind)
        .collect())
}

/// The reference strings of a field that holds a Reference or a list of them.
pub fn refs_at(r: &Value, field: &str) -> Vec<String> {
    match r.get(field) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.get("reference").and_then(Value::as_str).map(String::from))
            .collect(),
        Some(v) => v
            .get("reference")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect(),
        None => Vec::new(),
    }
}
