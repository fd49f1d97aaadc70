//! Decimal arithmetic: a scaled-integer decimal that keeps its scale (FHIRPath Decimal).

use std::cmp::Ordering;
use std::fmt;

use serde_json::Number;

const MAX_SCALE: u32 = 28;
const DIV_SCALE: u32 = 8;

/// A decimal number (`mantissa * 10^-scale`) that keeps its scale (so `1.0` prints as `1.0`).
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Integer division rounding half away from zero.
fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r != 0 && r.unsigned_abs() >= d.unsigned_abs() - r.unsigned_abs() {
        if (n < 0) == (d < 0) {
            q + 1
        } else {
            q - 1
        }
    } else {
        q
    }
}

impl Decimal {
    /// `mantissa * 10^-scale`.
    pub fn new(mantissa: i128, scale: u32) -> Self {
        Decimal { mantissa, scale }
    }

    pub fn from_i64(v: i64) -> Self {
        Decimal::new(i128::from(v), 0)
    }

    /// Parses `[+-]digits[.digits][e[+-]digits]`.
    pub fn parse(s: &str) -> Option<Self> {
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (num, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (int_part, frac_part) = match num.find('.') {
            Some(i) => (&num[..i], &num[i + 1..]),
            None => (num, ""),
        };
        if int_part.is_empty() || (num.contains('.') && frac_part.is_empty()) {
            return None;
        }
        let mut m: i128 = 0;
        for c in int_part.bytes().chain(frac_part.bytes()) {
            if !c.is_ascii_digit() {
                return None;
            }
            m = m.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
        }
        let mut scale = i64::try_from(frac_part.len()).ok()? - i64::from(exp);
        if scale < 0 {
            m = m.checked_mul(pow10(u32::try_from(-scale).ok()?)?)?;
            scale = 0;
        }
        let mut scale = u32::try_from(scale).ok()?;
        while scale > MAX_SCALE {
            m = round_div(m, 10);
            scale -= 1;
        }
        Some(Decimal::new(if neg { -m } else { m }, scale))
    }

    pub(super) fn from_number(n: &Number) -> Option<Self> {
        if let Some(i) = n.as_i64() {
            Some(Decimal::from_i64(i))
        } else if let Some(u) = n.as_u64() {
            Some(Decimal::new(i128::from(u), 0))
        } else {
            // serde_json prints floats in shortest round-trip form, keeping `1.0` as `1.0`.
            Decimal::parse(&n.to_string())
        }
    }

    pub fn to_f64(self) -> f64 {
        // Precision loss is acceptable here: used only as a fallback for out-of-range comparisons.
        let mut v = self.mantissa as f64;
        for _ in 0..self.scale {
            v /= 10.0;
        }
        v
    }

    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let s = self.scale.max(other.scale);
        Some((
            self.mantissa.checked_mul(pow10(s - self.scale)?)?,
            other.mantissa.checked_mul(pow10(s - other.scale)?)?,
            s,
        ))
    }

    fn reduce(mut m: i128, mut scale: u32) -> Decimal {
        while scale > MAX_SCALE {
            m = round_div(m, 10);
            scale -= 1;
        }
        Decimal::new(m, scale)
    }

    fn trimmed(self, min_scale: u32) -> Decimal {
        let mut d = self;
        while d.scale > min_scale && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    pub(super) fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        Some(Decimal::new(a.checked_add(b)?, s))
    }

    pub(super) fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        Some(Decimal::new(a.checked_sub(b)?, s))
    }

    pub(super) fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        Some(Decimal::reduce(
            self.mantissa.checked_mul(o.mantissa)?,
            self.scale + o.scale,
        ))
    }

    pub(super) fn checked_div(self, o: Decimal) -> Option<Decimal> {
        if o.mantissa == 0 {
            return None;
        }
        let target = self.scale.max(o.scale).max(DIV_SCALE);
        let exp = target + o.scale - self.scale;
        let num = self.mantissa.checked_mul(pow10(exp)?)?;
        Some(Decimal::new(round_div(num, o.mantissa), target).trimmed(1))
    }

    /// Truncated integer division.
    pub(super) fn int_div(self, o: Decimal) -> Option<i64> {
        let (a, b, _) = self.aligned(o)?;
        if b == 0 {
            return None;
        }
        i64::try_from(a.checked_div(b)?).ok()
    }

    pub(super) fn checked_rem(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        if b == 0 {
            return None;
        }
        Some(Decimal::new(a.checked_rem(b)?, s))
    }

    pub(super) fn negated(self) -> Decimal {
        Decimal::new(self.mantissa.saturating_neg(), self.scale)
    }

    pub(super) fn trunc_i64(self) -> Option<i64> {
        i64::try_from(self.mantissa / pow10(self.scale)?).ok()
    }

    pub(super) fn round_to(self, scale: u32) -> Decimal {
        if scale >= self.scale {
            return self;
        }
        match pow10(self.scale - scale) {
            Some(p) => Decimal::new(round_div(self.mantissa, p), scale),
            None => Decimal::new(0, scale),
        }
    }

    /// Numeric comparison (scale-independent: `1.0` equals `1`).
    pub fn compare(&self, other: &Decimal) -> Ordering {
        match self.aligned(*other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self
                .to_f64()
                .partial_cmp(&other.to_f64())
                .unwrap_or(Ordering::Equal),
        }
    }

    /// Number of digits after the decimal point.
    pub fn scale(&self) -> u32 {
        self.scale
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&digits);
        }
        if digits.len() <= scale {
            write!(f, "0.{}{}", "0".repeat(scale - digits.len()), digits)
        } else {
            let (i, fr) = digits.split_at(digits.len() - scale);
            write!(f, "{i}.{fr}")
        }
    }
}
