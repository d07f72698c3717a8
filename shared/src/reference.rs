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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceListResponse {
    pub list: ReferenceList,
    pub title: String,
    pub items: Vec<ReferenceItem>,
}
