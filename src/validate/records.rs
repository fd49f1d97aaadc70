//! Rules the Access Record Structured specification states for a structured record but no profile encodes
//! (GPC 1.6.2 `accessrecord_structured_development_retrieve_patient_record`, "Payload response body" and the
//! rules per clinical area): the Bundle always holds the Patient the record is about; the `Organization`,
//! `Practitioner` and `PractitionerRole` resources the record's resources reference are in the Bundle; and so are
//! the items of each List (the area's resources). References to other resources (an Encounter of a consultation
//! that was not asked for, for example) are not judged: the specification does not say they must be included.

use serde_json::Value;

use super::{Issue, Severity};

/// The Bundle profile of a structured record.
pub const STRUCTURED_BUNDLE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1";
const PROFILE: &str = STRUCTURED_BUNDLE;

/// Is this resource a structured record (a Bundle claiming, or validated against, the structured Bundle profile)?
pub fn is_structured_record(resource: &Value, profiles: &[&str]) -> bool {
    let named = |p: &str| p.split('|').next() == Some(STRUCTURED_BUNDLE);
    resource.get("resourceType").and_then(Value::as_str) == Some("Bundle")
        && (profiles.iter().any(|p| named(p))
            || resource
                .get("meta")
                .and_then(|m| m.get("profile"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(named))
}

/// The structured-record rules over a Bundle.
pub fn check(bundle: &Value) -> Vec<Issue> {
    let mut issues = Vec::new();
    let entries: Vec<&Value> = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let resources: Vec<(Option<&str>, &Value)> = entries
        .iter()
        .filter_map(|e| {
            let r = e.get("resource")?;
            Some((e.get("fullUrl").and_then(Value::as_str), r))
        })
        .collect();
    let key = |r: &Value| -> Option<String> {
        Some(format!(
            "{}/{}",
            r.get("resourceType")?.as_str()?,
            r.get("id")?.as_str()?
        ))
    };
    let by_type_id: std::collections::HashSet<String> =
        resources.iter().filter_map(|(_, r)| key(r)).collect();
    let full_urls: std::collections::HashSet<&str> =
        resources.iter().filter_map(|(u, _)| *u).collect();
    if !resources
        .iter()
        .any(|(_, r)| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
    {
        issues.push(Issue {
            severity: Severity::Error,
            code: "required",
            expression: "Bundle.entry".into(),
            message: "the structured record holds no Patient: the response always contains the Patient it is about"
                .into(),
            rule: "structured-record-patient",
            profile: PROFILE.into(),
        });
    }
    for (i, entry) in entries.iter().enumerate() {
        let Some(r) = entry.get("resource") else {
            continue;
        };
        let rt = r
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("Resource");
        let mut path = format!("Bundle.entry[{i}].resource.ofType({rt})");
        let root_len = path.len();
        // Each reference is judged where it is found; its location is written out only for a finding.
        references(r, &mut path, root_len, &mut |at: &str, reference: &str| {
            let list_item = rt == "List" && at.contains(".entry[") && at.ends_with(".item");
            let who = matches!(
                super::references::reference_type_id(reference).map(|(ty, _)| ty),
                Some("Patient" | "Organization" | "Practitioner" | "PractitionerRole")
            );
            if !(list_item || who) || resolves(reference, &by_type_id, &full_urls) {
                return;
            }
            issues.push(Issue {
                severity: Severity::Error,
                code: "not-found",
                expression: format!("{at}.reference"),
                message: format!(
                    "`{reference}` is not in the Bundle: a structured record holds the Patient, Organization, \
                     Practitioner and PractitionerRole resources it references and the items of its Lists"
                ),
                rule: "structured-record-reference",
                profile: PROFILE.into(),
            });
        });
    }
    issues
}

/// Does a literal reference name a resource of the Bundle? Contained (`#id`) and logical references are not
/// judged here.
fn resolves(
    reference: &str,
    by_type_id: &std::collections::HashSet<String>,
    full_urls: &std::collections::HashSet<&str>,
) -> bool {
    if reference.starts_with('#') || full_urls.contains(reference) {
        return true;
    }
    if reference.starts_with("urn:") {
        return false;
    }
    // Not a literal reference this check can read: not judged.
    let Some((ty, id)) = super::references::reference_type_id(reference) else {
        return true;
    };
    let suffix = format!("/{ty}/{id}");
    by_type_id.contains(&suffix[1..]) || full_urls.iter().any(|u| u.ends_with(&suffix))
}

/// Every `reference` string inside a resource (contained resources are skipped: their references are judged
/// where they are), given to `found` with the FHIRPath-like location of the Reference, in document order.
fn references(v: &Value, path: &mut String, root_len: usize, found: &mut impl FnMut(&str, &str)) {
    // Only objects and arrays can hold a Reference: text, numbers and booleans are not entered.
    let holds = |child: &Value| child.is_object() || child.is_array();
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = super::fields::field(map, "reference") {
                if path.len() > root_len {
                    found(path, r);
                }
            }
            for (k, child) in map {
                if k == "contained" || k == "reference" || !holds(child) {
                    continue;
                }
                let len = path.len();
                path.push('.');
                path.push_str(k);
                references(child, path, root_len, found);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().filter(|(_, c)| holds(c)) {
                let len = path.len();
                path.push('[');
                super::walk::push_index(path, i);
                path.push(']');
                references(child, path, root_len, found);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
