//! The run's one clock, shared by the embedded reference provider and the harness.
//!
//! By default it is the system clock. `--now 2026-03-29T00:30:00Z` (or `GPC_NOW`) starts it at another instant: it
//! then runs forward in real time from there, so durations (JWT lifetimes, timeouts, "ten minutes from now")
//! behave as they would at that instant. Nothing in the harness or the embedded provider reads the system clock
//! for a date or time of day; everything asks a [`Clock`].

use chrono::{DateTime, TimeDelta, Utc};

/// Environment variable that starts the clock at an instant, like `--now`.
pub const NOW_ENV: &str = "GPC_NOW";

/// A `--now` / `GPC_NOW` value that is not an instant.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` is not an instant: give an RFC 3339 date-time with its offset, such as 2026-03-29T00:30:00Z or 2026-10-25T01:30:00+01:00")]
pub struct ClockError {
    pub value: String,
}

/// Real time, or real time shifted so that it read a chosen instant when the clock was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    shift: TimeDelta,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `instant` now and runs forward in real time.
    pub fn starting_at(instant: DateTime<Utc>) -> Self {
        Self {
            shift: instant - Utc::now(),
        }
    }

    /// Parses an RFC 3339 instant (`2026-03-29T00:30:00Z`, `2026-03-29T01:30:00+01:00`).
    pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, ClockError> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| ClockError {
                value: text.to_string(),
            })
    }

    /// The clock a command asks for: `--now` if given, else `GPC_NOW` if set and not empty, else the system clock.
    pub fn from_option_or_env(now: Option<&str>) -> Result<Self, ClockError> {
        let from_env = std::env::var(NOW_ENV).ok().filter(|v| !v.trim().is_empty());
        match now.map(String::from).or(from_env) {
            Some(text) => Ok(Self::starting_at(Self::parse_instant(&text)?)),
            None => Ok(Self::system()),
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.shift
    }

    /// The current instant in whole Unix seconds (JWT `iat`/`exp`).
    pub fn unix_seconds(&self) -> i64 {
        self.now().timestamp()
    }

    /// Whether the clock was started at a chosen instant rather than following the system clock.
    pub fn is_shifted(&self) -> bool {
        self.shift != TimeDelta::zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_reads_its_instant_and_runs_on() {
        let t = Clock::parse_instant("2026-03-29T00:30:00Z").expect("instant");
        let c = Clock::starting_at(t);
        let read = c.now();
        assert!(read >= t && read - t < TimeDelta::seconds(5), "{read}");
        assert!(c.is_shifted());
        assert!(!Clock::system().is_shifted());
    }

    #[test]
    fn offsets_are_honoured_and_bad_values_say_what_to_give() {
        let t = Clock::parse_instant("2026-10-25T01:30:00+01:00").expect("instant");
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        let e = Clock::parse_instant("2026-10-25 01:30").expect_err("no offset");
        assert!(e.to_string().contains("RFC 3339"), "{e}");
        assert!(Clock::parse_instant("tomorrow").is_err());
    }
}
