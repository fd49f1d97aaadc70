//! Primitive values: the formats of FHIR primitive types (the specification's regexes, some checked by hand).

use serde_json::Value;

pub(super) fn is_primitive(code: &str) -> bool {
    code.starts_with(char::is_lowercase)
}

/// A regex compiled once per call site (the primitive formats are checked for every value).
macro_rules! static_regex {
    ($re:expr) => {{
        static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        RE.get_or_init(|| {
            regex::Regex::new($re)
                .unwrap_or_else(|_| regex::Regex::new("^$").unwrap_or_else(|_| unreachable!()))
        })
    }};
}

/// Byte classes for [`is_base64`]: 1 a base64 character, 2 ASCII whitespace, 0 anything else.
const BASE64_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=' {
            1
        } else if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            2
        } else {
            0
        };
        b += 1;
    }
    t
};

/// Whether `text` matches `^(\s*([0-9a-zA-Z+/=]){4}\s*)+$`: groups of four base64 characters, whitespace
/// only between groups, at least one group.
pub(super) fn is_base64(text: &str) -> bool {
    // One pass over the bytes through a table (ASCII whitespace is where `\s` and `char::is_whitespace`
    // agree): an attachment is megabytes, read once. A byte outside ASCII sends the text to the general
    // check by character (Unicode whitespace between groups is allowed).
    let by_class = |n: &mut usize, b: u8| -> Option<bool> {
        match BASE64_CLASS[usize::from(b)] {
            1 => *n += 1,
            2 if *n % 4 == 0 => {}
            _ if !b.is_ascii() => return Some(is_base64_by_char(text)),
            _ => return Some(false),
        }
        None
    };
    let mut n = 0usize;
    let mut chunks = text.as_bytes().chunks_exact(64);
    for chunk in chunks.by_ref() {
        // Whole runs of base64 characters, tested without branches (vectorised): a letter is one whatever its
        // case, `/` and the digits are one run (0x2F-0x39), and the ranges are compared as signed bytes (the
        // vector instructions x86-64 always has; a byte outside ASCII is negative and in no range). The
        // verdict is gathered in a byte, not a `bool`, which the compiler vectorises less well.
        let mut outside = 0u8;
        for &b in chunk {
            let folded = (b | 0x20) as i8;
            let letter = (folded >= b'a' as i8) & (folded <= b'z' as i8);
            let signed = b as i8;
            let slash_or_digit = (signed >= b'/' as i8) & (signed <= b'9' as i8);
            outside |= u8::from(!(letter | slash_or_digit | (b == b'+') | (b == b'=')));
        }
        if outside == 0 {
            n += chunk.len();
            continue;
        }
        for &b in chunk {
            if let Some(verdict) = by_class(&mut n, b) {
                return verdict;
            }
        }
    }
    for &b in chunks.remainder() {
        if let Some(verdict) = by_class(&mut n, b) {
            return verdict;
        }
    }
    n > 0 && n % 4 == 0
}

/// [`is_base64`] by character, for text with characters outside ASCII.
fn is_base64_by_char(text: &str) -> bool {
    let mut n = 0usize;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') {
            n += 1;
        } else if !(c.is_whitespace() && n % 4 == 0) {
            return false;
        }
    }
    n > 0 && n % 4 == 0
}

/// `^[^\s]+( [^\s]+)*$`: runs of non-whitespace joined by single spaces.
pub(super) fn is_code(text: &str) -> bool {
    let mut previous_space = true; // no leading space
    for c in text.chars() {
        if c == ' ' {
            if previous_space {
                return false;
            }
            previous_space = true;
        } else if c.is_whitespace() {
            return false;
        } else {
            previous_space = false;
        }
    }
    !previous_space // not empty, no trailing space
}

/// `^[A-Za-z0-9\-\.]{1,64}$`.
pub(super) fn is_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `^\S*$`.
pub(super) fn is_uri(text: &str) -> bool {
    // ASCII without whitespace, the usual case, in one pass without a branch per byte (ASCII whitespace is
    // `\t` to `\r` and the space); anything else is read by character.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & b.is_ascii() & !matches!(b, b'\t'..=b'\r' | b' ')
    });
    plain || !text.chars().any(char::is_whitespace)
}

/// The date and time primitives, checked by hand against their regexes (the same languages; each is a
/// fixed sequence without ambiguity, so reading it left to right decides it). The regexes cost a few hundred
/// nanoseconds a value, and every resource carries dates.
pub(super) mod dates {
    /// A cursor over the bytes of a value.
    struct Text<'t> {
        b: &'t [u8],
        i: usize,
    }

    impl Text<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }
        fn eat(&mut self, c: u8) -> bool {
            let hit = self.peek() == Some(c);
            self.i += usize::from(hit);
            hit
        }
        fn digit_in(&mut self, lo: u8, hi: u8) -> bool {
            let hit = self.peek().is_some_and(|c| (lo..=hi).contains(&c));
            self.i += usize::from(hit);
            hit
        }
        fn digit(&mut self) -> bool {
            self.digit_in(b'0', b'9')
        }
        fn at_end(&self) -> bool {
            self.i == self.b.len()
        }
        /// `-?[0-9]{4}`
        fn year(&mut self) -> bool {
            self.eat(b'-');
            (0..4).all(|_| self.digit())
        }
        /// `0[1-9]|1[0-2]`
        fn month(&mut self) -> bool {
            if self.eat(b'0') {
                self.digit_in(b'1', b'9')
            } else {
                self.eat(b'1') && self.digit_in(b'0', b'2')
            }
        }
        /// `0[1-9]|[12][0-9]|3[01]`
        fn day(&mut self) -> bool {
            if self.eat(b'0') {
                self.digit_in(b'1', b'9')
            } else if self.digit_in(b'1', b'2') {
                self.digit()
            } else {
                self.eat(b'3') && self.digit_in(b'0', b'1')
            }
        }
        /// `([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?`
        fn time(&mut self) -> bool {
            let hour = if self.digit_in(b'0', b'1') {
                self.digit()
            } else {
                self.eat(b'2') && self.digit_in(b'0', b'3')
            };
            let minute = hour && self.eat(b':') && self.digit_in(b'0', b'5') && self.digit();
            let second = minute
                && self.eat(b':')
                && if self.digit_in(b'0', b'5') {
                    self.digit()
                } else {
                    self.eat(b'6') && self.eat(b'0')
                };
            if !second {
                return false;
            }
            if self.eat(b'.') {
                if !self.digit() {
                    return false;
                }
                while self.digit() {}
            }
            true
        }
        /// `Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)`
        fn zone(&mut self) -> bool {
            if self.eat(b'Z') {
                return true;
            }
            if !(self.eat(b'+') || self.eat(b'-')) {
                return false;
            }
            if self.eat(b'0') {
                self.digit() && self.eat(b':') && self.digit_in(b'0', b'5') && self.digit()
            } else if self.eat(b'1') {
                if self.digit_in(b'0', b'3') {
                    self.eat(b':') && self.digit_in(b'0', b'5') && self.digit()
                } else {
                    self.eat(b'4') && self.eat(b':') && self.eat(b'0') && self.eat(b'0')
                }
            } else {
                false
            }
        }
    }

    fn text(s: &str) -> Text<'_> {
        Text {
            b: s.as_bytes(),
            i: 0,
        }
    }

    /// `^-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`
    pub fn is_date(s: &str) -> bool {
        let mut t = text(s);
        t.year()
            && (t.at_end()
                || (t.eat(b'-')
                    && t.month()
                    && (t.at_end() || (t.eat(b'-') && t.day() && t.at_end()))))
    }

    /// The dateTime regex of the specification: a date, and with a day optionally `T`, a time and a zone.
    pub fn is_date_time(s: &str) -> bool {
        let mut t = text(s);
        if !t.year() {
            return false;
        }
        if t.at_end() {
            return true;
        }
        if !(t.eat(b'-') && t.month()) {
            return false;
        }
        if t.at_end() {
            return true;
        }
        if !(t.eat(b'-') && t.day()) {
            return false;
        }
        if t.at_end() {
            return true;
        }
        t.eat(b'T') && t.time() && t.zone() && t.at_end()
    }

    /// The instant regex of the specification: a whole date, `T`, a time and a zone.
    pub fn is_instant(s: &str) -> bool {
        let mut t = text(s);
        t.year()
            && t.eat(b'-')
            && t.month()
            && t.eat(b'-')
            && t.day()
            && t.eat(b'T')
            && t.time()
            && t.zone()
            && t.at_end()
    }

    /// `^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$`
    pub fn is_time(s: &str) -> bool {
        let mut t = text(s);
        t.time() && t.at_end()
    }
}

/// Why a JSON value is not a valid FHIR primitive of type `code`, if it is not.
pub(super) fn primitive_problem(code: &str, v: &Value) -> Option<String> {
    let check_by = |valid: &dyn Fn(&str) -> bool, what: &str| -> Option<String> {
        match v.as_str() {
            Some(text) if valid(text) => None,
            Some(text) => Some(format!("`{text}` is not a valid {what}")),
            None => Some(format!("a {what} must be a JSON string, found {v}")),
        }
    };
    let check = |re: &regex::Regex, what: &str| check_by(&|text| re.is_match(text), what);
    match code {
        "boolean" => {
            (!v.is_boolean()).then(|| format!("a boolean must be true or false, found {v}"))
        }
        "integer" => {
            (!v.is_i64()).then(|| format!("an integer must be a JSON whole number, found {v}"))
        }
        "unsignedInt" => v
            .as_i64()
            .is_none_or(|n| n < 0)
            .then(|| format!("an unsignedInt must be a whole number >= 0, found {v}")),
        "positiveInt" => v
            .as_i64()
            .is_none_or(|n| n < 1)
            .then(|| format!("a positiveInt must be a whole number >= 1, found {v}")),
        "decimal" => {
            (!v.is_number()).then(|| format!("a decimal must be a JSON number, found {v}"))
        }
        // Checked by hand, the same languages as the specification's regexes (tested against them).
        "date" => check_by(&dates::is_date, "date (YYYY, YYYY-MM or YYYY-MM-DD)"),
        "dateTime" => check_by(&dates::is_date_time, "dateTime"),
        "instant" => check_by(&dates::is_instant, "instant"),
        "time" => check_by(&dates::is_time, "time"),
        // `code`, `id` and `uri` are the commonest primitives: their regexes are checked by hand (the same
        // languages; `\s` is Unicode White_Space, as `char::is_whitespace`). Tested against the regexes.
        "code" => check_by(&is_code, "code (no leading, trailing or double spaces)"),
        "id" => check_by(&is_id, "id"),
        "oid" => check(static_regex!(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$"), "oid"),
        "uuid" => check(
            static_regex!(
                r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
            ),
            "uuid",
        ),
        "uri" => check_by(&is_uri, "uri"),
        // Same language as `^(\s*([0-9a-zA-Z+/=]){4}\s*)+$`, checked by hand: the regex cost ~15 ns a byte, which
        // made a 2 MB attachment the slowest thing in the official examples.
        "base64Binary" => match v.as_str() {
            Some(text) if is_base64(text) => None,
            Some(text) => Some(format!("`{text}` is not a valid base64Binary")),
            None => Some(format!("a base64Binary must be a JSON string, found {v}")),
        },
        "string" | "markdown" => match v {
            Value::String(t) if t.trim().is_empty() => {
                Some("a string must not be empty or only whitespace".into())
            }
            Value::String(_) => None,
            other => Some(format!("a string must be a JSON string, found {other}")),
        },
        "xhtml" => match v {
            Value::String(t) if t.trim_start().starts_with("<div") => None,
            _ => Some("narrative must be an XHTML <div>".into()),
        },
        _ => None,
    }
}
