//! Evaluation of the AST: navigation, operators (equality, equivalence, comparison, arithmetic) and
//! FHIRPath singleton and three-valued logic.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::functions::{eval_call, item_to_string};
use super::navigate::navigate;
use super::parser::{Ast, BinOp, EnvVar};
use super::quantity::{add_to_datetime, unit_key};
use super::types::item_is_type;
use super::{
    fail, Decimal, EResult, EvalError, Item, Node, PartialDateTime, PartialTime, Quantity,
};

#[derive(Clone, Copy)]
pub(super) struct Env<'a, 'e> {
    pub(super) context: &'e Item<'a>,
    pub(super) resource: &'a Value,
    pub(super) this: &'e Item<'a>,
    pub(super) index: Option<usize>,
    pub(super) total: Option<&'e [Item<'a>]>,
}

/// A primitive view of an item used for comparisons and arithmetic.
#[derive(Debug, Clone, Copy)]
pub(super) enum Val<'x> {
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
    pub(super) fn kind(&self) -> &'static str {
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

    pub(super) fn number(&self) -> Option<Decimal> {
        match self {
            Val::Int(i) => Some(Decimal::from_i64(*i)),
            Val::Dec(d) => Some(*d),
            _ => None,
        }
    }

    pub(super) fn quantity(&self) -> Option<(Decimal, &str)> {
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
    pub(super) fn val(&self) -> EResult<Val<'_>> {
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

pub(super) fn single<'x, 'a>(items: &'x [Item<'a>], what: &str) -> EResult<Option<&'x Item<'a>>> {
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
pub(super) fn to_logic(items: &[Item<'_>], what: &str) -> EResult<Option<bool>> {
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

pub(super) fn bool_items<'a>(b: Option<bool>) -> Vec<Item<'a>> {
    b.map(Item::Boolean).into_iter().collect()
}

pub(super) fn eval<'a>(ast: &Ast, input: &[Item<'a>], env: &Env<'a, '_>) -> EResult<Vec<Item<'a>>> {
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

pub(super) fn union<'a>(a: Vec<Item<'a>>, b: Vec<Item<'a>>) -> Vec<Item<'a>> {
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

pub(super) fn contains_item(hay: &[Item<'_>], item: &Item<'_>) -> bool {
    hay.iter()
        .any(|h| matches!(item_eq(h, item), Ok(Some(true))))
}

pub(super) fn distinct<'a>(items: Vec<Item<'a>>) -> Vec<Item<'a>> {
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

pub(super) fn item_eq(a: &Item<'_>, b: &Item<'_>) -> EResult<Option<bool>> {
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
                let s = x.scale().min(y.scale());
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
