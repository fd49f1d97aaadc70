use super::*;
use serde_json::json;

use crate::validate::fhirpath::types::{choice_suffix, CHOICE_NAMES, TYPE_SUFFIXES};

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

/// Found by the fuzzer (`fhirpath` target): long chains built trees as deep as they were long, and evaluating or
/// dropping one overflowed the stack. Each link now counts as a level of nesting.
#[test]
fn long_chains_are_refused_as_too_deep_not_a_stack_overflow() {
    let resource = json!({ "resourceType": "Patient" });
    for expr in [
        format!("a{}", ".a".repeat(20_000)),
        format!("1{}", " + 1".repeat(20_000)),
        format!("a{}", "[0]".repeat(20_000)),
        format!("true{}", " or true".repeat(20_000)),
        format!("a{}", " is Patient".repeat(20_000)),
    ] {
        let shown: String = expr.chars().take(20).collect();
        let resource = resource.clone();
        // Run on a thread with a small stack, as the validator's pool threads have.
        let outcome = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || match parse(&expr) {
                Ok(e) => e
                    .evaluate(&resource, &resource)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            })
            .expect("a thread")
            .join()
            .expect("no stack overflow");
        let err = outcome.expect_err(&shown);
        assert!(err.contains("nested too deeply"), "{shown}: {err}");
    }
    // Real chains stay well inside the limit.
    assert_eq!(
        b(
            "name.given.first().exists().not().not()",
            &json!({"resourceType": "Patient"})
        ),
        Some(false)
    );
}
