//! `created` search values as the harness reads them (independently of the reference provider): a prefix (`eq`,
//! `ne`, `gt`, `lt`, `ge`, `le`; none means `eq`) and a date (`yyyy`, `yyyy-MM`, `yyyy-MM-dd`, a UK calendar
//! period) or a dateTime with its offset (one second).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use crate::steps::uk_time;

/// One `created` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub text: String,
    prefix: String,
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
}

impl Bound {
    /// Reads a `created` value the harness sent.
    pub fn parse(value: &str) -> Result<Bound, String> {
        let (prefix, rest) = match value.get(..2) {
            Some(p @ ("eq" | "ne" | "gt" | "lt" | "ge" | "le")) => (p, &value[2..]),
            _ => ("eq", value),
        };
        let (lo, hi) = period(rest)
            .ok_or_else(|| format!("created `{value}` is not a date the harness can compare"))?;
        Ok(Bound {
            text: value.to_string(),
            prefix: prefix.to_string(),
            lo,
            hi,
        })
    }

    /// Whether the moment `t` meets the bound.
    pub fn admits(&self, t: DateTime<Utc>) -> bool {
        let within = self.lo <= t && t < self.hi;
        match self.prefix.as_str() {
            "ne" => !within,
            "gt" => t >= self.hi,
            "lt" => t < self.lo,
            "ge" => t >= self.lo,
            "le" => t < self.hi,
            _ => within,
        }
    }
}

fn period(text: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if text.contains('T') {
        let t = DateTime::parse_from_rfc3339(text).ok()?.to_utc();
        return Some((t, t + chrono::Duration::seconds(1)));
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split('-').collect();
    let (start, end) = match parts.as_slice() {
        [y] if digits(y, 4) => {
            let s = NaiveDate::from_ymd_opt(y.parse().ok()?, 1, 1)?;
            (s, NaiveDate::from_ymd_opt(s.year() + 1, 1, 1)?)
        }
        [y, m] if digits(y, 4) && digits(m, 2) => {
            let s = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
            (s, s.checked_add_months(Months::new(1))?)
        }
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
            let s = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
            (s, s.succ_opt()?)
        }
        _ => return None,
    };
    Some((uk_time::start_of_day(start), uk_time::start_of_day(end)))
}

/// A DocumentReference's `created` or `indexed` value as an instant (a date counts as its UK midnight).
pub fn moment(text: &str) -> Option<DateTime<Utc>> {
    period(text).map(|(lo, _)| lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let t = |s: &str| moment(s).expect("moment");
        let ge = Bound::parse("ge2026-07-01").expect("ge");
        assert!(ge.admits(t("2026-07-01T00:00:00+01:00")));
        assert!(!ge.admits(t("2026-06-30T23:59:59+01:00")));
        let le = Bound::parse("le2026-07-01").expect("le");
        assert!(le.admits(t("2026-07-01T23:59:59+01:00")));
        assert!(!le.admits(t("2026-07-02T00:00:00+01:00")));
        let eq = Bound::parse("2026").expect("year");
        assert!(eq.admits(t("2026-12-31T23:00:00+00:00")));
        assert!(Bound::parse("ge2026-13-01").is_err());
        assert!(Bound::parse("geyesterday").is_err());
    }
}
