use super::*;

/// A small reference lookup: (list, code, active); sections qualify unless listed otherwise.
struct TestRefs(Vec<(ReferenceList, &'static str, bool)>);

impl TestRefs {
    fn new() -> Self {
        use ReferenceList::*;
        Self(vec![
            (Genders, "1", true),
            (Genders, "2", true),
            (Genders, "9", true),
            (Genders, "X", true),
            (EthnicCategories, "A", true),
            (EthnicCategories, "Z", true),
            (QualifyingSections, "s3", true),
            (QualifyingSections, "s37/41", true),
            (QualifyingSections, "s2", true),
            (QualifyingSections, "s5(2)", true),
            (QualifyingSections, "s47", false),
            (PlacesDetained, "harplands", true),
            (PlacesDetained, "closed-ward", false),
            (LocalAuthorities, "E10000028", true),
            (LocalAuthorities, "E10000006", false), // Cumbria, abolished 2023
            (Commissioners, "sicbl:05V", true),
            (Commissioners, "ccg:01G", false),
        ])
    }
}

impl ReferenceLookup for TestRefs {
    fn is_active(&self, list: ReferenceList, code: &str) -> bool {
        self.0
            .iter()
            .any(|(l, c, active)| *l == list && *c == code && *active)
    }
    fn exists(&self, list: ReferenceList, code: &str) -> bool {
        self.0.iter().any(|(l, c, _)| *l == list && *c == code)
    }
    fn section_qualifies(&self, code: &str) -> bool {
        self.exists(ReferenceList::QualifyingSections, code) && !["s2", "s5(2)"].contains(&code)
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

fn today() -> NaiveDate {
    date(2025, 6, 15)
}

/// The record of DESIGN.md §5.
const CONTRACT_JSON: &str = r#"{ "nhs_number": "999 000 0018", "source_system_id": "9057499",
  "first_name": "Alan", "family_name": "Harbour", "date_of_birth": "1980-02-13",
  "gender": "1", "ethnicity": "A", "postcode": "ST5 1DS", "learning_disability": "no",
  "gp_practice": "...", "notes": "...",
  "episode": { "date_detained": "2025-01-06", "qualifying_section": "s3",
    "place_detained": "harplands", "s117_start_date": "2025-03-01",
    "responsible_la": "E10000028", "responsible_commissioner": "sicbl:05V",
    "gp_out_of_county": false, "next_review_date": "2026-03-01" } }"#;

fn input() -> RecordInput {
    serde_json::from_str(CONTRACT_JSON).expect("contract JSON")
}

fn check(input: &RecordInput) -> Result<ValidRecord, FieldErrors> {
    validate_record(input, None, &TestRefs::new(), today())
}

fn errors(input: &RecordInput) -> FieldErrors {
    check(input).err().unwrap_or_default()
}

/// The one error of `input`, as (field, message).
fn only_error(input: &RecordInput) -> (String, String) {
    let errors = errors(input);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap_or_default()
}

fn assert_only_error(input: &RecordInput, field: &str, message: &str) {
    assert_eq!(only_error(input), (field.to_owned(), message.to_owned()));
}

#[test]
fn the_contract_record_is_valid_and_normalised() {
    let valid = check(&input()).expect("valid");
    assert_eq!(
        valid.nhs_number.as_ref().map(NhsNumber::as_str),
        Some("9990000018")
    );
    assert_eq!(valid.postcode.as_str(), "ST5 1DS");
    assert_eq!(valid.date_of_birth, date(1980, 2, 13));
    assert_eq!(valid.learning_disability, LearningDisability::No);
    assert_eq!(valid.episode.qualifying_section, "s3");
    assert_eq!(valid.episode.next_review_date, Some(date(2026, 3, 1)));
    assert_eq!(valid.address_line_1, None);
}

#[test]
fn json_field_names_follow_the_contract() {
    let json = serde_json::to_value(input()).expect("serialises");
    for key in [
        "nhs_number",
        "source_system_id",
        "first_name",
        "family_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "postcode",
        "learning_disability",
        "gp_practice",
        "notes",
        "episode",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    for key in [
        "date_detained",
        "qualifying_section",
        "place_detained",
        "s117_start_date",
        "responsible_la",
        "responsible_commissioner",
        "gp_out_of_county",
        "cto_start_date",
        "cto_end_date",
        "last_review_date",
        "next_review_date",
    ] {
        assert!(json["episode"].get(key).is_some(), "episode.{key}");
    }
    assert_eq!(json["date_of_birth"], "1980-02-13");
    let end: EndEpisodeInput = serde_json::from_str(
        r#"{"end_date":"2025-06-01","reason":"no_longer_needs_aftercare","la_agreed_by":"A","nhs_agreed_by":"B"}"#,
    )
    .expect("end JSON");
    assert_eq!(end.reason, Some(EndReason::NoLongerNeedsAftercare));
}

#[test]
fn text_is_trimmed_and_blank_optionals_are_none() {
    let mut input = input();
    input.first_name = "  Alan ".into();
    input.nhs_number = Some("   ".into());
    input.ethnicity = Some("".into());
    input.town = Some(" Stoke-on-Trent ".into());
    input.postcode = "st51ds".into();
    let valid = check(&input).expect("valid");
    assert_eq!(valid.first_name, "Alan");
    assert_eq!(valid.nhs_number, None);
    assert_eq!(valid.ethnicity, None);
    assert_eq!(valid.town.as_deref(), Some("Stoke-on-Trent"));
    assert_eq!(valid.postcode.as_str(), "ST5 1DS");
}

#[test]
fn an_empty_body_reports_every_required_field_in_form_order() {
    let input: RecordInput = serde_json::from_str("{}").expect("all fields default");
    let errors = errors(&input);
    let expected = [
        ("first_name", "Enter a first name"),
        ("family_name", "Enter a family name"),
        ("date_of_birth", "Enter a date of birth"),
        ("gender", "Select a gender"),
        ("postcode", "Enter a postcode"),
        ("episode.date_detained", "Enter the date detained"),
        ("episode.qualifying_section", "Select a qualifying section"),
        (
            "episode.s117_start_date",
            "Enter the start date of S117 entitlement",
        ),
        (
            "episode.responsible_la",
            "Select a responsible local authority",
        ),
        (
            "episode.responsible_commissioner",
            "Select a responsible clinical commissioner",
        ),
    ];
    assert_eq!(errors.iter().collect::<Vec<_>>(), expected);
}

#[test]
fn nhs_number_is_checked_by_the_newtype() {
    let mut input = input();
    input.nhs_number = Some("123 564 7321".into());
    assert_only_error(
        &input,
        "nhs_number",
        crate::nhs_number::NhsNumberError::CheckDigit.message(),
    );
    input.nhs_number = Some("999 000 001".into());
    assert_only_error(
        &input,
        "nhs_number",
        "NHS number must be 10 digits, like 999 000 0018",
    );
}

#[test]
fn postcode_is_checked_by_the_newtype() {
    let mut input = input();
    input.postcode = "ST5".into();
    assert_only_error(
        &input,
        "postcode",
        "Enter a full UK postcode, like ST16 3SR",
    );
    input.postcode = "zz99 3vz".into();
    assert_eq!(check(&input).map(|r| r.postcode.is_pseudo()), Ok(true));
}

#[test]
fn lengths_are_limited() {
    let mut input = input();
    input.first_name = "a".repeat(MAX_NAME);
    input.family_name = "é".repeat(MAX_NAME);
    input.source_system_id = Some("1".repeat(MAX_ID));
    input.notes = Some("n\n".repeat(MAX_NOTES / 2));
    input.gp_practice = Some("g".repeat(MAX_GP_PRACTICE));
    assert!(check(&input).is_ok());

    let mut long = input.clone();
    long.first_name.push('a');
    assert_only_error(
        &long,
        "first_name",
        "First name must be 100 characters or fewer",
    );
    let mut long = input.clone();
    long.family_name.push('a');
    assert_only_error(
        &long,
        "family_name",
        "Family name must be 100 characters or fewer",
    );
    let mut long = input.clone();
    long.source_system_id = Some("1".repeat(MAX_ID + 1));
    assert_only_error(
        &long,
        "source_system_id",
        "System ID must be 50 characters or fewer",
    );
    let mut long = input.clone();
    long.notes = Some("n".repeat(MAX_NOTES + 1));
    assert_only_error(&long, "notes", "Notes must be 4000 characters or fewer");
    let mut long = input.clone();
    long.address_line_2 = Some("x".repeat(MAX_NAME + 1));
    assert_only_error(
        &long,
        "address_line_2",
        "Address line 2 must be 100 characters or fewer",
    );
    let mut long = input;
    long.first_name = "Al\nan".into();
    assert_only_error(
        &long,
        "first_name",
        "First name must not include tabs, line breaks or other control characters",
    );
}

#[test]
fn date_of_birth_must_be_in_the_past() {
    let mut input = input();
    input.date_of_birth = Some(today());
    assert_only_error(&input, "date_of_birth", "Date of birth must be in the past");
    input.date_of_birth = Some(date(2030, 1, 1));
    assert_only_error(&input, "date_of_birth", "Date of birth must be in the past");
    input.date_of_birth = Some(date(1899, 12, 31));
    assert_only_error(
        &input,
        "date_of_birth",
        "Date of birth must be the same as or after 1 January 1900",
    );
    input.date_of_birth = Some(date(1900, 1, 1));
    assert!(check(&input).is_ok());
}

#[test]
fn date_detained_is_not_in_the_future_nor_before_birth() {
    let mut input = input();
    input.episode.date_detained = Some(today() + chrono::Duration::days(1));
    input.episode.s117_start_date = Some(today() + chrono::Duration::days(1));
    assert_only_error(
        &input,
        "episode.date_detained",
        "Date detained must be today or in the past",
    );
    input.episode.date_detained = Some(date(1980, 2, 12));
    assert_only_error(
        &input,
        "episode.date_detained",
        "Date detained must be the same as or after the date of birth",
    );
    input.episode.date_detained = Some(today());
    input.episode.s117_start_date = Some(today());
    assert!(check(&input).is_ok());
}

#[test]
fn entitlement_starts_on_or_after_the_date_detained() {
    let mut input = input();
    input.episode.s117_start_date = Some(date(2025, 1, 5));
    assert_only_error(
        &input,
        "episode.s117_start_date",
        "Start of S117 entitlement must be the same as or after the date detained",
    );
    input.episode.s117_start_date = input.episode.date_detained;
    assert!(check(&input).is_ok());
}

#[test]
fn the_section_must_qualify() {
    let mut input = input();
    input.episode.qualifying_section = "s2".into();
    assert_only_error(
        &input,
        "episode.qualifying_section",
        "Section 2 does not give entitlement to section 117 aftercare",
    );
    input.episode.qualifying_section = "s5(2)".into();
    assert_only_error(
        &input,
        "episode.qualifying_section",
        "Section 5(2) does not give entitlement to section 117 aftercare",
    );
    input.episode.qualifying_section = "s99".into();
    assert_only_error(
        &input,
        "episode.qualifying_section",
        "Select a qualifying section from the list",
    );
    input.episode.qualifying_section = " s37/41 ".into();
    assert_eq!(
        check(&input).map(|r| r.episode.qualifying_section),
        Ok("s37/41".to_owned())
    );
}

#[test]
fn codes_must_be_active_in_their_list() {
    type Change = fn(&mut RecordInput);
    let cases: [(Change, &str, &str); 6] = [
        (
            |i| i.gender = "7".into(),
            "gender",
            "Select a gender from the list",
        ),
        (
            |i| i.ethnicity = Some("Q".into()),
            "ethnicity",
            "Select an ethnic category from the list",
        ),
        (
            |i| i.episode.place_detained = Some("nowhere".into()),
            "episode.place_detained",
            "Select a place detained from the list",
        ),
        (
            |i| i.episode.place_detained = Some("closed-ward".into()),
            "episode.place_detained",
            "Select a place detained from the list",
        ),
        (
            |i| i.episode.responsible_la = "E10000006".into(),
            "episode.responsible_la",
            "Select a responsible local authority from the list",
        ),
        (
            |i| i.episode.responsible_commissioner = "ccg:01G".into(),
            "episode.responsible_commissioner",
            "Select a responsible clinical commissioner from the list",
        ),
    ];
    for (change, field, message) in cases {
        let mut input = input();
        change(&mut input);
        assert_only_error(&input, field, message);
    }
}

#[test]
fn retired_codes_stay_valid_on_records_that_already_hold_them() {
    let mut stored = check(&input()).expect("valid");
    stored.episode.responsible_la = "E10000006".into();
    stored.episode.responsible_commissioner = "ccg:01G".into();
    stored.episode.qualifying_section = "s47".into();
    let edit = stored.to_input();
    let refs = TestRefs::new();
    assert_eq!(
        validate_record(&edit, Some(&stored), &refs, today()),
        Ok(stored.clone())
    );
    assert!(
        validate_record(&edit, None, &refs, today()).is_err(),
        "not for a new record"
    );
    let mut other = edit.clone();
    other.episode.responsible_la = "E99999999".into();
    assert!(
        validate_record(&other, Some(&stored), &refs, today()).is_err(),
        "unknown codes never"
    );
}

#[test]
fn cto_dates() {
    let mut input = input();
    input.episode.cto_end_date = Some(date(2025, 4, 1));
    assert_only_error(
        &input,
        "episode.cto_start_date",
        "Enter the CTO start date, or remove the CTO end date",
    );
    input.episode.cto_start_date = Some(date(2025, 4, 2));
    assert_only_error(
        &input,
        "episode.cto_end_date",
        "CTO end date must be the same as or after the CTO start date",
    );
    input.episode.cto_start_date = Some(date(2025, 1, 5));
    assert_only_error(
        &input,
        "episode.cto_start_date",
        "CTO start date must be the same as or after the date detained",
    );
    input.episode.cto_start_date = Some(date(2025, 7, 1));
    input.episode.cto_end_date = None;
    assert_only_error(
        &input,
        "episode.cto_start_date",
        "CTO start date must be today or in the past",
    );
    input.episode.cto_start_date = Some(date(2025, 3, 1));
    assert!(check(&input).is_ok());
}

#[test]
fn review_dates() {
    let mut input = input();
    input.episode.last_review_date = Some(date(2025, 7, 1));
    assert_only_error(
        &input,
        "episode.last_review_date",
        "Date of last review must be today or in the past",
    );
    input.episode.last_review_date = Some(date(2024, 12, 1));
    assert_only_error(
        &input,
        "episode.last_review_date",
        "Date of last review must be the same as or after the date detained",
    );
    input.episode.last_review_date = Some(date(2025, 5, 1));
    input.episode.next_review_date = Some(date(2025, 5, 1));
    assert_only_error(
        &input,
        "episode.next_review_date",
        "Next review due must be after the date of last review",
    );
    input.episode.last_review_date = None;
    input.episode.next_review_date = Some(date(2025, 1, 1));
    assert_only_error(
        &input,
        "episode.next_review_date",
        "Next review due must be after the date detained",
    );
    input.episode.next_review_date = Some(date(2025, 5, 1));
    assert!(
        check(&input).is_ok(),
        "an overdue review is still a valid record"
    );
}

#[test]
fn episode_alone_has_unprefixed_fields() {
    let errors = validate_episode(
        &EpisodeInput::default(),
        None,
        None,
        &TestRefs::new(),
        today(),
    )
    .err()
    .unwrap_or_default();
    assert_eq!(errors.get("date_detained"), Some("Enter the date detained"));
    assert!(!errors.iter().any(|(f, _)| f.starts_with("episode.")));
}

#[test]
fn valid_records_round_trip_through_their_input() {
    let valid = check(&input()).expect("valid");
    assert_eq!(check(&valid.to_input()), Ok(valid.clone()));
    let json = serde_json::to_string(&valid).expect("serialises");
    assert_eq!(serde_json::from_str::<ValidRecord>(&json).ok(), Some(valid));
}

fn episode() -> ValidEpisode {
    check(&input()).expect("valid").episode
}

fn end() -> EndEpisodeInput {
    EndEpisodeInput {
        end_date: Some(date(2025, 6, 1)),
        reason: Some(EndReason::NoLongerNeedsAftercare),
        la_agreed_by: " Jo Bloggs ".into(),
        nhs_agreed_by: "Sam Smith".into(),
    }
}

fn end_errors(input: &EndEpisodeInput, episode: &ValidEpisode) -> Vec<(String, String)> {
    validate_end(input, episode, today())
        .err()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn one(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

#[test]
fn a_complete_end_is_valid() {
    let valid = validate_end(&end(), &episode(), today()).expect("valid");
    assert_eq!(valid.la_agreed_by, "Jo Bloggs");
    assert_eq!(valid.reason, EndReason::NoLongerNeedsAftercare);
    let mut on_start = end();
    on_start.end_date = Some(episode().s117_start_date);
    assert!(validate_end(&on_start, &episode(), today()).is_ok());
    on_start.end_date = Some(today());
    assert!(validate_end(&on_start, &episode(), today()).is_ok());
}

#[test]
fn an_end_needs_a_date_reason_and_both_agreements() {
    let errors = end_errors(&EndEpisodeInput::default(), &episode());
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        ["end_date", "reason", "la_agreed_by", "nhs_agreed_by"]
    );
    assert_eq!(errors[0].1, "Enter the date entitlement ended");
    assert_eq!(errors[1].1, "Select why entitlement ended");
    assert_eq!(
        errors[2].1,
        "Enter the name of the person who agreed for the local authority"
    );
    assert_eq!(
        errors[3].1,
        "Enter the name of the person who agreed for the NHS"
    );
    let mut long = end();
    long.nhs_agreed_by = "x".repeat(MAX_NAME + 1);
    assert_eq!(
        end_errors(&long, &episode()),
        one("nhs_agreed_by", "Name must be 100 characters or fewer")
    );
}

#[test]
fn an_end_is_not_in_the_future_nor_before_the_start() {
    let mut input = end();
    input.end_date = Some(date(2025, 6, 16));
    assert_eq!(
        end_errors(&input, &episode()),
        one(
            "end_date",
            "Date entitlement ended must be today or in the past"
        )
    );
    input.end_date = Some(date(2025, 2, 28));
    assert_eq!(
        end_errors(&input, &episode()),
        one(
            "end_date",
            "Date entitlement ended must be the same as or after the start of S117 entitlement"
        )
    );
}

#[test]
fn no_end_while_a_cto_is_in_force() {
    let mut episode = episode();
    episode.cto_start_date = Some(date(2025, 3, 1));
    assert_eq!(end_errors(&end(), &episode), one("end_date", CTO_IN_FORCE));
    episode.cto_end_date = Some(date(2025, 6, 2));
    assert_eq!(
        end_errors(&end(), &episode),
        one("end_date", CTO_IN_FORCE),
        "CTO ends after the end date"
    );
    episode.cto_end_date = Some(date(2025, 6, 1));
    assert!(
        validate_end(&end(), &episode, today()).is_ok(),
        "CTO ended on the end date"
    );
    episode.cto_end_date = Some(date(2025, 4, 1));
    assert!(
        validate_end(&end(), &episode, today()).is_ok(),
        "CTO ended before"
    );
    assert!(episode.cto_in_force_on(date(2025, 3, 31)));
}

#[test]
fn enums_serialise_as_snake_case_and_parse_labels() {
    assert_eq!(
        serde_json::to_string(&EndReason::MovedOutOfArea)
            .ok()
            .as_deref(),
        Some("\"moved_out_of_area\"")
    );
    for reason in EndReason::ALL {
        assert_eq!(
            serde_json::to_string(&reason).ok(),
            Some(format!("\"{}\"", reason.as_str()))
        );
        assert_eq!(EndReason::from_input(reason.label()), Some(reason));
        assert_eq!(
            EndReason::from_input(&reason.as_str().to_uppercase()),
            Some(reason)
        );
    }
    for ld in LearningDisability::ALL {
        assert_eq!(
            serde_json::to_string(&ld).ok(),
            Some(format!("\"{}\"", ld.as_str()))
        );
        assert_eq!(LearningDisability::from_input(ld.label()), Some(ld));
    }
    assert_eq!(
        LearningDisability::from_input(" not known "),
        Some(LearningDisability::NotKnown)
    );
    assert_eq!(LearningDisability::from_input("maybe"), None);
    assert_eq!(LearningDisability::default(), LearningDisability::NotKnown);
}

#[cfg(feature = "openapi")]
#[test]
fn openapi_schemas_match_the_wire_forms() {
    use utoipa::PartialSchema;
    let json = |schema| serde_json::to_value(schema).unwrap_or_default();
    assert_eq!(
        json(crate::nhs_number::NhsNumber::schema())["type"],
        "string"
    );
    assert_eq!(json(crate::postcode::Postcode::schema())["type"], "string");
    assert_eq!(
        json(crate::permissions::PermissionSet::schema())["type"],
        "array"
    );
    let band = json(crate::age::AgeBand::schema());
    assert!(band.to_string().contains("\"65+\""), "{band}");
    let record = json(RecordInput::schema());
    assert!(record["properties"]["episode"].is_object(), "{record}");
}
