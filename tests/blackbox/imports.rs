//! CSV bulk upload: the corpus of real-world-shaped files, processing once, a register that
//! changed under the check, expiry, permissions, the size cap, and a crash mid-process.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::support::spreadsheet::{sheet_names, xlsx_sheet, zip_entry};
use crate::support::users::PASSWORD;
use crate::support::{assert_problem, expect_status, TestApp};

const IMPORTER: &[&str] = &[
    "records.view",
    "records.create",
    "records.edit",
    "records.end",
    "records.import",
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/blackbox/imports/corpus")
}

fn alan() -> Value {
    json!({
        "nhs_number": "999 000 0018", "source_system_id": "9057499",
        "first_name": "Alan", "family_name": "Harbour", "date_of_birth": "1980-02-13",
        "gender": "1", "ethnicity": "A", "postcode": "st51ds", "learning_disability": "no",
        "gp_practice": "Example Surgery", "notes": "Transferred from the old register.",
        "episode": { "date_detained": "2025-01-06", "qualifying_section": "s3",
            "place_detained": "harplands", "s117_start_date": "2025-03-01",
            "responsible_la": "E10000028", "responsible_commissioner": "sicbl:05V",
            "gp_out_of_county": false, "next_review_date": "2026-03-01" }
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> (i64, String) {
    let res = app
        .send_auth(reqwest::Method::POST, "/api/v1/records", token, Some(body))
        .await;
    let res = expect_status(res, 201).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let v: Value = res.json().await.unwrap();
    (v["id"].as_i64().unwrap(), etag)
}

/// The base register the corpus's expectations assume: Alan Harbour, Bella Stone (no NHS
/// number or system ID), Carl Ended (entitlement ended on 01/06/2026).
async fn seed(app: &TestApp, token: &str) -> (i64, String) {
    let alan_id = create(app, token, &alan()).await;
    let mut bella = alan();
    bella["nhs_number"] = Value::Null;
    bella["source_system_id"] = Value::Null;
    bella["first_name"] = json!("Bella");
    bella["family_name"] = json!("Stone");
    bella["date_of_birth"] = json!("1975-06-01");
    bella["gender"] = json!("2");
    create(app, token, &bella).await;
    let mut carl = alan();
    carl["nhs_number"] = Value::Null;
    carl["source_system_id"] = json!("CARL-1");
    carl["first_name"] = json!("Carl");
    carl["family_name"] = json!("Ended");
    carl["date_of_birth"] = json!("1970-02-02");
    let (carl_id, etag) = create(app, token, &carl).await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/records/{carl_id}/end")))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&json!({"end_date": "2026-06-01", "reason": "died", "la_agreed_by": "A Person", "nhs_agreed_by": "B Person"}))
        .send()
        .await
        .unwrap();
    expect_status(res, 200).await;
    alan_id
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/imports?file_name={name}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn checked(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> Value {
    let res = upload(app, token, name, bytes).await;
    let res = expect_status(res, 201).await;
    res.json().await.unwrap()
}

fn corpus_file(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(name)).unwrap()
}

/// Every row of the report, all tabs.
async fn all_rows(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for tab in ["new", "updated", "ended", "error", "no_change"] {
        let mut page = 1;
        loop {
            let res = app
                .get_auth(
                    &format!("/api/v1/imports/{id}?tab={tab}&page={page}&per_page=100"),
                    token,
                )
                .await;
            assert_eq!(res.status(), 200);
            let v: Value = res.json().await.unwrap();
            let rows = v["rows"].as_array().unwrap().clone();
            if rows.is_empty() {
                break;
            }
            out.extend(rows);
            page += 1;
        }
    }
    out
}

/// Process CSV Data for a checked upload.
async fn process(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.send_auth(
        reqwest::Method::POST,
        &format!("/api/v1/imports/{id}/process"),
        token,
        None,
    )
    .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap();
    db.close().await;
    n
}

/// Each corpus file, checked against the base register, gives the report beside it.
#[tokio::test]
async fn every_corpus_file_gives_its_expected_report() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    seed(&app, &token).await;
    let people_before = count(&app, "SELECT COUNT(*) FROM people").await;
    let mut names: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "the corpus has {} files", names.len());
    let mut failures = Vec::new();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("json")).unwrap())
                .unwrap();
        let res = upload(&app, &token, &name, std::fs::read(&path).unwrap()).await;
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));
        if status != expect["status"].as_u64().unwrap() as u16 {
            fail(format!("status {status}, body {body}"));
            continue;
        }
        if let Some(code) = expect["problem"].as_str() {
            if body["type"] != format!("urn:s117:problem:{code}") {
                fail(format!("problem {}", body["type"]));
            }
            for word in expect["detail"].as_array().unwrap() {
                let detail = body["detail"].as_str().unwrap_or("");
                if !detail.contains(word.as_str().unwrap()) {
                    fail(format!("detail {detail:?} lacks {word}"));
                }
            }
            continue;
        }
        if body["counts"] != expect["counts"] {
            fail(format!(
                "counts {} expected {}",
                body["counts"], expect["counts"]
            ));
        }
        for key in ["total_rows", "encoding", "ignored_columns"] {
            if !expect[key].is_null() && body[key] != expect[key] {
                fail(format!("{key} {} expected {}", body[key], expect[key]));
            }
        }
        if body["file_name"] != name {
            fail(format!("file name {}", body["file_name"]));
        }
        let id = body["id"].as_str().unwrap().to_string();
        let rows = all_rows(&app, &token, &id).await;
        let find = |n: &str| {
            rows.iter()
                .find(|r| r["row"].as_u64().is_some_and(|row| row.to_string() == n))
                .cloned()
                .unwrap_or(Value::Null)
        };
        for (n, kind) in expect["rows"].as_object().unwrap() {
            let r = find(n);
            if r["kind"] != *kind {
                fail(format!(
                    "row {n} is {} expected {kind}: {}",
                    r["kind"], r["errors"]
                ));
            }
        }
        if rows.len() != expect["rows"].as_object().unwrap().len() {
            fail(format!("{} rows in the report", rows.len()));
        }
        if let Some(errors) = expect["errors"].as_object() {
            for (n, words) in errors {
                let r = find(n);
                let text = r["errors"].to_string();
                for w in words.as_array().unwrap() {
                    if !text.contains(w.as_str().unwrap()) {
                        fail(format!("row {n} errors {text} lack {w}"));
                    }
                }
            }
        }
        if let Some(want) = expect["names"].as_object() {
            for (n, name) in want {
                if find(n)["name"] != *name {
                    fail(format!("row {n} name {} expected {name}", find(n)["name"]));
                }
            }
        }
        if let Some(cells) = expect["csv_neutralised"].as_array() {
            let res = app
                .get_auth(&format!("/api/v1/imports/{id}?format=csv"), &token)
                .await;
            let csv = res.text().await.unwrap();
            for c in cells {
                if !csv.contains(c.as_str().unwrap()) {
                    fail(format!("report CSV lacks {c}: {csv}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Checking wrote nothing to the register.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM people").await,
        people_before
    );
}

#[tokio::test]
async fn the_template_is_the_contract_header_and_guidance_lists_codes() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let res = app.get_auth("/api/v1/imports/template", &token).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    assert_eq!(
        text.trim_start_matches('\u{feff}').trim_end(),
        "NHS Number,System ID,First Name,Family Name,Date of Birth,Gender,Ethnicity,Postcode,\
Learning Disability,GP Practice,GP Out of County,Responsible Local Authority,Responsible \
Clinical Commissioner,Place Detained,Date Detained,S117 Start Date,S117 Qualifying Section,\
S117 End Date,End Reason,LA Agreed By,NHS Agreed By"
    );
    let res = app
        .get_auth("/api/v1/imports/template?part=guidance", &token)
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("Responsible Local Authority,E10000028,Staffordshire"),
        "{text}"
    );
    assert!(text.contains("S117 Qualifying Section,s3,Section 3"));
    // The empty template itself uploads as "no records", not as a broken file.
    let res = upload(
        &app,
        &token,
        "template.csv",
        text_of_template(&app, &token).await,
    )
    .await;
    let body = assert_problem(res, 422, "invalid-file").await;
    assert!(body["detail"].as_str().unwrap().contains("no records"));
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn cell(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The drop-down values the workbook should offer for a coded column: the names of the live
/// reference list's active values (only qualifying sections), as the API lists them.
async fn offered(app: &TestApp, token: &str, slug: &str) -> Vec<String> {
    let v = app
        .get_json(&format!("/api/v1/reference/{slug}"), token)
        .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["active"] == true)
        .filter(|i| slug != "qualifying-sections" || i["attributes"]["qualifies_for_s117"] == true)
        .map(|i| i["display_name"].as_str().unwrap().to_string())
        .collect()
}

/// The workbook: the header row (bold, frozen) on "Records", drop-downs over rows 2-5001 of
/// every coded column whose lists are on "Lists" (the live reference data's active names),
/// the guidance (save as CSV before uploading); and a CSV saved from it, filled in with
/// every name the drop-downs offer, uploads with every row accepted.
#[tokio::test]
async fn the_excel_template_has_drop_downs_of_the_live_names_and_round_trips_as_csv() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    // A value retired by an administrator is not offered.
    let db = app.db().await;
    s117_api::on_db!(&db, p => sqlx::query(
        "UPDATE reference_values SET active = $1 WHERE list = 'local-authorities' AND code = 'E06000021'")
        .bind(false).execute(p).await.map(|_| ())).unwrap();
    db.close().await;

    let res = app
        .get_auth("/api/v1/imports/template?format=xlsx", &token)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], XLSX);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"s117-upload-template.xlsx\""
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    // The Accept header asks for the same.
    let res = app
        .client
        .get(app.url("/api/v1/imports/template"))
        .bearer_auth(&token)
        .header("accept", XLSX)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], XLSX);
    let res = app
        .get_auth("/api/v1/imports/template?format=pdf", &token)
        .await;
    assert_problem(res, 422, "validation").await;

    assert_eq!(sheet_names(&bytes), ["Records", "Guidance", "Lists"]);
    let records = xlsx_sheet(&bytes, "Records");
    let header: Vec<String> = records[0].iter().map(cell).collect();
    assert_eq!(header, s117_shared::import::template_header());
    assert_eq!(records.len(), 1, "the header row only");

    // The Lists sheet: one column per coded column, the live active names.
    let lists = xlsx_sheet(&bytes, "Lists");
    let column = |name: &str| -> Vec<String> {
        let i = lists[0]
            .iter()
            .position(|c| cell(c) == name)
            .unwrap_or_else(|| panic!("Lists has no {name} column"));
        lists[1..]
            .iter()
            .map(|r| r.get(i).map(cell).unwrap_or_default())
            .take_while(|s| !s.is_empty())
            .collect()
    };
    let coded = [
        ("Gender", "genders"),
        ("Ethnicity", "ethnic-categories"),
        ("Responsible Local Authority", "local-authorities"),
        ("Responsible Clinical Commissioner", "commissioners"),
        ("Place Detained", "places-detained"),
        ("S117 Qualifying Section", "qualifying-sections"),
    ];
    for (name, slug) in coded {
        assert_eq!(column(name), offered(&app, &token, slug).await, "{name}");
    }
    let las = column("Responsible Local Authority");
    assert!(las.contains(&"Staffordshire".to_string()));
    assert!(!las.contains(&"Stoke-on-Trent".to_string()), "retired");
    assert!(!column("S117 Qualifying Section").contains(&"Section 2".to_string()));
    assert_eq!(column("Learning Disability"), ["Yes", "No", "Not known"]);
    assert_eq!(column("GP Out of County"), ["Yes", "No"]);
    assert!(column("End Reason").contains(&"No longer needs aftercare".to_string()));

    // The drop-downs: a list validation over rows 2-5001 of each coded column, from its
    // range on Lists.
    let sheet1 = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains("<pane ySplit=\"1\""), "frozen header");
    let list_header: Vec<String> = lists[0].iter().map(cell).collect();
    for (i, name) in list_header.iter().enumerate() {
        let records_col = header.iter().position(|h| h == name).unwrap();
        let letter = |n: usize| ((b'A' + n as u8) as char).to_string();
        let sqref = format!(
            "sqref=\"{}2:{}5001\"",
            letter(records_col),
            letter(records_col)
        );
        let formula = format!(
            "<formula1>Lists!${}$2:${}${}</formula1>",
            letter(i),
            letter(i),
            column(name).len() + 1
        );
        let validation = sheet1
            .split("<dataValidation ")
            .find(|v| v.contains(&sqref))
            .unwrap_or_else(|| panic!("no data validation for {name}: {sheet1}"));
        assert!(validation.starts_with("type=\"list\""), "{validation}");
        assert!(validation.contains(&formula), "{name}: {validation}");
    }
    assert!(
        sheet1.contains("<dataValidation type=\"date\""),
        "date checks"
    );
    // Dates show as dd/mm/yyyy whatever the locale.
    assert!(zip_entry(&bytes, "xl/styles.xml").contains("formatCode=\"dd/mm/yyyy\""));

    let guidance: Vec<String> = xlsx_sheet(&bytes, "Guidance")
        .iter()
        .map(|r| r.iter().map(cell).collect::<Vec<_>>().join("|"))
        .collect();
    assert!(
        guidance.iter().any(|l| l.contains("CSV UTF-8")),
        "{guidance:?}"
    );
    assert!(guidance
        .iter()
        .any(|l| l.starts_with("LA Agreed By|No|Optional, with an end date")));
    assert!(guidance.contains(&"Responsible Local Authority|E10000028|Staffordshire".to_string()));

    // Filled in with every offered name (row i takes the i-th name of each list, round
    // and round) and saved as CSV, every row is a new record.
    let longest = list_header.iter().map(|n| column(n).len()).max().unwrap();
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    csv.write_record(&header).unwrap();
    for i in 0..longest {
        let row: Vec<String> = header
            .iter()
            .map(|h| match h.as_str() {
                "System ID" => format!("RT{i}"),
                "First Name" => "Round".into(),
                "Family Name" => format!("Trip{i}"),
                "Date of Birth" => "13/02/1980".into(),
                "Postcode" => "ST5 1DS".into(),
                "Date Detained" => "06/01/2025".into(),
                "S117 Start Date" => "01/03/2025".into(),
                // An end reason needs an end date and a record to end.
                "End Reason" => String::new(),
                h if list_header.iter().any(|n| n == h) => {
                    let values = column(h);
                    values[i % values.len()].clone()
                }
                _ => String::new(),
            })
            .collect();
        csv.write_record(&row).unwrap();
    }
    let mut file = "\u{feff}".as_bytes().to_vec();
    file.extend(csv.into_inner().unwrap());
    let report = checked(&app, &token, "from-excel.csv", file).await;
    assert_eq!(
        report["counts"],
        json!({"new": longest, "updated": 0, "ended": 0, "errors": 0, "no_change": 0}),
        "{:?}",
        all_rows(&app, &token, report["id"].as_str().unwrap())
            .await
            .iter()
            .filter(|r| r["kind"] == "error")
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(report["ignored_columns"].as_array().unwrap().is_empty());
    // Each name read back as itself (the report names the value the row resolved to).
    let las = column("Responsible Local Authority");
    let commissioners = column("Responsible Clinical Commissioner");
    for r in all_rows(&app, &token, report["id"].as_str().unwrap()).await {
        let i = r["row"].as_u64().unwrap() as usize - 2;
        assert_eq!(r["responsible_la"], las[i % las.len()]);
        assert_eq!(
            r["responsible_commissioner"],
            commissioners[i % commissioners.len()]
        );
    }
}

/// "LA Agreed By" and "NHS Agreed By" say who agreed an end made by a row; blank (or a
/// file without the columns), the end records that the uploader confirmed it.
#[tokio::test]
async fn the_agreed_by_columns_name_who_agreed_an_end() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let alan_id = seed(&app, &token).await.0;
    let file = String::from_utf8(corpus_file("38-agreed-by-columns.csv")).unwrap();
    let report = checked(&app, &token, "agreed.csv", file.into_bytes()).await;
    assert_eq!(report["counts"]["ended"], 2, "{report}");
    let id = report["id"].as_str().unwrap().to_string();
    let res = process(&app, &token, &id).await;
    expect_status(res, 200).await;
    let ended = |first: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let found = app
                .get_json(&format!("/api/v1/records?q={first}&status=all"), token)
                .await;
            let id = found["items"][0]["id"].as_i64().unwrap();
            let record = app.get_json(&format!("/api/v1/records/{id}"), token).await;
            let history = app
                .get_json(&format!("/api/v1/records/{id}/history"), token)
                .await;
            let end = history
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["action"] == "record.ended")
                .cloned()
                .unwrap();
            (id, record["episodes"][0].clone(), end["details"].clone())
        }
    };
    let (id, episode, details) = ended("Alan").await;
    assert_eq!(id, alan_id);
    assert_eq!(episode["la_agreed_by"], "Dr Ann Lee (Staffordshire)");
    assert_eq!(episode["nhs_agreed_by"], "Bob Ray, ICB");
    assert_eq!(episode["end_reason"], "no_longer_needs_aftercare");
    assert_eq!(
        details["la_agreed_by"], "Dr Ann Lee (Staffordshire)",
        "{details}"
    );
    assert_eq!(details["nhs_agreed_by"], "Bob Ray, ICB");
    // Bella's row left NHS Agreed By blank.
    let (_, episode, details) = ended("Bella").await;
    assert_eq!(episode["la_agreed_by"], "Cath Doe");
    assert_eq!(
        episode["nhs_agreed_by"],
        "Confirmed in a CSV upload by importer@x.gov.uk"
    );
    assert_eq!(details["nhs_agreed_by"], episode["nhs_agreed_by"]);
}

async fn text_of_template(app: &TestApp, token: &str) -> Vec<u8> {
    app.get_auth("/api/v1/imports/template", token)
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn processing_applies_the_checked_rows_once_each_audited() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let (alan_id, _) = seed(&app, &token).await;
    // Three new people, Alan's postcode changed, Bella ended, one error row.
    let base = String::from_utf8(corpus_file("01-good-basic.csv")).unwrap();
    let alan_row = String::from_utf8(corpus_file("19-matches-existing-by-nhs-number.csv")).unwrap();
    let bella_end = "\"\",,Bella,Stone,01/06/1975,2,A,ST5 1DS,No,Example Surgery,No,E10000028,sicbl:05V,harplands,06/01/2025,01/03/2025,s3,01/11/2026,Moved out of area\r\n";
    let file = format!(
        "{base}{}{bella_end},,Bad,Row,31/02/1980,1,,ST5 1DS,,,,E10000028,sicbl:05V,,06/01/2025,01/03/2025,s3,,\r\n",
        alan_row.lines().nth(1).unwrap().to_string() + "\r\n"
    );
    let report = checked(&app, &token, "mixed.csv", file.clone().into_bytes()).await;
    assert_eq!(
        report["counts"],
        json!({"new": 3, "updated": 1, "ended": 1, "errors": 1, "no_change": 0})
    );
    assert_eq!(report["status"], "checked");
    let id = report["id"].as_str().unwrap().to_string();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 3);

    let res = process(&app, &token, &id).await;
    let res = expect_status(res, 200).await;
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["status"], "processed");
    assert_eq!(done["rows"][0]["status"], "Record added.");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 6);
    let alan: Value = app
        .get_auth(&format!("/api/v1/records/{alan_id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alan["postcode"], "ST16 3SR");
    assert_eq!(
        alan["source_system_id"], "9057499",
        "a blank cell keeps the stored value"
    );
    assert_eq!(alan["notes"], "Transferred from the old register.");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM people WHERE status = 'ended'").await,
        2,
        "Bella ended too"
    );

    // Each change is audited as itself, naming the import; the import is audited once.
    let like = format!("%{id}%");
    let db = app.db().await;
    let per_action: Vec<(String, i64)> = s117_api::on_db!(&db, p => sqlx::query_as(
        "SELECT action, COUNT(*) FROM audit_log WHERE details LIKE $1 GROUP BY action ORDER BY action")
        .bind(&like).fetch_all(p).await).unwrap();
    db.close().await;
    assert_eq!(
        per_action,
        vec![
            ("import.checked".to_string(), 1),
            ("import.processed".to_string(), 1),
            ("record.created".to_string(), 3),
            ("record.ended".to_string(), 1),
            ("record.updated".to_string(), 1),
        ]
    );
    let sha = format!(
        "{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(file.as_bytes())
    );
    assert_eq!(report["sha256"], sha);

    // Only once.
    let res = process(&app, &token, &id).await;
    assert_problem(res, 409, "import-already-processed").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 6);
}

/// New rows are added together (issue 4's speed), and must leave exactly what adding them
/// one by one left: register IDs after every ID ever used (a deleted record's too), name
/// tokens that search counts each person once by, a history with the row's own entry, and
/// `record.created` entries in row order around an updated row, each naming the import and
/// its row; the next record added by hand continues after them.
#[tokio::test]
async fn processed_new_rows_are_searchable_with_their_history_and_audited_in_row_order() {
    let app = TestApp::spawn().await;
    let mut permissions = IMPORTER.to_vec();
    permissions.push("records.delete");
    let (_, token) = app.user_token("importer@x.gov.uk", &permissions).await;
    let (alan_id, _) = seed(&app, &token).await;
    let mut gone = alan();
    gone["nhs_number"] = Value::Null;
    gone["source_system_id"] = json!("GONE-1");
    gone["first_name"] = json!("Gone");
    let (gone_id, etag) = create(&app, &token, &gone).await;
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/records/{gone_id}")))
        .bearer_auth(&token)
        .header("if-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let header = String::from_utf8(corpus_file("01-good-basic.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let row = |sid: &str, first: &str, family: &str, postcode: &str| {
        format!(",{sid},{first},{family},10/03/1992,2,A,{postcode},No,Hanley Surgery,No,Stoke-on-Trent,sicbl:05W,harplands,06/01/2025,01/03/2025,s3,,\r\n")
    };
    let alan_row = String::from_utf8(corpus_file("19-matches-existing-by-nhs-number.csv"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    // Rows 2-3 new, row 4 updates Alan, rows 5-155 new (several statement sizes).
    let mut file = format!("{header}\r\n");
    file += &row("BULK-A", "Mary Jane", "Smith-Smithson", "WS11 1AB");
    file += &row("BULK-B", "Zoë", "O’Neil", "WS11 1AD");
    file += &format!("{alan_row}\r\n");
    for i in 0..151 {
        file += &row(
            &format!("BULK-{i}"),
            "Bulk",
            &format!("Lee-Person{i}"),
            "ST4 2DN",
        );
    }
    let report = checked(&app, &token, "bulk.csv", file.into_bytes()).await;
    let import_id = report["id"].as_str().unwrap().to_string();
    assert_eq!(
        (&report["counts"]["new"], &report["counts"]["updated"]),
        (&json!(153), &json!(1)),
        "{:?}",
        all_rows(&app, &token, &import_id)
            .await
            .iter()
            .filter(|r| r["kind"] != "new")
            .collect::<Vec<_>>()
    );
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/imports/{import_id}/process"),
            &token,
            None,
        )
        .await;
    expect_status(res, 200).await;

    // Found by each name word (counted once however many of their words match), by the
    // whole name, and by postcode.
    let search = |q: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let res = app.get_auth(&format!("/api/v1/records?{q}"), token).await;
            assert_eq!(res.status(), 200, "{q}");
            res.json::<Value>().await.unwrap()
        }
    };
    let v = search("q=smith").await;
    assert_eq!(v["total"], 1, "{v}");
    let mary_id = v["items"][0]["id"].as_i64().unwrap();
    assert_eq!(v["items"][0]["family_name"], "Smith-Smithson");
    assert_eq!(search("q=jane%20smiths").await["total"], 1);
    assert_eq!(search("q=maryjane").await["total"], 1);
    assert_eq!(search("q=zoe%20oneil").await["total"], 1);
    assert_eq!(search("q=neil").await["total"], 1);
    assert_eq!(search("q=lee").await["total"], 151);
    assert_eq!(
        search("q=lee%20person15").await["total"],
        2,
        "Person15 and Person150"
    );
    assert_eq!(search("q=person").await["total"], 151);
    assert_eq!(search("q=ST4%202DN").await["total"], 151);
    assert_eq!(search("q=WS11").await["total"], 2);

    // Every token row carries its person's status and names, as single-record writes leave.
    let stray = count(
        &app,
        "SELECT COUNT(*) FROM name_tokens t JOIN people p ON p.id = t.person_id
         WHERE t.status <> p.status OR t.family_name <> p.family_name OR t.first_name <> p.first_name",
    )
    .await;
    assert_eq!(stray, 0);

    // The history of a person added by the upload: the row's own entry.
    let history: Value = app
        .get_auth(&format!("/api/v1/records/{mary_id}/history"), &token)
        .await
        .json()
        .await
        .unwrap();
    let created: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "record.created")
        .collect();
    assert_eq!(created.len(), 1, "{history}");
    assert_eq!(created[0]["who"], "importer@x.gov.uk");
    assert_eq!(
        created[0]["details"],
        json!({"import_id": import_id, "row": 2})
    );

    // The entries of the processing, in row order: IDs after the deleted record's, each
    // entry naming its own person and row.
    let db = app.db().await;
    let entries: Vec<(String, Option<i64>, String)> = s117_api::on_db!(&db, p => sqlx::query_as(
        "SELECT action, record_id, details FROM audit_log WHERE action IN ('record.created', 'record.updated')
         AND details LIKE $1 ORDER BY id")
        .bind(format!("%{import_id}%")).fetch_all(p).await).unwrap();
    let sids: Vec<(i64, Option<String>)> = s117_api::on_db!(&db, p => sqlx::query_as(
        "SELECT id, source_system_id FROM people").fetch_all(p).await)
    .unwrap();
    db.close().await;
    let sid_of: std::collections::HashMap<i64, Option<String>> = sids.into_iter().collect();
    assert_eq!(entries.len(), 154);
    let mut last_id = gone_id;
    for (i, (action, record_id, details)) in entries.iter().enumerate() {
        let row = i as i64 + 2;
        let details: Value = serde_json::from_str(details).unwrap();
        let record_id = record_id.unwrap();
        if row == 4 {
            assert_eq!((action.as_str(), record_id), ("record.updated", alan_id));
            assert_eq!(details["row"], 4);
            continue;
        }
        assert_eq!(action, "record.created");
        assert_eq!(details, json!({"import_id": import_id, "row": row}));
        assert!(
            record_id > last_id,
            "row {row}: id {record_id} after {last_id}"
        );
        last_id = record_id;
        let want = match row {
            2 => "BULK-A".to_string(),
            3 => "BULK-B".to_string(),
            r => format!("BULK-{}", r - 5),
        };
        assert_eq!(
            sid_of[&record_id].as_deref(),
            Some(want.as_str()),
            "row {row}"
        );
    }
    // The next record added by hand continues after the upload's.
    let mut next = alan();
    next["nhs_number"] = Value::Null;
    next["source_system_id"] = json!("NEXT-1");
    next["first_name"] = json!("Next");
    let (next_id, _) = create(&app, &token, &next).await;
    assert_eq!(next_id, last_id + 1);
}

#[tokio::test]
async fn a_register_changed_under_the_check_refuses_the_whole_process() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let (alan_id, _) = seed(&app, &token).await;
    let base = String::from_utf8(corpus_file("01-good-basic.csv")).unwrap();
    let alan_row = String::from_utf8(corpus_file("19-matches-existing-by-nhs-number.csv")).unwrap();
    let file = format!("{base}{}\r\n", alan_row.lines().nth(1).unwrap());
    let report = checked(&app, &token, "a.csv", file.clone().into_bytes()).await;
    let id = report["id"].as_str().unwrap().to_string();

    // Someone edits Alan after the check.
    let res = app
        .get_auth(&format!("/api/v1/records/{alan_id}"), &token)
        .await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let mut edited = alan();
    edited["postcode"] = json!("ST4 7LF");
    let res = app
        .client
        .put(app.url(&format!("/api/v1/records/{alan_id}")))
        .bearer_auth(&token)
        .header("if-match", etag)
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let res = process(&app, &token, &id).await;
    let problem = assert_problem(res, 409, "import-stale").await;
    assert_eq!(problem["row"], 5);
    assert!(problem["detail"].as_str().unwrap().contains("check it"));
    // Nothing applied: not even the new rows before it.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 3);

    // Checked again, it applies.
    let report = checked(&app, &token, "a.csv", file.into_bytes()).await;
    let id = report["id"].as_str().unwrap().to_string();
    let res = process(&app, &token, &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 6);

    // A person added by hand after a check makes a "new" row stale too.
    let file = String::from_utf8(corpus_file("04-good-semicolon.csv")).unwrap();
    let report = checked(&app, &token, "b.csv", file.into_bytes()).await;
    let id = report["id"].as_str().unwrap().to_string();
    let mut same = alan();
    same["nhs_number"] = Value::Null;
    same["source_system_id"] = json!("SYS00007");
    same["first_name"] = json!("Someone");
    create(&app, &token, &same).await;
    let res = process(&app, &token, &id).await;
    let problem = assert_problem(res, 409, "import-stale").await;
    assert_eq!(problem["row"], 2);
}

#[tokio::test]
async fn checked_uploads_expire_after_24_hours_and_are_removed() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let report = checked(&app, &token, "a.csv", corpus_file("01-good-basic.csv")).await;
    let id = report["id"].as_str().unwrap().to_string();
    // Sessions end long before a day passes: sign in again after each jump.
    app.clock.advance(chrono::Duration::hours(23));
    let token = app.sign_in("importer@x.gov.uk", PASSWORD).await;
    assert_eq!(
        app.get_auth(&format!("/api/v1/imports/{id}"), &token)
            .await
            .status(),
        200
    );
    app.clock.advance(chrono::Duration::hours(2));
    let token = app.sign_in("importer@x.gov.uk", PASSWORD).await;
    let res = app.get_auth(&format!("/api/v1/imports/{id}"), &token).await;
    assert_problem(res, 404, "not-found").await;
    let res = process(&app, &token, &id).await;
    assert_problem(res, 404, "not-found").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 0);
    // The next upload sweeps it away, rows and all.
    checked(&app, &token, "b.csv", corpus_file("04-good-semicolon.csv")).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM imports").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM import_rows").await, 2);
}

#[tokio::test]
async fn only_importers_upload_and_only_the_uploader_or_an_admin_processes() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let (_, other) = app.user_token("other@x.gov.uk", IMPORTER).await;
    let (_, caseworker) = app
        .user_token(
            "case@x.gov.uk",
            &["records.view", "records.create", "records.edit"],
        )
        .await;
    let (_, admin) = app
        .user_token("admin@x.gov.uk", &["records.import", "admin.users"])
        .await;
    let res = upload(&app, &caseworker, "a.csv", corpus_file("01-good-basic.csv")).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.get_auth("/api/v1/imports/template", &caseworker).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .get_auth("/api/v1/imports/template?format=xlsx", &caseworker)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.get("/api/v1/imports/template?format=xlsx").await;
    assert_problem(res, 401, "unauthorized").await;
    let res = app
        .client
        .post(app.url("/api/v1/imports"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;

    let report = checked(&app, &token, "a.csv", corpus_file("01-good-basic.csv")).await;
    let id = report["id"].as_str().unwrap().to_string();
    let res = app.get_auth(&format!("/api/v1/imports/{id}"), &other).await;
    assert_problem(res, 403, "forbidden").await;
    let res = process(&app, &other, &id).await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 0);
    let res = app.get_auth(&format!("/api/v1/imports/{id}"), &admin).await;
    assert_eq!(res.status(), 200);
    let res = process(&app, &admin, &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM people").await, 3);
}

#[tokio::test]
async fn a_file_over_the_cap_is_413_and_nothing_is_stored_and_multipart_works() {
    let app = TestApp::builder()
        .env("S117_MAX_UPLOAD_MB", "1")
        .spawn()
        .await;
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let mut big = corpus_file("01-good-basic.csv");
    while big.len() < 1024 * 1024 + 10 {
        big.extend_from_slice(b",,,,,,,,,,,,,,,,,,\r\n");
    }
    let res = upload(&app, &token, "big.csv", big.clone()).await;
    assert_problem(res, 413, "payload-too-large").await;
    // Also when streamed without a declared length.
    let stream = futures_util::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let res = app
        .client
        .post(app.url("/api/v1/imports?file_name=big.csv"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload-too-large").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM imports").await, 0);

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(corpus_file("03-good-windows-1252.csv"))
            .file_name("Zoë's list.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let res = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["file_name"], "Zoë's list.csv");
    assert_eq!(v["counts"]["new"], 2);
}

/// A server process that is killed when the test ends, passing or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The rows of a large file of new people (valid 999 NHS numbers).
fn big_file(rows: usize) -> Vec<u8> {
    let mut out = String::from("NHS Number,System ID,First Name,Family Name,Date of Birth,Gender,Ethnicity,Postcode,Learning Disability,GP Practice,GP Out of County,Responsible Local Authority,Responsible Clinical Commissioner,Place Detained,Date Detained,S117 Start Date,S117 Qualifying Section,S117 End Date,End Reason\r\n");
    let mut made = 0;
    let mut n: u32 = 0;
    while made < rows {
        n += 1;
        let nine = format!("999{n:06}");
        let digits: Vec<u32> = nine.chars().map(|c| c.to_digit(10).unwrap()).collect();
        let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        made += 1;
        out.push_str(&format!(
            "{nine}{check},B{made},Bulk,Person{made},10/03/1992,2,A,ST4 2DN,No,Hanley Surgery,No,E06000021,sicbl:05W,harplands,06/01/2025,01/03/2025,s3,,\r\n"
        ));
    }
    out.into_bytes()
}

/// kill -9 of the server while it processes a 100,000-row file: after a restart the
/// register holds none of the rows (or all), and the upload can be processed again.
#[tokio::test]
async fn a_crash_mid_process_leaves_all_or_nothing_and_the_upload_processable() {
    let rows: usize = std::env::var("S117_TEST_CRASH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let app = TestApp::spawn().await;
    // The second server runs on the system clock: so must the session and the upload.
    app.clock.set(chrono::Utc::now());
    let (_, token) = app.user_token("importer@x.gov.uk", IMPORTER).await;
    let report = checked(&app, &token, "big.csv", big_file(rows)).await;
    assert_eq!(report["counts"]["new"], rows as i64);
    let id = report["id"].as_str().unwrap().to_string();

    // A second server process (the real binary) on the same database does the processing.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_s117"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("S117_LISTEN", format!("127.0.0.1:{port}"))
            .env("S117_DATABASE_URL", &app.db_url)
            .env("S117_DATA_DIR", app.dir.path().join("data2"))
            .env("S117_WEB_DIR", app.web_dir())
            .env("S117_JWT_SECRET", crate::support::TEST_JWT_SECRET)
            .env("S117_IDLE_TIMEOUT_MINUTES", "30")
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(Child)
            .unwrap()
    };
    let wait_up = || async {
        for _ in 0..400 {
            if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/health")).await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("second server did not start");
    };
    let mut child = start();
    wait_up().await;
    let url = format!("http://127.0.0.1:{port}/api/v1/imports/{id}/process");
    let client = reqwest::Client::new();
    let pending = tokio::spawn({
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move { client.post(url).bearer_auth(token).send().await }
    });
    // Wait until it is well into the work, then kill it without warning.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    if pending.is_finished() {
        let res = pending.await.unwrap().unwrap();
        panic!(
            "processing finished before the kill ({}): use more rows",
            res.status()
        );
    }
    std::process::Command::new("kill")
        .args(["-KILL", &child.0.id().to_string()])
        .status()
        .unwrap();
    child.0.wait().unwrap();
    assert!(
        pending.await.unwrap().is_err(),
        "the request died with the server"
    );

    let people = count(&app, "SELECT COUNT(*) FROM people").await;
    assert!(
        people == 0,
        "after the crash the register holds {people} of {rows} rows"
    );

    // Restarted, the same upload processes, in full.
    let child = start();
    wait_up().await;
    let res = client.post(&url).bearer_auth(&token).send().await.unwrap();
    expect_status(res, 200).await;
    drop(child);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM people").await,
        rows as i64
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'record.created'"
        )
        .await,
        rows as i64
    );
}
