//! The 0.7.4 HTML views: which rows of a record each section and subsection shows, under which headings and
//! banners (`accessrecord_view_*` pages and their `_includes` HTML).
//!
//! - [`single`]: the single-table views (ADM, CLI, ENC, IMM, OBS, REF).
//! - [`clinical`]: Allergies and Adverse Reactions, Problems and Issues.
//! - [`medications`]: Medications and its five subsections.
//! - [`summary`]: the Summary and its Emergency Codes.

pub mod clinical;
pub mod medications;
pub mod single;
pub mod summary;

use chrono::NaiveDate;

use super::dates::{Period, ALL_RELEVANT_ITEMS, FILTER_NOT_APPLIED};
use super::record::Record;
use super::render::View;
use super::section::Section;

/// What a view is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The consumer's period (`None`: no period sent).
    pub period: Option<Period>,
    pub today: NaiveDate,
    /// The registration date of a patient whose record is in transit.
    pub transfer: Option<NaiveDate>,
    /// Fault: All Medication counts one issue fewer.
    pub grouping_wrong: bool,
    /// Fault: no content banner on Discontinued Repeat Medication.
    pub no_discontinued_banner: bool,
}

impl Context {
    /// The date banner of a part the consumer's period applies to.
    pub fn filtered_banner(&self) -> Option<String> {
        Some(
            self.period
                .map_or_else(|| ALL_RELEVANT_ITEMS.to_string(), |p| p.banner()),
        )
    }

    /// The date banner of a part that takes no filter in a section that does: "Date filter not applied" when
    /// the consumer sent a period, otherwise `otherwise`.
    pub fn unfiltered_banner(&self, otherwise: Option<&str>) -> Option<String> {
        match self.period {
            Some(_) => Some(FILTER_NOT_APPLIED.to_string()),
            None => otherwise.map(String::from),
        }
    }

    /// Whether a dated item is shown by the period (every item when none was sent).
    pub fn shows(&self, date: NaiveDate) -> bool {
        self.period.is_none_or(|p| p.contains(date))
    }
}

/// The view of a section of a record.
pub fn view(section: Section, record: &Record, ctx: &Context) -> View {
    let (parts, paragraphs) = match section {
        Section::Adm | Section::Cli | Section::Enc | Section::Imm | Section::Obs | Section::Ref => {
            (vec![single::part(section, record, ctx)], vec![])
        }
        Section::All => (clinical::allergies(record), vec![]),
        Section::Prb => (clinical::problems(record, ctx), vec![]),
        Section::Med => (medications::parts(record, ctx), vec![]),
        Section::Sum => (summary::parts(record, ctx), vec![]),
        // No 0.7.4 view: "Supported but can't be technically provided" (HTML implementation guide).
        Section::Inv | Section::Pat => (
            vec![],
            vec![
                format!(
                    "This system does not support retrieval of '{}' data.",
                    section.title()
                ),
                "This data may still exist in the source system.".to_string(),
            ],
        ),
    };
    View {
        title: section.title(),
        transfer: ctx.transfer,
        parts,
        paragraphs,
    }
}

#[cfg(test)]
mod tests;
