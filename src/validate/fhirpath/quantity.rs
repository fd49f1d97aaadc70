//! Quantities: literals, calendar units, unit comparison keys and date/time arithmetic with quantities.

use std::fmt;

use chrono::TimeDelta;

use super::datetime::days_in_month;
use super::{fail, Decimal, EResult, EvalError, PartialDateTime};

/// A FHIRPath quantity literal (`4 'mg'`, `1 year`) or computed quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: Decimal,
    /// UCUM code or calendar keyword (`year`, `days`, ...).
    pub unit: String,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_calendar_keyword(&self.unit) {
            write!(f, "{} {}", self.value, self.unit)
        } else {
            write!(f, "{} '{}'", self.value, self.unit)
        }
    }
}

const CALENDAR_UNITS: [&str; 16] = [
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "millisecond",
    "milliseconds",
];

pub(super) fn is_calendar_keyword(u: &str) -> bool {
    CALENDAR_UNITS.contains(&u)
}

/// Unit key used for quantity comparison.
pub(super) fn unit_key(u: &str) -> &str {
    match u {
        "year" | "years" => "year",
        "month" | "months" => "month",
        "week" | "weeks" => "week",
        "day" | "days" => "day",
        "hour" | "hours" => "hour",
        "minute" | "minutes" => "minute",
        "second" | "seconds" | "s" => "s",
        "millisecond" | "milliseconds" | "ms" => "ms",
        other => other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CalUnit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
}

fn calendar_unit(u: &str) -> Option<CalUnit> {
    Some(match u {
        "year" | "years" | "a" => CalUnit::Year,
        "month" | "months" | "mo" => CalUnit::Month,
        "week" | "weeks" | "wk" => CalUnit::Week,
        "day" | "days" | "d" => CalUnit::Day,
        "hour" | "hours" | "h" => CalUnit::Hour,
        "minute" | "minutes" | "min" => CalUnit::Minute,
        "second" | "seconds" | "s" => CalUnit::Second,
        "millisecond" | "milliseconds" | "ms" => CalUnit::Millisecond,
        _ => return None,
    })
}

pub(super) fn add_to_datetime(
    dt: PartialDateTime,
    value: Decimal,
    unit: &str,
    negate: bool,
) -> EResult<PartialDateTime> {
    let Some(cu) = calendar_unit(unit) else {
        return fail(format!("cannot add a quantity in '{unit}' to a date/time"));
    };
    let value = if negate { value.negated() } else { value };
    let overflow = || EvalError("date/time arithmetic overflow".into());
    let mut out = dt;
    match cu {
        CalUnit::Year | CalUnit::Month => {
            let n = value.trunc_i64().ok_or_else(overflow)?;
            let months = if cu == CalUnit::Year {
                n.checked_mul(12).ok_or_else(overflow)?
            } else {
                n
            };
            let total = (i64::from(dt.year) * 12 + i64::from(dt.month) - 1)
                .checked_add(months)
                .ok_or_else(overflow)?;
            out.year = i32::try_from(total.div_euclid(12)).map_err(|_| overflow())?;
            out.month = u32::try_from(total.rem_euclid(12) + 1).map_err(|_| overflow())?;
            out.day = dt.day.min(days_in_month(out.year, out.month));
        }
        _ => {
            let ms_per = match cu {
                CalUnit::Week => 7 * 86_400_000,
                CalUnit::Day => 86_400_000,
                CalUnit::Hour => 3_600_000,
                CalUnit::Minute => 60_000,
                CalUnit::Second => 1000,
                _ => 1,
            };
            let ms = value
                .checked_mul(Decimal::from_i64(ms_per))
                .and_then(Decimal::trunc_i64)
                .ok_or_else(overflow)?;
            let delta = TimeDelta::try_milliseconds(ms).ok_or_else(overflow)?;
            let n = dt
                .naive()
                .and_then(|n| n.checked_add_signed(delta))
                .ok_or_else(overflow)?;
            out.set_naive(n);
        }
    }
    Ok(out)
}
