//! Age and age bands, always derived from the date of birth at a date the caller gives
//! (never stored: an age stored is an age wrong by next year).
//!
//! The bands are those of the dashboard and the report filters: under 16, 16 to 17, 18 to 64,
//! 65 and over. They never overlap (the old register's "18 - 65" and "65+" both held 65).
//! [`dob_bounds`] turns a band into a date-of-birth range so SQL can filter with an index,
//! and agrees with [`age_on`] on every day. Someone born on 29 February gains a year on
//! 1 March in years without one.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Completed years of age on `today`; 0 for a date of birth after `today`.
pub fn age_on(dob: NaiveDate, today: NaiveDate) -> u32 {
    let years = today.year() - dob.year();
    let had_birthday = (today.month(), today.day()) >= (dob.month(), dob.day());
    u32::try_from(if had_birthday { years } else { years - 1 }).unwrap_or(0)
}

/// An age band of the dashboard and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AgeBand {
    #[serde(rename = "u16")]
    Under16,
    #[serde(rename = "16-17")]
    Age16To17,
    #[serde(rename = "18-64")]
    Age18To64,
    #[serde(rename = "65+")]
    Age65Plus,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        Self::Under16,
        Self::Age16To17,
        Self::Age18To64,
        Self::Age65Plus,
    ];

    pub fn from_age(age: u32) -> Self {
        match age {
            0..=15 => Self::Under16,
            16..=17 => Self::Age16To17,
            18..=64 => Self::Age18To64,
            _ => Self::Age65Plus,
        }
    }

    /// The band of a person born on `dob`, on `today`.
    pub fn on(dob: NaiveDate, today: NaiveDate) -> Self {
        Self::from_age(age_on(dob, today))
    }

    /// The value in URLs, filters and JSON: `u16`, `16-17`, `18-64`, `65+`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Under16 => "u16",
            Self::Age16To17 => "16-17",
            Self::Age18To64 => "18-64",
            Self::Age65Plus => "65+",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Under16 => "Under 16",
            Self::Age16To17 => "16 to 17",
            Self::Age18To64 => "18 to 64",
            Self::Age65Plus => "65 and over",
        }
    }

    /// The youngest and (for all but the last band) oldest ages in the band.
    pub fn ages(self) -> (u32, Option<u32>) {
        match self {
            Self::Under16 => (0, Some(15)),
            Self::Age16To17 => (16, Some(17)),
            Self::Age18To64 => (18, Some(64)),
            Self::Age65Plus => (65, None),
        }
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A string that is not an age band's slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAgeBand(pub String);

impl fmt::Display for UnknownAgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown age band: {} (expected u16, 16-17, 18-64 or 65+)",
            self.0
        )
    }
}

impl std::error::Error for UnknownAgeBand {}

impl FromStr for AgeBand {
    type Err = UnknownAgeBand;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|b| b.slug() == s)
            .ok_or_else(|| UnknownAgeBand(s.to_owned()))
    }
}

/// The latest date of birth of someone aged at least `years` on `today` (their birthday is
/// on or before `today`). From 29 February, going back to a year without one lands on
/// 28 February, which matches [`age_on`].
fn latest_dob_for_age(today: NaiveDate, years: u32) -> Option<NaiveDate> {
    today.checked_sub_months(Months::new(years.checked_mul(12)?))
}

/// The dates of birth of people in `band` on `today`, as (earliest, latest), both inclusive;
/// `None` means unbounded (no earliest for 65 and over; no latest for under 16, which so also
/// holds dates of birth after `today`, as [`age_on`] does). For SQL:
/// `date_of_birth >= earliest AND date_of_birth <= latest`.
pub fn dob_bounds(band: AgeBand, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let (youngest, oldest) = band.ages();
    let earliest = oldest
        .and_then(|oldest| latest_dob_for_age(today, oldest + 1))
        .and_then(|d| d.succ_opt());
    let latest = (youngest > 0)
        .then(|| latest_dob_for_age(today, youngest))
        .flatten();
    (earliest, latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn age_changes_on_the_birthday() {
        let dob = date(2009, 6, 15);
        assert_eq!(age_on(dob, date(2025, 6, 14)), 15);
        assert_eq!(age_on(dob, date(2025, 6, 15)), 16);
        assert_eq!(age_on(dob, date(2027, 6, 14)), 17);
        assert_eq!(age_on(dob, date(2027, 6, 15)), 18);
        assert_eq!(age_on(date(1960, 6, 15), date(2025, 6, 14)), 64);
        assert_eq!(age_on(date(1960, 6, 15), date(2025, 6, 15)), 65);
        assert_eq!(age_on(dob, dob), 0);
        assert_eq!(age_on(dob, date(2000, 1, 1)), 0, "born after today");
    }

    #[test]
    fn leap_day_birthdays_fall_on_1_march_in_common_years() {
        let dob = date(2008, 2, 29);
        assert_eq!(age_on(dob, date(2025, 2, 28)), 16);
        assert_eq!(age_on(dob, date(2024, 2, 28)), 15);
        assert_eq!(age_on(dob, date(2024, 2, 29)), 16);
        assert_eq!(age_on(dob, date(2026, 2, 28)), 17);
        assert_eq!(age_on(dob, date(2026, 3, 1)), 18);
    }

    #[test]
    fn bands_at_the_edges() {
        let today = date(2025, 6, 15);
        let born = |years_ago: i32, m, d| date(2025 - years_ago, m, d);
        assert_eq!(
            AgeBand::on(born(16, 6, 16), today),
            AgeBand::Under16,
            "day before 16th birthday"
        );
        assert_eq!(
            AgeBand::on(born(16, 6, 15), today),
            AgeBand::Age16To17,
            "16th birthday"
        );
        assert_eq!(
            AgeBand::on(born(18, 6, 16), today),
            AgeBand::Age16To17,
            "day before 18th birthday"
        );
        assert_eq!(
            AgeBand::on(born(18, 6, 15), today),
            AgeBand::Age18To64,
            "18th birthday"
        );
        assert_eq!(
            AgeBand::on(born(65, 6, 16), today),
            AgeBand::Age18To64,
            "day before 65th birthday"
        );
        assert_eq!(
            AgeBand::on(born(65, 6, 15), today),
            AgeBand::Age65Plus,
            "65th birthday"
        );
    }

    #[test]
    fn dob_bounds_at_the_edges() {
        let today = date(2025, 6, 15);
        assert_eq!(
            dob_bounds(AgeBand::Under16, today),
            (Some(date(2009, 6, 16)), None)
        );
        assert_eq!(
            dob_bounds(AgeBand::Age16To17, today),
            (Some(date(2007, 6, 16)), Some(date(2009, 6, 15)))
        );
        assert_eq!(
            dob_bounds(AgeBand::Age18To64, today),
            (Some(date(1960, 6, 16)), Some(date(2007, 6, 15)))
        );
        assert_eq!(
            dob_bounds(AgeBand::Age65Plus, today),
            (None, Some(date(1960, 6, 15)))
        );
        // On a leap day, someone born on 29 February 2008 turns 16; on 28 February 2025, someone
        // born on 1 March 2009 is still 15.
        let leap = date(2024, 2, 29);
        assert_eq!(
            dob_bounds(AgeBand::Age16To17, leap).1,
            Some(date(2008, 2, 29))
        );
        assert_eq!(
            dob_bounds(AgeBand::Under16, date(2025, 2, 28)).0,
            Some(date(2009, 3, 1))
        );
    }

    #[test]
    fn slugs_labels_and_serde() {
        for band in AgeBand::ALL {
            assert_eq!(band.slug().parse::<AgeBand>(), Ok(band));
            assert_eq!(
                serde_json::to_string(&band).ok(),
                Some(format!("\"{}\"", band.slug()))
            );
        }
        let labels: Vec<&str> = AgeBand::ALL.iter().map(|b| b.label()).collect();
        assert_eq!(labels, ["Under 16", "16 to 17", "18 to 64", "65 and over"]);
        assert!("18-65".parse::<AgeBand>().is_err());
        assert_eq!(AgeBand::from_age(0), AgeBand::Under16);
        assert_eq!(AgeBand::from_age(120), AgeBand::Age65Plus);
    }

    fn in_bounds(band: AgeBand, dob: NaiveDate, today: NaiveDate) -> bool {
        let (earliest, latest) = dob_bounds(band, today);
        earliest.is_none_or(|e| dob >= e) && latest.is_none_or(|l| dob <= l)
    }

    fn assert_agrees(dob: NaiveDate, today: NaiveDate) {
        let band = AgeBand::on(dob, today);
        for b in AgeBand::ALL {
            assert_eq!(
                in_bounds(b, dob, today),
                b == band,
                "dob {dob} today {today} band {b:?}"
            );
        }
    }

    /// Every day of 2023 to 2028 (two leap years) as today, with dates of birth a few days
    /// either side of each band boundary, including people born on 29 February.
    #[test]
    fn dob_bounds_agree_with_age_on_every_day_for_six_years() {
        let mut today = date(2023, 1, 1);
        while today <= date(2028, 12, 31) {
            for years in [16, 18, 65] {
                let birthday = today
                    .checked_sub_months(Months::new(years * 12))
                    .expect("in range");
                for offset in -3..=3 {
                    assert_agrees(birthday + chrono::Duration::days(offset), today);
                }
            }
            for leap_dob in [date(2008, 2, 29), date(2004, 2, 29), date(1960, 2, 29)] {
                assert_agrees(leap_dob, today);
            }
            today = today.succ_opt().expect("in range");
        }
    }

    proptest! {
        #[test]
        fn dob_bounds_agree_with_age_on(today_days in 0i64..73_000, age_days in -400i64..40_000) {
            let today = date(1950, 1, 1) + chrono::Duration::days(today_days);
            let dob = today - chrono::Duration::days(age_days);
            let band = AgeBand::on(dob, today);
            for b in AgeBand::ALL {
                prop_assert_eq!(in_bounds(b, dob, today), b == band);
            }
        }

        #[test]
        fn age_is_monotonic(dob_days in 0i64..40_000, step in 0i64..2_000) {
            let dob = date(1920, 1, 1) + chrono::Duration::days(dob_days);
            let today = dob + chrono::Duration::days(step);
            prop_assert!(age_on(dob, today) <= age_on(dob, today + chrono::Duration::days(1)));
        }
    }
}
