//! Unit tests of the date parsing, references, `If-Match` versions and body comparison of the appointment
//! handlers.

use super::change::if_match_version;
use super::seed::body_map;
use super::*;

#[test]
fn search_dates() {
    assert!(full_date("2024-03-01").is_some());
    assert!(full_date("2024-3-01").is_none());
    assert!(full_date("2024-03").is_none());
    assert!(full_date("2024-0é-1").is_none());
    assert!(full_date_time("2024-03-01T10:00:00+0é:0").is_none());
    assert!(full_date_time("2024-03-01T10:00:00+00:00").is_some());
    assert!(full_date_time("2024-03-01T10:00:00 01:00").is_some());
    assert!(full_date_time("2024-03-01T10:00:00Z").is_none());
    assert!(full_date_time("2024-03-01T10:00:00").is_none());
    assert_eq!(split_prefix("ge2024-03-01"), ("ge", "2024-03-01"));
    assert_eq!(split_prefix("2024-03-01"), ("", "2024-03-01"));
    assert_eq!(split_prefix("eqs2024"), ("eq", "s2024"));
    assert!(lenient_date("2024").is_some() && lenient_date("2024-05").is_some());
    assert_eq!(if_match_version("W/\"3\""), "3");
    assert_eq!(if_match_version("invalidEtag"), "invalidEtag");
}

#[test]
fn references() {
    assert_eq!(relative_reference("Patient/2"), Some(("Patient", "2")));
    assert_eq!(relative_reference("https://x/Patient/2"), None);
    assert_eq!(relative_reference("Slot/45555555##"), None);
}

#[test]
fn differences_compare_times_as_instants() {
    let a = body_map(json!({ "start": "2024-07-01T09:00:00+01:00", "priority": 1 }));
    let b = body_map(json!({ "start": "2024-07-01T08:00:00+00:00", "priority": 1 }));
    assert_eq!(first_difference(&a, &b), None);
    let c = body_map(json!({ "start": "2024-07-01T08:00:00+00:00", "priority": 2 }));
    assert_eq!(first_difference(&a, &c).as_deref(), Some("priority"));
    let d = body_map(json!({ "start": "2024-07-01T08:00:00+00:00" }));
    assert_eq!(first_difference(&a, &d).as_deref(), Some("priority"));
}
