//! The Administration tab beyond accounts: the audit log viewer and its export, drop-down
//! lists, system status and test email, the support contact, and `s117 backup`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{assert_problem, expect_status, TestApp};

const CASEWORKER: &[&str] = &["records.view", "records.create", "records.edit"];

fn person(nhs: &str, family: &str) -> Value {
    json!({
        "nhs_number": nhs, "first_name": "Alan", "family_name": family,
        "date_of_birth": "1980-02-13", "gender": "1", "ethnicity": "A", "postcode": "ST5 1DS",
        "learning_disability": "no",
        "episode": { "date_detained": "2025-01-06", "qualifying_section": "s3",
            "place_detained": "harplands", "s117_start_date": "2025-03-01",
            "responsible_la": "E10000028", "responsible_commissioner": "sicbl:05V",
            "gp_out_of_county": false }
    })
}

/// Valid test NHS numbers (999 range, correct check digit).
const NHS: [&str; 4] = ["9990000018", "9990000026", "9990000034", "9990000042"];

async fn create_record(app: &TestApp, token: &str, nhs: &str, family: &str) -> i64 {
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/records",
            token,
            Some(&person(nhs, family)),
        )
        .await;
    let res = expect_status(res, 201).await;
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Submits a new record detained at `place` (a code of the places-detained list).
async fn post_record_at(
    app: &TestApp,
    token: &str,
    nhs: &str,
    family: &str,
    place: &str,
) -> reqwest::Response {
    let mut body = person(nhs, family);
    body["episode"]["place_detained"] = json!(place);
    app.send_auth(Method::POST, "/api/v1/records", token, Some(&body))
        .await
}

async fn json_of(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    json_of(
        app.get_auth(&format!("/api/v1/admin/audit?{query}"), token)
            .await,
    )
    .await
}

fn actors(page: &Value) -> Vec<String> {
    let mut v: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor_label"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_audit_log_answers_who_viewed_a_record_and_what_a_user_viewed() {
    let app = TestApp::spawn().await;
    let (_, auditor) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    let (ann, ann_token) = app.user_token("ann@x.gov.uk", CASEWORKER).await;
    let (_, bob_token) = app.user_token("bob@x.gov.uk", CASEWORKER).await;
    let first = create_record(&app, &ann_token, NHS[0], "Harbour").await;
    let second = create_record(&app, &ann_token, NHS[1], "Quay").await;
    app.get_auth(&format!("/api/v1/records/{first}"), &ann_token)
        .await;
    app.get_auth(&format!("/api/v1/records/{first}"), &bob_token)
        .await;
    app.get_auth(&format!("/api/v1/records/{second}"), &bob_token)
        .await;
    app.login("ann@x.gov.uk", "Wrong#Password1").await;

    // Who viewed the first record.
    let page = audit(
        &app,
        &auditor,
        &format!("record_id={first}&action=record.viewed"),
    )
    .await;
    assert_eq!(page["total"], 2);
    assert_eq!(actors(&page), ["ann@x.gov.uk", "bob@x.gov.uk"]);
    // Everything Ann viewed; everything Bob did, by part of his address.
    let page = audit(
        &app,
        &auditor,
        &format!("user_id={}&action=record.viewed", ann.id),
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["record_id"], first);
    let page = audit(&app, &auditor, "actor=BOB@&action=record.viewed").await;
    assert_eq!(page["total"], 2);
    // A prefix of actions, an outcome.
    let page = audit(
        &app,
        &auditor,
        &format!("user_id={}&action=record.*", ann.id),
    )
    .await;
    assert_eq!(page["total"], 3, "two created, one viewed");
    let page = audit(&app, &auditor, "outcome=failure&action=auth.sign_in").await;
    assert_eq!(page["total"], 1);
    // Dates are UK calendar days, both ends included.
    let today = app.clock_now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let yesterday = today.pred_opt().unwrap();
    let all = audit(&app, &auditor, "").await["total"].as_i64().unwrap();
    assert!(all >= 8);
    assert_eq!(
        audit(&app, &auditor, &format!("from={today}&to={today}")).await["total"],
        all
    );
    assert_eq!(
        audit(&app, &auditor, &format!("from={tomorrow}")).await["total"],
        0
    );
    assert_eq!(
        audit(&app, &auditor, &format!("to={yesterday}")).await["total"],
        0
    );
    // Newest first, paginated.
    let page = audit(&app, &auditor, "per_page=2&page=1").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["id"].as_i64() > items[1]["id"].as_i64());
    // Bad filters are 422s naming the field.
    let res = app
        .get_auth(
            "/api/v1/admin/audit?outcome=maybe&from=2026-13-01",
            &auditor,
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["outcome"].is_string() && p["errors"]["from"].is_string());
    let res = app
        .get_auth(
            "/api/v1/admin/audit?from=2026-11-24&to=2026-11-01",
            &auditor,
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["to"].is_string());
}

#[tokio::test]
async fn the_audit_export_is_csv_with_formulas_neutralised_and_is_itself_audited() {
    let app = TestApp::spawn().await;
    let (auditor, token) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    // An account whose address a spreadsheet would read as a formula.
    let sneaky = app.create_user("=cmd|calc@x.gov.uk", CASEWORKER).await;
    let sneaky_token = app.sign_in(&sneaky.email, &sneaky.password).await;
    create_record(&app, &sneaky_token, NHS[2], "Formula").await;

    let res = app
        .get_auth(
            &format!("/api/v1/admin/audit/export?user_id={}", sneaky.id),
            &token,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "id");
    assert_eq!(header[4], "actor");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() >= 2, "sign-in and record created: {body}");
    for row in &rows {
        assert_eq!(&row[4], "'=cmd|calc@x.gov.uk");
        assert!(!row
            .iter()
            .any(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r'])));
    }
    assert!(rows.iter().any(|r| &r[5] == "record.created"));

    // The export left its own entry, with its filters.
    let page = audit(&app, &token, "action=audit.exported").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["actor_user_id"], auditor.id);
    assert_eq!(page["items"][0]["details"]["user_id"], sneaky.id);
}

#[tokio::test]
async fn a_large_export_streams_every_entry_across_chunks() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    let db = app.db().await;
    let now = app.clock_now();
    for i in 0..2500i64 {
        s117_api::on_db!(&db, p => sqlx::query("INSERT INTO audit_log (at, actor_label, action, outcome, record_id) VALUES ($1, 'bulk@x.gov.uk', 'record.viewed', 'success', $2)").bind(now).bind(i).execute(p).await.map(|_| ())).unwrap();
    }
    let body = app
        .get_auth("/api/v1/admin/audit/export?actor=bulk@", &token)
        .await
        .text()
        .await
        .unwrap();
    let rows = csv::Reader::from_reader(body.as_bytes()).records().count();
    assert_eq!(rows, 2500);
}

#[tokio::test]
async fn no_endpoint_edits_or_deletes_audit_entries() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    for method in [Method::PUT, Method::DELETE, Method::PATCH, Method::POST] {
        for path in ["/api/v1/admin/audit", "/api/v1/admin/audit/1"] {
            let s = app
                .send_auth(method.clone(), path, &token, None)
                .await
                .status();
            assert!(s == 404 || s == 405, "{method} {path}: {s}");
        }
    }
}

async fn ref_list(app: &TestApp, token: &str, list: &str) -> Value {
    json_of(
        app.get_auth(&format!("/api/v1/admin/reference/{list}"), token)
            .await,
    )
    .await
}

fn find<'a>(list: &'a Value, code: &str) -> Option<&'a Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
}

async fn offered(app: &TestApp, token: &str, list: &str, code: &str) -> bool {
    let v = json_of(
        app.get_auth(&format!("/api/v1/reference/{list}"), token)
            .await,
    )
    .await;
    find(&v, code).is_some()
}

#[tokio::test]
async fn drop_down_values_are_added_renamed_retired_and_reinstated_with_audit() {
    let app = TestApp::spawn().await;
    let (admin, token) = app.user_token("ref@x.gov.uk", &["admin.reference"]).await;
    let (_, worker) = app.user_token("worker@x.gov.uk", CASEWORKER).await;
    let lists = json_of(app.get_auth("/api/v1/admin/reference", &token).await).await;
    assert_eq!(lists.as_array().unwrap().len(), 7);
    let places = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["list"] == "places-detained")
        .unwrap();
    let bundled = json_of(
        app.get_auth("/api/v1/reference/places-detained", &token)
            .await,
    )
    .await;
    assert_eq!(
        places["active"].as_u64().unwrap() as usize,
        bundled["items"].as_array().unwrap().len()
    );

    // Add (a code is made from the name), then it is offered.
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": "St Elm Ward" })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let added: Value = res.json().await.unwrap();
    assert_eq!(added["code"], "local:st-elm-ward");
    assert_eq!(added["locally_added"], true);
    assert_eq!(added["in_use"], false);
    assert!(offered(&app, &worker, "places-detained", "local:st-elm-ward").await);
    // The same name again (any case) is a conflict; an empty one a 422.
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": "st elm ward", "code": "other" })),
        )
        .await;
    assert_problem(res, 409, "duplicate-value").await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": " ", "code": "bad code" })),
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["display_name"].is_string() && p["errors"]["code"].is_string());

    // Rename: the code stays.
    let res = app
        .send_auth(
            Method::PUT,
            "/api/v1/admin/reference/places-detained/local:st-elm-ward",
            &token,
            Some(&json!({ "display_name": "St Elm Ward (Stafford)" })),
        )
        .await;
    assert_eq!(json_of(res).await["display_name"], "St Elm Ward (Stafford)");

    // A record uses a bundled place; retiring it keeps the record valid and editable but
    // stops new records choosing it.
    let id = create_record(&app, &worker, NHS[0], "Harbour").await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained/harplands/retire",
            &token,
            None,
        )
        .await;
    assert_eq!(json_of(res).await["active"], false);
    assert!(!offered(&app, &worker, "places-detained", "harplands").await);
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained/harplands/retire",
            &token,
            None,
        )
        .await;
    assert_problem(res, 409, "already-retired").await;
    let res = app
        .get_auth(&format!("/api/v1/records/{id}"), &worker)
        .await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let record: Value = res.json().await.unwrap();
    assert_eq!(record["episodes"][0]["place_detained"]["code"], "harplands");
    let mut body = person(NHS[0], "Harbour");
    body["notes"] = json!("Still valid after the place was retired");
    let res = app
        .client
        .put(app.url(&format!("/api/v1/records/{id}")))
        .bearer_auth(&worker)
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_status(res, 200).await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/records",
            &worker,
            Some(&person(NHS[1], "Quay")),
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["episode.place_detained"].is_string(), "{p}");
    // Reinstated, it is offered again.
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained/harplands/reinstate",
            &token,
            None,
        )
        .await;
    assert_eq!(json_of(res).await["active"], true);
    assert!(offered(&app, &worker, "places-detained", "harplands").await);

    // Every change is audited with the list and code.
    let db = app.db().await;
    let rows: Vec<(String, String)> = s117_api::on_db!(&db, p => sqlx::query_as("SELECT action, details FROM audit_log WHERE action LIKE 'reference.%' AND actor_user_id = $1 ORDER BY id").bind(admin.id).fetch_all(p).await).unwrap();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "reference.value_added",
            "reference.value_renamed",
            "reference.value_retired",
            "reference.value_reinstated"
        ]
    );
    let details: Value = serde_json::from_str(&rows[2].1).unwrap();
    assert_eq!(details["list"], "places-detained");
    assert_eq!(details["code"], "harplands");
}

#[tokio::test]
async fn a_value_in_use_is_never_deleted() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("ref@x.gov.uk", &["admin.reference"]).await;
    let (_, worker) = app.user_token("worker@x.gov.uk", CASEWORKER).await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": "Local Unit", "code": "local:unit" })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = post_record_at(&app, &worker, NHS[0], "Harbour", "local:unit").await;
    expect_status(res, 201).await;

    let list = ref_list(&app, &token, "places-detained").await;
    assert_eq!(find(&list, "local:unit").unwrap()["in_use"], true);
    let res = app
        .send_auth(
            Method::DELETE,
            "/api/v1/admin/reference/places-detained/local:unit",
            &token,
            None,
        )
        .await;
    assert_problem(res, 409, "value-in-use").await;
    // A bundled value is retired, never deleted, even when unused.
    let res = app
        .send_auth(
            Method::DELETE,
            "/api/v1/admin/reference/genders/9",
            &token,
            None,
        )
        .await;
    assert!(matches!(res.status().as_u16(), 409 | 404));
    // An unused local value can be deleted (a mistake), and that is audited.
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": "Typo Ward" })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .send_auth(
            Method::DELETE,
            "/api/v1/admin/reference/places-detained/local:typo-ward",
            &token,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert!(find(
        &ref_list(&app, &token, "places-detained").await,
        "local:typo-ward"
    )
    .is_none());
    assert!(find(
        &ref_list(&app, &token, "places-detained").await,
        "local:unit"
    )
    .is_some());
    let db = app.db().await;
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'reference.value_deleted'").fetch_one(p).await).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn system_status_reports_the_database_mail_and_counts() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("boss@x.gov.uk", &["admin.users"]).await;
    let status = json_of(app.get_auth("/api/v1/admin/system", &token).await).await;
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        status["database"],
        if app.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    assert!(status["migration_level"].as_i64().unwrap() >= 4);
    assert_eq!(status["migration_level"], status["latest_migration"]);
    assert_eq!(status["mail_mode"], "development");
    assert_eq!(status["counts"]["active_users"], 1);
    assert_eq!(status["counts"]["active_records"], 0);
    assert!(status["counts"]["audit_entries"].as_i64().unwrap() >= 2);
}

#[tokio::test]
async fn a_test_email_reports_the_answer_and_is_audited() {
    let app = TestApp::spawn().await;
    let (admin, token) = app.user_token("boss@x.gov.uk", &["admin.users"]).await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/system/test-email",
            &token,
            Some(&json!({})),
        )
        .await;
    let result = json_of(res).await;
    assert_eq!(result["to"], "boss@x.gov.uk");
    assert_eq!(result["sent"], true);
    assert!(!result["answer"].as_str().unwrap().is_empty());
    let mail = app.mails_to("boss@x.gov.uk").pop().unwrap();
    assert!(mail.contains("test email"), "{mail}");
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/system/test-email",
            &token,
            Some(&json!({ "to": "nope" })),
        )
        .await;
    assert_problem(res, 422, "validation").await;
    // A body that is not a JSON object is refused, not read as "no address" (serde would
    // otherwise accept `[]` for a struct whose fields all have defaults).
    let mails_before = app.mails_to("boss@x.gov.uk").len();
    for body in [json!([]), json!(["boss@x.gov.uk"]), json!("boss@x.gov.uk")] {
        let res = app
            .send_auth(
                Method::POST,
                "/api/v1/admin/system/test-email",
                &token,
                Some(&body),
            )
            .await;
        assert_problem(res, 400, "bad-request").await;
    }
    assert_eq!(
        app.mails_to("boss@x.gov.uk").len(),
        mails_before,
        "no mail for a refused body"
    );
    let db = app.db().await;
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'admin.test_email' AND outcome = 'success' AND actor_user_id = $1").bind(admin.id).fetch_one(p).await).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn the_support_contact_comes_from_the_configuration_and_is_public() {
    let app = TestApp::builder()
        .env("S117_HELPDESK_EMAIL", "help@example.gov.uk")
        .env(
            "S117_SUPPORT_TEXT",
            "Call the service desk on 01234 567890.",
        )
        .spawn()
        .await;
    let v = json_of(app.get("/api/v1/support").await).await;
    assert_eq!(v["helpdesk_email"], "help@example.gov.uk");
    assert_eq!(v["support_text"], "Call the service desk on 01234 567890.");
    let app = TestApp::spawn().await;
    let v = json_of(app.get("/api/v1/support").await).await;
    assert_eq!(
        v["helpdesk_email"],
        "caresystemshelpdesk@staffordshire.gov.uk"
    );
    assert_eq!(
        v["support_text"],
        "For help and support please speak to your local first line support team."
    );
}

fn s117_backup(app: &TestApp, to: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_s117"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("S117_DATABASE_URL", &app.db_url)
        .env("S117_DATA_DIR", app.dir.path().join("data"))
        .arg("backup")
        .arg("--to")
        .arg(to)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_with_every_record() {
    // Searches' audit entries stay in the SQLite queue file until something moves them: here
    // only the backup does.
    let app = TestApp::builder()
        .without_periodic_audit_move()
        .spawn()
        .await;
    let (_, worker) = app.user_token("worker@x.gov.uk", CASEWORKER).await;
    let to = app.dir.path().join("backup.db");
    if app.is_postgres() {
        let out = s117_backup(&app, &to);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    let mut ids = Vec::new();
    for (i, nhs) in NHS.iter().enumerate() {
        ids.push(create_record(&app, &worker, nhs, &format!("Backup{i}")).await);
    }
    let res = app.get_auth("/api/v1/records?q=backup", &worker).await;
    assert_eq!(res.status(), 200);
    let out = s117_backup(&app, &to);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));
    // The copy holds the search's audit entry, moved in from the queue by the backup.
    let copy = s117_api::db::Db::connect_url(
        &format!("sqlite://{}", to.display()),
        1,
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    let searched: i64 = s117_api::on_db!(&copy, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'records.searched'").fetch_one(p).await).unwrap();
    assert_eq!(searched, 1);
    copy.close().await;
    // Never overwrites.
    let again = s117_backup(&app, &to);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    // Restore: a server started on the copy serves every record (the copy holds the
    // sessions too, so the caseworker's token still works).
    let restored_path = app.dir.path().join("restored.db");
    std::fs::copy(&to, &restored_path).unwrap();
    let restored_url = format!("sqlite://{}", restored_path.display());
    let restored = TestApp::builder()
        .database_url_via(move |_| restored_url)
        .spawn()
        .await;
    let page = json_of(
        restored
            .get_auth("/api/v1/records?status=all&per_page=100", &worker)
            .await,
    )
    .await;
    let mut found: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, ids);
    for id in &ids {
        let res = restored
            .get_auth(&format!("/api/v1/records/{id}"), &worker)
            .await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn the_export_completes_when_the_browser_asks_for_compression() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    for encoding in ["br", "gzip", "gzip, deflate, br, zstd"] {
        let res = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            let res = app
                .client
                .get(app.url("/api/v1/admin/audit/export"))
                .bearer_auth(&token)
                .header("Accept-Encoding", encoding)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.bytes().await.unwrap().len())
        })
        .await
        .unwrap_or_else(|_| panic!("the export with Accept-Encoding: {encoding} never finished"));
        assert_eq!(res.0, 200);
        assert!(res.1 > 0);
    }
}

/// Records read the lists through a one-second cache (api/src/records/refs.rs); a change an
/// administrator makes must still apply to the very next record.
#[tokio::test]
async fn a_drop_down_change_applies_to_the_next_record_at_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("ref@x.gov.uk", &["admin.reference"]).await;
    let (_, worker) = app.user_token("worker@x.gov.uk", CASEWORKER).await;
    // The first record fills the cache.
    let first = create_record(&app, &worker, NHS[0], "Cached").await;
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained",
            &token,
            Some(&json!({ "display_name": "Brand New Ward" })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = post_record_at(&app, &worker, NHS[1], "Newward", "local:brand-new-ward").await;
    let res = expect_status(res, 201).await;
    let second = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // A rename shows at once on the record that uses the value.
    let res = app
        .send_auth(
            Method::PUT,
            "/api/v1/admin/reference/places-detained/local:brand-new-ward",
            &token,
            Some(&json!({ "display_name": "Renamed Ward" })),
        )
        .await;
    assert!(
        res.status().is_success(),
        "{}",
        res.text().await.unwrap_or_default()
    );
    let view = json_of(
        app.get_auth(&format!("/api/v1/records/{second}"), &worker)
            .await,
    )
    .await;
    assert_eq!(
        view["episode"]["place_detained"]["name"], "Renamed Ward",
        "{view}"
    );

    // Retired: refused for the next new record at once.
    let res = app
        .send_auth(
            Method::POST,
            "/api/v1/admin/reference/places-detained/local:brand-new-ward/retire",
            &token,
            None,
        )
        .await;
    assert!(
        res.status().is_success(),
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = post_record_at(&app, &worker, NHS[2], "Retired", "local:brand-new-ward").await;
    assert_eq!(res.status(), 422);
    assert!(first > 0);
}
