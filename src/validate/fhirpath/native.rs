//! Native forms of the invariant shapes the definitions use most, compiled from the parsed expression (not
//! from its text, so a profile's copy of `ext-1` or `dom-3` gets them too).
//!
//! A native form answers only where it is certain to give the evaluator's answer, and says "don't know"
//! otherwise, so the evaluator stays the authority. The shapes:
//! * `a.exists() != b.exists()` and `a.exists() = b.exists()` (`ext-1`): whether each name selects anything,
//!   found by the evaluator's own navigation.
//! * `<path>.empty()` where the path starts with a name and goes on by names and `where(...)` (`dom-1` to
//!   `dom-4`): true when the first name selects nothing (every later step of nothing is nothing, and
//!   `where` does not evaluate its criteria on nothing).
//! * `A and B`, `A or B`, `A implies B`: as the evaluator's short-circuit logic, from the operands' native
//!   answers.
//! * `a.b.c.exists()` and `a.b.c.empty()` for a path of names (`bdl-1` to `bdl-4`): each step navigated as the
//!   evaluator navigates a name.
//! * `name = 'text'` and `name != 'text'` (`bdl-2`, `bdl-9`): when `name` selects one string, the comparison;
//!   when it selects nothing, empty.
//! * `(a.count() + b.count() ...) > 0` (`org-1`): whether any of the names selects anything.
//! * `where(criteria).empty()` on the focus: the criteria's native answer, turned (true unless it is true).
//! * `dom-3` and `bdl-7`, recognised whole by their syntax tree and read through the evaluator's navigation:
//!   each contained resource referred to from somewhere in `%resource`; the entries' `fullUrl` and version
//!   distinct.
//! * `name.exists()` and `name.empty()` (`bdl-5`, `qty-3`): whether the name selects anything.
//! * `name.startsWith('x').not()`, and the same of `endsWith` and `contains` (the first half of `ref-1`,
//!   `bdl-8`): the test on the one string the name selects, or empty when it selects nothing.
//!
//! A debug build (every test) evaluates each expression a native form answered and records any difference
//! ([`cross_check`]); `tests/corpus.rs` validates the official and real-world corpora and requires native
//! answers and no difference, so the native forms are proved against the evaluator on every node of both
//! corpora where the validator checks an invariant.

use serde_json::Value;

use super::navigate::navigate;
use super::parser::{Ast, BinOp, Func, Member};
use super::{Item, Node};

#[derive(Debug, Clone)]
pub(super) enum Native {
    /// `a.exists() != b.exists()` (`equal: false`) or `a.exists() = b.exists()` (`equal: true`).
    ExistsCompare {
        a: Member,
        b: Member,
        equal: bool,
    },
    /// `name.exists()`.
    Exists(Member),
    /// `name.empty()`.
    Empty(Member),
    /// `head....empty()`: true when `head` selects nothing.
    EmptyIfAbsent(Member),
    /// `name.startsWith('x').not()`, `name.contains('x').not()`, `name.endsWith('x').not()`: when `name` is
    /// one string, whether the test fails; when it selects nothing, empty.
    NotStringTest {
        name: Member,
        func: Func,
        literal: String,
    },
    /// `a.b.c.exists()` (`exists: true`) or `a.b.c.empty()`: whether the path of names selects anything.
    PathExists {
        path: Vec<Member>,
        exists: bool,
    },
    /// `name = 'text'` (`equal: true`) or `name != 'text'`.
    EqualsText {
        name: Member,
        literal: String,
        equal: bool,
    },
    /// `(a.count() + b.count() ...) > 0`: whether any of the names selects anything.
    AnySelects(Vec<Member>),
    /// `where(criteria).empty()` on the focus: true unless the criteria hold for it.
    WhereEmpty(Box<Native>),
    /// `dom-3`: every contained resource with an id is referred to (`#id`) from somewhere in `%resource`.
    ContainedReferenced {
        contained: Member,
        id: Member,
        reference: Member,
    },
    /// `bdl-7`: the entries with a `fullUrl` have distinct `fullUrl & resource.meta.versionId`.
    EntriesDistinct {
        entry: Member,
        full_url: Member,
        path: [Member; 3],
    },
    And(Box<Native>, Box<Native>),
    Or(Box<Native>, Box<Native>),
    Implies(Box<Native>, Box<Native>),
    /// An operand without a native form (the right of an `or` whose left may decide).
    Unknown,
}

impl Native {
    /// The native form of an expression, when its shape has one.
    pub(super) fn compile(ast: &Ast) -> Option<Native> {
        if let Some(known) = whole_rule(ast) {
            return Some(known);
        }
        match ast {
            Ast::Bin(BinOp::Gt, l, r) if matches!(r.as_ref(), Ast::Lit(Item::Integer(0))) => {
                let mut names = Vec::new();
                counts_of(l, &mut names)?;
                Some(Native::AnySelects(names))
            }
            Ast::Bin(op @ (BinOp::Ne | BinOp::Eq), l, r) => {
                if let (Ast::Member(name), Ast::Lit(Item::String(literal))) =
                    (l.as_ref(), r.as_ref())
                {
                    return Some(Native::EqualsText {
                        name: name.clone(),
                        literal: literal.clone(),
                        equal: *op == BinOp::Eq,
                    });
                }
                let a = exists_of(l)?;
                let b = exists_of(r)?;
                Some(Native::ExistsCompare {
                    a: a.clone(),
                    b: b.clone(),
                    equal: *op == BinOp::Eq,
                })
            }
            Ast::Bin(BinOp::And, l, r) => Some(Native::And(
                Box::new(Native::compile(l)?),
                Box::new(Native::compile(r)?),
            )),
            Ast::Bin(BinOp::Implies, l, r) => {
                // As for `or`: a false left operand decides alone.
                let left = Native::compile(l)?;
                let right = Native::compile(r).unwrap_or(Native::Unknown);
                Some(Native::Implies(Box::new(left), Box::new(right)))
            }
            Ast::Bin(BinOp::Or, l, r) => {
                // The right operand may have no native form: the left one can still decide.
                let left = Native::compile(l)?;
                match Native::compile(r) {
                    Some(right) => Some(Native::Or(Box::new(left), Box::new(right))),
                    None => Some(Native::Or(Box::new(left), Box::new(Native::Unknown))),
                }
            }
            Ast::Dot(path, call) => match call.as_ref() {
                Ast::Call(c) if c.func == Func::Exists && c.args.is_empty() => {
                    match path.as_ref() {
                        Ast::Member(m) => Some(Native::Exists(m.clone())),
                        other => {
                            names_of(other).map(|path| Native::PathExists { path, exists: true })
                        }
                    }
                }
                Ast::Call(c) if c.func == Func::Empty && c.args.is_empty() => match path.as_ref() {
                    Ast::Member(m) => Some(Native::Empty(m.clone())),
                    Ast::Call(w) if w.func == Func::Where && w.args.len() == 1 => {
                        Some(Native::WhereEmpty(Box::new(Native::compile(&w.args[0])?)))
                    }
                    other => match names_of(other) {
                        Some(path) => Some(Native::PathExists {
                            path,
                            exists: false,
                        }),
                        None => head_of_names(path).map(|m| Native::EmptyIfAbsent(m.clone())),
                    },
                },
                Ast::Call(c) if c.func == Func::Not && c.args.is_empty() => {
                    let Ast::Dot(name, starts) = path.as_ref() else {
                        return None;
                    };
                    let (Ast::Member(name), Ast::Call(s)) = (name.as_ref(), starts.as_ref()) else {
                        return None;
                    };
                    match (s.func, s.args.as_slice()) {
                        (
                            func @ (Func::StartsWith | Func::EndsWith | Func::Contains),
                            [Ast::Lit(Item::String(literal))],
                        ) => Some(Native::NotStringTest {
                            name: name.clone(),
                            func,
                            literal: literal.clone(),
                        }),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The invariant's answer at `focus`, or `None` when only the evaluator can tell. `Some(None)` is the
    /// empty answer (which an invariant counts as holding).
    pub(super) fn answer(&self, focus: &Node<'_>, resource: &Value) -> Option<Option<bool>> {
        match self {
            Native::AnySelects(names) => Some(Some(names.iter().any(|m| selects(focus, m)))),
            // `where` keeps the focus when its criteria give true; empty and false both drop it.
            Native::WhereEmpty(criteria) => {
                Some(Some(criteria.answer(focus, resource)? != Some(true)))
            }
            Native::ContainedReferenced {
                contained,
                id,
                reference,
            } => contained_referenced(focus, resource, contained, id, reference),
            Native::EntriesDistinct {
                entry,
                full_url,
                path,
            } => entries_distinct(focus, entry, full_url, path),
            Native::ExistsCompare { a, b, equal } => {
                Some(Some((selects(focus, a) == selects(focus, b)) == *equal))
            }
            Native::EmptyIfAbsent(head) => (!selects(focus, head)).then_some(Some(true)),
            Native::Exists(m) => Some(Some(selects(focus, m))),
            Native::PathExists { path, exists } => {
                Some(Some(path_selects(focus, path)? == *exists))
            }
            Native::EqualsText {
                name,
                literal,
                equal,
            } => on_one_string(focus, name, |s| (s == literal) == *equal),
            Native::Empty(m) => Some(Some(!selects(focus, m))),
            Native::NotStringTest {
                name,
                func,
                literal,
            } => on_one_string(focus, name, |s| !match func {
                Func::StartsWith => s.starts_with(literal.as_str()),
                Func::EndsWith => s.ends_with(literal.as_str()),
                _ => s.contains(literal.as_str()),
            }),
            // The evaluator's three-valued logic with its short-circuit: a left operand that decides is
            // enough; otherwise both must be known.
            Native::And(l, r) => match l.answer(focus, resource)? {
                Some(false) => Some(Some(false)),
                a => match (a, r.answer(focus, resource)?) {
                    (Some(true), Some(true)) => Some(Some(true)),
                    (_, Some(false)) => Some(Some(false)),
                    _ => Some(None),
                },
            },
            Native::Unknown => None,
            // Left false: true. Left true: the right operand. Left empty: true if the right one is, else empty.
            Native::Implies(l, r) => match l.answer(focus, resource)? {
                Some(false) => Some(Some(true)),
                a => match (a, r.answer(focus, resource)?) {
                    (Some(true), b) => Some(b),
                    (None, Some(true)) => Some(Some(true)),
                    _ => Some(None),
                },
            },
            Native::Or(l, r) => match l.answer(focus, resource)? {
                Some(true) => Some(Some(true)),
                a => match (a, r.answer(focus, resource)?) {
                    (_, Some(true)) => Some(Some(true)),
                    (Some(false), Some(false)) => Some(Some(false)),
                    _ => Some(None),
                },
            },
        }
    }
}

/// The native forms of whole rules recognised by their syntax tree (the parsed text of the rule as the core
/// definitions write it; spacing and a profile's copy do not matter).
fn whole_rule(ast: &Ast) -> Option<Native> {
    // Only the shapes the rules end in are compared (printing every tree would cost every plan's load).
    let Ast::Dot(_, last) = ast else {
        return None;
    };
    let Ast::Call(c) = last.as_ref() else {
        return None;
    };
    if !matches!(c.func, Func::Empty | Func::IsDistinct) || !c.args.is_empty() {
        return None;
    }
    static RULES: std::sync::OnceLock<[Option<String>; 2]> = std::sync::OnceLock::new();
    let [dom_3, bdl_7] = RULES.get_or_init(|| {
        [DOM_3, BDL_7].map(|text| super::parse_ast(text).ok().map(|a| format!("{a:?}")))
    });
    let printed = format!("{ast:?}");
    if dom_3.as_deref() == Some(printed.as_str()) {
        return Some(Native::ContainedReferenced {
            contained: Member::new("contained"),
            id: Member::new("id"),
            reference: Member::new("reference"),
        });
    }
    if bdl_7.as_deref() == Some(printed.as_str()) {
        return Some(Native::EntriesDistinct {
            entry: Member::new("entry"),
            full_url: Member::new("fullUrl"),
            path: [
                Member::new("resource"),
                Member::new("meta"),
                Member::new("versionId"),
            ],
        });
    }
    None
}

/// `dom-3` as the core definitions write it.
const DOM_3: &str = "contained.where(('#'+id in %resource.descendants().reference).not()).empty()";
/// `bdl-7` as the core definitions write it.
const BDL_7: &str = "entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()";

/// The names of `a.count() + b.count() + ...`.
fn counts_of(ast: &Ast, out: &mut Vec<Member>) -> Option<()> {
    match ast {
        Ast::Bin(BinOp::Add, l, r) => {
            counts_of(l, out)?;
            counts_of(r, out)
        }
        Ast::Dot(m, call) => match (m.as_ref(), call.as_ref()) {
            (Ast::Member(m), Ast::Call(c)) if c.func == Func::Count && c.args.is_empty() => {
                out.push(m.clone());
                Some(())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The one text `items` hold, `Some(None)` for nothing (no item, or one without a value); `None` for anything
/// the evaluator would read otherwise (several items, a number or boolean, a computed value).
fn one_text<'x>(items: &'x [Item<'_>]) -> Option<Option<&'x str>> {
    match items {
        [] => Some(None),
        [Item::Node(n)] => match n.value {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.as_str())),
            Some(_) => None,
        },
        _ => None,
    }
}

/// dom-3 as the evaluator reads it: each contained resource's `'#' + id` (none without an id) must equal a
/// `reference` of some descendant of `%resource`. Every such reference is read (as the evaluator compares
/// against all of them), and one that is not text or absent leaves the answer to the evaluator.
fn contained_referenced(
    focus: &Node<'_>,
    resource: &Value,
    contained: &Member,
    id: &Member,
    reference: &Member,
) -> Option<Option<bool>> {
    let mut items = Vec::new();
    navigate(focus, contained, &mut items);
    let mut wanted: Vec<(String, bool)> = Vec::new();
    let mut ids = Vec::new();
    for item in &items {
        let Item::Node(c) = item else {
            return None;
        };
        ids.clear();
        navigate(c, id, &mut ids);
        if let Some(text) = one_text(&ids)? {
            wanted.push((format!("#{text}"), false));
        }
    }
    if wanted.is_empty() {
        return Some(Some(true));
    }
    // `%resource.descendants()`: every node under the resource (not the resource itself), in any order.
    let mut stack = Vec::new();
    super::navigate::push_children(&Node::new(resource), &mut stack);
    let mut refs = Vec::new();
    while let Some(item) = stack.pop() {
        let Item::Node(n) = item else {
            continue;
        };
        refs.clear();
        navigate(&n, reference, &mut refs);
        for r in &refs {
            let Item::Node(r) = r else {
                return None;
            };
            match r.value {
                None => {}
                Some(Value::String(s)) => {
                    for (text, found) in &mut wanted {
                        *found |= text == s;
                    }
                }
                Some(_) => return None,
            }
        }
        super::navigate::push_children(&n, &mut stack);
    }
    Some(Some(wanted.iter().all(|(_, found)| *found)))
}

/// bdl-7 as the evaluator reads it: the entries whose `fullUrl` is text (one without a value is dropped by
/// `where`), each giving `fullUrl & resource.meta.versionId` (nothing counts as ''); are those distinct?
/// Every entry is read before answering (the evaluator's `select` reads all of them).
fn entries_distinct(
    focus: &Node<'_>,
    entry: &Member,
    full_url: &Member,
    path: &[Member; 3],
) -> Option<Option<bool>> {
    let mut entries = Vec::new();
    navigate(focus, entry, &mut entries);
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    let mut distinct = true;
    let mut urls = Vec::new();
    for e in &entries {
        let Item::Node(e) = e else {
            return None;
        };
        urls.clear();
        navigate(e, full_url, &mut urls);
        let Some(url) = one_text(&urls)? else {
            continue;
        };
        let versions = follow(e, path)?;
        let version = one_text(&versions)?.unwrap_or_default();
        distinct &= seen.insert(format!("{url}{version}"));
    }
    Some(Some(distinct))
}

/// Does `member` select anything from `focus` (exactly as a path step does)?
fn selects(focus: &Node<'_>, member: &Member) -> bool {
    let mut out = Vec::new();
    navigate(focus, member, &mut out);
    !out.is_empty()
}

/// `test` of the one string `name` selects; empty when it selects nothing; `None` (the evaluator's to answer)
/// for a value that is not a string (an extension only, a number or boolean compared by its text) or several.
fn on_one_string(
    focus: &Node<'_>,
    name: &Member,
    test: impl FnOnce(&str) -> bool,
) -> Option<Option<bool>> {
    let mut out = Vec::new();
    navigate(focus, name, &mut out);
    match out.as_slice() {
        [] => Some(None),
        [Item::Node(n)] => match n.value {
            Some(Value::String(s)) => Some(Some(test(s))),
            _ => None,
        },
        _ => None,
    }
}

/// Does the path of names select anything from `focus`, each step navigated from every node of the last
/// (as the evaluator evaluates a name)? `None` if a step gives something other than nodes.
fn path_selects(focus: &Node<'_>, path: &[Member]) -> Option<bool> {
    Some(!follow(focus, path)?.is_empty())
}

/// What the path of names selects from `focus`, each step navigated from every node of the last (as the
/// evaluator evaluates a name); `None` if a step gives something other than nodes.
fn follow<'a>(focus: &Node<'a>, path: &[Member]) -> Option<Vec<Item<'a>>> {
    let mut items = vec![Item::Node(*focus)];
    for member in path {
        let mut next = Vec::new();
        for item in &items {
            let Item::Node(n) = item else {
                return None;
            };
            navigate(n, member, &mut next);
        }
        if next.is_empty() {
            return Some(next);
        }
        items = next;
    }
    Some(items)
}

/// The names of a path made only of names (`a.b.c`), at least two of them.
fn names_of(ast: &Ast) -> Option<Vec<Member>> {
    fn push(ast: &Ast, out: &mut Vec<Member>) -> Option<()> {
        match ast {
            Ast::Member(m) => out.push(m.clone()),
            Ast::Dot(left, right) => {
                push(left, out)?;
                push(right, out)?;
            }
            _ => return None,
        }
        Some(())
    }
    let mut names = Vec::new();
    push(ast, &mut names)?;
    (names.len() >= 2).then_some(names)
}

/// `name.exists()` without criteria: the name.
fn exists_of(ast: &Ast) -> Option<&Member> {
    match ast {
        Ast::Dot(m, call) => match (m.as_ref(), call.as_ref()) {
            (Ast::Member(m), Ast::Call(c)) if c.func == Func::Exists && c.args.is_empty() => {
                Some(m)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The first name of a path made of names and `where(...)` steps (each of which gives nothing for nothing).
fn head_of_names(ast: &Ast) -> Option<&Member> {
    match ast {
        Ast::Member(m) => Some(m),
        Ast::Dot(left, step) => match step.as_ref() {
            Ast::Member(_) => head_of_names(left),
            Ast::Call(c) if c.func == Func::Where => head_of_names(left),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(debug_assertions)]
static CHECKED: std::sync::Mutex<(u64, Vec<String>)> = std::sync::Mutex::new((0, Vec::new()));

/// Records a native answer and, when the evaluator's differs, the difference.
#[cfg(debug_assertions)]
pub(super) fn cross_check(
    source: &str,
    native: bool,
    evaluated: Result<bool, super::FhirPathError>,
) {
    let mut checked = CHECKED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    checked.0 += 1;
    if evaluated.as_ref().ok() != Some(&native) {
        checked.1.push(format!(
            "`{source}`: native {native}, evaluator {evaluated:?}"
        ));
    }
}

/// (native answers, differences from the evaluator) so far in this process; `None` without the check.
pub(super) fn cross_checked() -> Option<(u64, Vec<String>)> {
    #[cfg(debug_assertions)]
    {
        let checked = CHECKED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some((checked.0, checked.1.clone()))
    }
    #[cfg(not(debug_assertions))]
    None
}
