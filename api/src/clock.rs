//! The time source. Production reads the system clock; tests inject a [`ManualClock`] they
//! move forward, so expiry and timeouts are tested without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date where the users are (the register is for England and Wales): dates of
    /// birth, ages and "not in the future" are judged on the UK calendar day.
    fn today(&self) -> NaiveDate {
        uk_date(self.now())
    }
}

/// The calendar date in the UK at `t` (GMT in winter, BST = UTC+1 from the last Sunday of
/// March 01:00 UTC to the last Sunday of October 01:00 UTC).
pub fn uk_date(t: DateTime<Utc>) -> NaiveDate {
    use chrono::{Datelike, TimeZone, Weekday};
    let year = t.year();
    let last_sunday = |month: u32| {
        let mut d =
            NaiveDate::from_ymd_opt(year, month, 31).expect("March and October have 31 days");
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().expect("date in range");
        }
        Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).expect("valid time"))
    };
    let bst = t >= last_sunday(3) && t < last_sunday(10);
    (t + if bst {
        Duration::hours(1)
    } else {
        Duration::zero()
    })
    .date_naive()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn uk_date_follows_british_summer_time() {
        // 23:30 UTC on 1 July is 00:30 BST on 2 July.
        let t = Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap();
        assert_eq!(uk_date(t), NaiveDate::from_ymd_opt(2026, 7, 2).unwrap());
        // 23:30 UTC on 1 December is 23:30 GMT, still 1 December.
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        assert_eq!(uk_date(t), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }
}
