//! UK local time (Europe/London) without a time-zone database: British Summer Time runs from 01:00 UTC on the
//! last Sunday of March to 01:00 UTC on the last Sunday of October (offset `+01:00`), GMT (`+00:00`) otherwise.
//! GP Connect Appointment Management sends and expects times as `yyyy-mm-ddThh:mm:ss+hh:mm` in UK local time.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc, Weekday,
};

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = first_next.pred_opt()?;
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt()?;
    }
    Some(day)
}

/// Whether British Summer Time is in force at `utc`.
pub fn is_bst(utc: DateTime<Utc>) -> bool {
    let year = utc.year();
    let switch = |month| {
        last_sunday(year, month)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .map(|n| n.and_utc())
    };
    match (switch(3), switch(10)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    }
}

/// The UK offset in force at `utc`.
pub fn offset_at(utc: DateTime<Utc>) -> FixedOffset {
    let secs = if is_bst(utc) { 3600 } else { 0 };
    FixedOffset::east_opt(secs).unwrap_or_else(|| Utc.fix())
}

/// The instant of a UK wall-clock time. In the spring gap (01:00–02:00 local) the GMT reading is used; in the
/// autumn overlap the BST reading (the earlier instant).
pub fn local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let as_bst = (local - Duration::hours(1)).and_utc();
    if is_bst(as_bst) {
        as_bst
    } else {
        local.and_utc()
    }
}

/// UK local wall-clock time of an instant.
pub fn to_local(utc: DateTime<Utc>) -> NaiveDateTime {
    utc.with_timezone(&offset_at(utc)).naive_local()
}

/// Today's date in the UK.
pub fn local_date(utc: DateTime<Utc>) -> NaiveDate {
    to_local(utc).date()
}

/// Local midnight at the start of `date`, as an instant.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(date.and_time(chrono::NaiveTime::MIN))
}

/// `yyyy-mm-ddThh:mm:ss+hh:mm` in UK local time.
pub fn format(utc: DateTime<Utc>) -> String {
    utc.with_timezone(&offset_at(utc))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn switches_on_the_last_sundays() {
        assert_eq!(last_sunday(2024, 3), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(last_sunday(2024, 10), NaiveDate::from_ymd_opt(2024, 10, 27));
        assert_eq!(last_sunday(2025, 3), NaiveDate::from_ymd_opt(2025, 3, 30));
        assert!(!is_bst(utc("2024-03-31T00:59:59Z")));
        assert!(is_bst(utc("2024-03-31T01:00:00Z")));
        assert!(is_bst(utc("2024-10-27T00:59:59Z")));
        assert!(!is_bst(utc("2024-10-27T01:00:00Z")));
    }

    #[test]
    fn formats_with_the_uk_offset() {
        assert_eq!(
            format(utc("2024-07-01T08:30:00Z")),
            "2024-07-01T09:30:00+01:00"
        );
        assert_eq!(
            format(utc("2024-01-15T09:30:00Z")),
            "2024-01-15T09:30:00+00:00"
        );
        let summer = NaiveDate::from_ymd_opt(2024, 7, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        assert_eq!(local_to_utc(summer), utc("2024-07-01T08:00:00Z"));
        let winter = NaiveDate::from_ymd_opt(2024, 12, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        assert_eq!(local_to_utc(winter), utc("2024-12-01T09:00:00Z"));
        assert_eq!(
            local_date(utc("2024-06-30T23:30:00Z")),
            NaiveDate::from_ymd_opt(2024, 7, 1).unwrap_or_default()
        );
    }
}
