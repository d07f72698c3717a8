//! The record form: its fields (shared by Submit New Record, Edit record and New detention),
//! their state, how typed text becomes a [`RecordInput`] / [`EpisodeInput`], and how field
//! errors (the browser's own, or a 422's `errors`) find their field and the error summary.
//!
//! Errors are keyed by the API's JSON names (`first_name`, `episode.date_detained`); the
//! element ids are GOV.UK-style (`first-name`, `date-detained-day`), looked up in [`FIELDS`].

use chrono::NaiveDate;
use leptos::prelude::*;
use s117_shared::dates::DateInput as TypedDate;
use s117_shared::nhs_number::NhsNumber;
use s117_shared::postcode::Postcode;
use s117_shared::record::{
    EpisodeInput, LearningDisability, RecordInput, ValidEpisode, ValidRecord,
};
use s117_shared::record_view::{EpisodeView, Record};
use s117_shared::reference::ReferenceList;
use s117_shared::validation::FieldErrors;

use crate::components::{
    DateFields, DateInput, DateParts, ErrorItem, Radios, SearchableSelect, Select, TextInput,
    Textarea,
};

use super::refs::Refs;

/// A field of the form: its JSON key (episode fields without the `episode.` prefix), the
/// element id, its label as people read it, and whether it is a date (three boxes).
pub struct Field {
    pub key: &'static str,
    pub id: &'static str,
    pub label: &'static str,
    pub date: bool,
}

const fn field(key: &'static str, id: &'static str, label: &'static str) -> Field {
    Field {
        key,
        id,
        label,
        date: false,
    }
}

const fn date(key: &'static str, id: &'static str, label: &'static str) -> Field {
    Field {
        key,
        id,
        label,
        date: true,
    }
}

/// Every field, in the order of the form (the error summary's order).
pub const FIELDS: &[Field] = &[
    field("first_name", "first-name", "First name"),
    field("family_name", "family-name", "Family name"),
    date("date_of_birth", "date-of-birth", "Date of birth"),
    field("gender", "gender", "Gender"),
    field("ethnicity", "ethnicity", "Ethnicity"),
    field("nhs_number", "nhs-number", "NHS number"),
    field("source_system_id", "source-system-id", "System ID"),
    field("address_line_1", "address-line-1", "Address line 1"),
    field("address_line_2", "address-line-2", "Address line 2"),
    field("address_line_3", "address-line-3", "Address line 3"),
    field("town", "town", "Town or city"),
    field("postcode", "postcode", "Postcode"),
    field(
        "learning_disability",
        "learning-disability",
        "Learning disability",
    ),
    field("gp_practice", "gp-practice", "GP practice"),
    field("notes", "notes", "Notes"),
    date("date_detained", "date-detained", "Date detained"),
    field(
        "qualifying_section",
        "qualifying-section",
        "S117 qualifying section",
    ),
    field("place_detained", "place-detained", "Place detained"),
    date(
        "s117_start_date",
        "s117-start-date",
        "Start of S117 entitlement",
    ),
    field(
        "responsible_la",
        "responsible-la",
        "S117 responsible local authority",
    ),
    field(
        "responsible_commissioner",
        "responsible-commissioner",
        "S117 responsible clinical commissioner",
    ),
    field("gp_out_of_county", "gp-out-of-county", "GP out of county"),
    date("cto_start_date", "cto-start-date", "CTO start date"),
    date("cto_end_date", "cto-end-date", "CTO end date"),
    date(
        "last_review_date",
        "last-review-date",
        "Date of last review",
    ),
    date("next_review_date", "next-review-date", "Next review due"),
    // Ending an entitlement.
    date(
        "end_date",
        "end-date",
        "Date of discharge / end of S117 entitlement",
    ),
    field("reason", "reason", "Reason"),
    field(
        "la_agreed_by",
        "la-agreed-by",
        "Agreed for the local authority by",
    ),
    field("nhs_agreed_by", "nhs-agreed-by", "Agreed for the NHS by"),
];

/// The field an error key names (`episode.date_detained` → Date detained).
pub fn field_of(key: &str) -> Option<(usize, &'static Field)> {
    let key = key.strip_prefix("episode.").unwrap_or(key);
    FIELDS.iter().enumerate().find(|(_, f)| f.key == key)
}

/// A label for a key of the history's changes (falls back to the key).
pub fn label_of(key: &str) -> String {
    field_of(key).map_or_else(|| key.replace('_', " "), |(_, f)| f.label.to_owned())
}

/// The error summary's entries, in the order of the form, each linking to its field (a
/// date's day box).
pub fn summary_items(errors: &FieldErrors) -> Vec<ErrorItem> {
    let mut items: Vec<(usize, ErrorItem)> = errors
        .iter()
        .map(|(key, message)| match field_of(key) {
            Some((index, f)) => {
                let id = if f.date {
                    format!("{}-day", f.id)
                } else {
                    f.id.to_owned()
                };
                (index, ErrorItem::field(id, message))
            }
            None => (usize::MAX, ErrorItem::general(message)),
        })
        .collect();
    items.sort_by_key(|(index, _)| *index);
    items.into_iter().map(|(_, item)| item).collect()
}

/// The message beside the field `key` (e.g. `episode.date_detained`), reactive.
pub fn error_for(errors: RwSignal<FieldErrors>, key: String) -> Signal<Option<String>> {
    Signal::derive(move || errors.with(|e| e.get(&key).map(str::to_owned)))
}

/// The boxes GOV.UK highlights for a date message: only the missing parts for "must
/// include a month", all three otherwise.
pub fn date_parts(errors: RwSignal<FieldErrors>, key: String) -> Signal<DateParts> {
    Signal::derive(move || {
        errors.with(|e| match e.get(&key) {
            Some(message) if message.contains("must include") => {
                let missing = message.split("must include").nth(1).unwrap_or("");
                DateParts {
                    day: missing.contains("day"),
                    month: missing.contains("month"),
                    year: missing.contains("year"),
                }
            }
            _ => DateParts::ALL,
        })
    })
}

/// Sets the three boxes from a date.
pub fn fill_date(fields: DateFields, date: Option<NaiveDate>) {
    let typed = TypedDate::from_date(date);
    fields.day.set(typed.day);
    fields.month.set(typed.month);
    fields.year.set(typed.year);
}

/// Reads the three boxes: the date, `None` when blank, or the GOV.UK message added to
/// `errors` under `key`.
pub fn read_date(
    fields: DateFields,
    label: &str,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let typed = TypedDate {
        day: fields.day.get_untracked(),
        month: fields.month.get_untracked(),
        year: fields.year.get_untracked(),
    };
    match typed.parse(label) {
        Ok(date) => date,
        Err(message) => {
            errors.add(key, message);
            None
        }
    }
}

fn opt(value: String) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then_some(value)
}

/// The person's half of the form ("Details of the individual").
#[derive(Debug, Clone, Copy)]
pub struct PersonForm {
    pub first_name: RwSignal<String>,
    pub family_name: RwSignal<String>,
    pub date_of_birth: DateFields,
    pub gender: RwSignal<String>,
    pub ethnicity: RwSignal<String>,
    pub nhs_number: RwSignal<String>,
    pub source_system_id: RwSignal<String>,
    pub address_line_1: RwSignal<String>,
    pub address_line_2: RwSignal<String>,
    pub address_line_3: RwSignal<String>,
    pub town: RwSignal<String>,
    pub postcode: RwSignal<String>,
    pub learning_disability: RwSignal<String>,
    pub gp_practice: RwSignal<String>,
    pub notes: RwSignal<String>,
}

/// The episode's half ("Detention information"), also the whole New detention form.
#[derive(Debug, Clone, Copy)]
pub struct EpisodeForm {
    pub date_detained: DateFields,
    pub qualifying_section: RwSignal<String>,
    pub place_detained: RwSignal<String>,
    pub s117_start_date: DateFields,
    pub responsible_la: RwSignal<String>,
    pub responsible_commissioner: RwSignal<String>,
    pub gp_out_of_county: RwSignal<String>,
    pub cto_start_date: DateFields,
    pub cto_end_date: DateFields,
    pub last_review_date: DateFields,
    pub next_review_date: DateFields,
}

/// The whole record form.
#[derive(Debug, Clone, Copy)]
pub struct RecordForm {
    pub person: PersonForm,
    pub episode: EpisodeForm,
}

fn text() -> RwSignal<String> {
    RwSignal::new(String::new())
}

impl EpisodeForm {
    pub fn new() -> Self {
        Self {
            date_detained: DateFields::new(),
            qualifying_section: text(),
            place_detained: text(),
            s117_start_date: DateFields::new(),
            responsible_la: text(),
            responsible_commissioner: text(),
            gp_out_of_county: RwSignal::new("no".to_owned()),
            cto_start_date: DateFields::new(),
            cto_end_date: DateFields::new(),
            last_review_date: DateFields::new(),
            next_review_date: DateFields::new(),
        }
    }

    pub fn fill(&self, input: &EpisodeInput) {
        fill_date(self.date_detained, input.date_detained);
        self.qualifying_section
            .set(input.qualifying_section.clone());
        self.place_detained
            .set(input.place_detained.clone().unwrap_or_default());
        fill_date(self.s117_start_date, input.s117_start_date);
        self.responsible_la.set(input.responsible_la.clone());
        self.responsible_commissioner
            .set(input.responsible_commissioner.clone());
        self.gp_out_of_county
            .set(if input.gp_out_of_county { "yes" } else { "no" }.to_owned());
        fill_date(self.cto_start_date, input.cto_start_date);
        fill_date(self.cto_end_date, input.cto_end_date);
        fill_date(self.last_review_date, input.last_review_date);
        fill_date(self.next_review_date, input.next_review_date);
    }

    /// The episode as typed; dates that are not dates are left out and reported in `errors`
    /// under `<prefix><key>`.
    pub fn read(&self, prefix: &str, errors: &mut FieldErrors) -> EpisodeInput {
        let mut date =
            |fields, label, key: &str| read_date(fields, label, &format!("{prefix}{key}"), errors);
        EpisodeInput {
            date_detained: date(self.date_detained, "date detained", "date_detained"),
            qualifying_section: self.qualifying_section.get_untracked(),
            place_detained: opt(self.place_detained.get_untracked()),
            s117_start_date: date(
                self.s117_start_date,
                "start of S117 entitlement",
                "s117_start_date",
            ),
            responsible_la: self.responsible_la.get_untracked(),
            responsible_commissioner: self.responsible_commissioner.get_untracked(),
            gp_out_of_county: self.gp_out_of_county.get_untracked() == "yes",
            cto_start_date: date(self.cto_start_date, "CTO start date", "cto_start_date"),
            cto_end_date: date(self.cto_end_date, "CTO end date", "cto_end_date"),
            last_review_date: date(
                self.last_review_date,
                "date of last review",
                "last_review_date",
            ),
            next_review_date: date(
                self.next_review_date,
                "next review due date",
                "next_review_date",
            ),
        }
    }
}

impl Default for EpisodeForm {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordForm {
    pub fn new() -> Self {
        Self {
            person: PersonForm {
                first_name: text(),
                family_name: text(),
                date_of_birth: DateFields::new(),
                gender: text(),
                ethnicity: text(),
                nhs_number: text(),
                source_system_id: text(),
                address_line_1: text(),
                address_line_2: text(),
                address_line_3: text(),
                town: text(),
                postcode: text(),
                learning_disability: RwSignal::new(
                    LearningDisability::NotKnown.as_str().to_owned(),
                ),
                gp_practice: text(),
                notes: text(),
            },
            episode: EpisodeForm::new(),
        }
    }

    /// Puts `input` in every box (an edit form, or "use the current record").
    pub fn fill(&self, input: &RecordInput) {
        let p = &self.person;
        let s = |signal: RwSignal<String>, value: &Option<String>| {
            signal.set(value.clone().unwrap_or_default())
        };
        s(
            p.nhs_number,
            &input.nhs_number.as_ref().map(|n| spaced_nhs(n)),
        );
        s(p.source_system_id, &input.source_system_id);
        p.first_name.set(input.first_name.clone());
        p.family_name.set(input.family_name.clone());
        fill_date(p.date_of_birth, input.date_of_birth);
        p.gender.set(input.gender.clone());
        s(p.ethnicity, &input.ethnicity);
        s(p.address_line_1, &input.address_line_1);
        s(p.address_line_2, &input.address_line_2);
        s(p.address_line_3, &input.address_line_3);
        s(p.town, &input.town);
        p.postcode.set(input.postcode.clone());
        p.learning_disability
            .set(input.learning_disability.as_str().to_owned());
        s(p.gp_practice, &input.gp_practice);
        s(p.notes, &input.notes);
        self.episode.fill(&input.episode);
    }

    /// The record as typed, and the date boxes that are not dates.
    pub fn read(&self) -> (RecordInput, FieldErrors) {
        let mut errors = FieldErrors::new();
        let p = &self.person;
        let date_of_birth = read_date(
            p.date_of_birth,
            "date of birth",
            "date_of_birth",
            &mut errors,
        );
        let episode = self.episode.read("episode.", &mut errors);
        let input = RecordInput {
            nhs_number: opt(p.nhs_number.get_untracked()),
            source_system_id: opt(p.source_system_id.get_untracked()),
            first_name: p.first_name.get_untracked(),
            family_name: p.family_name.get_untracked(),
            date_of_birth,
            gender: p.gender.get_untracked(),
            ethnicity: opt(p.ethnicity.get_untracked()),
            address_line_1: opt(p.address_line_1.get_untracked()),
            address_line_2: opt(p.address_line_2.get_untracked()),
            address_line_3: opt(p.address_line_3.get_untracked()),
            town: opt(p.town.get_untracked()),
            postcode: p.postcode.get_untracked(),
            learning_disability: LearningDisability::from_input(
                &p.learning_disability.get_untracked(),
            )
            .unwrap_or_default(),
            gp_practice: opt(p.gp_practice.get_untracked()),
            notes: opt(p.notes.get_untracked()),
            episode,
        };
        (input, errors)
    }
}

impl Default for RecordForm {
    fn default() -> Self {
        Self::new()
    }
}

/// "9990000018" → "999 000 0018"; anything else as it is.
pub fn spaced_nhs(digits: &str) -> String {
    NhsNumber::parse(digits).map_or_else(|_| digits.to_owned(), |n| n.formatted())
}

/// The episode a record's form edits: the open one, else the latest.
pub fn current_episode(record: &Record) -> Option<&EpisodeView> {
    record.episode.as_ref().or_else(|| record.episodes.first())
}

/// A stored episode in the shape the form and the rules take.
pub fn episode_input(e: &EpisodeView) -> EpisodeInput {
    EpisodeInput {
        date_detained: Some(e.date_detained),
        qualifying_section: e.qualifying_section.code.clone(),
        place_detained: e.place_detained.as_ref().map(|c| c.code.clone()),
        s117_start_date: Some(e.s117_start_date),
        responsible_la: e.responsible_la.code.clone(),
        responsible_commissioner: e.responsible_commissioner.code.clone(),
        gp_out_of_county: e.gp_out_of_county,
        cto_start_date: e.cto_start_date,
        cto_end_date: e.cto_end_date,
        last_review_date: e.last_review_date,
        next_review_date: e.next_review_date,
    }
}

/// A stored episode as the rules know it (for `validate_end`, and `previous` when editing).
pub fn episode_valid(e: &EpisodeView) -> ValidEpisode {
    ValidEpisode {
        date_detained: e.date_detained,
        qualifying_section: e.qualifying_section.code.clone(),
        place_detained: e.place_detained.as_ref().map(|c| c.code.clone()),
        s117_start_date: e.s117_start_date,
        responsible_la: e.responsible_la.code.clone(),
        responsible_commissioner: e.responsible_commissioner.code.clone(),
        gp_out_of_county: e.gp_out_of_county,
        cto_start_date: e.cto_start_date,
        cto_end_date: e.cto_end_date,
        last_review_date: e.last_review_date,
        next_review_date: e.next_review_date,
    }
}

/// A stored record in the shape of the form.
pub fn record_input(record: &Record) -> RecordInput {
    RecordInput {
        nhs_number: record.nhs_number.clone(),
        source_system_id: record.source_system_id.clone(),
        first_name: record.first_name.clone(),
        family_name: record.family_name.clone(),
        date_of_birth: Some(record.date_of_birth),
        gender: record.gender.code.clone(),
        ethnicity: record.ethnicity.as_ref().map(|c| c.code.clone()),
        address_line_1: record.address_line_1.clone(),
        address_line_2: record.address_line_2.clone(),
        address_line_3: record.address_line_3.clone(),
        town: record.town.clone(),
        postcode: record.postcode.clone(),
        learning_disability: record.learning_disability,
        gp_practice: record.gp_practice.clone(),
        notes: record.notes.clone(),
        episode: current_episode(record)
            .map(episode_input)
            .unwrap_or_default(),
    }
}

/// A stored record as the rules know it: `previous` for `validate_record`, so values
/// retired since it was saved stay acceptable on it (as the API allows). `None` if the
/// stored values do not parse (the API then has the last word).
pub fn record_valid(record: &Record) -> Option<ValidRecord> {
    let nhs_number = match &record.nhs_number {
        Some(n) => Some(NhsNumber::parse(n).ok()?),
        None => None,
    };
    Some(ValidRecord {
        nhs_number,
        source_system_id: record.source_system_id.clone(),
        first_name: record.first_name.clone(),
        family_name: record.family_name.clone(),
        date_of_birth: record.date_of_birth,
        gender: record.gender.code.clone(),
        ethnicity: record.ethnicity.as_ref().map(|c| c.code.clone()),
        address_line_1: record.address_line_1.clone(),
        address_line_2: record.address_line_2.clone(),
        address_line_3: record.address_line_3.clone(),
        town: record.town.clone(),
        postcode: Postcode::parse(&record.postcode).ok()?,
        learning_disability: record.learning_disability,
        gp_practice: record.gp_practice.clone(),
        notes: record.notes.clone(),
        episode: episode_valid(current_episode(record)?),
    })
}

/// A date field of the form, wired to its key's error.
fn date_field(
    key: &'static str,
    prefix: &'static str,
    legend: &'static str,
    hint: &'static str,
    fields: DateFields,
    errors: RwSignal<FieldErrors>,
    required: bool,
) -> impl IntoView {
    let f = field_of(key).map(|(_, f)| f.id).unwrap_or(key);
    let full = format!("{prefix}{key}");
    let legend = if required {
        format!("{legend}*")
    } else {
        legend.to_owned()
    };
    view! {
        <DateInput
            id=f
            legend=legend
            legend_class="govuk-fieldset__legend--s"
            hint=hint
            name_prefix=f
            error=error_for(errors, full.clone())
            error_parts=date_parts(errors, full)
            fields=fields
        />
    }
}

/// "Details of the individual".
#[component]
pub fn PersonFields(
    form: PersonForm,
    errors: RwSignal<FieldErrors>,
    refs: Refs,
    /// Values the record already holds (kept on offer even if retired since).
    #[prop(optional)]
    held: Option<RecordInput>,
) -> impl IntoView {
    let held = held.unwrap_or_default();
    let err = move |key: &str| error_for(errors, key.to_owned());
    let genders = refs.options(ReferenceList::Genders, &held.gender);
    let ethnicities = refs.options(
        ReferenceList::EthnicCategories,
        held.ethnicity.as_deref().unwrap_or(""),
    );
    view! {
        <h2 class="govuk-heading-m">"Details of the individual"</h2>
        <TextInput id="first-name" name="first_name" label="First name" required=true
            value=form.first_name error=err("first_name") autocomplete="off" no_spellcheck=true
            width="govuk-!-width-one-half" />
        <TextInput id="family-name" name="family_name" label="Family name" required=true
            value=form.family_name error=err("family_name") autocomplete="off" no_spellcheck=true
            width="govuk-!-width-one-half" />
        {date_field("date_of_birth", "", "Date of birth", "For example, 13 2 1980",
            form.date_of_birth, errors, true)}
        <Select id="gender" label="Gender" required=true value=form.gender error=err("gender")
            options=Signal::stored(genders) placeholder="Select a gender" />
        <Select id="ethnicity" label="Ethnicity" value=form.ethnicity error=err("ethnicity")
            options=Signal::stored(ethnicities) placeholder="Not recorded" />
        <TextInput id="nhs-number" name="nhs_number" label="NHS number"
            hint="10 digits, for example 999 000 0018" value=form.nhs_number
            error=err("nhs_number") width="govuk-input--width-10" inputmode="numeric"
            autocomplete="off" no_spellcheck=true />
        <TextInput id="source-system-id" name="source_system_id" label="System ID"
            hint="The person's ID in your organisation's case management system"
            value=form.source_system_id error=err("source_system_id")
            width="govuk-input--width-20" autocomplete="off" no_spellcheck=true />
        <TextInput id="address-line-1" name="address_line_1" label="Address line 1"
            value=form.address_line_1 error=err("address_line_1") autocomplete="off" />
        <TextInput id="address-line-2" name="address_line_2" label="Address line 2"
            value=form.address_line_2 error=err("address_line_2") autocomplete="off" />
        <TextInput id="address-line-3" name="address_line_3" label="Address line 3"
            value=form.address_line_3 error=err("address_line_3") autocomplete="off" />
        <TextInput id="town" label="Town or city" value=form.town error=err("town")
            width="govuk-!-width-two-thirds" autocomplete="off" />
        <TextInput id="postcode" label="Postcode" required=true
            hint="Use ZZ99 3VZ for no fixed abode" value=form.postcode
            error=err("postcode") width="govuk-input--width-10" autocomplete="off"
            no_spellcheck=true />
        <Radios id="learning-disability" legend="Learning disability"
            value=form.learning_disability error=err("learning_disability") inline=true
            options=LearningDisability::ALL.iter().map(|l| (l.as_str(), l.label())).collect() />
        <TextInput id="gp-practice" name="gp_practice" label="GP practice"
            value=form.gp_practice error=err("gp_practice") autocomplete="off" />
        <Textarea id="notes" label="Notes" value=form.notes error=err("notes") />
    }
}

/// "Detention information". `prefix` is how the errors name its fields: `episode.` inside a
/// record, empty for a new detention.
#[component]
pub fn EpisodeFields(
    form: EpisodeForm,
    errors: RwSignal<FieldErrors>,
    refs: Refs,
    prefix: &'static str,
    #[prop(optional)] held: Option<EpisodeInput>,
) -> impl IntoView {
    let held = held.unwrap_or_default();
    let err = move |key: &str| error_for(errors, format!("{prefix}{key}"));
    let sections = refs.options(ReferenceList::QualifyingSections, &held.qualifying_section);
    let places = refs.options(
        ReferenceList::PlacesDetained,
        held.place_detained.as_deref().unwrap_or(""),
    );
    let las = refs.options(ReferenceList::LocalAuthorities, &held.responsible_la);
    let commissioners = refs.options(ReferenceList::Commissioners, &held.responsible_commissioner);
    view! {
        <h2 class="govuk-heading-m">"Detention information"</h2>
        {date_field("date_detained", prefix, "Date detained", "For example, 6 1 2025",
            form.date_detained, errors, true)}
        <Select id="qualifying-section" label="S117 qualifying section" required=true
            hint="Only sections that give entitlement to section 117 aftercare are listed"
            value=form.qualifying_section error=err("qualifying_section")
            options=Signal::stored(sections) placeholder="Select a section" />
        <Select id="place-detained" label="Place detained" value=form.place_detained
            error=err("place_detained") options=Signal::stored(places)
            placeholder="Not recorded" />
        {date_field("s117_start_date", prefix, "Start of S117 entitlement",
            "Usually the date of discharge from detention, for example 1 3 2025",
            form.s117_start_date, errors, true)}
        <SearchableSelect id="responsible-la" label="S117 responsible local authority"
            search_label="Search local authorities" required=true value=form.responsible_la
            error=err("responsible_la") options=Signal::stored(las)
            placeholder="Select a local authority" />
        <SearchableSelect id="responsible-commissioner"
            label="S117 responsible clinical commissioner"
            search_label="Search clinical commissioners" required=true
            value=form.responsible_commissioner error=err("responsible_commissioner")
            options=Signal::stored(commissioners) placeholder="Select a clinical commissioner" />
        <Radios id="gp-out-of-county" legend="GP out of county" value=form.gp_out_of_county
            error=err("gp_out_of_county") inline=true options=vec![("yes", "Yes"), ("no", "No")] />
        {date_field("cto_start_date", prefix, "CTO start date",
            "If the person is on a community treatment order", form.cto_start_date, errors, false)}
        {date_field("cto_end_date", prefix, "CTO end date", "Leave blank while the CTO is in force",
            form.cto_end_date, errors, false)}
        {date_field("last_review_date", prefix, "Date of last review", "For example, 1 9 2025",
            form.last_review_date, errors, false)}
        {date_field("next_review_date", prefix, "Next review due", "For example, 1 3 2026",
            form.next_review_date, errors, false)}
    }
}
