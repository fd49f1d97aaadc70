//! Search for free slots: the query parameters (`start`, `end`, `status`, the includes and the search filters),
//! which slots a search finds, and the Slot and Schedule resources and included actors of the searchset.

use chrono::Duration;

use super::*;
use crate::provider::data;
use crate::provider::foundations::{
    location_resource, organization_resource, practitioner_resource, searchset,
};
use crate::provider::slots::{Schedule, Slot};

/// Longest period a search for free slots may cover.
const MAX_SEARCH_DAYS: i64 = 14;

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

pub(crate) fn search_free_slots(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
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
