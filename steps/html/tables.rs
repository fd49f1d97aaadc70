//! Then steps on the tables of a care record section: ids in order, column headers in order, the
//! `date-column` class on date cells in `dd-Mmm-yyyy` (0.7.4 implementation guide, "CSS IDs and classes"; the
//! view pages' column tables), and the Medications view's grouping: grouped distinct Medication Items with
//! `med-item-column`, alphabetical, and All Medication summarising All Medication Issues.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cucumber::then;

use super::record::{self, DIV};
use super::xhtml::Element;
use super::Step;
use crate::steps::world::GpcWorld;

const ALL_MEDICATION: &str = "med-tab-all-sum";
const ALL_MEDICATION_ISSUES: &str = "med-tab-all-iss";

/// The table with `id`.
fn table_by_id<'a>(root: &'a Element, id: &str) -> Result<&'a Element, String> {
    root.find_all("table")
        .into_iter()
        .find(|t| t.attr("id") == Some(id))
        .ok_or_else(|| {
            let ids: Vec<&str> = root
                .find_all("table")
                .iter()
                .filter_map(|t| t.attr("id"))
                .collect();
            format!("{DIV} table#{id}: expected the table, got the tables {ids:?}")
        })
}

/// The body rows of a table (those under `tbody`, or every `tr` outside `thead` when there is no `tbody`).
fn body_rows(table: &Element) -> Vec<&Element> {
    let bodies = table.find_all("tbody");
    if bodies.is_empty() {
        let head: Vec<&Element> = table
            .find_all("thead")
            .iter()
            .flat_map(|h| h.find_all("tr"))
            .collect();
        table
            .find_all("tr")
            .into_iter()
            .filter(|r| !head.iter().any(|h| std::ptr::eq(*h, *r)))
            .collect()
    } else {
        bodies.iter().flat_map(|b| b.find_all("tr")).collect()
    }
}

/// A row's cells.
fn cells(row: &Element) -> Vec<&Element> {
    row.elements().filter(|e| e.name == "td").collect()
}

/// A grouping row of the Medications view: one cell spanning the row.
fn is_group_row(row: &Element) -> bool {
    cells(row).len() == 1
}

#[then(expr = "table {int} of the care record section should have the column headers {string}")]
fn column_headers(w: &mut GpcWorld, index: usize, list: String) -> Step {
    let root = record::div(w)?;
    let tables = root.find_all("table");
    let table = tables.get(index.saturating_sub(1)).ok_or_else(|| {
        format!(
            "{DIV} table[{index}]: expected a table with the columns {list}, got {} tables",
            tables.len()
        )
    })?;
    let at = format!(
        "{DIV} table[{index}]{} thead",
        table
            .attr("id")
            .map(|i| format!("#{i}"))
            .unwrap_or_default()
    );
    let found: Vec<String> = table
        .find_all("thead")
        .iter()
        .flat_map(|h| h.find_all("th"))
        .map(Element::text)
        .collect();
    let want: Vec<&str> = list.split(',').map(str::trim).collect();
    for (i, w) in want.iter().enumerate() {
        let got = found.get(i).map_or("(absent)", String::as_str);
        if got != *w {
            return Err(format!(
                "{at} th[{}]: expected `{w}`, got `{got}` (columns {found:?})",
                i + 1
            ));
        }
    }
    if found.len() != want.len() {
        return Err(format!(
            "{at}: expected {} columns, got {} ({found:?})",
            want.len(),
            found.len()
        ));
    }
    Ok(())
}

#[then(expr = "the tables of the care record section should have the ids {string}")]
fn table_ids(w: &mut GpcWorld, list: String) -> Step {
    let root = record::div(w)?;
    let found: Vec<String> = root
        .find_all("table")
        .iter()
        .map(|t| t.attr("id").unwrap_or("(no id)").to_string())
        .collect();
    let want: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    if found == want {
        Ok(())
    } else {
        Err(format!("{DIV} table@id: expected {want:?}, got {found:?}"))
    }
}

/// A `dd-Mmm-yyyy` date.
fn ui_date(text: &str) -> Option<NaiveDate> {
    let ok_shape = text.len() == 11
        && text.as_bytes().get(2) == Some(&b'-')
        && text.as_bytes().get(6) == Some(&b'-');
    ok_shape
        .then(|| NaiveDate::parse_from_str(text, "%d-%b-%Y").ok())
        .flatten()
}

#[then(
    expr = "every data row of table {string} should have the date-column class on the columns {string}"
)]
fn date_columns(w: &mut GpcWorld, id: String, columns: String) -> Step {
    let root = record::div(w)?;
    let table = table_by_id(&root, &id)?;
    let columns: Vec<usize> = columns
        .split(',')
        .map(|c| {
            c.trim()
                .parse::<usize>()
                .map_err(|e| format!("column `{c}`: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let rows: Vec<&Element> = body_rows(table)
        .into_iter()
        .filter(|r| !is_group_row(r))
        .collect();
    if rows.is_empty() {
        return Err(format!(
            "{DIV} table#{id} tbody: expected data rows (the test patient has data here), got none"
        ));
    }
    for (r, row) in rows.iter().enumerate() {
        let tds = cells(row);
        for &c in &columns {
            let at = format!("{DIV} table#{id} tbody tr[{}] td[{c}]", r + 1);
            let td = tds
                .get(c.wrapping_sub(1))
                .ok_or_else(|| format!("{at}: expected a cell, got {} cells", tds.len()))?;
            let text = td.text();
            if text.is_empty() {
                continue;
            }
            if !td.has_class("date-column") {
                return Err(format!(
                    "{at}@class: expected `date-column`, got `{}`",
                    td.attr("class").unwrap_or("(absent)")
                ));
            }
            if ui_date(&text).is_none() {
                return Err(format!("{at}: expected a dd-Mmm-yyyy date, got `{text}`"));
            }
        }
    }
    Ok(())
}

/// A group of a Medications table: its title and its data rows' cell texts.
type Group = (String, Vec<Vec<String>>);

/// The groups of a grouped Medications table: (group title, its data rows' cell texts), checking that every
/// grouping cell carries `med-item-column`, every data row follows a grouping row of its Medication Item, and
/// the groups are in alphabetical order.
fn groups(table: &Element, id: &str) -> Result<Vec<Group>, String> {
    let mut out: Vec<Group> = Vec::new();
    for (r, row) in body_rows(table).iter().enumerate() {
        let at = format!("{DIV} table#{id} tbody tr[{}]", r + 1);
        let tds = cells(row);
        if tds.len() == 1 {
            if !tds[0].has_class("med-item-column") {
                return Err(format!(
                    "{at} td@class: expected `med-item-column` on the grouping cell, got `{}`",
                    tds[0].attr("class").unwrap_or("(absent)")
                ));
            }
            out.push((tds[0].text(), Vec::new()));
            continue;
        }
        let texts: Vec<String> = tds.iter().map(|t| t.text()).collect();
        let item = texts.get(2).cloned().unwrap_or_default();
        match out.last_mut() {
            Some((title, rows)) if *title == item => rows.push(texts),
            Some((title, _)) => {
                return Err(format!(
                    "{at} td[3]: expected the Medication Item of its group `{title}`, got `{item}`"
                ))
            }
            None => {
                return Err(format!(
                    "{at}: expected a grouping row (td.med-item-column) before the medication `{item}`, got a data row first"
                ))
            }
        }
    }
    for pair in out.windows(2) {
        if pair[0].0.to_lowercase() > pair[1].0.to_lowercase() {
            return Err(format!(
                "{DIV} table#{id} groups: expected alphabetical order, got `{}` before `{}`",
                pair[0].0, pair[1].0
            ));
        }
    }
    Ok(out)
}

#[then("the grouped rows of the All Medication and All Medication Issues tables should carry the med-item-column class and head their medication's rows")]
fn grouping(w: &mut GpcWorld) -> Step {
    let root = record::div(w)?;
    for id in [ALL_MEDICATION, ALL_MEDICATION_ISSUES] {
        let table = table_by_id(&root, id)?;
        let gs = groups(table, id)?;
        if gs.is_empty() {
            return Err(format!(
                "{DIV} table#{id}: expected grouped medication rows, got none"
            ));
        }
        for (title, rows) in gs {
            let dates: Vec<Option<NaiveDate>> = rows
                .iter()
                .map(|r| r.get(1).and_then(|d| ui_date(d)))
                .collect();
            for pair in dates.windows(2) {
                if let [Some(a), Some(b)] = pair {
                    if a < b {
                        return Err(format!(
                            "{DIV} table#{id} group `{title}`: expected dates descending, got {a} before {b}"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The key an issue and its medication share: Type, Medication Item, Dosage Instruction, Quantity.
type MedKey = (String, String, String, String);

fn key(row: &[String]) -> MedKey {
    let c = |i: usize| row.get(i).cloned().unwrap_or_default();
    (c(0), c(2), c(3), c(4))
}

/// Every issue belongs to a medication of All Medication, and each medication's Number of Prescriptions Issued
/// and Last Issued Date are those of its issues; its Start Date is not after its first issue. The test patient
/// has at least 4 issues and a medication issued at least twice (Test Suite Required Patients, patient 2).
#[then("the All Medication table should summarise the All Medication Issues table")]
fn summarise(w: &mut GpcWorld) -> Step {
    let root = record::div(w)?;
    let issues: Vec<Vec<String>> = groups(
        table_by_id(&root, ALL_MEDICATION_ISSUES)?,
        ALL_MEDICATION_ISSUES,
    )?
    .into_iter()
    .flat_map(|(_, rows)| rows)
    .collect();
    let meds: Vec<Vec<String>> = groups(table_by_id(&root, ALL_MEDICATION)?, ALL_MEDICATION)?
        .into_iter()
        .flat_map(|(_, rows)| rows)
        .collect();
    let mut by_key: BTreeMap<MedKey, Vec<NaiveDate>> = BTreeMap::new();
    for (i, issue) in issues.iter().enumerate() {
        let date = issue.get(1).and_then(|d| ui_date(d)).ok_or_else(|| {
            format!(
                "{DIV} table#{ALL_MEDICATION_ISSUES} data row {} td[2]: expected an issue date dd-Mmm-yyyy, got `{}`",
                i + 1,
                issue.get(1).map_or("", String::as_str)
            )
        })?;
        by_key.entry(key(issue)).or_default().push(date);
    }
    if issues.len() < 4 || !by_key.values().any(|d| d.len() >= 2) {
        return Err(format!(
            "{DIV} table#{ALL_MEDICATION_ISSUES}: expected at least 4 issues and one medication issued at least twice (the test patient's data), got {} issues of {} medications",
            issues.len(),
            by_key.len()
        ));
    }
    for (k, dates) in &by_key {
        let med = meds.iter().find(|m| key(m) == *k).ok_or_else(|| {
            format!(
                "{DIV} table#{ALL_MEDICATION}: expected a row for the issued medication {k:?}, got none"
            )
        })?;
        let at = format!("{DIV} table#{ALL_MEDICATION} row of `{}`", k.1);
        let count = med.get(6).cloned().unwrap_or_default();
        if count != dates.len().to_string() {
            return Err(format!(
                "{at} td[7] (Number of Prescriptions Issued): expected `{}`, got `{count}`",
                dates.len()
            ));
        }
        let last = dates
            .iter()
            .max()
            .map(|d| d.format("%d-%b-%Y").to_string())
            .unwrap_or_default();
        let shown = med.get(5).cloned().unwrap_or_default();
        if ui_date(&shown) != ui_date(&last) {
            return Err(format!(
                "{at} td[6] (Last Issued Date): expected `{last}`, got `{shown}`"
            ));
        }
        let first = dates.iter().min().copied();
        if let (Some(start), Some(first)) = (med.get(1).and_then(|d| ui_date(d)), first) {
            if start > first {
                return Err(format!(
                    "{at} td[2] (Start Date): expected on or before the first issue {}, got `{}`",
                    first.format("%d-%b-%Y"),
                    med.get(1).map_or("", String::as_str)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_dates_are_dd_mmm_yyyy() {
        assert!(ui_date("01-May-2015").is_some());
        assert!(ui_date("1-May-2015").is_none());
        assert!(ui_date("2015-05-01").is_none());
    }
}
