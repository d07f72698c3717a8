use super::*;
use serde_json::json;

struct Refs;
impl ReferenceLookup for Refs {
    fn is_active(&self, list: ReferenceList, code: &str) -> bool {
        self.exists(list, code)
    }
    fn exists(&self, list: ReferenceList, code: &str) -> bool {
        matches!(
            (list, code),
            (ReferenceList::Genders, "1" | "2")
                | (ReferenceList::EthnicCategories, "A")
                | (ReferenceList::LocalAuthorities, "E10000028")
                | (ReferenceList::Commissioners, "sicbl:05G" | "ccg:05G")
                | (ReferenceList::QualifyingSections, "s3")
        )
    }
    fn section_qualifies(&self, code: &str) -> bool {
        code == "s3"
    }
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn slugs_round_trip_and_file_names_carry_report_and_date() {
    for k in ReportKind::ALL {
        assert_eq!(ReportKind::from_slug(k.slug()), Some(k));
        assert_eq!(serde_json::to_value(k).unwrap(), json!(k.slug()));
    }
    assert_eq!(ReportKind::from_slug("dashboard"), None);
    assert_eq!(
        ReportKind::Ended.file_name(date(2026, 11, 24), ReportFormat::Xlsx),
        "s117-ended-2026-11-24.xlsx"
    );
    assert_eq!(
        ReportFormat::from_accept(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        Some(ReportFormat::Xlsx)
    );
    assert_eq!(
        ReportFormat::from_accept("text/csv"),
        Some(ReportFormat::Csv)
    );
    assert_eq!(ReportFormat::from_accept("*/*"), None);
    assert_eq!(
        ReportFormat::requested(Some(" XLSX "), Some("text/csv")),
        Some(ReportFormat::Xlsx)
    );
    assert_eq!(
        ReportFormat::requested(Some(""), Some(XLSX_MEDIA_TYPE)),
        Some(ReportFormat::Xlsx)
    );
    assert_eq!(
        ReportFormat::requested(None, Some("*/*")),
        Some(ReportFormat::Csv)
    );
    assert_eq!(ReportFormat::requested(None, None), Some(ReportFormat::Csv));
    assert_eq!(ReportFormat::requested(Some("pdf"), None), None);
}

#[test]
fn empty_filter_is_valid_and_sets_nothing() {
    let f = ReportFilterInput::default().validate(&Refs).unwrap();
    assert_eq!(f, ReportFilter::default());
    let blank = ReportFilterInput {
        gender: s(""),
        detained_from: s("  "),
        ..Default::default()
    };
    assert_eq!(blank.validate(&Refs).unwrap(), ReportFilter::default());
    assert!(blank.pairs().is_empty());
}

#[test]
fn every_filter_parses() {
    let input = ReportFilterInput {
        gender: s("2"),
        age_band: s("65+"),
        ethnicity: s("A"),
        learning_disability: s("not_known"),
        responsible_la: s("E10000028"),
        commissioner: s("sicbl:05G"),
        la_out_of_county: s("no"),
        gp_out_of_county: s("yes"),
        detained_from: s("2020-01-01"),
        detained_to: s("31/12/2020"),
        ended_from: s("2024-01-01"),
        ended_to: None,
        started_from: None,
        started_to: s("2025-06-30"),
        section: s("s3"),
    };
    let f = input.validate(&Refs).unwrap();
    assert_eq!(f.age_band, Some(AgeBand::Age65Plus));
    assert_eq!(f.learning_disability, Some(LearningDisability::NotKnown));
    assert_eq!(f.la_out_of_county, Some(false));
    assert_eq!(f.gp_out_of_county, Some(true));
    assert_eq!(
        f.detained,
        DateRange {
            from: Some(date(2020, 1, 1)),
            to: Some(date(2020, 12, 31))
        }
    );
    assert_eq!(f.ended.from, Some(date(2024, 1, 1)));
    assert_eq!(f.started.to, Some(date(2025, 6, 30)));
    assert_eq!(input.pairs().len(), 13);
}

#[test]
fn each_bad_filter_is_named() {
    let input = ReportFilterInput {
        gender: s("7"),
        age_band: s("18-65"),
        ethnicity: s("ZZ"),
        learning_disability: s("maybe"),
        responsible_la: s("E99999999"),
        commissioner: s("ccg:XXX"),
        la_out_of_county: s("perhaps"),
        gp_out_of_county: s("2"),
        detained_from: s("31/02/2020"),
        ended_from: s("2024-05-01"),
        ended_to: s("2024-04-30"),
        started_to: s("20/1/24"),
        section: s("s2"),
        ..Default::default()
    };
    let e = input.validate(&Refs).unwrap_err();
    for field in [
        "gender",
        "age_band",
        "ethnicity",
        "learning_disability",
        "responsible_la",
        "commissioner",
        "la_out_of_county",
        "gp_out_of_county",
        "detained_from",
        "ended_to",
        "started_to",
        "section",
    ] {
        assert!(e.contains(field), "{field} not named in {e:?}");
    }
    assert_eq!(e.len(), 12);
    assert_eq!(
        e.get("ended_to"),
        Some("End of S117 to must be the same as or after end of S117 from")
    );
}

#[test]
fn gp_out_of_county_follows_flag_or_commissioner() {
    let home = vec!["icb:QNC".to_string(), "sicbl:05G".to_string()];
    assert!(!gp_out_of_county(false, "sicbl:05G", &home));
    assert!(gp_out_of_county(true, "sicbl:05G", &home));
    assert!(gp_out_of_county(false, "ccg:00T", &home));
}

fn item(code: &str, attrs: serde_json::Value) -> ReferenceItem {
    ReferenceItem {
        code: code.into(),
        name: code.into(),
        display_name: code.into(),
        active: true,
        sort_order: 0,
        valid_from: None,
        valid_to: None,
        aliases: vec![],
        attributes: attrs.as_object().cloned().unwrap_or_default(),
    }
}

#[test]
fn legacy_commissioners_roll_up_to_their_current_successor() {
    let items = vec![
        item("ccg:05G", json!({"successor_ods_codes": "05G"})),
        item("sicbl:05G", json!({})),
        item("icb:QNC", json!({})),
        // a CCG whose sub-ICB location's ICB was later merged: the sub-ICB stays
        item("ccg:06F", json!({"successor_ods_codes": "06F"})),
        item("sicbl:06F", json!({})),
        item("icb:QHG", json!({"successor_ods_codes": "S1Y5D"})),
        item("icb:S1Y5D", json!({})),
        // split: no single successor
        item("icb:QNQ", json!({"successor_ods_codes": "S1Y5D D7T5G"})),
        item("icb:D7T5G", json!({})),
        // chain: X → Y → Z
        item("icb:X", json!({"successor_ods_codes": "Y"})),
        item("icb:Y", json!({"successor_ods_codes": "Z"})),
        item("icb:Z", json!({})),
    ];
    let m = commissioner_successors(&items);
    assert_eq!(m.get("ccg:05G").map(String::as_str), Some("sicbl:05G"));
    assert_eq!(m.get("ccg:06F").map(String::as_str), Some("sicbl:06F"));
    assert_eq!(m.get("icb:QHG").map(String::as_str), Some("icb:S1Y5D"));
    assert_eq!(m.get("icb:X").map(String::as_str), Some("icb:Z"));
    assert_eq!(m.get("icb:QNQ"), None);
    assert_eq!(m.get("sicbl:05G"), None);
}

#[test]
fn gender_groups_come_from_reference_data() {
    let genders = vec![
        item("1", json!({"dashboard_group": "Male"})),
        item("2", json!({"dashboard_group": "Female"})),
        item("9", json!({"dashboard_group": "Other"})),
        item("X", json!({})),
    ];
    assert_eq!(gender_group(&genders, "1"), "Male");
    assert_eq!(gender_group(&genders, "2"), "Female");
    assert_eq!(gender_group(&genders, "9"), "Other");
    assert_eq!(gender_group(&genders, "X"), "Other");
    assert_eq!(gender_group(&genders, "unknown"), "Other");
}

#[test]
fn dashboard_query_validates() {
    let q = DashboardQuery {
        responsible_la: s("E10000028"),
        commissioner: None,
        commissioner_view: s("successor"),
    };
    let f = q.validate(&Refs).unwrap();
    assert_eq!(f.commissioner_view, CommissionerView::Successor);
    let bad = DashboardQuery {
        responsible_la: s("nowhere"),
        commissioner: s("x"),
        commissioner_view: s("both"),
    };
    let e = bad.validate(&Refs).unwrap_err();
    assert_eq!(e.len(), 3);
}
