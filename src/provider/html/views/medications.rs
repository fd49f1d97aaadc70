//! Medications: Acute Medication (Last 12 Months), Current Repeat Medication and Discontinued Repeat Medication
//! (never filtered), All Medication (the consumer's period, by the course's effective period) and All
//! Medication Issues (every issue of the courses All Medication shows), both grouped by medication item
//! (`accessrecord_view_medications`).

use chrono::Duration;

use super::super::record::{MedKind, Medication, Record};
use super::super::render::{col, date_cell, date_col, Column, Part, Row};
use super::clinical::subsection;
use super::Context;

pub const ACUTE: &str = "Acute Medication (Last 12 Months)";
pub const CURRENT_REPEAT: &str = "Current Repeat Medication";
const DISCONTINUED_REPEAT: &str = "Discontinued Repeat Medication";
const ALL_MEDICATION: &str = "All Medication";
const ALL_ISSUES: &str = "All Medication Issues";

/// The content banner Discontinued Repeat Medication must carry.
pub const DISCONTINUED_BANNER: &str = "All repeat medication ended by a clinician action";

const ACU: &[Column] = &[
    col("Type"),
    date_col("Start Date"),
    col("Medication Item"),
    col("Dosage Instruction"),
    col("Quantity"),
    date_col("Scheduled End Date"),
    col("Days Duration"),
    col("Additional Information"),
];
const CURR: &[Column] = &[
    col("Type"),
    date_col("Start Date"),
    col("Medication Item"),
    col("Dosage Instruction"),
    col("Quantity"),
    date_col("Last Issued Date"),
    col("Number of Prescriptions Issued"),
    col("Max Issues"),
    date_col("Review Date"),
    col("Additional Information"),
];
const DIS: &[Column] = &[
    col("Type"),
    date_col("Last Issued Date"),
    col("Medication Item"),
    col("Dosage Instruction"),
    col("Quantity"),
    date_col("Discontinued Date"),
    col("Discontinuation Reason"),
    col("Additional Information"),
];
const SUMMARY: &[Column] = &[
    col("Type"),
    date_col("Start Date"),
    col("Medication Item"),
    col("Dosage Instruction"),
    col("Quantity"),
    date_col("Last Issued Date"),
    col("Number of Prescriptions Issued"),
    col("Discontinuation Details"),
    col("Additional Information"),
];
const ISSUES: &[Column] = &[
    col("Type"),
    date_col("Issue Date"),
    col("Medication Item"),
    col("Dosage Instruction"),
    col("Quantity"),
    col("Days Duration"),
    col("Additional Information"),
];

fn sorted<'a>(
    meds: impl Iterator<Item = &'a Medication>,
    key: impl Fn(&Medication) -> chrono::NaiveDate,
) -> Vec<&'a Medication> {
    let mut v: Vec<_> = meds.collect();
    v.sort_by_key(|m| std::cmp::Reverse(key(m)));
    v
}

/// Acute Medication (Last 12 Months): acute courses started within the last 365 days, newest first.
pub fn acute(record: &Record, ctx: &Context, date_banner: Option<String>) -> Part {
    let since = ctx.today - Duration::days(365);
    let meds = sorted(
        record
            .medications
            .iter()
            .filter(|m| m.kind == MedKind::Acute && m.start() > since),
        Medication::start,
    );
    let rows = meds
        .into_iter()
        .map(|m| {
            Row::Cells(vec![
                m.kind.label().to_string(),
                date_cell(Some(m.start())),
                m.item.to_string(),
                m.dosage.to_string(),
                m.quantity.to_string(),
                date_cell(m.end()),
                m.days_duration.to_string(),
                m.additional.to_string(),
            ])
        })
        .collect();
    subsection(ACUTE, date_banner, "med-tab-acu-med", ACU, rows)
}

/// Current Repeat Medication: repeats not discontinued, newest first.
pub fn current_repeat(record: &Record, date_banner: Option<String>) -> Part {
    let meds = sorted(
        record
            .medications
            .iter()
            .filter(|m| m.kind == MedKind::Repeat && m.discontinued.is_none()),
        Medication::start,
    );
    let rows = meds
        .into_iter()
        .map(|m| {
            Row::Cells(vec![
                m.kind.label().to_string(),
                date_cell(Some(m.start())),
                m.item.to_string(),
                m.dosage.to_string(),
                m.quantity.to_string(),
                date_cell(m.last_issued()),
                m.issues.len().to_string(),
                m.max_issues.map(|n| n.to_string()).unwrap_or_default(),
                date_cell(m.review),
                m.additional.to_string(),
            ])
        })
        .collect();
    subsection(CURRENT_REPEAT, date_banner, "med-tab-curr-rep", CURR, rows)
}

fn discontinued_repeat(record: &Record, ctx: &Context) -> Part {
    let meds = sorted(
        record
            .medications
            .iter()
            .filter(|m| m.kind == MedKind::Repeat && m.discontinued.is_some()),
        |m| m.last_issued().unwrap_or(chrono::NaiveDate::MIN),
    );
    let rows = meds
        .into_iter()
        .map(|m| {
            let (date, reason) = m.discontinued.unwrap_or((chrono::NaiveDate::MIN, ""));
            Row::Cells(vec![
                m.kind.label().to_string(),
                date_cell(m.last_issued()),
                m.item.to_string(),
                m.dosage.to_string(),
                m.quantity.to_string(),
                date_cell(Some(date)),
                reason.to_string(),
                m.additional.to_string(),
            ])
        })
        .collect();
    let mut part = subsection(
        DISCONTINUED_REPEAT,
        ctx.unfiltered_banner(None),
        "med-tab-dis-rep",
        DIS,
        rows,
    );
    if !ctx.no_discontinued_banner {
        part.content_banners.push(DISCONTINUED_BANNER);
    }
    part
}

/// The courses All Medication shows: every course whose effective period overlaps the consumer's period (an
/// acute one from its start to its scheduled end, a repeat from its start until discontinued or open), grouped
/// by medication item alphabetically, newest first within a group.
fn all_medication_courses<'a>(record: &'a Record, ctx: &Context) -> Vec<&'a Medication> {
    let mut meds: Vec<&Medication> = record
        .medications
        .iter()
        .filter(|m| ctx.period().is_none_or(|p| p.overlaps(m.start(), m.end())))
        .collect();
    meds.sort_by(|a, b| a.item.cmp(b.item).then(b.start().cmp(&a.start())));
    meds
}

fn grouped<T>(
    meds: &[&Medication],
    rows_of: impl Fn(&Medication) -> Vec<T>,
    into: impl Fn(T) -> Row,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut current: Option<&str> = None;
    for m in meds {
        if current != Some(m.item) {
            rows.push(Row::Group(m.item.to_string()));
            current = Some(m.item);
        }
        rows.extend(rows_of(m).into_iter().map(&into));
    }
    rows
}

fn all_medication(meds: &[&Medication], ctx: &Context) -> Part {
    let rows = grouped(
        meds,
        |m| {
            let issued = if ctx.grouping_wrong {
                m.issues.len().saturating_sub(1)
            } else {
                m.issues.len()
            };
            let details = m
                .discontinued
                .map(|(d, reason)| format!("DISCONTINUED: {} - {reason}", date_cell(Some(d))))
                .unwrap_or_default();
            vec![vec![
                m.kind.label().to_string(),
                date_cell(Some(m.start())),
                m.item.to_string(),
                m.dosage.to_string(),
                m.quantity.to_string(),
                date_cell(m.last_issued()),
                issued.to_string(),
                details,
                m.additional.to_string(),
            ]]
        },
        Row::Cells,
    );
    subsection(
        ALL_MEDICATION,
        ctx.filtered_banner(),
        "med-tab-all-sum",
        SUMMARY,
        rows,
    )
}

fn all_issues(meds: &[&Medication], ctx: &Context) -> Part {
    let rows = grouped(
        meds,
        |m| {
            m.issues
                .iter()
                .rev()
                .map(|issue| {
                    vec![
                        m.kind.label().to_string(),
                        date_cell(Some(*issue)),
                        m.item.to_string(),
                        m.dosage.to_string(),
                        m.quantity.to_string(),
                        m.days_duration.to_string(),
                        m.additional.to_string(),
                    ]
                })
                .collect()
        },
        Row::Cells,
    );
    subsection(
        ALL_ISSUES,
        ctx.filtered_banner(),
        "med-tab-all-iss",
        ISSUES,
        rows,
    )
}

/// The five Medications subsections.
pub fn parts(record: &Record, ctx: &Context) -> Vec<Part> {
    let courses = all_medication_courses(record, ctx);
    vec![
        acute(record, ctx, ctx.unfiltered_banner(None)),
        current_repeat(record, ctx.unfiltered_banner(None)),
        discontinued_repeat(record, ctx),
        all_medication(&courses, ctx),
        all_issues(&courses, ctx),
    ]
}
