//! The consumer support hub's structured test records (`nhsconnect/gpc-consumer-support`, `test_data_files/`) as
//! records of the reference provider, for the patients they carry (see `data::consumer`).
//!
//! The files are GetStructuredRecord response Bundles. They are not copied into this repository: they are read,
//! when a request asks for one of their patients, from the folder `nhsconnect-gpc-consumer-support-test-data/` of
//! the provider's FHIR path (`../shared/fhir` in a development checkout), as the definitions are.
//!
//! A Bundle becomes a record the way the provider holds its own: the clinical items and the resources they
//! reference. The provider's own Patient stands for the file's (every `Patient/...` reference is pointed at it),
//! and the Lists are rebuilt per request by [`super::bundle`], so only the consultation structure Lists (those
//! with an `encounter`) are kept; ended allergies, which the files hold `contained` in their Ended allergies List,
//! become items of the record.
//!
//! Some of the files do not validate as they are. What the provider serves from them is corrected here, each
//! correction named by a [`Fix`] and counted, so that nothing fails the validator silently (the consumer test
//! data page lists the corrections per file):
//! - ids that are not FHIR ids (`0100000000000000_0b00000000000000`, two GUIDs joined into 73 characters) are
//!   made valid, with every reference to them;
//! - `numberOfRepeatPrescriptionsAllowed` written as `valuePositiveInt` is given the type the
//!   MedicationRepeatInformation extension defines (`valueUnsignedInt`);
//! - the SNOMED description id extension is removed from codings of ProcedureRequest and ReferralRequest, where
//!   its definition does not allow it;
//! - QuestionnaireResponse items without the mandatory `linkId` get their position as one;
//! - empty strings (FHIR forbids them) are removed;
//! - a problem whose `actualProblem` points at a resource type that extension does not allow (an Immunization)
//!   keeps the link as related clinical content instead;
//! - references to practitioners and organisations the file does not hold are removed from repeating elements
//!   (`Observation.performer`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::areas::{key_of, resource_type};
use super::bundle::RELATED_CONTENT;
use super::record::PatientRecord;
use crate::fhir::FhirPath;

/// The folder of the consumer support records in a FHIR path folder.
pub const FOLDER: &str = "nhsconnect-gpc-consumer-support-test-data";

const ACTUAL_PROBLEM: &str =
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ActualProblem-1";
/// The resource types `Extension-CareConnect-ActualProblem-1` may reference.
const ACTUAL_PROBLEM_TARGETS: &[&str] = &[
    "AllergyIntolerance",
    "Condition",
    "FamilyMemberHistory",
    "Observation",
];
const SCT_DESCRIPTION_ID: &str = "Extension-coding-sctdescid";
const REPEAT_INFORMATION: &str = "Extension-CareConnect-GPC-MedicationRepeatInformation-1";
/// The supporting resource types whose absence from a file makes a reference to them dangling.
const SUPPORTING_TYPES: &[&str] = &[
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
];

/// A consumer support record that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerSupportError {
    #[error(
        "consumer support record {file} was not found under {FOLDER}/ in the FHIR path ({searched}); point \
         --fhir-path or GPC_FHIR_PATH at the shared FHIR folder that holds it"
    )]
    Missing { file: String, searched: String },
    #[error("cannot read consumer support record {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("consumer support record {file} is not a structured record Bundle: {reason}")]
    Shape { file: String, reason: String },
    #[error("consumer support record {file}: `{first}` and `{second}` would both be served as `{served}`")]
    IdClash {
        file: String,
        first: String,
        second: String,
        served: String,
    },
}

/// A correction made to what is served from a consumer support record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fix {
    /// A resource id that is not a FHIR id, made one (and every reference to it).
    InvalidId,
    /// `numberOfRepeatPrescriptionsAllowed` as `valuePositiveInt`, given as `valueUnsignedInt`.
    RepeatAllowedType,
    /// The SNOMED description id extension on a coding where its definition does not allow it, removed.
    DescriptionIdContext,
    /// A QuestionnaireResponse item without `linkId`, given its position.
    MissingLinkId,
    /// An empty string, removed.
    EmptyString,
    /// An `actualProblem` pointing at a type the extension does not allow, kept as related clinical content.
    ActualProblemTarget,
    /// A reference to a practitioner or organisation the file does not hold, removed from a repeating element.
    DanglingReference,
}

impl Fix {
    pub const ALL: [Fix; 7] = [
        Fix::InvalidId,
        Fix::RepeatAllowedType,
        Fix::DescriptionIdContext,
        Fix::MissingLinkId,
        Fix::EmptyString,
        Fix::ActualProblemTarget,
        Fix::DanglingReference,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Fix::InvalidId => "resource ids that are not FHIR ids made valid, with their references",
            Fix::RepeatAllowedType => {
                "numberOfRepeatPrescriptionsAllowed sent as valueUnsignedInt instead of valuePositiveInt"
            }
            Fix::DescriptionIdContext => {
                "SNOMED description id extension removed from ProcedureRequest/ReferralRequest codings"
            }
            Fix::MissingLinkId => "QuestionnaireResponse items without linkId given their position",
            Fix::EmptyString => "empty strings removed",
            Fix::ActualProblemTarget => {
                "actualProblem pointing at an Immunization kept as relatedClinicalContent"
            }
            Fix::DanglingReference => {
                "references to practitioners/organisations absent from the file removed from repeating elements"
            }
        }
    }
}

/// A consumer support record as the provider serves it, with the corrections made to it.
#[derive(Debug, Clone, Default)]
pub struct ConsumerRecord {
    pub record: PatientRecord,
    pub fixes: BTreeMap<Fix, usize>,
}

/// Where a consumer support file lies in the FHIR path.
pub fn locate(fhir_path: &FhirPath, file: &str) -> Result<PathBuf, ConsumerSupportError> {
    fhir_path
        .folders
        .iter()
        .map(|f| f.join(FOLDER).join(file))
        .find(|p| p.is_file())
        .ok_or_else(|| ConsumerSupportError::Missing {
            file: file.to_string(),
            searched: fhir_path
                .folders
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Reads the files of one patient and makes them the patient's record; `patient_id` is the provider's logical id
/// of the patient.
pub fn load(
    fhir_path: &FhirPath,
    files: &[&str],
    patient_id: &str,
) -> Result<ConsumerRecord, ConsumerSupportError> {
    let mut bundles = Vec::new();
    for file in files {
        let path = locate(fhir_path, file)?;
        let text = std::fs::read_to_string(&path).map_err(|e| ConsumerSupportError::Read {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let bundle: Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
                ConsumerSupportError::Read {
                    path: path.clone(),
                    reason: e.to_string(),
                }
            })?;
        bundles.push(((*file).to_string(), bundle));
    }
    convert(&bundles, patient_id)
}

/// Makes structured record Bundles (file name, Bundle) one patient's record.
pub fn convert(
    bundles: &[(String, Value)],
    patient_id: &str,
) -> Result<ConsumerRecord, ConsumerSupportError> {
    let mut fixes = BTreeMap::new();
    let mut resources: Vec<Value> = Vec::new();
    let mut keys = BTreeSet::new();
    for (file, bundle) in bundles {
        let mut served_as: BTreeMap<String, String> = BTreeMap::new();
        for r in record_resources(file, bundle)? {
            let mut r = r;
            let original = key_of(&r);
            fix_ids(&mut r, patient_id, &mut fixes);
            let key = key_of(&r);
            if let Some(first) = served_as.insert(key.clone(), original.clone()) {
                if first != original {
                    return Err(ConsumerSupportError::IdClash {
                        file: file.clone(),
                        first,
                        second: original,
                        served: key,
                    });
                }
            }
            // Several files of one patient share their practitioners and organisations: the first copy serves.
            if keys.insert(key) {
                resources.push(r);
            }
        }
    }
    for r in &mut resources {
        fix_content(r, &mut fixes);
    }
    let held: BTreeSet<String> = resources.iter().map(key_of).collect();
    for r in &mut resources {
        let n = drop_dangling(r, &held);
        count(&mut fixes, Fix::DanglingReference, n);
    }
    Ok(ConsumerRecord {
        record: PatientRecord {
            resources,
            ..PatientRecord::default()
        },
        fixes,
    })
}

fn count(fixes: &mut BTreeMap<Fix, usize>, fix: Fix, n: usize) {
    if n > 0 {
        *fixes.entry(fix).or_default() += n;
    }
}

/// The resources of a Bundle that belong to the record: everything but the Patient and the Lists the provider
/// rebuilds; the consultation structure Lists; the allergies contained in dropped Lists.
fn record_resources(file: &str, bundle: &Value) -> Result<Vec<Value>, ConsumerSupportError> {
    let shape = |reason: &str| ConsumerSupportError::Shape {
        file: file.to_string(),
        reason: reason.to_string(),
    };
    if resource_type(bundle) != "Bundle" {
        return Err(shape("the file does not hold a Bundle"));
    }
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("the Bundle has no entries"))?;
    let mut out = Vec::new();
    let mut patients = 0;
    for entry in entries {
        let Some(r) = entry.get("resource").filter(|r| r.is_object()) else {
            return Err(shape("an entry has no resource"));
        };
        match resource_type(r) {
            "Patient" => patients += 1,
            "List" if r.get("encounter").is_some() => out.push(r.clone()),
            "List" => {
                let contained = r.get("contained").and_then(Value::as_array);
                out.extend(contained.into_iter().flatten().cloned());
            }
            "" => return Err(shape("an entry's resource has no resourceType")),
            _ => out.push(r.clone()),
        }
    }
    if patients != 1 {
        return Err(shape(&format!(
            "a structured record holds one Patient, this one {patients}"
        )));
    }
    Ok(out)
}

/// Is this a FHIR id (`[A-Za-z0-9\-\.]{1,64}`)?
pub fn is_fhir_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The id served for a file's id: itself when it is a FHIR id; otherwise its characters outside the id alphabet
/// replaced by `-`, and, when still too long, its first 47 characters and a digest of the whole.
pub fn served_id(id: &str) -> String {
    if is_fhir_id(id) {
        return id.to_string();
    }
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if is_fhir_id(&cleaned) {
        return cleaned;
    }
    // `cleaned` is ASCII, so any byte index is a character boundary.
    let head = cleaned.get(..47).unwrap_or(&cleaned);
    format!("{head}-{:016x}", fnv1a(id))
}

/// FNV-1a, 64 bits: a stable digest (the same served id on every run and platform).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Makes the resource's id (and its contained resources' ids) FHIR ids, points every reference at the served
/// ids and every `Patient/...` reference at the provider's patient.
fn fix_ids(r: &mut Value, patient_id: &str, fixes: &mut BTreeMap<Fix, usize>) {
    let mut changed = 0;
    if let Some(id) = r.get("id").and_then(Value::as_str) {
        let served = served_id(id);
        if served != id {
            changed += 1;
            r["id"] = Value::String(served);
        }
    }
    if let Some(contained) = r.get_mut("contained").and_then(Value::as_array_mut) {
        for c in contained {
            if let Some(id) = c.get("id").and_then(Value::as_str) {
                let served = served_id(id);
                if served != id {
                    changed += 1;
                    c["id"] = Value::String(served);
                }
            }
        }
    }
    count(fixes, Fix::InvalidId, changed);
    rewrite_references(r, patient_id);
}

fn rewrite_references(v: &mut Value, patient_id: &str) {
    match v {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                match v {
                    Value::String(s) if k == "reference" => {
                        if let Some(served) = served_reference(s, patient_id) {
                            *s = served;
                        }
                    }
                    _ => rewrite_references(v, patient_id),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| rewrite_references(i, patient_id)),
        _ => {}
    }
}

/// The served form of a relative reference (`Type/id`, `#id`); `None` leaves it as it is.
fn served_reference(reference: &str, patient_id: &str) -> Option<String> {
    if let Some(id) = reference.strip_prefix('#') {
        return Some(format!("#{}", served_id(id)));
    }
    if reference.contains("://") {
        return None;
    }
    let (ty, id) = reference.split_once('/')?;
    if ty == "Patient" {
        return Some(format!("Patient/{patient_id}"));
    }
    Some(format!("{ty}/{}", served_id(id)))
}

/// The corrections inside one resource.
fn fix_content(r: &mut Value, fixes: &mut BTreeMap<Fix, usize>) {
    count(fixes, Fix::EmptyString, drop_empty_strings(r));
    match resource_type(r) {
        "MedicationRequest" => count(fixes, Fix::RepeatAllowedType, repeat_allowed_type(r)),
        "ProcedureRequest" | "ReferralRequest" => {
            count(fixes, Fix::DescriptionIdContext, drop_description_ids(r));
        }
        "QuestionnaireResponse" => {
            if let Some(items) = r.get_mut("item").and_then(Value::as_array_mut) {
                count(fixes, Fix::MissingLinkId, link_ids(items, ""));
            }
        }
        "Condition" => count(fixes, Fix::ActualProblemTarget, actual_problem(r)),
        _ => {}
    }
}

fn drop_empty_strings(v: &mut Value) -> usize {
    let blank = |v: &Value| v.as_str().is_some_and(|s| s.trim().is_empty());
    match v {
        Value::Object(o) => {
            let before = o.len();
            o.retain(|_, v| !blank(v));
            let mut n = before - o.len();
            for v in o.values_mut() {
                n += drop_empty_strings(v);
            }
            n
        }
        Value::Array(items) => {
            let before = items.len();
            items.retain(|v| !blank(v));
            let mut n = before - items.len();
            for v in items.iter_mut() {
                n += drop_empty_strings(v);
            }
            n
        }
        _ => 0,
    }
}

fn extensions_mut(v: &mut Value) -> Option<&mut Vec<Value>> {
    v.get_mut("extension").and_then(Value::as_array_mut)
}

fn url_of(ext: &Value) -> &str {
    ext.get("url").and_then(Value::as_str).unwrap_or_default()
}

fn repeat_allowed_type(r: &mut Value) -> usize {
    let mut n = 0;
    for ext in extensions_mut(r).into_iter().flatten() {
        if !url_of(ext).ends_with(REPEAT_INFORMATION) {
            continue;
        }
        for part in extensions_mut(ext).into_iter().flatten() {
            if url_of(part) != "numberOfRepeatPrescriptionsAllowed" {
                continue;
            }
            if let Some(o) = part.as_object_mut() {
                if let Some(value) = o.remove("valuePositiveInt") {
                    o.insert("valueUnsignedInt".into(), value);
                    n += 1;
                }
            }
        }
    }
    n
}

/// Removes the SNOMED description id extension from every coding in the resource.
fn drop_description_ids(v: &mut Value) -> usize {
    match v {
        Value::Object(o) => {
            let mut n = 0;
            if o.contains_key("code") && o.contains_key("system") {
                n += drop_extension(o, |url| url.ends_with(SCT_DESCRIPTION_ID));
            }
            for v in o.values_mut() {
                n += drop_description_ids(v);
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(drop_description_ids).sum(),
        _ => 0,
    }
}

/// Removes the extensions whose url matches; an emptied `extension` goes too.
fn drop_extension(o: &mut Map<String, Value>, matches: impl Fn(&str) -> bool) -> usize {
    let Some(exts) = o.get_mut("extension").and_then(Value::as_array_mut) else {
        return 0;
    };
    let before = exts.len();
    exts.retain(|e| !matches(url_of(e)));
    let n = before - exts.len();
    if exts.is_empty() {
        o.remove("extension");
    }
    n
}

/// Gives items without `linkId` their position (`1`, `1.2`), recursively.
fn link_ids(items: &mut [Value], prefix: &str) -> usize {
    let mut n = 0;
    for (i, item) in items.iter_mut().enumerate() {
        let position = format!("{prefix}{}", i + 1);
        let Some(o) = item.as_object_mut() else {
            continue;
        };
        let missing = o
            .get("linkId")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty());
        if missing {
            o.insert("linkId".into(), Value::String(position.clone()));
            n += 1;
        }
        if let Some(children) = o.get_mut("item").and_then(Value::as_array_mut) {
            n += link_ids(children, &format!("{position}."));
        }
    }
    n
}

/// An `actualProblem` whose target type the extension does not allow becomes related clinical content.
fn actual_problem(r: &mut Value) -> usize {
    let Some(o) = r.as_object_mut() else {
        return 0;
    };
    let target_type = |e: &Value| {
        e.pointer("/valueReference/reference")
            .and_then(Value::as_str)
            .and_then(|t| t.split_once('/'))
            .map(|(ty, _)| ty.to_string())
    };
    let Some(exts) = o.get_mut("extension").and_then(Value::as_array_mut) else {
        return 0;
    };
    let (moved, kept): (Vec<Value>, Vec<Value>) = exts.drain(..).partition(|e| {
        url_of(e) == ACTUAL_PROBLEM
            && target_type(e).is_some_and(|t| !ACTUAL_PROBLEM_TARGETS.contains(&t.as_str()))
    });
    *exts = kept;
    for e in &moved {
        if let Some(reference) = e.get("valueReference") {
            exts.push(json!({ "url": RELATED_CONTENT, "valueReference": reference }));
        }
    }
    moved.len()
}

/// Removes, from arrays, bare references to practitioners and organisations not in `held`.
fn drop_dangling(v: &mut Value, held: &BTreeSet<String>) -> usize {
    let dangling = |item: &Value| {
        let Some(o) = item.as_object() else {
            return false;
        };
        let Some(reference) = o.get("reference").and_then(Value::as_str) else {
            return false;
        };
        let bare = o.keys().all(|k| k == "reference" || k == "display");
        let supporting = reference
            .split_once('/')
            .is_some_and(|(ty, _)| SUPPORTING_TYPES.contains(&ty));
        bare && supporting && !held.contains(reference)
    };
    match v {
        Value::Object(o) => {
            let mut n = 0;
            let mut emptied = Vec::new();
            for (k, v) in o.iter_mut() {
                if let Value::Array(items) = v {
                    let before = items.len();
                    items.retain(|i| !dangling(i));
                    n += before - items.len();
                    if items.is_empty() && before > 0 {
                        emptied.push(k.clone());
                    }
                }
                n += drop_dangling(v, held);
            }
            for k in emptied {
                o.remove(&k);
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|i| drop_dangling(i, held)).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_ids_are_fhir_ids_and_stable() {
        assert_eq!(served_id("p2-med.1"), "p2-med.1");
        assert_eq!(
            served_id("0100000000000000_0b00000000000000"),
            "0100000000000000-0b00000000000000"
        );
        let long = "567B852A-5775-4AEF-BB77-504D820F11F75E496953-065B-41F2-9577-BE8F2FBD0757";
        let other = "6D340A1B-BC15-4D4E-93CF-BBCB5B74DF735E496953-065B-41F2-9577-BE8F2FBD0757";
        assert!(is_fhir_id(&served_id(long)));
        assert_eq!(served_id(long).len(), 64);
        assert_eq!(served_id(long), served_id(long));
        assert_ne!(served_id(long), served_id(other));
    }

    #[test]
    fn a_bundle_becomes_a_record_with_its_corrections() {
        let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Patient", "id": "file_patient"}},
            {"resource": {"resourceType": "Practitioner", "id": "pr_1"}},
            {"resource": {"resourceType": "List", "id": "l1", "entry": [{"item": {"reference": "#a_1"}}],
                "contained": [{"resourceType": "AllergyIntolerance", "id": "a_1", "clinicalStatus": "resolved",
                    "patient": {"reference": "Patient/file_patient"}, "recorder": {"reference": "Practitioner/pr_1"}}]}},
            {"resource": {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/other"},
                "performer": [{"reference": "Practitioner/absent"}, {"reference": "Practitioner/pr_1"}],
                "comment": " "}},
            {"resource": {"resourceType": "Condition", "id": "c1", "extension": [
                {"url": ACTUAL_PROBLEM, "valueReference": {"reference": "Immunization/i1"}}]}}
        ]});
        let out = convert(&[("f.json".into(), bundle)], "121").expect("converted");
        let keys: Vec<String> = out.record.resources.iter().map(key_of).collect();
        assert_eq!(
            keys,
            [
                "Practitioner/pr-1",
                "AllergyIntolerance/a-1",
                "Observation/o1",
                "Condition/c1"
            ]
        );
        let r = &out.record.resources;
        assert_eq!(r[1]["patient"]["reference"], "Patient/121");
        assert_eq!(r[1]["recorder"]["reference"], "Practitioner/pr-1");
        assert_eq!(r[2]["subject"]["reference"], "Patient/121");
        assert_eq!(
            r[2]["performer"],
            json!([{"reference": "Practitioner/pr-1"}])
        );
        assert!(r[2].get("comment").is_none());
        assert_eq!(r[3]["extension"][0]["url"], RELATED_CONTENT);
        assert_eq!(out.fixes.get(&Fix::InvalidId), Some(&2));
        assert_eq!(out.fixes.get(&Fix::DanglingReference), Some(&1));
        assert_eq!(out.fixes.get(&Fix::EmptyString), Some(&1));
        assert_eq!(out.fixes.get(&Fix::ActualProblemTarget), Some(&1));
    }

    #[test]
    fn a_file_that_is_not_a_record_is_refused() {
        let no_patient = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation", "id": "o"}}]});
        assert!(matches!(
            convert(&[("f.json".into(), no_patient)], "1"),
            Err(ConsumerSupportError::Shape { .. })
        ));
        let clash = json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {"resource": {"resourceType": "Observation", "id": "a_b"}},
            {"resource": {"resourceType": "Observation", "id": "a-b"}}]});
        assert!(matches!(
            convert(&[("f.json".into(), clash)], "1"),
            Err(ConsumerSupportError::IdClash { .. })
        ));
    }
}
