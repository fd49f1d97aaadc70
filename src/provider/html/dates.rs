//! Dates of the care record: the `timePeriod` bounds (partial dates `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a
//! dateTime with a time zone), the applied period, and the `dd-Mmm-yyyy` display the views use (0.7.4
//! `accessrecord_html_layout`, "Date banner" and "Date filters").

use chrono::{DateTime, Datelike, NaiveDate};

/// Which end of the period a bound is: a partial start means its first day, a partial end its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

/// Why a bound could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not a date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime with a time zone")]
    NotADate(String),
    #[error("`{0}` is a dateTime without a time zone")]
    NoTimeZone(String),
}

/// Reads one bound of a `timePeriod`. `zoneless` accepts a dateTime without a time zone (a fault).
pub fn parse_bound(text: &str, bound: Bound, zoneless: bool) -> Result<NaiveDate, DateError> {
    let not_a_date = || DateError::NotADate(text.to_string());
    if let Some((date, time)) = text.split_once('T') {
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Ok(dt.date_naive());
        }
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| not_a_date())?;
        let zoneless_time = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S%.f").is_ok()
            || chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok();
        return match (zoneless_time, zoneless) {
            (true, true) => Ok(day),
            (true, false) => Err(DateError::NoTimeZone(text.to_string())),
            (false, _) => Err(not_a_date()),
        };
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] if digits(y, 4) => {
            let year = y.parse().map_err(|_| not_a_date())?;
            let (m, d) = match bound {
                Bound::Start => (1, 1),
                Bound::End => (12, 31),
            };
            NaiveDate::from_ymd_opt(year, m, d).ok_or_else(not_a_date)
        }
        [y, m] if digits(y, 4) && digits(m, 2) => {
            let year = y.parse().map_err(|_| not_a_date())?;
            let month = m.parse().map_err(|_| not_a_date())?;
            let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(not_a_date)?;
            match bound {
                Bound::Start => Ok(first),
                Bound::End => last_of_month(first).ok_or_else(not_a_date),
            }
        }
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| not_a_date())
        }
        _ => Err(not_a_date()),
    }
}

fn last_of_month(first: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// `dd-Mmm-yyyy`, the date format of every view.
pub fn display(date: NaiveDate) -> String {
    date.format("%d-%b-%Y").to_string()
}

/// The period a consumer applied to a section: either bound may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

impl Period {
    /// Whether a date falls in the period (both bounds inclusive, whole days).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start.is_none_or(|s| date >= s) && self.end.is_none_or(|e| date <= e)
    }

    /// Whether an item active from `from` until `to` (open when `None`) overlaps the period.
    pub fn overlaps(&self, from: NaiveDate, to: Option<NaiveDate>) -> bool {
        self.end.is_none_or(|e| from <= e) && self.start.is_none_or(|s| to.is_none_or(|t| t >= s))
    }

    /// The date banner text of a part the period is applied to.
    pub fn banner(&self) -> String {
        match (self.start, self.end) {
            (Some(s), Some(e)) => format!("For the period '{}' to '{}'", display(s), display(e)),
            (Some(s), None) => format!("Data items from '{}'", display(s)),
            (None, Some(e)) => format!("Data items until '{}'", display(e)),
            (None, None) => ALL_RELEVANT_ITEMS.to_string(),
        }
    }
}

/// The date banner of a filtered part when the consumer applied no period (no default period is configured).
pub const ALL_RELEVANT_ITEMS: &str = "All relevant items";
/// The date banner of a part that takes no filter in a section the consumer applied a period to.
pub const FILTER_NOT_APPLIED: &str = "Date filter not applied";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn partial_bounds() {
        assert_eq!(parse_bound("2014", Bound::Start, false), Ok(d(2014, 1, 1)));
        assert_eq!(parse_bound("2016", Bound::End, false), Ok(d(2016, 12, 31)));
        assert_eq!(
            parse_bound("2016-02", Bound::End, false),
            Ok(d(2016, 2, 29))
        );
        assert_eq!(
            parse_bound("2016-09", Bound::End, false),
            Ok(d(2016, 9, 30))
        );
        assert_eq!(
            parse_bound("2014-05", Bound::Start, false),
            Ok(d(2014, 5, 1))
        );
        assert_eq!(
            parse_bound("2014-05-03", Bound::End, false),
            Ok(d(2014, 5, 3))
        );
        assert_eq!(
            parse_bound("2015-10-23T11:08:32+00:00", Bound::Start, false),
            Ok(d(2015, 10, 23))
        );
    }

    #[test]
    fn bad_bounds() {
        assert!(matches!(
            parse_bound("abcd", Bound::Start, false),
            Err(DateError::NotADate(_))
        ));
        assert!(matches!(
            parse_bound("", Bound::Start, false),
            Err(DateError::NotADate(_))
        ));
        assert!(matches!(
            parse_bound("2016-13", Bound::End, false),
            Err(DateError::NotADate(_))
        ));
        assert!(matches!(
            parse_bound("2015-10-23T11:08:32", Bound::Start, false),
            Err(DateError::NoTimeZone(_))
        ));
        assert_eq!(
            parse_bound("2015-10-23T11:08:32", Bound::Start, true),
            Ok(d(2015, 10, 23))
        );
    }

    #[test]
    fn banners() {
        let p = Period {
            start: Some(d(2014, 5, 3)),
            end: Some(d(2016, 9, 14)),
        };
        assert_eq!(p.banner(), "For the period '03-May-2014' to '14-Sep-2016'");
        assert_eq!(
            Period {
                start: Some(d(2016, 12, 1)),
                end: None
            }
            .banner(),
            "Data items from '01-Dec-2016'"
        );
        assert_eq!(
            Period {
                start: None,
                end: Some(d(2016, 2, 29))
            }
            .banner(),
            "Data items until '29-Feb-2016'"
        );
        assert_eq!(Period::default().banner(), ALL_RELEVANT_ITEMS);
        assert!(p.contains(d(2016, 9, 14)) && !p.contains(d(2016, 9, 15)));
        assert!(p.overlaps(d(2010, 1, 1), None) && !p.overlaps(d(2016, 9, 15), None));
        assert!(!p.overlaps(d(2010, 1, 1), Some(d(2014, 5, 2))));
    }
}
