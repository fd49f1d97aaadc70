//! Appointment Management 1.2.7 handlers: search for free slots, book, read, amend, cancel and retrieve a
//! patient's appointments.
//!
//! Choices where the specification leaves room (the report and README say the same):
//! - Errors: missing mandatory search parameters 400 BAD_REQUEST, bad values 422 INVALID_PARAMETER (as the
//!   official suite expects); body problems 422 INVALID_RESOURCE; a well-formed reference to a slot, patient,
//!   location or practitioner that does not exist 422 REFERENCE_NOT_FOUND; a slot that is no longer free
//!   409 DUPLICATE_REJECTED; a missing or stale `If-Match` 409 FHIR_CONSTRAINT_VIOLATION.
//! - Amend and cancel check, in order: the appointment exists, `If-Match`, the body, then the appointment's state.
//! - "Future" for read, amend and cancel means starting today or later (the design decision classes today's
//!   appointments as future); booking needs a start after now.
//! - Any organisation may read, amend or cancel (design decision: any organisation in the data-sharing
//!   agreement); the JWT requesting organisation is not compared with the booking organisation.
//! - The practitioner-role (1.2.9: any CareConnect-SDSJobRoleName-1 code) and delivery-channel extensions,
//!   `serviceType` and `serviceCategory` are populated by the provider from the booked slots; what a consumer
//!   sends in them is ignored.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde_json::{json, Map, Value};

use super::foundations::{
    location_resource, meta, organization_resource, parse_body, practitioner_resource, searchset,
    visible,
};
use super::slots::{Schedule, Slot, SlotBook};
use super::{api_error, data, uktime, ApiError, Fault, ProviderState, Reply, Req, Store};

use crate::spine::headers::{profile, system};

/// Longest period a search for free slots may cover.
const MAX_SEARCH_DAYS: i64 = 14;
const MAX_DESCRIPTION: usize = 100;
const MAX_COMMENT: usize = 500;

/// An appointment held by the provider.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApptRecord {
    pub id: String,
    pub version: u64,
    pub patient_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub slot_ids: Vec<String>,
    pub cancelled: bool,
    pub cancellation_reason: Option<String>,
    pub description: String,
    pub comment: Option<String>,
    /// The booking as the consumer sent it, without the elements the provider populates or that amend and
    /// cancel may change (see [`sanitise`]); `start`, `end` and `created` in UK local time.
    pub base: Map<String, Value>,
    pub service_type: String,
    pub service_category: String,
    pub channel: String,
    pub role_code: String,
    pub role_display: String,
}

fn invalid_parameter(msg: impl Into<String>) -> ApiError {
    api_error("INVALID_PARAMETER", msg)
}

fn invalid_resource(msg: impl Into<String>) -> ApiError {
    api_error("INVALID_RESOURCE", msg)
}

fn reference_not_found(msg: impl Into<String>) -> ApiError {
    api_error("REFERENCE_NOT_FOUND", msg)
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

/// A `start`/`end` search value: a full date or a dateTime with offset.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SearchDate {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

impl SearchDate {
    /// First instant the value covers.
    fn first(self) -> DateTime<Utc> {
        match self {
            SearchDate::Date(d) => uktime::start_of_day(d),
            SearchDate::Instant(t) => t,
        }
    }

    /// Upper bound for slot ends: the end of the day for a date, the instant itself otherwise.
    fn last(self) -> DateTime<Utc> {
        match self {
            SearchDate::Date(d) => uktime::start_of_day(d + Duration::days(1)),
            SearchDate::Instant(t) => t,
        }
    }

    /// UK wall-clock reading, used to measure the length of a period (so a change of clocks does not count).
    fn wall(self) -> NaiveDateTime {
        match self {
            SearchDate::Date(d) => d.and_time(chrono::NaiveTime::MIN),
            SearchDate::Instant(t) => uktime::to_local(t),
        }
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `yyyy-mm-dd` exactly.
fn full_date(s: &str) -> Option<NaiveDate> {
    let ok = s.is_ascii()
        && s.len() == 10
        && digits(&s[0..4])
        && &s[4..5] == "-"
        && digits(&s[5..7])
        && &s[7..8] == "-"
        && digits(&s[8..10]);
    if ok {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else {
        None
    }
}

/// `yyyy-mm-ddThh:mm:ss+hh:mm` exactly (a `+` that arrived as a space in the query is restored).
fn full_date_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.replace(' ', "+");
    if !s.is_ascii() || s.len() != 25 || full_date(&s[..10]).is_none() {
        return None;
    }
    let b = s.as_bytes();
    let shape = b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (b[19] == b'+' || b[19] == b'-')
        && b[22] == b':';
    if !shape {
        return None;
    }
    DateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%:z")
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// What the `appt-partial-date-accepted` fault lets through: `yyyy`, `yyyy-mm`, and dateTimes without an offset
/// (read as UK local time) or with `Z`.
fn lenient_date(s: &str) -> Option<SearchDate> {
    let s = s.trim();
    if s.len() == 4 && digits(s) {
        return NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d")
            .ok()
            .map(SearchDate::Date);
    }
    if s.len() == 7 {
        return NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .ok()
            .map(SearchDate::Date);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(SearchDate::Instant(d.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|n| SearchDate::Instant(uktime::local_to_utc(n)))
}

/// Splits a leading two-letter search prefix off a value.
fn split_prefix(raw: &str) -> (&str, &str) {
    let letters = raw.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters >= 2 && raw.is_char_boundary(2) {
        raw.split_at(2)
    } else {
        ("", raw)
    }
}

/// Parses a full instant from a request body (`start`, `end`, `created`).
fn body_instant(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn time_text(st: &ProviderState, t: DateTime<Utc>) -> String {
    if st.fault(Fault::ApptSlotTimesUtc) {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        uktime::format(t)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Search for free slots

/// The one value of a parameter that must be sent exactly once: missing is a malformed request (400), repeated
/// an invalid parameter (422).
fn single<'a>(req: &'a Req<'_>, name: &str) -> Result<&'a str, ApiError> {
    match req.param_all(name).as_slice() {
        [] => Err(api_error(
            "BAD_REQUEST",
            format!("the `{name}` search parameter is required"),
        )),
        [one] => Ok(one),
        _ => Err(invalid_parameter(format!(
            "the `{name}` search parameter must be sent once"
        ))),
    }
}

fn slot_date(
    st: &ProviderState,
    name: &str,
    raw: &str,
    expected: &str,
) -> Result<SearchDate, ApiError> {
    let (prefix, value) = split_prefix(raw.trim());
    let wrong_prefix_ok = st.fault(Fault::ApptWrongPrefixAccepted);
    if prefix != expected && !wrong_prefix_ok {
        return Err(invalid_parameter(format!(
            "`{name}={raw}` must carry the `{expected}` prefix"
        )));
    }
    if let Some(d) = full_date(value) {
        return Ok(SearchDate::Date(d));
    }
    if let Some(t) = full_date_time(value) {
        return Ok(SearchDate::Instant(t));
    }
    if st.fault(Fault::ApptPartialDateAccepted) {
        if let Some(d) = lenient_date(value) {
            return Ok(d);
        }
    }
    Err(invalid_parameter(format!(
        "`{name}={raw}`: the value must be a date yyyy-mm-dd or a dateTime yyyy-mm-ddThh:mm:ss+hh:mm"
    )))
}

/// What a slot search asked for.
struct SlotQuery {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    practitioners: bool,
    locations: bool,
    organizations: bool,
    org_types: Vec<String>,
    ods_codes: Vec<String>,
}

fn slot_query(st: &ProviderState, req: &Req<'_>) -> Result<SlotQuery, ApiError> {
    // A `+` of an offset that was not percent-encoded arrives as a space.
    let start_raw = single(req, "start")?.replace(' ', "+");
    let end_raw = single(req, "end")?.replace(' ', "+");
    let status_checked = !st.fault(Fault::ApptStatusNotChecked);
    let statuses = req.param_all("status");
    if status_checked && statuses.is_empty() {
        return Err(api_error(
            "BAD_REQUEST",
            "the `status` search parameter is required (status=free)",
        ));
    }
    let includes = req.param_all("_include");
    if !includes.contains(&"Slot:schedule") && !st.fault(Fault::ApptScheduleIncludeOptional) {
        return Err(api_error(
            "BAD_REQUEST",
            "`_include=Slot:schedule` is required",
        ));
    }
    if status_checked {
        if let Some(bad) = statuses.iter().find(|s| **s != "free") {
            return Err(invalid_parameter(format!(
                "status `{bad}` is not allowed: only free slots can be searched"
            )));
        }
    }
    let start = slot_date(st, "start", &start_raw, "ge")?;
    let end = slot_date(st, "end", &end_raw, "le")?;
    let span = end.wall() - start.wall();
    if span < Duration::zero() {
        return Err(invalid_parameter(format!(
            "the period start={start_raw} end={end_raw} ends before it starts"
        )));
    }
    if span > Duration::days(MAX_SEARCH_DAYS) && !st.fault(Fault::ApptNoRangeLimit) {
        return Err(invalid_parameter(format!(
            "the period start={start_raw} end={end_raw} is longer than {MAX_SEARCH_DAYS} days"
        )));
    }
    let recurse = req.param_all("_include:recurse");
    let include_ignored = st.fault(Fault::ApptIncludeIgnored);
    let mut org_types = Vec::new();
    let mut ods_codes = Vec::new();
    for filter in req.param_all("searchFilter") {
        match filter.split_once('|') {
            Some((system::ODS_ORGANIZATION, code)) if !code.is_empty() => {
                ods_codes.push(code.to_string())
            }
            Some((system::ORGANISATION_TYPE, code)) if !code.is_empty() => {
                org_types.push(code.to_string())
            }
            // Filters this provider does not understand are ignored, not errors.
            _ => {}
        }
    }
    Ok(SlotQuery {
        from: start.first(),
        to: end.last(),
        practitioners: recurse.contains(&"Schedule:actor:Practitioner") && !include_ignored,
        locations: recurse.contains(&"Schedule:actor:Location") && !include_ignored,
        organizations: !st.fault(Fault::ApptSearchNoOrganization)
            || recurse.contains(&"Location:managingOrganization"),
        org_types,
        ods_codes,
    })
}

fn slot_resource(st: &ProviderState, s: &Slot) -> Value {
    let mut r = json!({
        "resourceType": "Slot",
        "id": s.id,
        "meta": meta(st, profile::SLOT, s.version),
        "extension": [{ "url": profile::EXT_DELIVERY_CHANNEL, "valueCode": s.channel }],
        "serviceType": [{ "text": s.service_type }],
        "schedule": { "reference": format!("Schedule/{}", s.schedule_id) },
        "status": if s.busy { "busy" } else { "free" },
        "start": time_text(st, s.start),
        "end": time_text(st, s.end)
    });
    if st.fault(Fault::ApptBookedSlotStillFree) {
        r["status"] = json!("free");
    }
    if st.fault(Fault::ApptSlotNotCategorised) {
        if let Some(o) = r.as_object_mut() {
            o.remove("extension");
        }
    }
    r
}

fn role_extension(code: &str, display: &str) -> Value {
    json!({
        "url": profile::EXT_PRACTITIONER_ROLE,
        "valueCodeableConcept": { "coding": [{ "system": system::SDS_JOB_ROLE, "code": code, "display": display }] }
    })
}

fn schedule_resource(st: &ProviderState, s: &Schedule) -> Value {
    let mut r = json!({
        "resourceType": "Schedule",
        "id": s.id,
        "meta": meta(st, profile::SCHEDULE, 1),
        "extension": [role_extension(s.role_code, s.role_display)],
        "serviceCategory": { "text": s.category },
        "actor": [
            { "reference": format!("Location/{}", s.location_id) },
            { "reference": format!("Practitioner/{}", s.practitioner_id) }
        ],
        "planningHorizon": { "start": time_text(st, s.horizon_start), "end": time_text(st, s.horizon_end) }
    });
    if st.fault(Fault::ApptSlotNotCategorised) {
        if let Some(o) = r.as_object_mut() {
            o.remove("extension");
        }
    }
    r
}

fn push_unique(ids: &mut Vec<&'static str>, id: &'static str) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

pub(super) fn search_free_slots(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let q = slot_query(st, req)?;
    let types: Vec<&str> = q.org_types.iter().map(String::as_str).collect();
    let codes: Vec<&str> = q.ods_codes.iter().map(String::as_str).collect();
    let mut store = st.lock();
    store.book.extend_to(st.clock.now());
    let book = &store.book;
    let mut found: Vec<&Slot> = book
        .slots
        .iter()
        .filter(|s| {
            let inside = if st.fault(Fault::ApptSlotsOutsideWindow) {
                s.start < q.to && s.end > q.from
            } else {
                s.start >= q.from && s.end <= q.to
            };
            let free = !s.busy || st.fault(Fault::ApptBookedSlotStillFree);
            let admitted = if st.fault(Fault::ApptRestrictedSlotsReturned) {
                s.bookable
            } else {
                s.admits(&types, &codes)
            };
            inside && free && admitted
        })
        .collect();
    found.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let mut schedules: Vec<&'static str> = Vec::new();
    for s in &found {
        push_unique(&mut schedules, s.schedule_id);
    }
    let schedules: Vec<&Schedule> = schedules
        .iter()
        .filter_map(|id| book.schedule(id))
        .collect();
    let mut resources: Vec<Value> = found.iter().map(|s| slot_resource(st, s)).collect();
    resources.extend(schedules.iter().map(|s| schedule_resource(st, s)));
    let (mut pracs, mut locs, mut orgs) = (Vec::new(), Vec::new(), Vec::new());
    for s in &schedules {
        push_unique(&mut pracs, s.practitioner_id);
        push_unique(&mut locs, s.location_id);
        push_unique(&mut orgs, s.org_id);
    }
    if q.practitioners {
        let all = data::practitioners();
        resources.extend(
            pracs
                .iter()
                .filter_map(|id| all.iter().find(|p| p.id == *id))
                .map(|p| practitioner_resource(st, p)),
        );
    }
    if q.locations {
        let all = data::sites();
        resources.extend(
            locs.iter()
                .filter_map(|id| all.iter().find(|s| s.id == *id))
                .map(|s| location_resource(st, s)),
        );
    }
    if q.organizations {
        let all = data::organizations();
        resources.extend(
            orgs.iter()
                .filter_map(|id| all.iter().find(|o| o.id == *id))
                .map(|o| organization_resource(st, o)),
        );
    }
    drop(store);
    Ok(searchset(st, resources))
}

// ---------------------------------------------------------------------------------------------------------------
// The Appointment resource: validation and rendering

/// Top-level Appointment elements a consumer may send (`reason` and `specialty` are refused separately).
const ALLOWED_ELEMENTS: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "language",
    "text",
    "contained",
    "extension",
    "identifier",
    "status",
    "serviceCategory",
    "serviceType",
    "priority",
    "description",
    "start",
    "end",
    "minutesDuration",
    "slot",
    "created",
    "comment",
    "participant",
];

const PARTICIPANT_TYPES: &[&str] = &[
    "Patient",
    "Practitioner",
    "Location",
    "RelatedPerson",
    "HealthcareService",
    "Device",
];

const PARTICIPATION_STATUS: &[&str] = &["accepted", "declined", "tentative", "needs-action"];

const KNOWN_EXTENSIONS: &[&str] = &[
    profile::EXT_BOOKING_ORGANISATION,
    profile::EXT_CANCELLATION_REASON,
    profile::EXT_PRACTITIONER_ROLE,
    profile::EXT_DELIVERY_CHANNEL,
];

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array_at<'a>(v: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// Splits a relative reference `Type/id` (no base URL, no `#`).
fn relative_reference(reference: &str) -> Option<(&str, &str)> {
    let (kind, id) = reference.split_once('/')?;
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let kind_ok = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphabetic());
    (id_ok && kind_ok).then_some((kind, id))
}

fn extensions_with<'a>(o: &'a Map<String, Value>, url: &str) -> Vec<&'a Value> {
    array_at(o, "extension")
        .iter()
        .filter(|e| str_at(e, "url") == Some(url))
        .collect()
}

/// The cancellation reason the body carries: `None` without the extension, `Some("")` when it is empty.
fn cancellation_reason(o: &Map<String, Value>) -> Option<String> {
    extensions_with(o, profile::EXT_CANCELLATION_REASON)
        .first()
        .map(|e| str_at(e, "valueString").unwrap_or_default().to_string())
}

fn text_lengths(st: &ProviderState, o: &Map<String, Value>) -> Result<(), ApiError> {
    let description = o.get("description").and_then(Value::as_str);
    let Some(description) = description.filter(|d| !d.trim().is_empty()) else {
        return Err(invalid_resource("Appointment.description is required"));
    };
    if st.fault(Fault::ApptTextLengthUnchecked) {
        return Ok(());
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(invalid_resource(format!(
            "Appointment.description has {} characters; at most {MAX_DESCRIPTION} can be stored",
            description.chars().count()
        )));
    }
    if let Some(comment) = o.get("comment") {
        let Some(comment) = comment.as_str() else {
            return Err(invalid_resource("Appointment.comment must be a string"));
        };
        if comment.chars().count() > MAX_COMMENT {
            return Err(invalid_resource(format!(
                "Appointment.comment has {} characters; at most {MAX_COMMENT} can be stored",
                comment.chars().count()
            )));
        }
    }
    Ok(())
}

/// The booking organisation: the extension must reference a contained Organization with an ODS code, a name
/// and a telecom. Returns its ODS code and organisation type codes.
fn booking_organisation(o: &Map<String, Value>) -> Result<(String, Vec<String>), ApiError> {
    let exts = extensions_with(o, profile::EXT_BOOKING_ORGANISATION);
    let [ext] = exts.as_slice() else {
        return Err(invalid_resource(
            "exactly one booking organisation extension (Extension-GPConnect-BookingOrganisation-1) is required",
        ));
    };
    let reference = ext
        .pointer("/valueReference/reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(local_id) = reference.strip_prefix('#').filter(|id| !id.is_empty()) else {
        return Err(invalid_resource(format!(
            "the booking organisation must be a reference `#id` to a contained Organization, not `{reference}`"
        )));
    };
    let contained = array_at(o, "contained");
    let Some(org) = contained.iter().find(|c| {
        str_at(c, "resourceType") == Some("Organization") && str_at(c, "id") == Some(local_id)
    }) else {
        return Err(invalid_resource(format!(
            "no contained Organization has the id `{local_id}` the booking organisation extension references"
        )));
    };
    if str_at(org, "name").is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid_resource(
            "the booking Organization must have a name",
        ));
    }
    let telecom = org.get("telecom").and_then(Value::as_array);
    if !telecom.is_some_and(|t| {
        t.iter()
            .any(|c| str_at(c, "value").is_some_and(|v| !v.is_empty()))
    }) {
        return Err(invalid_resource(
            "the booking Organization must have a telecom",
        ));
    }
    let ods = org
        .get("identifier")
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter()
                .find(|i| str_at(i, "system") == Some(system::ODS_ORGANIZATION))
        })
        .and_then(|i| str_at(i, "value"))
        .filter(|v| !v.is_empty());
    let Some(ods) = ods else {
        return Err(invalid_resource(format!(
            "the booking Organization must have an identifier with system {}",
            system::ODS_ORGANIZATION
        )));
    };
    let mut types = Vec::new();
    for t in org
        .get("type")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for c in t
            .get("coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match (str_at(c, "system"), str_at(c, "code")) {
                (Some(system::ORGANISATION_TYPE), Some(code)) if !code.is_empty() => {
                    types.push(code.to_string())
                }
                _ => {
                    return Err(invalid_resource(format!(
                        "the booking Organization type must be coded from {}",
                        system::ORGANISATION_TYPE
                    )))
                }
            }
        }
    }
    if contained.len() != 1 {
        return Err(invalid_resource(
            "the only contained resource may be the booking Organization",
        ));
    }
    Ok((ods.to_string(), types))
}

/// Structural rules every Appointment body must meet (book, amend, cancel).
fn check_appointment(st: &ProviderState, body: &Value) -> Result<Map<String, Value>, ApiError> {
    let Some(o) = body.as_object() else {
        return Err(invalid_resource("the body must be an Appointment resource"));
    };
    if str_at(body, "resourceType") != Some("Appointment") {
        return Err(invalid_resource(format!(
            "the body must be an Appointment resource, not {}",
            str_at(body, "resourceType").unwrap_or("an unnamed resource")
        )));
    }
    let profile_ok = body
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p.as_str() == Some(profile::APPOINTMENT)));
    if !profile_ok {
        return Err(invalid_resource(format!(
            "Appointment.meta.profile must name {}",
            profile::APPOINTMENT
        )));
    }
    for key in o.keys() {
        let allowed = ALLOWED_ELEMENTS.contains(&key.as_str())
            || (matches!(key.as_str(), "reason" | "specialty")
                && st.fault(Fault::ApptReasonAccepted));
        if !allowed {
            return Err(invalid_resource(format!(
                "Appointment.{key} must not be sent"
            )));
        }
    }
    for ext in array_at(o, "extension") {
        let url = str_at(ext, "url").unwrap_or_default();
        if !KNOWN_EXTENSIONS.contains(&url) {
            return Err(invalid_resource(format!(
                "Appointment.extension `{url}` is not an extension of GPConnect-Appointment-1"
            )));
        }
    }
    for id in array_at(o, "identifier") {
        let has = |k| str_at(id, k).is_some_and(|v| !v.is_empty());
        if !has("system") || !has("value") {
            return Err(invalid_resource(
                "Appointment.identifier must have a system and a value",
            ));
        }
        if ["use", "type", "period", "assigner"]
            .iter()
            .any(|k| id.get(k).is_some())
        {
            return Err(invalid_resource(
                "Appointment.identifier may only carry system and value",
            ));
        }
    }
    let Some(status) = o.get("status").and_then(Value::as_str) else {
        return Err(invalid_resource("Appointment.status is required"));
    };
    if !matches!(status, "booked" | "cancelled") {
        return Err(invalid_resource(format!(
            "Appointment.status `{status}` is not booked or cancelled"
        )));
    }
    for key in ["start", "end", "created"] {
        if key == "created" && st.fault(Fault::ApptCreatedOptional) {
            continue;
        }
        if body_instant(o.get(key)).is_none() {
            return Err(invalid_resource(format!(
                "Appointment.{key} is required as a dateTime with an offset"
            )));
        }
    }
    let participants = array_at(o, "participant");
    if participants.is_empty() {
        return Err(invalid_resource("Appointment.participant is required"));
    }
    for p in participants {
        let reference = p
            .pointer("/actor/reference")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some((kind, _)) = relative_reference(reference) else {
            return Err(invalid_resource(format!(
                "participant actor `{reference}` must be a relative reference Type/id"
            )));
        };
        if !PARTICIPANT_TYPES.contains(&kind) {
            return Err(invalid_resource(format!(
                "participant actor `{reference}` is not a Patient, Practitioner or Location"
            )));
        }
        if !str_at(p, "status").is_some_and(|s| PARTICIPATION_STATUS.contains(&s)) {
            return Err(invalid_resource(format!(
                "participant `{reference}` needs a status (accepted, declined, tentative or needs-action)"
            )));
        }
    }
    let kinds = |k: &str| {
        participants
            .iter()
            .filter(|p| {
                p.pointer("/actor/reference")
                    .and_then(Value::as_str)
                    .and_then(relative_reference)
                    .is_some_and(|(kind, _)| kind == k)
            })
            .count()
    };
    if kinds("Patient") != 1 {
        return Err(invalid_resource(
            "the appointment must have exactly one Patient participant",
        ));
    }
    if kinds("Location") == 0 {
        return Err(invalid_resource(
            "the appointment must have a Location participant",
        ));
    }
    let slots = array_at(o, "slot");
    if slots.is_empty() {
        return Err(invalid_resource("Appointment.slot is required"));
    }
    for s in slots {
        let reference = str_at(s, "reference").unwrap_or_default();
        let id = reference.strip_prefix("Slot/").unwrap_or_default();
        if !digits(id) && !st.fault(Fault::ApptSlotReferenceUnchecked) {
            return Err(invalid_resource(format!(
                "`{reference}` is not a reference to a Slot of this provider (Slot/[number])"
            )));
        }
    }
    Ok(o.clone())
}

/// The booking without what the provider populates or what amend/cancel may change; what amend and cancel
/// compare.
fn sanitise(o: &Map<String, Value>) -> Map<String, Value> {
    let mut m = o.clone();
    for key in [
        "id",
        "meta",
        "text",
        "serviceCategory",
        "serviceType",
        "description",
        "comment",
        "status",
    ] {
        m.remove(key);
    }
    let kept: Vec<Value> = array_at(o, "extension")
        .iter()
        .filter(|e| str_at(e, "url") == Some(profile::EXT_BOOKING_ORGANISATION))
        .cloned()
        .collect();
    if kept.is_empty() {
        m.remove("extension");
    } else {
        m.insert("extension".into(), Value::Array(kept));
    }
    m
}

/// The first element in which `sent` differs from `stored` (dateTimes compared as instants).
fn first_difference(sent: &Map<String, Value>, stored: &Map<String, Value>) -> Option<String> {
    let mut keys: Vec<&String> = sent.keys().chain(stored.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| {
            let (a, b) = (sent.get(*k), stored.get(*k));
            if matches!(k.as_str(), "start" | "end" | "created") {
                let (x, y) = (body_instant(a), body_instant(b));
                if x.is_some() && y.is_some() {
                    return x != y;
                }
            }
            a != b
        })
        .cloned()
}

fn appointment_resource(st: &ProviderState, a: &ApptRecord) -> Value {
    let mut o = Map::new();
    o.insert("resourceType".into(), json!("Appointment"));
    o.insert("id".into(), json!(a.id));
    o.insert("meta".into(), meta(st, profile::APPOINTMENT, a.version));
    if let Some(v) = a.base.get("language") {
        o.insert("language".into(), v.clone());
    }
    if let Some(v) = a.base.get("contained") {
        o.insert("contained".into(), v.clone());
    }
    let mut extensions: Vec<Value> = array_at(&a.base, "extension").to_vec();
    if let Some(reason) = &a.cancellation_reason {
        extensions.push(json!({ "url": profile::EXT_CANCELLATION_REASON, "valueString": reason }));
    }
    extensions.push(role_extension(&a.role_code, &a.role_display));
    extensions.push(json!({ "url": profile::EXT_DELIVERY_CHANNEL, "valueCode": a.channel }));
    o.insert("extension".into(), Value::Array(extensions));
    if let Some(v) = a.base.get("identifier") {
        o.insert("identifier".into(), v.clone());
    }
    o.insert(
        "status".into(),
        json!(if a.cancelled { "cancelled" } else { "booked" }),
    );
    o.insert(
        "serviceCategory".into(),
        json!({ "text": a.service_category }),
    );
    o.insert("serviceType".into(), json!([{ "text": a.service_type }]));
    for key in ["specialty", "reason", "priority"] {
        if let Some(v) = a.base.get(key) {
            o.insert(key.into(), v.clone());
        }
    }
    o.insert("description".into(), json!(a.description));
    o.insert("start".into(), json!(uktime::format(a.start)));
    o.insert("end".into(), json!(uktime::format(a.end)));
    for key in ["minutesDuration", "slot", "created"] {
        if let Some(v) = a.base.get(key) {
            o.insert(key.into(), v.clone());
        }
    }
    if let Some(c) = &a.comment {
        o.insert("comment".into(), json!(c));
    }
    if let Some(v) = a.base.get("participant") {
        o.insert("participant".into(), v.clone());
    }
    Value::Object(o)
}

fn appointment_reply(st: &ProviderState, req: &Req<'_>, a: &ApptRecord, status: u16) -> Reply {
    let mut reply = Reply::ok(appointment_resource(st, a));
    reply.status = status;
    reply.minimal = req.prefer_minimal && !st.fault(Fault::ApptPreferIgnored);
    reply
}

// ---------------------------------------------------------------------------------------------------------------
// Book

fn participant_ids<'a>(o: &'a Map<String, Value>, kind: &str) -> Vec<&'a str> {
    array_at(o, "participant")
        .iter()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
        .filter_map(relative_reference)
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| id)
        .collect()
}

/// Checks the booked slots against each other and the request; returns them sorted by start.
fn check_slots<'a>(
    st: &ProviderState,
    book: &'a SlotBook,
    o: &Map<String, Value>,
    booking_org: &(String, Vec<String>),
    now: DateTime<Utc>,
) -> Result<Vec<&'a Slot>, ApiError> {
    let mut ids: Vec<&str> = array_at(o, "slot")
        .iter()
        .filter_map(|s| str_at(s, "reference"))
        .filter_map(|r| r.strip_prefix("Slot/"))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != count {
        return Err(invalid_resource("the same slot is referenced twice"));
    }
    let mut slots = Vec::new();
    for id in ids {
        let Some(slot) = book.slot(id) else {
            return Err(reference_not_found(format!(
                "Slot/{id}: no such slot exists at this provider"
            )));
        };
        if !slot.bookable {
            return Err(invalid_resource(format!(
                "Slot/{id} is not available for booking through GP Connect"
            )));
        }
        let types: Vec<&str> = booking_org.1.iter().map(String::as_str).collect();
        if !slot.admits(&types, &[booking_org.0.as_str()]) {
            return Err(invalid_resource(format!(
                "Slot/{id} is restricted to other organisations (slot availability management)"
            )));
        }
        slots.push(slot);
    }
    slots.sort_by_key(|s| s.start);
    if !st.fault(Fault::ApptNonAdjacentSlots) {
        for pair in slots.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let adjacent = a.end == b.start
                && a.schedule_id == b.schedule_id
                && a.channel == b.channel
                && a.service_type == b.service_type;
            if !adjacent {
                return Err(invalid_resource(format!(
                    "Slot/{} and Slot/{} cannot be booked together: they are not adjacent slots of one schedule with the same delivery channel and service type",
                    a.id, b.id
                )));
            }
        }
    }
    let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
        return Err(invalid_resource("Appointment.slot is required"));
    };
    if !st.fault(Fault::ApptStartEndUnchecked) {
        let (start, end) = (body_instant(o.get("start")), body_instant(o.get("end")));
        if start != Some(first.start) || end != Some(last.end) {
            return Err(invalid_resource(format!(
                "the appointment must start at {} and end at {}, as its slots do",
                uktime::format(first.start),
                uktime::format(last.end)
            )));
        }
    }
    if first.start <= now && !st.fault(Fault::ApptPastBookable) {
        return Err(invalid_resource(format!(
            "Slot/{} starts in the past ({}); only future appointments can be booked",
            first.id,
            uktime::format(first.start)
        )));
    }
    Ok(slots)
}

fn check_participants(
    st: &ProviderState,
    store: &Store,
    o: &Map<String, Value>,
    schedule: &Schedule,
) -> Result<String, ApiError> {
    let patient_id = participant_ids(o, "Patient")
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let lenient = st.fault(Fault::ApptUnknownParticipantAccepted);
    if !lenient
        && !store
            .patients
            .iter()
            .any(|p| p.id == patient_id && visible(st, p))
    {
        return Err(reference_not_found(format!(
            "Patient/{patient_id}: no such patient is registered at this provider"
        )));
    }
    let sites = data::sites();
    for id in participant_ids(o, "Location") {
        if !lenient && !sites.iter().any(|s| s.id == id) {
            return Err(reference_not_found(format!(
                "Location/{id}: no such location exists at this provider"
            )));
        }
        if id != schedule.location_id {
            return Err(invalid_resource(format!(
                "Location/{id} is not where the booked slots take place (Location/{})",
                schedule.location_id
            )));
        }
    }
    let pracs = data::practitioners();
    for id in participant_ids(o, "Practitioner") {
        if !pracs.iter().any(|p| p.id == id) {
            return Err(reference_not_found(format!(
                "Practitioner/{id}: no such practitioner exists at this provider"
            )));
        }
    }
    Ok(patient_id)
}

/// Normalises `start`/`end`/`created` of a stored booking to UK local time.
fn with_local_times(
    mut base: Map<String, Value>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Map<String, Value> {
    base.insert("start".into(), json!(uktime::format(start)));
    base.insert("end".into(), json!(uktime::format(end)));
    if let Some(created) = body_instant(base.get("created")) {
        base.insert("created".into(), json!(uktime::format(created)));
    }
    base
}

/// How long the `appt-booking-race` fault leaves between checking that the slots are free and booking them.
const RACE_WINDOW: std::time::Duration = std::time::Duration::from_millis(300);

/// What a booking checked under the lock, kept for booking it.
struct CheckedBooking {
    first: Slot,
    end: DateTime<Utc>,
    slot_ids: Vec<String>,
    schedule: Schedule,
    patient_id: String,
}

pub(super) async fn book(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let body = parse_body(st, req)?;
    let o = check_appointment(st, &body)?;
    // A client-supplied id is ignored (FHIR create); `sanitise` drops it.
    if str_at(&body, "status") != Some("booked") {
        return Err(invalid_resource(
            "a new Appointment must have status booked",
        ));
    }
    if cancellation_reason(&o).is_some() {
        return Err(invalid_resource(
            "a new Appointment must not carry a cancellation reason",
        ));
    }
    text_lengths(st, &o)?;
    let booking_org = if st.fault(Fault::ApptBookingOrgUnchecked) {
        booking_organisation(&o).unwrap_or_default()
    } else {
        booking_organisation(&o)?
    };
    let now = st.clock.now();
    if st.fault(Fault::ApptBookingRace) {
        // Check, let go of the book, book later without checking again: the classic check-then-act race.
        let checked = {
            let mut store = st.lock();
            store.book.extend_to(now);
            check_booking(st, &store, &o, &booking_org, now)?
        };
        tokio::time::sleep(RACE_WINDOW).await;
        let mut store = st.lock();
        return Ok(commit_booking(st, req, &mut store, &body, &o, checked));
    }
    let mut store = st.lock();
    store.book.extend_to(now);
    let checked = check_booking(st, &store, &o, &booking_org, now)?;
    Ok(commit_booking(st, req, &mut store, &body, &o, checked))
}

/// Checks the slots (free, contiguous, bookable by this organisation) and participants of a booking.
fn check_booking(
    st: &ProviderState,
    store: &Store,
    o: &Map<String, Value>,
    booking_org: &(String, Vec<String>),
    now: DateTime<Utc>,
) -> Result<CheckedBooking, ApiError> {
    let slots = check_slots(st, &store.book, o, booking_org, now)?;
    let Some(first) = slots.first().copied().cloned() else {
        return Err(invalid_resource("Appointment.slot is required"));
    };
    let end = slots.last().map_or(first.end, |s| s.end);
    let slot_ids: Vec<String> = slots.iter().map(|s| s.id.clone()).collect();
    let busy = slots.iter().find(|s| s.busy).map(|s| s.id.clone());
    let Some(schedule) = store.book.schedule(first.schedule_id).cloned() else {
        return Err(api_error(
            "INTERNAL_SERVER_ERROR",
            format!("Slot/{} has no schedule", first.id),
        ));
    };
    let patient_id = check_participants(st, store, o, &schedule)?;
    if let Some(id) = busy {
        if !st.fault(Fault::ApptDoubleBooking) {
            return Err(api_error(
                "DUPLICATE_REJECTED",
                format!("Slot/{id} is no longer free"),
            ));
        }
    }
    Ok(CheckedBooking {
        first,
        end,
        slot_ids,
        schedule,
        patient_id,
    })
}

/// Marks the slots busy and records the appointment.
fn commit_booking(
    st: &ProviderState,
    req: &Req<'_>,
    store: &mut Store,
    body: &Value,
    o: &Map<String, Value>,
    c: CheckedBooking,
) -> Reply {
    for id in &c.slot_ids {
        if let Some(s) = store.book.slot_mut(id) {
            s.busy = true;
            s.version += 1;
        }
    }
    let id = store.next_appointment_id.to_string();
    store.next_appointment_id += 1;
    let first = c.first;
    let record = ApptRecord {
        id,
        version: 1,
        patient_id: c.patient_id,
        start: first.start,
        end: c.end,
        slot_ids: c.slot_ids,
        cancelled: false,
        cancellation_reason: None,
        description: str_at(body, "description").unwrap_or_default().to_string(),
        comment: str_at(body, "comment").map(String::from),
        base: with_local_times(sanitise(o), first.start, c.end),
        service_type: first.service_type.to_string(),
        service_category: c.schedule.category.to_string(),
        channel: first.channel.to_string(),
        role_code: c.schedule.role_code.to_string(),
        role_display: c.schedule.role_display.to_string(),
    };
    let status = if st.fault(Fault::ApptCreateReturns200) {
        200
    } else {
        201
    };
    let mut reply = appointment_reply(st, req, &record, status);
    reply.location = Some(if st.fault(Fault::ApptWrongLocationHeader) {
        format!("{}/Slot/{}", req.base_url, first.id)
    } else {
        format!(
            "{}/Appointment/{}/_history/{}",
            req.base_url, record.id, record.version
        )
    });
    store.appointments.push(record);
    reply
}

// ---------------------------------------------------------------------------------------------------------------
// Read, amend, cancel, retrieve

fn not_found(id: &str) -> ApiError {
    api_error("NO_RECORD_FOUND", format!("Appointment/{id} was not found"))
}

/// Started before today (UK): today's appointments count as future.
fn in_the_past(a: &ApptRecord, now: DateTime<Utc>) -> bool {
    uktime::local_date(a.start) < uktime::local_date(now)
}

pub(super) fn read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    let store = st.lock();
    let Some(a) = store.appointments.iter().find(|a| a.id == id) else {
        return Err(not_found(id));
    };
    if in_the_past(a, st.clock.now()) && !st.fault(Fault::ApptReadPastAllowed) {
        return Err(invalid_parameter(format!(
            "Appointment/{id} started on {}; only future appointments can be read",
            uktime::format(a.start)
        )));
    }
    Ok(appointment_reply(st, req, a, 200))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Amend,
    Cancel,
}

/// The version an `If-Match` header names: `W/"3"`, `"3"` or `3`.
fn if_match_version(raw: &str) -> &str {
    let v = raw.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.trim_matches('"')
}

pub(super) fn update(st: &ProviderState, req: &Req<'_>, change: Change) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default().to_string();
    let body = parse_body(st, req)?;
    let now = st.clock.now();
    let mut guard = st.lock();
    let store = &mut *guard;
    let Some(index) = store.appointments.iter().position(|a| a.id == id) else {
        return Err(not_found(&id));
    };
    let current = store.appointments[index].clone();
    if !st.fault(Fault::ApptIfMatchIgnored) {
        let version = current.version.to_string();
        match req.if_match.as_deref() {
            None => {
                return Err(api_error(
                    "FHIR_CONSTRAINT_VIOLATION",
                    format!("If-Match is required: send the ETag of Appointment/{id}, W/\"{version}\""),
                ))
            }
            Some(v) if if_match_version(v) != version => {
                return Err(api_error(
                    "FHIR_CONSTRAINT_VIOLATION",
                    format!("If-Match `{v}` does not name the current version of Appointment/{id} (W/\"{version}\")"),
                ))
            }
            Some(_) => {}
        }
    }
    let o = check_appointment(st, &body)?;
    if str_at(&body, "id") != Some(id.as_str()) {
        return Err(invalid_resource(format!(
            "the body's Appointment.id must be `{id}`, the id in the URL"
        )));
    }
    if in_the_past(&current, now) {
        return Err(invalid_resource(format!(
            "Appointment/{id} started on {}; only future appointments can be changed",
            uktime::format(current.start)
        )));
    }
    let sent = sanitise(&o);
    let mut updated = current.clone();
    match change {
        Change::Amend => {
            if current.cancelled && !st.fault(Fault::ApptCancelledAmendable) {
                return Err(invalid_resource(format!(
                    "Appointment/{id} is cancelled and cannot be amended"
                )));
            }
            let status = if current.cancelled {
                "cancelled"
            } else {
                "booked"
            };
            if str_at(&body, "status") != Some(status) {
                return Err(invalid_resource(format!(
                    "amend cannot change Appointment.status (it is {status}); use cancel"
                )));
            }
            if cancellation_reason(&o) != current.cancellation_reason {
                return Err(invalid_resource(
                    "amend cannot set or change the cancellation reason",
                ));
            }
            text_lengths(st, &o)?;
            if let Some(element) = first_difference(&sent, &current.base) {
                if !st.fault(Fault::ApptAmendForbiddenField) {
                    return Err(invalid_resource(format!(
                        "amend may only change description and comment; Appointment.{element} differs from the booked appointment"
                    )));
                }
            }
            updated.description = str_at(&body, "description").unwrap_or_default().to_string();
            updated.comment = str_at(&body, "comment").map(String::from);
        }
        Change::Cancel => {
            if current.cancelled {
                return Err(invalid_resource(format!(
                    "Appointment/{id} is already cancelled"
                )));
            }
            if str_at(&body, "status") != Some("cancelled") {
                return Err(invalid_resource(
                    "a cancellation must set Appointment.status to cancelled",
                ));
            }
            let reason = cancellation_reason(&o).filter(|r| !r.trim().is_empty());
            if reason.is_none() && !st.fault(Fault::ApptCancelWithoutReason) {
                return Err(invalid_parameter(
                    "a cancellation needs a non-empty cancellation reason (Extension-GPConnect-AppointmentCancellationReason-1)",
                ));
            }
            let same_text = str_at(&body, "description") == Some(current.description.as_str())
                && str_at(&body, "comment") == current.comment.as_deref();
            let difference = first_difference(&sent, &current.base)
                .or_else(|| (!same_text).then(|| "description or comment".to_string()));
            if let Some(element) = difference {
                if !st.fault(Fault::ApptCancelForbiddenField) {
                    return Err(invalid_resource(format!(
                        "cancel may only change status and the cancellation reason; Appointment.{element} differs from the booked appointment"
                    )));
                }
            }
            updated.cancelled = true;
            updated.cancellation_reason = Some(reason.unwrap_or_default());
            if !st.fault(Fault::ApptCancelKeepsSlotBusy) {
                for slot_id in &current.slot_ids {
                    if let Some(s) = store.book.slot_mut(slot_id) {
                        s.busy = false;
                        s.version += 1;
                    }
                }
            }
        }
    }
    if !st.fault(Fault::ApptEtagNotAdvanced) {
        updated.version += 1;
    }
    let reply = appointment_reply(st, req, &updated, 200);
    store.appointments[index] = updated;
    Ok(reply)
}

fn retrieve_date<'r>(st: &ProviderState, raw: &'r str) -> Result<(&'r str, NaiveDate), ApiError> {
    let (prefix, value) = split_prefix(raw.trim());
    let date = full_date(value).or_else(|| {
        // The fault reads `yyyy-mm-ddThh:mm:ss...` as its date.
        st.fault(Fault::ApptRetrieveTimeAccepted)
            .then(|| value.split_once('T'))
            .flatten()
            .and_then(|(d, _)| full_date(d))
    });
    let Some(date) = date else {
        return Err(invalid_parameter(format!(
            "`start={raw}` must be a date yyyy-mm-dd without a time, prefixed ge or le"
        )));
    };
    Ok((prefix, date))
}

pub(super) fn retrieve(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let patient_id = req.id.as_deref().unwrap_or_default();
    let store = st.lock();
    if !store
        .patients
        .iter()
        .any(|p| p.id == patient_id && visible(st, p))
    {
        if st.fault(Fault::ApptRetrieveUnknownPatient) {
            return Ok(searchset(st, Vec::new()));
        }
        return Err(api_error(
            "PATIENT_NOT_FOUND",
            format!("Patient/{patient_id} was not found"),
        ));
    }
    let starts = req.param_all("start");
    let [a, b] = starts.as_slice() else {
        return Err(invalid_parameter(format!(
            "exactly two start parameters (start=ge[date]&start=le[date]) are required, {} were sent",
            starts.len()
        )));
    };
    let (a, b) = (retrieve_date(st, a)?, retrieve_date(st, b)?);
    let (from, to) = match (a, b) {
        (("ge", from), ("le", to)) | (("le", to), ("ge", from)) => (from, to),
        _ => {
            return Err(invalid_parameter(
                "the start parameters must be one `ge` and one `le` date",
            ))
        }
    };
    let today = uktime::local_date(st.clock.now());
    if from < today && !st.fault(Fault::ApptRetrievePastRange) {
        return Err(invalid_parameter(format!(
            "start=ge{from} is in the past: only appointments from today ({today}) onwards can be retrieved"
        )));
    }
    if to < from {
        return Err(invalid_parameter(format!(
            "start=le{to} is before start=ge{from}"
        )));
    }
    let mut found: Vec<&ApptRecord> = store
        .appointments
        .iter()
        .filter(|a| {
            let day = uktime::local_date(a.start);
            a.patient_id == patient_id
                && day >= from
                && day <= to
                && !(a.cancelled && st.fault(Fault::ApptRetrieveOmitsCancelled))
        })
        .collect();
    found.sort_by(|x, y| x.start.cmp(&y.start).then_with(|| x.id.cmp(&y.id)));
    let resources = found.iter().map(|a| appointment_resource(st, a)).collect();
    Ok(searchset(st, resources))
}

// ---------------------------------------------------------------------------------------------------------------
// Seed

/// One appointment in the past (`Appointment/1`, patient2, yesterday 09:00 in schedule 1) so that the
/// "only future appointments" rules of read, amend and cancel can be exercised.
pub(crate) fn seed(book: &mut SlotBook, now: DateTime<Utc>) -> Vec<ApptRecord> {
    let yesterday = uktime::local_date(now).pred_opt();
    let Some(slot) = book
        .slots
        .iter()
        .find(|s| {
            s.schedule_id == "1" && s.bookable && Some(uktime::local_date(s.start)) == yesterday
        })
        .cloned()
    else {
        return Vec::new();
    };
    let Some(schedule) = book.schedule(slot.schedule_id).cloned() else {
        return Vec::new();
    };
    if let Some(s) = book.slot_mut(&slot.id) {
        s.busy = true;
        s.version += 1;
    }
    let org = data::organizations();
    let ods = org.first().map_or("", |o| o.ods);
    let base = json!({
        "contained": [{
            "resourceType": "Organization",
            "id": "1",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": ods }],
            "name": "GP Connect Demonstrator Practice",
            "telecom": [{ "system": "phone", "value": "03003035678" }]
        }],
        "extension": [{ "url": profile::EXT_BOOKING_ORGANISATION, "valueReference": { "reference": "#1" } }],
        "slot": [{ "reference": format!("Slot/{}", slot.id) }],
        "created": uktime::format(slot.start - Duration::days(7)),
        "participant": [
            { "actor": { "reference": "Patient/2" }, "status": "accepted" },
            { "actor": { "reference": format!("Location/{}", schedule.location_id) }, "status": "accepted" },
            { "actor": { "reference": format!("Practitioner/{}", schedule.practitioner_id) }, "status": "accepted" }
        ]
    });
    let base = body_map(base);
    vec![ApptRecord {
        id: "1".into(),
        version: 1,
        patient_id: "2".into(),
        start: slot.start,
        end: slot.end,
        slot_ids: vec![slot.id.clone()],
        cancelled: false,
        cancellation_reason: None,
        description: "Review of blood pressure".into(),
        comment: None,
        base: with_local_times(base, slot.start, slot.end),
        service_type: slot.service_type.to_string(),
        service_category: schedule.category.to_string(),
        channel: slot.channel.to_string(),
        role_code: schedule.role_code.to_string(),
        role_display: schedule.role_display.to_string(),
    }]
}

fn body_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
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
}
