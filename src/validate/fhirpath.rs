//! FHIRPath evaluation for FHIR STU3 invariants (`StructureDefinition.snapshot.element.constraint.expression`).
//!
//! The engine implements the FHIRPath N1 grammar (as used by FHIR STU3, with the operator precedence of the
//! normative release) over resources held as FHIR JSON (`serde_json::Value`).  Expressions are parsed once
//! into an [`Expr`] (which is `Send + Sync` and reusable) and evaluated against a focus node and the
//! containing resource.
//!
//! # JSON model
//! * A path step `name` navigates object properties; arrays flatten into the result collection.
//! * Primitive extensions: `birthDate` together with `_birthDate` form one node, so `birthDate.extension`
//!   and `birthDate.id` come from `_birthDate`; a primitive with only `_x` is a node without a value.
//! * Choice elements: the step `value` matches `valueString`, `valueQuantity`, ... when `value` is one of the
//!   STU3 choice element names and the suffix is a FHIR type name. The suffix becomes the node's type, so
//!   `ofType(Quantity)`, `is(boolean)` and `as(decimal)` work on choice elements.
//! * Resources are typed by `resourceType` (`is(Patient)`, `ofType(Resource)`, `is(DomainResource)`).
//!
//! # Type inference limits
//! Without the StructureDefinitions the type of a non-choice element is inferred from its JSON shape only:
//! JSON booleans are `boolean`; integral numbers are `integer` (also accepted as `decimal`, `unsignedInt` and
//! `positiveInt` when in range); other numbers are `decimal`; strings are accepted as any string-like
//! primitive (`string`, `code`, `id`, `uri`, `markdown`, ...) and as `date`/`dateTime`/`instant`/`time` when
//! their lexical form fits. Objects without `resourceType` that are not choice elements have no known type
//! (only `is(Element)` is true). `System.X` and `FHIR.x` type names are not distinguished.
//!
//! # Deliberate simplifications
//! * `resolve()` returns empty (references are not followed), `memberOf()` returns empty (needs a
//!   terminology service), `conformsTo()` returns empty, and `htmlChecks()`/`htmlchecks()` returns `true`
//!   (narrative XHTML is checked elsewhere).
//! * `matches()` is a partial (search) match, single-line mode (`.` matches newlines), as in FHIRPath N1/R4;
//!   STU3 invariants anchor explicitly with `^...$`. Regular expressions use the `regex` crate syntax (no
//!   look-around or back-references); `\<` and `\>` are treated as literal `<` and `>`.
//! * `hasValue()` is false for an empty or whitespace-only string, mirroring the reference Java
//!   implementation (FHIR JSON forbids empty strings), so `ele-1` fails on `"family": ""`.
//! * Strings are compared as dates/times by `<`, `<=`, `>`, `>=` when both sides parse as FHIR date/time
//!   values (or one side is a date/time literal); `=` between two JSON strings is string equality.
//! * Comparing date/times of different precision yields empty when they agree up to the shorter precision.
//!   Date/times with a time part but no offset are treated as UTC.
//! * Quantities compare only when their units (UCUM `code`, else `unit`) are identical (calendar keywords
//!   are normalised: `second` = `'s'`, `millisecond` = `'ms'`, plurals = singulars); no UCUM conversion.
//! * Unknown escape sequences in string literals (e.g. `'\d'`) are kept verbatim (backslash included).
//! * Regular expressions given as a string literal are compiled at parse time; others per evaluation.
//! * Unknown functions and unknown `%variables` are parse errors. Supported variables: `%resource`,
//!   `%rootResource` (both the `resource` argument), `%context`, `%ucum`, `%sct`, `%loinc`,
//!   ``%`vs-x` `` and ``%`ext-x` `` (also `%'vs-x'`).
//! * Arguments of non-iterating functions (`union(x)`, `substring(n)`, ...) are evaluated against `$this`, as
//!   in the specification's `name.select(use.union(given))` example; `where`/`select`/`all`/`exists`/
//!   `repeat`/`aggregate` evaluate their argument per input item.
//! * `repeat()` de-duplicates nodes by identity (not by value), `descendants()` is a plain tree walk, and
//!   `|`/`union()`/`distinct()` de-duplicate by FHIRPath equality (deep JSON equality for complex nodes).
//! * Singleton evaluation: a boolean context (`and`, `where`, `iif`, `not()`) accepts one Boolean, treats
//!   one non-Boolean item as `true` and a collection of several items as an evaluation error.
//! * Not implemented: `lowBoundary()`/`highBoundary()`, `type()`, math functions, `split()`/`join()`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use regex::Regex;
use serde_json::{Map, Number, Value};

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

/// Errors raised while parsing or evaluating a FHIRPath expression.
#[derive(Debug, thiserror::Error)]
pub enum FhirPathError {
    /// The expression is not valid FHIRPath (or uses an unsupported function / unknown variable).
    /// `pos` is a byte offset into `expr`.
    #[error("FHIRPath parse error in `{expr}` at offset {pos}: {message}")]
    Parse {
        expr: String,
        pos: usize,
        message: String,
    },
    /// Evaluation failed (e.g. a singleton was required but a collection was found, incomparable types).
    #[error("FHIRPath evaluation error in `{expr}`: {message}")]
    Eval { expr: String, message: String },
}

#[derive(Debug)]
struct EvalError(String);

type EResult<T> = Result<T, EvalError>;

fn fail<T>(message: impl Into<String>) -> EResult<T> {
    Err(EvalError(message.into()))
}

#[derive(Debug)]
struct ParseErr {
    pos: usize,
    message: String,
}

type PResult<T> = Result<T, ParseErr>;

fn perr<T>(pos: usize, message: impl Into<String>) -> PResult<T> {
    Err(ParseErr {
        pos,
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/// A parsed FHIRPath expression; cheap to evaluate many times and shareable between threads.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    ast: Ast,
}

/// Parses a FHIRPath expression.
pub fn parse(expr: &str) -> Result<Expr, FhirPathError> {
    let to_error = |e: ParseErr| FhirPathError::Parse {
        expr: expr.to_string(),
        pos: e.pos,
        message: e.message,
    };
    let toks = tokenize(expr).map_err(to_error)?;
    let mut parser = Parser {
        toks,
        i: 0,
        depth: 0,
    };
    let ast = parser.parse_expression(0).map_err(to_error)?;
    let tok = parser.peek();
    if tok.tok != Tok::Eof {
        return Err(to_error(ParseErr {
            pos: tok.pos,
            message: format!("unexpected {}", tok.tok.describe()),
        }));
    }
    Ok(Expr {
        source: expr.to_string(),
        ast,
    })
}

impl std::str::FromStr for Expr {
    type Err = FhirPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Expr {
    /// The expression text this was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates with `focus` as the context (`$this` and `%context`) and `resource` as
    /// `%resource`/`%rootResource` (the containing resource; for contained/Bundle-entry resources the caller
    /// passes the right one).
    pub fn evaluate<'a>(
        &self,
        focus: &'a Value,
        resource: &'a Value,
    ) -> Result<Vec<Item<'a>>, FhirPathError> {
        self.evaluate_item(&Item::Node(Node::new(focus)), resource)
    }

    /// Like [`Expr::evaluate`] but with an arbitrary item (e.g. a primitive node found by an earlier
    /// evaluation, which keeps its `_x` extension companion) as the focus.
    pub fn evaluate_item<'a>(
        &self,
        focus: &Item<'a>,
        resource: &'a Value,
    ) -> Result<Vec<Item<'a>>, FhirPathError> {
        let env = Env {
            context: focus,
            resource,
            this: focus,
            index: None,
            total: None,
        };
        eval(&self.ast, std::slice::from_ref(focus), &env).map_err(|e| FhirPathError::Eval {
            expr: self.source.clone(),
            message: e.0,
        })
    }

    /// Invariant semantics: true unless the result is a single `false` (empty = true per FHIR constraint
    /// rules).
    pub fn holds(&self, focus: &Value, resource: &Value) -> Result<bool, FhirPathError> {
        Ok(invariant_result(&self.evaluate(focus, resource)?))
    }

    /// [`Expr::holds`] with an arbitrary item as the focus.
    pub fn holds_item<'a>(
        &self,
        focus: &Item<'a>,
        resource: &'a Value,
    ) -> Result<bool, FhirPathError> {
        Ok(invariant_result(&self.evaluate_item(focus, resource)?))
    }
}

fn invariant_result(items: &[Item<'_>]) -> bool {
    match items {
        [one] => one.as_bool() != Some(false),
        _ => true,
    }
}

/// One member of a FHIRPath collection: a node of the JSON resource, or a value computed by the expression.
#[derive(Debug, Clone)]
pub enum Item<'a> {
    Node(Node<'a>),
    Boolean(bool),
    Integer(i64),
    Decimal(Decimal),
    String(String),
    Date(PartialDateTime),
    DateTime(PartialDateTime),
    Time(PartialTime),
    Quantity(Quantity),
}

impl<'a> Item<'a> {
    /// The boolean value of a `Boolean` item or of a node holding a JSON boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Item::Boolean(b) => Some(*b),
            Item::Node(n) => n.value.and_then(Value::as_bool),
            _ => None,
        }
    }

    /// The text of a `String` item or of a node holding a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Item::String(s) => Some(s),
            Item::Node(n) => n.value.and_then(Value::as_str),
            _ => None,
        }
    }

    /// The integer value of an `Integer` item or of a node holding an integral JSON number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Item::Integer(i) => Some(*i),
            Item::Node(n) => n.value.and_then(Value::as_i64),
            _ => None,
        }
    }

    /// The node, if this item is a node of the resource.
    pub fn as_node(&self) -> Option<&Node<'a>> {
        match self {
            Item::Node(n) => Some(n),
            _ => None,
        }
    }
}

/// A reference into the JSON resource. Primitive nodes carry their `_name` companion object (if any).
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    value: Option<&'a Value>,
    ext: Option<&'a Value>,
    type_hint: Option<&'a str>,
}

impl<'a> Node<'a> {
    /// A node for a JSON value (typically a resource or an element object).
    pub fn new(value: &'a Value) -> Self {
        Node {
            value: Some(value),
            ext: None,
            type_hint: None,
        }
    }

    /// A primitive node from a property value and its `_name` companion object (either may be absent).
    pub fn primitive(value: Option<&'a Value>, extension: Option<&'a Value>) -> Self {
        Node {
            value: value.filter(|v| !v.is_null()),
            ext: object_ext(extension),
            type_hint: None,
        }
    }

    /// Declares the node's type as a choice suffix (`Quantity`, `DateTime`, ...) or type name, for
    /// `is`/`as`/`ofType` when the node was not reached through a choice property.
    pub fn with_choice_type(mut self, type_name: &'a str) -> Self {
        self.type_hint = Some(type_name);
        self
    }

    /// The JSON value; `None` for a primitive that only has extensions (`_x` without `x`).
    pub fn value(&self) -> Option<&'a Value> {
        self.value
    }

    /// The `_x` companion object of a primitive (holding `id`/`extension`).
    pub fn primitive_extension(&self) -> Option<&'a Value> {
        self.ext
    }

    /// The type suffix of a choice element (`Quantity` for `valueQuantity`), if known.
    pub fn choice_type(&self) -> Option<&'a str> {
        self.type_hint
    }

    /// The `resourceType` of a resource node.
    pub fn resource_type(&self) -> Option<&'a str> {
        self.value?.as_object()?.get("resourceType")?.as_str()
    }

    /// The object whose properties are this node's children.
    fn container(&self) -> Option<&'a Map<String, Value>> {
        match self.value {
            Some(Value::Object(map)) => Some(map),
            _ => self.ext.and_then(Value::as_object),
        }
    }

    fn same(&self, other: &Node<'_>) -> bool {
        fn same_ref(a: Option<&Value>, b: Option<&Value>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        same_ref(self.value, other.value) && same_ref(self.ext, other.ext)
    }

    fn has_primitive_value(&self) -> bool {
        match self.value {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Bool(_) | Value::Number(_)) => true,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Decimal
// ---------------------------------------------------------------------------------------------------------

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

    fn from_number(n: &Number) -> Option<Self> {
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

    fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        Some(Decimal::new(a.checked_add(b)?, s))
    }

    fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        Some(Decimal::new(a.checked_sub(b)?, s))
    }

    fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        Some(Decimal::reduce(
            self.mantissa.checked_mul(o.mantissa)?,
            self.scale + o.scale,
        ))
    }

    fn checked_div(self, o: Decimal) -> Option<Decimal> {
        if o.mantissa == 0 {
            return None;
        }
        let target = self.scale.max(o.scale).max(DIV_SCALE);
        let exp = target + o.scale - self.scale;
        let num = self.mantissa.checked_mul(pow10(exp)?)?;
        Some(Decimal::new(round_div(num, o.mantissa), target).trimmed(1))
    }

    /// Truncated integer division.
    fn int_div(self, o: Decimal) -> Option<i64> {
        let (a, b, _) = self.aligned(o)?;
        if b == 0 {
            return None;
        }
        i64::try_from(a.checked_div(b)?).ok()
    }

    fn checked_rem(self, o: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(o)?;
        if b == 0 {
            return None;
        }
        Some(Decimal::new(a.checked_rem(b)?, s))
    }

    fn negated(self) -> Decimal {
        Decimal::new(self.mantissa.saturating_neg(), self.scale)
    }

    fn trunc_i64(self) -> Option<i64> {
        i64::try_from(self.mantissa / pow10(self.scale)?).ok()
    }

    fn round_to(self, scale: u32) -> Decimal {
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

// ---------------------------------------------------------------------------------------------------------
// Date / time
// ---------------------------------------------------------------------------------------------------------

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

fn days_in_month(year: i32, month: u32) -> u32 {
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

    fn naive(&self) -> Option<NaiveDateTime> {
        let d = NaiveDate::from_ymd_opt(self.year, self.month, self.day)?;
        let t =
            NaiveTime::from_hms_nano_opt(self.hour, self.minute, self.second.min(59), self.nanos)?;
        Some(NaiveDateTime::new(d, t))
    }

    fn set_naive(&mut self, n: NaiveDateTime) {
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

// ---------------------------------------------------------------------------------------------------------
// Quantity
// ---------------------------------------------------------------------------------------------------------

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

fn is_calendar_keyword(u: &str) -> bool {
    CALENDAR_UNITS.contains(&u)
}

/// Unit key used for quantity comparison.
fn unit_key(u: &str) -> &str {
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

fn add_to_datetime(
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

// ---------------------------------------------------------------------------------------------------------
// FHIR type knowledge
// ---------------------------------------------------------------------------------------------------------

/// Names of STU3 choice elements (`value[x]`, `effective[x]`, ...), sorted.
const CHOICE_NAMES: [&str; 58] = [
    "abatement",
    "additive",
    "age",
    "allowed",
    "answer",
    "asNeeded",
    "author",
    "binding",
    "born",
    "bounds",
    "code",
    "collected",
    "content",
    "deceased",
    "defaultValue",
    "definition",
    "detail",
    "diagnosis",
    "dose",
    "due",
    "effective",
    "entity",
    "eventTiming",
    "fixed",
    "initial",
    "item",
    "location",
    "maxValue",
    "medication",
    "minValue",
    "multipleBirth",
    "notDoneReason",
    "occurrence",
    "offset",
    "onBehalfOf",
    "onset",
    "p",
    "pattern",
    "performed",
    "probability",
    "procedure",
    "product",
    "rate",
    "reason",
    "scheduled",
    "serviced",
    "source",
    "start",
    "substance",
    "target",
    "time",
    "timing",
    "used",
    "value",
    "valueSet",
    "what",
    "when",
    "who",
];

/// Type names as they appear as choice suffixes (capitalised), sorted.
const TYPE_SUFFIXES: [&str; 50] = [
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "Base64Binary",
    "Boolean",
    "Canonical",
    "Code",
    "CodeableConcept",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Date",
    "DateTime",
    "Decimal",
    "Distance",
    "Dosage",
    "Duration",
    "HumanName",
    "Id",
    "Identifier",
    "Instant",
    "Integer",
    "Markdown",
    "Meta",
    "Money",
    "Oid",
    "ParameterDefinition",
    "Period",
    "PositiveInt",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "String",
    "Time",
    "Timing",
    "TriggerDefinition",
    "UnsignedInt",
    "Uri",
    "Url",
    "UsageContext",
    "Uuid",
    "Xhtml",
];

/// FHIR primitive type names (plus FHIRPath system types in lower-first form).
const PRIMITIVES: [&str; 20] = [
    "base64Binary",
    "boolean",
    "canonical",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "markdown",
    "oid",
    "positiveInt",
    "string",
    "time",
    "unsignedInt",
    "uri",
    "url",
    "uuid",
    "xhtml",
];

const STRING_LIKE: [&str; 11] = [
    "string",
    "code",
    "id",
    "markdown",
    "uri",
    "url",
    "canonical",
    "oid",
    "uuid",
    "base64Binary",
    "xhtml",
];

/// Splits `valueQuantity` into the choice suffix `Quantity` when `value` is a choice element name.
fn choice_suffix(key: &str) -> Option<&str> {
    for (i, c) in key.char_indices().skip(1) {
        if c.is_ascii_uppercase()
            && CHOICE_NAMES.binary_search(&&key[..i]).is_ok()
            && TYPE_SUFFIXES.binary_search(&&key[i..]).is_ok()
        {
            return Some(&key[i..]);
        }
    }
    None
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Canonical type name: primitives (and System types) in lower-first form, others unchanged.
fn canonical_type(name: &str) -> String {
    let lf = lower_first(name);
    if PRIMITIVES.contains(&lf.as_str()) {
        lf
    } else {
        name.to_string()
    }
}

fn base_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "code" | "id" | "markdown" => "string",
        "oid" | "uuid" | "url" | "canonical" => "uri",
        "positiveInt" | "unsignedInt" => "integer",
        "Age" | "Count" | "Distance" | "Duration" | "Money" | "SimpleQuantity" => "Quantity",
        _ => return None,
    })
}

const NON_DOMAIN_RESOURCES: [&str; 3] = ["Bundle", "Parameters", "Binary"];

fn node_is_type(n: &Node<'_>, want: &str) -> bool {
    if let Some(rt) = n.resource_type() {
        return rt == want
            || want == "Resource"
            || (want == "DomainResource" && !NON_DOMAIN_RESOURCES.contains(&rt));
    }
    if want == "Element" {
        return true;
    }
    if let Some(hint) = n.type_hint {
        let mut t = canonical_type(hint);
        loop {
            if t == want {
                return true;
            }
            match base_type(&t) {
                Some(b) => t = b.to_string(),
                None => return false,
            }
        }
    }
    match n.value {
        Some(Value::Bool(_)) => want == "boolean",
        Some(Value::Number(num)) => {
            if let Some(i) = num.as_i64() {
                match want {
                    "integer" | "decimal" => true,
                    "unsignedInt" => i >= 0,
                    "positiveInt" => i > 0,
                    _ => false,
                }
            } else {
                want == "decimal"
            }
        }
        Some(Value::String(s)) => match want {
            "date" => PartialDateTime::parse(s, false).is_some_and(|d| d.is_date()),
            "dateTime" => PartialDateTime::parse(s, false).is_some(),
            "instant" => PartialDateTime::parse(s, false)
                .is_some_and(|d| d.precision == Precision::Second && d.tz_offset_minutes.is_some()),
            "time" => PartialTime::parse(s).is_some(),
            other => STRING_LIKE.contains(&other),
        },
        _ => false,
    }
}

fn item_is_type(item: &Item<'_>, want: &str) -> bool {
    match item {
        Item::Node(n) => node_is_type(n, want),
        Item::Boolean(_) => want == "boolean",
        Item::Integer(_) => want == "integer",
        Item::Decimal(_) => want == "decimal",
        Item::String(_) => want == "string",
        Item::Date(_) => want == "date",
        Item::DateTime(_) => want == "dateTime",
        Item::Time(_) => want == "time",
        Item::Quantity(_) => want == "Quantity",
    }
}

// ---------------------------------------------------------------------------------------------------------
// JSON navigation
// ---------------------------------------------------------------------------------------------------------

fn is_primitive_json(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        Value::Array(a) => !a.iter().any(Value::is_object),
        _ => true,
    }
}

fn object_ext(v: Option<&Value>) -> Option<&Value> {
    v.filter(|e| e.is_object())
}

/// Pushes the node(s) for a property value and its `_name` companion.
fn push_values<'a>(
    value: Option<&'a Value>,
    ext: Option<&'a Value>,
    hint: Option<&'a str>,
    out: &mut Vec<Item<'a>>,
) {
    let node = |value: Option<&'a Value>, ext: Option<&'a Value>| {
        Item::Node(Node {
            value: value.filter(|v| !v.is_null()),
            ext: object_ext(ext),
            type_hint: hint,
        })
    };
    match (value, ext) {
        (Some(Value::Array(values)), ext) => {
            let exts = ext.and_then(Value::as_array);
            for (i, v) in values.iter().enumerate() {
                let e = exts.and_then(|a| a.get(i)).filter(|e| e.is_object());
                if !v.is_null() || e.is_some() {
                    out.push(node(Some(v), e));
                }
            }
            if let Some(exts) = exts {
                for e in exts.iter().skip(values.len()).filter(|e| e.is_object()) {
                    out.push(node(None, Some(e)));
                }
            }
        }
        (None | Some(Value::Null), Some(Value::Array(exts))) => {
            for e in exts.iter().filter(|e| e.is_object()) {
                out.push(node(None, Some(e)));
            }
        }
        (Some(v), e) if !v.is_null() => out.push(node(Some(v), e)),
        (_, Some(e)) if e.is_object() => out.push(node(None, Some(e))),
        _ => {}
    }
}

fn navigate<'a>(node: &Node<'a>, member: &Member, out: &mut Vec<Item<'a>>) {
    let Some(obj) = node.container() else {
        return;
    };
    let direct = obj.get_key_value(member.name.as_str());
    let ext = obj.get(member.underscored.as_str());
    if direct.is_some() || ext.is_some() {
        let hint = direct.and_then(|(k, _)| choice_suffix(k));
        push_values(direct.map(|(_, v)| v), ext, hint, out);
        return;
    }
    if member.type_like
        && node.resource_type().is_some()
        && node_is_type(node, member.name.as_str())
    {
        out.push(Item::Node(*node));
        return;
    }
    if member.choice {
        for (k, v) in obj {
            if let Some(suffix) = k.strip_prefix(member.name.as_str()) {
                if TYPE_SUFFIXES.binary_search(&suffix).is_ok() {
                    let e = if is_primitive_json(v) {
                        obj.get(&format!("_{k}"))
                    } else {
                        None
                    };
                    push_values(Some(v), e, Some(suffix), out);
                }
            } else if let Some(base) = k.strip_prefix('_') {
                if let Some(suffix) = base.strip_prefix(member.name.as_str()) {
                    if TYPE_SUFFIXES.binary_search(&suffix).is_ok() && !obj.contains_key(base) {
                        push_values(None, Some(v), Some(suffix), out);
                    }
                }
            }
        }
    }
}

fn push_children<'a>(node: &Node<'a>, out: &mut Vec<Item<'a>>) {
    let Some(obj) = node.container() else {
        return;
    };
    for (k, v) in obj {
        if k == "resourceType" || k == "fhir_comments" {
            continue;
        }
        if let Some(base) = k.strip_prefix('_') {
            if !obj.contains_key(base) {
                push_values(None, Some(v), choice_suffix(base), out);
            }
        } else {
            let ext = if is_primitive_json(v) {
                obj.get(&format!("_{k}"))
            } else {
                None
            };
            push_values(Some(v), ext, choice_suffix(k), out);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Delimited(String),
    Str(String),
    Num(String),
    DateTime(String),
    Time(String),
    Env(String),
    Special(String),
    Sym(&'static str),
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::Delimited(s) => format!("identifier `{s}`"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Num(s) => format!("number {s}"),
            Tok::DateTime(s) => format!("date/time @{s}"),
            Tok::Time(s) => format!("time @T{s}"),
            Tok::Env(s) => format!("variable %{s}"),
            Tok::Special(s) => format!("${s}"),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Eof => "end of expression".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

const SYMBOLS2: [&str; 5] = ["!=", "!~", "<=", ">=", "<>"];
const SYMBOLS1: [&str; 18] = [
    "(", ")", "[", "]", "{", "}", ".", ",", "+", "-", "*", "/", "&", "|", "=", "~", "<", ">",
];

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn scan_while(b: &[u8], mut j: usize, f: impl Fn(u8) -> bool) -> usize {
    while j < b.len() && f(b[j]) {
        j += 1;
    }
    j
}

fn read_hex(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..4 {
        let d = chars.next().and_then(|(_, h)| h.to_digit(16))?;
        v = v * 16 + d;
    }
    Some(v)
}

/// Reads a quoted string/identifier starting at `start` (the opening quote). Returns (text, next index).
fn lex_quoted(src: &str, start: usize, quote: char) -> PResult<(String, usize)> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        let at = start + 1 + off;
        if c == quote {
            return Ok((out, at + 1));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return perr(at, "unterminated escape sequence");
        };
        match e {
            '\'' | '"' | '`' | '\\' | '/' => out.push(e),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let Some(mut code) = read_hex(&mut chars) else {
                    return perr(at, "invalid \\u escape");
                };
                if (0xD800..0xDC00).contains(&code) {
                    let mut look = chars.clone();
                    if matches!(look.next(), Some((_, '\\')))
                        && matches!(look.next(), Some((_, 'u')))
                    {
                        if let Some(low) =
                            read_hex(&mut look).filter(|l| (0xDC00..0xE000).contains(l))
                        {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            chars = look;
                        }
                    }
                }
                match char::from_u32(code) {
                    Some(ch) => out.push(ch),
                    None => return perr(at, "invalid \\u escape"),
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    perr(start, "unterminated quoted text")
}

fn tokenize(src: &str) -> PResult<Vec<Token>> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = scan_while(b, i, |c| c != b'\n');
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match src[i + 2..].find("*/") {
                    Some(end) => i = i + 2 + end + 2,
                    None => return perr(i, "unterminated comment"),
                }
                continue;
            }
            b'\'' => {
                let (s, next) = lex_quoted(src, i, '\'')?;
                i = next;
                Tok::Str(s)
            }
            b'`' => {
                let (s, next) = lex_quoted(src, i, '`')?;
                i = next;
                Tok::Delimited(s)
            }
            b'0'..=b'9' => {
                i = scan_while(b, i, |c| c.is_ascii_digit());
                if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i = scan_while(b, i + 1, |c| c.is_ascii_digit());
                }
                Tok::Num(src[start..i].to_string())
            }
            b'@' => {
                if b.get(i + 1) == Some(&b'T') {
                    i = scan_while(b, i + 2, |c| c.is_ascii_digit() || c == b':' || c == b'.');
                    Tok::Time(src[start + 2..i].to_string())
                } else {
                    i = scan_datetime(b, i + 1);
                    Tok::DateTime(src[start + 1..i].to_string())
                }
            }
            b'%' => match b.get(i + 1) {
                Some(b'`') => {
                    let (s, next) = lex_quoted(src, i + 1, '`')?;
                    i = next;
                    Tok::Env(s)
                }
                Some(b'\'') => {
                    let (s, next) = lex_quoted(src, i + 1, '\'')?;
                    i = next;
                    Tok::Env(s)
                }
                Some(c) if is_ident_byte(*c) => {
                    i = scan_while(b, i + 1, is_ident_byte);
                    Tok::Env(src[start + 1..i].to_string())
                }
                _ => return perr(i, "expected a variable name after %"),
            },
            b'$' => {
                i = scan_while(b, i + 1, is_ident_byte);
                Tok::Special(src[start + 1..i].to_string())
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                i = scan_while(b, i, is_ident_byte);
                Tok::Ident(src[start..i].to_string())
            }
            _ => {
                let rest = &src[i..];
                if let Some(sym) = SYMBOLS2.into_iter().find(|s| rest.starts_with(s)) {
                    i += 2;
                    Tok::Sym(if sym == "<>" { "!=" } else { sym })
                } else if let Some(sym) = SYMBOLS1.into_iter().find(|s| rest.starts_with(s)) {
                    i += 1;
                    Tok::Sym(sym)
                } else {
                    let ch = rest.chars().next().unwrap_or('?');
                    return perr(i, format!("unexpected character `{ch}`"));
                }
            }
        };
        toks.push(Token { tok, pos: start });
    }
    toks.push(Token {
        tok: Tok::Eof,
        pos: src.len(),
    });
    Ok(toks)
}

/// Scans the text of a date/time literal after `@`; returns the end index.
fn scan_datetime(b: &[u8], start: usize) -> usize {
    let digit_run =
        |j: usize, n: usize| (j..j + n).all(|k| b.get(k).is_some_and(u8::is_ascii_digit));
    let mut j = scan_while(b, start, |c| c.is_ascii_digit());
    for _ in 0..2 {
        if b.get(j) == Some(&b'-') && digit_run(j + 1, 2) {
            j += 3;
        } else {
            break;
        }
    }
    if b.get(j) == Some(&b'T') {
        j += 1;
        let time_start = j;
        j = scan_while(b, j, |c| c.is_ascii_digit() || c == b':' || c == b'.');
        if j > time_start {
            match b.get(j) {
                Some(b'Z') => j += 1,
                Some(b'+' | b'-')
                    if digit_run(j + 1, 2)
                        && b.get(j + 3) == Some(&b':')
                        && digit_run(j + 4, 2) =>
                {
                    j += 6;
                }
                _ => {}
            }
        }
    }
    j
}

// ---------------------------------------------------------------------------------------------------------
// AST and parser
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Mul,
    Div,
    IntDiv,
    Mod,
    Add,
    Sub,
    Concat,
    Union,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Equiv,
    Ne,
    NotEquiv,
    In,
    Contains,
    And,
    Or,
    Xor,
    Implies,
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    underscored: String,
    /// May be a type name filtering the focus (`Patient.name`).
    type_like: bool,
    /// Is an STU3 choice element name (so `valueX` properties match).
    choice: bool,
}

impl Member {
    fn new(name: &str) -> Self {
        Member {
            name: name.to_string(),
            underscored: format!("_{name}"),
            type_like: name.starts_with(|c: char| c.is_ascii_uppercase()),
            choice: CHOICE_NAMES.binary_search(&name).is_ok(),
        }
    }
}

#[derive(Debug, Clone)]
struct TypeSpec {
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnvVar {
    Resource,
    Context,
}

#[derive(Debug, Clone)]
struct Call {
    func: Func,
    args: Vec<Ast>,
    type_arg: Option<TypeSpec>,
    regex: Option<Regex>,
}

#[derive(Debug, Clone)]
enum Ast {
    Empty,
    Lit(Item<'static>),
    This,
    Index,
    Total,
    Env(EnvVar),
    Member(Member),
    Call(Box<Call>),
    Dot(Box<Ast>, Box<Ast>),
    Indexer(Box<Ast>, Box<Ast>),
    Neg(Box<Ast>),
    Bin(BinOp, Box<Ast>, Box<Ast>),
    Is(Box<Ast>, TypeSpec),
    As(Box<Ast>, TypeSpec),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Empty,
    Exists,
    All,
    AllTrue,
    AnyTrue,
    AllFalse,
    AnyFalse,
    SubsetOf,
    SupersetOf,
    IsDistinct,
    Distinct,
    Count,
    Where,
    Select,
    Repeat,
    OfType,
    Single,
    First,
    Last,
    Tail,
    Skip,
    Take,
    Union,
    Combine,
    Intersect,
    Exclude,
    Iif,
    ToInteger,
    ToDecimal,
    ToString,
    ToBoolean,
    ToDate,
    ToDateTime,
    ToTime,
    ToQuantity,
    ConvertsToInteger,
    ConvertsToDecimal,
    ConvertsToString,
    ConvertsToBoolean,
    ConvertsToDate,
    ConvertsToDateTime,
    ConvertsToTime,
    ConvertsToQuantity,
    IndexOf,
    Substring,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
    ReplaceMatches,
    Replace,
    Length,
    Upper,
    Lower,
    Trim,
    ToChars,
    Children,
    Descendants,
    Not,
    Trace,
    Today,
    Now,
    TimeOfDay,
    HasValue,
    Extension,
    Resolve,
    MemberOf,
    ConformsTo,
    HtmlChecks,
    Is,
    As,
    Aggregate,
}

/// Function name → (function, min args, max args).
fn lookup_function(name: &str) -> Option<(Func, usize, usize)> {
    use Func as F;
    Some(match name {
        "empty" => (F::Empty, 0, 0),
        "exists" => (F::Exists, 0, 1),
        "all" => (F::All, 1, 1),
        "allTrue" => (F::AllTrue, 0, 0),
        "anyTrue" => (F::AnyTrue, 0, 0),
        "allFalse" => (F::AllFalse, 0, 0),
        "anyFalse" => (F::AnyFalse, 0, 0),
        "subsetOf" => (F::SubsetOf, 1, 1),
        "supersetOf" => (F::SupersetOf, 1, 1),
        "isDistinct" => (F::IsDistinct, 0, 0),
        "distinct" => (F::Distinct, 0, 0),
        "count" => (F::Count, 0, 0),
        "where" => (F::Where, 1, 1),
        "select" => (F::Select, 1, 1),
        "repeat" => (F::Repeat, 1, 1),
        "ofType" => (F::OfType, 1, 1),
        "single" => (F::Single, 0, 0),
        "first" => (F::First, 0, 0),
        "last" => (F::Last, 0, 0),
        "tail" => (F::Tail, 0, 0),
        "skip" => (F::Skip, 1, 1),
        "take" => (F::Take, 1, 1),
        "union" => (F::Union, 1, 1),
        "combine" => (F::Combine, 1, 1),
        "intersect" => (F::Intersect, 1, 1),
        "exclude" => (F::Exclude, 1, 1),
        "iif" => (F::Iif, 2, 3),
        "toInteger" => (F::ToInteger, 0, 0),
        "toDecimal" => (F::ToDecimal, 0, 0),
        "toString" => (F::ToString, 0, 0),
        "toBoolean" => (F::ToBoolean, 0, 0),
        "toDate" => (F::ToDate, 0, 0),
        "toDateTime" => (F::ToDateTime, 0, 0),
        "toTime" => (F::ToTime, 0, 0),
        "toQuantity" => (F::ToQuantity, 0, 1),
        "convertsToInteger" => (F::ConvertsToInteger, 0, 0),
        "convertsToDecimal" => (F::ConvertsToDecimal, 0, 0),
        "convertsToString" => (F::ConvertsToString, 0, 0),
        "convertsToBoolean" => (F::ConvertsToBoolean, 0, 0),
        "convertsToDate" => (F::ConvertsToDate, 0, 0),
        "convertsToDateTime" => (F::ConvertsToDateTime, 0, 0),
        "convertsToTime" => (F::ConvertsToTime, 0, 0),
        "convertsToQuantity" => (F::ConvertsToQuantity, 0, 1),
        "indexOf" => (F::IndexOf, 1, 1),
        "substring" => (F::Substring, 1, 2),
        "startsWith" => (F::StartsWith, 1, 1),
        "endsWith" => (F::EndsWith, 1, 1),
        "contains" => (F::Contains, 1, 1),
        "matches" => (F::Matches, 1, 1),
        "replaceMatches" => (F::ReplaceMatches, 2, 2),
        "replace" => (F::Replace, 2, 2),
        "length" => (F::Length, 0, 0),
        "upper" => (F::Upper, 0, 0),
        "lower" => (F::Lower, 0, 0),
        "trim" => (F::Trim, 0, 0),
        "toChars" => (F::ToChars, 0, 0),
        "children" => (F::Children, 0, 0),
        "descendants" => (F::Descendants, 0, 0),
        "not" => (F::Not, 0, 0),
        "trace" => (F::Trace, 1, 2),
        "today" => (F::Today, 0, 0),
        "now" => (F::Now, 0, 0),
        "timeOfDay" => (F::TimeOfDay, 0, 0),
        "hasValue" => (F::HasValue, 0, 0),
        "extension" => (F::Extension, 1, 1),
        "resolve" => (F::Resolve, 0, 0),
        "memberOf" => (F::MemberOf, 1, 1),
        "conformsTo" => (F::ConformsTo, 1, 1),
        "htmlChecks" | "htmlchecks" => (F::HtmlChecks, 0, 0),
        "is" => (F::Is, 1, 1),
        "as" => (F::As, 1, 1),
        "aggregate" => (F::Aggregate, 1, 2),
        _ => return None,
    })
}

fn env_constant(name: &str) -> Option<Ast> {
    let url = match name {
        "resource" | "rootResource" => return Some(Ast::Env(EnvVar::Resource)),
        "context" => return Some(Ast::Env(EnvVar::Context)),
        "ucum" => "http://unitsofmeasure.org".to_string(),
        "sct" => "http://snomed.info/sct".to_string(),
        "loinc" => "http://loinc.org".to_string(),
        other => {
            if let Some(rest) = other.strip_prefix("vs-") {
                format!("http://hl7.org/fhir/ValueSet/{rest}")
            } else if let Some(rest) = other.strip_prefix("ext-") {
                format!("http://hl7.org/fhir/StructureDefinition/{rest}")
            } else {
                return None;
            }
        }
    };
    Some(Ast::Lit(Item::String(url)))
}

/// Adapts a FHIRPath (Java-flavoured) regular expression to the `regex` crate: single-line mode, and
/// `\<`/`\>` as literal angle brackets.
fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    let mut out = String::with_capacity(pattern.len() + 4);
    out.push_str("(?s)");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('<' | '>')) => out.push(e),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push_str("\\\\"),
            }
        } else {
            out.push(c);
        }
    }
    Regex::new(&out)
}

/// `$1` → `${1}` so that a following letter is not read as part of the group name.
fn substitution(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                out.push(d);
                chars.next();
            }
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

/// Maximum nesting of sub-expressions (guards the recursive parser and evaluator against stack exhaustion).
const MAX_DEPTH: usize = 200;

fn binop_for(tok: &Tok) -> Option<(BinOp, u8)> {
    use BinOp as B;
    Some(match tok {
        Tok::Sym("*") => (B::Mul, 10),
        Tok::Sym("/") => (B::Div, 10),
        Tok::Sym("+") => (B::Add, 9),
        Tok::Sym("-") => (B::Sub, 9),
        Tok::Sym("&") => (B::Concat, 9),
        Tok::Sym("|") => (B::Union, 7),
        Tok::Sym("<") => (B::Lt, 6),
        Tok::Sym("<=") => (B::Le, 6),
        Tok::Sym(">") => (B::Gt, 6),
        Tok::Sym(">=") => (B::Ge, 6),
        Tok::Sym("=") => (B::Eq, 5),
        Tok::Sym("~") => (B::Equiv, 5),
        Tok::Sym("!=") => (B::Ne, 5),
        Tok::Sym("!~") => (B::NotEquiv, 5),
        Tok::Ident(w) => match w.as_str() {
            "div" => (B::IntDiv, 10),
            "mod" => (B::Mod, 10),
            // `is`/`as` are handled specially (precedence 8), see parse_expression.
            "in" => (B::In, 4),
            "contains" => (B::Contains, 4),
            "and" => (B::And, 3),
            "or" => (B::Or, 2),
            "xor" => (B::Xor, 2),
            "implies" => (B::Implies, 1),
            _ => return None,
        },
        _ => return None,
    })
}

const TYPE_OP_PREC: u8 = 8;

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with Eof and `i` never passes it.
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn expect_sym(&mut self, sym: &'static str) -> PResult<()> {
        let t = self.advance();
        if t.tok == Tok::Sym(sym) {
            Ok(())
        } else {
            perr(
                t.pos,
                format!("expected `{sym}` but found {}", t.tok.describe()),
            )
        }
    }

    fn parse_expression(&mut self, min_prec: u8) -> PResult<Ast> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return perr(self.peek().pos, "expression is nested too deeply");
        }
        let result = self.parse_binary(min_prec);
        self.depth -= 1;
        result
    }

    fn parse_binary(&mut self, min_prec: u8) -> PResult<Ast> {
        let mut lhs = self.parse_unary()?;
        loop {
            let tok = &self.peek().tok;
            if let Tok::Ident(w) = tok {
                if (w == "is" || w == "as") && TYPE_OP_PREC >= min_prec {
                    let is = w == "is";
                    self.advance();
                    let ts = self.parse_type_spec()?;
                    lhs = if is {
                        Ast::Is(Box::new(lhs), ts)
                    } else {
                        Ast::As(Box::new(lhs), ts)
                    };
                    continue;
                }
            }
            let Some((op, prec)) = binop_for(tok) else {
                break;
            };
            if prec < min_prec {
                break;
            }
            self.advance();
            let rhs = self.parse_expression(prec + 1)?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Ast> {
        match self.peek().tok {
            Tok::Sym("-") => {
                self.advance();
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return perr(self.peek().pos, "expression is nested too deeply");
                }
                let operand = self.parse_unary();
                self.depth -= 1;
                let operand = operand?;
                Ok(match operand {
                    Ast::Lit(Item::Integer(i)) => Ast::Lit(Item::Integer(-i)),
                    Ast::Lit(Item::Decimal(d)) => Ast::Lit(Item::Decimal(d.negated())),
                    other => Ast::Neg(Box::new(other)),
                })
            }
            Tok::Sym("+") => {
                self.advance();
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return perr(self.peek().pos, "expression is nested too deeply");
                }
                let operand = self.parse_unary();
                self.depth -= 1;
                operand
            }
            _ => self.parse_postfix(),
        }
    }

    fn parse_postfix(&mut self) -> PResult<Ast> {
        let mut node = self.parse_term()?;
        loop {
            match self.peek().tok {
                Tok::Sym(".") => {
                    self.advance();
                    let t = self.advance();
                    let name = match t.tok {
                        Tok::Ident(n) | Tok::Delimited(n) => n,
                        other => {
                            return perr(
                                t.pos,
                                format!("expected a name after `.` but found {}", other.describe()),
                            )
                        }
                    };
                    let step = if self.peek().tok == Tok::Sym("(") {
                        self.parse_call(&name, t.pos)?
                    } else {
                        Ast::Member(Member::new(&name))
                    };
                    node = Ast::Dot(Box::new(node), Box::new(step));
                }
                Tok::Sym("[") => {
                    self.advance();
                    let index = self.parse_expression(0)?;
                    self.expect_sym("]")?;
                    node = Ast::Indexer(Box::new(node), Box::new(index));
                }
                _ => return Ok(node),
            }
        }
    }

    fn parse_term(&mut self) -> PResult<Ast> {
        let t = self.advance();
        match t.tok {
            Tok::Sym("(") => {
                let e = self.parse_expression(0)?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym("{") => {
                self.expect_sym("}")?;
                Ok(Ast::Empty)
            }
            Tok::Str(s) => Ok(Ast::Lit(Item::String(s))),
            Tok::Num(n) => self.parse_number(&n, t.pos),
            Tok::DateTime(s) => match PartialDateTime::parse(&s, true) {
                Some(dt) if dt.is_date() && !s.contains('T') => Ok(Ast::Lit(Item::Date(dt))),
                Some(dt) => Ok(Ast::Lit(Item::DateTime(dt))),
                None => perr(t.pos, format!("invalid date/time literal @{s}")),
            },
            Tok::Time(s) => match PartialTime::parse(&s) {
                Some(tm) => Ok(Ast::Lit(Item::Time(tm))),
                None => perr(t.pos, format!("invalid time literal @T{s}")),
            },
            Tok::Env(name) => match env_constant(&name) {
                Some(ast) => Ok(ast),
                None => perr(t.pos, format!("unknown environment variable %{name}")),
            },
            Tok::Special(name) => match name.as_str() {
                "this" => Ok(Ast::This),
                "index" => Ok(Ast::Index),
                "total" => Ok(Ast::Total),
                _ => perr(t.pos, format!("unknown special variable ${name}")),
            },
            Tok::Ident(name) => {
                if self.peek().tok == Tok::Sym("(") {
                    return self.parse_call(&name, t.pos);
                }
                match name.as_str() {
                    "true" => Ok(Ast::Lit(Item::Boolean(true))),
                    "false" => Ok(Ast::Lit(Item::Boolean(false))),
                    _ => Ok(Ast::Member(Member::new(&name))),
                }
            }
            Tok::Delimited(name) => {
                if self.peek().tok == Tok::Sym("(") {
                    return self.parse_call(&name, t.pos);
                }
                Ok(Ast::Member(Member::new(&name)))
            }
            other => perr(t.pos, format!("unexpected {}", other.describe())),
        }
    }

    fn parse_number(&mut self, text: &str, pos: usize) -> PResult<Ast> {
        let Some(value) = Decimal::parse(text) else {
            return perr(pos, format!("invalid number {text}"));
        };
        let unit = match self.peek().tok.clone() {
            Tok::Str(u) => Some(u),
            Tok::Ident(u) if is_calendar_keyword(&u) => Some(u),
            _ => None,
        };
        if let Some(unit) = unit {
            self.advance();
            return Ok(Ast::Lit(Item::Quantity(Quantity { value, unit })));
        }
        if text.contains('.') {
            Ok(Ast::Lit(Item::Decimal(value)))
        } else {
            match text.parse::<i64>() {
                Ok(i) => Ok(Ast::Lit(Item::Integer(i))),
                Err(_) => Ok(Ast::Lit(Item::Decimal(value))),
            }
        }
    }

    fn parse_type_spec(&mut self) -> PResult<TypeSpec> {
        let t = self.advance();
        let mut name = match t.tok {
            Tok::Ident(n) | Tok::Delimited(n) => n,
            other => {
                return perr(
                    t.pos,
                    format!("expected a type name but found {}", other.describe()),
                )
            }
        };
        if self.peek().tok == Tok::Sym(".")
            && matches!(self.peek_at(1), Tok::Ident(_) | Tok::Delimited(_))
            && (name == "FHIR" || name == "System")
        {
            self.advance();
            if let Tok::Ident(n) | Tok::Delimited(n) = self.advance().tok {
                name = n;
            }
        }
        Ok(TypeSpec {
            name: canonical_type(&name),
        })
    }

    fn parse_call(&mut self, name: &str, pos: usize) -> PResult<Ast> {
        let Some((func, min, max)) = lookup_function(name) else {
            return perr(pos, format!("unknown function {name}()"));
        };
        self.expect_sym("(")?;
        let mut args = Vec::new();
        let mut type_arg = None;
        if matches!(func, Func::Is | Func::As | Func::OfType) {
            type_arg = Some(self.parse_type_spec()?);
            self.expect_sym(")")?;
        } else {
            if self.peek().tok != Tok::Sym(")") {
                loop {
                    args.push(self.parse_expression(0)?);
                    if self.peek().tok == Tok::Sym(",") {
                        self.advance();
                    } else {
                        break;
                    }
                }
            }
            self.expect_sym(")")?;
            if args.len() < min || args.len() > max {
                let expected = if min == max {
                    format!("{min}")
                } else {
                    format!("{min} to {max}")
                };
                return perr(
                    pos,
                    format!(
                        "{name}() takes {expected} argument(s) but {} were given",
                        args.len()
                    ),
                );
            }
        }
        let mut regex = None;
        if matches!(func, Func::Matches | Func::ReplaceMatches) {
            if let Some(Ast::Lit(Item::String(p))) = args.first() {
                match compile_regex(p) {
                    Ok(r) => regex = Some(r),
                    Err(e) => return perr(pos, format!("invalid regular expression '{p}': {e}")),
                }
            }
        }
        Ok(Ast::Call(Box::new(Call {
            func,
            args,
            type_arg,
            regex,
        })))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Env<'a, 'e> {
    context: &'e Item<'a>,
    resource: &'a Value,
    this: &'e Item<'a>,
    index: Option<usize>,
    total: Option<&'e [Item<'a>]>,
}

/// A primitive view of an item used for comparisons and arithmetic.
#[derive(Debug, Clone, Copy)]
enum Val<'x> {
    /// A primitive node without a value (only extensions).
    Empty,
    Bool(bool),
    Int(i64),
    Dec(Decimal),
    Str(&'x str),
    Date(PartialDateTime),
    DateTime(PartialDateTime),
    Time(PartialTime),
    Qty(Decimal, &'x str),
    Complex(&'x Value),
}

impl Val<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Val::Empty => "empty",
            Val::Bool(_) => "Boolean",
            Val::Int(_) => "Integer",
            Val::Dec(_) => "Decimal",
            Val::Str(_) => "String",
            Val::Date(_) => "Date",
            Val::DateTime(_) => "DateTime",
            Val::Time(_) => "Time",
            Val::Qty(..) => "Quantity",
            Val::Complex(_) => "complex element",
        }
    }

    fn number(&self) -> Option<Decimal> {
        match self {
            Val::Int(i) => Some(Decimal::from_i64(*i)),
            Val::Dec(d) => Some(*d),
            _ => None,
        }
    }

    fn quantity(&self) -> Option<(Decimal, &str)> {
        match self {
            Val::Qty(v, u) => Some((*v, u)),
            Val::Complex(v) => quantity_of(v),
            _ => None,
        }
    }
}

fn quantity_of(v: &Value) -> Option<(Decimal, &str)> {
    let o = v.as_object()?;
    let value = Decimal::from_number(o.get("value")?.as_number()?)?;
    let unit = o
        .get("code")
        .and_then(Value::as_str)
        .or_else(|| o.get("unit").and_then(Value::as_str))
        .unwrap_or("1");
    Some((value, unit))
}

fn number_val(n: &Number) -> EResult<Val<'static>> {
    if let Some(i) = n.as_i64() {
        return Ok(Val::Int(i));
    }
    match Decimal::from_number(n) {
        Some(d) => Ok(Val::Dec(d)),
        None => fail(format!("number {n} is out of the supported decimal range")),
    }
}

impl Item<'_> {
    fn val(&self) -> EResult<Val<'_>> {
        Ok(match self {
            Item::Node(n) => match n.value {
                None | Some(Value::Null) => Val::Empty,
                Some(Value::Bool(b)) => Val::Bool(*b),
                Some(Value::Number(x)) => number_val(x)?,
                Some(Value::String(s)) => Val::Str(s),
                Some(v) => Val::Complex(v),
            },
            Item::Boolean(b) => Val::Bool(*b),
            Item::Integer(i) => Val::Int(*i),
            Item::Decimal(d) => Val::Dec(*d),
            Item::String(s) => Val::Str(s),
            Item::Date(d) => Val::Date(*d),
            Item::DateTime(d) => Val::DateTime(*d),
            Item::Time(t) => Val::Time(*t),
            Item::Quantity(q) => Val::Qty(q.value, &q.unit),
        })
    }
}

fn single<'x, 'a>(items: &'x [Item<'a>], what: &str) -> EResult<Option<&'x Item<'a>>> {
    match items {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => fail(format!(
            "{what} requires a single item but the collection has {} items",
            items.len()
        )),
    }
}

/// FHIRPath singleton evaluation of collections in a boolean context.
fn to_logic(items: &[Item<'_>], what: &str) -> EResult<Option<bool>> {
    Ok(match single(items, what)? {
        None => None,
        Some(Item::Boolean(b)) => Some(*b),
        Some(Item::Node(n)) => match n.value {
            Some(Value::Bool(b)) => Some(*b),
            None => None,
            Some(_) => Some(true),
        },
        Some(_) => Some(true),
    })
}

fn bool_items<'a>(b: Option<bool>) -> Vec<Item<'a>> {
    b.map(Item::Boolean).into_iter().collect()
}

fn eval<'a>(ast: &Ast, input: &[Item<'a>], env: &Env<'a, '_>) -> EResult<Vec<Item<'a>>> {
    match ast {
        Ast::Empty => Ok(Vec::new()),
        Ast::Lit(item) => Ok(vec![item.clone()]),
        Ast::This => Ok(vec![env.this.clone()]),
        Ast::Index => match env.index {
            Some(i) => Ok(vec![Item::Integer(i64::try_from(i).unwrap_or(i64::MAX))]),
            None => Ok(Vec::new()),
        },
        Ast::Total => Ok(env.total.map(<[Item<'a>]>::to_vec).unwrap_or_default()),
        Ast::Env(EnvVar::Resource) => Ok(vec![Item::Node(Node::new(env.resource))]),
        Ast::Env(EnvVar::Context) => Ok(vec![env.context.clone()]),
        Ast::Member(m) => {
            let mut out = Vec::new();
            for item in input {
                if let Item::Node(n) = item {
                    navigate(n, m, &mut out);
                }
            }
            Ok(out)
        }
        Ast::Call(call) => eval_call(call, input, env),
        Ast::Dot(left, right) => {
            let l = eval(left, input, env)?;
            eval(right, &l, env)
        }
        Ast::Indexer(left, index) => {
            let l = eval(left, input, env)?;
            let idx = eval(index, input, env)?;
            let Some(i) = single(&idx, "indexer")? else {
                return Ok(Vec::new());
            };
            let Val::Int(i) = i.val()? else {
                return fail("the indexer must be an Integer");
            };
            Ok(usize::try_from(i)
                .ok()
                .and_then(|i| l.into_iter().nth(i))
                .into_iter()
                .collect())
        }
        Ast::Neg(operand) => {
            let v = eval(operand, input, env)?;
            let Some(item) = single(&v, "unary minus")? else {
                return Ok(Vec::new());
            };
            Ok(vec![match item.val()? {
                Val::Int(i) => Item::Integer(
                    i.checked_neg()
                        .ok_or_else(|| EvalError("integer overflow".into()))?,
                ),
                Val::Dec(d) => Item::Decimal(d.negated()),
                Val::Qty(v, u) => Item::Quantity(Quantity {
                    value: v.negated(),
                    unit: u.to_string(),
                }),
                Val::Empty => return Ok(Vec::new()),
                other => return fail(format!("cannot negate a {}", other.kind())),
            }])
        }
        Ast::Is(operand, ts) => {
            let v = eval(operand, input, env)?;
            Ok(match single(&v, "is")? {
                Some(item) => vec![Item::Boolean(item_is_type(item, &ts.name))],
                None => Vec::new(),
            })
        }
        Ast::As(operand, ts) => {
            let v = eval(operand, input, env)?;
            Ok(v.into_iter()
                .filter(|i| item_is_type(i, &ts.name))
                .collect())
        }
        Ast::Bin(op, l, r) => eval_binary(*op, l, r, input, env),
    }
}

fn eval_binary<'a>(
    op: BinOp,
    l: &Ast,
    r: &Ast,
    input: &[Item<'a>],
    env: &Env<'a, '_>,
) -> EResult<Vec<Item<'a>>> {
    use BinOp as B;
    match op {
        B::And | B::Or | B::Xor | B::Implies => {
            let a = to_logic(&eval(l, input, env)?, "a logical operator")?;
            // Short-circuit where the left operand decides the result.
            match (op, a) {
                (B::And, Some(false)) => return Ok(bool_items(Some(false))),
                (B::Or, Some(true)) => return Ok(bool_items(Some(true))),
                (B::Implies, Some(false)) => return Ok(bool_items(Some(true))),
                _ => {}
            }
            let b = to_logic(&eval(r, input, env)?, "a logical operator")?;
            let result = match op {
                B::And => match (a, b) {
                    (Some(true), Some(true)) => Some(true),
                    (_, Some(false)) => Some(false),
                    _ => None,
                },
                B::Or => match (a, b) {
                    (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                },
                B::Xor => match (a, b) {
                    (Some(x), Some(y)) => Some(x != y),
                    _ => None,
                },
                _ => match (a, b) {
                    (Some(true), b) => b,
                    (None, Some(true)) => Some(true),
                    _ => None,
                },
            };
            Ok(bool_items(result))
        }
        _ => {
            let a = eval(l, input, env)?;
            let b = eval(r, input, env)?;
            match op {
                B::Union => Ok(union(a, b)),
                B::Eq => Ok(bool_items(collection_eq(&a, &b)?)),
                B::Ne => Ok(bool_items(collection_eq(&a, &b)?.map(|x| !x))),
                B::Equiv => Ok(vec![Item::Boolean(collection_equiv(&a, &b)?)]),
                B::NotEquiv => Ok(vec![Item::Boolean(!collection_equiv(&a, &b)?)]),
                B::In => membership(&a, &b),
                B::Contains => membership(&b, &a),
                B::Lt | B::Le | B::Gt | B::Ge => {
                    let ord = compare_collections(&a, &b)?;
                    Ok(bool_items(ord.map(|o| match op {
                        B::Lt => o == Ordering::Less,
                        B::Le => o != Ordering::Greater,
                        B::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    })))
                }
                B::Concat => {
                    let sa = concat_operand(&a)?;
                    let sb = concat_operand(&b)?;
                    Ok(vec![Item::String(format!("{sa}{sb}"))])
                }
                _ => arithmetic(op, &a, &b),
            }
        }
    }
}

fn concat_operand<'x>(items: &'x [Item<'_>]) -> EResult<Cow<'x, str>> {
    match single(items, "&")? {
        None => Ok(Cow::Borrowed("")),
        Some(item) => Ok(item_to_string(item)?.unwrap_or(Cow::Borrowed(""))),
    }
}

fn membership<'a>(needle: &[Item<'a>], hay: &[Item<'a>]) -> EResult<Vec<Item<'a>>> {
    let Some(item) = single(needle, "in/contains")? else {
        return Ok(Vec::new());
    };
    for h in hay {
        if item_eq(item, h)? == Some(true) {
            return Ok(vec![Item::Boolean(true)]);
        }
    }
    Ok(vec![Item::Boolean(false)])
}

fn union<'a>(a: Vec<Item<'a>>, b: Vec<Item<'a>>) -> Vec<Item<'a>> {
    if a.len() + b.len() > 16 && a.iter().chain(&b).all(|i| i.as_str().is_some()) {
        return union_of_strings(a, b);
    }
    let mut out: Vec<Item<'a>> = Vec::with_capacity(a.len() + b.len());
    for item in a.into_iter().chain(b) {
        if !contains_item(&out, &item) {
            out.push(item);
        }
    }
    out
}

/// [`union`] of text items (strings, or nodes holding a JSON string), in linear time: two such items are
/// equal exactly when their texts are (see `val_eq`), so a hash set gives the same first occurrences, in the
/// same order, as the pairwise comparison (which made `isDistinct()` over a large Bundle's entries, as in
/// `bdl-7`, quadratic).
fn union_of_strings<'a>(a: Vec<Item<'a>>, b: Vec<Item<'a>>) -> Vec<Item<'a>> {
    let items: Vec<Item<'a>> = a.into_iter().chain(b).collect();
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        items.iter().map(|i| seen.insert(i.as_str())).collect()
    };
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect()
}

fn contains_item(hay: &[Item<'_>], item: &Item<'_>) -> bool {
    hay.iter()
        .any(|h| matches!(item_eq(h, item), Ok(Some(true))))
}

fn distinct<'a>(items: Vec<Item<'a>>) -> Vec<Item<'a>> {
    union(items, Vec::new())
}

// --- equality / equivalence / comparison ------------------------------------------------------------------

fn collection_eq(a: &[Item<'_>], b: &[Item<'_>]) -> EResult<Option<bool>> {
    if a.is_empty() || b.is_empty() {
        return Ok(None);
    }
    if a.len() != b.len() {
        return Ok(Some(false));
    }
    let mut unknown = false;
    for (x, y) in a.iter().zip(b) {
        match item_eq(x, y)? {
            Some(true) => {}
            Some(false) => return Ok(Some(false)),
            None => unknown = true,
        }
    }
    Ok(if unknown { None } else { Some(true) })
}

fn item_eq(a: &Item<'_>, b: &Item<'_>) -> EResult<Option<bool>> {
    if let (Item::Node(x), Item::Node(y)) = (a, b) {
        if x.same(y) {
            return Ok(Some(true));
        }
    }
    let (va, vb) = (a.val()?, b.val()?);
    Ok(val_eq(&va, &vb))
}

fn parse_temporal_like(s: &str, like: &Val<'_>) -> Option<Val<'static>> {
    match like {
        Val::Time(_) => PartialTime::parse(s).map(Val::Time),
        _ => PartialDateTime::parse(s, false).map(|d| {
            if d.is_date() {
                Val::Date(d)
            } else {
                Val::DateTime(d)
            }
        }),
    }
}

fn val_eq(a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    use Val as V;
    match (a, b) {
        (V::Empty, _) | (_, V::Empty) => None,
        (V::Complex(x), V::Complex(y)) => Some(x == y),
        (V::Complex(_), V::Qty(..)) | (V::Qty(..), V::Complex(_)) => qty_eq(a, b),
        (V::Complex(_), _) | (_, V::Complex(_)) => Some(false),
        (V::Bool(x), V::Bool(y)) => Some(x == y),
        (V::Int(x), V::Int(y)) => Some(x == y),
        (V::Int(_) | V::Dec(_), V::Int(_) | V::Dec(_)) => {
            Some(a.number()?.compare(&b.number()?) == Ordering::Equal)
        }
        (V::Str(x), V::Str(y)) => Some(x == y),
        (V::Date(x) | V::DateTime(x), V::Date(y) | V::DateTime(y)) => {
            x.compare(y).map(|o| o == Ordering::Equal)
        }
        (V::Time(x), V::Time(y)) => x.compare(y).map(|o| o == Ordering::Equal),
        (V::Str(s), t @ (V::Date(_) | V::DateTime(_) | V::Time(_)))
        | (t @ (V::Date(_) | V::DateTime(_) | V::Time(_)), V::Str(s)) => {
            match parse_temporal_like(s, t) {
                Some(parsed) => val_eq(&parsed, t),
                None => Some(false),
            }
        }
        (V::Qty(..), V::Qty(..)) => qty_eq(a, b),
        // Lenient: a JSON boolean/number compared with a string literal compares the text form
        // (e.g. `notGiven = 'false'` in STU3 invariants).
        (V::Str(s), V::Bool(x)) | (V::Bool(x), V::Str(s)) => Some(*s == x.to_string()),
        (V::Str(s), n @ (V::Int(_) | V::Dec(_))) | (n @ (V::Int(_) | V::Dec(_)), V::Str(s)) => {
            Some(
                Decimal::parse(s)
                    .zip(n.number())
                    .is_some_and(|(x, y)| x == y),
            )
        }
        _ => Some(false),
    }
}

fn qty_eq(a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    let (va, ua) = a.quantity()?;
    let (vb, ub) = b.quantity()?;
    if unit_key(ua) == unit_key(ub) {
        Some(va == vb)
    } else {
        None
    }
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn item_equiv(a: &Item<'_>, b: &Item<'_>) -> EResult<bool> {
    use Val as V;
    let (va, vb) = (a.val()?, b.val()?);
    Ok(match (&va, &vb) {
        (V::Empty, V::Empty) => true,
        (V::Str(x), V::Str(y)) => normalize_ws(x) == normalize_ws(y),
        (V::Int(_) | V::Dec(_), V::Int(_) | V::Dec(_)) => match (va.number(), vb.number()) {
            (Some(x), Some(y)) => {
                let s = x.scale.min(y.scale);
                x.round_to(s) == y.round_to(s)
            }
            _ => false,
        },
        _ => val_eq(&va, &vb).unwrap_or(false),
    })
}

fn collection_equiv(a: &[Item<'_>], b: &[Item<'_>]) -> EResult<bool> {
    if a.len() != b.len() {
        return Ok(false);
    }
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (j, y) in b.iter().enumerate() {
            if !used[j] && item_equiv(x, y)? {
                used[j] = true;
                continue 'outer;
            }
        }
        return Ok(false);
    }
    Ok(true)
}

fn compare_collections(a: &[Item<'_>], b: &[Item<'_>]) -> EResult<Option<Ordering>> {
    let (Some(x), Some(y)) = (single(a, "comparison")?, single(b, "comparison")?) else {
        return Ok(None);
    };
    let (va, vb) = (x.val()?, y.val()?);
    compare_vals(&va, &vb)
}

fn compare_vals(a: &Val<'_>, b: &Val<'_>) -> EResult<Option<Ordering>> {
    use Val as V;
    Ok(match (a, b) {
        (V::Empty, _) | (_, V::Empty) => None,
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Int(_) | V::Dec(_), V::Int(_) | V::Dec(_)) => match (a.number(), b.number()) {
            (Some(x), Some(y)) => Some(x.compare(&y)),
            _ => None,
        },
        (V::Str(x), V::Str(y)) => {
            if let (Some(p), Some(q)) = (
                PartialDateTime::parse(x, false),
                PartialDateTime::parse(y, false),
            ) {
                p.compare(&q)
            } else if let (Some(p), Some(q)) = (PartialTime::parse(x), PartialTime::parse(y)) {
                p.compare(&q)
            } else {
                Some(x.cmp(y))
            }
        }
        (V::Date(x) | V::DateTime(x), V::Date(y) | V::DateTime(y)) => x.compare(y),
        (V::Time(x), V::Time(y)) => x.compare(y),
        (V::Str(s), t @ (V::Date(_) | V::DateTime(_) | V::Time(_))) => {
            match parse_temporal_like(s, t) {
                Some(p) => compare_vals(&p, t)?,
                None => return fail(format!("cannot compare '{s}' with a {}", t.kind())),
            }
        }
        (t @ (V::Date(_) | V::DateTime(_) | V::Time(_)), V::Str(s)) => {
            match parse_temporal_like(s, t) {
                Some(p) => compare_vals(t, &p)?,
                None => return fail(format!("cannot compare a {} with '{s}'", t.kind())),
            }
        }
        (V::Qty(..) | V::Complex(_), V::Qty(..) | V::Complex(_)) => {
            match (a.quantity(), b.quantity()) {
                (Some((va, ua)), Some((vb, ub))) => {
                    (unit_key(ua) == unit_key(ub)).then(|| va.compare(&vb))
                }
                _ => return fail("cannot compare complex elements that are not quantities"),
            }
        }
        _ => return fail(format!("cannot compare a {} with a {}", a.kind(), b.kind())),
    })
}

// --- arithmetic ------------------------------------------------------------------------------------------

fn arithmetic<'a>(op: BinOp, a: &[Item<'a>], b: &[Item<'a>]) -> EResult<Vec<Item<'a>>> {
    use BinOp as B;
    use Val as V;
    let (Some(x), Some(y)) = (single(a, "arithmetic")?, single(b, "arithmetic")?) else {
        return Ok(Vec::new());
    };
    let (va, vb) = (x.val()?, y.val()?);
    let overflow = || EvalError("arithmetic overflow".into());
    let item = match (op, &va, &vb) {
        (_, V::Empty, _) | (_, _, V::Empty) => return Ok(Vec::new()),
        (B::Add, V::Str(s), V::Str(t)) => Item::String(format!("{s}{t}")),
        (B::Add | B::Sub, V::Date(d) | V::DateTime(d), V::Qty(..) | V::Complex(_))
            if vb.quantity().is_some() =>
        {
            let (value, unit) = vb.quantity().ok_or_else(overflow)?;
            let r = add_to_datetime(*d, value, unit, op == B::Sub)?;
            if matches!(va, V::Date(_)) {
                Item::Date(r)
            } else {
                Item::DateTime(r)
            }
        }
        (B::Add | B::Sub, V::Qty(..), V::Qty(..)) => {
            let ((p, u), (q, w)) = (
                va.quantity().ok_or_else(overflow)?,
                vb.quantity().ok_or_else(overflow)?,
            );
            if unit_key(u) != unit_key(w) {
                return Ok(Vec::new());
            }
            let value = if op == B::Add {
                p.checked_add(q)
            } else {
                p.checked_sub(q)
            }
            .ok_or_else(overflow)?;
            Item::Quantity(Quantity {
                value,
                unit: u.to_string(),
            })
        }
        (_, V::Int(p), V::Int(q)) => match op {
            B::Add => Item::Integer(p.checked_add(*q).ok_or_else(overflow)?),
            B::Sub => Item::Integer(p.checked_sub(*q).ok_or_else(overflow)?),
            B::Mul => Item::Integer(p.checked_mul(*q).ok_or_else(overflow)?),
            B::Div => match Decimal::from_i64(*p).checked_div(Decimal::from_i64(*q)) {
                Some(d) => Item::Decimal(d),
                None => return Ok(Vec::new()),
            },
            B::IntDiv => match p.checked_div(*q) {
                Some(r) => Item::Integer(r),
                None => return Ok(Vec::new()),
            },
            B::Mod => match p.checked_rem(*q) {
                Some(r) => Item::Integer(r),
                None => return Ok(Vec::new()),
            },
            _ => return fail("unsupported integer operator"),
        },
        (_, V::Int(_) | V::Dec(_), V::Int(_) | V::Dec(_)) => {
            let (p, q) = (
                va.number().ok_or_else(overflow)?,
                vb.number().ok_or_else(overflow)?,
            );
            match op {
                B::Add => Item::Decimal(p.checked_add(q).ok_or_else(overflow)?),
                B::Sub => Item::Decimal(p.checked_sub(q).ok_or_else(overflow)?),
                B::Mul => Item::Decimal(p.checked_mul(q).ok_or_else(overflow)?),
                B::Div => match p.checked_div(q) {
                    Some(d) => Item::Decimal(d),
                    None => return Ok(Vec::new()),
                },
                B::IntDiv => match p.int_div(q) {
                    Some(r) => Item::Integer(r),
                    None => return Ok(Vec::new()),
                },
                B::Mod => match p.checked_rem(q) {
                    Some(r) => Item::Decimal(r),
                    None => return Ok(Vec::new()),
                },
                _ => return fail("unsupported decimal operator"),
            }
        }
        _ => {
            return fail(format!(
                "operator {op:?} is not defined for {} and {}",
                va.kind(),
                vb.kind()
            ))
        }
    };
    Ok(vec![item])
}

// --- conversions -----------------------------------------------------------------------------------------

fn item_to_string<'x>(item: &'x Item<'_>) -> EResult<Option<Cow<'x, str>>> {
    Ok(match item {
        Item::String(s) => Some(Cow::Borrowed(s.as_str())),
        Item::Node(n) => match n.value {
            Some(Value::String(s)) => Some(Cow::Borrowed(s.as_str())),
            Some(Value::Bool(b)) => Some(Cow::Owned(b.to_string())),
            Some(Value::Number(x)) => Some(Cow::Owned(x.to_string())),
            _ => None,
        },
        Item::Boolean(b) => Some(Cow::Owned(b.to_string())),
        Item::Integer(i) => Some(Cow::Owned(i.to_string())),
        Item::Decimal(d) => Some(Cow::Owned(d.to_string())),
        Item::Date(d) | Item::DateTime(d) => Some(Cow::Owned(d.to_string())),
        Item::Time(t) => Some(Cow::Owned(t.to_string())),
        Item::Quantity(q) => Some(Cow::Owned(q.to_string())),
    })
}

fn is_integer_text(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

fn to_integer(v: &Val<'_>) -> Option<i64> {
    match v {
        Val::Int(i) => Some(*i),
        Val::Bool(b) => Some(i64::from(*b)),
        Val::Str(s) if is_integer_text(s) => s.parse().ok(),
        _ => None,
    }
}

fn to_decimal(v: &Val<'_>) -> Option<Decimal> {
    match v {
        Val::Int(i) => Some(Decimal::from_i64(*i)),
        Val::Dec(d) => Some(*d),
        Val::Bool(b) => Some(Decimal::new(i128::from(*b) * 10, 1)),
        Val::Str(s) if !s.contains(['e', 'E']) => Decimal::parse(s),
        _ => None,
    }
}

fn to_boolean(v: &Val<'_>) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(*b),
        Val::Int(1) => Some(true),
        Val::Int(0) => Some(false),
        Val::Dec(d) if *d == Decimal::from_i64(1) => Some(true),
        Val::Dec(d) if *d == Decimal::from_i64(0) => Some(false),
        Val::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" | "1.0" => Some(true),
            "false" | "f" | "no" | "n" | "0" | "0.0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn to_quantity<'a>(v: &Val<'_>) -> Option<Item<'a>> {
    let q = |value: Decimal, unit: &str| {
        Some(Item::Quantity(Quantity {
            value,
            unit: unit.to_string(),
        }))
    };
    match v {
        Val::Int(_) | Val::Dec(_) => q(v.number()?, "1"),
        Val::Qty(..) | Val::Complex(_) => {
            let (value, unit) = v.quantity()?;
            q(value, unit)
        }
        Val::Str(s) => {
            let s = s.trim();
            let (num, unit) = match s.find(' ') {
                Some(i) => (&s[..i], s[i + 1..].trim()),
                None => (s, "'1'"),
            };
            let value = Decimal::parse(num)?;
            if let Some(u) = unit.strip_prefix('\'').and_then(|u| u.strip_suffix('\'')) {
                q(value, u)
            } else if is_calendar_keyword(unit) {
                q(value, unit)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn convert<'a>(func: Func, item: &Item<'a>) -> EResult<Option<Item<'a>>> {
    use Func as F;
    let v = item.val()?;
    Ok(match func {
        F::ToInteger | F::ConvertsToInteger => to_integer(&v).map(Item::Integer),
        F::ToDecimal | F::ConvertsToDecimal => to_decimal(&v).map(Item::Decimal),
        F::ToBoolean | F::ConvertsToBoolean => to_boolean(&v).map(Item::Boolean),
        F::ToString | F::ConvertsToString => {
            item_to_string(item)?.map(|s| Item::String(s.into_owned()))
        }
        F::ToDate | F::ConvertsToDate => match v {
            Val::Date(d) => Some(Item::Date(d)),
            Val::DateTime(mut d) => {
                d.precision = d.precision.min(Precision::Day);
                d.tz_offset_minutes = None;
                Some(Item::Date(d))
            }
            Val::Str(s) => PartialDateTime::parse(s, false)
                .filter(PartialDateTime::is_date)
                .map(Item::Date),
            _ => None,
        },
        F::ToDateTime | F::ConvertsToDateTime => match v {
            Val::Date(d) | Val::DateTime(d) => Some(Item::DateTime(d)),
            Val::Str(s) => PartialDateTime::parse(s, false).map(Item::DateTime),
            _ => None,
        },
        F::ToTime | F::ConvertsToTime => match v {
            Val::Time(t) => Some(Item::Time(t)),
            Val::Str(s) => PartialTime::parse(s).map(Item::Time),
            _ => None,
        },
        F::ToQuantity | F::ConvertsToQuantity => to_quantity(&v),
        _ => None,
    })
}

// --- functions -------------------------------------------------------------------------------------------

/// Evaluates `arg` once per input item with `$this`/`$index` bound to the item.
fn for_each_item<'a>(
    arg: &Ast,
    input: &[Item<'a>],
    env: &Env<'a, '_>,
    mut f: impl FnMut(usize, &Item<'a>, Vec<Item<'a>>) -> EResult<bool>,
) -> EResult<()> {
    for (i, item) in input.iter().enumerate() {
        let sub = Env {
            this: item,
            index: Some(i),
            ..*env
        };
        let r = eval(arg, std::slice::from_ref(item), &sub)?;
        if !f(i, item, r)? {
            break;
        }
    }
    Ok(())
}

fn string_input<'x>(input: &'x [Item<'_>], what: &str) -> EResult<Option<&'x str>> {
    match single(input, what)? {
        None => Ok(None),
        Some(item) => match item {
            Item::String(s) => Ok(Some(s)),
            Item::Node(n) => match n.value {
                Some(Value::String(s)) => Ok(Some(s)),
                None => Ok(None),
                Some(_) => fail(format!("{what} expects a string input")),
            },
            _ => fail(format!("{what} expects a string input")),
        },
    }
}

fn string_arg(
    arg: &Ast,
    input: &[Item<'_>],
    env: &Env<'_, '_>,
    what: &str,
) -> EResult<Option<String>> {
    let v = eval(arg, input, env)?;
    Ok(string_input(&v, what)?.map(str::to_string))
}

fn integer_arg(
    arg: &Ast,
    input: &[Item<'_>],
    env: &Env<'_, '_>,
    what: &str,
) -> EResult<Option<i64>> {
    let v = eval(arg, input, env)?;
    match single(&v, what)? {
        None => Ok(None),
        Some(item) => match item.val()? {
            Val::Int(i) => Ok(Some(i)),
            Val::Empty => Ok(None),
            other => fail(format!(
                "{what} expects an Integer but got a {}",
                other.kind()
            )),
        },
    }
}

fn arg(call: &Call, n: usize) -> EResult<&Ast> {
    call.args
        .get(n)
        .ok_or_else(|| EvalError("missing function argument".into()))
}

fn bool_result<'a>(b: bool) -> EResult<Vec<Item<'a>>> {
    Ok(vec![Item::Boolean(b)])
}

fn now_datetime() -> PartialDateTime {
    let now = chrono::Local::now();
    let offset = now.offset().local_minus_utc() / 60;
    let n = now.naive_local();
    let mut dt = PartialDateTime {
        year: 0,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        frac_digits: 3,
        precision: Precision::Second,
        tz_offset_minutes: Some(offset),
    };
    dt.set_naive(n);
    dt.nanos = dt.nanos / 1_000_000 * 1_000_000;
    dt
}

fn eval_call<'a>(call: &Call, input: &[Item<'a>], env: &Env<'a, '_>) -> EResult<Vec<Item<'a>>> {
    use Func as F;
    // Arguments that are not per-item criteria are evaluated in the context of `$this` (so that
    // `name.select(use.union(given))` sees `given` of the name), as in the FHIRPath specification.
    let ctx = std::slice::from_ref(env.this);
    match call.func {
        F::Empty => bool_result(input.is_empty()),
        F::Exists => {
            if call.args.is_empty() {
                return bool_result(!input.is_empty());
            }
            let mut found = false;
            for_each_item(arg(call, 0)?, input, env, |_, _, r| {
                found = to_logic(&r, "exists() criteria")? == Some(true);
                Ok(!found)
            })?;
            bool_result(found)
        }
        F::All => {
            let mut all = true;
            for_each_item(arg(call, 0)?, input, env, |_, _, r| {
                all = to_logic(&r, "all() criteria")? == Some(true);
                Ok(all)
            })?;
            bool_result(all)
        }
        F::AllTrue | F::AnyTrue | F::AllFalse | F::AnyFalse => {
            let mut values = Vec::with_capacity(input.len());
            for item in input {
                match item.val()? {
                    Val::Bool(b) => values.push(b),
                    Val::Empty => {}
                    other => {
                        return fail(format!(
                            "allTrue()/anyTrue()/allFalse()/anyFalse() expect Booleans, got a {}",
                            other.kind()
                        ))
                    }
                }
            }
            bool_result(match call.func {
                F::AllTrue => values.iter().all(|b| *b),
                F::AnyTrue => values.iter().any(|b| *b),
                F::AllFalse => values.iter().all(|b| !*b),
                _ => values.iter().any(|b| !*b),
            })
        }
        F::SubsetOf | F::SupersetOf => {
            let other = eval(arg(call, 0)?, ctx, env)?;
            let (small, big) = if call.func == F::SubsetOf {
                (input, other.as_slice())
            } else {
                (other.as_slice(), input)
            };
            bool_result(small.iter().all(|i| contains_item(big, i)))
        }
        F::IsDistinct => bool_result(distinct(input.to_vec()).len() == input.len()),
        F::Distinct => Ok(distinct(input.to_vec())),
        F::Count => Ok(vec![Item::Integer(
            i64::try_from(input.len()).unwrap_or(i64::MAX),
        )]),
        F::Where => {
            let mut out = Vec::new();
            for_each_item(arg(call, 0)?, input, env, |_, item, r| {
                if to_logic(&r, "where() criteria")? == Some(true) {
                    out.push(item.clone());
                }
                Ok(true)
            })?;
            Ok(out)
        }
        F::Select => {
            let mut out = Vec::new();
            for_each_item(arg(call, 0)?, input, env, |_, _, r| {
                out.extend(r);
                Ok(true)
            })?;
            Ok(out)
        }
        F::Repeat => repeat(arg(call, 0)?, input, env),
        F::OfType | F::As => {
            let want = call.type_arg.as_ref().map_or("", |t| t.name.as_str());
            Ok(input
                .iter()
                .filter(|i| item_is_type(i, want))
                .cloned()
                .collect())
        }
        F::Is => {
            let want = call.type_arg.as_ref().map_or("", |t| t.name.as_str());
            Ok(match single(input, "is()")? {
                Some(item) => vec![Item::Boolean(item_is_type(item, want))],
                None => Vec::new(),
            })
        }
        F::Single => Ok(single(input, "single()")?.cloned().into_iter().collect()),
        F::First => Ok(input.first().cloned().into_iter().collect()),
        F::Last => Ok(input.last().cloned().into_iter().collect()),
        F::Tail => Ok(input.iter().skip(1).cloned().collect()),
        F::Skip | F::Take => {
            let Some(n) = integer_arg(arg(call, 0)?, ctx, env, "skip()/take()")? else {
                return Ok(Vec::new());
            };
            let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
            Ok(if call.func == F::Skip {
                input.iter().skip(n).cloned().collect()
            } else {
                input.iter().take(n).cloned().collect()
            })
        }
        F::Union => Ok(union(input.to_vec(), eval(arg(call, 0)?, ctx, env)?)),
        F::Combine => {
            let mut out = input.to_vec();
            out.extend(eval(arg(call, 0)?, ctx, env)?);
            Ok(out)
        }
        F::Intersect => {
            let other = eval(arg(call, 0)?, ctx, env)?;
            Ok(distinct(
                input
                    .iter()
                    .filter(|i| contains_item(&other, i))
                    .cloned()
                    .collect(),
            ))
        }
        F::Exclude => {
            let other = eval(arg(call, 0)?, ctx, env)?;
            Ok(input
                .iter()
                .filter(|i| !contains_item(&other, i))
                .cloned()
                .collect())
        }
        F::Iif => {
            let cond = to_logic(&eval(arg(call, 0)?, input, env)?, "iif() criterion")?;
            if cond == Some(true) {
                eval(arg(call, 1)?, input, env)
            } else if let Some(otherwise) = call.args.get(2) {
                eval(otherwise, input, env)
            } else {
                Ok(Vec::new())
            }
        }
        F::ToInteger
        | F::ToDecimal
        | F::ToString
        | F::ToBoolean
        | F::ToDate
        | F::ToDateTime
        | F::ToTime
        | F::ToQuantity => {
            let Some(item) = single(input, "conversion")? else {
                return Ok(Vec::new());
            };
            Ok(convert(call.func, item)?.into_iter().collect())
        }
        F::ConvertsToInteger
        | F::ConvertsToDecimal
        | F::ConvertsToString
        | F::ConvertsToBoolean
        | F::ConvertsToDate
        | F::ConvertsToDateTime
        | F::ConvertsToTime
        | F::ConvertsToQuantity => {
            let Some(item) = single(input, "conversion")? else {
                return Ok(Vec::new());
            };
            bool_result(convert(call.func, item)?.is_some())
        }
        F::IndexOf => {
            let Some(s) = string_input(input, "indexOf()")? else {
                return Ok(Vec::new());
            };
            let Some(sub) = string_arg(arg(call, 0)?, ctx, env, "indexOf()")? else {
                return Ok(Vec::new());
            };
            let idx = s
                .find(sub.as_str())
                .map_or(-1, |b| i64::try_from(s[..b].chars().count()).unwrap_or(-1));
            Ok(vec![Item::Integer(idx)])
        }
        F::Substring => {
            let Some(s) = string_input(input, "substring()")? else {
                return Ok(Vec::new());
            };
            let Some(start) = integer_arg(arg(call, 0)?, ctx, env, "substring()")? else {
                return Ok(Vec::new());
            };
            let len = match call.args.get(1) {
                Some(a) => integer_arg(a, ctx, env, "substring()")?,
                None => None,
            };
            let count = s.chars().count();
            let Some(start) = usize::try_from(start).ok().filter(|s| *s < count) else {
                return Ok(Vec::new());
            };
            let take = match len {
                Some(l) => usize::try_from(l.max(0)).unwrap_or(0),
                None => count,
            };
            Ok(vec![Item::String(
                s.chars().skip(start).take(take).collect(),
            )])
        }
        F::StartsWith | F::EndsWith | F::Contains => {
            let Some(s) = string_input(input, "string function")? else {
                return Ok(Vec::new());
            };
            let Some(p) = string_arg(arg(call, 0)?, ctx, env, "string function")? else {
                return Ok(Vec::new());
            };
            bool_result(match call.func {
                F::StartsWith => s.starts_with(p.as_str()),
                F::EndsWith => s.ends_with(p.as_str()),
                _ => s.contains(p.as_str()),
            })
        }
        F::Matches | F::ReplaceMatches => {
            let Some(s) = string_input(input, "matches()")? else {
                return Ok(Vec::new());
            };
            let compiled;
            let re = match &call.regex {
                Some(r) => r,
                None => {
                    let Some(p) = string_arg(arg(call, 0)?, ctx, env, "matches()")? else {
                        return Ok(Vec::new());
                    };
                    compiled = compile_regex(&p)
                        .map_err(|e| EvalError(format!("invalid regular expression '{p}': {e}")))?;
                    &compiled
                }
            };
            if call.func == F::Matches {
                return bool_result(re.is_match(s));
            }
            let Some(subst) = string_arg(arg(call, 1)?, ctx, env, "replaceMatches()")? else {
                return Ok(Vec::new());
            };
            Ok(vec![Item::String(
                re.replace_all(s, substitution(&subst).as_str())
                    .into_owned(),
            )])
        }
        F::Replace => {
            let Some(s) = string_input(input, "replace()")? else {
                return Ok(Vec::new());
            };
            let (Some(p), Some(r)) = (
                string_arg(arg(call, 0)?, ctx, env, "replace()")?,
                string_arg(arg(call, 1)?, ctx, env, "replace()")?,
            ) else {
                return Ok(Vec::new());
            };
            Ok(vec![Item::String(s.replace(p.as_str(), &r))])
        }
        F::Length | F::Upper | F::Lower | F::Trim | F::ToChars => {
            let Some(s) = string_input(input, "string function")? else {
                return Ok(Vec::new());
            };
            Ok(match call.func {
                F::Length => vec![Item::Integer(
                    i64::try_from(s.chars().count()).unwrap_or(i64::MAX),
                )],
                F::Upper => vec![Item::String(s.to_uppercase())],
                F::Lower => vec![Item::String(s.to_lowercase())],
                F::Trim => vec![Item::String(s.trim().to_string())],
                _ => s.chars().map(|c| Item::String(c.to_string())).collect(),
            })
        }
        F::Children => {
            let mut out = Vec::new();
            for item in input {
                if let Item::Node(n) = item {
                    push_children(n, &mut out);
                }
            }
            Ok(out)
        }
        F::Descendants => {
            let mut out = Vec::new();
            for item in input {
                if let Item::Node(n) = item {
                    push_children(n, &mut out);
                }
            }
            let mut i = 0;
            while i < out.len() {
                if let Item::Node(n) = out[i] {
                    push_children(&n, &mut out);
                }
                i += 1;
            }
            Ok(out)
        }
        F::Not => Ok(bool_items(to_logic(input, "not()")?.map(|b| !b))),
        F::Trace => Ok(input.to_vec()),
        F::Today => {
            let mut d = now_datetime();
            d.precision = Precision::Day;
            d.tz_offset_minutes = None;
            Ok(vec![Item::Date(d)])
        }
        F::Now => Ok(vec![Item::DateTime(now_datetime())]),
        F::TimeOfDay => {
            let d = now_datetime();
            Ok(vec![Item::Time(PartialTime {
                hour: d.hour,
                minute: d.minute,
                second: d.second,
                nanos: d.nanos,
                frac_digits: 3,
                precision: Precision::Second,
            })])
        }
        F::HasValue => bool_result(match input {
            [Item::Node(n)] => n.has_primitive_value(),
            [_] => true,
            _ => false,
        }),
        F::Extension => {
            let Some(url) = string_arg(arg(call, 0)?, ctx, env, "extension()")? else {
                return Ok(Vec::new());
            };
            let member = Member::new("extension");
            let mut exts = Vec::new();
            for item in input {
                if let Item::Node(n) = item {
                    navigate(n, &member, &mut exts);
                }
            }
            Ok(exts
                .into_iter()
                .filter(|e| match e {
                    Item::Node(n) => {
                        n.value.and_then(|v| v.get("url")).and_then(Value::as_str)
                            == Some(url.as_str())
                    }
                    _ => false,
                })
                .collect())
        }
        F::Resolve | F::MemberOf | F::ConformsTo => Ok(Vec::new()),
        F::HtmlChecks => bool_result(true),
        F::Aggregate => {
            let mut total = match call.args.get(1) {
                Some(init) => eval(init, ctx, env)?,
                None => Vec::new(),
            };
            let agg = arg(call, 0)?;
            for (i, item) in input.iter().enumerate() {
                let next = {
                    let sub = Env {
                        this: item,
                        index: Some(i),
                        total: Some(&total),
                        ..*env
                    };
                    eval(agg, std::slice::from_ref(item), &sub)?
                };
                total = next;
            }
            Ok(total)
        }
    }
}

const REPEAT_LIMIT: usize = 100_000;

fn repeat<'a>(proj: &Ast, input: &[Item<'a>], env: &Env<'a, '_>) -> EResult<Vec<Item<'a>>> {
    let mut out: Vec<Item<'a>> = Vec::new();
    let mut queue: VecDeque<Item<'a>> = input.iter().cloned().collect();
    while let Some(item) = queue.pop_front() {
        let sub = Env {
            this: &item,
            ..*env
        };
        for r in eval(proj, std::slice::from_ref(&item), &sub)? {
            let seen = out.iter().any(|o| match (o, &r) {
                (Item::Node(a), Item::Node(b)) => a.same(b),
                (Item::Node(_), _) | (_, Item::Node(_)) => false,
                (a, b) => matches!(item_eq(a, b), Ok(Some(true))),
            });
            if !seen {
                if out.len() >= REPEAT_LIMIT {
                    return fail("repeat() produced too many items");
                }
                out.push(r.clone());
                queue.push_back(r);
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::rc::Rc;

    const CORE_SD_DIR: &str = "/work/shared/fhir/hl7-fhir-stu3-core-3.0.1/StructureDefinition";
    const XML_SD_DIRS: [&str; 3] = [
        "/work/shared/fhir/nhsconnect-STU3-FHIR-Assets/StructureDefinitions",
        "/work/shared/fhir/careconnect-profiles-stu3/constraints",
        "/work/shared/fhir/nhsconnect-gpconnect-fhir/release-1.2.7/StructureDefinitions",
    ];
    const EXAMPLES_DIR: &str = "/work/shared/fhir/nhsconnect-gpconnect-spec-examples";

    // --- helpers -----------------------------------------------------------------------------------------

    fn run<'a>(expr: &str, focus: &'a Value) -> Vec<Item<'a>> {
        parse(expr)
            .unwrap_or_else(|e| panic!("{e}"))
            .evaluate(focus, focus)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Single boolean result, `None` for empty; panics on anything else.
    fn b(expr: &str, focus: &Value) -> Option<bool> {
        let r = run(expr, focus);
        match r.as_slice() {
            [] => None,
            [one] => Some(
                one.as_bool()
                    .unwrap_or_else(|| panic!("{expr}: not a boolean: {one:?}")),
            ),
            _ => panic!("{expr}: {} items", r.len()),
        }
    }

    fn strs(expr: &str, focus: &Value) -> Vec<String> {
        run(expr, focus)
            .iter()
            .map(|i| item_to_string(i).unwrap().unwrap_or_default().into_owned())
            .collect()
    }

    fn s(expr: &str, focus: &Value) -> String {
        let v = strs(expr, focus);
        assert_eq!(v.len(), 1, "{expr}: {v:?}");
        v[0].clone()
    }

    fn holds(expr: &str, focus: &Value) -> bool {
        parse(expr).unwrap().holds(focus, focus).unwrap()
    }

    fn holds_in(expr: &str, focus: &Value, resource: &Value) -> bool {
        parse(expr).unwrap().holds(focus, resource).unwrap()
    }

    fn empty() -> Value {
        json!({})
    }

    const ELE_1: &str = "hasValue() | (children().count() > id.count())";

    fn xml_unescape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let Some(end) = rest.find(';') else {
                break;
            };
            let entity = &rest[1..end];
            let decoded = match entity {
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            match decoded {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn files_with_ext(dir: &str, ext: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == ext))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    fn walk_json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                walk_json_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }

    // --- acceptance 1: every invariant in the definitions parses ---------------------------------------

    #[test]
    fn all_core_json_invariants_parse() {
        let files = files_with_ext(CORE_SD_DIR, "json");
        if files.is_empty() {
            eprintln!("skipping: {CORE_SD_DIR} not present");
            return;
        }
        let mut total = 0;
        let mut distinct = std::collections::BTreeSet::new();
        let mut failures = Vec::new();
        for f in &files {
            let sd: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            for section in ["snapshot", "differential"] {
                for e in sd[section]["element"].as_array().into_iter().flatten() {
                    for c in e["constraint"].as_array().into_iter().flatten() {
                        if let Some(x) = c["expression"].as_str() {
                            total += 1;
                            distinct.insert(x.to_string());
                            if let Err(err) = parse(x) {
                                failures.push(format!("{}: {err}", f.display()));
                            }
                        }
                    }
                }
            }
        }
        println!(
            "core STU3 JSON: {} SDs, {total} constraint expressions ({} distinct) parsed",
            files.len(),
            distinct.len()
        );
        assert!(total > 1000);
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn all_profile_xml_invariants_parse() {
        let constraint_re = Regex::new(r"(?s)<constraint>(.*?)</constraint>").unwrap();
        let expr_re = Regex::new(r#"<expression\s+value="([^"]*)"\s*/?>"#).unwrap();
        for dir in XML_SD_DIRS {
            let files = files_with_ext(dir, "xml");
            if files.is_empty() {
                eprintln!("skipping: {dir} not present");
                continue;
            }
            let mut total = 0;
            let mut failures = Vec::new();
            for f in &files {
                let text = std::fs::read_to_string(f).unwrap();
                for c in constraint_re.captures_iter(&text) {
                    for e in expr_re.captures_iter(&c[1]) {
                        let x = xml_unescape(&e[1]);
                        total += 1;
                        if let Err(err) = parse(&x) {
                            failures.push(format!("{}: {err}", f.display()));
                        }
                    }
                }
            }
            println!(
                "{dir}: {} files, {total} constraint expressions parsed",
                files.len()
            );
            assert!(total > 0);
            assert!(failures.is_empty(), "{failures:#?}");
        }
    }

    // --- acceptance 2: evaluate invariants over the GP Connect examples --------------------------------

    struct ElementInfo {
        path: String,
        rel: Option<Expr>,
        types: Vec<String>,
        constraints: Vec<(String, Expr)>,
    }

    #[derive(Default)]
    struct Walker {
        sds: HashMap<String, Option<Rc<Vec<ElementInfo>>>>,
        evaluations: usize,
        root_evaluations: usize,
        by_key: std::collections::BTreeMap<String, usize>,
        falses: Vec<String>,
        errors: Vec<String>,
    }

    impl Walker {
        fn sd(&mut self, type_name: &str) -> Option<Rc<Vec<ElementInfo>>> {
            if let Some(cached) = self.sds.get(type_name) {
                return cached.clone();
            }
            let path = format!("{CORE_SD_DIR}/StructureDefinition-{type_name}.json");
            let loaded = std::fs::read_to_string(path).ok().map(|text| {
                let sd: Value = serde_json::from_str(&text).unwrap();
                let elements = sd["snapshot"]["element"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                Rc::new(
                    elements
                        .iter()
                        .map(|e| {
                            let path = e["path"].as_str().unwrap().to_string();
                            let rel = path
                                .split_once('.')
                                .map(|(_, rest)| parse(&rest.replace("[x]", "")).unwrap());
                            let types = e["type"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|t| t["code"].as_str().map(str::to_string))
                                .collect();
                            let constraints = e["constraint"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|c| {
                                    let x = c["expression"].as_str()?;
                                    Some((c["key"].as_str()?.to_string(), parse(x).unwrap()))
                                })
                                .collect();
                            ElementInfo {
                                path,
                                rel,
                                types,
                                constraints,
                            }
                        })
                        .collect(),
                )
            });
            self.sds.insert(type_name.to_string(), loaded.clone());
            loaded
        }

        fn walk<'a>(
            &mut self,
            type_name: &str,
            node: &Item<'a>,
            resource: &'a Value,
            file: &str,
            depth: usize,
        ) {
            if depth > 40 {
                return;
            }
            let Some(elements) = self.sd(type_name) else {
                return;
            };
            for e in elements.iter() {
                let nodes = match &e.rel {
                    None => vec![node.clone()],
                    Some(rel) => match rel.evaluate_item(node, resource) {
                        Ok(n) => n,
                        Err(err) => {
                            self.errors.push(format!("{file}: path {}: {err}", e.path));
                            continue;
                        }
                    },
                };
                for n in &nodes {
                    for (key, c) in &e.constraints {
                        self.evaluations += 1;
                        *self.by_key.entry(key.clone()).or_default() += 1;
                        if e.rel.is_none() && depth == 0 {
                            self.root_evaluations += 1;
                        }
                        match c.holds_item(n, resource) {
                            Ok(true) => {}
                            Ok(false) => self.falses.push(format!(
                                "{file}: {key} false at {} `{}`",
                                e.path,
                                c.source()
                            )),
                            Err(err) => self
                                .errors
                                .push(format!("{file}: {key} at {}: {err}", e.path)),
                        }
                    }
                    if e.rel.is_none() {
                        continue;
                    }
                    let Some(Item::Node(nd)) = Some(n) else {
                        continue;
                    };
                    if let Some(rt) = nd.resource_type() {
                        // Contained resources keep the container as %resource; entries use themselves.
                        let inner_resource = if e.path.ends_with(".contained") {
                            resource
                        } else {
                            nd.value().unwrap_or(resource)
                        };
                        self.walk(rt, n, inner_resource, file, depth + 1);
                        continue;
                    }
                    let ty = if e.types.len() == 1 {
                        Some(e.types[0].clone())
                    } else {
                        nd.choice_type()
                            .map(canonical_type)
                            .filter(|t| e.types.contains(t))
                    };
                    match ty.as_deref() {
                        None | Some("BackboneElement" | "Element" | "Resource") => {}
                        Some(t) => self.walk(t, n, resource, file, depth + 1),
                    }
                }
            }
        }
    }

    #[test]
    fn gp_connect_examples_evaluate_without_errors() {
        let root = Path::new(EXAMPLES_DIR);
        if !root.exists() || !Path::new(CORE_SD_DIR).exists() {
            eprintln!("skipping: example or definition folders not present");
            return;
        }
        let invalid: Vec<String> = std::fs::read_to_string(root.join("INVALID_JSON.txt"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(':').next().map(str::trim).map(str::to_string))
            .collect();
        let mut files = Vec::new();
        walk_json_files(root, &mut files);
        files.sort();
        let mut walker = Walker::default();
        let mut checked = 0;
        let mut skipped = Vec::new();
        for f in &files {
            let rel = f.strip_prefix(root).unwrap().to_string_lossy().to_string();
            if invalid.contains(&rel) {
                skipped.push(rel);
                continue;
            }
            let Ok(doc) = serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap())
            else {
                skipped.push(rel);
                continue;
            };
            let Some(rt) = doc.get("resourceType").and_then(Value::as_str) else {
                skipped.push(rel);
                continue;
            };
            checked += 1;
            walker.walk(rt, &Item::Node(Node::new(&doc)), &doc, &rel, 0);
        }
        println!(
            "examples: {checked} resources checked, {} skipped, {} invariant evaluations ({} at resource roots), {} false, {} errors",
            skipped.len(),
            walker.evaluations,
            walker.root_evaluations,
            walker.falses.len(),
            walker.errors.len()
        );
        println!("  evaluations per invariant: {:?}", walker.by_key);
        let mut summary: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in &walker.falses {
            *summary.entry(f.as_str()).or_default() += 1;
        }
        for (f, n) in summary {
            println!("  FALSE x{n}: {f}");
        }
        assert!(checked > 50);
        assert!(walker.root_evaluations > 100);
        assert!(walker.errors.is_empty(), "{:#?}", walker.errors);
    }

    // --- acceptance 3: targeted unit tests -------------------------------------------------------------

    fn patient() -> Value {
        json!({
            "resourceType": "Patient",
            "id": "p1",
            "active": true,
            "name": [
                {"use": "official", "family": "Smith", "given": ["Ann", "Beth"]},
                {"use": "nickname", "given": ["Cat"]}
            ],
            "telecom": [
                {"system": "phone", "value": "0123", "use": "home"},
                {"system": "email", "value": "a@b.c", "use": "work"}
            ],
            "birthDate": "1970-03-04",
            "_birthDate": {"extension": [{"url": "http://example.org/time", "valueDateTime": "1970-03-04T10:00:00Z"}]}
        })
    }

    #[test]
    fn expr_is_send_sync_and_reusable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Expr>();
        let e: Expr = "name.given".parse().unwrap();
        let (p1, p2) = (
            patient(),
            json!({"resourceType": "Patient", "name": [{"given": ["Z"]}]}),
        );
        assert_eq!(e.evaluate(&p1, &p1).unwrap().len(), 3);
        assert_eq!(e.evaluate(&p2, &p2).unwrap().len(), 1);
        assert_eq!(e.source(), "name.given");
    }

    #[test]
    fn path_navigation_over_arrays() {
        let p = patient();
        assert_eq!(strs("name.given", &p), ["Ann", "Beth", "Cat"]);
        assert_eq!(strs("Patient.name.given", &p), ["Ann", "Beth", "Cat"]);
        assert_eq!(s("Resource.id", &p), "p1");
        assert_eq!(s("DomainResource.id", &p), "p1");
        assert_eq!(strs("name[1].given", &p), ["Cat"]);
        assert_eq!(strs("name.given[2]", &p), ["Cat"]);
        assert!(run("name[5]", &p).is_empty());
        assert!(run("Observation.status", &p).is_empty());
        assert!(run("name.nothing.given", &p).is_empty());
        assert_eq!(s("name.given.count()", &p), "3");
        assert_eq!(s("name.first().family", &p), "Smith");
        assert_eq!(s("name.last().given", &p), "Cat");
        assert_eq!(strs("name.given.tail()", &p), ["Beth", "Cat"]);
        assert_eq!(strs("name.given.skip(1).take(1)", &p), ["Beth"]);
        assert_eq!(s("`name`.`family`", &p), "Smith");
        assert_eq!(b("active", &p), Some(true));
        assert_eq!(s("id", &p), "p1");
        assert_eq!(b("resourceType.exists()", &p), Some(true));
    }

    #[test]
    fn choice_types() {
        let obs = json!({
            "resourceType": "Observation",
            "code": {"text": "weight"},
            "valueQuantity": {"value": 5.4, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
            "effectiveDateTime": "2020-01-01T10:00:00Z",
            "referenceRange": [{"text": "normal"}]
        });
        assert_eq!(s("value.value", &obs), "5.4");
        assert_eq!(s("value.ofType(Quantity).unit", &obs), "mg");
        assert_eq!(s("value.as(Quantity).code", &obs), "mg");
        assert_eq!(b("value is Quantity", &obs), Some(true));
        assert_eq!(b("value.is(Quantity)", &obs), Some(true));
        assert_eq!(b("value is string", &obs), Some(false));
        assert!(run("value.ofType(string)", &obs).is_empty());
        assert_eq!(b("effective is dateTime", &obs), Some(true));
        assert_eq!(b("effective is FHIR.dateTime", &obs), Some(true));
        assert_eq!(b("effective > @2019-12-31", &obs), Some(true));
        assert_eq!(s("valueQuantity.unit", &obs), "mg");
        // `reference` is not a choice element: it must not match `referenceRange`.
        assert!(run("reference", &obs).is_empty());
        assert_eq!(s("referenceRange.text", &obs), "normal");
        // Age is a Quantity specialisation
        let c = json!({"resourceType": "Condition", "onsetAge": {"value": 3, "code": "a"}, "abatementBoolean": true});
        assert_eq!(b("onset is Age", &c), Some(true));
        assert_eq!(b("onset is Quantity", &c), Some(true));
        assert_eq!(b("abatement is boolean", &c), Some(true));
        assert_eq!(b("(abatement as boolean).not()", &c), Some(false));
        let ext = json!({"url": "http://x", "valueString": "abc", "_valueString": {"id": "v1"}});
        assert_eq!(s("value", &ext), "abc");
        assert_eq!(s("value.id", &ext), "v1");
        assert_eq!(b("value is string", &ext), Some(true));
        // valueSet is an element of its own, not value[x] with type "Set"
        let cs = json!({"resourceType": "CodeSystem", "valueSet": "http://vs"});
        assert!(run("value", &cs).is_empty());
        assert_eq!(s("valueSet", &cs), "http://vs");
        let binding = json!({"valueSetUri": "http://vs"});
        assert_eq!(b("valueSet.is(uri)", &binding), Some(true));
        assert_eq!(
            b("valueSet.as(uri).startsWith('http:')", &binding),
            Some(true)
        );
    }

    #[test]
    fn primitive_extensions_and_has_value() {
        let p = patient();
        assert_eq!(s("birthDate.extension.url", &p), "http://example.org/time");
        assert_eq!(
            s("birthDate.extension('http://example.org/time').value", &p),
            "1970-03-04T10:00:00Z"
        );
        assert!(run("birthDate.extension('http://other')", &p).is_empty());
        assert_eq!(b("birthDate.hasValue()", &p), Some(true));
        let only_ext = json!({"resourceType": "Patient",
            "_birthDate": {"id": "b", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}});
        assert_eq!(b("birthDate.exists()", &only_ext), Some(true));
        assert_eq!(b("birthDate.hasValue()", &only_ext), Some(false));
        assert_eq!(s("birthDate.extension.count()", &only_ext), "1");
        assert_eq!(s("birthDate.id", &only_ext), "b");
        assert_eq!(
            s(
                "birthDate.extension(%`ext-data-absent-reason`).value",
                &only_ext
            ),
            "unknown"
        );
        assert_eq!(s("children().count()", &only_ext), "1");
        // arrays of primitives with aligned extension arrays (null placeholders)
        let n = json!({"given": ["Ann", null, "Cat"], "_given": [null, {"extension": [{"url": "u", "valueString": "x"}]}]});
        assert_eq!(s("given.count()", &n), "3");
        assert_eq!(b("given[1].hasValue()", &n), Some(false));
        assert_eq!(b("given[1].extension.exists()", &n), Some(true));
        assert_eq!(b("given[0].hasValue()", &n), Some(true));
        assert_eq!(
            b("given.hasValue()", &n),
            Some(false),
            "hasValue() of several items"
        );
        assert_eq!(strs("given.where(hasValue())", &n), ["Ann", "Cat"]);
        // ele-1 on primitive nodes found by navigation
        let ele1 = parse(ELE_1).unwrap();
        let given = parse("given").unwrap().evaluate(&n, &n).unwrap();
        let results: Vec<bool> = given
            .iter()
            .map(|g| ele1.holds_item(g, &n).unwrap())
            .collect();
        assert_eq!(results, [true, true, true]);
        // a primitive focus built by the caller (value + `_x` companion)
        let bd = json!({"_birthDate": {"extension": [{"url": "u", "valueCode": "unknown"}]}});
        let focus = Item::Node(Node::primitive(None, Some(&bd["_birthDate"])));
        assert!(ele1.holds_item(&focus, &bd).unwrap());
        let focus = Item::Node(Node::primitive(Some(&Value::Null), None));
        assert!(!ele1.holds_item(&focus, &bd).unwrap());
        let q = json!({"value": 1, "code": "mg"});
        let typed = Item::Node(Node::new(&q).with_choice_type("Quantity"));
        let is_qty = parse("$this is Quantity").unwrap();
        assert_eq!(
            is_qty.evaluate_item(&typed, &q).unwrap()[0].as_bool(),
            Some(true)
        );
        let blank = json!({"family": ""});
        assert_eq!(b("family.hasValue()", &blank), Some(false));
        assert_eq!(b("family.exists()", &blank), Some(true));
        assert_eq!(b("hasValue()", &blank), Some(false));
        assert_eq!(b("'x'.hasValue()", &blank), Some(true));
    }

    #[test]
    fn three_valued_logic_truth_tables() {
        let v = empty();
        let lits = [("true", Some(true)), ("false", Some(false)), ("{}", None)];
        for (la, a) in lits {
            for (lb, bv) in lits {
                let and = match (a, bv) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let or = match (a, bv) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                let xor = a.zip(bv).map(|(x, y)| x != y);
                let implies = match (a, bv) {
                    (Some(false), _) => Some(true),
                    (Some(true), r) => r,
                    (None, Some(true)) => Some(true),
                    (None, _) => None,
                };
                assert_eq!(b(&format!("{la} and {lb}"), &v), and, "{la} and {lb}");
                assert_eq!(b(&format!("{la} or {lb}"), &v), or, "{la} or {lb}");
                assert_eq!(b(&format!("{la} xor {lb}"), &v), xor, "{la} xor {lb}");
                assert_eq!(
                    b(&format!("{la} implies {lb}"), &v),
                    implies,
                    "{la} implies {lb}"
                );
            }
        }
        assert_eq!(b("{}.not()", &v), None);
        assert_eq!(b("true.not()", &v), Some(false));
        // precedence: and binds tighter than or, implies loosest
        assert_eq!(b("true or false and false", &v), Some(true));
        assert_eq!(b("false implies false or true", &v), Some(true));
        assert_eq!(b("1 = 1 and 2 > 1", &v), Some(true));
    }

    #[test]
    fn where_exists_all_select_repeat() {
        let p = patient();
        assert_eq!(s("telecom.where(system = 'phone').value", &p), "0123");
        assert_eq!(b("telecom.exists(use = 'home')", &p), Some(true));
        assert_eq!(b("telecom.exists(use = 'mobile')", &p), Some(false));
        assert_eq!(b("telecom.all(system.exists())", &p), Some(true));
        assert_eq!(b("telecom.all(use = 'home')", &p), Some(false));
        assert_eq!(b("{}.all(false)", &p), Some(true));
        assert_eq!(strs("name.select(given.first())", &p), ["Ann", "Cat"]);
        assert_eq!(
            strs("name.where($this.use = 'nickname').given", &p),
            ["Cat"]
        );
        assert_eq!(s("telecom.where($index = 1).system", &p), "email");
        let q = json!({"item": [{"linkId": "1", "item": [{"linkId": "1.1"}, {"linkId": "1.2", "item": [{"linkId": "1.2.1"}]}]}]});
        assert_eq!(
            strs("repeat(item).linkId", &q),
            ["1", "1.1", "1.2", "1.2.1"]
        );
        assert_eq!(s("(1 | 2 | 3).aggregate($this + $total, 0)", &q), "6");
        assert_eq!(b("(true | false).anyTrue()", &q), Some(true));
        assert_eq!(b("(true | false).allTrue()", &q), Some(false));
        assert_eq!(b("(false).allFalse()", &q), Some(true));
        assert_eq!(b("(true).anyFalse()", &q), Some(false));
        assert_eq!(b("(1 | 2).subsetOf(1 | 2 | 3)", &q), Some(true));
        assert_eq!(b("(1 | 2).supersetOf(1 | 3)", &q), Some(false));
        assert_eq!(strs("(1 | 2 | 3).intersect(2 | 3 | 4)", &q), ["2", "3"]);
        assert_eq!(strs("(1 | 2 | 3).exclude(2)", &q), ["1", "3"]);
        assert_eq!(s("(1).single()", &q), "1");
        assert!(parse("(1 | 2).single()").unwrap().evaluate(&q, &q).is_err());
    }

    #[test]
    fn iif_and_conversions() {
        let v = empty();
        assert_eq!(s("iif(true, 'a', 'b')", &v), "a");
        assert_eq!(s("iif({}, 'a', 'b')", &v), "b");
        assert_eq!(s("iif(false, 'a', 'b')", &v), "b");
        assert!(run("iif(false, 'a')", &v).is_empty());
        // the branch not taken is not evaluated (it would be an error)
        assert_eq!(s("iif(true, 'a', (1 | 2) > 0)", &v), "a");
        assert_eq!(s("'12'.toInteger() + 1", &v), "13");
        assert!(run("'1.5'.toInteger()", &v).is_empty());
        assert_eq!(s("'1.50'.toDecimal()", &v), "1.50");
        assert_eq!(s("1.toString() & 'x'", &v), "1x");
        assert_eq!(b("'yes'.toBoolean()", &v), Some(true));
        assert_eq!(b("'abc'.convertsToInteger()", &v), Some(false));
        assert_eq!(b("'2015-02-04'.convertsToDate()", &v), Some(true));
        assert_eq!(s("'2015-02-04'.toDate()", &v), "2015-02-04");
        assert_eq!(s("'5 \\'mg\\''.toQuantity()", &v), "5 'mg'");
        assert_eq!(
            s("@2015-02-04T14:34:28+09:00", &v),
            "2015-02-04T14:34:28+09:00"
        );
        assert_eq!(s("@T14:34", &v), "14:34");
        let max = json!({"min": 1, "max": "*"});
        assert_eq!(b("max='*' or (max.toInteger() > 0)", &max), Some(true));
        assert!(run("max.toInteger()", &max).is_empty());
    }

    #[test]
    fn string_functions() {
        let v = empty();
        assert_eq!(s("'abcdef'.substring(2)", &v), "cdef");
        assert_eq!(s("'abcdef'.substring(1, 2)", &v), "bc");
        assert!(run("'abc'.substring(5)", &v).is_empty());
        assert_eq!(b("'abc'.startsWith('ab')", &v), Some(true));
        assert_eq!(b("'abc'.endsWith('bc')", &v), Some(true));
        assert_eq!(b("'abc'.contains('d')", &v), Some(false));
        assert!(run("{}.startsWith('a')", &v).is_empty());
        assert_eq!(s("'abcb'.indexOf('b')", &v), "1");
        assert_eq!(s("'abc'.indexOf('x')", &v), "-1");
        assert_eq!(s("'héllo'.length()", &v), "5");
        assert_eq!(s("'aBc'.upper()", &v), "ABC");
        assert_eq!(s("'aBc'.lower()", &v), "abc");
        assert_eq!(s("'a.b.c'.replace('.', '-')", &v), "a-b-c");
        assert_eq!(
            s("'abc123def'.replaceMatches('[0-9]+', '#')", &v),
            "abc#def"
        );
        assert_eq!(
            s(
                "'2015-02-04'.replaceMatches('(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')",
                &v
            ),
            "04/02/2015"
        );
        assert_eq!(s("'  a  '.trim()", &v), "a");
        assert_eq!(strs("'ab'.toChars()", &v), ["a", "b"]);
        assert_eq!(s("'a' + 'b' & {} & 'c'", &v), "abc");
        assert!(run("'a' + {}", &v).is_empty());
        // matches() is a partial (search) match; anchors are explicit
        assert_eq!(b("'abc123'.matches('[0-9]+')", &v), Some(true));
        assert_eq!(b("'abc123'.matches('^[0-9]+$')", &v), Some(false));
        assert_eq!(b("'123'.matches('^[0-9]+$')", &v), Some(true));
        assert_eq!(
            b("'a\nb'.matches('a.b')", &v),
            Some(true),
            "single-line mode"
        );
        // STU3 eld-16 (backslash escapes of punctuation inside a class)
        let eld16 = "sliceName.empty() or sliceName.matches('^[a-zA-Z0-9\\\\/\\\\-\\\\_]+$')";
        assert!(holds(eld16, &json!({"sliceName": "a/b-c_d"})));
        assert!(!holds(eld16, &json!({"sliceName": "a b"})));
        // non-literal pattern compiled at run time
        assert_eq!(b("'abc'.matches('^' + 'a')", &v), Some(true));
    }

    #[test]
    fn date_time_comparisons_with_precision() {
        let v = empty();
        assert_eq!(b("@2012-01-01 < @2012-01-02", &v), Some(true));
        assert_eq!(b("@2012-01-01 = @2012-01-01", &v), Some(true));
        assert_eq!(b("@2012 < @2012-01", &v), None);
        assert_eq!(b("@2012 = @2012-01", &v), None);
        assert_eq!(b("@2012 < @2013-01", &v), Some(true));
        assert_eq!(b("@2012-01-01 = @2012-01-01T10:00", &v), None);
        assert_eq!(b("@2012-01-01 ~ @2012-01-01T10:00", &v), Some(false));
        assert_eq!(
            b("@2012-01-01T10:00:00+01:00 = @2012-01-01T09:00:00Z", &v),
            Some(true)
        );
        assert_eq!(
            b("@2012-01-01T23:30:00-01:00 > @2012-01-02T00:00:00Z", &v),
            Some(true)
        );
        assert_eq!(b("@T10:00 < @T10:00:01", &v), None);
        assert_eq!(b("@T10:00 < @T11:00:01", &v), Some(true));
        let per = json!({"start": "2010-01-01", "end": "2010-01-01T12:00:00Z"});
        assert_eq!(b("start <= end", &per), None);
        assert_eq!(b("start = @2010-01-01", &per), Some(true));
        assert_eq!(b("end > @2010-01-01T11:00:00+00:00", &per), Some(true));
        assert_eq!(b("start < today()", &per), Some(true));
        assert_eq!(b("now() > @2020-01-01T00:00:00Z", &per), Some(true));
        assert_eq!(s("@2015-01-31 + 1 month", &v), "2015-02-28");
        assert_eq!(s("@2015-01-31 - 1 year", &v), "2014-01-31");
        assert_eq!(
            s("@2015-01-31T10:00:00Z + 15 minutes", &v),
            "2015-01-31T10:15:00Z"
        );
        assert_eq!(s("@2015-12-31 + 1 'd'", &v), "2016-01-01");
    }

    #[test]
    fn type_tests_of_type_and_resources() {
        let bundle = json!({
            "resourceType": "Bundle", "type": "collection",
            "entry": [
                {"resource": {"resourceType": "Patient", "id": "a"}},
                {"resource": {"resourceType": "Organization", "id": "b"}},
                {"resource": {"resourceType": "Patient", "id": "c"}}
            ]
        });
        assert_eq!(
            strs("entry.resource.ofType(Patient).id", &bundle),
            ["a", "c"]
        );
        assert_eq!(
            strs("entry.resource.where($this is Organization).id", &bundle),
            ["b"]
        );
        assert_eq!(
            b("entry.resource.first() is DomainResource", &bundle),
            Some(true)
        );
        assert_eq!(b("$this is DomainResource", &bundle), Some(false));
        assert_eq!(b("$this is Resource", &bundle), Some(true));
        assert_eq!(b("is(Bundle)", &bundle), Some(true));
        assert_eq!(s("entry.resource.ofType(Resource).count()", &bundle), "3");
        assert_eq!(s("entry.resource.as(Patient).count()", &bundle), "2");
        assert_eq!(b("1 is Integer", &bundle), Some(true));
        assert_eq!(b("1 is System.Integer", &bundle), Some(true));
        assert_eq!(b("1.0 is decimal", &bundle), Some(true));
        assert_eq!(b("'a' is String", &bundle), Some(true));
        assert_eq!(b("@2015 is DateTime", &bundle), Some(false));
        assert_eq!(b("@2015 is Date", &bundle), Some(true));
        assert_eq!(b("type is code", &bundle), Some(true));
        assert_eq!(b("type is boolean", &bundle), Some(false));
        let prob = json!({"probabilityDecimal": 150});
        let ras2 = "probability is decimal implies probability.as(decimal) <= 100";
        assert!(!holds(ras2, &prob));
        assert!(holds(ras2, &json!({"probabilityDecimal": 12.5})));
        assert!(holds(
            ras2,
            &json!({"probabilityRange": {"low": {"value": 1}}})
        ));
        assert!(parse("(1 | 2) is Integer")
            .unwrap()
            .evaluate(&bundle, &bundle)
            .is_err());
    }

    #[test]
    fn environment_variables() {
        let parent = json!({
            "resourceType": "Patient", "id": "outer",
            "contained": [{"resourceType": "Organization", "id": "org1"}],
            "managingOrganization": {"reference": "#org1"}
        });
        let reference = &parent["managingOrganization"];
        assert!(holds_in("%resource.id = 'outer'", reference, &parent));
        assert!(holds_in("%rootResource.id = 'outer'", reference, &parent));
        assert!(holds_in("%context.reference = '#org1'", reference, &parent));
        assert!(holds_in("$this.reference = '#org1'", reference, &parent));
        let ref1 = "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %resource.contained.id.trace('ids'))";
        assert!(holds_in(ref1, reference, &parent));
        assert!(!holds_in(ref1, &json!({"reference": "#nope"}), &parent));
        assert!(holds_in(
            ref1,
            &json!({"reference": "Organization/1"}),
            &parent
        ));
        let v = empty();
        assert_eq!(s("%ucum", &v), "http://unitsofmeasure.org");
        assert_eq!(s("%sct", &v), "http://snomed.info/sct");
        assert_eq!(s("%loinc", &v), "http://loinc.org");
        assert_eq!(
            s("%`vs-administrative-gender`", &v),
            "http://hl7.org/fhir/ValueSet/administrative-gender"
        );
        assert_eq!(s("%'vs-x'", &v), "http://hl7.org/fhir/ValueSet/x");
        assert_eq!(
            s("%`ext-data-absent-reason`", &v),
            "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
        );
    }

    #[test]
    fn union_distinct_count_children_descendants() {
        let p = patient();
        assert_eq!(s("(1 | 2 | 1).count()", &p), "2");
        assert_eq!(s("('a' | 'a').count()", &p), "1");
        assert_eq!(s("(name.given | name.given).count()", &p), "3");
        assert_eq!(s("name.given.union(name.given).count()", &p), "3");
        assert_eq!(s("name.given.combine(name.given).count()", &p), "6");
        let dup = json!({"given": ["a", "a", "b"]});
        assert_eq!(s("(given | {}).count()", &dup), "2");
        assert_eq!(s("given.distinct().count()", &dup), "2");
        assert_eq!(b("given.isDistinct()", &dup), Some(false));
        assert_eq!(b("(1 | 2).combine(1).isDistinct()", &dup), Some(false));
        // union of equal complex nodes de-duplicates by deep equality
        let t = json!({"a": [{"x": 1, "y": [1, 2]}, {"y": [1, 2], "x": 1}]});
        assert_eq!(s("a.distinct().count()", &t), "1");
        assert_eq!(b("a.first() = a.last()", &t), Some(true));
        // children: id, active, 2 names, 2 telecoms, birthDate (merged with _birthDate)
        assert_eq!(s("children().count()", &p), "7");
        assert_eq!(
            strs("name.first().children()", &p),
            ["official", "Smith", "Ann", "Beth"]
        );
        assert_eq!(
            strs(
                "descendants().where($this is string and $this.startsWith('A'))",
                &p
            ),
            ["Ann"]
        );
        // 7 children + name (4 + 2) + telecom (3 + 3) + birthDate's extension (1) + its url/value (2)
        assert_eq!(s("descendants().count()", &p), "22");
        // arguments are evaluated against $this (FHIRPath spec example)
        assert_eq!(
            strs("name.select(use.union(given))", &p),
            ["official", "Ann", "Beth", "nickname", "Cat"]
        );
        assert_eq!(s("descendants().url", &p), "http://example.org/time");
    }

    #[test]
    fn quantities_and_arithmetic() {
        let v = empty();
        assert_eq!(b("4 'mg' = 4 'mg'", &v), Some(true));
        assert_eq!(b("4 'mg' = 4.0 'mg'", &v), Some(true));
        assert_eq!(b("4 'mg' = 5 'mg'", &v), Some(false));
        assert_eq!(b("4 'mg' = 4 'g'", &v), None);
        assert_eq!(b("4 'mg' < 5 'mg'", &v), Some(true));
        assert_eq!(b("1 second = 1 's'", &v), Some(true));
        assert_eq!(b("2 years = 2 year", &v), Some(true));
        assert_eq!(s("4 'mg' + 1 'mg'", &v), "5 'mg'");
        let obs = json!({"valueQuantity": {"value": 5.4, "code": "mg", "unit": "milligram"}});
        assert_eq!(b("value = 5.4 'mg'", &obs), Some(true));
        assert_eq!(b("value > 5 'mg'", &obs), Some(true));
        let range = json!({"low": {"value": 5, "code": "mg"}, "high": {"value": 3, "code": "mg"}});
        assert!(!holds(
            "low.empty() or high.empty() or (low <= high)",
            &range
        ));
        assert_eq!(s("1 + 2 * 3", &v), "7");
        assert_eq!(s("(1 + 2) * 3", &v), "9");
        assert_eq!(s("7 div 2", &v), "3");
        assert_eq!(s("7 mod 2", &v), "1");
        assert_eq!(s("1 / 2", &v), "0.5");
        assert_eq!(s("1.5 + 1", &v), "2.5");
        assert_eq!(s("0.1 + 0.2", &v), "0.3");
        assert_eq!(b("0.1 + 0.2 = 0.3", &v), Some(true));
        assert_eq!(s("-1 - -2", &v), "1");
        assert_eq!(s("-(1 + 2)", &v), "-3");
        assert!(run("1 / 0", &v).is_empty());
        assert!(run("1 div 0", &v).is_empty());
        assert_eq!(b("1 = 1.0", &v), Some(true));
        assert_eq!(b("1.01 ~ 1.0", &v), Some(true));
        assert_eq!(b("'ABC  d' ~ 'abc d'", &v), Some(true));
        assert_eq!(b("{} ~ {}", &v), Some(true));
        assert_eq!(b("{} = {}", &v), None);
        assert_eq!(b("1 != 2", &v), Some(true));
        assert_eq!(b("'a' !~ 'A'", &v), Some(false));
        assert_eq!(b("2 in (1 | 2)", &v), Some(true));
        assert_eq!(b("(1 | 2) contains 3", &v), Some(false));
        assert_eq!(b("{} in (1 | 2)", &v), None);
        assert_eq!(b("'b' > 'a'", &v), Some(true));
        let num = json!({"d": 1.0, "i": 2});
        assert_eq!(s("d.toString()", &num), "1.0");
        assert_eq!(b("d.toString().contains('.')", &num), Some(true));
        assert_eq!(s("d + i", &num), "3.0");
    }

    #[test]
    fn errors_are_typed() {
        for bad in [
            "name.",
            "name.given(",
            "unknownFn()",
            "%unknown",
            "'unterminated",
            "1 +",
            "where(",
            "substring()",
            "a b",
            "@2015-13-01",
            "'x'.matches('(')",
            "a # b",
        ] {
            match parse(bad) {
                Err(FhirPathError::Parse { expr, pos, message }) => {
                    assert_eq!(expr, bad);
                    assert!(pos <= bad.len(), "{bad}: {pos}");
                    assert!(!message.is_empty());
                }
                other => panic!("{bad}: expected a parse error, got {other:?}"),
            }
        }
        let p = patient();
        for bad in [
            "name.given.startsWith('A')",
            "name.given and true",
            "id < 1",
            "(1 | 2) + 1",
        ] {
            match parse(bad).unwrap().evaluate(&p, &p) {
                Err(FhirPathError::Eval { expr, message }) => {
                    assert_eq!(expr, bad);
                    assert!(!message.is_empty());
                }
                other => panic!("{bad}: expected an evaluation error, got {other:?}"),
            }
        }
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(parse(&deep), Err(FhirPathError::Parse { .. })));
        assert!(matches!(
            parse(&"-".repeat(10_000)),
            Err(FhirPathError::Parse { .. })
        ));
        assert!(parse(&format!("{}1{}", "(".repeat(50), ")".repeat(50))).is_ok());
        // arithmetic edge cases do not panic
        let v = empty();
        assert!(parse("-9223372036854775807 - 2")
            .unwrap()
            .evaluate(&v, &v)
            .is_err());
        assert!(parse("@2015-01-01 + 99999999999999 years")
            .unwrap()
            .evaluate(&v, &v)
            .is_err());
        // comments and whitespace are fine
        assert_eq!(s("1 // one\n + /* two */ 2", &p), "3");
    }

    #[test]
    fn holds_semantics() {
        let v = empty();
        assert!(holds("{}", &v));
        assert!(holds("true", &v));
        assert!(!holds("false", &v));
        assert!(holds("false | true", &v));
        assert!(holds("'x'", &v));
        assert!(!holds("active", &json!({"active": false})));
    }

    #[test]
    fn sorted_lookup_tables() {
        assert!(CHOICE_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(TYPE_SUFFIXES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(choice_suffix("valueSetUri"), Some("Uri"));
        assert_eq!(choice_suffix("valueSet"), None);
        assert_eq!(choice_suffix("birthDate"), None);
        assert_eq!(choice_suffix("deceasedDateTime"), Some("DateTime"));
    }

    #[test]
    fn decimal_basics() {
        let d = |x: &str| Decimal::parse(x).unwrap();
        assert_eq!(d("1.50").to_string(), "1.50");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.0"), d("1"));
        assert_eq!(
            d("1").checked_div(d("3")).unwrap().to_string(),
            "0.33333333"
        );
        assert_eq!(d("2").checked_div(d("2")).unwrap().to_string(), "1.0");
        assert!(Decimal::parse("1.").is_none());
        assert!(Decimal::parse("abc").is_none());
    }

    // --- acceptance 4: known invariants on hand-written resources --------------------------------------

    #[test]
    fn known_invariants() {
        let per1 = "start.empty() or end.empty() or (start <= end)";
        assert!(holds(
            per1,
            &json!({"start": "2010-01-01", "end": "2011-01-01"})
        ));
        assert!(!holds(
            per1,
            &json!({"start": "2011-01-01", "end": "2010-01-01"})
        ));
        assert!(holds(per1, &json!({"start": "2010-01-01"})));
        assert!(!holds(
            per1,
            &json!({"start": "2010-01-02T10:00:00+00:00", "end": "2010-01-01"})
        ));
        assert!(holds(
            per1,
            &json!({"start": "2010-01-01T10:00:00+02:00", "end": "2010-01-01T09:00:00Z"})
        ));

        // ele-1
        assert!(
            holds(ELE_1, &json!({"family": ""})),
            "the HumanName has a child"
        );
        let blank = json!({"family": ""});
        let family = parse("family").unwrap().evaluate(&blank, &blank).unwrap();
        assert!(!parse(ELE_1)
            .unwrap()
            .holds_item(&family[0], &blank)
            .unwrap());
        let ok = json!({"family": "Smith"});
        let family = parse("family").unwrap().evaluate(&ok, &ok).unwrap();
        assert!(parse(ELE_1).unwrap().holds_item(&family[0], &ok).unwrap());
        assert!(!holds(ELE_1, &json!({})));
        assert!(!holds(ELE_1, &json!({"id": "x"})));
        assert!(holds(
            ELE_1,
            &json!({"id": "x", "extension": [{"url": "u", "valueBoolean": true}]})
        ));

        // dom-1..dom-4
        let dom1 = "contained.text.empty()";
        let dom2 = "contained.contained.empty()";
        let dom3 = "contained.where(('#'+id in %resource.descendants().reference).not()).empty()";
        let dom4 = "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()";
        let good = json!({
            "resourceType": "Patient",
            "contained": [{"resourceType": "Organization", "id": "o1", "name": "X"}],
            "managingOrganization": {"reference": "#o1"}
        });
        for inv in [dom1, dom2, dom3, dom4] {
            assert!(holds(inv, &good), "{inv}");
        }
        let bad = json!({
            "resourceType": "Patient",
            "contained": [{
                "resourceType": "Organization", "id": "o1",
                "text": {"status": "generated", "div": "<div>x</div>"},
                "meta": {"versionId": "2"},
                "contained": [{"resourceType": "Organization", "id": "o2"}]
            }]
        });
        for inv in [dom1, dom2, dom3, dom4] {
            assert!(!holds(inv, &bad), "{inv}");
        }
        let last_updated = json!({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o", "meta": {"lastUpdated": "2020-01-01T00:00:00Z"}}]});
        assert!(!holds(dom4, &last_updated));

        // ext-1
        let ext1 = "extension.exists() != value.exists()";
        assert!(holds(ext1, &json!({"url": "u", "valueString": "x"})));
        assert!(holds(
            ext1,
            &json!({"url": "u", "extension": [{"url": "a", "valueCode": "b"}]})
        ));
        assert!(!holds(
            ext1,
            &json!({"url": "u", "valueString": "x", "extension": [{"url": "a", "valueCode": "b"}]})
        ));
        assert!(!holds(ext1, &json!({"url": "u"})));
        // a value that only has extensions is still a (value) node
        assert!(holds(
            ext1,
            &json!({"url": "u", "_valueString": {"extension": [{"url": "a"}]}})
        ));

        // Bundle
        let bdl1 = "total.empty() or (type = 'searchset') or (type = 'history')";
        let bdl2 = "entry.search.empty() or (type = 'searchset')";
        let bdl3 =
            "entry.request.empty() or type = 'batch' or type = 'transaction' or type = 'history'";
        let bdl4 =
            "entry.response.empty() or type = 'batch-response' or type = 'transaction-response'";
        let bdl7 = "entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()";
        let bdl8 = "fullUrl.contains('/_history/').not()";
        let bdl9 =
            "type = 'document' implies (identifier.system.exists() and identifier.value.exists())";
        let search = json!({"resourceType": "Bundle", "type": "searchset", "total": 1,
            "entry": [{"fullUrl": "http://x/Patient/1", "resource": {"resourceType": "Patient", "id": "1"}, "search": {"mode": "match"}}]});
        for inv in [bdl1, bdl2, bdl3, bdl4, bdl7, bdl9] {
            assert!(holds(inv, &search), "{inv}");
        }
        let doc = json!({"resourceType": "Bundle", "type": "document", "total": 2,
        "entry": [
            {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Composition", "meta": {"versionId": "1"}}, "search": {"mode": "match"}, "request": {"method": "GET", "url": "x"}, "response": {"status": "200"}},
            {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "meta": {"versionId": "1"}}}
        ]});
        for inv in [bdl1, bdl2, bdl3, bdl4, bdl7, bdl9] {
            assert!(!holds(inv, &doc), "{inv}");
        }
        assert!(holds(
            bdl7,
            &json!({"entry": [{"fullUrl": "a"}, {"fullUrl": "b"}, {"resource": {}}]})
        ));
        // Large collections of text take the hashed path: same verdicts, same first occurrences in order.
        let many: Vec<Value> = (0..50)
            .map(|i| json!({"fullUrl": format!("urn:uuid:{i}")}))
            .collect();
        assert!(holds(bdl7, &json!({ "entry": many.clone() })));
        let mut dup = many.clone();
        dup.push(json!({"fullUrl": "urn:uuid:7"}));
        assert!(!holds(bdl7, &json!({ "entry": dup })));
        let given = json!({"given": ["c", "a", "c", "b", "a", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "a"]});
        assert_eq!(
            strs("given.distinct()", &given),
            ["c", "a", "b", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"]
        );
        assert_eq!(s("(given | 'z' | 'a').count()", &given), "15");
        assert!(!holds(
            bdl8,
            &json!({"fullUrl": "http://x/Patient/1/_history/2"})
        ));
        assert!(holds(bdl8, &json!({"fullUrl": "http://x/Patient/1"})));

        // cpt-2, qty-3, obs-6, obs-7
        let cpt2 = "value.empty() or system.exists()";
        assert!(!holds(cpt2, &json!({"value": "0123"})));
        assert!(holds(cpt2, &json!({"value": "0123", "system": "phone"})));
        let qty3 = "code.empty() or system.exists()";
        assert!(!holds(qty3, &json!({"value": 1, "code": "mg"})));
        let obs6 = "dataAbsentReason.empty() or value.empty()";
        assert!(!holds(
            obs6,
            &json!({"valueString": "x", "dataAbsentReason": {"text": "y"}})
        ));
        let obs7 = "value.empty() or code!=component.code";
        let code = json!({"coding": [{"system": "http://loinc.org", "code": "1"}]});
        let other = json!({"coding": [{"system": "http://loinc.org", "code": "2"}]});
        assert!(!holds(
            obs7,
            &json!({"code": code, "valueString": "x", "component": [{"code": code}]})
        ));
        assert!(holds(
            obs7,
            &json!({"code": code, "valueString": "x", "component": [{"code": other}]})
        ));
        assert!(holds(obs7, &json!({"code": code, "valueString": "x"})));

        // app-2/app-3, org-1, inv-1, con-4, mad-? style boolean/string comparison, eld-2
        let app3 = "(start.exists() and end.exists()) or (status in ('proposed' | 'cancelled'))";
        assert!(!holds(app3, &json!({"status": "booked"})));
        assert!(holds(app3, &json!({"status": "proposed"})));
        let app2 = "start.empty() xor end.exists()";
        assert!(!holds(app2, &json!({"start": "2020-01-01T10:00:00Z"})));
        let org1 = "(identifier.count() + name.count()) > 0";
        assert!(!holds(org1, &json!({"resourceType": "Organization"})));
        assert!(holds(
            org1,
            &json!({"resourceType": "Organization", "name": "X"})
        ));
        let inv1 = "(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))";
        assert!(holds(inv1, &json!({"name": "a", "valueString": "x"})));
        assert!(!holds(inv1, &json!({"name": "a"})));
        assert!(!holds(
            inv1,
            &json!({"name": "a", "valueString": "x", "resource": {"resourceType": "Patient"}})
        ));
        let con4 = "abatement.empty() or (abatement as boolean).not()  or clinicalStatus='resolved' or clinicalStatus='remission' or clinicalStatus='inactive'";
        assert!(!holds(
            con4,
            &json!({"abatementBoolean": true, "clinicalStatus": "active"})
        ));
        assert!(holds(
            con4,
            &json!({"abatementBoolean": true, "clinicalStatus": "resolved"})
        ));
        assert!(holds(
            con4,
            &json!({"abatementDateTime": "2020", "clinicalStatus": "active"})
        ));
        let not_given = "reasonCode.empty() or notGiven.empty() or notGiven = 'false'";
        assert!(holds(
            not_given,
            &json!({"reasonCode": [{"text": "x"}], "notGiven": false})
        ));
        assert!(!holds(
            not_given,
            &json!({"reasonCode": [{"text": "x"}], "notGiven": true})
        ));
        let eld2 = "min.empty() or max.empty() or (max = '*') or (min <= max.toInteger())";
        assert!(!holds(eld2, &json!({"min": 2, "max": "1"})));
        assert!(holds(eld2, &json!({"min": 0, "max": "*"})));
        let sdf = "element.first().path = %resource.type and element.tail().all(path.startsWith(%resource.type&'.'))";
        let sd = json!({"type": "Patient", "differential": {}});
        let diff = json!({"element": [{"path": "Patient"}, {"path": "Patient.name"}]});
        assert!(holds_in(sdf, &diff, &sd));
        let diff_bad = json!({"element": [{"path": "Patient"}, {"path": "Observation.code"}]});
        assert!(!holds_in(sdf, &diff_bad, &sd));
        let tim = "duration.exists() implies duration >= 0";
        assert!(!holds(tim, &json!({"duration": -1})));
        assert!(holds(tim, &json!({"duration": 0.5})));
        let txt = "htmlchecks()";
        assert!(holds(txt, &json!("<div>x</div>")));
        let prov = "(agent.resolve() is Device) or (agent.resolve() is Practitioner) or onBehalfOf.exists().not()";
        assert!(holds(
            prov,
            &json!({"onBehalfOf": {"reference": "x"}, "agent": {"reference": "Device/1"}})
        ));
    }

    // --- throughput (run with: cargo test --release -- --ignored --nocapture) --------------------------
}
