//! Assembles the `GPConnect-StructuredRecord-Bundle-1` answer to a request: the patient and their practice, a
//! primary List per area asked for with its items, the secondary Lists of problems and consultations, the list of
//! problems linked to the returned items, warnings, and the resources those items reference.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::areas::{self, key_of, resource_type, Area, ListCode, ENDED_ALLERGIES};
use super::params::StructuredRequest;
use super::record::PatientRecord;

pub const LIST_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1";
pub const BUNDLE_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1";
pub const OUTCOME_PROFILE: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1";
const SNOMED: &str = "http://snomed.info/sct";
const SECONDARY_SYSTEM: &str =
    "https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1";
const WARNING_EXTENSION: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1";
const EMPTY_REASON_SYSTEM: &str =
    "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1";
pub(crate) const RELATED_CONTENT: &str =
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedClinicalContent-1";
const RELATED_PROBLEM: &str =
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedProblemHeader-1";
const SPINE_ERROR_SYSTEM: &str = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1";
/// The code of the list of problems linked to returned items.
pub const LINKED_PROBLEMS: &str = "problems-linked-problems-not-relating-to-the-primary-query";
/// The consultation structure List (SNOMED "Consultation").
const CONSULTATION_LIST_CODE: &str = "325851000000107";

/// The note each warning code carries (lists-for-message-structure page, "Warning codes").
pub fn warning_note(code: &str, since: Option<chrono::NaiveDate>) -> Option<String> {
    let date = since.map_or_else(
        || "(unknown)".to_string(),
        |d| d.format("%d-%b-%Y").to_string(),
    );
    match code {
        "confidential-items" => Some("Items excluded due to confidentiality and/or patient preferences.".into()),
        "data-in-transit" => Some(format!("Patient record transfer from previous GP practice not yet complete; information recorded before {date} may be missing.")),
        "data-awaiting-filing" => Some(format!("Patient record contains some items in the GP practice workflow that have not been reviewed for inclusion in this message; information recorded before {date} may be missing.")),
        _ => None,
    }
}

/// What the provider's faults change in the assembly (each a named behaviour of the kill matrix).
#[derive(Debug, Clone, Copy, Default)]
pub struct Quirks {
    pub no_empty_reason: bool,
    pub no_warning_codes: bool,
    pub no_linked_problems: bool,
    pub wrong_list_code: bool,
    pub dangling_reference: bool,
    pub resolved_as_active: bool,
    pub no_ended_list: bool,
}

/// The resources a request may draw on: the record, the shared data and the practice's own resources.
pub struct Sources<'a> {
    pub record: &'a PatientRecord,
    pub common: &'a [Value],
    /// Resolves a `Type/id` that is not in the record (Patient, practice Organization, Practitioner, Location).
    pub builtin: &'a dyn Fn(&str) -> Option<Value>,
    pub patient: Value,
    pub today: chrono::NaiveDate,
}

impl Sources<'_> {
    fn find(&self, key: &str) -> Option<Value> {
        self.record
            .resources
            .iter()
            .chain(self.common.iter())
            .find(|r| key_of(r) == key)
            .cloned()
            .or_else(|| (self.builtin)(key))
    }
}

/// Entries being collected, in order, without duplicates.
#[derive(Default)]
struct Out {
    keys: BTreeSet<String>,
    entries: Vec<Value>,
    lists: Vec<Value>,
}

impl Out {
    fn add(&mut self, r: Value) -> bool {
        let key = key_of(&r);
        if self.keys.insert(key) {
            self.entries.push(r);
            true
        } else {
            false
        }
    }
}

/// Resource types whose references are always followed into the Bundle.
const SUPPORTING: &[&str] = &[
    "Patient",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "HealthcareService",
    "Medication",
    "Specimen",
];

/// Adds `r` and, transitively, the supporting resources it references; `follow` adds types for this item's chain
/// (an investigation's Observations and ProcedureRequest, a medication's plan).
fn add_with_support(out: &mut Out, src: &Sources, r: Value, follow: &[&str]) {
    let mut todo = vec![r];
    while let Some(r) = todo.pop() {
        let refs = areas::references(&r);
        if !out.add(r) {
            continue;
        }
        for key in refs {
            let ty = key.split('/').next().unwrap_or_default();
            if (SUPPORTING.contains(&ty) || follow.contains(&ty)) && !out.keys.contains(&key) {
                if let Some(found) = src.find(&key) {
                    todo.push(found);
                }
            }
        }
    }
}

fn code_of(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }] })
}

fn list(
    code: Value,
    title: &str,
    patient_ref: &str,
    entries: Vec<String>,
    today: chrono::NaiveDate,
) -> Value {
    json!({
        "resourceType": "List",
        "meta": { "profile": [LIST_PROFILE] },
        "status": "current",
        "mode": "snapshot",
        "title": title,
        "code": code,
        "subject": { "reference": patient_ref },
        "date": today.format("%Y-%m-%d").to_string(),
        "orderedBy": { "coding": [{ "system": "http://hl7.org/fhir/list-order", "code": "event-date", "display": "Sorted by Event Date" }] },
        "entry": entries.into_iter().map(|r| json!({ "item": { "reference": r } })).collect::<Vec<_>>()
    })
}

/// Adds warning codes (with their notes) and, for a list with no entries, the empty reason.
fn finish_list(l: &mut Value, warnings: &[String], src: &Sources, q: Quirks) {
    let mut notes = Vec::new();
    if !q.no_warning_codes {
        let mut exts = Vec::new();
        for w in warnings {
            exts.push(json!({ "url": WARNING_EXTENSION, "valueCode": w }));
            if let Some(n) = warning_note(w, src.record.transit_since) {
                notes.push(json!({ "text": n }));
            }
        }
        if !exts.is_empty() {
            l["extension"] = Value::Array(exts);
        }
    }
    let empty = l
        .get("entry")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if empty {
        if let Some(o) = l.as_object_mut() {
            o.remove("entry");
            o.remove("orderedBy");
        }
        if !q.no_empty_reason {
            l["emptyReason"] = code_of(
                EMPTY_REASON_SYSTEM,
                "no-content-recorded",
                "No Content Recorded",
            );
            notes.push(json!({ "text": "Information not available" }));
        }
    }
    if !notes.is_empty() {
        l["note"] = Value::Array(notes);
    }
}

/// The warnings that apply to the lists of an area.
fn warnings_for(src: &Sources, area: Area) -> Vec<String> {
    let mut w: Vec<String> = src
        .record
        .warnings
        .get(area.parameter())
        .cloned()
        .unwrap_or_default();
    if src.record.transit_since.is_some() && !w.iter().any(|c| c == "data-in-transit") {
        w.push("data-in-transit".into());
    }
    w
}

fn primary_code(lc: &ListCode, q: Quirks) -> Value {
    let code = if q.wrong_list_code {
        "163020007"
    } else {
        lc.code
    };
    code_of(SNOMED, code, lc.display)
}

/// Conditions of the record that link to `key` (relatedClinicalContent), with the problems they relate to.
fn problems_linking<'a>(record: &'a [Value], key: &str) -> Vec<&'a Value> {
    record
        .iter()
        .filter(|r| resource_type(r) == "Condition")
        .filter(|c| {
            extension_targets(c, RELATED_CONTENT)
                .iter()
                .any(|t| t == key)
        })
        .collect()
}

/// The references an extension of `url` (directly, or in a `target` sub-extension) points at.
fn extension_targets(r: &Value, url: &str) -> Vec<String> {
    r.get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("url").and_then(Value::as_str) == Some(url))
        .flat_map(|e| {
            let direct = e
                .pointer("/valueReference/reference")
                .and_then(Value::as_str);
            let nested = e
                .get("extension")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    s.pointer("/valueReference/reference")
                        .and_then(Value::as_str)
                });
            direct
                .into_iter()
                .chain(nested)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Extra resource types followed from an item of `area`.
fn chain_of(area: Area) -> &'static [&'static str] {
    match area {
        Area::Medication => &["MedicationRequest"],
        Area::Investigations => &["Observation", "ProcedureRequest", "Specimen"],
        _ => &[],
    }
}

/// Adds an item (of any area) with everything its area brings along.
fn add_item(out: &mut Out, src: &Sources, item: &Value, req: &StructuredRequest) {
    let area = Area::of_item(item);
    let mut follow: Vec<&str> = area.map(chain_of).unwrap_or_default().to_vec();
    // An investigation's Observations bring their own members.
    if resource_type(item) == "MedicationStatement" {
        follow.push("MedicationRequest");
    }
    add_with_support(out, src, item.clone(), &follow);
    if resource_type(item) == "DiagnosticReport" {
        // Observations that point into the report without being referenced by it (a filing comment on a result).
        for key in areas::report_observations(&src.record.resources, [item]) {
            if !out.keys.contains(&key) {
                if let Some(found) = src.find(&key) {
                    add_with_support(out, src, found, &follow);
                }
            }
        }
    }
    if resource_type(item) == "MedicationStatement"
        && req.medication.is_none_or(|m| m.prescription_issues)
    {
        // Issues (intent order) of the statement's plans.
        let plans: Vec<String> = item
            .get("basedOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("reference").and_then(Value::as_str).map(String::from))
            .collect();
        let orders: Vec<Value> = src
            .record
            .resources
            .iter()
            .filter(|r| resource_type(r) == "MedicationRequest")
            .filter(|r| r.get("intent").and_then(Value::as_str) == Some("order"))
            .filter(|r| areas::references(r).iter().any(|x| plans.contains(x)))
            .cloned()
            .collect();
        for o in orders {
            add_with_support(out, src, o, &["MedicationRequest"]);
        }
    }
    if resource_type(item) == "List" {
        // A consultation topic or category linked from a problem brings the Lists and items it holds, so that
        // its entries resolve inside the Bundle.
        let entries: Vec<String> = item
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.pointer("/item/reference").and_then(Value::as_str))
            .map(String::from)
            .collect();
        for key in entries {
            if out.keys.contains(&key) {
                continue;
            }
            if let Some(found) = src.record.resources.iter().find(|r| key_of(r) == key) {
                add_item(out, src, found, req);
            }
        }
    }
}

/// Builds the Bundle for `req`; `disabled` names the areas asked for that are switched off.
pub fn build(req: &StructuredRequest, src: &Sources, q: Quirks, disabled: &[&str]) -> Value {
    let mut out = Out::default();
    let patient_ref = key_of(&src.patient);
    add_with_support(&mut out, src, src.patient.clone(), &[]);
    // The usual GP's role at the practice.
    let gps: Vec<String> = src
        .patient
        .get("generalPractitioner")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("reference").and_then(Value::as_str).map(String::from))
        .collect();
    for role in src
        .common
        .iter()
        .filter(|r| resource_type(r) == "PractitionerRole")
    {
        if areas::references(role).iter().any(|r| gps.contains(r)) {
            add_with_support(&mut out, src, role.clone(), &[]);
        }
    }
    let record = &src.record.resources;
    let plan_of = |s: &Value| -> Option<&Value> {
        let plan = s.pointer("/basedOn/0/reference").and_then(Value::as_str)?;
        record.iter().find(|r| key_of(r) == plan)
    };
    let mut linked_problems: BTreeSet<String> = BTreeSet::new();
    let mut primary_problems: BTreeSet<String> = BTreeSet::new();
    let asked: Vec<Area> = Area::ALL.into_iter().filter(|a| asks(req, *a)).collect();
    for area in &asked {
        let items = areas::select(*area, req, record, &plan_of);
        let warnings = warnings_for(src, *area);
        match area {
            Area::Allergies => {
                let (ended, active): (Vec<&Value>, Vec<&Value>) = if q.resolved_as_active {
                    // The fault: every allergy, ended or not, is listed as active.
                    (
                        Vec::new(),
                        record
                            .iter()
                            .filter(|r| resource_type(r) == "AllergyIntolerance")
                            .collect(),
                    )
                } else {
                    items.into_iter().partition(|a| areas::allergy_ended(a))
                };
                out.lists.push(primary_list(
                    *area,
                    &active,
                    &patient_ref,
                    &warnings,
                    src,
                    q,
                ));
                for a in &active {
                    add_item(&mut out, src, a, req);
                }
                if req.allergies == Some(true) && !q.no_ended_list {
                    let mut l = list(
                        primary_code(&ENDED_ALLERGIES, q),
                        ENDED_ALLERGIES.title,
                        &patient_ref,
                        ended
                            .iter()
                            .map(|a| format!("#{}", areas::id_of(a)))
                            .collect(),
                        src.today,
                    );
                    if !ended.is_empty() {
                        // A contained resource carries no versionId (dom-4).
                        let contained = ended
                            .iter()
                            .map(|a| {
                                let mut a = (*a).clone();
                                if let Some(m) = a.get_mut("meta").and_then(Value::as_object_mut) {
                                    m.remove("versionId");
                                }
                                a
                            })
                            .collect();
                        l["contained"] = Value::Array(contained);
                        // The supporting resources of contained allergies are still Bundle entries.
                        for a in &ended {
                            for key in areas::references(a) {
                                let ty = key.split('/').next().unwrap_or_default();
                                if SUPPORTING.contains(&ty) {
                                    if let Some(found) = src.find(&key) {
                                        add_with_support(&mut out, src, found, &[]);
                                    }
                                }
                            }
                        }
                    }
                    finish_list(&mut l, &warnings, src, q);
                    out.lists.push(l);
                }
                for a in active.iter().chain(ended.iter()) {
                    note_linked(&mut linked_problems, record, a);
                }
            }
            Area::Problems => {
                out.lists
                    .push(primary_list(*area, &items, &patient_ref, &warnings, src, q));
                let mut secondary: BTreeMap<Area, Vec<String>> = BTreeMap::new();
                for c in &items {
                    primary_problems.insert(key_of(c));
                    add_item(&mut out, src, c, req);
                    for target in extension_targets(c, RELATED_CONTENT) {
                        if let Some(found) = record.iter().find(|r| key_of(r) == target) {
                            if let Some(a) = Area::of_item(found) {
                                secondary.entry(a).or_default().push(target.clone());
                            }
                            add_item(&mut out, src, found, req);
                        }
                    }
                    for related in extension_targets(c, RELATED_PROBLEM) {
                        linked_problems.insert(related);
                    }
                }
                for (a, keys) in secondary {
                    let code = format!("problems-{}-related-to-problems", a.secondary_word());
                    out.lists
                        .push(secondary_list(&code, &patient_ref, keys, src, q, a));
                }
            }
            Area::Consultations => {
                out.lists
                    .push(primary_list(*area, &items, &patient_ref, &warnings, src, q));
                let mut secondary: BTreeMap<Area, Vec<String>> = BTreeMap::new();
                for e in &items {
                    add_item(&mut out, src, e, req);
                    // Problems linked to the consultation itself belong to the linked problems List.
                    note_linked(&mut linked_problems, record, e);
                    let enc = key_of(e);
                    // The consultation's structure: its Consultation List, topics and categories.
                    let mut todo: Vec<Value> = record
                        .iter()
                        .filter(|r| resource_type(r) == "List")
                        .filter(|r| {
                            r.pointer("/encounter/reference").and_then(Value::as_str)
                                == Some(enc.as_str())
                        })
                        .filter(|r| {
                            r.pointer("/code/coding/0/code").and_then(Value::as_str)
                                == Some(CONSULTATION_LIST_CODE)
                        })
                        .cloned()
                        .collect();
                    while let Some(structure) = todo.pop() {
                        for key in areas::references(&structure) {
                            let Some(found) = record.iter().find(|r| key_of(r) == key) else {
                                continue;
                            };
                            match resource_type(found) {
                                "List" => todo.push(found.clone()),
                                "Encounter" | "Patient" | "Practitioner" | "PractitionerRole"
                                | "Organization" | "Location" => {}
                                _ => {
                                    if let Some(a) = Area::of_item(found) {
                                        let keys = secondary.entry(a).or_default();
                                        if !keys.contains(&key) {
                                            keys.push(key.clone());
                                        }
                                    }
                                    add_item(&mut out, src, found, req);
                                    note_linked(&mut linked_problems, record, found);
                                }
                            }
                        }
                        add_with_support(&mut out, src, structure, &[]);
                    }
                }
                for (a, keys) in secondary {
                    let code = if a == Area::Referrals {
                        "consultations-outbound-referrals-in-consultations".to_string()
                    } else {
                        format!(
                            "consultations-{}-contained-in-consultations",
                            a.secondary_word()
                        )
                    };
                    out.lists
                        .push(secondary_list(&code, &patient_ref, keys, src, q, a));
                }
            }
            _ => {
                out.lists
                    .push(primary_list(*area, &items, &patient_ref, &warnings, src, q));
                for r in &items {
                    add_item(&mut out, src, r, req);
                    note_linked(&mut linked_problems, record, r);
                }
            }
        }
    }
    // Problems linked to returned items but not themselves returned as primary problems.
    let linked: Vec<String> = linked_problems
        .into_iter()
        .filter(|k| !primary_problems.contains(k))
        .filter(|k| record.iter().any(|r| key_of(r) == *k))
        .collect();
    if !linked.is_empty() && !q.no_linked_problems {
        for k in &linked {
            if let Some(c) = record.iter().find(|r| key_of(r) == *k) {
                add_with_support(&mut out, src, c.clone(), &[]);
            }
        }
        out.lists.push(secondary_list(
            LINKED_PROBLEMS,
            &patient_ref,
            linked,
            src,
            q,
            Area::Problems,
        ));
    }
    let mut entries = out.entries;
    if q.dangling_reference {
        entries.retain(|r| resource_type(r) != "Practitioner");
    }
    entries.extend(out.lists);
    if !req.unsupported.is_empty() || !disabled.is_empty() {
        entries.push(warnings_outcome(&req.unsupported, disabled));
    }
    json!({
        "resourceType": "Bundle",
        "meta": { "profile": [BUNDLE_PROFILE] },
        "type": "collection",
        "entry": entries.into_iter().map(|r| json!({ "resource": r })).collect::<Vec<_>>()
    })
}

/// The primary List of `area` holding `items`, with its warnings (or empty reason).
fn primary_list(
    area: Area,
    items: &[&Value],
    patient_ref: &str,
    warnings: &[String],
    src: &Sources,
    q: Quirks,
) -> Value {
    let mut l = list(
        primary_code(&area.list(), q),
        area.list().title,
        patient_ref,
        items.iter().map(|r| key_of(r)).collect(),
        src.today,
    );
    finish_list(&mut l, warnings, src, q);
    l
}

fn note_linked(linked: &mut BTreeSet<String>, record: &[Value], item: &Value) {
    for c in problems_linking(record, &key_of(item)) {
        linked.insert(key_of(c));
    }
}

fn secondary_list(
    code: &str,
    patient_ref: &str,
    keys: Vec<String>,
    src: &Sources,
    q: Quirks,
    area: Area,
) -> Value {
    let title = secondary_title(code);
    let mut l = list(
        code_of(SECONDARY_SYSTEM, code, &title),
        &title,
        patient_ref,
        keys,
        src.today,
    );
    finish_list(&mut l, &warnings_for(src, area), src, q);
    l
}

/// `problems-medications-related-to-problems` -> `Problems - medications related to problems`.
fn secondary_title(code: &str) -> String {
    let (head, rest) = code.split_once('-').unwrap_or((code, ""));
    let mut h = head.to_string();
    if let Some(first) = h.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    format!("{h} - {}", rest.replace('-', " "))
}

/// Was `area` asked for?
pub fn asks(req: &StructuredRequest, area: Area) -> bool {
    match area {
        Area::Allergies => req.allergies.is_some(),
        Area::Medication => req.medication.is_some(),
        Area::Consultations => req.consultations.is_some(),
        Area::Problems => req.problems.is_some(),
        Area::Immunisations => req.immunisations.is_some(),
        Area::Uncategorised => req.uncategorised.is_some(),
        Area::Investigations => req.investigations.is_some(),
        Area::Referrals => req.referrals.is_some(),
        Area::Diary => req.diary.is_some(),
    }
}

/// The one OperationOutcome of a successful answer: a warning per unrecognised parameter or part (version
/// compatibility page) and per clinical area asked for but switched off (clinical area configuration page).
fn warnings_outcome(unsupported: &[String], disabled: &[&str]) -> Value {
    let issue = |text: String, diagnostics: &str| {
        json!({
            "severity": "warning",
            "code": "not-supported",
            "details": {
                "coding": [{ "system": SPINE_ERROR_SYSTEM, "code": "NOT_IMPLEMENTED", "display": "Not implemented" }],
                "text": text
            },
            "diagnostics": diagnostics
        })
    };
    let issues: Vec<Value> = unsupported
        .iter()
        .map(|n| issue(format!("{n} is an unrecognised parameter"), n))
        .chain(
            disabled
                .iter()
                .map(|n| issue(format!("{n} has been disabled"), n)),
        )
        .collect();
    json!({
        "resourceType": "OperationOutcome",
        "meta": { "profile": [OUTCOME_PROFILE] },
        "issue": issues
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_investigation_brings_the_filing_comment_on_its_result() {
        let record = PatientRecord {
            resources: vec![
                json!({"resourceType": "DiagnosticReport", "id": "dr", "issued": "2024-01-11T10:00:00+00:00",
                    "subject": {"reference": "Patient/2"}, "result": [{"reference": "Observation/result"}]}),
                json!({"resourceType": "Observation", "id": "result", "effectiveDateTime": "2024-01-10"}),
                json!({"resourceType": "Observation", "id": "filed", "effectiveDateTime": "2024-01-12",
                    "related": [{"type": "derived-from", "target": {"reference": "Observation/result"}}]}),
            ],
            ..PatientRecord::default()
        };
        let builtin = |_: &str| None;
        let src = Sources {
            record: &record,
            common: &[],
            builtin: &builtin,
            patient: json!({"resourceType": "Patient", "id": "2"}),
            today: chrono::NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"),
        };
        let keys = |req: &StructuredRequest| -> Vec<String> {
            build(req, &src, Quirks::default(), &[])["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| key_of(&e["resource"]))
                .filter(|k| k.starts_with("Observation/"))
                .collect()
        };
        let investigations = StructuredRequest {
            investigations: Some(Default::default()),
            ..StructuredRequest::default()
        };
        assert_eq!(
            keys(&investigations),
            ["Observation/result", "Observation/filed"]
        );
        let uncategorised = StructuredRequest {
            uncategorised: Some(Default::default()),
            ..StructuredRequest::default()
        };
        assert!(keys(&uncategorised).is_empty());
    }

    #[test]
    fn secondary_titles_follow_the_code() {
        assert_eq!(
            secondary_title("problems-medications-related-to-problems"),
            "Problems - medications related to problems"
        );
        assert_eq!(
            secondary_title(LINKED_PROBLEMS),
            "Problems - linked problems not relating to the primary query"
        );
    }
}
