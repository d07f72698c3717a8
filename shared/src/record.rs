//! A person's record and entitlement episode as written to the API (DESIGN.md §5, contract),
//! and every rule a write must pass before it is stored.
//!
//! The `*Input` types are the JSON bodies, exactly as sent: loose on purpose (every field may
//! be missing or blank), so one request reports every problem at once as field errors rather
//! than failing to parse at the first. The `Valid*` types are what validation returns: trimmed,
//! parsed ([`NhsNumber`], [`Postcode`], dates) and checked, so a service that holds one needs
//! no re-check. Errors are keyed by JSON field name, nested ones as `episode.date_detained`.
//!
//! Rules need two things from outside, passed in rather than fetched: `today`, and the
//! reference lists through [`ReferenceLookup`]. Retired reference values stay valid on the
//! records that already hold them (pass the stored record as `previous`) but are refused for
//! new entries.

use crate::nhs_number::NhsNumber;
use crate::postcode::Postcode;
use crate::reference::ReferenceList;
use crate::validation::{FieldErrors, Text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Maximum length of a name (first, family, address lines, agreed-by names).
pub const MAX_NAME: usize = 100;
/// Maximum length of an identifier (source system ID).
pub const MAX_ID: usize = 50;
/// Maximum length of the GP practice (free text until it becomes an ODS code).
pub const MAX_GP_PRACTICE: usize = 200;
/// Maximum length of the notes.
pub const MAX_NOTES: usize = 4000;

/// What validation needs to know of the reference lists (the API answers from its tables).
pub trait ReferenceLookup {
    /// The code is in the list and offered for new entries.
    fn is_active(&self, list: ReferenceList, code: &str) -> bool;
    /// The code is in the list, active or retired.
    fn exists(&self, list: ReferenceList, code: &str) -> bool;
    /// The qualifying section gives entitlement to section 117 aftercare (s3, s37, s45A ...).
    fn section_qualifies(&self, code: &str) -> bool;
}

/// Whether the person has a learning disability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LearningDisability {
    Yes,
    No,
    #[default]
    NotKnown,
}

impl LearningDisability {
    pub const ALL: [LearningDisability; 3] = [Self::Yes, Self::No, Self::NotKnown];

    /// The JSON value: `yes`, `no`, `not_known`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::NotKnown => "not_known",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::No => "No",
            Self::NotKnown => "Not known",
        }
    }

    /// From a JSON value or a label, ignoring case ("Not known", "not_known", "YES").
    pub fn from_input(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s) || v.label().eq_ignore_ascii_case(s))
    }
}

/// Why an entitlement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The local authority and the NHS body are both satisfied aftercare is no longer needed.
    NoLongerNeedsAftercare,
    /// A new qualifying detention ends this duty and opens a new episode (Worcestershire).
    NewQualifyingDetention,
    Died,
    /// Responsibility transferred to another area.
    MovedOutOfArea,
    EnteredInError,
    Other,
}

impl EndReason {
    pub const ALL: [EndReason; 6] = [
        Self::NoLongerNeedsAftercare,
        Self::NewQualifyingDetention,
        Self::Died,
        Self::MovedOutOfArea,
        Self::EnteredInError,
        Self::Other,
    ];

    /// The JSON value, e.g. `no_longer_needs_aftercare`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoLongerNeedsAftercare => "no_longer_needs_aftercare",
            Self::NewQualifyingDetention => "new_qualifying_detention",
            Self::Died => "died",
            Self::MovedOutOfArea => "moved_out_of_area",
            Self::EnteredInError => "entered_in_error",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NoLongerNeedsAftercare => "No longer needs aftercare",
            Self::NewQualifyingDetention => "New qualifying detention",
            Self::Died => "Died",
            Self::MovedOutOfArea => "Moved out of area (responsibility transferred)",
            Self::EnteredInError => "Entered in error",
            Self::Other => "Other",
        }
    }

    /// From a JSON value or a label, ignoring case.
    pub fn from_input(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s) || v.label().eq_ignore_ascii_case(s))
    }
}

/// The body of `POST /api/v1/records` and `PUT /api/v1/records/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RecordInput {
    /// 10 digits, spaces allowed ("999 000 0018").
    pub nhs_number: Option<String>,
    /// The person's ID in the submitting organisation's case system.
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// PERSON STATED GENDER CODE (`genders` list).
    pub gender: String,
    /// ETHNIC CATEGORY code (`ethnic-categories` list).
    pub ethnicity: Option<String>,
    pub address_line_1: Option<String>,
    pub address_line_2: Option<String>,
    pub address_line_3: Option<String>,
    pub town: Option<String>,
    /// UK postcode or NHS pseudo-postcode (ZZ99 3VZ: no fixed abode; ZZ99 3WZ: not known).
    pub postcode: String,
    pub learning_disability: LearningDisability,
    pub gp_practice: Option<String>,
    pub notes: Option<String>,
    pub episode: EpisodeInput,
}

/// An entitlement episode as written (inside a record, or `POST /api/v1/records/{id}/episodes`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EpisodeInput {
    pub date_detained: Option<NaiveDate>,
    /// `qualifying-sections` code, e.g. `s3`.
    pub qualifying_section: String,
    /// `places-detained` code.
    pub place_detained: Option<String>,
    pub s117_start_date: Option<NaiveDate>,
    /// ONS code of the responsible local authority as at detention (`local-authorities`).
    pub responsible_la: String,
    /// ODS id of the responsible commissioner as at detention (`commissioners`), e.g. `sicbl:05V`.
    pub responsible_commissioner: String,
    pub gp_out_of_county: bool,
    /// Community treatment order start; while a CTO is in force entitlement cannot end.
    pub cto_start_date: Option<NaiveDate>,
    pub cto_end_date: Option<NaiveDate>,
    pub last_review_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
}

/// The body of `POST /api/v1/records/{id}/end`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct EndEpisodeInput {
    /// Date of discharge from aftercare / end of S117 entitlement.
    pub end_date: Option<NaiveDate>,
    pub reason: Option<EndReason>,
    /// Who agreed to the end for the local authority.
    pub la_agreed_by: String,
    /// Who agreed to the end for the NHS body (ICB or Local Health Board).
    pub nhs_agreed_by: String,
}

/// A record that passed every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidRecord {
    pub nhs_number: Option<NhsNumber>,
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub address_line_1: Option<String>,
    pub address_line_2: Option<String>,
    pub address_line_3: Option<String>,
    pub town: Option<String>,
    pub postcode: Postcode,
    pub learning_disability: LearningDisability,
    pub gp_practice: Option<String>,
    pub notes: Option<String>,
    pub episode: ValidEpisode,
}

/// An episode that passed every rule (also how a stored episode is handed to [`validate_end`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidEpisode {
    pub date_detained: NaiveDate,
    pub qualifying_section: String,
    pub place_detained: Option<String>,
    pub s117_start_date: NaiveDate,
    pub responsible_la: String,
    pub responsible_commissioner: String,
    pub gp_out_of_county: bool,
    pub cto_start_date: Option<NaiveDate>,
    pub cto_end_date: Option<NaiveDate>,
    pub last_review_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
}

/// An end that passed every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidEnd {
    pub end_date: NaiveDate,
    pub reason: EndReason,
    pub la_agreed_by: String,
    pub nhs_agreed_by: String,
}

impl ValidRecord {
    /// The form a stored record fills in (edit pages, round trips).
    pub fn to_input(&self) -> RecordInput {
        RecordInput {
            nhs_number: self.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
            source_system_id: self.source_system_id.clone(),
            first_name: self.first_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: Some(self.date_of_birth),
            gender: self.gender.clone(),
            ethnicity: self.ethnicity.clone(),
            address_line_1: self.address_line_1.clone(),
            address_line_2: self.address_line_2.clone(),
            address_line_3: self.address_line_3.clone(),
            town: self.town.clone(),
            postcode: self.postcode.as_str().to_owned(),
            learning_disability: self.learning_disability,
            gp_practice: self.gp_practice.clone(),
            notes: self.notes.clone(),
            episode: self.episode.to_input(),
        }
    }
}

impl ValidEpisode {
    pub fn to_input(&self) -> EpisodeInput {
        EpisodeInput {
            date_detained: Some(self.date_detained),
            qualifying_section: self.qualifying_section.clone(),
            place_detained: self.place_detained.clone(),
            s117_start_date: Some(self.s117_start_date),
            responsible_la: self.responsible_la.clone(),
            responsible_commissioner: self.responsible_commissioner.clone(),
            gp_out_of_county: self.gp_out_of_county,
            cto_start_date: self.cto_start_date,
            cto_end_date: self.cto_end_date,
            last_review_date: self.last_review_date,
            next_review_date: self.next_review_date,
        }
    }

    /// A community treatment order is in force on `date` (started, and not ended by then).
    pub fn cto_in_force_on(&self, date: NaiveDate) -> bool {
        self.cto_start_date.is_some() && self.cto_end_date.is_none_or(|end| end > date)
    }
}

/// Dates of birth before this are taken as typing mistakes.
pub const EARLIEST_DATE_OF_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// "s2" -> "Section 2", "s37/41" -> "Section 37/41": how a section code reads in a message.
fn section_name(code: &str) -> String {
    let number = code.strip_prefix(['s', 'S']).unwrap_or(code);
    format!("Section {number}")
}

/// A coded field: required or optional, checked against its reference list.
struct Code<'a> {
    field: &'a str,
    list: ReferenceList,
    /// "Select a gender"; `None` for an optional field.
    missing: Option<&'a str>,
    /// "Select a gender from the list".
    not_in_list: &'a str,
}

impl Code<'_> {
    fn check(
        &self,
        value: Option<&str>,
        previous: Option<&str>,
        refs: &dyn ReferenceLookup,
        errors: &mut FieldErrors,
    ) -> Option<String> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            if let Some(missing) = self.missing {
                errors.add(self.field, missing);
            }
            return None;
        };
        let allowed = refs.is_active(self.list, value)
            || (previous == Some(value) && refs.exists(self.list, value));
        if !allowed {
            errors.add(self.field, self.not_in_list);
            return None;
        }
        Some(value.to_owned())
    }
}

/// Checks a whole record (`POST /records`, `PUT /records/{id}`). `previous` is the stored
/// record when editing, so retired reference values it already holds stay acceptable.
pub fn validate_record(
    input: &RecordInput,
    previous: Option<&ValidRecord>,
    refs: &dyn ReferenceLookup,
    today: NaiveDate,
) -> Result<ValidRecord, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = |field, label, max| Text {
        field,
        label,
        max,
        multiline: false,
    };

    let nhs_number = match input
        .nhs_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => NhsNumber::parse(raw)
            .map_err(|e| errors.add("nhs_number", e.message()))
            .ok(),
    };
    let source_system_id = text("source_system_id", "System ID", MAX_ID)
        .optional(input.source_system_id.as_deref(), &mut errors);
    let first_name = text("first_name", "First name", MAX_NAME).required(
        &input.first_name,
        "Enter a first name",
        &mut errors,
    );
    let family_name = text("family_name", "Family name", MAX_NAME).required(
        &input.family_name,
        "Enter a family name",
        &mut errors,
    );

    let date_of_birth = match input.date_of_birth {
        None => {
            errors.add("date_of_birth", "Enter a date of birth");
            None
        }
        Some(dob) if dob >= today => {
            errors.add("date_of_birth", "Date of birth must be in the past");
            None
        }
        Some(dob) if dob < EARLIEST_DATE_OF_BIRTH => {
            errors.add(
                "date_of_birth",
                "Date of birth must be the same as or after 1 January 1900",
            );
            None
        }
        Some(dob) => Some(dob),
    };

    let prev = |f: fn(&ValidRecord) -> Option<&str>| previous.and_then(f);
    let gender = Code {
        field: "gender",
        list: ReferenceList::Genders,
        missing: Some("Select a gender"),
        not_in_list: "Select a gender from the list",
    }
    .check(
        Some(&input.gender),
        prev(|r| Some(r.gender.as_str())),
        refs,
        &mut errors,
    );
    let ethnicity = Code {
        field: "ethnicity",
        list: ReferenceList::EthnicCategories,
        missing: None,
        not_in_list: "Select an ethnic category from the list",
    }
    .check(
        input.ethnicity.as_deref(),
        prev(|r| r.ethnicity.as_deref()),
        refs,
        &mut errors,
    );

    let address_line_1 = text("address_line_1", "Address line 1", MAX_NAME)
        .optional(input.address_line_1.as_deref(), &mut errors);
    let address_line_2 = text("address_line_2", "Address line 2", MAX_NAME)
        .optional(input.address_line_2.as_deref(), &mut errors);
    let address_line_3 = text("address_line_3", "Address line 3", MAX_NAME)
        .optional(input.address_line_3.as_deref(), &mut errors);
    let town = text("town", "Town or city", MAX_NAME).optional(input.town.as_deref(), &mut errors);
    let postcode = Postcode::parse(&input.postcode)
        .map_err(|e| errors.add("postcode", e.message()))
        .ok();
    let gp_practice = text("gp_practice", "GP practice", MAX_GP_PRACTICE)
        .optional(input.gp_practice.as_deref(), &mut errors);
    let notes = Text {
        field: "notes",
        label: "Notes",
        max: MAX_NOTES,
        multiline: true,
    }
    .optional(input.notes.as_deref(), &mut errors);

    let episode = validate_episode(
        &input.episode,
        date_of_birth,
        previous.map(|r| &r.episode),
        refs,
        today,
    )
    .map_err(|e| errors.merge_prefixed("episode", e))
    .ok();

    match (
        first_name,
        family_name,
        date_of_birth,
        gender,
        postcode,
        episode,
    ) {
        (
            Some(first_name),
            Some(family_name),
            Some(date_of_birth),
            Some(gender),
            Some(postcode),
            Some(episode),
        ) if errors.is_empty() => Ok(ValidRecord {
            nhs_number,
            source_system_id,
            first_name,
            family_name,
            date_of_birth,
            gender,
            ethnicity,
            address_line_1,
            address_line_2,
            address_line_3,
            town,
            postcode,
            learning_disability: input.learning_disability,
            gp_practice,
            notes,
            episode,
        }),
        _ => Err(errors),
    }
}

/// Checks an episode (inside a record, or a new qualifying detention). Field names carry no
/// `episode.` prefix. `date_of_birth` is the person's, when known; `previous` the stored
/// episode when editing one.
pub fn validate_episode(
    input: &EpisodeInput,
    date_of_birth: Option<NaiveDate>,
    previous: Option<&ValidEpisode>,
    refs: &dyn ReferenceLookup,
    today: NaiveDate,
) -> Result<ValidEpisode, FieldErrors> {
    let mut errors = FieldErrors::new();
    let prev = |f: fn(&ValidEpisode) -> Option<&str>| previous.and_then(f);

    let date_detained = match input.date_detained {
        None => {
            errors.add("date_detained", "Enter the date detained");
            None
        }
        Some(d) if d > today => {
            errors.add(
                "date_detained",
                "Date detained must be today or in the past",
            );
            None
        }
        Some(d) if date_of_birth.is_some_and(|dob| d < dob) => {
            errors.add(
                "date_detained",
                "Date detained must be the same as or after the date of birth",
            );
            None
        }
        Some(d) => Some(d),
    };

    let qualifying_section = match input.qualifying_section.trim() {
        "" => {
            errors.add("qualifying_section", "Select a qualifying section");
            None
        }
        code if refs.exists(ReferenceList::QualifyingSections, code)
            && !refs.section_qualifies(code) =>
        {
            errors.add(
                "qualifying_section",
                format!(
                    "{} does not give entitlement to section 117 aftercare",
                    section_name(code)
                ),
            );
            None
        }
        code => Code {
            field: "qualifying_section",
            list: ReferenceList::QualifyingSections,
            missing: None,
            not_in_list: "Select a qualifying section from the list",
        }
        .check(
            Some(code),
            prev(|e| Some(e.qualifying_section.as_str())),
            refs,
            &mut errors,
        ),
    };

    let place_detained = Code {
        field: "place_detained",
        list: ReferenceList::PlacesDetained,
        missing: None,
        not_in_list: "Select a place detained from the list",
    }
    .check(
        input.place_detained.as_deref(),
        prev(|e| e.place_detained.as_deref()),
        refs,
        &mut errors,
    );

    let s117_start_date = match input.s117_start_date {
        None => {
            errors.add(
                "s117_start_date",
                "Enter the start date of S117 entitlement",
            );
            None
        }
        Some(start) if date_detained.is_some_and(|detained| start < detained) => {
            errors.add(
                "s117_start_date",
                "Start of S117 entitlement must be the same as or after the date detained",
            );
            None
        }
        Some(start) => Some(start),
    };

    let responsible_la = Code {
        field: "responsible_la",
        list: ReferenceList::LocalAuthorities,
        missing: Some("Select a responsible local authority"),
        not_in_list: "Select a responsible local authority from the list",
    }
    .check(
        Some(&input.responsible_la),
        prev(|e| Some(e.responsible_la.as_str())),
        refs,
        &mut errors,
    );
    let responsible_commissioner = Code {
        field: "responsible_commissioner",
        list: ReferenceList::Commissioners,
        missing: Some("Select a responsible clinical commissioner"),
        not_in_list: "Select a responsible clinical commissioner from the list",
    }
    .check(
        Some(&input.responsible_commissioner),
        prev(|e| Some(e.responsible_commissioner.as_str())),
        refs,
        &mut errors,
    );

    let detained_or = |d: NaiveDate| date_detained.is_some_and(|detained| d < detained);
    match (input.cto_start_date, input.cto_end_date) {
        (None, Some(_)) => errors.add(
            "cto_start_date",
            "Enter the CTO start date, or remove the CTO end date",
        ),
        (Some(start), _) if start > today => errors.add(
            "cto_start_date",
            "CTO start date must be today or in the past",
        ),
        (Some(start), _) if detained_or(start) => errors.add(
            "cto_start_date",
            "CTO start date must be the same as or after the date detained",
        ),
        (Some(start), Some(end)) if end < start => errors.add(
            "cto_end_date",
            "CTO end date must be the same as or after the CTO start date",
        ),
        _ => {}
    }
    match input.last_review_date {
        Some(last) if last > today => errors.add(
            "last_review_date",
            "Date of last review must be today or in the past",
        ),
        Some(last) if detained_or(last) => errors.add(
            "last_review_date",
            "Date of last review must be the same as or after the date detained",
        ),
        _ => {}
    }
    match input.next_review_date {
        Some(next) if input.last_review_date.is_some_and(|last| next <= last) => errors.add(
            "next_review_date",
            "Next review due must be after the date of last review",
        ),
        Some(next) if detained_or(next) => errors.add(
            "next_review_date",
            "Next review due must be after the date detained",
        ),
        _ => {}
    }

    match (
        date_detained,
        qualifying_section,
        s117_start_date,
        responsible_la,
        responsible_commissioner,
    ) {
        (
            Some(date_detained),
            Some(qualifying_section),
            Some(s117_start_date),
            Some(responsible_la),
            Some(responsible_commissioner),
        ) if errors.is_empty() => Ok(ValidEpisode {
            date_detained,
            qualifying_section,
            place_detained,
            s117_start_date,
            responsible_la,
            responsible_commissioner,
            gp_out_of_county: input.gp_out_of_county,
            cto_start_date: input.cto_start_date,
            cto_end_date: input.cto_end_date,
            last_review_date: input.last_review_date,
            next_review_date: input.next_review_date,
        }),
        _ => Err(errors),
    }
}

/// The message when a CTO is in force at the end date.
pub const CTO_IN_FORCE: &str =
    "You cannot end entitlement while a community treatment order is in force";

/// Checks the end of `episode` (the stored open episode).
pub fn validate_end(
    input: &EndEpisodeInput,
    episode: &ValidEpisode,
    today: NaiveDate,
) -> Result<ValidEnd, FieldErrors> {
    let mut errors = FieldErrors::new();
    let end_date = match input.end_date {
        None => {
            errors.add("end_date", "Enter the date entitlement ended");
            None
        }
        Some(end) if end > today => {
            errors.add(
                "end_date",
                "Date entitlement ended must be today or in the past",
            );
            None
        }
        Some(end) if end < episode.s117_start_date => {
            errors.add(
                "end_date",
                "Date entitlement ended must be the same as or after the start of S117 entitlement",
            );
            None
        }
        Some(end) if episode.cto_in_force_on(end) => {
            errors.add("end_date", CTO_IN_FORCE);
            None
        }
        Some(end) => Some(end),
    };
    let reason = input.reason;
    if reason.is_none() {
        errors.add("reason", "Select why entitlement ended");
    }
    let name = |field, label| Text {
        field,
        label,
        max: MAX_NAME,
        multiline: false,
    };
    let la_agreed_by = name("la_agreed_by", "Name").required(
        &input.la_agreed_by,
        "Enter the name of the person who agreed for the local authority",
        &mut errors,
    );
    let nhs_agreed_by = name("nhs_agreed_by", "Name").required(
        &input.nhs_agreed_by,
        "Enter the name of the person who agreed for the NHS",
        &mut errors,
    );
    match (end_date, reason, la_agreed_by, nhs_agreed_by) {
        (Some(end_date), Some(reason), Some(la_agreed_by), Some(nhs_agreed_by)) => Ok(ValidEnd {
            end_date,
            reason,
            la_agreed_by,
            nhs_agreed_by,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests;
