//! Reference lists (the drop-downs): their names in URLs and the JSON shape of a value.

use serde::{Deserialize, Serialize};

/// Every reference list, by the slug used in `/api/v1/reference/{list}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceList {
    LocalAuthorities,
    Commissioners,
    EthnicCategories,
    Genders,
    QualifyingSections,
    PlacesDetained,
    GpPractices,
}

impl ReferenceList {
    pub const ALL: [ReferenceList; 7] = [
        ReferenceList::LocalAuthorities,
        ReferenceList::Commissioners,
        ReferenceList::EthnicCategories,
        ReferenceList::Genders,
        ReferenceList::QualifyingSections,
        ReferenceList::PlacesDetained,
        ReferenceList::GpPractices,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReferenceList::LocalAuthorities => "local-authorities",
            ReferenceList::Commissioners => "commissioners",
            ReferenceList::EthnicCategories => "ethnic-categories",
            ReferenceList::Genders => "genders",
            ReferenceList::QualifyingSections => "qualifying-sections",
            ReferenceList::PlacesDetained => "places-detained",
            ReferenceList::GpPractices => "gp-practices",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.slug() == slug)
    }

    /// What a person calls the list (page headings, error messages).
    pub fn title(self) -> &'static str {
        match self {
            ReferenceList::LocalAuthorities => "Local authorities",
            ReferenceList::Commissioners => "Clinical commissioners",
            ReferenceList::EthnicCategories => "Ethnic categories",
            ReferenceList::Genders => "Genders",
            ReferenceList::QualifyingSections => "Qualifying sections",
            ReferenceList::PlacesDetained => "Places detained",
            ReferenceList::GpPractices => "GP practices",
        }
    }
}

/// One value of a reference list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceItem {
    /// The stored code (ONS code, ODS id such as `sicbl:05V`, NHS code, local slug).
    pub code: String,
    /// The official or full name.
    pub name: String,
    /// The name shown in drop-downs.
    pub display_name: String,
    /// Retired values stay valid on old records but are not offered for new entries.
    pub active: bool,
    pub sort_order: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<chrono::NaiveDate>,
    /// Other spellings accepted on input (legacy names, ODS short names).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// List-specific facts (e.g. `qualifies_for_s117`, `kind`, `parent_ods_code`,
    /// `successor_ods_codes`, `dashboard_group`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

impl ReferenceItem {
    /// A qualifying section that gives entitlement to section 117 aftercare (the only
    /// sections offered for new entries; s2, s136 and the like are listed to be refused).
    pub fn qualifies_for_s117(&self) -> bool {
        self.attributes
            .get("qualifies_for_s117")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceListResponse {
    pub list: ReferenceList,
    pub title: String,
    pub items: Vec<ReferenceItem>,
}

/// One list on the administrator's drop-down lists page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceListSummary {
    pub list: ReferenceList,
    pub title: String,
    /// Values offered in drop-downs.
    pub active: i64,
    /// Retired values (still valid on old records).
    pub retired: i64,
}

/// A value as an administrator sees it: whether records use it, whether it was added here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminReferenceItem {
    pub code: String,
    pub name: String,
    pub display_name: String,
    pub active: bool,
    pub sort_order: i64,
    /// Added by an administrator (not from the bundled reference files).
    pub locally_added: bool,
    /// Some record uses it: it can be retired but never deleted.
    pub in_use: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminReferenceList {
    pub list: ReferenceList,
    pub title: String,
    pub items: Vec<AdminReferenceItem>,
}

/// A value an administrator adds to a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewReferenceValue {
    /// The name shown in drop-downs.
    pub display_name: String,
    /// The stored code; left empty, one is made from the name (`local:` and the name's
    /// letters and digits).
    pub code: String,
}

/// A new display name for a value (its code, stored on records, never changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RenameReferenceValue {
    pub display_name: String,
}

/// Longest display name and code an administrator may enter.
pub const MAX_DISPLAY_NAME: usize = 150;
pub const MAX_CODE: usize = 60;

/// Checks a display name; the message is the one shown beside the field.
pub fn validate_display_name(errors: &mut crate::validation::FieldErrors, display_name: &str) {
    let name = display_name.trim();
    if name.is_empty() {
        errors.add("display_name", "Enter the name to show in the drop-down");
    } else if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
        errors.add(
            "display_name",
            format!(
                "Name must be {MAX_DISPLAY_NAME} characters or fewer, without control characters"
            ),
        );
    }
}

/// Checks a new value; returns the code to store (made from the name when none is given).
pub fn validate_new_value(
    value: &NewReferenceValue,
) -> Result<String, crate::validation::FieldErrors> {
    let mut errors = crate::validation::FieldErrors::new();
    validate_display_name(&mut errors, &value.display_name);
    let code = if value.code.trim().is_empty() {
        code_from_name(&value.display_name)
    } else {
        value.code.trim().to_string()
    };
    let code_ok = code.chars().count() <= MAX_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'));
    if code == "local:" {
        errors.add("code", "Enter a code for this value");
    } else if !value.code.trim().is_empty() && !code_ok {
        errors.add(
            "code",
            format!("Code must be {MAX_CODE} characters or fewer: letters, digits, colons, dots, hyphens and underscores"),
        );
    }
    errors.into_result(code)
}

/// `local:` and the name's letters and digits, lower case, words joined by hyphens:
/// "St George's Hospital" gives `local:st-george-s-hospital`.
pub fn code_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(MAX_CODE - "local:".len()).collect();
    format!("local:{}", slug.trim_end_matches('-'))
}

#[cfg(test)]
mod admin_tests {
    use super::*;

    #[test]
    fn a_code_is_made_from_the_name_when_none_is_given() {
        assert_eq!(
            code_from_name("  St George's Hospital "),
            "local:st-george-s-hospital"
        );
        let v = NewReferenceValue {
            display_name: "Ward 7".into(),
            code: "".into(),
        };
        assert_eq!(validate_new_value(&v).unwrap(), "local:ward-7");
    }

    #[test]
    fn bad_names_and_codes_are_refused_by_field() {
        let e = validate_new_value(&NewReferenceValue {
            display_name: " ".into(),
            code: "has space".into(),
        })
        .unwrap_err();
        assert!(e.contains("display_name") && e.contains("code"));
        let long = "x".repeat(MAX_DISPLAY_NAME + 1);
        let e = validate_new_value(&NewReferenceValue {
            display_name: long,
            code: "ok".into(),
        })
        .unwrap_err();
        assert!(e.contains("display_name") && !e.contains("code"));
    }
}
