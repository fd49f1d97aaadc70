//! The single-table views: Administrative Items, Clinical Items, Encounters, Immunisations, Observations and
//! Referrals, each sorted by date descending, the consumer's period applied except to Immunisations.

use super::super::record::{Entry, Record};
use super::super::render::{col, date_cell, date_col, Column, Part, Row, Table};
use super::super::section::Section;
use super::Context;

const ADM: &[Column] = &[date_col("Date"), col("Entry"), col("Details")];
const CLI: &[Column] = &[date_col("Date"), col("Entry"), col("Details")];
/// Also the Summary's Last 3 Encounters.
pub const ENC: &[Column] = &[date_col("Date"), col("Title"), col("Details")];
const IMM: &[Column] = &[
    date_col("Date"),
    col("Vaccination"),
    col("Part"),
    col("Contents"),
    col("Details"),
];
const OBS: &[Column] = &[
    date_col("Date"),
    col("Entry"),
    col("Value"),
    col("Range"),
    col("Details"),
];
const REF: &[Column] = &[
    date_col("Date"),
    col("From"),
    col("To"),
    col("Priority"),
    col("Details"),
];

/// Rows of dated entries, newest first, withheld ones left out; with whether any were withheld.
pub fn rows<'a>(
    entries: impl Iterator<Item = &'a Entry>,
    limit: Option<usize>,
) -> (Vec<Row>, bool) {
    let mut shown: Vec<&Entry> = Vec::new();
    let mut excluded = false;
    for e in entries {
        if e.confidential {
            excluded = true;
        } else {
            shown.push(e);
        }
    }
    shown.sort_by_key(|x| std::cmp::Reverse(x.date));
    if let Some(n) = limit {
        shown.truncate(n);
    }
    let rows = shown
        .into_iter()
        .map(|e| {
            let mut cells = vec![date_cell(Some(e.date))];
            cells.extend(e.cells.iter().map(|c| (*c).to_string()));
            Row::Cells(cells)
        })
        .collect();
    (rows, excluded)
}

/// The one part of a single-table view.
pub fn part(section: Section, record: &Record, ctx: &Context) -> Part {
    let (entries, id, columns) = match section {
        Section::Adm => (&record.admin, "adm-tab", ADM),
        Section::Cli => (&record.clinical, "cli-tab", CLI),
        Section::Enc => (&record.encounters, "enc-tab", ENC),
        Section::Imm => (&record.immunisations, "imm-tab", IMM),
        Section::Obs => (&record.observations, "obs-tab", OBS),
        _ => (&record.referrals, "ref-tab", REF),
    };
    let filtered = section.takes_period();
    let (rows, excluded) = rows(
        entries.iter().filter(|e| !filtered || ctx.shows(e.date)),
        None,
    );
    Part {
        heading: None,
        name: section.title(),
        content_banners: vec![],
        date_banner: if filtered {
            ctx.filtered_banner()
        } else {
            None
        },
        excluded,
        table: Table { id, columns, rows },
    }
}
