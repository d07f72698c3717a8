//! The password policy, checked the same way in the browser (live, as the user types) and
//! by the API (with the last word).
//!
//! The composition rules are the fact sheet's: at least 8 characters, a number, an upper case
//! letter, a lower case letter and one of `#?!@$%^&*-`. On top, following NIST SP 800-63B and
//! OWASP ASVS V2.1: any printable Unicode is allowed (spaces too, control characters not), up
//! to 1024 characters, never truncated; no password that contains the service's, a council's
//! or the user's own name or email; and (API only, feature `password-blocklist`) none of the
//! 10,000 most common passwords. Length is counted in Unicode characters, not bytes.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};

/// The shortest password allowed.
pub const MIN_LENGTH: usize = 8;
/// The longest password allowed (long enough for any passphrase, short enough to hash cheaply).
pub const MAX_LENGTH: usize = 1024;
/// The symbols of which a password must include at least one.
pub const SYMBOLS: &str = "#?!@$%^&*-";
/// A context word shorter than this is not looked for inside passwords.
pub const MIN_CONTEXT_WORD: usize = 4;

/// One rule of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasswordRule {
    MinLength,
    Number,
    UpperCase,
    LowerCase,
    Symbol,
    MaxLength,
    Printable,
}

impl PasswordRule {
    /// Every rule, in the order messages are given.
    pub const ALL: [PasswordRule; 7] = [
        Self::MinLength,
        Self::Number,
        Self::UpperCase,
        Self::LowerCase,
        Self::Symbol,
        Self::MaxLength,
        Self::Printable,
    ];

    /// The fact sheet's five criteria: the checklist the SPA shows with a tick beside each
    /// rule met (the other two only matter to someone pasting something odd).
    pub const CHECKLIST: [PasswordRule; 5] = [
        Self::MinLength,
        Self::Number,
        Self::UpperCase,
        Self::LowerCase,
        Self::Symbol,
    ];

    /// The error message when the rule is not met.
    pub fn message(self) -> &'static str {
        match self {
            Self::MinLength => "Password must be 8 characters or more",
            Self::Number => "Password must include a number (0 to 9)",
            Self::UpperCase => "Password must include an upper case letter",
            Self::LowerCase => "Password must include a lower case letter",
            Self::Symbol => "Password must include one of these symbols: # ? ! @ $ % ^ & * -",
            Self::MaxLength => "Password must be 1024 characters or fewer",
            Self::Printable => {
                "Password must not include tabs, line breaks or other control characters"
            }
        }
    }

    /// The rule as a checklist item, completing "Your password must have…".
    pub fn hint(self) -> &'static str {
        match self {
            Self::MinLength => "8 characters or more",
            Self::Number => "a number (0 to 9)",
            Self::UpperCase => "an upper case letter",
            Self::LowerCase => "a lower case letter",
            Self::Symbol => "one of these symbols: # ? ! @ $ % ^ & * -",
            Self::MaxLength => "1024 characters or fewer",
            Self::Printable => "no tabs, line breaks or other control characters",
        }
    }

    /// Whether `password` meets this rule.
    pub fn is_met(self, password: &str) -> bool {
        let mut chars = password.chars();
        match self {
            Self::MinLength => password.chars().count() >= MIN_LENGTH,
            Self::MaxLength => password.chars().count() <= MAX_LENGTH,
            Self::Number => chars.any(|c| c.is_ascii_digit()),
            Self::UpperCase => chars.any(char::is_uppercase),
            Self::LowerCase => chars.any(char::is_lowercase),
            Self::Symbol => chars.any(|c| SYMBOLS.contains(c)),
            Self::Printable => !chars.any(char::is_control),
        }
    }
}

/// The rules `password` breaks, in [`PasswordRule::ALL`] order (empty when it meets them all).
pub fn check_policy(password: &str) -> Vec<PasswordRule> {
    PasswordRule::ALL
        .into_iter()
        .filter(|rule| !rule.is_met(password))
        .collect()
}

/// The message when a password contains a context word.
pub const CONTEXT_MESSAGE: &str =
    "Password must not contain your email address or the name of the service or council";

/// Refuses a password that contains, ignoring case, any context word of 4 characters or more:
/// the caller passes the service's name ("s117", "register"), the council names, the user's
/// email and its local part (see [`email_context_words`]).
pub fn check_context(password: &str, context_words: &[&str]) -> Option<&'static str> {
    let password = password.to_lowercase();
    context_words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .any(|w| w.chars().count() >= MIN_CONTEXT_WORD && password.contains(&w))
        .then_some(CONTEXT_MESSAGE)
}

/// The context words of an email address: the address, its local part and the local part's
/// pieces ("jo.bloggs@x.gov.uk" gives "jo.bloggs@x.gov.uk", "jo.bloggs", "jo", "bloggs";
/// pieces under 4 characters are then ignored by [`check_context`]).
pub fn email_context_words(email: &str) -> Vec<String> {
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_owned();
    let mut words: Vec<String> = local
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    words.insert(0, local);
    words.insert(0, email);
    words.dedup();
    words
}

#[cfg(feature = "password-blocklist")]
mod blocklist {
    /// SecLists' 10,000 most common passwords, lower-cased, sorted and de-duplicated
    /// (see `data/README.md`).
    const COMMON: &str = include_str!("../data/common-passwords.txt");

    pub(super) fn contains(lower: &str) -> bool {
        static SORTED: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        let sorted = SORTED.get_or_init(|| COMMON.lines().collect());
        sorted.binary_search(&lower).is_ok()
    }

    #[cfg(test)]
    pub(super) fn lines() -> impl Iterator<Item = &'static str> {
        COMMON.lines()
    }
}

/// Whether the password is one of the 10,000 most common, ignoring case, either as it is or
/// once the digits and symbols people add to meet composition rules are taken off its ends
/// ("Password1!", "Liverpool2024#" and "!!Welcome99" are all common).
#[cfg(feature = "password-blocklist")]
pub fn is_common(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    blocklist::contains(&lower)
        || (core.chars().count() >= MIN_CONTEXT_WORD && blocklist::contains(core))
}

/// The message for a common password.
pub const COMMON_MESSAGE: &str = "Password is too common: choose one that is harder to guess";

/// All checks on a new password that need no stored data, keyed by the JSON fields of the
/// change-password form: `current_password`, `new_password` and, when the form has one,
/// `confirm_password`. Checking `current` against the stored hash is the caller's job.
pub fn validate_new_password(
    current: &str,
    new: &str,
    confirm: Option<&str>,
    context_words: &[&str],
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.add("current_password", "Enter your current password");
    }
    if new.is_empty() {
        errors.add("new_password", "Enter a new password");
    }
    if let Some(rule) = check_policy(new).first() {
        errors.add("new_password", rule.message());
    }
    if let Some(message) = check_context(new, context_words) {
        errors.add("new_password", message);
    }
    #[cfg(feature = "password-blocklist")]
    if is_common(new) {
        errors.add("new_password", COMMON_MESSAGE);
    }
    if !current.is_empty() && new == current {
        errors.add(
            "new_password",
            "Your new password must be different from your current password",
        );
    }
    match confirm {
        Some("") if !new.is_empty() => errors.add("confirm_password", "Confirm your new password"),
        Some(confirm) if confirm != new => errors.add(
            "confirm_password",
            "Passwords must match: enter the same new password twice",
        ),
        _ => {}
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_password_meeting_every_rule_passes() {
        assert_eq!(check_policy("Harbour#2025"), vec![]);
        assert_eq!(check_policy("correct horse Battery 9-staple"), vec![]);
        assert_eq!(check_policy("Ünïcødé-Pässwörd1"), vec![]);
    }

    #[test]
    fn each_rule_fails_on_its_own() {
        assert_eq!(check_policy("Ab1#xyz"), vec![PasswordRule::MinLength]);
        assert_eq!(check_policy("Abcdefg#"), vec![PasswordRule::Number]);
        assert_eq!(check_policy("abcdef1#"), vec![PasswordRule::UpperCase]);
        assert_eq!(check_policy("ABCDEF1#"), vec![PasswordRule::LowerCase]);
        assert_eq!(check_policy("Abcdef12"), vec![PasswordRule::Symbol]);
        assert_eq!(
            check_policy("Abcdef1_"),
            vec![PasswordRule::Symbol],
            "_ is not an allowed symbol"
        );
        assert_eq!(check_policy("Abcd\tef1#"), vec![PasswordRule::Printable]);
        let long = format!("Ab1#{}", "x".repeat(MAX_LENGTH - 4));
        assert_eq!(check_policy(&long), vec![]);
        assert_eq!(
            check_policy(&format!("{long}x")),
            vec![PasswordRule::MaxLength]
        );
        assert_eq!(check_policy("").len(), 5);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(check_policy("Éé1#éééé"), vec![]);
        assert_eq!(check_policy("Éé1#ééé"), vec![PasswordRule::MinLength]);
    }

    #[test]
    fn every_rule_has_a_message_and_a_hint() {
        for rule in PasswordRule::ALL {
            assert!(rule.message().starts_with("Password must"));
            assert!(!rule.hint().is_empty());
        }
        assert!(PasswordRule::CHECKLIST
            .iter()
            .all(|r| PasswordRule::ALL.contains(r)));
        assert_eq!(
            serde_json::to_string(&PasswordRule::MinLength)
                .ok()
                .as_deref(),
            Some("\"min_length\"")
        );
    }

    #[test]
    fn context_words_are_refused_ignoring_case() {
        let words = [
            "s117",
            "register",
            "Staffordshire",
            "jo.bloggs@staffordshire.gov.uk",
            "jo.bloggs",
        ];
        assert_eq!(check_context("MyS117pass!", &words), Some(CONTEXT_MESSAGE));
        assert_eq!(
            check_context("STAFFORDSHIRE1#a", &words),
            Some(CONTEXT_MESSAGE)
        );
        assert_eq!(
            check_context("Jo.Bloggs#2025", &words),
            Some(CONTEXT_MESSAGE)
        );
        assert_eq!(check_context("Harbour#2025", &words), None);
        assert_eq!(
            check_context("Jo#2025abc", &["jo", " "]),
            None,
            "words under 4 characters are ignored"
        );
    }

    #[test]
    fn email_gives_its_context_words() {
        assert_eq!(
            email_context_words(" Jo.Bloggs@Staffordshire.gov.uk"),
            vec![
                "jo.bloggs@staffordshire.gov.uk",
                "jo.bloggs",
                "jo",
                "bloggs"
            ]
        );
        let words = email_context_words("jo.bloggs@x.gov.uk");
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        assert_eq!(check_context("Bloggs#2025", &refs), Some(CONTEXT_MESSAGE));
        assert_eq!(email_context_words("bloggs"), vec!["bloggs"]);
    }

    #[test]
    fn new_password_must_differ_and_match() {
        let errors =
            validate_new_password("Harbour#2025", "Harbour#2025", Some("Harbour#2025"), &[]);
        assert_eq!(
            errors.get("new_password"),
            Some("Your new password must be different from your current password")
        );
        let errors = validate_new_password("Old#pass1", "Harbour#2025", Some("Harbour#2026"), &[]);
        assert_eq!(
            errors.get("confirm_password"),
            Some("Passwords must match: enter the same new password twice")
        );
        assert_eq!(errors.get("new_password"), None);
        let errors = validate_new_password("Old#pass1", "Harbour#2025", Some(""), &[]);
        assert_eq!(
            errors.get("confirm_password"),
            Some("Confirm your new password")
        );
        assert!(
            validate_new_password("Old#pass1", "Harbour#2025", Some("Harbour#2025"), &[])
                .is_empty()
        );
        assert!(validate_new_password("Old#pass1", "Harbour#2025", None, &[]).is_empty());
    }

    #[test]
    fn new_password_reports_the_first_problem() {
        let errors = validate_new_password("", "", None, &[]);
        assert_eq!(
            errors.get("current_password"),
            Some("Enter your current password")
        );
        assert_eq!(errors.get("new_password"), Some("Enter a new password"));
        let errors = validate_new_password("Old#pass1", "abc", None, &[]);
        assert_eq!(
            errors.get("new_password"),
            Some("Password must be 8 characters or more")
        );
        let errors = validate_new_password("Old#pass1", "Register#2025", None, &["register"]);
        assert_eq!(errors.get("new_password"), Some(CONTEXT_MESSAGE));
    }

    #[cfg(feature = "password-blocklist")]
    #[test]
    fn common_passwords_are_refused_ignoring_case_and_padding() {
        for p in [
            "password",
            "PASSWORD",
            "Password1!",
            "Liverpool2024#",
            "!!Welcome99",
            "qwerty123",
            "letmein",
        ] {
            assert!(is_common(p), "{p}");
        }
        for p in [
            "Harbour#2025",
            "correct horse Battery 9-staple",
            "Tr0ub4dor&3",
        ] {
            assert!(!is_common(p), "{p}");
        }
        let errors = validate_new_password("Old#pass1", "Password1!", None, &[]);
        assert_eq!(errors.get("new_password"), Some(COMMON_MESSAGE));
    }

    #[cfg(feature = "password-blocklist")]
    #[test]
    fn blocklist_is_sorted_lower_case_and_large() {
        let lines: Vec<&str> = blocklist::lines().collect();
        assert!(lines.len() > 9_900, "{}", lines.len());
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(lines
            .iter()
            .all(|l| !l.is_empty() && *l == l.to_lowercase()));
    }

    proptest! {
        #[test]
        fn policy_agrees_with_the_checklist(p in "\\PC{0,20}") {
            let failing = check_policy(&p);
            for rule in PasswordRule::ALL {
                prop_assert_eq!(failing.contains(&rule), !rule.is_met(&p));
            }
        }

        #[test]
        fn built_passwords_meet_the_policy(lower in "[a-z]{3,10}", upper in "[A-Z]{1,3}", digit in "[0-9]", symbol in "[#?!@$%^&*-]") {
            let p = format!("{upper}{lower}{digit}{symbol}");
            prop_assert!(p.chars().count() < MIN_LENGTH || check_policy(&p).is_empty());
        }
    }
}
