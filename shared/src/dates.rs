//! Dates as people type them: the one place that turns text into a [`NaiveDate`].
//!
//! Two entry points, both strict about what a real date is (no 31/02/2020, no 00/00/0000, no
//! two-digit years, whose century would be a guess):
//! - [`parse_flexible`] for CSV cells and free text: dd/mm/yyyy, d/m/yyyy or ISO yyyy-mm-dd;
//! - [`DateInput`] for the GOV.UK day / month / year fields, with the GOV.UK Design System's
//!   error messages.
//!
//! Dates are shown as dd/mm/yyyy ([`format_uk`]) and sent over the wire as ISO 8601.
//! Nothing here knows today's date: rules such as "must be in the past" take `today`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The earliest year accepted anywhere: a guard against typos like 0198, not a business rule.
pub const MIN_YEAR: i32 = 1000;

/// Why a piece of text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    Empty,
    /// Not dd/mm/yyyy or yyyy-mm-dd.
    Format,
    /// The year has 2 digits (or some number other than 4).
    YearDigits,
    /// The shape is right but there is no such day, e.g. 31/02/2020.
    NotReal,
}

impl DateError {
    /// A message that names no field (CSV import reports prefix the column name).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Enter a date",
            Self::Format => "Enter a date in the format dd/mm/yyyy, like 13/02/1980",
            Self::YearDigits => "Year must include 4 numbers",
            Self::NotReal => "Enter a real date",
        }
    }

    /// The message for a named date, e.g. `message_for("date of birth")` gives
    /// "Date of birth must be a real date".
    pub fn message_for(&self, label: &str) -> String {
        match self {
            Self::Empty => format!("Enter {label}"),
            Self::Format => format!(
                "{} must be in the format dd/mm/yyyy, like 13/02/1980",
                capitalise(label)
            ),
            Self::YearDigits => self.message().to_owned(),
            Self::NotReal => format!("{} must be a real date", capitalise(label)),
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for DateError {}

/// Parses dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd, ignoring surrounding whitespace.
pub fn parse_flexible(input: &str) -> Result<NaiveDate, DateError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    let (day, month, year) = match (split3(s, '/'), split3(s, '-')) {
        (Some([d, m, y]), _) => (d, m, y),
        (None, Some([y, m, d])) if y.len() == 4 => (d, m, y),
        _ => return Err(DateError::Format),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !(digits(day) && digits(month) && digits(year)) || day.len() > 2 || month.len() > 2 {
        return Err(DateError::Format);
    }
    if year.len() != 4 {
        return Err(DateError::YearDigits);
    }
    match (day.parse(), month.parse(), year.parse()) {
        (Ok(d), Ok(m), Ok(y)) => real_date(y, m, d).ok_or(DateError::NotReal),
        _ => Err(DateError::Format),
    }
}

fn split3(s: &str, sep: char) -> Option<[&str; 3]> {
    let mut parts = s.split(sep);
    let three = [parts.next()?, parts.next()?, parts.next()?];
    parts.next().is_none().then_some(three)
}

fn real_date(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    let year = i32::try_from(year).ok().filter(|y| *y >= MIN_YEAR)?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// dd/mm/yyyy, the form people in the partnership read and type.
pub fn format_uk(date: NaiveDate) -> String {
    UkDate(date).to_string()
}

/// [`format_uk`] as a `Display`, for writers that must not allocate per date: a report
/// export writes five dates a row for 100,000 rows, and chrono's `format` re-parses its
/// pattern on every call.
#[derive(Debug, Clone, Copy)]
pub struct UkDate(pub NaiveDate);

impl fmt::Display for UkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if (0..=9999).contains(&d.year()) {
            write!(f, "{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
        } else {
            // chrono's own spelling of years outside four digits (a sign, more digits).
            write!(f, "{}", d.format("%d/%m/%Y"))
        }
    }
}

/// "13 February 1980", the GOV.UK style for dates in sentences and summary lists.
pub fn format_long(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The three boxes of a GOV.UK date input, exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DateInput {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateInput {
    /// The boxes pre-filled from a stored date (day and month without leading zeros).
    pub fn from_date(date: Option<NaiveDate>) -> Self {
        date.map_or_else(Self::default, |d| Self {
            day: d.day().to_string(),
            month: d.month().to_string(),
            year: d.year().to_string(),
        })
    }

    /// True when all three boxes are blank.
    pub fn is_empty(&self) -> bool {
        [&self.day, &self.month, &self.year]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    /// The date, `Ok(None)` when all three boxes are blank (the caller says "Enter {label}"
    /// when the date is required), or the GOV.UK message. `label` is lower case, as it reads
    /// mid-sentence ("date of birth"); messages capitalise it. Months may also be typed as
    /// names ("Feb", "february").
    pub fn parse(&self, label: &str) -> Result<Option<NaiveDate>, String> {
        let (day, month, year) = (self.day.trim(), self.month.trim(), self.year.trim());
        let missing: Vec<&str> = [(day, "day"), (month, "month"), (year, "year")]
            .into_iter()
            .filter(|(value, _)| value.is_empty())
            .map(|(_, name)| name)
            .collect();
        match missing.as_slice() {
            [] => {}
            [one] => return Err(format!("{} must include a {one}", capitalise(label))),
            [a, b] => return Err(format!("{} must include a {a} and {b}", capitalise(label))),
            _ => return Ok(None),
        }
        let not_real = || format!("{} must be a real date", capitalise(label));
        if !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_real());
        }
        if year.len() != 4 {
            return Err(DateError::YearDigits.message().to_owned());
        }
        let small = |s: &str| {
            (s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        match (
            small(day),
            small(month).or_else(|| month_from_name(month)),
            year.parse::<u32>().ok(),
        ) {
            (Some(d), Some(m), Some(y)) => real_date(y, m, d).map(Some).ok_or_else(not_real),
            _ => Err(not_real()),
        }
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// "Feb", "february", "Sept": a full month name or an abbreviation of 3 letters or more.
fn month_from_name(s: &str) -> Option<u32> {
    let s = s.to_lowercase();
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&s))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// "date of birth" -> "Date of birth".
pub(crate) fn capitalise(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn parses_uk_and_iso_forms() {
        let expected = date(1980, 2, 13);
        for s in [
            "13/02/1980",
            "13/2/1980",
            " 13/02/1980 ",
            "1980-02-13",
            "1980-2-13",
            "\t1980-02-13\n",
        ] {
            assert_eq!(parse_flexible(s), Ok(expected), "{s}");
        }
        assert_eq!(parse_flexible("1/1/2000"), Ok(date(2000, 1, 1)));
        assert_eq!(parse_flexible("29/02/2024"), Ok(date(2024, 2, 29)));
    }

    #[test]
    fn refuses_dates_that_do_not_exist() {
        for s in [
            "00/00/0000",
            "31/02/2020",
            "29/02/2023",
            "32/01/2020",
            "01/13/2020",
            "2020-02-30",
            "01/01/0999",
        ] {
            assert_eq!(parse_flexible(s), Err(DateError::NotReal), "{s}");
        }
    }

    #[test]
    fn refuses_two_digit_years_and_other_shapes() {
        assert_eq!(parse_flexible("13/02/80"), Err(DateError::YearDigits));
        assert_eq!(parse_flexible("13/02/19800"), Err(DateError::YearDigits));
        for s in [
            "13.02.1980",
            "13-02-1980",
            "1980/02/13x",
            "13/02",
            "13/02/1980/1",
            "131/02/1980",
            "a/b/c",
            "+1/02/1980",
        ] {
            assert_eq!(parse_flexible(s), Err(DateError::Format), "{s}");
        }
        assert_eq!(parse_flexible("  "), Err(DateError::Empty));
    }

    #[test]
    fn formats_uk_and_long() {
        assert_eq!(format_uk(date(2025, 3, 1)), "01/03/2025");
        for d in [date(999, 1, 2), date(10_000, 12, 31), date(-1, 6, 7)] {
            assert_eq!(format_uk(d), d.format("%d/%m/%Y").to_string());
        }
        assert_eq!(format_long(date(2025, 3, 1)), "1 March 2025");
    }

    #[test]
    fn error_messages_for_a_label() {
        assert_eq!(
            DateError::NotReal.message_for("date of birth"),
            "Date of birth must be a real date"
        );
        assert_eq!(
            DateError::Empty.message_for("date of birth"),
            "Enter date of birth"
        );
        assert_eq!(
            DateError::Format.to_string(),
            "Enter a date in the format dd/mm/yyyy, like 13/02/1980"
        );
    }

    fn input(d: &str, m: &str, y: &str) -> DateInput {
        DateInput {
            day: d.into(),
            month: m.into(),
            year: y.into(),
        }
    }

    #[test]
    fn date_input_blank_is_none() {
        assert_eq!(input("", " ", "").parse("date of birth"), Ok(None));
        assert!(input("", " ", "").is_empty());
    }

    #[test]
    fn date_input_names_what_is_missing() {
        let label = "date of birth";
        assert_eq!(
            input("13", "", "1980").parse(label),
            Err("Date of birth must include a month".into())
        );
        assert_eq!(
            input("", "2", "1980").parse(label),
            Err("Date of birth must include a day".into())
        );
        assert_eq!(
            input("13", "2", "").parse(label),
            Err("Date of birth must include a year".into())
        );
        assert_eq!(
            input("", "", "1980").parse(label),
            Err("Date of birth must include a day and month".into())
        );
        assert_eq!(
            input("13", "", "").parse(label),
            Err("Date of birth must include a month and year".into())
        );
        assert_eq!(
            input("", "2", "").parse(label),
            Err("Date of birth must include a day and year".into())
        );
    }

    #[test]
    fn date_input_refuses_unreal_dates_and_short_years() {
        let label = "date detained";
        for (d, m, y) in [
            ("31", "2", "2020"),
            ("0", "0", "0000"),
            ("x", "2", "2020"),
            ("1", "13", "2020"),
            ("1", "1", "20a0"),
            ("123", "1", "2020"),
        ] {
            assert_eq!(
                input(d, m, y).parse(label),
                Err("Date detained must be a real date".into()),
                "{d}/{m}/{y}"
            );
        }
        assert_eq!(
            input("1", "1", "80").parse(label),
            Err("Year must include 4 numbers".into())
        );
        assert_eq!(
            input("1", "1", "19800").parse(label),
            Err("Year must include 4 numbers".into())
        );
    }

    #[test]
    fn date_input_accepts_padding_and_month_names() {
        assert_eq!(
            input(" 06 ", "01", "2025").parse("x"),
            Ok(Some(date(2025, 1, 6)))
        );
        assert_eq!(
            input("6", "Jan", "2025").parse("x"),
            Ok(Some(date(2025, 1, 6)))
        );
        assert_eq!(
            input("6", "september", "2025").parse("x"),
            Ok(Some(date(2025, 9, 6)))
        );
        assert_eq!(
            input("6", "Sept", "2025").parse("x"),
            Ok(Some(date(2025, 9, 6)))
        );
        assert!(input("6", "ju", "2025").parse("x").is_err());
    }

    #[test]
    fn date_input_from_date() {
        assert_eq!(
            DateInput::from_date(Some(date(2025, 1, 6))),
            input("6", "1", "2025")
        );
        assert_eq!(DateInput::from_date(None), DateInput::default());
    }

    proptest! {
        #[test]
        fn uk_format_round_trips(days in 0i64..200_000) {
            let d = date(1900, 1, 1) + chrono::Duration::days(days);
            prop_assert_eq!(parse_flexible(&format_uk(d)), Ok(d));
            prop_assert_eq!(format_uk(d), d.format("%d/%m/%Y").to_string());
            prop_assert_eq!(parse_flexible(&d.to_string()), Ok(d));
            prop_assert_eq!(DateInput::from_date(Some(d)).parse("x"), Ok(Some(d)));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,16}", d in "\\PC{0,4}", m in "\\PC{0,4}", y in "\\PC{0,6}") {
            let _ = parse_flexible(&s);
            let _ = input(&d, &m, &y).parse("x");
        }
    }
}
