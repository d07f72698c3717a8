//! Reporting: the dashboard's JSON, the downloadable reports, their filters and the rules
//! that decide what a filter means (DESIGN.md §5, fact sheet "Reporting").
//!
//! The API validates a filter here and answers 422 naming the bad one; the SPA builds the
//! same query string from its form. Dashboard groups that depend on reference data (gender
//! groups, a legacy commissioner's current successor) are decided here too, from the
//! reference values the caller passes in.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::age::AgeBand;
use crate::dates::parse_flexible;
use crate::record::{LearningDisability, ReferenceLookup};
use crate::reference::{ReferenceItem, ReferenceList};
use crate::validation::FieldErrors;

// --- the reports --------------------------------------------------------------------------

/// A downloadable report, by the slug in `/api/v1/reports/{report}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// Everyone with an open entitlement.
    AllEntitled,
    /// People whose entitlement has ended (off the active register).
    Ended,
    /// Every record, active or ended.
    AllRecords,
    /// Open entitlements whose next review date has passed.
    ReviewsOverdue,
    /// Entitlements (episodes) that started in a period, whatever happened since.
    NewEntitlements,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] = [
        Self::AllEntitled,
        Self::Ended,
        Self::AllRecords,
        Self::ReviewsOverdue,
        Self::NewEntitlements,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::AllEntitled => "all-entitled",
            Self::Ended => "ended",
            Self::AllRecords => "all-records",
            Self::ReviewsOverdue => "reviews-overdue",
            Self::NewEntitlements => "new-entitlements",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// The name in the "Select report" drop-down (the fact sheet's wording first).
    pub fn title(self) -> &'static str {
        match self {
            Self::AllEntitled => "All S117 Entitled Records",
            Self::Ended => "Ended Entitlements",
            Self::AllRecords => "All Records",
            Self::ReviewsOverdue => "Reviews Overdue",
            Self::NewEntitlements => "New Entitlements in a period",
        }
    }

    /// The download's file name: the report and the date, e.g.
    /// `s117-all-entitled-2026-11-24.csv`.
    pub fn file_name(self, today: NaiveDate, format: ReportFormat) -> String {
        format!(
            "s117-{}-{}.{}",
            self.slug(),
            today.format("%Y-%m-%d"),
            format.extension()
        )
    }
}

/// The file format of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Csv,
    Xlsx,
}

pub const CSV_MEDIA_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl ReportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => CSV_MEDIA_TYPE,
            Self::Xlsx => XLSX_MEDIA_TYPE,
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The format a download asks for: the `format` parameter when it is given (`None`
    /// when it names no format), else the `Accept` header, else CSV.
    pub fn requested(format: Option<&str>, accept: Option<&str>) -> Option<Self> {
        match format.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Self::from_slug(f),
            None => Some(accept.and_then(Self::from_accept).unwrap_or(Self::Csv)),
        }
    }

    /// The format an `Accept` header asks for (`None`: neither, so the default, CSV).
    pub fn from_accept(accept: &str) -> Option<Self> {
        let accept = accept.to_ascii_lowercase();
        if accept.contains("spreadsheetml") {
            Some(Self::Xlsx)
        } else if accept.contains("text/csv") {
            Some(Self::Csv)
        } else {
            None
        }
    }
}

/// The columns of every report, in order (CSV header and XLSX header row).
pub const REPORT_COLUMNS: [&str; 31] = [
    "Register ID",
    "NHS number",
    "System ID",
    "First name",
    "Family name",
    "Date of birth",
    "Age",
    "Age band",
    "Gender",
    "Ethnicity",
    "Address line 1",
    "Address line 2",
    "Address line 3",
    "Town",
    "Postcode",
    "Learning disability",
    "GP practice",
    "Status",
    "Date detained",
    "S117 qualifying section",
    "Place detained",
    "Start of S117 entitlement",
    "S117 responsible local authority",
    "LA out of county",
    "S117 responsible clinical commissioner",
    "Commissioner (current successor)",
    "GP out of county",
    "Last review",
    "Next review due",
    "End of S117 entitlement",
    "End reason",
];

// --- CSV safety ---------------------------------------------------------------------------

// --- filters ------------------------------------------------------------------------------

/// The report filters as sent in the query string (every field optional; empty = not set).
/// Dates are ISO `yyyy-mm-dd` (dd/mm/yyyy is accepted too).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct ReportFilterInput {
    /// Gender code (reference list `genders`).
    pub gender: Option<String>,
    /// `u16`, `16-17`, `18-64` or `65+` (age today).
    pub age_band: Option<String>,
    /// Ethnic category code.
    pub ethnicity: Option<String>,
    /// `yes`, `no` or `not_known`.
    pub learning_disability: Option<String>,
    /// Responsible local authority (ONS code).
    pub responsible_la: Option<String>,
    /// Responsible commissioner id; a current body also matches the legacy bodies it succeeded.
    pub commissioner: Option<String>,
    /// `yes` or `no`: the responsible LA is not one of the partnership's own.
    pub la_out_of_county: Option<String>,
    /// `yes` or `no`: see [`gp_out_of_county`].
    pub gp_out_of_county: Option<String>,
    pub detained_from: Option<String>,
    pub detained_to: Option<String>,
    /// End of S117 entitlement between these dates.
    pub ended_from: Option<String>,
    pub ended_to: Option<String>,
    /// Start of S117 entitlement between these dates (the period of "new entitlements").
    pub started_from: Option<String>,
    pub started_to: Option<String>,
    /// Qualifying section code.
    pub section: Option<String>,
}

/// An inclusive date range; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t)
    }
}

/// Validated filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportFilter {
    pub gender: Option<String>,
    pub age_band: Option<AgeBand>,
    pub ethnicity: Option<String>,
    pub learning_disability: Option<LearningDisability>,
    pub responsible_la: Option<String>,
    pub commissioner: Option<String>,
    pub la_out_of_county: Option<bool>,
    pub gp_out_of_county: Option<bool>,
    pub detained: DateRange,
    pub ended: DateRange,
    pub started: DateRange,
    pub section: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn yes_no(field: &str, label: &str, v: &Option<String>, errors: &mut FieldErrors) -> Option<bool> {
    match given(v)?.to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => {
            errors.add(field, format!("{label} must be yes or no"));
            None
        }
    }
}

fn code(
    field: &str,
    label: &str,
    list: ReferenceList,
    v: &Option<String>,
    refs: &impl ReferenceLookup,
    errors: &mut FieldErrors,
) -> Option<String> {
    let v = given(v)?;
    if refs.exists(list, v) {
        Some(v.to_string())
    } else {
        errors.add(field, format!("Select {label} from the list"));
        None
    }
}

fn range(
    (from_field, to_field): (&str, &str),
    label: &str,
    (from, to): (&Option<String>, &Option<String>),
    errors: &mut FieldErrors,
) -> DateRange {
    let mut one = |field: &str, which: &str, v: &Option<String>| {
        let v = given(v)?;
        parse_flexible(v)
            .map_err(|e| errors.add(field, e.message_for(&format!("{label} {which}"))))
            .ok()
    };
    let r = DateRange {
        from: one(from_field, "from", from),
        to: one(to_field, "to", to),
    };
    if let (Some(f), Some(t)) = (r.from, r.to) {
        if t < f {
            let mut chars = label.chars();
            let capital: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            errors.add(
                to_field,
                format!("{capital} to must be the same as or after {label} from"),
            );
        }
    }
    r
}

impl ReportFilterInput {
    /// Checks every filter; codes must be in their reference list (active or retired, since
    /// old records keep retired codes). Errors are keyed by the query parameter's name.
    pub fn validate(&self, refs: &impl ReferenceLookup) -> Result<ReportFilter, FieldErrors> {
        let mut e = FieldErrors::new();
        let age_band = given(&self.age_band).and_then(|s| {
            s.parse::<AgeBand>()
                .map_err(|_| e.add("age_band", "Age must be u16, 16-17, 18-64 or 65+"))
                .ok()
        });
        let learning_disability = given(&self.learning_disability).and_then(|s| {
            LearningDisability::from_input(s)
                .ok_or(())
                .map_err(|_| {
                    e.add(
                        "learning_disability",
                        "Learning disability must be yes, no or not_known",
                    )
                })
                .ok()
        });
        let f = ReportFilter {
            gender: code(
                "gender",
                "a gender",
                ReferenceList::Genders,
                &self.gender,
                refs,
                &mut e,
            ),
            age_band,
            ethnicity: code(
                "ethnicity",
                "an ethnicity",
                ReferenceList::EthnicCategories,
                &self.ethnicity,
                refs,
                &mut e,
            ),
            learning_disability,
            responsible_la: code(
                "responsible_la",
                "a responsible local authority",
                ReferenceList::LocalAuthorities,
                &self.responsible_la,
                refs,
                &mut e,
            ),
            commissioner: code(
                "commissioner",
                "a responsible clinical commissioner",
                ReferenceList::Commissioners,
                &self.commissioner,
                refs,
                &mut e,
            ),
            la_out_of_county: yes_no(
                "la_out_of_county",
                "LA out of county",
                &self.la_out_of_county,
                &mut e,
            ),
            gp_out_of_county: yes_no(
                "gp_out_of_county",
                "GP out of county",
                &self.gp_out_of_county,
                &mut e,
            ),
            detained: range(
                ("detained_from", "detained_to"),
                "date detained",
                (&self.detained_from, &self.detained_to),
                &mut e,
            ),
            ended: range(
                ("ended_from", "ended_to"),
                "end of S117",
                (&self.ended_from, &self.ended_to),
                &mut e,
            ),
            started: range(
                ("started_from", "started_to"),
                "start of S117",
                (&self.started_from, &self.started_to),
                &mut e,
            ),
            section: code(
                "section",
                "a qualifying section",
                ReferenceList::QualifyingSections,
                &self.section,
                refs,
                &mut e,
            ),
        };
        e.into_result(f)
    }

    /// `(name, value)` pairs of the filters that are set, for query strings and audit details.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let all = [
            ("gender", &self.gender),
            ("age_band", &self.age_band),
            ("ethnicity", &self.ethnicity),
            ("learning_disability", &self.learning_disability),
            ("responsible_la", &self.responsible_la),
            ("commissioner", &self.commissioner),
            ("la_out_of_county", &self.la_out_of_county),
            ("gp_out_of_county", &self.gp_out_of_county),
            ("detained_from", &self.detained_from),
            ("detained_to", &self.detained_to),
            ("ended_from", &self.ended_from),
            ("ended_to", &self.ended_to),
            ("started_from", &self.started_from),
            ("started_to", &self.started_to),
            ("section", &self.section),
        ];
        all.into_iter()
            .filter_map(|(k, v)| given(v).map(|v| (k, v.to_string())))
            .collect()
    }
}

// --- derived groupings --------------------------------------------------------------------

/// "GP out of county": the episode says so, or its responsible commissioner is not one of
/// the partnership's (S117_HOME_COMMISSIONER_CODES). Under the 2012 standing rules the
/// responsible commissioner is the one of the person's GP practice, so an outside
/// commissioner means an outside GP even when nobody ticked the box (the old register showed
/// "GP In County 0" because it only read that often-empty field).
pub fn gp_out_of_county(recorded: bool, commissioner: &str, home_commissioners: &[String]) -> bool {
    recorded || !home_commissioners.iter().any(|h| h == commissioner)
}

/// The dashboard's gender groups (fact sheet: Male, Female, Other).
pub const GENDER_GROUPS: [&str; 3] = ["Male", "Female", "Other"];

/// The dashboard group of a gender code: the reference value's `dashboard_group`, else Other.
pub fn gender_group<'a>(genders: &'a [ReferenceItem], code: &str) -> &'a str {
    genders
        .iter()
        .find(|g| g.code == code)
        .and_then(|g| g.attributes.get("dashboard_group"))
        .and_then(|v| v.as_str())
        .and_then(|group| GENDER_GROUPS.iter().find(|g| **g == group).copied())
        .unwrap_or("Other")
}

/// How the dashboard groups commissioners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CommissionerView {
    /// By the body recorded on the episode (e.g. "NHS North Staffordshire CCG").
    #[default]
    Recorded,
    /// Legacy bodies rolled up to the body that took them over (CCG → sub-ICB location,
    /// abolished ICB → its single successor ICB).
    Successor,
}

impl CommissionerView {
    pub fn from_slug(s: &str) -> Option<Self> {
        match s {
            "recorded" => Some(Self::Recorded),
            "successor" => Some(Self::Successor),
            _ => None,
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Successor => "successor",
        }
    }
}

/// Maps each commissioner id that has a current successor to it, following chains to the end
/// (a 2021 CCG → its 2022 sub-ICB location; an ICB abolished in 2026 → the ICB that took it
/// over). A body split between several successors has no single one and stays as it is.
pub fn commissioner_successors(commissioners: &[ReferenceItem]) -> HashMap<String, String> {
    let ids: std::collections::HashSet<&str> =
        commissioners.iter().map(|c| c.code.as_str()).collect();
    let mut direct: HashMap<&str, String> = HashMap::new();
    for c in commissioners {
        let successors: Vec<&str> = c
            .attributes
            .get("successor_ods_codes")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let [ods] = successors.as_slice() else {
            continue;
        };
        // A CCG's code lives on as a sub-ICB location; an ICB's successor is an ICB.
        let kind = c.code.split(':').next().unwrap_or("");
        let candidates: &[&str] = match kind {
            "ccg" => &["sicbl", "icb"],
            _ => &["icb", "sicbl"],
        };
        if let Some(next) = candidates
            .iter()
            .map(|k| format!("{k}:{ods}"))
            .find(|id| ids.contains(id.as_str()) && *id != c.code)
        {
            direct.insert(c.code.as_str(), next);
        }
    }
    let mut out = HashMap::new();
    for start in direct.keys() {
        let mut at = direct[start].clone();
        for _ in 0..8 {
            match direct.get(at.as_str()) {
                Some(next) => at = next.clone(),
                None => break,
            }
        }
        out.insert((*start).to_string(), at);
    }
    out
}

// --- the dashboard ------------------------------------------------------------------------

/// One bar of a breakdown: a code (or group key), what people read, and the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// The four in/out of county totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountyTotals {
    pub la_in_county: i64,
    pub la_out_of_county: i64,
    pub gp_in_county: i64,
    pub gp_out_of_county: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewTotals {
    /// Open entitlements whose next review date is before today.
    pub overdue: i64,
    /// Next review due today or within the next 30 days.
    pub due_next_30_days: i64,
}

/// New and ended entitlements in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCount {
    /// `yyyy-mm`.
    pub month: String,
    /// "Nov 2026".
    pub label: String,
    pub new_entitlements: i64,
    pub ended_entitlements: i64,
}

/// `GET /api/v1/reports/dashboard`: a summary of active entitlements (open episodes), except
/// `months`, which counts entitlements started and ended in each of the last 12 months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// The day ages and review dates were judged on.
    pub as_of: NaiveDate,
    pub responsible_la: Option<String>,
    pub commissioner: Option<String>,
    pub commissioner_view: CommissionerView,
    pub total: i64,
    /// Under 16, 16 to 17, 18 to 64, 65 and over (keys `u16`, `16-17`, `18-64`, `65+`).
    pub by_age_band: Vec<Count>,
    /// Male, Female, Other.
    pub by_gender: Vec<Count>,
    /// Largest first.
    pub by_local_authority: Vec<Count>,
    /// Largest first, as recorded or rolled up (see `commissioner_view`).
    pub by_commissioner: Vec<Count>,
    pub county: CountyTotals,
    pub by_place_detained: Vec<Count>,
    pub by_section: Vec<Count>,
    pub reviews: ReviewTotals,
    /// Oldest first; the last is the current month.
    pub months: Vec<MonthCount>,
}

/// The dashboard's query string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct DashboardQuery {
    /// Responsible local authority (ONS code).
    pub responsible_la: Option<String>,
    /// Responsible commissioner id; a current body also counts the legacy bodies it succeeded.
    pub commissioner: Option<String>,
    /// `recorded` (default) or `successor`.
    pub commissioner_view: Option<String>,
}

/// The valid dashboard query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DashboardFilter {
    pub responsible_la: Option<String>,
    pub commissioner: Option<String>,
    pub commissioner_view: CommissionerView,
}

impl DashboardQuery {
    pub fn validate(&self, refs: &impl ReferenceLookup) -> Result<DashboardFilter, FieldErrors> {
        let mut e = FieldErrors::new();
        let responsible_la = code(
            "responsible_la",
            "a responsible local authority",
            ReferenceList::LocalAuthorities,
            &self.responsible_la,
            refs,
            &mut e,
        );
        let commissioner = code(
            "commissioner",
            "a responsible clinical commissioner",
            ReferenceList::Commissioners,
            &self.commissioner,
            refs,
            &mut e,
        );
        let commissioner_view = match given(&self.commissioner_view) {
            None => CommissionerView::Recorded,
            Some(s) => CommissionerView::from_slug(s).unwrap_or_else(|| {
                e.add(
                    "commissioner_view",
                    "Commissioner view must be recorded or successor",
                );
                CommissionerView::Recorded
            }),
        };
        e.into_result(DashboardFilter {
            responsible_la,
            commissioner,
            commissioner_view,
        })
    }
}

#[cfg(test)]
mod tests;
