//! Email addresses (sign-in names): trimmed, lower-cased, and shaped like an address.
//! Whether it exists is for the mail server to say; this only refuses what never could.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

pub const EMAIL_MESSAGE: &str =
    "Enter an email address in the correct format, like name@example.gov.uk";

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an email address");
        }
        let ok = s.len() <= 254
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')
            })
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && local.len() <= 64
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if ok {
            Ok(EmailAddress(s))
        } else {
            Err(EMAIL_MESSAGE)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Joe.Bloggs@Staffordshire.GOV.uk ")
                .unwrap()
                .as_str(),
            "joe.bloggs@staffordshire.gov.uk"
        );
        for bad in [
            "",
            "joe",
            "joe@",
            "@x.uk",
            "joe@x",
            "jo e@x.uk",
            "a@b@c.uk",
            "joe@x..uk",
            "<joe@x.uk>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
