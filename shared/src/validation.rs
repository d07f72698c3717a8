//! Field errors: the outcome of validating a form or a JSON body.
//!
//! One message per field (the first problem found, as GOV.UK shows one message per field),
//! kept in the order the fields were checked so the error summary follows the form. Keys are
//! the fields' JSON names, nested ones dotted (`episode.date_detained`); the API sends them as
//! the `errors` member of a 422 problem and the SPA puts each beside its field.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Ordered map from field name to its first error message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field`, unless the field already has one.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if !self.contains(&field) {
            self.0.push((field, message.into()));
        }
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (field, message) in the order the fields were checked: the error summary's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// Adds `other`'s errors with their field names prefixed: `merge_prefixed("episode", e)`
    /// turns `date_detained` into `episode.date_detained`. An empty prefix adds them as they are.
    pub fn merge_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for (field, message) in other.0 {
            let field = if prefix.is_empty() {
                field
            } else {
                format!("{prefix}.{field}")
            };
            self.add(field, message);
        }
    }

    /// `Ok(value)` when there are no errors, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The shape of a problem's `errors` member.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0.into_iter().collect()
    }
}

impl From<FieldErrors> for BTreeMap<String, String> {
    fn from(errors: FieldErrors) -> Self {
        errors.into_map()
    }
}

impl IntoIterator for FieldErrors {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut errors = Self::new();
        for (field, message) in iter {
            errors.add(field, message);
        }
        errors
    }
}

/// A JSON object `{field: message}`, in check order.
impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, message) in &self.0 {
            map.serialize_entry(field, message)?;
        }
        map.end()
    }
}

/// From a JSON object (a problem's `errors`); the order is then alphabetical.
impl<'de> Deserialize<'de> for FieldErrors {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, String>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

/// Checks that the text fields of a form share: required, trimmed, at most `max` characters,
/// and (for single-line fields) no control characters.
pub(crate) struct Text<'a> {
    pub field: &'a str,
    /// As it reads at the start of a sentence: "First name".
    pub label: &'a str,
    pub max: usize,
    pub multiline: bool,
}

impl Text<'_> {
    /// The trimmed value (`None` when blank), or an error added to `errors`.
    pub fn optional(&self, value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if value.chars().count() > self.max {
            errors.add(
                self.field,
                format!("{} must be {} characters or fewer", self.label, self.max),
            );
            return None;
        }
        let bad = |c: char| c.is_control() && !(self.multiline && matches!(c, '\n' | '\r' | '\t'));
        if value.chars().any(bad) {
            errors.add(
                self.field,
                format!(
                    "{} must not include tabs, line breaks or other control characters",
                    self.label
                ),
            );
            return None;
        }
        Some(value.to_owned())
    }

    /// As [`Text::optional`], adding `missing` when the value is blank.
    pub fn required(&self, value: &str, missing: &str, errors: &mut FieldErrors) -> Option<String> {
        if value.trim().is_empty() {
            errors.add(self.field, missing);
            return None;
        }
        self.optional(Some(value), errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_message_per_field_in_check_order() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        errors.add("postcode", "Enter a postcode");
        errors.add("first_name", "Enter a first name");
        errors.add("postcode", "a later message");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.get("postcode"), Some("Enter a postcode"));
        assert_eq!(
            errors.iter().map(|(f, _)| f).collect::<Vec<_>>(),
            ["postcode", "first_name"]
        );
        assert_eq!(
            serde_json::to_string(&errors).ok().as_deref(),
            Some(r#"{"postcode":"Enter a postcode","first_name":"Enter a first name"}"#)
        );
        let map = errors.into_map();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["first_name", "postcode"]);
    }

    #[test]
    fn merges_with_a_prefix() {
        let mut errors = FieldErrors::new();
        errors.add("first_name", "Enter a first name");
        let episode: FieldErrors = [("date_detained", "Enter the date detained")]
            .into_iter()
            .collect();
        errors.merge_prefixed("episode", episode.clone());
        errors.merge_prefixed("", episode);
        assert_eq!(
            errors.get("episode.date_detained"),
            Some("Enter the date detained")
        );
        assert_eq!(errors.get("date_detained"), Some("Enter the date detained"));
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn into_result_and_round_trip() {
        assert_eq!(FieldErrors::new().into_result(5), Ok(5));
        let errors: FieldErrors = [("a", "x")].into_iter().collect();
        assert_eq!(errors.clone().into_result(5), Err(errors.clone()));
        let json = serde_json::to_string(&errors).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<FieldErrors>(&json).ok(),
            Some(errors)
        );
    }

    #[test]
    fn text_fields() {
        let text = Text {
            field: "first_name",
            label: "First name",
            max: 5,
            multiline: false,
        };
        let mut errors = FieldErrors::new();
        assert_eq!(
            text.required("  Alan ", "Enter a first name", &mut errors),
            Some("Alan".into())
        );
        assert_eq!(text.optional(Some("   "), &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(text.required(" ", "Enter a first name", &mut errors), None);
        assert_eq!(errors.get("first_name"), Some("Enter a first name"));

        let mut errors = FieldErrors::new();
        assert_eq!(text.optional(Some("Alan Harbour"), &mut errors), None);
        assert_eq!(
            errors.get("first_name"),
            Some("First name must be 5 characters or fewer")
        );

        let mut errors = FieldErrors::new();
        assert_eq!(text.optional(Some("A\nB"), &mut errors), None);
        assert!(errors
            .get("first_name")
            .is_some_and(|m| m.contains("line breaks")));

        let notes = Text {
            field: "notes",
            label: "Notes",
            max: 50,
            multiline: true,
        };
        assert_eq!(
            notes.optional(Some("line 1\r\nline 2\t."), &mut errors),
            Some("line 1\r\nline 2\t.".into())
        );
        assert_eq!(notes.optional(Some("bell\u{7}"), &mut errors), None);
    }
}
