//! Free slots: finding them with a search for free slots, holding them for one scenario, and the Given-steps
//! that shape a scenario's own search.

use super::*;

// ---------------------------------------------------------------- free slots

/// A free slot as a search for free slots described it.
#[derive(Debug, Clone)]
pub(super) struct FreeSlot {
    pub(super) id: String,
    pub(super) start: String,
    pub(super) end: String,
    pub(super) start_at: DateTime<Utc>,
    pub(super) end_at: DateTime<Utc>,
    pub(super) schedule: String,
    pub(super) location: Option<String>,
    pub(super) practitioner: Option<String>,
    pub(super) channel: Option<String>,
    pub(super) service_type: Option<String>,
}

impl FreeSlot {
    fn joins(&self, next: &FreeSlot) -> bool {
        self.end_at == next.start_at
            && self.schedule == next.schedule
            && self.channel == next.channel
            && self.service_type == next.service_type
    }
}

/// `Type/id` references the Schedule lists as actors.
pub(super) fn schedule_actor(schedule: &Value, kind: &str) -> Option<String> {
    schedule
        .get("actor")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(reference)
        .find(|r| r.starts_with(&format!("{kind}/")))
        .map(String::from)
}

pub(super) fn free_slots_of(bundle: &Value) -> Vec<FreeSlot> {
    let schedules: HashMap<String, &Value> = entries_of(bundle, "Schedule")
        .into_iter()
        .filter_map(|(_, s)| str_of(s, "id").map(|id| (format!("Schedule/{id}"), s)))
        .collect();
    let mut slots: Vec<FreeSlot> = entries_of(bundle, "Slot")
        .into_iter()
        .filter(|(_, s)| str_of(s, "status") == Some("free"))
        .filter_map(|(_, s)| {
            let start = str_of(s, "start")?.to_string();
            let end = str_of(s, "end")?.to_string();
            let schedule = json_path::get(s, "schedule")
                .and_then(reference)?
                .to_string();
            let found = schedules.get(&schedule);
            Some(FreeSlot {
                id: str_of(s, "id")?.to_string(),
                start_at: instant(&start)?,
                end_at: instant(&end)?,
                start,
                end,
                location: found.and_then(|x| schedule_actor(x, "Location")),
                practitioner: found.and_then(|x| schedule_actor(x, "Practitioner")),
                schedule,
                channel: extension(s, profile::EXT_DELIVERY_CHANNEL)
                    .and_then(|e| str_of(e, "valueCode"))
                    .map(String::from),
                service_type: str_of(s, "serviceType[0].text").map(String::from),
            })
        })
        .filter(|s| s.channel.as_deref() != Some(VISIT))
        .collect();
    slots.sort_by(|a, b| a.start_at.cmp(&b.start_at).then_with(|| a.id.cmp(&b.id)));
    slots
}

/// The default parameters of a search for free slots between `start` and `end` (dates or dateTimes as sent).
pub(super) fn slot_params(start: &str, end: &str) -> Vec<(String, String)> {
    vec![
        ("start".into(), format!("ge{start}")),
        ("end".into(), format!("le{end}")),
        ("status".into(), "free".into()),
        ("_include".into(), "Slot:schedule".into()),
    ]
}

/// The default parameters of a search for free slots from the UK date `first` to `days` days later.
pub(super) fn slot_days_params(first: NaiveDate, days: i64) -> Vec<(String, String)> {
    let text = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    slot_params(&text(first), &text(first + Duration::days(days)))
}

/// The default parameters of a search for free slots from `from` days to `to` days from today.
pub(crate) fn slot_search_params(w: &GpcWorld, from: i64, to: i64) -> Vec<(String, String)> {
    let today = uk_time::today(&w.ctx.clock);
    slot_days_params(today + Duration::days(from), to - from)
}

/// Who a scratch search for free slots searches as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seeker {
    /// The consumer organisation of the JWT, with its ODS code and organisation type as searchFilters: the
    /// slots a booking fixture may take.
    Booking,
    /// No searchFilter: only slots restricted to nobody, which every search of a scenario can see.
    Anyone,
}

/// The periods (days from today) a scratch search tries in turn: a short one first, which nearly always holds
/// what a fixture needs and keeps the answer (and the evidence) small, then the longest a search may ask for.
const SCRATCH_WINDOWS: [i64; 2] = [2, SEARCH_DAYS];

/// The first of `slots` no other scenario of the run holds, claimed for this one.
pub(super) fn claim_first<'s>(
    ctx: &Arc<RunContext>,
    slots: impl IntoIterator<Item = &'s FreeSlot>,
) -> Option<(SlotClaim, FreeSlot)> {
    slots
        .into_iter()
        .find_map(|s| SlotClaim::take(ctx, &s.id).map(|c| (c, s.clone())))
}

/// Searches (on a scratch request) the free slots from `from` to `to` days from today, as `seeker`. The
/// Schedules come with the slots (`_include=Slot:schedule`); their actors give each slot's practitioner and
/// location, so no other include is asked for.
pub(super) async fn search_free_slots_in(
    w: &mut GpcWorld,
    from: i64,
    to: i64,
    seeker: Seeker,
) -> Result<Vec<FreeSlot>, String> {
    let saved = w.snapshot();
    let result = async {
        w.configure(Interaction::SearchForFreeSlots)?;
        w.params = slot_search_params(w, from, to);
        let ods = w.ctx.config.jwt.organization.ods_code.clone();
        if seeker == Seeker::Booking {
            w.params.extend([
                (
                    "searchFilter".to_string(),
                    format!("{}|{ods}", system::ODS_ORGANIZATION),
                ),
                (
                    "searchFilter".to_string(),
                    format!("{}|{BOOKING_ORG_TYPE}", system::ORGANISATION_TYPE),
                ),
            ]);
        }
        w.send().await?;
        let status = w.response()?.status;
        if status != 200 {
            return Err(format!(
                "searching for free slots to book: expected HTTP 200, got {status}{}",
                diagnostics(w)
            ));
        }
        Ok(free_slots_of(w.resource()?))
    }
    .await;
    w.restore(saved);
    result
}

/// Searches the scratch windows in turn, as `seeker`, until `take` claims what it needs from the free slots
/// that start more than the booking margin from now. The error says how many slots the widest search offered.
async fn search_and_claim<T>(
    w: &mut GpcWorld,
    seeker: Seeker,
    mut take: impl FnMut(&Arc<RunContext>, &[&FreeSlot]) -> Option<T>,
) -> Result<T, (usize, usize)> {
    let mut seen = (0, 0);
    for days in SCRATCH_WINDOWS {
        let Ok(offered) = search_free_slots_in(w, 0, days, seeker).await else {
            continue;
        };
        let soonest = w.ctx.clock.now() + Duration::minutes(BOOKING_MARGIN_MINUTES);
        let usable: Vec<&FreeSlot> = offered.iter().filter(|s| s.start_at > soonest).collect();
        seen = (offered.len(), usable.len());
        let ctx = w.ctx.clone();
        if let Some(t) = take(&ctx, &usable) {
            return Ok(t);
        }
    }
    Err(seen)
}

pub(super) fn diagnostics(w: &GpcWorld) -> String {
    w.parsed
        .as_ref()
        .and_then(|p| p.as_ref().ok())
        .and_then(|v| str_of(v, "issue[0].diagnostics"))
        .map(|d| format!(" (diagnostics: {d})"))
        .unwrap_or_default()
}

/// How the slots of one booking relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    One,
    Adjacent,
    NotAdjacent,
}

/// Claims what `pick` asks for among `usable` (in start order), or nothing.
fn claim_pick(
    ctx: &Arc<RunContext>,
    usable: &[&FreeSlot],
    pick: Pick,
) -> Option<Vec<(SlotClaim, FreeSlot)>> {
    match pick {
        Pick::One => claim_first(ctx, usable.iter().copied()).map(|taken| vec![taken]),
        Pick::Adjacent | Pick::NotAdjacent => {
            for (i, a) in usable.iter().enumerate() {
                for b in usable.iter().skip(i + 1) {
                    let fits = if pick == Pick::Adjacent {
                        a.joins(b)
                    } else {
                        a.end_at < b.start_at
                    };
                    if !fits {
                        continue;
                    }
                    let Some(ca) = SlotClaim::take(ctx, &a.id) else {
                        break;
                    };
                    if let Some(cb) = SlotClaim::take(ctx, &b.id) {
                        return Some(vec![(ca, (*a).clone()), (cb, (*b).clone())]);
                    }
                }
            }
            None
        }
    }
}

/// Searches for free slots and claims what `pick` asks for; the claims stay with the scenario.
pub(super) async fn take_slots(w: &mut GpcWorld, pick: Pick) -> Result<Vec<FreeSlot>, String> {
    // Slots open to every consumer first: a booking that a scenario breaks on purpose (a booking organisation
    // without its ODS code, say) must then fail for that reason alone, not because the slot is restricted to
    // the organisation the scenario just removed. Slots restricted to the consumer's organisation or type are
    // the fallback, for providers that restrict all of theirs.
    let mut taken = search_and_claim(w, Seeker::Anyone, |ctx, usable| {
        claim_pick(ctx, usable, pick)
    })
    .await;
    if taken.is_err() {
        taken = search_and_claim(w, Seeker::Booking, |ctx, usable| {
            claim_pick(ctx, usable, pick)
        })
        .await;
    }
    let taken = taken.map_err(|(offered, usable)| {
            let what = match pick {
                Pick::One => "free slot",
                Pick::Adjacent => "two adjacent free slots of one schedule",
                Pick::NotAdjacent => "two free slots that are not adjacent",
            };
            format!(
                "no {what} left to book: the provider offered {offered} free slots from today to {SEARCH_DAYS} days ahead, {usable} of them starting more than {BOOKING_MARGIN_MINUTES} minutes from now, and other scenarios of this run hold the rest; the provider under test needs more free slots (README, \"Appointments test data\")"
            )
        })?;
    let (claims, slots): (Vec<SlotClaim>, Vec<FreeSlot>) = taken.into_iter().unzip();
    w.claims.extend(claims);
    Ok(slots)
}

#[given("I search for free slots from one minute after a free slot starts")]
async fn search_inside_slot(w: &mut GpcWorld) -> Step {
    // Only slots open to every consumer: the scenario's own search sends no searchFilter, so a slot restricted
    // to the consumer's organisation would be missing from its answer even from a provider that wrongly offers
    // overlapping slots, and the check could not fail.
    // The slot is claimed so that no other scenario of the run books it while this one searches: a booked
    // slot is not offered even by a provider that wrongly returns overlapping slots, and the check would
    // then pass whatever the provider does.
    let (claim, slot) = search_and_claim(w, Seeker::Anyone, |ctx, usable| {
        claim_first(
            ctx,
            usable
                .iter()
                .copied()
                .filter(|s| s.end_at - s.start_at > Duration::minutes(1)),
        )
    })
    .await
    .map_err(|_| "the provider offers no free slot in the next 14 days to search inside (or other scenarios of this run hold them all)")?;
    w.claims.push(claim);
    let from = slot.start_at + Duration::minutes(1);
    let to = from + Duration::days(1);
    w.params = slot_params(&uk_time::format(from), &uk_time::format(to));
    w.stored.insert("slot".into(), slot.id.clone());
    Ok(())
}

// ---------------------------------------------------------------- Given: search parameters

/// A period from today: whether it holds free slots depends on the hour and on what other scenarios booked, so
/// only scenarios that expect no particular slot (errors, accepted parameter forms) use it.
#[given(expr = "I search for free slots over the next {int} days")]
fn slot_period(w: &mut GpcWorld, days: i64) -> Step {
    let params = slot_search_params(w, 0, days);
    w.params.extend(params);
    Ok(())
}

/// A period of `days` days (0: a single day) that is sure to hold a free slot: the earliest free slot that every
/// consumer may see, that no other scenario of the run holds and that starts more than the booking margin from
/// now, is held for this scenario, and the period starts on its UK date. Holding it keeps other scenarios from
/// booking it, so the search finds it whatever the hour and whatever else the run booked.
#[given(expr = "I search for free slots over a period of {int} days that holds a free slot")]
async fn slot_period_holding(w: &mut GpcWorld, days: i64) -> Step {
    let (claim, slot) = search_and_claim(w, Seeker::Anyone, |ctx, usable| {
        claim_first(ctx, usable.iter().copied())
    })
    .await
    .map_err(|(offered, _)| {
        format!(
            "no free slot to search for: the provider offered {offered} free slots open to every consumer from today to {SEARCH_DAYS} days ahead, and other scenarios of this run hold those that start more than {BOOKING_MARGIN_MINUTES} minutes from now; the provider under test needs more free slots (README, \"Appointments test data\")"
        )
    })?;
    w.claims.push(claim);
    w.params
        .extend(slot_days_params(uk_time::date_at(slot.start_at), days));
    w.stored.insert("held_slot".into(), slot.id);
    Ok(())
}

#[given(expr = "I remove the query parameter(s) {string}")]
fn remove_params(w: &mut GpcWorld, names: String) -> Step {
    for name in names.split(',').map(str::trim) {
        let before = w.params.len();
        w.params.retain(|(k, _)| k != name);
        if w.params.len() == before {
            return Err(format!("the request has no `{name}` parameter to remove"));
        }
    }
    Ok(())
}

#[given(expr = "I replace the query parameter {string} with the value {string}")]
fn replace_param(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    let found = w.params.iter_mut().find(|(k, _)| *k == name);
    match found {
        Some((_, v)) => {
            *v = value;
            Ok(())
        }
        None => Err(format!("the request has no `{name}` parameter to replace")),
    }
}

#[given(expr = "I add a searchFilter for the organisation type {string}")]
fn filter_type(w: &mut GpcWorld, code: String) -> Step {
    w.params.push((
        "searchFilter".into(),
        format!("{}|{code}", system::ORGANISATION_TYPE),
    ));
    Ok(())
}

#[given(expr = "I add a searchFilter for the ODS code {string}")]
fn filter_ods(w: &mut GpcWorld, ods: String) -> Step {
    let ods = w.expand(&ods)?;
    w.params.push((
        "searchFilter".into(),
        format!("{}|{ods}", system::ODS_ORGANIZATION),
    ));
    Ok(())
}

#[given("I add a searchFilter for the consumer organisation's ODS code")]
fn filter_consumer(w: &mut GpcWorld) -> Step {
    let ods = w.ctx.config.jwt.organization.ods_code.clone();
    filter_ods(w, ods)
}
