//! A span of time for cooldowns ("leave out what was uploaded in the last 7 days"), written
//! as uv writes them: a friendly duration (`7 days`, `1 week`, `24 hours`, `1w 2d`, `36h`) or
//! an ISO 8601 one (`P7D`, `PT24H`, `P1W`). A day is 24 hours; months and years are refused,
//! having no fixed length.

use std::fmt;
use std::str::FromStr;

use crate::Timestamp;

/// A span of whole seconds, at most about 100 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: i64,
}

/// Why a span did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a duration ({why}): write it as `7 days`, `24 hours`, `1 week` or ISO 8601 `P7D`, `PT24H`"
)]
pub struct SpanError {
    text: String,
    why: &'static str,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
/// No cooldown is longer than a lifetime; bounded so no sum can overflow.
const MAX_SECONDS: i64 = 100 * 366 * DAY;

impl Span {
    /// A span of `seconds`.
    pub fn from_seconds(seconds: i64) -> Self {
        Self {
            seconds: seconds.clamp(0, MAX_SECONDS),
        }
    }

    /// Its length in seconds.
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// For people: its two largest units, `3 days 4 hours`, `1 hour`, `45 seconds`.
    pub fn human(self) -> String {
        let units = [
            (DAY, "day"),
            (HOUR, "hour"),
            (MINUTE, "minute"),
            (1, "second"),
        ];
        let mut rest = self.seconds;
        let mut parts = Vec::new();
        for (each, name) in units {
            let count = rest / each;
            rest %= each;
            if count > 0 || !parts.is_empty() {
                if count > 0 {
                    parts.push(format!(
                        "{count} {name}{}",
                        if count == 1 { "" } else { "s" }
                    ));
                }
                if parts.len() == 2 || !parts.is_empty() && count == 0 {
                    break;
                }
            }
        }
        if parts.is_empty() {
            "0 seconds".to_string()
        } else {
            parts.join(" ")
        }
    }

    /// The instant this span before `instant`.
    pub fn before(self, instant: Timestamp) -> Timestamp {
        Timestamp::from_unix_seconds(instant.unix_seconds() - self.seconds)
    }
}

impl FromStr for Span {
    type Err = SpanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |why| SpanError {
            text: text.to_string(),
            why,
        };
        let trimmed = text.trim();
        let seconds = if trimmed.starts_with(['P', 'p']) {
            iso(&trimmed[1..]).map_err(fail)?
        } else {
            friendly(trimmed).map_err(fail)?
        };
        if seconds == 0 {
            return Err(fail("it is empty"));
        }
        Ok(Self { seconds })
    }
}

/// The seconds of one unit's name, or why it is not one.
fn unit(name: &str) -> Result<i64, &'static str> {
    match name.to_ascii_lowercase().as_str() {
        "w" | "wk" | "wks" | "week" | "weeks" => Ok(WEEK),
        "d" | "day" | "days" => Ok(DAY),
        "h" | "hr" | "hrs" | "hour" | "hours" => Ok(HOUR),
        "m" | "min" | "mins" | "minute" | "minutes" => Ok(MINUTE),
        "s" | "sec" | "secs" | "second" | "seconds" => Ok(1),
        "mo" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years" => {
            Err("months and years have no fixed length")
        }
        _ => Err("an unknown unit"),
    }
}

/// `1 week 2 days`, `36h`, `24 hours`, `1w, 2d`.
fn friendly(text: &str) -> Result<i64, &'static str> {
    let mut seconds: i64 = 0;
    let mut rest = text;
    let mut parts = 0;
    while !rest.trim_start_matches([' ', ',']).is_empty() {
        rest = rest.trim_start_matches([' ', ',']);
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err("a number must come before each unit");
        }
        let amount: i64 = rest[..digits]
            .parse()
            .map_err(|_| "a number is too large")?;
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        if letters == 0 {
            return Err("a number has no unit");
        }
        seconds = add(seconds, amount, unit(&rest[..letters])?)?;
        rest = &rest[letters..];
        parts += 1;
        if parts > 8 {
            return Err("it has too many parts");
        }
    }
    Ok(seconds)
}

/// What follows `P`: `7D`, `1W`, `T24H`, `1DT12H30M`.
fn iso(text: &str) -> Result<i64, &'static str> {
    let (date, time) = match text.find(['T', 't']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut seconds = 0;
    for (part, in_time) in [(date, false), (time.unwrap_or(""), true)] {
        let mut rest = part;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return Err("a number must come before each designator");
            }
            let amount: i64 = rest[..digits]
                .parse()
                .map_err(|_| "a number is too large")?;
            let designator = rest[digits..]
                .chars()
                .next()
                .ok_or("a number has no designator")?
                .to_ascii_uppercase();
            let each = match (designator, in_time) {
                ('W', false) => WEEK,
                ('D', false) => DAY,
                ('H', true) => HOUR,
                ('M', true) => MINUTE,
                ('S', true) => 1,
                ('Y' | 'M', false) => return Err("months and years have no fixed length"),
                _ => return Err("an unknown designator"),
            };
            seconds = add(seconds, amount, each)?;
            rest = &rest[digits + 1..];
        }
    }
    if time == Some("") {
        return Err("nothing follows T");
    }
    Ok(seconds)
}

fn add(seconds: i64, amount: i64, each: i64) -> Result<i64, &'static str> {
    amount
        .checked_mul(each)
        .and_then(|part| part.checked_add(seconds))
        .filter(|total| *total <= MAX_SECONDS)
        .ok_or("it is longer than a hundred years")
}

/// ISO 8601, in days and a time part: `P7D`, `PT24H` is `P1D`, `P1DT12H`, `PT90M` is
/// `PT1H30M`. It reads back as the same span, and needs no quoting in a command line.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, rest) = (self.seconds / DAY, self.seconds % DAY);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 || days == 0 {
            f.write_str("T")?;
            let (hours, minutes, seconds) = (rest / HOUR, rest % HOUR / MINUTE, rest % MINUTE);
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if seconds > 0 || rest == 0 {
                write!(f, "{seconds}S")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> i64 {
        text.parse::<Span>()
            .unwrap_or_else(|error| panic!("{error}"))
            .seconds()
    }

    #[test]
    fn friendly_and_iso_durations_as_uv_takes_them() {
        for (text, expected) in [
            ("7 days", 7 * DAY),
            ("1 week", WEEK),
            ("24 hours", DAY),
            ("30 days", 30 * DAY),
            ("1w 2d", 9 * DAY),
            ("36h", 36 * HOUR),
            ("1 day, 12 hours", DAY + 12 * HOUR),
            ("90 minutes", 90 * MINUTE),
            ("P7D", 7 * DAY),
            ("PT24H", DAY),
            ("P30D", 30 * DAY),
            ("p1w", WEEK),
            ("P1DT12H30M", DAY + 12 * HOUR + 30 * MINUTE),
        ] {
            assert_eq!(seconds(text), expected, "{text}");
        }
    }

    #[test]
    fn what_is_not_a_fixed_span_is_refused_with_the_reason() {
        for (text, why) in [
            ("1 month", "months and years"),
            ("P1Y", "months and years"),
            ("P1M", "months and years"),
            ("7", "no unit"),
            ("days", "number must come"),
            ("7 fortnights", "unknown unit"),
            ("PT", "nothing follows T"),
            ("P", "empty"),
            ("0 days", "empty"),
            ("999999999 weeks", "hundred years"),
            ("2024-06-01", "unit"),
        ] {
            let error = text.parse::<Span>().expect_err(text).to_string();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn written_as_iso_it_reads_back_the_same() {
        for text in ["7 days", "24 hours", "90m", "1d 1s", "1 week", "45 seconds"] {
            let span: Span = text.parse().expect("a span");
            let written = span.to_string();
            assert!(!written.contains(' '), "{written}");
            assert_eq!(written.parse::<Span>().expect("reads back"), span, "{text}");
        }
        assert_eq!("7 days".parse::<Span>().expect("a span").to_string(), "P7D");
        assert_eq!(
            "36h".parse::<Span>().expect("a span").to_string(),
            "P1DT12H"
        );
        for (text, human) in [
            ("P3DT4H5M", "3 days 4 hours"),
            ("PT1H", "1 hour"),
            ("P1DT5M", "1 day"),
            ("45s", "45 seconds"),
            ("2h 30m", "2 hours 30 minutes"),
        ] {
            assert_eq!(
                text.parse::<Span>().expect("a span").human(),
                human,
                "{text}"
            );
        }
        let now = Timestamp::from_unix_seconds(10 * DAY);
        assert_eq!(
            "P7D".parse::<Span>().expect("a span").before(now),
            Timestamp::from_unix_seconds(3 * DAY)
        );
    }
}
