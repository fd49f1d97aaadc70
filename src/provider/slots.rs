//! The reference provider's appointment book: schedules and slots, generated from the provider's clock.
//!
//! Layout (all times UK local, `+00:00` GMT / `+01:00` BST):
//!
//! | schedule | organisation / location | practitioner (role) | slots each day, 10 minutes each |
//! |---|---|---|---|
//! | 1 "General GP Appointments" | ORG1 / Location 1 (SIT1) | Practitioner 1 (R0260 GP) | 09:00–10:00 six In-person "General GP Appointment" (adjacent); 10:00 Telephone "Telephone Consultation"; 10:10 In-person not GP Connect bookable; 15:00–17:00 twelve In-person "General GP Appointment" |
//! | 2 "Nurse Clinic" | ORG1 / Location 1 | Practitioner 2 (R0620 Staff Nurse) | 14:00, 14:10 In-person and 14:20 Video "Nurse Appointment"; 14:30 restricted to organisation type `urgent-care`; 14:40 restricted to the consumer ODS code of the default JWT |
//! | 3 "General GP Appointments" | ORG2 / Location 8 (SIT2) | Practitioner 5 (R0260 GP) | 11:00–11:30 three In-person "General GP Appointment" |
//! | 4 "Assurance fixed slots" | ORG1 / Location 1 | Practitioner 1 (R0260 GP) | the pack's fixed 5-minute slots 2017-01-02 12:40, 2017-02-26 10:35, 2017-12-29 12:40 |
//!
//! Rolling days run from yesterday to today + 14; the book extends itself when the date changes. ORG3 has no slots.
//! Slot ids are numbers (fixed slots 1–3, then in generation order).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::uktime;

pub const CHANNEL_IN_PERSON: &str = "In-person";
pub const CHANNEL_TELEPHONE: &str = "Telephone";
pub const CHANNEL_VIDEO: &str = "Video";
pub const ORG_TYPE_URGENT_CARE: &str = "urgent-care";

/// Days ahead of today that the rolling book covers.
pub const HORIZON_DAYS: i64 = 14;

/// A schedule (diary) of one practitioner at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: &'static str,
    pub org_id: &'static str,
    pub location_id: &'static str,
    pub practitioner_id: &'static str,
    pub role_code: &'static str,
    pub role_display: &'static str,
    pub category: &'static str,
    pub horizon_start: DateTime<Utc>,
    pub horizon_end: DateTime<Utc>,
}

/// One slot of a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub id: String,
    pub version: u64,
    pub schedule_id: &'static str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub service_type: &'static str,
    pub channel: &'static str,
    /// Marked "GP Connect bookable" by the practice.
    pub bookable: bool,
    /// Organisation types the slot is restricted to (empty: no restriction).
    pub org_types: Vec<String>,
    /// ODS codes the slot is restricted to (empty: no restriction).
    pub ods_codes: Vec<String>,
    pub busy: bool,
}

impl Slot {
    /// The slot-availability matching table: a filter only admits restrictions it matches, and a restriction
    /// the consumer did not filter on excludes the slot.
    pub fn admits(&self, types: &[&str], codes: &[&str]) -> bool {
        let type_ok = if self.org_types.is_empty() {
            true
        } else {
            types.iter().any(|t| self.org_types.iter().any(|r| r == t))
        };
        let code_ok = if self.ods_codes.is_empty() {
            true
        } else {
            codes.iter().any(|c| self.ods_codes.iter().any(|r| r == c))
        };
        self.bookable && type_ok && code_ok
    }
}

/// One slot of the daily template.
#[derive(Debug, Clone, Copy)]
struct Template {
    schedule: &'static str,
    time: (u32, u32),
    minutes: i64,
    service_type: &'static str,
    channel: &'static str,
    bookable: bool,
    org_types: &'static [&'static str],
    restricted_to_consumer: bool,
}

const fn t(
    schedule: &'static str,
    time: (u32, u32),
    service_type: &'static str,
    channel: &'static str,
) -> Template {
    Template {
        schedule,
        time,
        minutes: 10,
        service_type,
        channel,
        bookable: true,
        org_types: &[],
        restricted_to_consumer: false,
    }
}

const GP: &str = "General GP Appointment";
const NURSE: &str = "Nurse Appointment";

const DAILY: &[Template] = &[
    t("1", (9, 0), GP, CHANNEL_IN_PERSON),
    t("1", (9, 10), GP, CHANNEL_IN_PERSON),
    t("1", (9, 20), GP, CHANNEL_IN_PERSON),
    t("1", (9, 30), GP, CHANNEL_IN_PERSON),
    t("1", (9, 40), GP, CHANNEL_IN_PERSON),
    t("1", (9, 50), GP, CHANNEL_IN_PERSON),
    t("1", (10, 0), "Telephone Consultation", CHANNEL_TELEPHONE),
    Template {
        bookable: false,
        ..t("1", (10, 10), GP, CHANNEL_IN_PERSON)
    },
    t("2", (14, 0), NURSE, CHANNEL_IN_PERSON),
    t("2", (14, 10), NURSE, CHANNEL_IN_PERSON),
    t("2", (14, 20), NURSE, CHANNEL_VIDEO),
    Template {
        org_types: &[ORG_TYPE_URGENT_CARE],
        ..t("2", (14, 30), "Urgent Care Slot", CHANNEL_IN_PERSON)
    },
    Template {
        restricted_to_consumer: true,
        ..t("2", (14, 40), NURSE, CHANNEL_IN_PERSON)
    },
    t("3", (11, 0), GP, CHANNEL_IN_PERSON),
    t("3", (11, 10), GP, CHANNEL_IN_PERSON),
    t("3", (11, 20), GP, CHANNEL_IN_PERSON),
    // Afternoon surgery: a full run books about 180 appointments, so the book keeps ample supply.
    t("1", (15, 0), GP, CHANNEL_IN_PERSON),
    t("1", (15, 10), GP, CHANNEL_IN_PERSON),
    t("1", (15, 20), GP, CHANNEL_IN_PERSON),
    t("1", (15, 30), GP, CHANNEL_IN_PERSON),
    t("1", (15, 40), GP, CHANNEL_IN_PERSON),
    t("1", (15, 50), GP, CHANNEL_IN_PERSON),
    t("1", (16, 0), GP, CHANNEL_IN_PERSON),
    t("1", (16, 10), GP, CHANNEL_IN_PERSON),
    t("1", (16, 20), GP, CHANNEL_IN_PERSON),
    t("1", (16, 30), GP, CHANNEL_IN_PERSON),
    t("1", (16, 40), GP, CHANNEL_IN_PERSON),
    t("1", (16, 50), GP, CHANNEL_IN_PERSON),
];

/// A date (year, month, day) and a local start time (hour, minute).
type FixedSlot = ((i32, u32, u32), (u32, u32));

/// The assurance pack's fixed ORG1 slots, five minutes each.
const FIXED: &[FixedSlot] = &[
    ((2017, 1, 2), (12, 40)),
    ((2017, 2, 26), (10, 35)),
    ((2017, 12, 29), (12, 40)),
];

fn at(date: NaiveDate, (h, m): (u32, u32)) -> DateTime<Utc> {
    uktime::local_to_utc(date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)))
}

/// The appointment book: schedules, slots and how far the rolling days reach.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotBook {
    pub schedules: Vec<Schedule>,
    pub slots: Vec<Slot>,
    first_day: NaiveDate,
    last_day: NaiveDate,
    next_id: u64,
    consumer_ods: String,
}

impl SlotBook {
    /// A book whose rolling days run from yesterday to today + 14 as seen at `now`. `consumer_ods` is the ODS
    /// code one slot a day is restricted to.
    pub fn new(now: DateTime<Utc>, consumer_ods: &str) -> Self {
        let today = uktime::local_date(now);
        let first_day = today.pred_opt().unwrap_or(today);
        let schedule = |id,
                        org_id,
                        location_id,
                        practitioner_id,
                        role: (&'static str, &'static str),
                        category| Schedule {
            id,
            org_id,
            location_id,
            practitioner_id,
            role_code: role.0,
            role_display: role.1,
            category,
            horizon_start: uktime::start_of_day(first_day),
            horizon_end: uktime::start_of_day(first_day),
        };
        let gp = ("R0260", "General Medical Practitioner");
        let mut schedules = vec![
            schedule("1", "1", "1", "1", gp, "General GP Appointments"),
            schedule("2", "1", "1", "2", ("R0620", "Staff Nurse"), "Nurse Clinic"),
            schedule("3", "2", "8", "5", gp, "General GP Appointments"),
            schedule("4", "1", "1", "1", gp, "Assurance fixed slots"),
        ];
        let year_start = |y| {
            NaiveDate::from_ymd_opt(y, 1, 1)
                .map(uktime::start_of_day)
                .unwrap_or_default()
        };
        if let Some(fixed) = schedules.iter_mut().find(|s| s.id == "4") {
            fixed.horizon_start = year_start(2017);
            fixed.horizon_end = year_start(2018);
        }
        let mut book = SlotBook {
            schedules,
            slots: Vec::new(),
            first_day,
            last_day: first_day.pred_opt().unwrap_or(first_day),
            next_id: 1,
            consumer_ods: consumer_ods.to_string(),
        };
        for ((y, m, d), time) in FIXED {
            if let Some(date) = NaiveDate::from_ymd_opt(*y, *m, *d) {
                let start = at(date, *time);
                book.push(
                    Template {
                        minutes: 5,
                        ..t("4", *time, GP, CHANNEL_IN_PERSON)
                    },
                    start,
                );
            }
        }
        book.extend_to(now);
        book
    }

    fn push(&mut self, tpl: Template, start: DateTime<Utc>) {
        let ods_codes = if tpl.restricted_to_consumer {
            vec![self.consumer_ods.clone()]
        } else {
            Vec::new()
        };
        self.slots.push(Slot {
            id: self.next_id.to_string(),
            version: 1,
            schedule_id: tpl.schedule,
            start,
            end: start + Duration::minutes(tpl.minutes),
            service_type: tpl.service_type,
            channel: tpl.channel,
            bookable: tpl.bookable,
            org_types: tpl.org_types.iter().map(|s| (*s).to_string()).collect(),
            ods_codes,
            busy: false,
        });
        self.next_id += 1;
    }

    /// Generates the days up to today + 14 that are not in the book yet.
    pub fn extend_to(&mut self, now: DateTime<Utc>) {
        let until = uktime::local_date(now) + Duration::days(HORIZON_DAYS);
        while self.last_day < until {
            let Some(day) = self.last_day.succ_opt() else {
                break;
            };
            for tpl in DAILY {
                let start = at(day, tpl.time);
                self.push(*tpl, start);
            }
            self.last_day = day;
        }
        let (start, end) = (
            uktime::start_of_day(self.first_day),
            uktime::start_of_day(self.last_day + Duration::days(1)),
        );
        for s in self.schedules.iter_mut().filter(|s| s.id != "4") {
            s.horizon_start = start;
            s.horizon_end = end;
        }
    }

    pub fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }

    pub fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    pub fn slot_mut(&mut self, id: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> SlotBook {
        let now = DateTime::parse_from_rfc3339("2024-10-20T12:00:00+01:00")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        SlotBook::new(now, "GPCA0001")
    }

    #[test]
    fn rolling_days_and_fixed_slots() {
        let b = book();
        assert_eq!(b.slots.iter().filter(|s| s.schedule_id == "4").count(), 3);
        assert_eq!(
            b.slot("1").map(|s| uktime::format(s.start)).as_deref(),
            Some("2017-01-02T12:40:00+00:00")
        );
        let today = NaiveDate::from_ymd_opt(2024, 10, 20).unwrap_or_default();
        let window = |org: &str| {
            b.slots
                .iter()
                .filter(|s| {
                    let d = uktime::local_date(s.start);
                    d >= today
                        && d <= today + Duration::days(HORIZON_DAYS)
                        && b.schedule(s.schedule_id).is_some_and(|x| x.org_id == org)
                        && s.admits(&[], &[])
                })
                .count()
        };
        assert!(window("1") >= 30, "ORG1 has {}", window("1"));
        assert!(window("2") >= 20, "ORG2 has {}", window("2"));
        assert_eq!(window("3"), 0);
        // 2024-10-27 is the last Sunday of October: BST before, GMT after.
        let nine = |d: u32| {
            b.slots
                .iter()
                .find(|s| {
                    s.schedule_id == "1"
                        && uktime::local_date(s.start)
                            == NaiveDate::from_ymd_opt(2024, 10, d).unwrap_or_default()
                })
                .map(|s| uktime::format(s.start))
        };
        assert_eq!(nine(26).as_deref(), Some("2024-10-26T09:00:00+01:00"));
        assert_eq!(nine(28).as_deref(), Some("2024-10-28T09:00:00+00:00"));
    }

    #[test]
    fn restrictions_follow_the_matching_table() {
        let b = book();
        let urgent = b
            .slots
            .iter()
            .find(|s| !s.org_types.is_empty())
            .cloned()
            .unwrap_or_else(|| b.slots[0].clone());
        let coded = b
            .slots
            .iter()
            .find(|s| !s.ods_codes.is_empty())
            .cloned()
            .unwrap_or_else(|| b.slots[0].clone());
        assert!(!urgent.admits(&[], &[]));
        assert!(urgent.admits(&["urgent-care"], &[]));
        assert!(!urgent.admits(&["gp-practice"], &["GPCA0001"]));
        assert!(!coded.admits(&["urgent-care"], &[]));
        assert!(coded.admits(&[], &["GPCA0001"]));
        assert!(coded.admits(&["urgent-care"], &["GPCA0001"]));
    }

    #[test]
    fn the_book_rolls_forward() {
        let mut b = book();
        let before = b.slots.len();
        let later = DateTime::parse_from_rfc3339("2024-10-22T08:00:00+01:00")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        b.extend_to(later);
        assert_eq!(b.slots.len(), before + 2 * DAILY.len());
    }
}
