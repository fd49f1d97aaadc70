//! The Lists of a structured record: the specification's primary and secondary List codes and titles
//! (lists-for-message-structure page), empty Lists, warnings and what each List's entries point at.

use cucumber::then;
use serde_json::Value;

use super::{entries, key_of, keys, Step};
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

const SNOMED: &str = "http://snomed.info/sct";
const SECONDARY: &str = "https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1";
const LIST_PROFILE: &str = "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1";
const WARNING_URL: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1";
const EMPTY_REASON: &str = "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1";

/// (title, code system, code, display) of the primary Lists.
const PRIMARY: &[(&str, &str, &str)] = &[
    (
        "Allergies and adverse reactions",
        "886921000000105",
        "Allergies and adverse reactions",
    ),
    ("Ended allergies", "1103671000000101", "Ended allergies"),
    (
        "List of consultations",
        "1149501000000101",
        "List of consultations",
    ),
    (
        "Patient recall administration",
        "714311000000108",
        "Patient recall administration",
    ),
    ("Immunisations", "1102181000000102", "Immunisations"),
    (
        "Investigations and results",
        "887191000000108",
        "Investigations and results",
    ),
    (
        "Medications and medical devices",
        "933361000000108",
        "Medications and medical devices",
    ),
    ("Outbound referral", "792931000000107", "Outbound referral"),
    ("Problems", "717711000000103", "Problems"),
    (
        "Uncategorised data",
        "826501000000100",
        "Miscellaneous record",
    ),
];

/// The code, system and display a List of this title must carry.
fn expected_code(title: &str) -> Result<(&'static str, String, String), String> {
    if let Some((_, code, display)) = PRIMARY.iter().find(|(t, _, _)| *t == title) {
        return Ok((SNOMED, (*code).to_string(), (*display).to_string()));
    }
    // Secondary lists: the title is the display, the code its words joined by hyphens.
    if title.starts_with("Problems - ") || title.starts_with("Consultations - ") {
        let code = title.replace(" - ", "-").replace(' ', "-").to_lowercase();
        return Ok((SECONDARY, code, title.to_string()));
    }
    Err(format!(
        "`{title}` is not a List title of the specification"
    ))
}

/// The Lists a query returns (not the Lists describing a consultation's structure, which name an Encounter).
pub fn query_lists(w: &GpcWorld) -> Result<Vec<(usize, Value)>, String> {
    Ok(entries(w)?
        .into_iter()
        .filter(|(_, r)| resource_type(r) == "List" && r.get("encounter").is_none())
        .collect())
}

/// The titles of Lists, for messages.
fn titles(lists: &[(usize, Value)]) -> Vec<&str> {
    lists
        .iter()
        .map(|(_, l)| {
            l.get("title")
                .and_then(Value::as_str)
                .unwrap_or("(untitled)")
        })
        .collect()
}

fn titled(w: &GpcWorld, title: &str) -> Result<Vec<(usize, Value)>, String> {
    Ok(query_lists(w)?
        .into_iter()
        .filter(|(_, l)| l.get("title").and_then(Value::as_str) == Some(title))
        .collect())
}

/// The one List of this title.
pub fn the_list(w: &GpcWorld, title: &str) -> Result<(usize, Value), String> {
    let mut found = titled(w, title)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!(
            "Bundle: expected a List titled `{title}`, found none (Lists: {:?})",
            titles(&query_lists(w)?)
        )),
        n => Err(format!(
            "Bundle: expected one List titled `{title}`, found {n}"
        )),
    }
}

/// The texts of a List's notes.
fn notes_of(l: &Value) -> Vec<&str> {
    l.get("note")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| n.get("text").and_then(Value::as_str))
        .collect()
}

/// The references of a List's entries.
pub fn items_of(list: &Value) -> Vec<String> {
    list.get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.pointer("/item/reference")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect()
}

#[then(expr = "the Bundle should contain {int} List(s)")]
fn list_count(w: &mut GpcWorld, n: usize) -> Step {
    let lists = query_lists(w)?;
    if lists.len() == n {
        return Ok(());
    }
    Err(format!(
        "Bundle: expected {n} Lists, got {} ({:?})",
        lists.len(),
        titles(&lists)
    ))
}

#[then(expr = "the Bundle should contain the List {string}")]
fn has_list(w: &mut GpcWorld, title: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let at = format!("Bundle.entry[{i}].resource(List `{title}`)");
    let (system, code, display) = expected_code(&title)?;
    let coding = l.pointer("/code/coding/0").cloned().unwrap_or(Value::Null);
    let got = |k: &str| {
        coding
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("(absent)")
            .to_string()
    };
    if got("system") != system || got("code") != code || got("display") != display {
        return Err(format!(
            "{at}.code: expected {system}|{code} \"{display}\", got {}|{} \"{}\"",
            got("system"),
            got("code"),
            got("display")
        ));
    }
    for (field, expected) in [("status", "current"), ("mode", "snapshot")] {
        let actual = l.get(field).and_then(Value::as_str).unwrap_or("(absent)");
        if actual != expected {
            return Err(format!(
                "{at}.{field}: expected `{expected}`, got `{actual}`"
            ));
        }
    }
    let profiles = l
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !profiles.iter().any(|p| p.as_str() == Some(LIST_PROFILE)) {
        return Err(format!(
            "{at}.meta.profile: expected {LIST_PROFILE}, got {profiles:?}"
        ));
    }
    let subject = l
        .pointer("/subject/reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let patients: Vec<String> = entries(w)?
        .iter()
        .filter(|(_, r)| resource_type(r) == "Patient")
        .map(|(_, r)| key_of(r))
        .collect();
    if !patients.iter().any(|p| p == subject) {
        return Err(format!(
            "{at}.subject: expected the Patient of the Bundle ({patients:?}), got `{subject}`"
        ));
    }
    Ok(())
}

#[then(expr = "the Bundle should not contain the List {string}")]
fn no_list(w: &mut GpcWorld, title: String) -> Step {
    let (_, code, _) = expected_code(&title)?;
    let found: Vec<(usize, Value)> = query_lists(w)?
        .into_iter()
        .filter(|(_, l)| {
            l.get("title").and_then(Value::as_str) == Some(title.as_str())
                || l.pointer("/code/coding/0/code").and_then(Value::as_str) == Some(code.as_str())
        })
        .collect();
    match found.first() {
        None => Ok(()),
        Some((i, _)) => Err(format!(
            "Bundle.entry[{i}]: expected no List `{title}`, but the Bundle holds one"
        )),
    }
}

#[then(expr = "the List {string} should be empty with the reason {string}")]
fn empty_list(w: &mut GpcWorld, title: String, reason: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let at = format!("Bundle.entry[{i}].resource(List `{title}`)");
    let n = items_of(&l).len();
    if n > 0 {
        return Err(format!("{at}.entry: expected no entries, got {n}"));
    }
    let system = l
        .pointer("/emptyReason/coding/0/system")
        .and_then(Value::as_str)
        .unwrap_or("(absent)");
    let code = l
        .pointer("/emptyReason/coding/0/code")
        .and_then(Value::as_str)
        .unwrap_or("(absent)");
    if system != EMPTY_REASON || code != reason {
        return Err(format!(
            "{at}.emptyReason: expected {EMPTY_REASON}|{reason}, got {system}|{code}"
        ));
    }
    let notes = notes_of(&l);
    if !notes.contains(&"Information not available") {
        return Err(format!(
            "{at}.note: expected the note \"Information not available\" with the empty reason, got {notes:?}"
        ));
    }
    Ok(())
}

/// Compares the number of a List's entries with `n`: `exactly`, `at least` or `at most`.
fn count_entries(w: &GpcWorld, title: &str, how: &str, n: usize) -> Step {
    let (i, l) = the_list(w, title)?;
    let actual = items_of(&l).len();
    let ok = match how {
        "at least" => actual >= n,
        "at most" => actual <= n,
        _ => actual == n,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Bundle.entry[{i}].resource(List `{title}`).entry: expected {how} {n} entries, got {actual}"
        ))
    }
}

#[then(expr = "the List {string} should have {int} entries")]
fn entry_count(w: &mut GpcWorld, title: String, n: usize) -> Step {
    count_entries(w, &title, "exactly", n)
}

#[then(expr = "the List {string} should have at least {int} entr(y)(ies)")]
fn entry_at_least(w: &mut GpcWorld, title: String, n: usize) -> Step {
    count_entries(w, &title, "at least", n)
}

#[then(expr = "the List {string} should have at most {int} entries")]
fn entry_at_most(w: &mut GpcWorld, title: String, n: usize) -> Step {
    count_entries(w, &title, "at most", n)
}

#[then(expr = "every entry of the List {string} should be a {word} in the Bundle")]
fn entries_resolve(w: &mut GpcWorld, title: String, kind: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let keys = keys(w)?;
    for (n, item) in items_of(&l).iter().enumerate() {
        if !item.starts_with(&format!("{kind}/")) {
            return Err(format!(
                "Bundle.entry[{i}].resource(List `{title}`).entry[{n}].item: expected a {kind} reference, got `{item}`"
            ));
        }
        if !keys.contains(item) {
            return Err(format!(
                "Bundle.entry[{i}].resource(List `{title}`).entry[{n}].item: `{item}` is not in the Bundle"
            ));
        }
    }
    Ok(())
}

#[then(expr = "every entry of the List {string} should be a {word} contained in the List")]
fn entries_contained(w: &mut GpcWorld, title: String, kind: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let contained: Vec<String> = l
        .get("contained")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| resource_type(r) == kind)
        .filter_map(|r| {
            r.get("id")
                .and_then(Value::as_str)
                .map(|id| format!("#{id}"))
        })
        .collect();
    for (n, item) in items_of(&l).iter().enumerate() {
        if !contained.contains(item) {
            return Err(format!(
                "Bundle.entry[{i}].resource(List `{title}`).entry[{n}].item: expected a reference to a {kind} contained in the List, got `{item}`"
            ));
        }
    }
    // Contained allergies exist only inside the List, never as Bundle entries.
    let ids: Vec<String> = contained
        .iter()
        .map(|c| format!("{kind}/{}", &c[1..]))
        .collect();
    if let Some((j, _)) = entries(w)?.iter().find(|(_, r)| ids.contains(&key_of(r))) {
        return Err(format!(
            "Bundle.entry[{j}]: a {kind} contained in the List `{title}` is also a Bundle entry"
        ));
    }
    Ok(())
}

/// The note each warning code carries (lists-for-message-structure page, "Warning codes"); `dd-Mmm-yyyy` stands for
/// a date such as 01-Jan-2026.
fn warning_note(code: &str) -> Option<regex::Regex> {
    let date = r"\d{2}-[A-Z][a-z]{2}-\d{4}";
    let text = match code {
        "confidential-items" => {
            r"^Items excluded due to confidentiality and/or patient preferences\.$".to_string()
        }
        "data-in-transit" => format!(
            r"^Patient record transfer from previous GP practice not yet complete; information recorded before {date} may be missing\.$"
        ),
        "data-awaiting-filing" => format!(
            r"^Patient record contains some items in the GP practice workflow that have not been reviewed for inclusion in this message; information recorded before {date} may be missing\.$"
        ),
        _ => return None,
    };
    regex::Regex::new(&text).ok()
}

fn warnings_of(l: &Value) -> Vec<String> {
    l.get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("url").and_then(Value::as_str) == Some(WARNING_URL))
        .filter_map(|e| e.get("valueCode").and_then(Value::as_str).map(String::from))
        .collect()
}

fn check_warning(at: &str, l: &Value, code: &str) -> Step {
    let codes = warnings_of(l);
    if !codes.iter().any(|c| c == code) {
        return Err(format!(
            "{at}.extension(warningCode): expected `{code}`, got {codes:?}"
        ));
    }
    let pattern = warning_note(code)
        .ok_or_else(|| format!("`{code}` is not a warning code of the specification"))?;
    let notes = notes_of(l);
    if notes.iter().any(|n| pattern.is_match(n)) {
        Ok(())
    } else {
        Err(format!(
            "{at}.note: the warning `{code}` needs its associated text (pattern {}), got {notes:?}",
            pattern.as_str()
        ))
    }
}

#[then(expr = "the List {string} should carry the warning {string} with its note")]
fn list_warning(w: &mut GpcWorld, title: String, code: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    check_warning(
        &format!("Bundle.entry[{i}].resource(List `{title}`)"),
        &l,
        &code,
    )
}

#[then(expr = "every List in the Bundle should carry the warning {string} with its note")]
fn every_list_warning(w: &mut GpcWorld, code: String) -> Step {
    let lists = query_lists(w)?;
    if lists.is_empty() {
        return Err("Bundle: expected Lists to carry the warning, found none".into());
    }
    for (i, l) in lists {
        check_warning(&format!("Bundle.entry[{i}].resource(List)"), &l, &code)?;
    }
    Ok(())
}

#[then("no List in the Bundle should carry a warning")]
fn no_warnings(w: &mut GpcWorld) -> Step {
    for (i, l) in query_lists(w)? {
        let codes = warnings_of(&l);
        if !codes.is_empty() {
            return Err(format!("Bundle.entry[{i}].resource(List).extension(warningCode): expected none, got {codes:?}"));
        }
    }
    Ok(())
}

#[then(expr = "the List {string} should carry no warning")]
fn list_no_warning(w: &mut GpcWorld, title: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let codes = warnings_of(&l);
    if codes.is_empty() {
        Ok(())
    } else {
        Err(format!("Bundle.entry[{i}].resource(List `{title}`).extension(warningCode): expected none, got {codes:?}"))
    }
}
