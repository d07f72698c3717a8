//! What the API answers about records (reads): the written shape of `record.rs` plus ids,
//! version, names beside codes, derived fields and the episode history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::age::AgeBand;
use crate::record::{EndReason, LearningDisability};

/// A code with the name it has in its reference list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coded {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Has an open entitlement episode: on the active register.
    Active,
    /// Every episode has ended: off the active register, still findable.
    Ended,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Ended => "ended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EpisodeView {
    pub id: i64,
    pub date_detained: NaiveDate,
    pub qualifying_section: Coded,
    pub place_detained: Option<Coded>,
    pub s117_start_date: NaiveDate,
    pub responsible_la: Coded,
    pub responsible_commissioner: Coded,
    pub gp_out_of_county: bool,
    /// Derived: the responsible authority is not one of the partnership's own.
    pub la_out_of_county: bool,
    pub cto_start_date: Option<NaiveDate>,
    pub cto_end_date: Option<NaiveDate>,
    pub last_review_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub la_agreed_by: Option<String>,
    pub nhs_agreed_by: Option<String>,
}

/// A whole record: the person, the open episode (if any) and every earlier one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    /// The register ID ("ID" in Manage Records).
    pub id: i64,
    /// For `If-Match` (also sent as the `ETag` header).
    pub version: i64,
    pub status: RecordStatus,
    /// Digits only; the SPA shows them 3-3-4.
    pub nhs_number: Option<String>,
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    /// Derived, at today's date.
    pub age: u32,
    pub age_band: AgeBand,
    pub gender: Coded,
    pub ethnicity: Option<Coded>,
    pub address_line_1: Option<String>,
    pub address_line_2: Option<String>,
    pub address_line_3: Option<String>,
    pub town: Option<String>,
    pub postcode: String,
    pub learning_disability: LearningDisability,
    pub gp_practice: Option<String>,
    pub notes: Option<String>,
    /// The open episode; `None` when entitlement has ended.
    pub episode: Option<EpisodeView>,
    /// Every episode, newest first (the open one included).
    pub episodes: Vec<EpisodeView>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A row of Manage Records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordSummary {
    pub id: i64,
    pub nhs_number: Option<String>,
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub postcode: String,
    pub responsible_la: Coded,
    pub responsible_commissioner: Coded,
    pub status: RecordStatus,
}

/// One entry of a record's history (its audit trail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: String,
    /// Field → `{ "old": ..., "new": ... }` for edits; other facts for other actions.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// Sort keys of Manage Records (`sort=name` ascending, `sort=-name` descending).
pub const SORT_KEYS: [&str; 8] = [
    "id",
    "nhs_number",
    "name",
    "date_of_birth",
    "postcode",
    "responsible_la",
    "responsible_commissioner",
    "source_system_id",
];
