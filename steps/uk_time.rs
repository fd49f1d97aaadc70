//! UK local time as the harness computes it: from the IANA time-zone database (Europe/London, through
//! `chrono-tz`), never from the reference provider's hand-written rules (`provider::uktime`). The judge and the
//! judged must not share a date bug: if the provider's summer-time rule were wrong, these dates would disagree
//! with its answers and a scenario would fail.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Europe::London;

use crate::clock::Clock;

/// The UK date at `instant`.
pub fn date_at(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&London).date_naive()
}

/// Today's date in the UK by the run's clock.
pub fn today(clock: &Clock) -> NaiveDate {
    date_at(clock.now())
}

/// The instant of a UK wall-clock time. A time inside the spring-forward gap does not exist: the instant one
/// hour later on the wall clock is used. In the autumn overlap the earlier (summer-time) instant is used.
pub fn instant_of(local: NaiveDateTime) -> DateTime<Utc> {
    match London.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => London
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// UK midnight at the start of `date`.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    instant_of(date.and_time(chrono::NaiveTime::MIN))
}

/// `yyyy-mm-ddThh:mm:ss+hh:mm` in UK local time, as GP Connect writes times.
pub fn format(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&London)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The UK offset in force at `instant`, in seconds east of UTC.
pub fn offset_seconds(instant: DateTime<Utc>) -> i32 {
    London
        .offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        Clock::parse_instant(s).expect("test instant")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_last_sundays_at_one_utc() {
        assert_eq!(offset_seconds(utc("2026-03-29T00:59:59Z")), 0);
        assert_eq!(offset_seconds(utc("2026-03-29T01:00:00Z")), 3600);
        assert_eq!(offset_seconds(utc("2026-10-25T00:59:59Z")), 3600);
        assert_eq!(offset_seconds(utc("2026-10-25T01:00:00Z")), 0);
    }

    #[test]
    fn dates_midnights_and_formats_follow_the_uk_day() {
        assert_eq!(date_at(utc("2026-06-30T23:30:00Z")), date(2026, 7, 1));
        assert_eq!(date_at(utc("2026-12-31T23:30:00Z")), date(2026, 12, 31));
        assert_eq!(start_of_day(date(2026, 7, 1)), utc("2026-06-30T23:00:00Z"));
        assert_eq!(start_of_day(date(2028, 2, 29)), utc("2028-02-29T00:00:00Z"));
        assert_eq!(
            format(utc("2026-07-01T08:30:00Z")),
            "2026-07-01T09:30:00+01:00"
        );
        assert_eq!(
            format(utc("2026-01-15T09:30:00Z")),
            "2026-01-15T09:30:00+00:00"
        );
        // 01:30 on the spring-forward Sunday does not exist; the autumn one happens twice.
        let gap = date(2026, 3, 29).and_hms_opt(1, 30, 0).expect("time");
        assert_eq!(instant_of(gap), utc("2026-03-29T01:30:00Z"));
        let overlap = date(2026, 10, 25).and_hms_opt(1, 30, 0).expect("time");
        assert_eq!(instant_of(overlap), utc("2026-10-25T00:30:00Z"));
    }
}
