//! Partial dates, date/times and times: parsing, precision-aware comparison and formatting.

use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

/// Precision of a partial date/time. Seconds include any fractional part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

/// A FHIR `date`/`dateTime`/`instant` (or FHIRPath Date/DateTime) of some precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    /// Number of fractional-second digits written.
    pub frac_digits: u8,
    pub precision: Precision,
    /// Offset from UTC in minutes, when given.
    pub tz_offset_minutes: Option<i32>,
}

/// A FHIR `time` (or FHIRPath Time) of some precision (`Hour`, `Minute` or `Second`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialTime {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    pub frac_digits: u8,
    pub precision: Precision,
}

struct Cursor<'s> {
    b: &'s [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for c in slice {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// hh[:mm[:ss[.fff]]] → (hour, minute, second, nanos, frac_digits, precision)
fn parse_time_parts(c: &mut Cursor<'_>) -> Option<(u32, u32, u32, u32, u8, Precision)> {
    let hour = c.digits(2)?;
    if hour > 23 {
        return None;
    }
    let (mut minute, mut second, mut nanos, mut frac_digits) = (0, 0, 0, 0u8);
    let mut precision = Precision::Hour;
    if c.eat(b':') {
        minute = c.digits(2)?;
        if minute > 59 {
            return None;
        }
        precision = Precision::Minute;
        if c.eat(b':') {
            second = c.digits(2)?;
            if second > 60 {
                return None;
            }
            precision = Precision::Second;
            if c.eat(b'.') {
                let mut n = 0usize;
                let mut scale = 100_000_000u32;
                while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                    if n < 9 {
                        nanos += u32::from(d - b'0') * scale;
                        scale /= 10;
                    }
                    n += 1;
                    c.i += 1;
                }
                if n == 0 {
                    return None;
                }
                frac_digits = u8::try_from(n.min(9)).unwrap_or(9);
            }
        }
    }
    Some((hour, minute, second, nanos, frac_digits, precision))
}

pub(super) fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

impl PartialDateTime {
    /// Parses `YYYY[-MM[-DD[Thh[:mm[:ss[.f]]][Z|±hh:mm]]]]`; with `literal`, a trailing `T` is allowed
    /// (FHIRPath `@2015T`) and the time may stop at hours.
    pub fn parse(s: &str, literal: bool) -> Option<Self> {
        let mut c = Cursor {
            b: s.as_bytes(),
            i: 0,
        };
        let year = i32::try_from(c.digits(4)?).ok()?;
        let mut dt = PartialDateTime {
            year,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            frac_digits: 0,
            precision: Precision::Year,
            tz_offset_minutes: None,
        };
        if c.eat(b'-') {
            dt.month = c.digits(2)?;
            if !(1..=12).contains(&dt.month) {
                return None;
            }
            dt.precision = Precision::Month;
            if c.eat(b'-') {
                dt.day = c.digits(2)?;
                NaiveDate::from_ymd_opt(dt.year, dt.month, dt.day)?;
                dt.precision = Precision::Day;
            }
        }
        if c.eat(b'T') {
            if c.at_end() && literal {
                return Some(dt);
            }
            if dt.precision != Precision::Day {
                return None;
            }
            let (h, m, sec, nanos, digits, precision) = parse_time_parts(&mut c)?;
            if !literal && precision < Precision::Minute {
                return None;
            }
            dt.hour = h;
            dt.minute = m;
            dt.second = sec;
            dt.nanos = nanos;
            dt.frac_digits = digits;
            dt.precision = precision;
            if c.eat(b'Z') {
                dt.tz_offset_minutes = Some(0);
            } else if let Some(sign @ (b'+' | b'-')) = c.peek() {
                c.i += 1;
                let hh = c.digits(2)?;
                if !c.eat(b':') {
                    return None;
                }
                let mm = c.digits(2)?;
                if hh > 14 || mm > 59 {
                    return None;
                }
                let off = i32::try_from(hh * 60 + mm).ok()?;
                dt.tz_offset_minutes = Some(if sign == b'-' { -off } else { off });
            }
        }
        if !c.at_end() {
            return None;
        }
        Some(dt)
    }

    /// True when only year/month/day are present (a FHIR `date`).
    pub fn is_date(&self) -> bool {
        self.precision <= Precision::Day
    }

    pub(super) fn naive(&self) -> Option<NaiveDateTime> {
        let d = NaiveDate::from_ymd_opt(self.year, self.month, self.day)?;
        let t =
            NaiveTime::from_hms_nano_opt(self.hour, self.minute, self.second.min(59), self.nanos)?;
        Some(NaiveDateTime::new(d, t))
    }

    pub(super) fn set_naive(&mut self, n: NaiveDateTime) {
        self.year = n.year();
        self.month = n.month();
        self.day = n.day();
        self.hour = n.hour();
        self.minute = n.minute();
        self.second = n.second();
        self.nanos = n.nanosecond();
    }

    fn to_utc(self) -> Self {
        let Some(off) = self.tz_offset_minutes.filter(|o| *o != 0) else {
            return self;
        };
        let shifted = self
            .naive()
            .and_then(|n| n.checked_sub_signed(TimeDelta::try_minutes(i64::from(off))?));
        match shifted {
            Some(n) => {
                let mut out = self;
                out.set_naive(n);
                out.tz_offset_minutes = Some(0);
                out
            }
            None => self,
        }
    }

    fn components(&self) -> [i64; 6] {
        [
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
            i64::from(self.hour),
            i64::from(self.minute),
            i64::from(self.second) * 1_000_000_000 + i64::from(self.nanos),
        ]
    }

    /// FHIRPath comparison: `None` when the values agree up to the shorter precision but the precisions
    /// differ (the result is unknown).
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        let (a, b) = if self.precision >= Precision::Hour && other.precision >= Precision::Hour {
            (self.to_utc(), other.to_utc())
        } else {
            (*self, *other)
        };
        compare_components(
            &a.components(),
            &b.components(),
            a.precision as usize,
            b.precision as usize,
        )
    }
}

fn compare_components(a: &[i64], b: &[i64], pa: usize, pb: usize) -> Option<Ordering> {
    for level in 0..=pa.min(pb) {
        match a[level].cmp(&b[level]) {
            Ordering::Equal => {}
            other => return Some(other),
        }
    }
    (pa == pb).then_some(Ordering::Equal)
}

fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: u32, digits: u8) -> fmt::Result {
    if digits > 0 {
        let s = format!("{nanos:09}");
        write!(f, ".{}", &s[..usize::from(digits.min(9))])?;
    }
    Ok(())
}

impl fmt::Display for PartialDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if self.precision >= Precision::Month {
            write!(f, "-{:02}", self.month)?;
        }
        if self.precision >= Precision::Day {
            write!(f, "-{:02}", self.day)?;
        }
        if self.precision >= Precision::Hour {
            write!(f, "T{:02}", self.hour)?;
        }
        if self.precision >= Precision::Minute {
            write!(f, ":{:02}", self.minute)?;
        }
        if self.precision >= Precision::Second {
            write!(f, ":{:02}", self.second)?;
            write_fraction(f, self.nanos, self.frac_digits)?;
        }
        if self.precision >= Precision::Hour {
            match self.tz_offset_minutes {
                Some(0) => f.write_str("Z")?,
                Some(off) => {
                    let sign = if off < 0 { '-' } else { '+' };
                    let a = off.unsigned_abs();
                    write!(f, "{sign}{:02}:{:02}", a / 60, a % 60)?;
                }
                None => {}
            }
        }
        Ok(())
    }
}

impl PartialTime {
    /// Parses `hh[:mm[:ss[.f]]]` (FHIR `time` requires seconds; FHIRPath literals do not).
    pub fn parse(s: &str) -> Option<Self> {
        let mut c = Cursor {
            b: s.as_bytes(),
            i: 0,
        };
        let (hour, minute, second, nanos, frac_digits, precision) = parse_time_parts(&mut c)?;
        if !c.at_end() {
            return None;
        }
        Some(PartialTime {
            hour,
            minute,
            second,
            nanos,
            frac_digits,
            precision,
        })
    }

    /// FHIRPath comparison (see [`PartialDateTime::compare`]).
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        let comps = |t: &PartialTime| {
            [
                i64::from(t.hour),
                i64::from(t.minute),
                i64::from(t.second) * 1_000_000_000 + i64::from(t.nanos),
            ]
        };
        let level = |p: Precision| match p {
            Precision::Minute => 1,
            Precision::Second => 2,
            _ => 0,
        };
        compare_components(
            &comps(self),
            &comps(other),
            level(self.precision),
            level(other.precision),
        )
    }
}

impl fmt::Display for PartialTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.hour)?;
        if self.precision >= Precision::Minute {
            write!(f, ":{:02}", self.minute)?;
        }
        if self.precision >= Precision::Second {
            write!(f, ":{:02}", self.second)?;
            write_fraction(f, self.nanos, self.frac_digits)?;
        }
        Ok(())
    }
}
