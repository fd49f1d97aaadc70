//! The Summary: Emergency Codes, then replicas of Last 3 Encounters, Active and Major Inactive Problems and
//! Issues, Current Allergies and Adverse Reactions, Acute Medication (Last 12 Months) and Current Repeat
//! Medication — no date filter, so no date banners (`accessrecord_view_summary`,
//! `accessrecord_view_emergency`).

use super::super::record::Record;
use super::super::render::{col, date_col, Column, Part, Table};
use super::{clinical, medications, single, Context};

const EMERGENCY_CODES: &str = "Emergency Codes";
const LAST_3_ENCOUNTERS: &str = "Last 3 Encounters";

const EMERGENCY: &[Column] = &[
    date_col("Date"),
    col("Entry"),
    col("Details"),
    col("Location of further information"),
];

fn subsection(
    heading: &'static str,
    id: &'static str,
    columns: &'static [Column],
    rows: Vec<super::super::render::Row>,
    excluded: bool,
) -> Part {
    Part {
        heading: Some(heading),
        name: heading,
        content_banners: vec![],
        date_banner: None,
        excluded,
        table: Table { id, columns, rows },
    }
}

/// The Summary's subsections.
pub fn parts(record: &Record, ctx: &Context) -> Vec<Part> {
    let (emergency, _) = single::rows(record.emergency.iter(), None);
    let (encounters, excluded) = single::rows(record.encounters.iter(), Some(3));
    vec![
        subsection(EMERGENCY_CODES, "cli-tab", EMERGENCY, emergency, false),
        subsection(
            LAST_3_ENCOUNTERS,
            "enc-tab",
            single::ENC,
            encounters,
            excluded,
        ),
        clinical::active_problems(record, None),
        clinical::inactive_problems(record, true, None),
        clinical::current_allergies(record),
        medications::acute(record, ctx, None),
        medications::current_repeat(record, None),
    ]
}
