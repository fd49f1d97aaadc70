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

use super::dates::{display, Period, ALL_RELEVANT_ITEMS, FILTER_NOT_APPLIED};
use super::record::Record;
use super::render::View;
use super::section::Section;

/// The date filter of a request's filtered parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// No period sent and no default time frame: every item, "All relevant items".
    #[default]
    None,
    /// The consumer's period, stated in the date banner.
    Consumer(Period),
    /// The section's configured default time frame, from this day: "All data items from ...".
    DefaultFrom(NaiveDate),
}

/// What a view is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The date filter of the filtered parts.
    pub filter: Filter,
    pub today: NaiveDate,
    /// The registration date of a patient whose record is in transit.
    pub transfer: Option<NaiveDate>,
    /// Fault: All Medication counts one issue fewer.
    pub grouping_wrong: bool,
    /// Fault: no content banner on Discontinued Repeat Medication.
    pub no_discontinued_banner: bool,
}

impl Context {
    /// The period the filtered parts apply (`None`: every item).
    pub fn period(&self) -> Option<Period> {
        match self.filter {
            Filter::None => None,
            Filter::Consumer(p) => Some(p),
            Filter::DefaultFrom(start) => Some(Period {
                start: Some(start),
                end: None,
            }),
        }
    }

    /// The date banner of a part the date filter applies to.
    pub fn filtered_banner(&self) -> Option<String> {
        Some(match self.filter {
            Filter::None => ALL_RELEVANT_ITEMS.to_string(),
            Filter::Consumer(p) => p.banner(),
            Filter::DefaultFrom(start) => default_frame_banner(start),
        })
    }

    /// The date banner of a part that takes no filter in a section that does: "Date filter not applied" when
    /// a period (the consumer's or the default time frame) applies to the section, otherwise `otherwise`.
    pub fn unfiltered_banner(&self, otherwise: Option<&str>) -> Option<String> {
        match self.filter {
            Filter::None => otherwise.map(String::from),
            Filter::Consumer(_) | Filter::DefaultFrom(_) => Some(FILTER_NOT_APPLIED.to_string()),
        }
    }

    /// Whether a dated item is shown by the filter (every item when there is none).
    pub fn shows(&self, date: NaiveDate) -> bool {
        self.period().is_none_or(|p| p.contains(date))
    }
}

/// The banner of a part a default time frame applies to: "All data items from [SysDate – DefaultDatePeriod]".
pub fn default_frame_banner(start: NaiveDate) -> String {
    format!("All data items from {}", display(start))
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
