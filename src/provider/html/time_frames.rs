//! Per-section default time frames (0.7.4 `accessrecord_html_layout`, "Per section default time frames"): a
//! provider MAY be configured, per section and in months, with a default period applied when the consumer sends
//! none. Its parts whose time frame is "Consumer supplied" then show only the items of the last N months under
//! the banner "All data items from [SysDate – DefaultDatePeriod]", and its parts whose time frame is "All" say
//! "Date filter not applied". A consumer's period always wins over the default.
//!
//! The same config key (`html.default_time_frames`) sets the reference provider (`serve --config`, the embedded
//! provider of `run`) and tells the harness what the provider under test is configured with.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use serde::Deserialize;

use super::section::Section;

/// The longest default time frame accepted, in months (100 years).
pub const MAX_MONTHS: u32 = 1200;

/// The configured default time frames, in months, by section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultTimeFrames(BTreeMap<Section, u32>);

/// Why a default time frame cannot be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeFrameError {
    #[error("`{0}` is not a section with a consumer-supplied time frame; use one of {sections}", sections = DefaultTimeFrames::SECTIONS.map(Section::code).join(", "))]
    Section(String),
    #[error("{months} months: a default time frame is between 1 and {MAX_MONTHS} months")]
    Months { months: u32 },
}

impl DefaultTimeFrames {
    /// The sections whose view has a "Consumer supplied" part (ALL, IMM and SUM take no date filter; INV and PAT
    /// have no 0.7.4 view).
    pub const SECTIONS: [Section; 7] = [
        Section::Adm,
        Section::Cli,
        Section::Enc,
        Section::Med,
        Section::Obs,
        Section::Prb,
        Section::Ref,
    ];

    /// Reads `{ADM: 12, ...}`; the error names the offending section code.
    pub fn from_codes(codes: &BTreeMap<String, u32>) -> Result<Self, (String, TimeFrameError)> {
        let mut frames = BTreeMap::new();
        for (code, &months) in codes {
            let section = Section::from_code(code)
                .filter(|s| Self::SECTIONS.contains(s))
                .ok_or_else(|| (code.clone(), TimeFrameError::Section(code.clone())))?;
            if months == 0 || months > MAX_MONTHS {
                return Err((code.clone(), TimeFrameError::Months { months }));
            }
            frames.insert(section, months);
        }
        Ok(Self(frames))
    }

    /// The same default time frame for every section that can have one.
    pub fn every_section(months: u32) -> Self {
        Self(Self::SECTIONS.iter().map(|s| (*s, months)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The months of a section's default time frame.
    pub fn months(&self, section: Section) -> Option<u32> {
        self.0.get(&section).copied()
    }

    /// The first day of a section's default time frame on `today`: `today` less the configured months (the
    /// last day of a shorter month when the day does not exist, as 31 May less 3 months is 28/29 February).
    pub fn start(&self, section: Section, today: NaiveDate) -> Option<NaiveDate> {
        let months = self.months(section)?;
        today.checked_sub_months(Months::new(months))
    }

    /// `ADM=12, MED=6`, for messages and the provider's start-up lines.
    pub fn describe(&self) -> String {
        self.0
            .iter()
            .map(|(s, m)| format!("{}={m}", s.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The `html` section of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfigFile {
    /// Months of each section's default time frame, by section code.
    #[serde(default)]
    pub default_time_frames: BTreeMap<String, u32>,
}

/// The Access Record HTML settings of a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlSettings {
    pub default_time_frames: DefaultTimeFrames,
}

impl HtmlSettings {
    /// The settings of a config file's `html` section; the error gives the config key and the reason.
    pub fn from_file(file: HtmlConfigFile) -> Result<Self, (String, String)> {
        let default_time_frames = DefaultTimeFrames::from_codes(&file.default_time_frames)
            .map_err(|(code, e)| (format!("html.default_time_frames.{code}"), e.to_string()))?;
        Ok(Self {
            default_time_frames,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn frames(pairs: &[(&str, u32)]) -> Result<DefaultTimeFrames, (String, TimeFrameError)> {
        DefaultTimeFrames::from_codes(&pairs.iter().map(|(c, m)| (c.to_string(), *m)).collect())
    }

    #[test]
    fn a_frame_starts_its_months_before_today() {
        let f = frames(&[("ADM", 12), ("MED", 3)]).unwrap();
        assert_eq!(f.start(Section::Adm, d(2026, 12, 1)), Some(d(2025, 12, 1)));
        assert_eq!(f.start(Section::Med, d(2026, 5, 31)), Some(d(2026, 2, 28)));
        assert_eq!(f.start(Section::Med, d(2028, 5, 31)), Some(d(2028, 2, 29)));
        assert_eq!(f.start(Section::Cli, d(2026, 12, 1)), None);
        assert_eq!(f.describe(), "ADM=12, MED=3");
    }

    #[test]
    fn only_consumer_supplied_sections_and_sane_months() {
        for code in ["ALL", "IMM", "SUM", "INV", "PAT", "adm", "XYZ"] {
            let (key, e) = frames(&[(code, 12)]).unwrap_err();
            assert_eq!(key, code);
            assert!(matches!(e, TimeFrameError::Section(_)), "{code}: {e}");
        }
        for months in [0, MAX_MONTHS + 1] {
            let (_, e) = frames(&[("ENC", months)]).unwrap_err();
            assert_eq!(e, TimeFrameError::Months { months });
        }
        assert!(frames(&[("ENC", 1), ("REF", MAX_MONTHS)]).is_ok());
    }
}
