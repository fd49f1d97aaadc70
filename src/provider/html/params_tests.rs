use serde_json::{json, Value};

use super::*;

fn body(params: Value) -> Value {
    json!({ "resourceType": "Parameters", "parameter": params })
}

fn nhs(value: &str) -> Value {
    json!({ "name": "patientNHSNumber", "valueIdentifier": { "system": dstu2::NHS_NUMBER, "value": value } })
}

fn section(code: &str) -> Value {
    json!({ "name": "recordSection", "valueCodeableConcept": { "coding": [
        { "system": dstu2::RECORD_SECTION, "code": code }] } })
}

fn period(start: &str, end: &str) -> Value {
    json!({ "name": "timePeriod", "valuePeriod": { "start": start, "end": end } })
}

fn code_of(b: Value) -> &'static str {
    parse(&b, Leniency::default()).map_or_else(|e| e.code, |_| "OK")
}

#[test]
fn a_valid_request() {
    let r = parse(
        &body(json!([
            nhs("9658218873"),
            section("ENC"),
            period("2014", "2016-02")
        ])),
        Leniency::default(),
    );
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.section, Section::Enc);
    assert_eq!(
        r.period.map(|p| p.banner()).as_deref(),
        Some("For the period '01-Jan-2014' to '29-Feb-2016'")
    );
}

#[test]
fn the_error_table() {
    let ok_nhs = nhs("9658218873");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "resourceType": "InvalidResourceType" }),
            "INVALID_RESOURCE",
        ),
        (json!({ "resourceType": "Patient" }), "BAD_REQUEST"),
        (body(json!([section("SUM")])), "INVALID_PARAMETER"),
        (body(json!([ok_nhs.clone()])), "BAD_REQUEST"),
        (
            body(json!([ok_nhs.clone(), section("SUM"), section("ALL")])),
            "BAD_REQUEST",
        ),
        (
            body(json!([ok_nhs.clone(), ok_nhs.clone(), section("SUM")])),
            "BAD_REQUEST",
        ),
        (
            body(json!([ok_nhs.clone(), section("ZZZ")])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([ok_nhs.clone(), section("")])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([ok_nhs.clone(), section("sum")])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([nhs("1234567891"), section("SUM")])),
            "INVALID_NHS_NUMBER",
        ),
        (body(json!([nhs(""), section("SUM")])), "INVALID_NHS_NUMBER"),
        (
            body(
                json!([{ "name": "patientNHSNumber", "valueString": "9658218873" }, section("SUM")]),
            ),
            "BAD_REQUEST",
        ),
        (
            body(
                json!([{ "name": "patientNHSNumber", "valueIdentifier": { "system": "", "value": "9658218873" } },
                section("SUM")]),
            ),
            "INVALID_IDENTIFIER_SYSTEM",
        ),
        (
            body(
                json!([ok_nhs.clone(), { "name": "recordSection", "valueCodeableConcept": { "coding": [
                { "system": "", "code": "SUM" }] } }]),
            ),
            "INVALID_PARAMETER",
        ),
        (
            body(
                json!([ok_nhs.clone(), { "name": "recordSection", "valueCodeableConcept": { "coding": [
                { "system": "http://example.org/x", "code": "SUM" }] } }]),
            ),
            "BAD_REQUEST",
        ),
        (
            body(json!([ok_nhs.clone(), { "name": "recordSection", "valueString": "SUM" }])),
            "BAD_REQUEST",
        ),
        (
            body(json!([
                ok_nhs.clone(),
                section("SUM"),
                period("2014", "2016")
            ])),
            "BAD_REQUEST",
        ),
        (
            body(json!([ok_nhs.clone(), section("ENC"), period("", "")])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([
                ok_nhs.clone(),
                section("ENC"),
                period("2016", "2014")
            ])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([
                ok_nhs.clone(),
                section("ENC"),
                period("abcd", "2016")
            ])),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([
                ok_nhs.clone(),
                section("ENC"),
                period("2015-10-23T11:08:32", "2016")
            ])),
            "INVALID_PARAMETER",
        ),
        (
            body(
                json!([ok_nhs.clone(), section("ENC"), { "name": "TimePeriod", "valuePeriod": {} }]),
            ),
            "INVALID_PARAMETER",
        ),
        (
            body(json!([ok_nhs.clone(), section("ENC"), period("2015", "")])),
            "OK",
        ),
        (
            body(json!([section("ENC"), ok_nhs, period("", "2016")])),
            "OK",
        ),
    ];
    for (b, want) in cases {
        assert_eq!(code_of(b.clone()), want, "{b}");
    }
}

#[test]
fn leniency_skips_the_checks() {
    let lenient = Leniency {
        lowercase_sections: true,
        multiple_sections: true,
        nhs_number_unchecked: true,
        end_before_start: true,
        zoneless_date_times: true,
        period_on_agnostic: true,
    };
    let b = body(json!([
        nhs("1234567891"),
        section("sum"),
        section("ALL"),
        period("2016", "2014")
    ]));
    let r = parse(&b, lenient).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.section, Section::Sum);
    assert_eq!(r.period, None);
}

#[test]
fn nhs_number_check_digit() {
    for good in ["9658218873", "9999999999", "9476718943", "9658220290"] {
        assert!(valid_nhs_number(good), "{good}");
    }
    for bad in ["1234567891", "965821887", "96582188730", "965821887X", ""] {
        assert!(!valid_nhs_number(bad), "{bad}");
    }
}
