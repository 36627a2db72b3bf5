//! Upload times (PEP 700) and cutoffs: RFC 3339 instants compared as UTC seconds.
//!
//! Hand-written rather than pulling a date crate: the only operations needed are parsing
//! `YYYY-MM-DD[THH:MM:SS[.frac]](Z|±HH:MM)`, comparing, and printing back in UTC.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An instant, UTC, with microsecond precision (what `PyPI` publishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    micros: i64,
}

/// Why a timestamp did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 timestamp or a date (YYYY-MM-DD)")]
pub struct TimestampError(String);

impl Timestamp {
    /// The instant `seconds` after the Unix epoch.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        Self {
            micros: seconds * 1_000_000,
        }
    }

    /// The instant `micros` microseconds after the Unix epoch.
    pub(crate) fn from_unix_micros(micros: i64) -> Self {
        Self { micros }
    }

    /// Microseconds since the Unix epoch.
    pub(crate) fn unix_micros(self) -> i64 {
        self.micros
    }

    /// Seconds since the Unix epoch (rounded down).
    pub fn unix_seconds(self) -> i64 {
        self.micros.div_euclid(1_000_000)
    }

    /// Now, from the system clock.
    pub fn now() -> Self {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            micros: i64::try_from(since.as_micros()).unwrap_or(i64::MAX),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text.trim()).ok_or_else(|| TimestampError(text.to_string()))
    }
}

fn parse(text: &str) -> Option<Timestamp> {
    let number = |part: &str| -> Option<i64> {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(split) => (&text[..split], Some(&text[split + 1..])),
        None => (text, None),
    };
    let mut fields = date.splitn(3, '-');
    let (year, month, day) = (
        number(fields.next()?)?,
        number(fields.next()?)?,
        number(fields.next()?)?,
    );
    // RFC 3339 years have four digits; bounded so, no step below can overflow (a page's
    // `2022024-01-02` overflowed the microseconds, found by fuzzing).
    if !(0..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
    {
        return None;
    }
    let mut micros = days_from_civil(year, month, day) * 86_400 * 1_000_000;
    let Some(time) = time else {
        // A bare date means its start, in UTC (uv reads `--exclude-newer 2024-01-01` this way).
        return Some(Timestamp { micros });
    };
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let split = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let (hours, minutes) = (number(hours)?, number(minutes)?);
        if hours > 23 || minutes > 59 {
            return None;
        }
        (clock, sign * (hours * 3600 + minutes * 60))
    };
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = whole.splitn(3, ':');
    let (hour, minute, second) = (
        number(parts.next()?)?,
        number(parts.next()?)?,
        number(parts.next()?)?,
    );
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let fraction_micros = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(6).collect();
        number(&digits)? * 10_i64.pow(6 - u32::try_from(digits.len()).ok()?)
    };
    micros += ((hour * 3600 + minute * 60 + second) - offset_seconds) * 1_000_000 + fraction_micros;
    Some(Timestamp { micros })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Prints RFC 3339 in UTC with a `Z`, microseconds only when present.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.micros.div_euclid(1_000_000);
        let micros = self.micros.rem_euclid(1_000_000);
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let of_day = seconds.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        )?;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        f.write_str("Z")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    #[test]
    fn parses_pypi_upload_times() {
        let time = ts("2023-05-22T15:12:42.123456Z");
        assert_eq!(time.to_string(), "2023-05-22T15:12:42.123456Z");
        assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(ts("2000-03-01T00:00:00Z").unix_seconds(), 951_868_800);
    }

    #[test]
    fn applies_offsets_and_bare_dates() {
        assert_eq!(ts("2024-01-01T01:00:00+01:00"), ts("2024-01-01T00:00:00Z"));
        assert_eq!(ts("2023-12-31T19:00:00-05:00"), ts("2024-01-01"));
        assert!(ts("2024-01-01T00:00:00.5Z") > ts("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "2024-13-01",
            "2023-02-29",
            "yesterday",
            "2024-01-01T25:00:00Z",
            // Out of range for RFC 3339, and once an overflow.
            "2022024-01-02T03:04:05.000000Z",
            "10000-01-01",
            "2024-01-01T00:00:00+99999999999999:00",
            "2024-01-01T00:00:00+24:00",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_through_days() {
        for days in [-1000, 0, 59, 60, 10_957, 20_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
