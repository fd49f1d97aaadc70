//! The FHIRPath AST and its recursive-descent parser (operator precedence of the normative release).

use regex::Regex;

use super::lexer::{Tok, Token};
use super::quantity::is_calendar_keyword;
use super::types::{canonical_type, CHOICE_NAMES};
use super::{perr, Decimal, Item, PResult, PartialDateTime, PartialTime, Quantity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
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
pub(super) struct Member {
    pub(super) name: String,
    pub(super) underscored: String,
    /// May be a type name filtering the focus (`Patient.name`).
    pub(super) type_like: bool,
    /// Is an STU3 choice element name (so `valueX` properties match).
    pub(super) choice: bool,
}

impl Member {
    pub(super) fn new(name: &str) -> Self {
        Member {
            name: name.to_string(),
            underscored: format!("_{name}"),
            type_like: name.starts_with(|c: char| c.is_ascii_uppercase()),
            choice: CHOICE_NAMES.binary_search(&name).is_ok(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct TypeSpec {
    pub(super) name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnvVar {
    Resource,
    Context,
}

#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) func: Func,
    pub(super) args: Vec<Ast>,
    pub(super) type_arg: Option<TypeSpec>,
    pub(super) regex: Option<Regex>,
}

#[derive(Debug, Clone)]
pub(super) enum Ast {
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
pub(super) enum Func {
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
pub(super) fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
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
pub(super) fn substitution(s: &str) -> String {
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

pub(super) struct Parser {
    pub(super) toks: Vec<Token>,
    pub(super) i: usize,
    pub(super) depth: usize,
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
    pub(super) fn peek(&self) -> &Token {
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

    pub(super) fn parse_expression(&mut self, min_prec: u8) -> PResult<Ast> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return perr(self.peek().pos, "expression is nested too deeply");
        }
        let result = self.parse_binary(min_prec);
        self.depth -= 1;
        result
    }

    /// A chain (`a or b or c`, `a.b.c`, `a[0][1]`) builds a tree as deep as it is long, which the evaluator
    /// and the tree's drop walk recursively: each link counts as a level of nesting.
    fn chain_link(&mut self, links: &mut usize) -> PResult<()> {
        *links += 1;
        if self.depth + *links > MAX_DEPTH {
            return perr(self.peek().pos, "expression is nested too deeply");
        }
        Ok(())
    }

    fn parse_binary(&mut self, min_prec: u8) -> PResult<Ast> {
        let mut lhs = self.parse_unary()?;
        let mut links = 0;
        loop {
            self.chain_link(&mut links)?;
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
        let mut links = 0;
        loop {
            self.chain_link(&mut links)?;
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
