//! The FHIRPath lexer: expression text to tokens.

use super::{perr, PResult};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
    pub(super) fn describe(&self) -> String {
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
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
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

pub(super) fn tokenize(src: &str) -> PResult<Vec<Token>> {
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
