//! Allergies and Adverse Reactions (current, historical; never filtered) and Problems and Issues (active: all
//! items; major and other inactive: the consumer's period, by overlap of the problem's start and end).

use super::super::record::{Problem, Record};
use super::super::render::{col, date_cell, date_col, Column, Part, Row, Table};
use super::Context;

pub const CURRENT_ALLERGIES: &str = "Current Allergies and Adverse Reactions";
const HISTORICAL_ALLERGIES: &str = "Historical Allergies and Adverse Reactions";
pub const ACTIVE_PROBLEMS: &str = "Active Problems and Issues";
pub const MAJOR_INACTIVE: &str = "Major Inactive Problems and Issues";
const OTHER_INACTIVE: &str = "Other Inactive Problems and Issues";

const ALL_CURR: &[Column] = &[date_col("Start Date"), col("Details")];
const ALL_HIST: &[Column] = &[date_col("Start Date"), date_col("End Date"), col("Details")];
const PRB_ACT: &[Column] = &[
    date_col("Start Date"),
    col("Entry"),
    col("Significance"),
    col("Details"),
];
const PRB_INACT: &[Column] = &[
    date_col("Start Date"),
    date_col("End Date"),
    col("Entry"),
    col("Significance"),
    col("Details"),
];

/// The Current Allergies and Adverse Reactions subsection (also in the Summary), by start date descending.
pub fn current_allergies(record: &Record) -> Part {
    let mut current: Vec<_> = record
        .allergies
        .iter()
        .filter(|a| a.end.is_none())
        .collect();
    current.sort_by_key(|x| std::cmp::Reverse(x.start));
    subsection(
        CURRENT_ALLERGIES,
        None,
        "all-tab-curr",
        ALL_CURR,
        current
            .into_iter()
            .map(|a| Row::Cells(vec![date_cell(Some(a.start)), a.details.to_string()]))
            .collect(),
    )
}

/// The two allergy subsections.
pub fn allergies(record: &Record) -> Vec<Part> {
    let mut ended: Vec<_> = record
        .allergies
        .iter()
        .filter(|a| a.end.is_some())
        .collect();
    ended.sort_by_key(|x| std::cmp::Reverse(x.end));
    let historical = subsection(
        HISTORICAL_ALLERGIES,
        None,
        "all-tab-hist",
        ALL_HIST,
        ended
            .into_iter()
            .map(|a| {
                Row::Cells(vec![
                    date_cell(Some(a.start)),
                    date_cell(a.end),
                    a.details.to_string(),
                ])
            })
            .collect(),
    );
    vec![current_allergies(record), historical]
}

fn significance(p: &Problem) -> String {
    if p.major { "Major" } else { "Minor" }.to_string()
}

/// The Active Problems and Issues subsection (also in the Summary, where it has no date banner).
pub fn active_problems(record: &Record, date_banner: Option<String>) -> Part {
    let mut active: Vec<_> = record.problems.iter().filter(|p| p.end.is_none()).collect();
    active.sort_by_key(|x| std::cmp::Reverse(x.start));
    subsection(
        ACTIVE_PROBLEMS,
        date_banner,
        "prb-tab-act",
        PRB_ACT,
        active
            .into_iter()
            .map(|p| {
                Row::Cells(vec![
                    date_cell(Some(p.start)),
                    p.entry.to_string(),
                    significance(p),
                    p.details.to_string(),
                ])
            })
            .collect(),
    )
}

/// An inactive problems subsection: major or other, the consumer's period applied (`ctx` `None`: unfiltered).
pub fn inactive_problems(record: &Record, major: bool, ctx: Option<&Context>) -> Part {
    let mut ended: Vec<_> = record
        .problems
        .iter()
        .filter(|p| p.end.is_some() && p.major == major)
        .filter(|p| {
            ctx.and_then(Context::period)
                .is_none_or(|period| period.overlaps(p.start, p.end))
        })
        .collect();
    ended.sort_by_key(|x| std::cmp::Reverse(x.end));
    let (heading, id) = if major {
        (MAJOR_INACTIVE, "prb-tab-majinact")
    } else {
        (OTHER_INACTIVE, "prb-tab-othinact")
    };
    subsection(
        heading,
        ctx.and_then(Context::filtered_banner),
        id,
        PRB_INACT,
        ended
            .into_iter()
            .map(|p| {
                Row::Cells(vec![
                    date_cell(Some(p.start)),
                    date_cell(p.end),
                    p.entry.to_string(),
                    significance(p),
                    p.details.to_string(),
                ])
            })
            .collect(),
    )
}

/// The three problem subsections.
pub fn problems(record: &Record, ctx: &Context) -> Vec<Part> {
    vec![
        active_problems(
            record,
            ctx.unfiltered_banner(Some(super::ALL_RELEVANT_ITEMS)),
        ),
        inactive_problems(record, true, Some(ctx)),
        inactive_problems(record, false, Some(ctx)),
    ]
}

/// A subsection part.
pub fn subsection(
    heading: &'static str,
    date_banner: Option<String>,
    id: &'static str,
    columns: &'static [Column],
    rows: Vec<Row>,
) -> Part {
    Part {
        heading: Some(heading),
        name: heading,
        content_banners: vec![],
        date_banner,
        excluded: false,
        table: Table { id, columns, rows },
    }
}
