//! NHS number: the 10-digit identifier shared by England, Wales and the Isle of Man.
//!
//! Owns the one parser of NHS numbers (DOMAIN.md §6): digits with or without spaces or hyphens,
//! the mandatory Modulus 11 check, and refusal of placeholder numbers such as `0000000000`.
//! An [`NhsNumber`] that exists is valid; it is stored and sent as its 10 digits and shown
//! as "999 000 0018". Ranges outside England and Wales are not refused here: that is a
//! warning for the caller to give, never an error.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A valid NHS number (10 ASCII digits, check digit verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = "9990000018")
)]
pub struct NhsNumber(String);

/// Why a string is not an NHS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NhsNumberError {
    Empty,
    InvalidCharacters,
    WrongLength,
    CheckDigit,
    Placeholder,
}

impl NhsNumberError {
    /// The message to show beside the field.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Enter an NHS number",
            Self::InvalidCharacters => {
                "Enter an NHS number in the correct format, like 999 000 0018"
            }
            Self::WrongLength => "NHS number must be 10 digits, like 999 000 0018",
            Self::CheckDigit => {
                "Enter a valid NHS number: check each digit has been copied correctly"
            }
            Self::Placeholder => "Enter a real NHS number, not a placeholder like 000 000 0000",
        }
    }
}

impl fmt::Display for NhsNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for NhsNumberError {}

/// The Modulus 11 check digit for the first nine digits (each 0 to 9), or `None` when the
/// result is 10: such numbers are never issued. Public for test-data generators.
pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
    if first_nine.iter().any(|d| *d > 9) {
        return None;
    }
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, weight)| u32::from(*d) * weight)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => u8::try_from(check).ok(),
    }
}

impl NhsNumber {
    /// Parses an NHS number typed or imported by a person: surrounding and inner spaces and
    /// hyphens are ignored ("999 000 0018", "999-000-0018", "9990000018").
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = String::with_capacity(10);
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '-' => {}
                c if c.is_whitespace() => {}
                _ => return Err(NhsNumberError::InvalidCharacters),
            }
        }
        if digits.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let bytes: [u8; 10] = digits
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| NhsNumberError::WrongLength)?;
        if bytes.iter().all(|d| *d == bytes[0]) {
            return Err(NhsNumberError::Placeholder);
        }
        let mut first_nine = [0u8; 9];
        first_nine.copy_from_slice(&bytes[..9]);
        match check_digit(&first_nine) {
            Some(check) if check == bytes[9] => Ok(Self(digits)),
            _ => Err(NhsNumberError::CheckDigit),
        }
    }

    /// The 10 digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "999 000 0018": the 3-3-4 spacing the NHS uses on screen and on paper.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }

    /// Numbers starting 999 are used for test data only (fixtures, seeds, demos).
    pub fn is_test_range(&self) -> bool {
        self.0.starts_with("999")
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for NhsNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for NhsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NhsNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fact_sheet_numbers_that_pass_the_check() {
        for n in ["4841741151", "4827492050", "9990000018"] {
            assert_eq!(
                NhsNumber::parse(n).map(|n| n.as_str().to_owned()),
                Ok(n.to_owned())
            );
        }
    }

    #[test]
    fn fact_sheet_numbers_that_fail_the_check() {
        for n in ["1235647321", "3950277586", "2349502741"] {
            assert_eq!(NhsNumber::parse(n), Err(NhsNumberError::CheckDigit), "{n}");
        }
    }

    #[test]
    fn accepts_spaces_and_hyphens_and_stores_digits() {
        for n in [
            "482 749 2050",
            " 482 749 2050 ",
            "482-749-2050",
            "482\u{a0}749\u{a0}2050",
        ] {
            let parsed = NhsNumber::parse(n).expect(n);
            assert_eq!(parsed.as_str(), "4827492050");
            assert_eq!(parsed.formatted(), "482 749 2050");
            assert_eq!(parsed.to_string(), "482 749 2050");
        }
    }

    #[test]
    fn check_digit_of_ten_is_never_issued() {
        // 6 at weight 2 gives a sum of 12 = 1 (mod 11), so the check digit would be 11 - 1 = 10.
        let nine = [0, 0, 0, 0, 0, 0, 0, 0, 6];
        assert_eq!(check_digit(&nine), None);
        for last in 0..=9 {
            assert_eq!(
                NhsNumber::parse(&format!("00000000 6{last}")),
                Err(NhsNumberError::CheckDigit)
            );
        }
    }

    #[test]
    fn check_digit_of_eleven_becomes_zero() {
        // 1 at weight 3 and 4 at weight 2 sum to 11 = 0 (mod 11): 11 - 0 = 11, written 0.
        let nine = [0, 0, 0, 0, 0, 0, 0, 1, 4];
        assert_eq!(check_digit(&nine), Some(0));
        assert!(NhsNumber::parse("0000000140").is_ok());
    }

    #[test]
    fn check_digit_refuses_non_digits() {
        assert_eq!(check_digit(&[10, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn refuses_numbers_of_one_repeated_digit() {
        for d in 0..=9 {
            let n = d.to_string().repeat(10);
            assert_eq!(
                NhsNumber::parse(&n),
                Err(NhsNumberError::Placeholder),
                "{n}"
            );
        }
    }

    #[test]
    fn refuses_wrong_length() {
        for n in ["999000001", "99900000180", "1"] {
            assert_eq!(NhsNumber::parse(n), Err(NhsNumberError::WrongLength), "{n}");
        }
    }

    #[test]
    fn refuses_letters_and_empty() {
        assert_eq!(
            NhsNumber::parse("999 000 001A"),
            Err(NhsNumberError::InvalidCharacters)
        );
        assert_eq!(
            NhsNumber::parse("９９９0000018"),
            Err(NhsNumberError::InvalidCharacters)
        );
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::Empty));
        assert_eq!(NhsNumber::parse("  - "), Err(NhsNumberError::Empty));
        assert_eq!(
            NhsNumberError::InvalidCharacters.message(),
            NhsNumberError::InvalidCharacters.to_string()
        );
    }

    #[test]
    fn test_range() {
        assert!(NhsNumber::parse("999 000 0018").is_ok_and(|n| n.is_test_range()));
        assert!(NhsNumber::parse("4841741151").is_ok_and(|n| !n.is_test_range()));
    }

    #[test]
    fn serde_is_the_digit_string_and_deserialises_through_parse() {
        let n = NhsNumber::parse("999 000 0018").expect("valid");
        assert_eq!(
            serde_json::to_string(&n).ok().as_deref(),
            Some("\"9990000018\"")
        );
        let back: NhsNumber = serde_json::from_str("\"999 000 0018\"").expect("valid");
        assert_eq!(back, n);
        let err = serde_json::from_str::<NhsNumber>("\"1235647321\"")
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("check each digit"));
    }

    fn valid_number() -> impl Strategy<Value = NhsNumber> {
        proptest::array::uniform9(0u8..=9).prop_filter_map(
            "check digit 10 or placeholder",
            |nine| {
                let check = check_digit(&nine)?;
                let digits: String = nine
                    .iter()
                    .chain([check].iter())
                    .map(|d| char::from(b'0' + d))
                    .collect();
                NhsNumber::parse(&digits).ok()
            },
        )
    }

    proptest! {
        #[test]
        fn every_valid_number_round_trips_through_formatted(n in valid_number()) {
            prop_assert_eq!(NhsNumber::parse(&n.formatted()), Ok(n.clone()));
            prop_assert_eq!(NhsNumber::parse(n.as_str()), Ok(n.clone()));
            let json = serde_json::to_string(&n).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(serde_json::from_str::<NhsNumber>(&json).ok(), Some(n));
        }

        #[test]
        fn changing_one_digit_breaks_the_check(n in valid_number(), pos in 0usize..10, delta in 1u8..=9) {
            let mut bytes = n.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(NhsNumber::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = NhsNumber::parse(&s);
        }
    }
}
