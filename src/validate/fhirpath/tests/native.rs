use super::*;

const EXT_1: &str = "extension.exists() != value.exists()";
const DOM_3: &str = "contained.where(('#'+id in %resource.descendants().reference).not()).empty()";
const DOM_4: &str = "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()";
const REF_1: &str = "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %resource.contained.id.trace('ids'))";

/// The native answer at `focus` (when the form can tell) and the evaluator's, which must agree.
fn both(expr: &str, focus: &Value) -> (Option<bool>, bool) {
    let e = parse(expr).unwrap();
    let evaluated = e.holds_evaluated(focus, focus).unwrap();
    let native = e.native_answer(focus);
    if let Some(n) = native {
        assert_eq!(n, evaluated, "{expr} on {focus}");
    }
    (native, evaluated)
}

#[test]
fn the_common_invariants_have_native_forms() {
    for expr in [EXT_1, DOM_3, DOM_4, REF_1, "contained.text.empty()"] {
        assert!(parse(expr).unwrap().native.is_some(), "{expr}");
    }
    // per-1 decides natively when `start` or `end` is absent; the comparison itself is the evaluator's.
    let per_1 = "start.empty() or end.empty() or (start <= end)";
    assert!(parse(per_1).unwrap().native.is_some());
    assert_eq!(both(per_1, &json!({"end": "2020"})), (Some(true), true));
    assert_eq!(
        both(per_1, &json!({"start": "2021", "end": "2020"})),
        (None, false)
    );
    // Shapes outside the list are left to the evaluator.
    for expr in [
        "start <= end",
        "where(use.lower() = 'home').empty()",
        "(identifier.count() + 1) > 0",
    ] {
        assert!(parse(expr).unwrap().native.is_none(), "{expr}");
    }
}

#[test]
fn ext_1_answers_as_the_evaluator() {
    let url = "http://x/e";
    assert_eq!(
        both(EXT_1, &json!({"url": url, "valueString": "a"})),
        (Some(true), true)
    );
    assert_eq!(both(EXT_1, &json!({"url": url})), (Some(false), false));
    assert_eq!(
        both(
            EXT_1,
            &json!({"url": url, "valueCoding": {"code": "a"}, "extension": [{"url": "y"}]})
        ),
        (Some(false), false)
    );
    assert_eq!(
        both(
            EXT_1,
            &json!({"url": url, "extension": [{"url": "y", "valueBoolean": true}]})
        ),
        (Some(true), true)
    );
    // A primitive value carried only by its `_value...` companion still selects a node.
    assert_eq!(
        both(
            EXT_1,
            &json!({"url": url, "_valueString": {"extension": [{"url": "z", "valueBoolean": true}]}})
        ),
        (Some(true), true)
    );
}

#[test]
fn dom_3_answers_only_without_contained_and_dom_4_always() {
    let plain = json!({"resourceType": "Patient", "id": "p"});
    assert_eq!(both(DOM_3, &plain), (Some(true), true));
    assert_eq!(both(DOM_4, &plain), (Some(true), true));
    let contained = json!({
        "resourceType": "Patient",
        "contained": [{"resourceType": "Organization", "id": "o", "meta": {"versionId": "1"}}]
    });
    assert_eq!(both(DOM_3, &contained), (Some(false), false));
    // dom-4's paths are names only: followed to the end natively.
    assert_eq!(both(DOM_4, &contained), (Some(false), false));
}

#[test]
fn ref_1_answers_for_a_plain_reference_only() {
    assert_eq!(
        both(REF_1, &json!({"reference": "Patient/1"})),
        (Some(true), true)
    );
    assert_eq!(both(REF_1, &json!({"reference": "#p"})), (None, false));
    assert_eq!(both(REF_1, &json!({"display": "x"})), (None, true));
    // Not a string: the evaluator reports an error, and the native form does not answer.
    let e = parse(REF_1).unwrap();
    let odd = json!({"reference": 7});
    assert!(e.holds_evaluated(&odd, &odd).is_err());
    assert_eq!(e.native_answer(&odd), None);
}

#[test]
fn bundle_entry_invariants_answer_as_the_evaluator() {
    let bdl_5 = "resource.exists() or request.exists() or response.exists()";
    let bdl_8 = "fullUrl.contains('/_history/').not()";
    let entry = json!({"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient"}});
    assert_eq!(both(bdl_5, &entry), (Some(true), true));
    assert_eq!(both(bdl_5, &json!({"fullUrl": "x"})), (Some(false), false));
    assert_eq!(both(bdl_8, &entry), (Some(true), true));
    assert_eq!(
        both(bdl_8, &json!({"fullUrl": "http://x/Patient/1/_history/2"})),
        (Some(false), false)
    );
    assert_eq!(both(bdl_8, &json!({"resource": {}})), (Some(true), true));
    let qty_3 = "code.empty() or system.exists()";
    assert_eq!(both(qty_3, &json!({"code": "mg"})), (Some(false), false));
    assert_eq!(
        both(
            qty_3,
            &json!({"code": "mg", "system": "http://unitsofmeasure.org"})
        ),
        (Some(true), true)
    );
    assert_eq!(both(qty_3, &json!({"value": 1})), (Some(true), true));
}

#[test]
fn bundle_rules_answer_as_the_evaluator() {
    let bdl_1 = "total.empty() or (type = 'searchset') or (type = 'history')";
    let bdl_3 =
        "entry.request.empty() or type = 'batch' or type = 'transaction' or type = 'history'";
    let bdl_9 =
        "type = 'document' implies (identifier.system.exists() and identifier.value.exists())";
    for expr in [bdl_1, bdl_3, bdl_9] {
        assert!(parse(expr).unwrap().native.is_some(), "{expr}");
    }
    let searchset = json!({"resourceType": "Bundle", "type": "searchset", "total": 1});
    let collection = json!({"resourceType": "Bundle", "type": "collection", "total": 1});
    assert_eq!(both(bdl_1, &searchset), (Some(true), true));
    assert_eq!(both(bdl_1, &collection), (Some(false), false));
    let requests = json!({"resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:1"}, {"request": {"method": "GET", "url": "Patient"}}]});
    assert_eq!(both(bdl_3, &requests), (Some(false), false));
    let no_requests = json!({"resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:1"}]});
    assert_eq!(both(bdl_3, &no_requests), (Some(true), true));
    let document = json!({"resourceType": "Bundle", "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986"}});
    assert_eq!(both(bdl_9, &document), (Some(false), false));
    let identified = json!({"resourceType": "Bundle", "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}});
    assert_eq!(both(bdl_9, &identified), (Some(true), true));
    // Not a document: holds whatever the identifier; no type at all: the left is empty, the right decides.
    assert_eq!(both(bdl_9, &collection), (Some(true), true));
    assert_eq!(both(bdl_9, &json!({"identifier": {}})), (Some(true), true));
    // A type carried only by its extension is left to the evaluator.
    let extension_only = json!({"_type": {"extension": [{"url": "x", "valueString": "y"}]}});
    assert!(both(bdl_1, &extension_only).1);
}

/// The native answer at `focus` with `resource` as `%resource`, checked against the evaluator's.
fn both_in(expr: &str, focus: &Value, resource: &Value) -> (Option<bool>, bool) {
    let e = parse(expr).unwrap();
    let evaluated = e.holds_evaluated(focus, resource).unwrap();
    let native = e.native_answer_in(focus, resource);
    if let Some(n) = native {
        assert_eq!(n, evaluated, "{expr} on {focus} in {resource}");
    }
    (native, evaluated)
}

#[test]
fn dom_3_follows_references_anywhere_in_the_resource() {
    let referred = json!({
        "resourceType": "Observation",
        "contained": [{"resourceType": "Organization", "id": "o"}, {"resourceType": "Device"}],
        "performer": [{"reference": "#o"}]
    });
    assert_eq!(both(DOM_3, &referred), (Some(true), true));
    // Referred to from inside an extension, and from another contained resource.
    let deep = json!({
        "resourceType": "Observation",
        "contained": [{"resourceType": "Organization", "id": "o"},
                      {"resourceType": "Practitioner", "id": "p",
                       "extension": [{"url": "x", "valueReference": {"reference": "#o"}}]}],
        "performer": [{"reference": "#p"}]
    });
    assert_eq!(both(DOM_3, &deep), (Some(true), true));
    // The resource's own top-level `reference` is not a descendant.
    let own = json!({"resourceType": "X", "reference": "#o",
        "contained": [{"resourceType": "Organization", "id": "o"}]});
    assert_eq!(both(DOM_3, &own), (Some(false), false));
    // `%resource` other than the focus: the reference is in the resource that holds the focus.
    let inner = json!({"resourceType": "Observation",
        "contained": [{"resourceType": "Organization", "id": "o"}]});
    let outer = json!({"resourceType": "Bundle", "entry": [{"resource": inner.clone()},
        {"resource": {"resourceType": "Encounter", "serviceProvider": {"reference": "#o"}}}]});
    assert_eq!(both_in(DOM_3, &inner, &outer), (Some(true), true));
    // A reference that is a number is the evaluator's to judge.
    let odd = json!({"resourceType": "Observation",
        "contained": [{"resourceType": "Organization", "id": "o"}], "subject": {"reference": 7}});
    assert_eq!(parse(DOM_3).unwrap().native_answer(&odd), None);
    // Another rule of the same shape is not dom-3: only its absent-`contained` case is answered natively.
    let display = "contained.where(('#'+id in %resource.descendants().display).not()).empty()";
    assert_eq!(both(display, &referred), (None, false));
}

#[test]
fn bdl_7_counts_full_url_and_version_together() {
    let bdl_7 = "entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()";
    let bundle =
        |entries: Value| json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let same = bundle(json!([{"fullUrl": "urn:a"}, {"fullUrl": "urn:a"}]));
    assert_eq!(both(bdl_7, &same), (Some(false), false));
    let versions = bundle(json!([
        {"fullUrl": "urn:a", "resource": {"resourceType": "Patient", "meta": {"versionId": "1"}}},
        {"fullUrl": "urn:a", "resource": {"resourceType": "Patient", "meta": {"versionId": "2"}}},
        {"resource": {"resourceType": "Patient"}},
        {"resource": {"resourceType": "Patient"}}
    ]));
    assert_eq!(both(bdl_7, &versions), (Some(true), true));
    // The texts are joined: `urn:a1` + `` equals `urn:a` + `1`.
    let joined = bundle(json!([
        {"fullUrl": "urn:a1"},
        {"fullUrl": "urn:a", "resource": {"resourceType": "Patient", "meta": {"versionId": "1"}}}
    ]));
    assert_eq!(both(bdl_7, &joined), (Some(false), false));
    // A fullUrl carried only by its extension is dropped by `where`.
    let ext_only = bundle(json!([{"_fullUrl": {"extension": []}}, {"fullUrl": "urn:a"}]));
    assert_eq!(both(bdl_7, &ext_only), (Some(true), true));
    assert_eq!(both(bdl_7, &bundle(json!([]))), (Some(true), true));
}

#[test]
fn sums_of_counts_and_where_on_the_focus_answer_as_the_evaluator() {
    let org_1 = "(identifier.count() + name.count()) > 0";
    let three = "(description.count() + software.count() + implementation.count()) > 0";
    let home = "where(use = 'home').empty()";
    for expr in [org_1, three, home] {
        assert!(parse(expr).unwrap().native.is_some(), "{expr}");
    }
    assert_eq!(both(org_1, &json!({"name": "x"})), (Some(true), true));
    assert_eq!(
        both(org_1, &json!({"identifier": [{}, {}]})),
        (Some(true), true)
    );
    assert_eq!(both(org_1, &json!({"active": true})), (Some(false), false));
    assert_eq!(
        both(three, &json!({"implementation": {}})),
        (Some(true), true)
    );
    assert_eq!(both(three, &json!({})), (Some(false), false));
    assert_eq!(both(home, &json!({"use": "home"})), (Some(false), false));
    assert_eq!(both(home, &json!({"use": "work"})), (Some(true), true));
    assert_eq!(both(home, &json!({"line": ["1 Road"]})), (Some(true), true));
}
