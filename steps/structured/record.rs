//! Expectations on a structured record as a whole: the Bundle, its patient and practice, the profile of every
//! resource, references that resolve, and the OperationOutcome a forwards-compatible answer carries.

use cucumber::then;
use serde_json::Value;

use super::{entries, key_of, refs_at, Step};
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

const BUNDLE_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1";
const SPINE_CODES: &str = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1";

/// The profile each resource type of a structured record must claim (retrieve page; structured
/// CapabilityStatement).
fn profile_of(kind: &str) -> Option<String> {
    let nhs = |p: &str| format!("https://fhir.nhs.uk/STU3/StructureDefinition/{p}");
    Some(match kind {
        "Patient"
        | "Organization"
        | "Practitioner"
        | "PractitionerRole"
        | "Location"
        | "AllergyIntolerance"
        | "Medication"
        | "MedicationStatement"
        | "MedicationRequest"
        | "List"
        | "Immunization"
        | "Encounter"
        | "Observation"
        | "DiagnosticReport"
        | "Specimen"
        | "ProcedureRequest"
        | "ReferralRequest"
        | "DocumentReference" => nhs(&format!("CareConnect-GPC-{kind}-1")),
        "Condition" => nhs("CareConnect-GPC-ProblemHeader-Condition-1"),
        "OperationOutcome" => nhs("GPConnect-OperationOutcome-1"),
        "HealthcareService" => {
            "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-HealthcareService-1"
                .to_string()
        }
        _ => return None,
    })
}

#[then(expr = "the response should be a structured record Bundle for patient {string}")]
fn record_for(w: &mut GpcWorld, patient: String) -> Step {
    let nhs = w.nhs(&patient)?;
    let b = w.resource()?;
    if resource_type(b) != "Bundle" || b.get("type").and_then(Value::as_str) != Some("collection") {
        return Err(format!(
            "response: expected a Bundle of type collection, got {} of type {}",
            resource_type(b),
            b.get("type").and_then(Value::as_str).unwrap_or("(absent)")
        ));
    }
    let profiles = b
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !profiles.iter().any(|p| p.as_str() == Some(BUNDLE_PROFILE)) {
        return Err(format!(
            "Bundle.meta.profile: expected {BUNDLE_PROFILE}, got {profiles:?}"
        ));
    }
    let all = entries(w)?;
    let patients: Vec<&(usize, Value)> = all
        .iter()
        .filter(|(_, r)| resource_type(r) == "Patient")
        .collect();
    let [(i, p)] = patients.as_slice() else {
        return Err(format!(
            "Bundle.entry: expected exactly one Patient, got {}",
            patients.len()
        ));
    };
    let ids: Vec<&str> = p
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|id| {
            id.get("system").and_then(Value::as_str) == Some("https://fhir.nhs.uk/Id/nhs-number")
        })
        .filter_map(|id| id.get("value").and_then(Value::as_str))
        .collect();
    if !ids.contains(&nhs.as_str()) {
        return Err(format!(
            "Bundle.entry[{i}].resource(Patient).identifier: expected the NHS number {nhs} of {patient}, got {ids:?}"
        ));
    }
    let keys: Vec<String> = all.iter().map(|(_, r)| key_of(r)).collect();
    // The registered practice, the usual GP and the GP's role at the practice.
    for field in ["managingOrganization", "generalPractitioner"] {
        for target in refs_at(p, field) {
            if !keys.contains(&target) {
                return Err(format!(
                    "Bundle.entry[{i}].resource(Patient).{field}: `{target}` is not in the Bundle"
                ));
            }
        }
    }
    let gps = refs_at(p, "generalPractitioner");
    let gp_practitioners: Vec<&String> = gps
        .iter()
        .filter(|g| g.starts_with("Practitioner/"))
        .collect();
    for gp in gp_practitioners {
        let has_role = all.iter().any(|(_, r)| {
            resource_type(r) == "PractitionerRole" && refs_at(r, "practitioner").contains(gp)
        });
        if !has_role {
            return Err(format!(
                "Bundle.entry: expected the PractitionerRole of the usual GP `{gp}`, found none"
            ));
        }
    }
    Ok(())
}

#[then("every resource in the structured record should carry its profile")]
fn profiles(w: &mut GpcWorld) -> Step {
    for (i, r) in entries(w)? {
        let kind = resource_type(&r).to_string();
        let expected = profile_of(&kind).ok_or_else(|| {
            format!("Bundle.entry[{i}]: a structured record does not hold {kind} resources")
        })?;
        let ps = r
            .pointer("/meta/profile")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if ps.len() != 1 || ps[0].as_str() != Some(expected.as_str()) {
            return Err(format!("Bundle.entry[{i}].resource({kind}).meta.profile: expected exactly [{expected}], got {ps:?}"));
        }
        // Lists and OperationOutcomes of a response are not stored resources: no id or version is required.
        if kind != "List" && kind != "OperationOutcome" {
            let has = |p: &str| {
                r.pointer(p)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if !has("/id") || !has("/meta/versionId") {
                return Err(format!(
                    "Bundle.entry[{i}].resource({kind}): expected a logical id and meta.versionId"
                ));
            }
        }
    }
    Ok(())
}

/// References that must resolve inside the record: to the patient, practice and clinicians, medications,
/// specimens and services, and the items of every List (retrieve page: the Bundle holds the resources the
/// returned items reference). A problem's links to items of other areas are left out (they may point at areas
/// not asked for).
fn must_resolve(r: &Value, out: &mut Vec<String>) {
    const TYPES: &[&str] = &[
        "Patient/",
        "Organization/",
        "Practitioner/",
        "PractitionerRole/",
        "Location/",
        "Medication/",
        "Specimen/",
        "HealthcareService/",
    ];
    match r {
        Value::Object(o) => {
            for (k, v) in o {
                if k == "contained" || (k == "extension" && resource_type(r) == "Condition") {
                    continue;
                }
                if k == "reference" {
                    if let Some(s) = v
                        .as_str()
                        .filter(|s| TYPES.iter().any(|t| s.starts_with(t)))
                    {
                        out.push(s.to_string());
                    }
                } else {
                    must_resolve(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| must_resolve(i, out)),
        _ => {}
    }
}

#[then("every reference in the structured record should resolve inside the Bundle")]
fn references_resolve(w: &mut GpcWorld) -> Step {
    let all = entries(w)?;
    let keys: Vec<String> = all.iter().map(|(_, r)| key_of(r)).collect();
    for (i, r) in &all {
        let mut refs = Vec::new();
        must_resolve(r, &mut refs);
        if resource_type(r) == "List" {
            refs.extend(
                super::lists::items_of(r)
                    .into_iter()
                    .filter(|x| !x.starts_with('#')),
            );
        }
        if resource_type(r) == "MedicationStatement" {
            refs.extend(refs_at(r, "basedOn"));
        }
        if let Some(missing) = refs.iter().find(|x| !keys.contains(x)) {
            return Err(format!(
                "Bundle.entry[{i}].resource({}): the reference `{missing}` does not resolve inside the Bundle",
                resource_type(r)
            ));
        }
    }
    Ok(())
}

#[then("the structured record should hold no resource twice")]
fn no_duplicates(w: &mut GpcWorld) -> Step {
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in entries(w)? {
        if r.get("id").is_some() && !seen.insert(key_of(&r)) {
            return Err(format!(
                "Bundle.entry[{i}]: `{}` appears more than once",
                key_of(&r)
            ));
        }
    }
    Ok(())
}

fn outcomes(w: &GpcWorld) -> Result<Vec<(usize, Value)>, String> {
    Ok(entries(w)?
        .into_iter()
        .filter(|(_, r)| resource_type(r) == "OperationOutcome")
        .collect())
}

#[then("the structured record should hold no OperationOutcome")]
fn no_outcome(w: &mut GpcWorld) -> Step {
    match outcomes(w)?.first() {
        None => Ok(()),
        Some((i, o)) => Err(format!(
            "Bundle.entry[{i}]: expected no OperationOutcome, got one ({})",
            o.pointer("/issue/0/diagnostics")
                .and_then(Value::as_str)
                .unwrap_or("")
        )),
    }
}

#[then(expr = "the structured record should warn that {string} is an unrecognised parameter")]
fn unrecognised(w: &mut GpcWorld, name: String) -> Step {
    let found = outcomes(w)?;
    let [(i, o)] = found.as_slice() else {
        return Err(format!(
            "Bundle.entry: expected exactly one OperationOutcome, got {}",
            found.len()
        ));
    };
    let issues = o
        .get("issue")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let issue = issues
        .iter()
        .find(|x| x.get("diagnostics").and_then(Value::as_str) == Some(name.as_str()))
        .ok_or_else(|| format!("Bundle.entry[{i}].resource(OperationOutcome).issue: expected an issue with diagnostics `{name}`, got {}", serde_json::to_string(&issues).unwrap_or_default()))?;
    let s = |p: &str| {
        issue
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("(absent)")
            .to_string()
    };
    let expected = [
        ("/severity", "warning".to_string()),
        ("/code", "not-supported".to_string()),
        ("/details/coding/0/system", SPINE_CODES.to_string()),
        ("/details/coding/0/code", "NOT_IMPLEMENTED".to_string()),
        ("/details/coding/0/display", "Not implemented".to_string()),
        (
            "/details/text",
            format!("{name} is an unrecognised parameter"),
        ),
    ];
    for (path, value) in expected {
        if s(path) != value {
            return Err(format!(
                "Bundle.entry[{i}].resource(OperationOutcome).issue(`{name}`){}: expected `{value}`, got `{}`",
                path.replace('/', "."),
                s(path)
            ));
        }
    }
    Ok(())
}

#[then(expr = "the structured record OperationOutcome should have {int} issue(s)")]
fn outcome_issues(w: &mut GpcWorld, n: usize) -> Step {
    let found = outcomes(w)?;
    let [(i, o)] = found.as_slice() else {
        return Err(format!(
            "Bundle.entry: expected exactly one OperationOutcome, got {}",
            found.len()
        ));
    };
    let actual = o.get("issue").and_then(Value::as_array).map_or(0, Vec::len);
    if actual == n {
        Ok(())
    } else {
        Err(format!(
            "Bundle.entry[{i}].resource(OperationOutcome).issue: expected {n} issues, got {actual}"
        ))
    }
}
