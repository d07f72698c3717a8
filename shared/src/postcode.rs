//! UK postcode: the one parser and normal form of a postcode (DOMAIN.md §6).
//!
//! Accepts the six BS 7666 shapes with their letter restrictions, GIR 0AA, and the NHS
//! pseudo-postcodes ZZ99 (no fixed abode, not known, UK nations, overseas country codes) that
//! the NHS Data Dictionary asks for when a real postcode is not known. A [`Postcode`] is held
//! in its normal form, upper case with one space before the inward code ("se17nt" becomes
//! "SE1 7NT"), so equal postcodes compare equal. A valid shape does not prove the postcode
//! exists: that needs the ONS Postcode Directory, which this crate does not carry.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A well-formed UK postcode or NHS pseudo-postcode, normalised ("SE1 7NT", "ZZ99 3VZ").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = "ST16 3SR")
)]
pub struct Postcode(String);

/// Why a string is not a postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostcodeError {
    Empty,
    Invalid,
}

impl PostcodeError {
    /// The message to show beside the field.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Enter a postcode",
            Self::Invalid => "Enter a full UK postcode, like ST16 3SR",
        }
    }
}

impl fmt::Display for PostcodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PostcodeError {}

/// The NHS pseudo-postcode for a person of no fixed abode.
pub const NO_FIXED_ABODE: &str = "ZZ99 3VZ";
/// The NHS pseudo-postcode for a postcode that is not known.
pub const NOT_KNOWN: &str = "ZZ99 3WZ";

const PSEUDO_OUTWARD: &str = "ZZ99";

impl Postcode {
    /// Parses a postcode as typed: any case, with or without spaces.
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if !(5..=7).contains(&compact.len()) || !compact.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(PostcodeError::Invalid);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let valid = if outward == PSEUDO_OUTWARD {
            is_pseudo_inward(inward.as_bytes())
        } else {
            compact == "GIR0AA" || (is_outward(outward.as_bytes()) && is_inward(inward.as_bytes()))
        };
        if valid {
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(PostcodeError::Invalid)
        }
    }

    /// The normal form, e.g. "SE1 7NT".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the space (postcode district), e.g. "SE1".
    pub fn outward(&self) -> &str {
        &self.0[..self.0.len() - 4]
    }

    /// The postcode sector: the outward code and the inward code's digit, e.g. "SE1 7".
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }

    /// True for the NHS ZZ99 pseudo-postcodes (not a place: no fixed abode, not known,
    /// a UK nation not otherwise stated, or an overseas country).
    pub fn is_pseudo(&self) -> bool {
        self.outward() == PSEUDO_OUTWARD
    }
}

/// Whether every postcode that starts with `prefix` (upper case, without spaces) also has a
/// sector that starts with it, so that a search for it can be read sector by sector: true when
/// it ends in a digit, because a postcode always ends in two letters (its unit: every inward
/// code, the pseudo-postcodes' too, is a digit and two letters), which such a prefix never
/// reaches. "ST51" and "ST5" stop within the sector, "ST51G" does not.
pub fn prefix_within_sector(prefix: &str) -> bool {
    prefix.ends_with(|c: char| c.is_ascii_digit())
}

/// Whether a postcode with this district (outward code) and sector, both without spaces,
/// starts with `prefix` (upper case, without spaces, ending in a digit: see
/// [`prefix_within_sector`]): exactly when its district starts with the prefix or its sector
/// is the prefix. A prefix ending in a digit stops within the sector, so it is at most as long
/// as the sector; either it is no longer than the district, or it is the district and the
/// inward code's digit, which is the sector. A search reads one index walk per district that
/// starts with the prefix, and one for the sector that is the prefix ("ST5": district ST5;
/// "ST51": district ST51 and sector ST5 1; "B1": districts B1 and B10 to B19).
pub fn district_or_sector_matches(district: &str, sector: &str, prefix: &str) -> bool {
    debug_assert!(prefix_within_sector(prefix));
    district.starts_with(prefix) || sector == prefix
}

/// Q, V and X are never first.
fn is_first_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !b"QVX".contains(&b)
}

/// I, J and Z are never second.
fn is_second_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !b"IJZ".contains(&b)
}

fn is_outward(o: &[u8]) -> bool {
    let digit = |b: &u8| b.is_ascii_digit();
    match o {
        // A9
        [a, n] => is_first_letter(*a) && digit(n),
        // A99, A9A
        [a, n, x] if digit(n) => {
            is_first_letter(*a) && (digit(x) || b"ABCDEFGHJKPSTUW".contains(x))
        }
        // AA9
        [a, b, n] => is_first_letter(*a) && is_second_letter(*b) && digit(n),
        // AA99, AA9A
        [a, b, n, x] => {
            is_first_letter(*a)
                && is_second_letter(*b)
                && digit(n)
                && (digit(x) || b"ABEHMNPRVWXY".contains(x))
        }
        _ => false,
    }
}

/// Digit, letter, letter; the inward letters never use C, I, K, M, O or V.
fn is_inward(i: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_uppercase() && !b"CIKMOV".contains(&b);
    matches!(*i, [n, a, b] if n.is_ascii_digit() && letter(a) && letter(b))
}

/// ZZ99 then digit, letter, letter: 3VZ, 3WZ, 3CZ, 3GZ, 1WZ, 2WZ and the overseas country
/// codes, which use letters the real inward codes never do (so no letter restriction here).
fn is_pseudo_inward(i: &[u8]) -> bool {
    matches!(*i, [n, a, b] if n.is_ascii_digit() && a.is_ascii_uppercase() && b.is_ascii_uppercase())
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Postcode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Postcode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Postcode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(input: &str) -> String {
        Postcode::parse(input)
            .map(|p| p.0)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    #[test]
    fn normalises_case_and_spacing() {
        assert_eq!(ok("se17nt"), "SE1 7NT");
        assert_eq!(ok("  st16   3sr "), "ST16 3SR");
        assert_eq!(ok("ST5 1DS"), "ST5 1DS");
        assert_eq!(ok("sk163uq"), "SK16 3UQ");
    }

    #[test]
    fn accepts_all_six_shapes() {
        for (input, expected) in [
            ("M1 1AE", "M1 1AE"),     // A9 9AA
            ("B33 8TH", "B33 8TH"),   // A99 9AA
            ("W1A 0AX", "W1A 0AX"),   // A9A 9AA
            ("CR2 6XH", "CR2 6XH"),   // AA9 9AA
            ("DN55 1PT", "DN55 1PT"), // AA99 9AA
            ("EC1A 1BB", "EC1A 1BB"), // AA9A 9AA
            ("SW1A 2AA", "SW1A 2AA"),
            ("BT1 1AA", "BT1 1AA"),
            ("ZE15 9EZ", "ZE15 9EZ"), // well-formed though not a real district
        ] {
            assert_eq!(ok(input), expected);
        }
    }

    #[test]
    fn accepts_girobank_and_pseudo_postcodes() {
        assert_eq!(ok("gir0aa"), "GIR 0AA");
        for p in [
            "ZZ99 3VZ", "ZZ99 3WZ", "ZZ99 3CZ", "ZZ99 3GZ", "ZZ99 1WZ", "ZZ99 2WZ", "zz994qz",
        ] {
            let parsed = Postcode::parse(p).expect(p);
            assert!(parsed.is_pseudo(), "{p}");
        }
        assert!(!Postcode::parse("ST16 3SR").is_ok_and(|p| p.is_pseudo()));
        assert_eq!(
            Postcode::parse(NO_FIXED_ABODE).map(|p| p.0),
            Ok(NO_FIXED_ABODE.to_owned())
        );
        assert_eq!(
            Postcode::parse(NOT_KNOWN).map(|p| p.0),
            Ok(NOT_KNOWN.to_owned())
        );
    }

    #[test]
    fn applies_the_letter_restrictions() {
        for bad in [
            "QA1 1AA", // Q never first
            "VA1 1AA", // V never first
            "XA1 1AA", // X never first
            "AI1 1AA", // I never second
            "AJ1 1AA", // J never second
            "AZ1 1AA", // Z never second (except ZZ99)
            "W1I 0AX", // A9A third letter
            "W1L 0AX", "EC1C 1BB", // AA9A fourth letter
            "SE1 7CT",  // inward never C
            "SE1 7NI", "SE1 7KN", "SE1 7MN", "SE1 7ON", "SE1 7NV",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Invalid), "{bad}");
        }
    }

    #[test]
    fn refuses_partial_and_malformed_postcodes() {
        for bad in [
            "SE1",
            "SE1 7N",
            "SE17 7NTX",
            "1SE 7NT",
            "SE1 NT7",
            "SE1-7NT",
            "ZZ99 ZZZ",
            "ZZ98 3VZ",
            "ÅE1 7NT",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Invalid), "{bad}");
        }
        assert_eq!(Postcode::parse("   "), Err(PostcodeError::Empty));
        assert_eq!(PostcodeError::Empty.message(), "Enter a postcode");
        assert_eq!(
            PostcodeError::Invalid.to_string(),
            "Enter a full UK postcode, like ST16 3SR"
        );
    }

    #[test]
    fn a_prefix_ending_in_a_digit_stops_within_the_sector() {
        for postcode in [
            "SE1 7NT", "ST5 1GY", "W1A 0AX", "EC1A 1BB", "GIR 0AA", "ZZ99 3VZ",
        ] {
            let p = Postcode::parse(postcode).unwrap();
            let compact: String = p.as_str().split(' ').collect();
            let sector: String = p.sector().split(' ').collect();
            for end in 1..=compact.len() {
                let prefix = &compact[..end];
                if prefix_within_sector(prefix) {
                    assert!(sector.starts_with(prefix), "{prefix} of {postcode}");
                }
            }
            assert!(
                !prefix_within_sector(&compact),
                "{postcode} ends in its unit"
            );
        }
        assert_eq!(Postcode::parse("st51gy").unwrap().sector(), "ST5 1");
    }

    #[test]
    fn a_prefix_within_the_sector_matches_by_district_or_by_the_one_sector() {
        let postcodes = [
            "ST5 1AB", "ST51 0AB", "ST55 3DD", "ST5 2DN", "B1 1AA", "B1 0ZZ", "B10 0AA", "B19 9ZZ",
            "EC1A 1BB", "W1A 0AX", "ZZ99 3VZ", "SW1A 1AA", "M1 1AE",
        ];
        for postcode in postcodes {
            let p = Postcode::parse(postcode).unwrap();
            let compact = p.as_str().replace(' ', "");
            let district = p.outward();
            let sector = p.sector().replace(' ', "");
            for other in postcodes {
                let other = other.replace(' ', "");
                for end in 1..=other.len() {
                    let prefix = &other[..end];
                    if prefix_within_sector(prefix) {
                        assert_eq!(
                            district_or_sector_matches(district, &sector, prefix),
                            compact.starts_with(prefix),
                            "{prefix} and {postcode}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn outward_code() {
        assert_eq!(
            Postcode::parse("ec1a1bb").map(|p| p.outward().to_owned()),
            Ok("EC1A".to_owned())
        );
    }

    #[test]
    fn serde_uses_the_normal_form() {
        let p: Postcode = serde_json::from_str("\"st5 1ds\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&p).ok().as_deref(),
            Some("\"ST5 1DS\"")
        );
        assert!(serde_json::from_str::<Postcode>("\"nonsense\"").is_err());
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}") {
            if let Ok(p) = Postcode::parse(&s) {
                prop_assert_eq!(Postcode::parse(p.as_str()), Ok(p.clone()));
                prop_assert_eq!(Postcode::parse(&p.as_str().to_lowercase().replace(' ', "")), Ok(p.clone()));
                prop_assert_eq!(p.as_str().len() - p.as_str().rfind(' ').unwrap_or(0), 4);
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = Postcode::parse(&s);
        }
    }
}
