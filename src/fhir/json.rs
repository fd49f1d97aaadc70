//! JSON text read into a [`serde_json::Value`] by a reader built for what FHIR payloads hold: long strings (a
//! base64 attachment is megabytes), many short keys, few numbers.
//!
//! It gives the value `serde_json::from_str` gives, or, for anything it does not read itself, hands the whole
//! text to `serde_json::from_str`: every error (with serde_json's message and position), escapes of lone
//! surrogates, numbers other than plain non-negative integers (each such number is read by serde_json),
//! nesting deeper than [`DEPTH`] and serde_json's raw-value key. So the value and every error are serde_json's by
//! construction; what it saves is serde_json's byte-at-a-time string scan (strings are scanned 32 bytes a step)
//! and the growth of each array and object (each is built at its size).

use serde_json::{Map, Number, Value};

/// Deeper than this, serde_json reads the text (its own limit, 128, then applies).
const DEPTH: u32 = 100;

/// The key serde_json's `raw_value` feature treats specially as an object's first key.
const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// Bytes of a long string tested for control characters a step.
const LANE: usize = 32;

/// `text` as a JSON value: the value and any error exactly as `serde_json::from_str` gives them.
pub fn parse(text: &str) -> serde_json::Result<Value> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
        items: Vec::new(),
        fields: Vec::new(),
    };
    match reader.document() {
        Some(value) => Ok(value),
        None => serde_json::from_str(text),
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: u32,
    /// Values of the arrays being read, innermost last (moved into each array at its end).
    items: Vec<Value>,
    /// Members of the objects being read, innermost last.
    fields: Vec<(String, Value)>,
}

impl Reader<'_> {
    /// The whole text as one value; `None` hands it to serde_json.
    fn document(&mut self) -> Option<Value> {
        self.space();
        let value = self.value()?;
        self.space();
        (self.at == self.bytes.len()).then_some(value)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn next_is(&mut self, byte: u8) -> bool {
        let is = self.bytes.get(self.at) == Some(&byte);
        if is {
            self.at += 1;
        }
        is
    }

    fn value(&mut self) -> Option<Value> {
        match self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                self.string().map(Value::String)
            }
            b'{' => self.object(),
            b'[' => self.array(),
            b'n' => self.word("null", Value::Null),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            value
        })
    }

    fn enter(&mut self) -> Option<()> {
        self.at += 1;
        self.depth += 1;
        (self.depth <= DEPTH).then_some(())
    }

    /// After an array's item or an object's member: `true` at the closing bracket, `false` after a comma (and the
    /// space after it).
    fn closed_after_item(&mut self, close: u8) -> Option<bool> {
        self.space();
        if self.next_is(close) {
            return Some(true);
        }
        if !self.next_is(b',') {
            return None;
        }
        self.space();
        Some(false)
    }

    fn array(&mut self) -> Option<Value> {
        self.enter()?;
        let first = self.items.len();
        self.space();
        if !self.next_is(b']') {
            loop {
                let value = self.value()?;
                self.items.push(value);
                if self.closed_after_item(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(Value::Array(self.items.drain(first..).collect()))
    }

    fn object(&mut self) -> Option<Value> {
        self.enter()?;
        let first = self.fields.len();
        self.space();
        if !self.next_is(b'}') {
            loop {
                if !self.next_is(b'"') {
                    return None;
                }
                let key = self.string()?;
                if key == RAW_VALUE_KEY && self.fields.len() == first {
                    return None;
                }
                self.space();
                if !self.next_is(b':') {
                    return None;
                }
                self.space();
                let value = self.value()?;
                self.fields.push((key, value));
                if self.closed_after_item(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        let mut map = Map::with_capacity(self.fields.len() - first);
        // As serde_json: a repeated key keeps its first place and takes its last value.
        for (key, value) in self.fields.drain(first..) {
            map.insert(key, value);
        }
        Some(Value::Object(map))
    }

    /// A string, from after its opening quote to after its closing one.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        let end = special_from(self.bytes, start);
        match self.bytes.get(end)? {
            b'"' => {
                self.at = end + 1;
                // `start` and `end` are next to ASCII bytes, so on character boundaries of the text.
                self.text.get(start..end).map(str::to_owned)
            }
            b'\\' => self.escaped(start, end),
            _ => None,
        }
    }

    /// The rest of a string that holds escapes: `run` is where its unescaped text starts, `at` its first
    /// backslash.
    fn escaped(&mut self, mut run: usize, mut at: usize) -> Option<String> {
        let mut out = String::with_capacity(at - run + 16);
        loop {
            out.push_str(self.text.get(run..at)?);
            match self.bytes.get(at)? {
                b'"' => {
                    self.at = at + 1;
                    return Some(out);
                }
                b'\\' => {}
                _ => return None,
            }
            let escape = *self.bytes.get(at + 1)?;
            at += 2;
            match escape {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let unit = hex4(self.bytes.get(at..at + 4)?)?;
                    at += 4;
                    let code = match unit {
                        // A high surrogate must be followed by an escaped low one; anything else is serde_json's.
                        0xD800..=0xDBFF => {
                            if self.bytes.get(at..at + 2)? != b"\\u" {
                                return None;
                            }
                            let low = hex4(self.bytes.get(at + 2..at + 6)?)?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            at += 6;
                            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => unit,
                    };
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            }
            run = at;
            at = special_from(self.bytes, at);
        }
    }

    /// A plain non-negative integer of up to 19 digits is read here; any other number by serde_json.
    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        let mut end = start;
        let mut plain = true;
        while let Some(&byte) = self.bytes.get(end) {
            match byte {
                b'0'..=b'9' => {}
                b'-' | b'+' | b'.' | b'e' | b'E' => plain = false,
                _ => break,
            }
            end += 1;
        }
        self.at = end;
        let token = self.text.get(start..end)?;
        let digits = token.as_bytes();
        if plain && digits.len() <= 19 && (digits.len() == 1 || digits.first() != Some(&b'0')) {
            let n = digits
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            return Some(Value::Number(Number::from(n)));
        }
        match serde_json::from_str(token) {
            Ok(number @ Value::Number(_)) => Some(number),
            _ => None,
        }
    }
}

/// Is `byte` one a string's plain run stops at: its closing quote, an escape, or a control character (which
/// JSON does not allow in a string)?
fn special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// The place of the first special byte at or after `at` (the length when there is none). Most strings are keys
/// and codes, so the first sixteen bytes are tested eight at a time; past them, the next quote or backslash is
/// found by `memchr` (vector instructions, long attachments in a fraction of a byte's time each), and the run
/// before it is tested for control characters a lane at a time.
fn special_from(bytes: &[u8], mut at: usize) -> usize {
    for _ in 0..2 {
        match word_at(bytes, at) {
            Some(0) => at += 8,
            Some(found) => return at + (found.trailing_zeros() / 8) as usize,
            None => return byte_by_byte(bytes, at),
        }
    }
    let rest = bytes.get(at..).unwrap_or_default();
    let end = memchr::memchr2(b'"', b'\\', rest).map_or(bytes.len(), |k| at + k);
    let run = bytes.get(at..end).unwrap_or_default();
    let mut lanes = run.chunks_exact(LANE);
    for lane in lanes.by_ref() {
        // A byte OR over the lane (not `any`): the form the compiler turns into vector compares.
        let mut control = 0u8;
        for &b in lane {
            control |= u8::from(b < 0x20);
        }
        if control != 0 {
            return byte_by_byte(bytes, at);
        }
        at += LANE;
    }
    match lanes.remainder().iter().position(|&b| b < 0x20) {
        Some(k) => at + k,
        None => end,
    }
}

/// The first special byte at or after `at`, one byte at a time.
fn byte_by_byte(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&byte) = bytes.get(at) {
        if special(byte) {
            break;
        }
        at += 1;
    }
    at
}

/// [`special_bytes`] of the eight bytes from `at`, if there are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word = <[u8; 8]>::try_from(bytes.get(at..at + 8)?).ok()?;
    Some(special_bytes(u64::from_le_bytes(word)))
}

/// The high bit of each byte of `word` that is special, lowest first: a set bit above the lowest may be false
/// (a borrow), the lowest is always right, and the caller only reads the lowest.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    zero(word ^ (ONES * u64::from(b'"')))
        | zero(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
}

/// Four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some(n * 16 + u32::from(v))
    })
}

#[cfg(test)]
mod tests;
