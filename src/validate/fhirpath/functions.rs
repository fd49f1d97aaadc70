//! Function calls (`where`, `exists`, string functions, `extension()`, ...) and type conversions.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde_json::Value;

use super::eval::{
    bool_items, contains_item, distinct, eval, item_eq, single, to_logic, union, Env, Val,
};
use super::navigate::{navigate, push_children};
use super::parser::{compile_regex, substitution, Ast, Call, Func, Member};
use super::quantity::is_calendar_keyword;
use super::types::item_is_type;
use super::{
    fail, Decimal, EResult, EvalError, Item, PartialDateTime, PartialTime, Precision, Quantity,
};

// --- conversions -----------------------------------------------------------------------------------------

pub(super) fn item_to_string<'x>(item: &'x Item<'_>) -> EResult<Option<Cow<'x, str>>> {
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

pub(super) fn eval_call<'a>(
    call: &Call,
    input: &[Item<'a>],
    env: &Env<'a, '_>,
) -> EResult<Vec<Item<'a>>> {
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
