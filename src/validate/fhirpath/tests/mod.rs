//! Tests of the FHIRPath engine: every invariant of the definitions parses and evaluates
//! (`definitions`), targeted unit tests (`units`), known invariants on hand-written resources
//! (`invariants`) and the native forms of common invariants against the evaluator (`native`).

use super::*;
use serde_json::json;

use super::functions::item_to_string;

mod definitions;
mod invariants;
mod native;
mod units;

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

// --- throughput (run with: cargo test --release -- --ignored --nocapture) --------------------------
