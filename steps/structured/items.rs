//! Expectations on the items of each clinical area: allergies (active and ended), medication (plans, issues and
//! the search date rule), problems (status, links), immunisations, and the date filters of the other areas. The
//! rules are the retrieve page's, written here independently of the reference provider.

use chrono::NaiveDate;
use cucumber::then;
use serde_json::Value;

use super::lists::{items_of, the_list};
use super::{entries, key_of, keys, of_type, refs_at, Step};
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

const ALLERGY_END: &str = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-AllergyIntoleranceEnd-1";
const RELATED_CONTENT: &str = "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedClinicalContent-1";

fn s<'a>(r: &'a Value, pointer: &str) -> Option<&'a str> {
    r.pointer(pointer).and_then(Value::as_str)
}

/// The resources a List's entries point at, from the Bundle.
fn listed(w: &GpcWorld, title: &str) -> Result<Vec<(usize, Value)>, String> {
    let (_, l) = the_list(w, title)?;
    let wanted = items_of(&l);
    Ok(entries(w)?
        .into_iter()
        .filter(|(_, r)| wanted.contains(&key_of(r)))
        .collect())
}

#[then(expr = "every allergy in the List {string} should be active")]
fn allergies_active(w: &mut GpcWorld, title: String) -> Step {
    for (i, a) in listed(w, &title)? {
        let status = s(&a, "/clinicalStatus").unwrap_or("(absent)");
        if status != "active" {
            return Err(format!("Bundle.entry[{i}].resource(AllergyIntolerance).clinicalStatus: expected `active` in the List `{title}`, got `{status}`"));
        }
    }
    Ok(())
}

#[then("the Bundle should hold no ended allergy as an entry")]
fn no_ended_entries(w: &mut GpcWorld) -> Step {
    for (i, a) in of_type(w, "AllergyIntolerance")? {
        if s(&a, "/clinicalStatus") == Some("resolved") {
            return Err(format!("Bundle.entry[{i}].resource(AllergyIntolerance `{}`): an ended allergy must only be contained in the Ended allergies List", key_of(&a)));
        }
    }
    Ok(())
}

fn end_extension(a: &Value) -> Option<&Value> {
    a.get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| s(e, "/url") == Some(ALLERGY_END))
}

fn sub_extension<'a>(e: &'a Value, url: &str) -> Option<&'a Value> {
    e.get("extension")
        .and_then(Value::as_array)?
        .iter()
        .find(|x| s(x, "/url") == Some(url))
}

#[then(
    expr = "every allergy contained in the List {string} should be ended with an end date and a reason"
)]
fn contained_ended(w: &mut GpcWorld, title: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let contained = l
        .get("contained")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (n, a) in contained.iter().enumerate() {
        let at = format!("Bundle.entry[{i}].resource(List `{title}`).contained[{n}]");
        if s(a, "/clinicalStatus") != Some("resolved") {
            return Err(format!(
                "{at}.clinicalStatus: expected `resolved`, got `{}`",
                s(a, "/clinicalStatus").unwrap_or("(absent)")
            ));
        }
        let end = end_extension(a).ok_or_else(|| {
            format!("{at}.extension: expected the allergy end extension {ALLERGY_END}")
        })?;
        if sub_extension(end, "endDate").is_none() || sub_extension(end, "reasonEnded").is_none() {
            return Err(format!(
                "{at}.extension(allergyEnd): expected both endDate and reasonEnded"
            ));
        }
    }
    Ok(())
}

#[then(expr = "every allergy contained in the List {string} should give the reason ended {string}")]
fn reason_ended(w: &mut GpcWorld, title: String, reason: String) -> Step {
    let (i, l) = the_list(w, &title)?;
    let contained = l
        .get("contained")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if contained.is_empty() {
        return Err(format!("Bundle.entry[{i}].resource(List `{title}`).contained: expected ended allergies, found none"));
    }
    for (n, a) in contained.iter().enumerate() {
        let got = end_extension(a)
            .and_then(|e| sub_extension(e, "reasonEnded"))
            .and_then(|r| s(r, "/valueString"))
            .unwrap_or("(absent)");
        if got != reason {
            return Err(format!("Bundle.entry[{i}].resource(List `{title}`).contained[{n}] reasonEnded: expected `{reason}`, got `{got}`"));
        }
    }
    Ok(())
}

#[then(expr = "the List {string} should hold an item coded {string}")]
fn coded_item(w: &mut GpcWorld, title: String, code: String) -> Step {
    let items = listed(w, &title)?;
    let has = items.iter().any(|(_, r)| {
        r.pointer("/code/coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| s(c, "/code") == Some(code.as_str()))
    });
    if has {
        Ok(())
    } else {
        Err(format!(
            "List `{title}`: expected an item coded {code}, got {:?}",
            items
                .iter()
                .map(|(_, r)| s(r, "/code/coding/0/code").unwrap_or("?").to_string())
                .collect::<Vec<_>>()
        ))
    }
}

#[then(expr = "the List {string} should hold every {word} in the Bundle")]
fn list_holds_all(w: &mut GpcWorld, title: String, kind: String) -> Step {
    let (_, l) = the_list(w, &title)?;
    let items = items_of(&l);
    for (i, r) in of_type(w, &kind)? {
        if !items.contains(&key_of(&r)) {
            return Err(format!(
                "Bundle.entry[{i}].resource({kind} `{}`) is not an entry of the List `{title}`",
                key_of(&r)
            ));
        }
    }
    Ok(())
}

fn plan_of(w: &GpcWorld, statement: &Value) -> Result<Option<Value>, String> {
    let bases = refs_at(statement, "basedOn");
    Ok(of_type(w, "MedicationRequest")?
        .into_iter()
        .map(|(_, r)| r)
        .find(|r| bases.contains(&key_of(r)) && s(r, "/intent") == Some("plan")))
}

#[then("every MedicationStatement should be based on a plan MedicationRequest in the Bundle")]
fn statements_planned(w: &mut GpcWorld) -> Step {
    let statements = of_type(w, "MedicationStatement")?;
    if statements.is_empty() {
        return Err("Bundle.entry: expected MedicationStatements, found none".into());
    }
    for (i, st) in statements {
        if plan_of(w, &st)?.is_none() {
            return Err(format!("Bundle.entry[{i}].resource(MedicationStatement).basedOn: expected a MedicationRequest with intent `plan` in the Bundle, got {:?}", refs_at(&st, "basedOn")));
        }
    }
    Ok(())
}

fn issues(w: &GpcWorld) -> Result<Vec<(usize, Value)>, String> {
    Ok(of_type(w, "MedicationRequest")?
        .into_iter()
        .filter(|(_, r)| s(r, "/intent") == Some("order"))
        .collect())
}

#[then("the Bundle should hold no prescription issues")]
fn no_issues(w: &mut GpcWorld) -> Step {
    match issues(w)?.first() {
        None => Ok(()),
        Some((i, _)) => Err(format!("Bundle.entry[{i}].resource(MedicationRequest).intent: expected no issues (intent `order`) when includePrescriptionIssues is false, got one")),
    }
}

#[then(
    expr = "the Bundle should hold at least {int} prescription issue(s), each based on a plan in the Bundle"
)]
fn some_issues(w: &mut GpcWorld, n: usize) -> Step {
    let found = issues(w)?;
    if found.len() < n {
        return Err(format!("Bundle.entry: expected at least {n} prescription issues (MedicationRequest intent `order`), got {}", found.len()));
    }
    let plans: Vec<String> = of_type(w, "MedicationRequest")?
        .into_iter()
        .filter(|(_, r)| s(r, "/intent") == Some("plan"))
        .map(|(_, r)| key_of(&r))
        .collect();
    for (i, o) in found {
        if !refs_at(&o, "basedOn").iter().any(|b| plans.contains(b)) {
            return Err(format!("Bundle.entry[{i}].resource(MedicationRequest).basedOn: an issue must be based on a plan in the Bundle, got {:?}", refs_at(&o, "basedOn")));
        }
    }
    Ok(())
}

/// The interval of days a FHIR date or dateTime covers (a partial date covers its year or month).
fn span(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let d = text.get(..10).unwrap_or(text);
    match d.len() {
        10 => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .map(|x| (x, x)),
        7 => {
            let first = NaiveDate::parse_from_str(&format!("{d}-01"), "%Y-%m-%d").ok()?;
            Some((
                first,
                first
                    .checked_add_months(chrono::Months::new(1))?
                    .pred_opt()?,
            ))
        }
        4 => {
            let y = d.parse().ok()?;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        }
        _ => None,
    }
}

fn day(w: &GpcWorld, text: &str) -> Result<NaiveDate, String> {
    let t = w.expand(text)?;
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| format!("`{t}` is not a date"))
}

#[then(expr = "every MedicationStatement should be active on or after {string}")]
fn active_from(w: &mut GpcWorld, from: String) -> Step {
    let from = day(w, &from)?;
    for (i, st) in of_type(w, "MedicationStatement")? {
        let elsewhere = st
            .get("extension")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|e| {
                s(e, "/valueCodeableConcept/coding/0/code")
                    == Some("prescribed-by-another-organisation")
            });
        if elsewhere {
            continue;
        }
        let start = s(&st, "/effectivePeriod/start").and_then(span);
        let end = s(&st, "/effectivePeriod/end").and_then(span);
        let acute = plan_of(w, &st)?.is_some_and(|p| {
            p.get("extension")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|e| s(e, "/valueCodeableConcept/coding/0/code") == Some("acute"))
        });
        // Active between start and end; without an end an acute is active on its start only, a repeat ongoing.
        let active = match (end, start) {
            (Some((_, last)), _) => last >= from,
            (None, Some((_, last))) if acute => last >= from,
            _ => true,
        };
        if !active {
            return Err(format!("Bundle.entry[{i}].resource(MedicationStatement `{}`).effectivePeriod: not active on or after {from}", key_of(&st)));
        }
    }
    Ok(())
}

/// The date an item of an area is filtered by.
fn item_date(r: &Value) -> Option<&str> {
    match resource_type(r) {
        "Encounter" => s(r, "/period/start"),
        "Observation" => s(r, "/effectiveDateTime").or_else(|| s(r, "/effectivePeriod/start")),
        "DiagnosticReport" => s(r, "/issued"),
        "ReferralRequest" => s(r, "/authoredOn"),
        "ProcedureRequest" => {
            s(r, "/occurrenceDateTime").or_else(|| s(r, "/occurrencePeriod/start"))
        }
        "Immunization" => s(r, "/date"),
        _ => None,
    }
}

#[then(expr = "every item of the List {string} should be dated between {string} and {string}")]
fn dated_between(w: &mut GpcWorld, title: String, from: String, to: String) -> Step {
    let from = if from.is_empty() {
        None
    } else {
        Some(day(w, &from)?)
    };
    let to = if to.is_empty() {
        None
    } else {
        Some(day(w, &to)?)
    };
    for (i, r) in listed(w, &title)? {
        // An unknown date is always returned; a partial date when any day of it is in the range.
        let Some((first, last)) = item_date(&r).and_then(span) else {
            continue;
        };
        if from.is_some_and(|f| last < f) || to.is_some_and(|t| first > t) {
            return Err(format!(
                "Bundle.entry[{i}].resource({} `{}`): dated {} outside the searched range {}..{}",
                resource_type(&r),
                key_of(&r),
                item_date(&r).unwrap_or(""),
                from.map(|d| d.to_string()).unwrap_or_default(),
                to.map(|d| d.to_string()).unwrap_or_default()
            ));
        }
    }
    Ok(())
}

#[then(expr = "every problem in the List {string} should have the clinical status {string}")]
fn problem_status(w: &mut GpcWorld, title: String, status: String) -> Step {
    for (i, c) in listed(w, &title)? {
        let got = s(&c, "/clinicalStatus").unwrap_or("(absent)");
        let ok = if status == "active" {
            got == "active"
        } else {
            got != "active"
        };
        if !ok {
            return Err(format!("Bundle.entry[{i}].resource(Condition `{}`).clinicalStatus: expected `{status}`, got `{got}`", key_of(&c)));
        }
    }
    Ok(())
}

fn linked_items(c: &Value) -> Vec<String> {
    c.get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| s(e, "/url") == Some(RELATED_CONTENT))
        .filter_map(|e| s(e, "/valueReference/reference").map(String::from))
        .collect()
}

#[then(expr = "a problem in the Bundle should be linked to a {word} in the Bundle")]
fn problem_linked_to(w: &mut GpcWorld, kind: String) -> Step {
    let keys = keys(w)?;
    let linked = of_type(w, "Condition")?.into_iter().any(|(_, c)| {
        linked_items(&c)
            .iter()
            .any(|t| t.starts_with(&format!("{kind}/")) && keys.contains(t))
    });
    if linked {
        Ok(())
    } else {
        Err(format!("Bundle: expected a problem (Condition) linked by relatedClinicalContent to a {kind} that is in the Bundle, found none"))
    }
}

#[then("every problem linked to an item in the Bundle should be in a List of the Bundle")]
fn linked_problems_listed(w: &mut GpcWorld) -> Step {
    let keys = keys(w)?;
    let listed_keys: Vec<String> = super::lists::query_lists(w)?
        .iter()
        .flat_map(|(_, l)| items_of(l))
        .collect();
    for (i, c) in of_type(w, "Condition")? {
        if !listed_keys.contains(&key_of(&c)) {
            return Err(format!("Bundle.entry[{i}].resource(Condition `{}`) is in no List (a linked problem belongs in the `Problems - linked problems not relating to the primary query` List)", key_of(&c)));
        }
    }
    // And every problem the record holds for a returned item is there: a returned item's links are checked
    // from the problems that name it, which are all in the Bundle by the check above only if sent; the
    // reverse (a problem missing) is caught by `a problem in the Bundle should be linked to`.
    let _ = keys;
    Ok(())
}

#[then(expr = "every item a problem of the List {string} links to should be in the Bundle")]
fn problem_links_resolve(w: &mut GpcWorld, title: String) -> Step {
    let keys = keys(w)?;
    for (i, c) in listed(w, &title)? {
        for t in linked_items(&c) {
            if !keys.contains(&t) {
                return Err(format!("Bundle.entry[{i}].resource(Condition `{}`): its linked item `{t}` is not in the Bundle", key_of(&c)));
            }
        }
    }
    Ok(())
}

/// The Immunizations of the Bundle marked not given.
fn not_given(w: &GpcWorld) -> Result<Vec<(usize, Value)>, String> {
    Ok(of_type(w, "Immunization")?
        .into_iter()
        .filter(|(_, r)| r.get("notGiven").and_then(Value::as_bool) == Some(true))
        .collect())
}

#[then(expr = "no Immunization in the Bundle should be marked not given")]
fn none_not_given(w: &mut GpcWorld) -> Step {
    match not_given(w)?.first() {
        None => Ok(()),
        Some((i, r)) => Err(format!("Bundle.entry[{i}].resource(Immunization `{}`).notGiven: expected only immunisations given when includeNotGiven is false", key_of(r))),
    }
}

#[then(expr = "at least one Immunization in the Bundle should be marked not given")]
fn some_not_given(w: &mut GpcWorld) -> Step {
    if not_given(w)?.is_empty() {
        Err("Bundle: expected an Immunization marked notGiven (includeNotGiven is true), found none".into())
    } else {
        Ok(())
    }
}

#[then(
    expr = "every Encounter in the List {string} should have its consultation List in the Bundle"
)]
fn consultation_lists(w: &mut GpcWorld, title: String) -> Step {
    let all = entries(w)?;
    for (i, e) in listed(w, &title)? {
        let key = key_of(&e);
        let has = all.iter().any(|(_, r)| {
            resource_type(r) == "List"
                && s(r, "/encounter/reference") == Some(key.as_str())
                && s(r, "/code/coding/0/code") == Some("325851000000107")
        });
        if !has {
            return Err(format!("Bundle.entry[{i}].resource(Encounter `{key}`): expected its consultation List (SNOMED 325851000000107, encounter = {key}) in the Bundle"));
        }
    }
    Ok(())
}

#[then("every Observation a DiagnosticReport or test group names should be in the Bundle")]
fn report_results_resolve(w: &mut GpcWorld) -> Step {
    let all = entries(w)?;
    let keys: Vec<String> = all.iter().map(|(_, r)| key_of(r)).collect();
    let reports: Vec<&(usize, Value)> = all
        .iter()
        .filter(|(_, r)| resource_type(r) == "DiagnosticReport")
        .collect();
    for (i, r) in &all {
        let named: Vec<String> = match resource_type(r) {
            "DiagnosticReport" => refs_at(r, "result"),
            "Observation" => r
                .get("related")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| s(x, "/target/reference").map(String::from))
                .collect(),
            _ => continue,
        };
        if let Some(missing) = named.iter().find(|n| !keys.contains(n)) {
            return Err(format!(
                "Bundle.entry[{i}].resource({} `{}`): the result `{missing}` is not in the Bundle",
                resource_type(r),
                key_of(r)
            ));
        }
    }
    if reports.iter().any(|(_, r)| refs_at(r, "result").is_empty()) {
        return Err("Bundle: a DiagnosticReport names no result".into());
    }
    Ok(())
}

#[then("every List of a consultation's structure should be in the Bundle")]
fn structure_lists(w: &mut GpcWorld) -> Step {
    let all = entries(w)?;
    let keys: Vec<String> = all.iter().map(|(_, r)| key_of(r)).collect();
    let structure: Vec<&(usize, Value)> = all
        .iter()
        .filter(|(_, r)| resource_type(r) == "List" && r.get("encounter").is_some())
        .collect();
    if structure.is_empty() {
        return Err(
            "Bundle: expected the Lists of the consultations' structure, found none".into(),
        );
    }
    for (i, l) in structure {
        for item in items_of(l) {
            if !keys.contains(&item) {
                return Err(format!(
                    "Bundle.entry[{i}].resource(List `{}`): its entry `{item}` is not in the Bundle",
                    key_of(l)
                ));
            }
        }
    }
    Ok(())
}
