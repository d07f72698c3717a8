//! CSV bulk upload (DESIGN.md §3 and §5, contract): the template's columns, how one row of
//! cells becomes the same [`RecordInput`] / [`EndEpisodeInput`] a form sends, and the check
//! report's JSON.
//!
//! Reading bytes (encodings, separators, quotes) is the API's job; this module starts from one
//! row's cells keyed by [`Column`]. Every rule a row must pass is the records capability's
//! ([`crate::record::validate_record`] and friends), so a row that passes here is exactly a
//! record the Submit New Record form would accept. What this module adds is the CSV's own
//! leniency: dates as dd/mm/yyyy, d/m/yyyy or ISO; names, codes or legacy names for coded
//! columns ([`CodeResolver`]); "Y"/"N" for yes/no columns.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::parse_flexible;
use crate::record::{EndReason, LearningDisability, RecordInput};
use crate::reference::{ReferenceItem, ReferenceList};

/// One template column, in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    NhsNumber,
    SystemId,
    FirstName,
    FamilyName,
    DateOfBirth,
    Gender,
    Ethnicity,
    Postcode,
    LearningDisability,
    GpPractice,
    GpOutOfCounty,
    ResponsibleLa,
    ResponsibleCommissioner,
    PlaceDetained,
    DateDetained,
    S117StartDate,
    QualifyingSection,
    EndDate,
    EndReason,
    /// Who agreed the end for the local authority (DESIGN.md's ending); optional, after the
    /// contract's columns so that files without it still read.
    LaAgreedBy,
    /// Who agreed the end for the NHS body.
    NhsAgreedBy,
}

impl Column {
    /// Every column in the template's order (DESIGN.md §5).
    pub const ALL: [Column; 21] = [
        Self::NhsNumber,
        Self::SystemId,
        Self::FirstName,
        Self::FamilyName,
        Self::DateOfBirth,
        Self::Gender,
        Self::Ethnicity,
        Self::Postcode,
        Self::LearningDisability,
        Self::GpPractice,
        Self::GpOutOfCounty,
        Self::ResponsibleLa,
        Self::ResponsibleCommissioner,
        Self::PlaceDetained,
        Self::DateDetained,
        Self::S117StartDate,
        Self::QualifyingSection,
        Self::EndDate,
        Self::EndReason,
        Self::LaAgreedBy,
        Self::NhsAgreedBy,
    ];

    /// The header as the template writes it.
    pub fn header(self) -> &'static str {
        match self {
            Self::NhsNumber => "NHS Number",
            Self::SystemId => "System ID",
            Self::FirstName => "First Name",
            Self::FamilyName => "Family Name",
            Self::DateOfBirth => "Date of Birth",
            Self::Gender => "Gender",
            Self::Ethnicity => "Ethnicity",
            Self::Postcode => "Postcode",
            Self::LearningDisability => "Learning Disability",
            Self::GpPractice => "GP Practice",
            Self::GpOutOfCounty => "GP Out of County",
            Self::ResponsibleLa => "Responsible Local Authority",
            Self::ResponsibleCommissioner => "Responsible Clinical Commissioner",
            Self::PlaceDetained => "Place Detained",
            Self::DateDetained => "Date Detained",
            Self::S117StartDate => "S117 Start Date",
            Self::QualifyingSection => "S117 Qualifying Section",
            Self::EndDate => "S117 End Date",
            Self::EndReason => "End Reason",
            Self::LaAgreedBy => "LA Agreed By",
            Self::NhsAgreedBy => "NHS Agreed By",
        }
    }

    /// Columns a file must have (a record cannot be made or matched without them).
    pub fn required(self) -> bool {
        matches!(
            self,
            Self::FirstName
                | Self::FamilyName
                | Self::DateOfBirth
                | Self::Gender
                | Self::Postcode
                | Self::ResponsibleLa
                | Self::ResponsibleCommissioner
                | Self::DateDetained
                | Self::S117StartDate
                | Self::QualifyingSection
        )
    }

    /// The reference list a coded column takes its values from.
    pub fn list(self) -> Option<ReferenceList> {
        match self {
            Self::Gender => Some(ReferenceList::Genders),
            Self::Ethnicity => Some(ReferenceList::EthnicCategories),
            Self::ResponsibleLa => Some(ReferenceList::LocalAuthorities),
            Self::ResponsibleCommissioner => Some(ReferenceList::Commissioners),
            Self::PlaceDetained => Some(ReferenceList::PlacesDetained),
            Self::QualifyingSection => Some(ReferenceList::QualifyingSections),
            _ => None,
        }
    }

    /// A date column (dd/mm/yyyy in the template).
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Self::DateOfBirth | Self::DateDetained | Self::S117StartDate | Self::EndDate
        )
    }

    /// The values a template's drop-down offers for this column, each one that the upload
    /// reads back as itself: the names of the column's reference list as offered for new
    /// entries (`items` is that list; active values, only qualifying sections), or the
    /// labels of a fixed choice. `None` for a column typed freely.
    pub fn choices(self, items: &[ReferenceItem]) -> Option<Vec<&str>> {
        if let Some(list) = self.list() {
            return Some(
                items
                    .iter()
                    .filter(|i| {
                        i.active
                            && (list != ReferenceList::QualifyingSections || i.qualifies_for_s117())
                    })
                    .map(|i| i.display_name.as_str())
                    .collect(),
            );
        }
        match self {
            Self::LearningDisability => {
                Some(LearningDisability::ALL.iter().map(|v| v.label()).collect())
            }
            Self::GpOutOfCounty => Some(vec!["Yes", "No"]),
            Self::EndReason => Some(EndReason::ALL.iter().map(|r| r.label()).collect()),
            _ => None,
        }
    }

    /// What the column takes (the template's guidance).
    pub fn guidance(self) -> &'static str {
        match self {
            Self::NhsNumber => "10 digits, spaces allowed (999 000 0018). Optional.",
            Self::SystemId => "The person's ID in your case system. Optional.",
            Self::FirstName | Self::FamilyName => "Required. Up to 100 characters.",
            Self::DateOfBirth
            | Self::DateDetained
            | Self::S117StartDate => "Required. dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd.",
            Self::Gender => "Required. Code or name: 1 Male, 2 Female, 9 Indeterminate, X Not known.",
            Self::Ethnicity => "Optional. NHS ethnic category code (A to Z) or its name.",
            Self::Postcode => "Required. UK postcode; ZZ99 3VZ no fixed abode, ZZ99 3WZ not known.",
            Self::LearningDisability => "Yes, No or Not known (blank is Not known).",
            Self::GpPractice => "Optional. Name of the GP practice.",
            Self::GpOutOfCounty => "Yes or No (blank is No).",
            Self::ResponsibleLa => "Required. ONS code (E10000028) or council name; former councils' names are accepted.",
            Self::ResponsibleCommissioner => "Required. Code (sicbl:05V, 05V) or name; former CCG names are accepted.",
            Self::PlaceDetained => "Optional. Code or hospital name.",
            Self::QualifyingSection => "Required. s3, s37, s37/41, s45A, s47, s47/49, s48, s48/49 or the section's name.",
            Self::EndDate => "Only to end an entitlement of a record already on the register: dd/mm/yyyy.",
            Self::EndReason => "With an end date: No longer needs aftercare, Died, Moved out of area, Entered in error or Other.",
            Self::LaAgreedBy => "Optional, with an end date: who agreed the end for the local authority (up to 100 characters). Blank: \"Confirmed in a CSV upload by\" and your email.",
            Self::NhsAgreedBy => "Optional, with an end date: who agreed the end for the NHS body (up to 100 characters). Blank: \"Confirmed in a CSV upload by\" and your email.",
        }
    }

    /// The column a header names: any case, spacing or punctuation ("DOB", "d.o.b",
    /// "NHS No", "date_of_birth"); `None` for a column the template does not have.
    pub fn from_header(header: &str) -> Option<Column> {
        let key: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if let Some(c) = Self::ALL.into_iter().find(|c| key == compact(c.header())) {
            return Some(c);
        }
        Some(match key.as_str() {
            "nhsno" | "nhs" => Self::NhsNumber,
            "systemid" | "sourcesystemid" | "id" | "clientid" => Self::SystemId,
            "forename" | "firstnames" | "givenname" => Self::FirstName,
            "surname" | "lastname" => Self::FamilyName,
            "dob" | "birthdate" => Self::DateOfBirth,
            "sex" => Self::Gender,
            "ethnicgroup" | "ethniccategory" => Self::Ethnicity,
            "postcode1" | "postalcode" => Self::Postcode,
            "gp" | "gppractice1" => Self::GpPractice,
            "responsiblela" | "s117responsiblelocalauthority" | "localauthority" => {
                Self::ResponsibleLa
            }
            "responsiblecommissioner"
            | "s117responsibleclinicalcommissioners"
            | "responsibleclinicalcommissioners"
            | "commissioner" => Self::ResponsibleCommissioner,
            "s117startdate1" | "startofs117entitlement" | "s117start" => Self::S117StartDate,
            "qualifyingsection" | "section" => Self::QualifyingSection,
            "enddate" | "dateofdischarge" | "endofs117entitlement" => Self::EndDate,
            "reason" => Self::EndReason,
            "agreedbyla" | "localauthorityagreedby" | "laagreed" => Self::LaAgreedBy,
            "agreedbynhs" | "nhsagreed" | "icbagreedby" => Self::NhsAgreedBy,
            _ => return None,
        })
    }
}

fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The template's header row, in the contract's order.
pub fn template_header() -> Vec<&'static str> {
    Column::ALL.iter().map(|c| c.header()).collect()
}

/// Resolves what people type in a coded column to the stored code: the code itself, the
/// name or display name, or an alias (legacy CCG names, councils' official names), ignoring
/// case, spacing and punctuation. A retired value with exactly one successor resolves to the
/// successor (a legacy CCG to its sub-ICB location, an abolished council to the council that
/// replaced it), because new entries take only current values.
pub struct CodeResolver {
    by_key: HashMap<(ReferenceList, String), String>,
    items: HashMap<(ReferenceList, String), ReferenceItem>,
    by_ods: HashMap<String, String>,
}

impl CodeResolver {
    pub fn new<'a>(lists: impl IntoIterator<Item = (ReferenceList, &'a [ReferenceItem])>) -> Self {
        let mut r = CodeResolver {
            by_key: HashMap::new(),
            items: HashMap::new(),
            by_ods: HashMap::new(),
        };
        for (list, items) in lists {
            // Codes first, then active names, then retired names and aliases: an earlier
            // entry wins a clash.
            let mut keys: Vec<(u8, String, &ReferenceItem)> = Vec::new();
            for it in items {
                keys.push((0, compact(&it.code), it));
                let rank = if it.active { 1 } else { 2 };
                keys.push((rank, compact(&it.name), it));
                keys.push((rank, compact(&it.display_name), it));
                for a in &it.aliases {
                    keys.push((rank, compact(a), it));
                }
                if let Some(ods) = it.attributes.get("ods_code").and_then(|v| v.as_str()) {
                    keys.push((rank + 1, compact(ods), it));
                    if it.active {
                        r.by_ods
                            .entry(ods.to_uppercase())
                            .or_insert(it.code.clone());
                    }
                }
                r.items.insert((list, it.code.clone()), it.clone());
            }
            keys.sort_by_key(|k| k.0);
            for (_, key, it) in keys {
                if !key.is_empty() {
                    r.by_key.entry((list, key)).or_insert(it.code.clone());
                }
            }
        }
        r
    }

    /// The code for `text` in `list`, following a retired value to its one successor.
    /// `Err` is the message for the row.
    pub fn resolve(&self, list: ReferenceList, text: &str) -> Result<String, String> {
        let Some(code) = self.by_key.get(&(list, compact(text))) else {
            return Err(format!(
                "\"{}\" is not in the {} list",
                text.trim(),
                list.title().to_lowercase()
            ));
        };
        let Some(item) = self.items.get(&(list, code.clone())) else {
            return Ok(code.clone());
        };
        if item.active {
            return Ok(code.clone());
        }
        let successors: Vec<String> = match list {
            ReferenceList::LocalAuthorities => item
                .attributes
                .get("replaced_by")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .split_whitespace()
                .map(String::from)
                .collect(),
            ReferenceList::Commissioners => item
                .attributes
                .get("successor_ods_codes")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|ods| self.by_ods.get(&ods.to_uppercase()).cloned())
                .collect(),
            _ => Vec::new(),
        };
        match successors.as_slice() {
            [one]
                if self
                    .items
                    .get(&(list, one.clone()))
                    .is_some_and(|s| s.active) =>
            {
                Ok(one.clone())
            }
            [] => Err(format!(
                "\"{}\" is no longer in use; give its successor",
                item.display_name
            )),
            many => Err(format!(
                "\"{}\" was replaced by more than one: give one of {}",
                item.display_name,
                many.join(", ")
            )),
        }
    }
}

/// One row's cells turned into values, before any rule is applied. `None` is a blank cell
/// (or a column the file does not have).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowValues {
    pub nhs_number: Option<String>,
    pub source_system_id: Option<String>,
    pub first_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub postcode: Option<String>,
    pub learning_disability: Option<LearningDisability>,
    pub gp_practice: Option<String>,
    pub gp_out_of_county: Option<bool>,
    pub responsible_la: Option<String>,
    pub responsible_commissioner: Option<String>,
    pub place_detained: Option<String>,
    pub date_detained: Option<NaiveDate>,
    pub s117_start_date: Option<NaiveDate>,
    pub qualifying_section: Option<String>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub la_agreed_by: Option<String>,
    pub nhs_agreed_by: Option<String>,
}

fn yes_no(s: &str) -> Option<bool> {
    match compact(s).as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

impl RowValues {
    /// Reads the cells; `errors` gets `(column, message)` for a cell that is not a value of
    /// its kind (a date that is not a real date, a name not in its list).
    pub fn read(
        cell: impl Fn(Column) -> Option<String>,
        resolver: &CodeResolver,
        errors: &mut Vec<(Column, String)>,
    ) -> RowValues {
        let text = |c: Column| {
            cell(c)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let date = |c: Column, errors: &mut Vec<(Column, String)>| {
            let s = text(c)?;
            parse_flexible(&s)
                .map_err(|e| errors.push((c, e.message_for(&c.header().to_lowercase()))))
                .ok()
        };
        let date_of_birth = date(Column::DateOfBirth, errors);
        let date_detained = date(Column::DateDetained, errors);
        let s117_start_date = date(Column::S117StartDate, errors);
        let end_date = date(Column::EndDate, errors);
        let coded = |c: Column, errors: &mut Vec<(Column, String)>| {
            let s = text(c)?;
            let list = c.list()?;
            resolver
                .resolve(list, &s)
                .map_err(|m| errors.push((c, m)))
                .ok()
        };
        let gender = coded(Column::Gender, errors);
        let ethnicity = coded(Column::Ethnicity, errors);
        let responsible_la = coded(Column::ResponsibleLa, errors);
        let responsible_commissioner = coded(Column::ResponsibleCommissioner, errors);
        let place_detained = coded(Column::PlaceDetained, errors);
        let qualifying_section = coded(Column::QualifyingSection, errors);
        let learning_disability = text(Column::LearningDisability).and_then(|s| {
            let v = LearningDisability::from_input(&s).or(match yes_no(&s) {
                Some(true) => Some(LearningDisability::Yes),
                Some(false) => Some(LearningDisability::No),
                None => None,
            });
            if v.is_none() {
                errors.push((
                    Column::LearningDisability,
                    "Learning disability must be Yes, No or Not known".into(),
                ));
            }
            v
        });
        let gp_out_of_county = text(Column::GpOutOfCounty).and_then(|s| {
            let v = yes_no(&s);
            if v.is_none() {
                errors.push((
                    Column::GpOutOfCounty,
                    "GP out of county must be Yes or No".into(),
                ));
            }
            v
        });
        let end_reason = text(Column::EndReason).and_then(|s| {
            let v = EndReason::from_input(&s).or_else(|| {
                let k = compact(&s);
                EndReason::ALL
                    .into_iter()
                    .find(|r| compact(r.label()).starts_with(&k) && k.len() >= 4)
            });
            if v.is_none() {
                errors.push((
                    Column::EndReason,
                    format!("\"{s}\" is not a reason entitlement ends"),
                ));
            }
            v
        });
        RowValues {
            nhs_number: text(Column::NhsNumber),
            source_system_id: text(Column::SystemId),
            first_name: text(Column::FirstName),
            family_name: text(Column::FamilyName),
            date_of_birth,
            gender,
            ethnicity,
            postcode: text(Column::Postcode),
            learning_disability,
            gp_practice: text(Column::GpPractice),
            gp_out_of_county,
            responsible_la,
            responsible_commissioner,
            place_detained,
            date_detained,
            s117_start_date,
            qualifying_section,
            end_date,
            end_reason,
            la_agreed_by: text(Column::LaAgreedBy),
            nhs_agreed_by: text(Column::NhsAgreedBy),
        }
    }

    /// The columns of an end (other than the date) that this row fills in: they mean
    /// nothing without an end date.
    pub fn end_details(&self) -> Vec<Column> {
        [
            (Column::EndReason, self.end_reason.is_some()),
            (Column::LaAgreedBy, self.la_agreed_by.is_some()),
            (Column::NhsAgreedBy, self.nhs_agreed_by.is_some()),
        ]
        .into_iter()
        .filter_map(|(c, given)| given.then_some(c))
        .collect()
    }

    /// The record this row describes, on top of `base` (a stored record's form when the row
    /// updates one, so blank cells and fields the template lacks keep their stored values;
    /// an empty form for a new record).
    pub fn apply(&self, mut base: RecordInput) -> RecordInput {
        fn set<T: Clone>(slot: &mut T, v: &Option<T>) {
            if let Some(v) = v {
                *slot = v.clone();
            }
        }
        fn set_opt<T: Clone>(slot: &mut Option<T>, v: &Option<T>) {
            if v.is_some() {
                *slot = v.clone();
            }
        }
        set_opt(&mut base.nhs_number, &self.nhs_number);
        set_opt(&mut base.source_system_id, &self.source_system_id);
        set(&mut base.first_name, &self.first_name);
        set(&mut base.family_name, &self.family_name);
        set_opt(&mut base.date_of_birth, &self.date_of_birth);
        set(&mut base.gender, &self.gender);
        set_opt(&mut base.ethnicity, &self.ethnicity);
        set(&mut base.postcode, &self.postcode);
        set(&mut base.learning_disability, &self.learning_disability);
        set_opt(&mut base.gp_practice, &self.gp_practice);
        let e = &mut base.episode;
        set(&mut e.gp_out_of_county, &self.gp_out_of_county);
        set(&mut e.responsible_la, &self.responsible_la);
        set(
            &mut e.responsible_commissioner,
            &self.responsible_commissioner,
        );
        set_opt(&mut e.place_detained, &self.place_detained);
        set_opt(&mut e.date_detained, &self.date_detained);
        set_opt(&mut e.s117_start_date, &self.s117_start_date);
        set(&mut e.qualifying_section, &self.qualifying_section);
        base
    }
}

/// The column a validation error's field belongs to (`episode.date_detained` -> Date
/// Detained), so a row's reasons name what the user sees in their spreadsheet.
pub fn column_of_field(field: &str) -> Option<Column> {
    Some(match field {
        "nhs_number" => Column::NhsNumber,
        "source_system_id" => Column::SystemId,
        "first_name" => Column::FirstName,
        "family_name" => Column::FamilyName,
        "date_of_birth" => Column::DateOfBirth,
        "gender" => Column::Gender,
        "ethnicity" => Column::Ethnicity,
        "postcode" => Column::Postcode,
        "learning_disability" => Column::LearningDisability,
        "gp_practice" => Column::GpPractice,
        "episode.gp_out_of_county" => Column::GpOutOfCounty,
        "episode.responsible_la" => Column::ResponsibleLa,
        "episode.responsible_commissioner" => Column::ResponsibleCommissioner,
        "episode.place_detained" => Column::PlaceDetained,
        "episode.date_detained" => Column::DateDetained,
        "episode.s117_start_date" => Column::S117StartDate,
        "episode.qualifying_section" => Column::QualifyingSection,
        "end_date" => Column::EndDate,
        "reason" => Column::EndReason,
        "la_agreed_by" => Column::LaAgreedBy,
        "nhs_agreed_by" => Column::NhsAgreedBy,
        _ => return None,
    })
}

/// What checking decided for a row (the report's tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// Nobody on the register matches: processing adds a record.
    New,
    /// Matches a record (as duplicate detection matches) and changes it.
    Updated,
    /// Carries an end date for a matched record's open entitlement.
    Ended,
    /// Matches a record and would change nothing.
    NoChange,
    /// Cannot be applied; `errors` says every reason.
    Error,
}

impl RowKind {
    pub const ALL: [RowKind; 5] = [
        Self::New,
        Self::Updated,
        Self::Ended,
        Self::Error,
        Self::NoChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Updated => "updated",
            Self::Ended => "ended",
            Self::NoChange => "no_change",
            Self::Error => "error",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<RowKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The tab's title, as in the fact sheet.
    pub fn tab_title(self) -> &'static str {
        match self {
            Self::New => "New Records",
            Self::Updated => "Updated Records",
            Self::Ended => "Entitlements Ended",
            Self::NoChange => "No Change",
            Self::Error => "Errors Encountered",
        }
    }
}

/// One row of the report (the fact sheet's columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The row number Excel shows (the header is row 1).
    pub row: u32,
    pub kind: RowKind,
    pub nhs_number: Option<String>,
    pub system_id: Option<String>,
    pub name: String,
    /// As given in the file (it may not be a date).
    pub date_of_birth: String,
    pub postcode: String,
    pub responsible_la: String,
    pub responsible_commissioner: String,
    /// "Upload in check mode, record not added." and the like.
    pub status: String,
    /// Every reason the row cannot be applied (errors tab), "Column: message".
    #[serde(default)]
    pub errors: Vec<String>,
    /// The matched register record, for updated / ended / no-change rows and processed rows.
    #[serde(default)]
    pub record_id: Option<i64>,
}

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Checked; nothing written to the register yet.
    Checked,
    /// Applied to the register (once).
    Processed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportCounts {
    pub new: i64,
    pub updated: i64,
    pub ended: i64,
    pub errors: i64,
    pub no_change: i64,
}

impl ImportCounts {
    pub fn add(&mut self, kind: RowKind) {
        match kind {
            RowKind::New => self.new += 1,
            RowKind::Updated => self.updated += 1,
            RowKind::Ended => self.ended += 1,
            RowKind::Error => self.errors += 1,
            RowKind::NoChange => self.no_change += 1,
        }
    }
    pub fn of(&self, kind: RowKind) -> i64 {
        match kind {
            RowKind::New => self.new,
            RowKind::Updated => self.updated,
            RowKind::Ended => self.ended,
            RowKind::Error => self.errors,
            RowKind::NoChange => self.no_change,
        }
    }
}

/// `GET /api/v1/imports/{id}`: the check (or process) report, one tab's rows a page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub id: String,
    pub file_name: String,
    /// SHA-256 of the file as uploaded, hex.
    pub sha256: String,
    /// `utf-8` or `windows-1252` (or `utf-16`): how the file was read.
    pub encoding: String,
    /// Rows in the file, not counting the header or empty rows.
    pub total_rows: i64,
    pub counts: ImportCounts,
    pub status: ImportStatus,
    /// Columns the file had that the template does not: reported, then ignored.
    pub ignored_columns: Vec<String>,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    /// After this the upload is removed and must be checked again.
    pub expires_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// The tab these rows are from.
    pub tab: RowKind,
    pub rows: Vec<ImportRow>,
    /// Rows in this tab (for paging).
    pub rows_total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, name: &str, active: bool, attrs: &[(&str, &str)]) -> ReferenceItem {
        ReferenceItem {
            code: code.into(),
            name: name.into(),
            display_name: name.into(),
            active,
            sort_order: 0,
            valid_from: None,
            valid_to: None,
            aliases: vec![],
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect(),
        }
    }

    #[test]
    fn headers_match_in_any_case_and_spelling() {
        assert_eq!(Column::from_header("nhs number"), Some(Column::NhsNumber));
        assert_eq!(Column::from_header(" D.O.B "), Some(Column::DateOfBirth));
        assert_eq!(
            Column::from_header("S117 RESPONSIBLE CLINICAL COMMISSIONERS"),
            Some(Column::ResponsibleCommissioner)
        );
        assert_eq!(Column::from_header("Favourite colour"), None);
        for c in Column::ALL {
            assert_eq!(Column::from_header(c.header()), Some(c));
        }
    }

    #[test]
    fn every_fixed_choice_reads_back_as_itself() {
        let resolver = CodeResolver::new(std::iter::empty());
        for c in Column::ALL {
            if c.list().is_some() {
                continue;
            }
            for v in c.choices(&[]).into_iter().flatten() {
                let mut errors = Vec::new();
                RowValues::read(
                    |col| (col == c).then(|| v.to_string()),
                    &resolver,
                    &mut errors,
                );
                assert!(errors.is_empty(), "{c:?} {v}: {errors:?}");
            }
        }
        assert_eq!(Column::GpPractice.choices(&[]), None);
    }

    #[test]
    fn drop_downs_offer_active_names_and_only_qualifying_sections() {
        let section = |code: &str, name: &str, active: bool, qualifies: bool| {
            let mut it = item(code, name, active, &[]);
            it.attributes.insert(
                "qualifies_for_s117".into(),
                serde_json::Value::Bool(qualifies),
            );
            it
        };
        let sections = [
            section("s3", "Section 3", true, true),
            section("s2", "Section 2", true, false),
            section("s99", "Section 99", false, true),
        ];
        assert_eq!(
            Column::QualifyingSection.choices(&sections),
            Some(vec!["Section 3"])
        );
        let las = [
            item("E1", "Here", true, &[]),
            item("E2", "Gone", false, &[]),
        ];
        assert_eq!(Column::ResponsibleLa.choices(&las), Some(vec!["Here"]));
    }

    #[test]
    fn legacy_names_resolve_to_their_one_successor() {
        let commissioners = vec![
            item(
                "sicbl:05V",
                "NHS Staffordshire and Stoke-on-Trent ICB - 05V",
                true,
                &[("ods_code", "05V")],
            ),
            item(
                "ccg:05V",
                "NHS Stafford and Surrounds CCG",
                false,
                &[("ods_code", "05V"), ("successor_ods_codes", "05V")],
            ),
        ];
        let r = CodeResolver::new([(ReferenceList::Commissioners, commissioners.as_slice())]);
        assert_eq!(
            r.resolve(
                ReferenceList::Commissioners,
                "NHS STAFFORD AND SURROUNDS CCG"
            ),
            Ok("sicbl:05V".to_string())
        );
        assert_eq!(
            r.resolve(ReferenceList::Commissioners, "05V"),
            Ok("sicbl:05V".into())
        );
        assert!(r
            .resolve(ReferenceList::Commissioners, "Nowhere CCG")
            .is_err());
    }
}
