//! Calendar dates without a time zone: "today" for waiver expiry and
//! certificate windows, and `YYYY-MM-DD` parsing. Days are counted from the
//! Unix epoch with the proleptic Gregorian calendar (Howard Hinnant's
//! `days_from_civil`). No other module reads the system clock.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Today (UTC).
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date::from_days(secs.div_euclid(86_400))
    }

    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u8 = it.next()?.parse().ok()?;
        let day: u8 = it.next()?.parse().ok()?;
        let d = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Date {
            year: (y + i64::from(m <= 2)) as i32,
            month: m,
            day: d,
        }
    }
}

/// The time in a report's header: when a scan started (UTC) and how long it
/// took. `SOURCE_DATE_EPOCH` pins the start and zeroes the duration, so a
/// rerun is byte-identical. Nothing but the header carries time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanHeader {
    /// Host name: the scanned host's, else this machine's.
    pub host: String,
    /// RFC 3339, UTC, whole seconds (`2026-11-30T09:30:00Z`).
    pub started: String,
    pub duration_ms: u64,
}

/// A running scan's clock.
pub struct ScanClock {
    started_secs: i64,
    pinned: bool,
    begun: std::time::Instant,
}

impl ScanClock {
    pub fn start() -> ScanClock {
        let pinned = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        ScanClock {
            started_secs: pinned.unwrap_or(now),
            pinned: pinned.is_some(),
            begun: std::time::Instant::now(),
        }
    }

    pub fn finish(&self, host: String) -> ScanHeader {
        ScanHeader {
            host,
            started: rfc3339(self.started_secs),
            duration_ms: if self.pinned {
                0
            } else {
                u64::try_from(self.begun.elapsed().as_millis()).unwrap_or(u64::MAX)
            },
        }
    }
}

/// Seconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    let date = Date::from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_031_000), "2026-11-30T09:30:00Z");
    }

    #[test]
    fn round_trips() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2026-11-22",
            "2031-12-15",
            "1969-12-31",
        ] {
            let d = Date::parse(s).unwrap();
            assert_eq!(Date::from_days(d.days()), d);
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(Date::parse("1970-01-02").unwrap().days(), 1);
        assert_eq!(Date::parse("2026-11-22").unwrap().days(), 20_779);
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("soon").is_none());
    }
}
