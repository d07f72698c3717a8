//! Reporting: the dashboard against a hand-computed fixture, and the report downloads (every
//! filter, CSV and XLSX read back, formula cells neutralised, permissions, audit).
//!
//! The test clock says 24 November 2026 (UK). The fixture, with the counts worked out by hand:
//!
//! | who | born       | age band today        | gender | LA (home?)       | commissioner        | GP out? | section | place     | next review | start      | ended      |
//! |-----|------------|-----------------------|--------|------------------|---------------------|---------|---------|-----------|-------------|------------|------------|
//! | A   | 2010-11-24 | 16-17 (16 today)      | Male   | Staffs (yes)     | sicbl:05G (home)    | no      | s3      | harplands | 2026-11-01  | 2026-01-10 |            |
//! | B   | 2010-11-25 | u16 (16 tomorrow)     | Female | Stoke (yes)      | ccg:05G (home)      | no      | s37     | harplands | 2026-12-10  | 2026-11-01 |            |
//! | C   | 2008-11-24 | 18-64 (18 today)      | Other  | Bolton (no)      | ccg:00T (away)      | yes     | s3      | —         | 2027-06-01  | 2025-11-30 |            |
//! | D   | 1961-11-24 | 65+ (65 today)        | Female | Staffs (yes)     | sicbl:05V (home)    | ticked  | s3      | st-georges| —           | 2020-05-01 |            |
//! | E   | 1961-11-25 | (64, but ended)       | Male   | Staffs (yes)     | sicbl:05G (home)    | no      | s3      | harplands | —           | 2026-02-01 | 2026-10-15 |

use serde_json::{json, Value};

use crate::support::spreadsheet::{xlsx, zip_entry};
use crate::support::{assert_problem, expect_status, TestApp};

const CASEWORKER: &[&str] = &["records.view", "records.create", "records.end"];

fn nhs(n: u32) -> String {
    (n..n + 20)
        .find_map(s117_api::demo::test_nhs_number)
        .expect("a valid test number")
}

#[allow(clippy::too_many_arguments)]
fn person(
    nhs_seed: u32,
    first: &str,
    dob: &str,
    gender: &str,
    la: &str,
    commissioner: &str,
    gp_out: bool,
    section: &str,
    place: Option<&str>,
    review: Option<&str>,
    start: &str,
) -> Value {
    json!({
        "nhs_number": nhs(nhs_seed), "first_name": first, "family_name": "Fixture",
        "date_of_birth": dob, "gender": gender, "ethnicity": if first == "Ann" { "B" } else { "A" },
        "postcode": "ST5 1DS", "learning_disability": if first == "Cal" { "yes" } else { "no" },
        "episode": { "date_detained": "2019-06-01", "qualifying_section": section,
            "place_detained": place, "s117_start_date": start,
            "responsible_la": la, "responsible_commissioner": commissioner,
            "gp_out_of_county": gp_out, "next_review_date": review }
    })
}

struct Fixture {
    app: TestApp,
    token: String,
    ids: std::collections::HashMap<&'static str, i64>,
}

/// Creates a record; returns its id and ETag.
async fn create(app: &TestApp, token: &str, body: &Value) -> (i64, String) {
    let res = app
        .send_auth(reqwest::Method::POST, "/api/v1/records", token, Some(body))
        .await;
    let res = expect_status(res, 201).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    (
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
        etag,
    )
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let (_, case) = app.user_token("case@x.gov.uk", CASEWORKER).await;
    let (_, token) = app
        .user_token("reports@x.gov.uk", &["reports.view", "reports.download"])
        .await;
    let mut ids = std::collections::HashMap::new();
    let mut etags = std::collections::HashMap::new();
    let people = [
        (
            "A",
            person(
                1000,
                "Abe",
                "2010-11-24",
                "1",
                "E10000028",
                "sicbl:05G",
                false,
                "s3",
                Some("harplands"),
                Some("2026-11-01"),
                "2026-01-10",
            ),
        ),
        (
            "B",
            person(
                2000,
                "Ann",
                "2010-11-25",
                "2",
                "E06000021",
                "sicbl:05G",
                false,
                "s37",
                Some("harplands"),
                Some("2026-12-10"),
                "2026-11-01",
            ),
        ),
        (
            "C",
            person(
                3000,
                "Cal",
                "2008-11-24",
                "9",
                "E08000001",
                "sicbl:00T",
                false,
                "s3",
                None,
                Some("2027-06-01"),
                "2025-11-30",
            ),
        ),
        (
            "D",
            person(
                4000,
                "Dot",
                "1961-11-24",
                "2",
                "E10000028",
                "sicbl:05V",
                true,
                "s3",
                Some("st-georges-stafford"),
                None,
                "2020-05-01",
            ),
        ),
        (
            "E",
            person(
                5000,
                "Eve",
                "1961-11-25",
                "1",
                "E10000028",
                "sicbl:05G",
                false,
                "s3",
                Some("harplands"),
                None,
                "2026-02-01",
            ),
        ),
    ];
    for (who, body) in people {
        let (id, etag) = create(&app, &case, &body).await;
        ids.insert(who, id);
        etags.insert(who, etag);
    }
    // B and C came from the old register with legacy CCG codes (an import accepts them; a new
    // record may only use current bodies), so their commissioner is set as an import would.
    let db = app.db().await;
    for (who, code) in [("B", "ccg:05G"), ("C", "ccg:00T")] {
        s117_api::on_db!(&db, p => {
            sqlx::query("UPDATE episodes SET responsible_commissioner = $1 WHERE person_id = $2")
                .bind(code).bind(ids[who]).execute(p).await.unwrap();
            sqlx::query("UPDATE people SET current_commissioner = $1 WHERE id = $2")
                .bind(code).bind(ids[who]).execute(p).await.unwrap();
        });
    }
    db.close().await;
    let end = json!({ "end_date": "2026-10-15", "reason": "no_longer_needs_aftercare",
        "la_agreed_by": "L. Officer", "nhs_agreed_by": "N. Officer" });
    let res = app
        .client
        .post(app.url(&format!("/api/v1/records/{}/end", ids["E"])))
        .bearer_auth(&case)
        .header("if-match", &etags["E"])
        .json(&end)
        .send()
        .await
        .unwrap();
    expect_status(res, 200).await;
    Fixture { app, token, ids }
}

fn counts(v: &Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_string(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

async fn dashboard(f: &Fixture, query: &str) -> Value {
    let res = f
        .app
        .get_auth(&format!("/api/v1/reports/dashboard{query}"), &f.token)
        .await;
    let res = expect_status(res, 200).await;
    res.json().await.unwrap()
}

#[tokio::test]
async fn dashboard_counts_match_the_hand_computed_fixture() {
    let f = fixture().await;
    let d = dashboard(&f, "").await;
    assert_eq!(d["as_of"], "2026-11-24");
    assert_eq!(d["total"], 4, "E has ended and is not counted");
    assert_eq!(
        counts(&d["by_age_band"]),
        pairs(&[("u16", 1), ("16-17", 1), ("18-64", 1), ("65+", 1)]),
        "birthdays today move people up a band; tomorrow's do not"
    );
    assert_eq!(
        counts(&d["by_gender"]),
        pairs(&[("male", 1), ("female", 2), ("other", 1)])
    );
    assert_eq!(
        counts(&d["by_local_authority"]),
        pairs(&[("E10000028", 2), ("E08000001", 1), ("E06000021", 1)])
    );
    assert_eq!(d["by_local_authority"][0]["label"], "Staffordshire");
    let mut recorded = counts(&d["by_commissioner"]);
    recorded.sort();
    assert_eq!(
        recorded,
        pairs(&[
            ("ccg:00T", 1),
            ("ccg:05G", 1),
            ("sicbl:05G", 1),
            ("sicbl:05V", 1)
        ])
    );
    assert_eq!(
        d["county"],
        json!({"la_in_county": 3, "la_out_of_county": 1, "gp_in_county": 2, "gp_out_of_county": 2})
    );
    let mut places = counts(&d["by_place_detained"]);
    places.sort();
    assert_eq!(
        places,
        pairs(&[("", 1), ("harplands", 2), ("st-georges-stafford", 1)])
    );
    let mut sections = counts(&d["by_section"]);
    sections.sort();
    assert_eq!(sections, pairs(&[("s3", 3), ("s37", 1)]));
    assert_eq!(d["reviews"], json!({"overdue": 1, "due_next_30_days": 1}));
    let months = d["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(
        months[0]["month"], "2025-12",
        "C started 30/11/2025, outside"
    );
    assert_eq!(months[11]["month"], "2026-11");
    let by_month: Vec<(String, i64, i64)> = months
        .iter()
        .filter(|m| m["new_entitlements"] != 0 || m["ended_entitlements"] != 0)
        .map(|m| {
            (
                m["month"].as_str().unwrap().to_string(),
                m["new_entitlements"].as_i64().unwrap(),
                m["ended_entitlements"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_month,
        vec![
            ("2026-01".to_string(), 1, 0),
            ("2026-02".to_string(), 1, 0),
            ("2026-10".to_string(), 0, 1),
            ("2026-11".to_string(), 1, 0),
        ]
    );
}

#[tokio::test]
async fn dashboard_filters_and_rolls_commissioners_up_to_their_successors() {
    let f = fixture().await;
    let d = dashboard(&f, "?commissioner_view=successor").await;
    let mut rolled = counts(&d["by_commissioner"]);
    rolled.sort();
    assert_eq!(
        rolled,
        pairs(&[("sicbl:00T", 1), ("sicbl:05G", 2), ("sicbl:05V", 1)]),
        "legacy CCGs 05G and 00T count under their sub-ICB locations"
    );
    assert_eq!(d["commissioner_view"], "successor");

    let d = dashboard(&f, "?responsible_la=E10000028").await;
    assert_eq!(d["total"], 2, "A and D");
    assert_eq!(counts(&d["by_local_authority"]), pairs(&[("E10000028", 2)]));
    assert_eq!(
        d["months"][1]["new_entitlements"], 1,
        "E (Staffordshire) started in Feb"
    );

    // A current body's filter also counts the legacy body it succeeded.
    let d = dashboard(&f, "?commissioner=sicbl:05G").await;
    assert_eq!(d["total"], 2, "A (sicbl:05G) and B (ccg:05G)");
    let d = dashboard(&f, "?commissioner=ccg:05G").await;
    assert_eq!(d["total"], 1, "B only");

    for (query, field) in [
        ("?responsible_la=E99999999", "responsible_la"),
        ("?commissioner=nowhere", "commissioner"),
        ("?commissioner_view=both", "commissioner_view"),
    ] {
        let res = f
            .app
            .get_auth(&format!("/api/v1/reports/dashboard{query}"), &f.token)
            .await;
        let body = assert_problem(res, 422, "validation").await;
        assert!(body["errors"][field].is_string(), "{query}: {body}");
    }
}

// --- downloads ----------------------------------------------------------------------------

async fn download(f: &Fixture, report: &str, query: &str) -> reqwest::Response {
    f.app
        .get_auth(&format!("/api/v1/reports/{report}{query}"), &f.token)
        .await
}

/// The CSV's header and rows (the BOM checked and removed).
async fn csv_rows(res: reqwest::Response) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM first");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The first names in a report (each fixture person has a distinct one).
async fn names(f: &Fixture, report: &str, query: &str) -> Vec<String> {
    let res = download(f, report, query).await;
    assert_eq!(res.status(), 200, "{report}{query}");
    let (header, rows) = csv_rows(res).await;
    let col = header.iter().position(|h| h == "First name").unwrap();
    let mut out: Vec<String> = rows.iter().map(|r| r[col].clone()).collect();
    out.sort();
    out
}

#[tokio::test]
async fn each_report_and_each_filter_alone_and_combined() {
    let f = fixture().await;
    let all = ["Abe", "Ann", "Cal", "Dot"];
    assert_eq!(names(&f, "all-entitled", "").await, all);
    assert_eq!(names(&f, "ended", "").await, ["Eve"]);
    assert_eq!(
        names(&f, "all-records", "").await,
        ["Abe", "Ann", "Cal", "Dot", "Eve"]
    );
    assert_eq!(names(&f, "reviews-overdue", "").await, ["Abe"]);
    assert_eq!(
        names(
            &f,
            "new-entitlements",
            "?started_from=2026-01-01&started_to=2026-11-24"
        )
        .await,
        ["Abe", "Ann", "Eve"]
    );
    // Each filter alone, on all records (Eve included, so an ended record can match).
    let cases: &[(&str, &[&str])] = &[
        ("gender=2", &["Ann", "Dot"]),
        ("age_band=u16", &["Ann"]),
        ("age_band=16-17", &["Abe"]),
        ("age_band=18-64", &["Cal", "Eve"]),
        ("age_band=65%2B", &["Dot"]),
        ("ethnicity=B", &["Ann"]),
        ("learning_disability=yes", &["Cal"]),
        ("responsible_la=E06000021", &["Ann"]),
        ("commissioner=sicbl:05G", &["Abe", "Ann", "Eve"]),
        ("commissioner=ccg:00T", &["Cal"]),
        ("la_out_of_county=yes", &["Cal"]),
        ("la_out_of_county=no", &["Abe", "Ann", "Dot", "Eve"]),
        ("gp_out_of_county=yes", &["Cal", "Dot"]),
        ("gp_out_of_county=no", &["Abe", "Ann", "Eve"]),
        (
            "detained_from=2019-06-01&detained_to=2019-06-01",
            &["Abe", "Ann", "Cal", "Dot", "Eve"],
        ),
        ("detained_from=2019-06-02", &[]),
        ("ended_from=01/10/2026&ended_to=31/10/2026", &["Eve"]),
        ("section=s37", &["Ann"]),
    ];
    for (query, want) in cases {
        assert_eq!(
            names(&f, "all-records", &format!("?{query}")).await,
            *want,
            "{query}"
        );
    }
    // Combined.
    assert_eq!(
        names(
            &f,
            "all-entitled",
            "?gender=2&la_out_of_county=no&section=s3"
        )
        .await,
        ["Dot"]
    );
    assert_eq!(
        names(
            &f,
            "all-records",
            "?commissioner=sicbl:05G&gender=1&age_band=18-64"
        )
        .await,
        ["Eve"]
    );
    assert_eq!(
        names(&f, "all-entitled", "?gp_out_of_county=no&age_band=65%2B").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn csv_round_trips_with_uk_dates_names_and_a_dated_file_name() {
    let f = fixture().await;
    let res = download(&f, "ended", "").await;
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"s117-ended-2026-11-24.csv\""
    );
    let (header, rows) = csv_rows(res).await;
    assert_eq!(header.len(), 31);
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| rows[0][header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(cell("Register ID"), f.ids["E"].to_string());
    assert_eq!(cell("Date of birth"), "25/11/1961");
    assert_eq!(cell("Age"), "64");
    assert_eq!(cell("Age band"), "18 to 64");
    assert_eq!(cell("Gender"), "Male");
    assert_eq!(cell("Status"), "Ended");
    assert_eq!(cell("S117 responsible local authority"), "Staffordshire");
    assert_eq!(cell("LA out of county"), "No");
    assert_eq!(cell("End of S117 entitlement"), "15/10/2026");
    assert_eq!(cell("End reason"), "No longer needs aftercare");
    assert_eq!(cell("Start of S117 entitlement"), "01/02/2026");
    assert_eq!(cell("Next review due"), "");
}

#[tokio::test]
async fn formula_cells_are_neutralised_in_csv_and_plain_text_in_xlsx() {
    let f = fixture().await;
    let (_, case) = f.app.user_token("case2@x.gov.uk", CASEWORKER).await;
    let mut body = person(
        6000,
        "Fay",
        "1990-01-01",
        "2",
        "E10000028",
        "sicbl:05G",
        false,
        "s3",
        None,
        None,
        "2026-01-01",
    );
    body["gp_practice"] = json!("=HYPERLINK(\"http://evil.example\",\"x\")");
    body["address_line_1"] = json!("+44 1234 567890");
    body["address_line_2"] = json!("-2+3");
    body["town"] = json!("@SUM(A1:A9)");
    create(&f.app, &case, &body).await;
    let (header, rows) =
        csv_rows(download(&f, "all-entitled", "?gender=2&age_band=18-64").await).await;
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| rows[0][header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(
        cell("GP practice"),
        "'=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    assert_eq!(cell("Address line 1"), "'+44 1234 567890");
    assert_eq!(cell("Address line 2"), "'-2+3");
    assert_eq!(cell("Town"), "'@SUM(A1:A9)");

    let res = download(&f, "all-entitled", "?gender=2&age_band=18-64&format=xlsx").await;
    let bytes = res.bytes().await.unwrap();
    let sheet = xlsx(&bytes);
    let row = &sheet[1];
    let col = |name: &str| REPORT_HEADER.iter().position(|h| *h == name).unwrap();
    // In a workbook a string cell is text whatever it starts with: nothing to neutralise.
    assert_eq!(
        row[col("GP practice")],
        calamine::Data::String("=HYPERLINK(\"http://evil.example\",\"x\")".into())
    );
    assert_eq!(
        row[col("Town")],
        calamine::Data::String("@SUM(A1:A9)".into())
    );
}

const REPORT_HEADER: [&str; 31] = s117_shared::report::REPORT_COLUMNS;

#[tokio::test]
async fn xlsx_has_real_dates_numbers_a_frozen_header_and_filters() {
    let f = fixture().await;
    // By Accept header.
    let res = f
        .app
        .client
        .get(f.app.url("/api/v1/reports/all-entitled?section=s37"))
        .bearer_auth(&f.token)
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"s117-all-entitled-2026-11-24.xlsx\""
    );
    let bytes = res.bytes().await.unwrap();
    let rows = xlsx(&bytes);
    assert_eq!(rows.len(), 2, "header and Ann");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, REPORT_HEADER);
    let col = |name: &str| REPORT_HEADER.iter().position(|h| *h == name).unwrap();
    let ann = &rows[1];
    assert_eq!(
        ann[col("Register ID")],
        calamine::Data::Float(f.ids["B"] as f64)
    );
    assert_eq!(ann[col("First name")], calamine::Data::String("Ann".into()));
    assert_eq!(ann[col("Age")], calamine::Data::Float(15.0));
    match &ann[col("Date of birth")] {
        calamine::Data::DateTime(d) => assert_eq!(
            d.as_datetime().unwrap().date(),
            chrono::NaiveDate::from_ymd_opt(2010, 11, 25).unwrap()
        ),
        other => panic!("date of birth is a real date, not {other:?}"),
    }
    // The header row is frozen and the filters are on (read from the sheet's XML).
    let sheet_xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet_xml.contains("<pane ySplit=\"1\""), "frozen header");
    assert!(
        sheet_xml.contains("<autoFilter ref=\"A1:AE2\""),
        "filters on"
    );

    // By query parameter, which wins over Accept.
    let res = download(&f, "all-entitled", "?format=csv").await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
}

#[tokio::test]
async fn bad_filters_are_422_naming_them_and_unknown_reports_404() {
    let f = fixture().await;
    for (query, field) in [
        ("?gender=7", "gender"),
        ("?age_band=18-65", "age_band"),
        ("?ethnicity=ZZ", "ethnicity"),
        ("?learning_disability=maybe", "learning_disability"),
        ("?responsible_la=nowhere", "responsible_la"),
        ("?commissioner=ccg:NOPE", "commissioner"),
        ("?la_out_of_county=perhaps", "la_out_of_county"),
        ("?gp_out_of_county=2", "gp_out_of_county"),
        ("?detained_from=31/02/2020", "detained_from"),
        ("?ended_from=2026-05-01&ended_to=2026-04-01", "ended_to"),
        ("?started_to=1/1/26", "started_to"),
        ("?section=s99", "section"),
        ("?format=pdf", "format"),
    ] {
        let res = download(&f, "all-records", query).await;
        let body = assert_problem(res, 422, "validation").await;
        assert!(body["errors"][field].is_string(), "{query}: {body}");
    }
    assert_problem(download(&f, "everything", "").await, 404, "not-found").await;
}

#[tokio::test]
async fn permissions_are_enforced() {
    let f = fixture().await;
    let (_, viewer) = f.app.user_token("dash@x.gov.uk", &["reports.view"]).await;
    let (_, downloader) = f.app.user_token("dl@x.gov.uk", &["reports.download"]).await;
    let res = f.app.get_auth("/api/v1/reports/dashboard", &viewer).await;
    assert_eq!(res.status(), 200);
    let res = f
        .app
        .get_auth("/api/v1/reports/all-entitled", &viewer)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = f
        .app
        .get_auth("/api/v1/reports/dashboard", &downloader)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = f
        .app
        .get_auth("/api/v1/reports/all-entitled", &downloader)
        .await;
    assert_eq!(res.status(), 200);
    let res = f.app.get("/api/v1/reports/all-entitled").await;
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn every_download_is_audited_with_report_filters_and_row_count() {
    let f = fixture().await;
    let res = download(&f, "all-records", "?gender=2&section=s3&format=csv").await;
    let _ = res.bytes().await.unwrap();
    let res = download(&f, "ended", "?format=xlsx").await;
    let _ = res.bytes().await.unwrap();
    let db = f.app.db().await;
    let rows: Vec<(String, String, Option<i64>, String)> = s117_api::on_db!(&db, p => sqlx::query_as(
        "SELECT a.outcome, a.actor_label, a.actor_user_id, a.details FROM audit_log a WHERE a.action = 'reports.downloaded' ORDER BY a.id")
        .fetch_all(p).await).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "success");
    assert_eq!(rows[0].1, "reports@x.gov.uk");
    assert!(rows[0].2.is_some());
    let details: Value = serde_json::from_str(&rows[0].3).unwrap();
    assert_eq!(
        details,
        json!({"report": "all-records", "title": "All Records", "format": "csv",
               "filters": {"gender": "2", "section": "s3"}, "rows": 1})
    );
    let details: Value = serde_json::from_str(&rows[1].3).unwrap();
    assert_eq!(details["report"], "ended");
    assert_eq!(details["format"], "xlsx");
    assert_eq!(details["rows"], 1);
    assert_eq!(details["filters"], json!({}));
    // A refused download (bad filter) returns nothing and audits nothing.
    let _ = download(&f, "ended", "?gender=zz").await;
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reports.downloaded'").fetch_one(p).await)
    .unwrap();
    assert_eq!(n, 2);
    db.close().await;
}
