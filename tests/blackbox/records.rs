//! The register: submit, search, view, edit, end, new episode, delete, history, audit.

use serde_json::{json, Value};

use crate::support::{assert_problem, expect_status, TestApp};

const CASEWORKER: &[&str] = &[
    "records.view",
    "records.create",
    "records.edit",
    "records.end",
    "records.delete",
];

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

fn person(nhs: &str, first: &str, family: &str, dob: &str) -> Value {
    let mut v = alan();
    v["nhs_number"] = json!(nhs);
    v["source_system_id"] = Value::Null;
    v["first_name"] = json!(first);
    v["family_name"] = json!(family);
    v["date_of_birth"] = json!(dob);
    v
}

async fn caseworker(app: &TestApp) -> String {
    app.user_token("case@x.gov.uk", CASEWORKER).await.1
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send_auth(reqwest::Method::POST, "/api/v1/records", token, Some(body))
        .await
}

async fn created(app: &TestApp, token: &str, body: &Value) -> (i64, String) {
    let res = create(app, token, body).await;
    let res = expect_status(res, 201).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let v: Value = res.json().await.unwrap();
    (v["id"].as_i64().unwrap(), etag)
}

async fn send_if_match(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    etag: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(e) = etag {
        req = req.header("if-match", e);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_record_is_created_normalised_and_read_back_with_names_and_etag() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let res = create(&app, &token, &alan()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let r: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/records/{}", r["id"]));
    assert_eq!(r["nhs_number"], "9990000018");
    assert_eq!(r["postcode"], "ST5 1DS");
    assert_eq!(r["status"], "active");
    assert_eq!(r["episode"]["responsible_la"]["name"], "Staffordshire");
    assert_eq!(r["episode"]["la_out_of_county"], false);
    assert_eq!(r["age_band"], "18-64");
    let res = app.get_auth(&location, &token).await;
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn each_validation_rule_answers_422_keyed_by_field() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("nhs_number", json!("1235647321"), "nhs_number"),
        ("nhs_number", json!("12345"), "nhs_number"),
        ("nhs_number", json!("1111111111"), "nhs_number"),
        ("postcode", json!("NOT A POSTCODE"), "postcode"),
        ("date_of_birth", json!("2030-01-01"), "date_of_birth"),
        ("first_name", json!(""), "first_name"),
        ("gender", json!("7"), "gender"),
    ];
    for (field, value, key) in cases {
        let mut body = alan();
        body[field] = value.clone();
        let res = create(&app, &token, &body).await;
        let p = assert_problem(res, 422, "validation").await;
        assert!(p["errors"][key].is_string(), "{field}={value}: {p}");
    }
    let episode_cases: Vec<(&str, Value)> = vec![
        ("qualifying_section", json!("s2")),
        ("qualifying_section", json!("s136")),
        ("s117_start_date", json!("2024-12-01")),
        ("responsible_la", json!("E99999999")),
        ("responsible_commissioner", json!("icb:NOPE")),
    ];
    for (field, value) in episode_cases {
        let mut body = alan();
        body["episode"][field] = value.clone();
        let p = assert_problem(create(&app, &token, &body).await, 422, "validation").await;
        assert!(
            p["errors"][format!("episode.{field}")].is_string(),
            "{field}={value}: {p}"
        );
    }
    // Valid edge cases pass: a ZZ99 pseudo-postcode, no NHS number, a legacy-free current code.
    let mut body = person("", "Zoë", "O’Neil", "1990-05-05");
    body["nhs_number"] = Value::Null;
    body["postcode"] = json!("zz99 3vz");
    let res = create(&app, &token, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn duplicates_are_refused_by_each_key_with_a_link_to_the_existing_record() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, _) = created(&app, &token, &alan()).await;

    let mut by_nhs = person("9990000018", "Someone", "Else", "1970-01-01");
    by_nhs["source_system_id"] = json!("other");
    let mut by_source = person("9990000026", "Someone", "Else", "1970-01-01");
    by_source["source_system_id"] = json!("9057499");
    let by_names = person("9990000034", " alan ", "HARBOUR", "1980-02-13");
    for (what, body, key) in [
        ("nhs", by_nhs, "nhs_number"),
        ("source", by_source, "source_system_id"),
        ("names", by_names, "name_and_date_of_birth"),
    ] {
        let p = assert_problem(create(&app, &token, &body).await, 409, "duplicate-record").await;
        assert_eq!(p["existing_id"], id, "{what}");
        assert_eq!(p["existing_url"], format!("/api/v1/records/{id}"), "{what}");
        assert_eq!(p["matched_on"], key, "{what}");
    }
    // Near misses are not duplicates.
    let near = person("9990000042", "Alan", "Harbour", "1980-02-14");
    assert_eq!(create(&app, &token, &near).await.status(), 201);
    let near = person("9990000050", "Alana", "Harbour", "1980-02-13");
    assert_eq!(create(&app, &token, &near).await.status(), 201);
    // Accents and punctuation fold for the name key.
    created(
        &app,
        &token,
        &person("9990000069", "Zoë", "O’Neil", "1991-01-01"),
    )
    .await;
    let p = assert_problem(
        create(
            &app,
            &token,
            &person("9990000077", "zoe", "ONeil", "1991-01-01"),
        )
        .await,
        409,
        "duplicate-record",
    )
    .await;
    assert_eq!(p["matched_on"], "name_and_date_of_birth");
}

#[tokio::test]
async fn edits_need_the_current_etag_and_never_overwrite_someone_elses_change() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    let path = format!("/api/v1/records/{id}");
    let mut body = alan();
    body["postcode"] = json!("ST4 2DN");
    let res = send_if_match(&app, reqwest::Method::PUT, &path, &token, None, Some(&body)).await;
    assert_problem(res, 428, "precondition-required").await;
    let res = send_if_match(
        &app,
        reqwest::Method::PUT,
        &path,
        &token,
        Some(&etag),
        Some(&body),
    )
    .await;
    assert_eq!(res.status(), 200);
    let new_etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(new_etag, etag);
    // A second caseworker still holding the old ETag is refused.
    body["postcode"] = json!("ST5 9ZZ");
    let res = send_if_match(
        &app,
        reqwest::Method::PUT,
        &path,
        &token,
        Some(&etag),
        Some(&body),
    )
    .await;
    assert_problem(res, 412, "precondition-failed").await;
    let r: Value = app.get_auth(&path, &token).await.json().await.unwrap();
    assert_eq!(r["postcode"], "ST4 2DN");
    // The history shows old → new.
    let history: Value = app
        .get_auth(&format!("{path}/history"), &token)
        .await
        .json()
        .await
        .unwrap();
    let edit = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "record.updated")
        .unwrap();
    assert_eq!(
        edit["details"]["changes"]["postcode"],
        json!({ "old": "ST5 1DS", "new": "ST4 2DN" })
    );
    assert_eq!(edit["who"], "case@x.gov.uk");
}

fn end_body() -> Value {
    json!({ "end_date": "2026-11-01", "reason": "no_longer_needs_aftercare", "la_agreed_by": "A. Manager (Staffordshire)", "nhs_agreed_by": "B. Lead (ICB)" })
}

/// Ends a record (it must succeed) and returns its new ETag.
async fn ended(app: &TestApp, token: &str, (id, etag): &(i64, String)) -> String {
    let path = format!("/api/v1/records/{id}/end");
    let res = send_if_match(
        app,
        reqwest::Method::POST,
        &path,
        token,
        Some(etag),
        Some(&end_body()),
    )
    .await;
    let res = expect_status(res, 200).await;
    res.headers()["etag"].to_str().unwrap().to_string()
}

/// Replaces a record with `body` (it must succeed) and keeps its new ETag in `record`.
async fn updated(app: &TestApp, token: &str, record: &mut (i64, String), body: &Value) {
    let path = format!("/api/v1/records/{}", record.0);
    let res = send_if_match(
        app,
        reqwest::Method::PUT,
        &path,
        token,
        Some(&record.1),
        Some(body),
    )
    .await;
    let res = expect_status(res, 200).await;
    record.1 = res.headers()["etag"].to_str().unwrap().to_string();
}

/// Opens a new episode (a new qualifying detention) for an ended record; it must succeed.
async fn reinstated(app: &TestApp, token: &str, id: i64, etag: &str) {
    let episode = json!({ "date_detained": "2026-11-10", "qualifying_section": "s37", "s117_start_date": "2026-11-12",
        "responsible_la": "E06000021", "responsible_commissioner": "sicbl:05W", "gp_out_of_county": false });
    let path = format!("/api/v1/records/{id}/episodes");
    let res = send_if_match(
        app,
        reqwest::Method::POST,
        &path,
        token,
        Some(etag),
        Some(&episode),
    )
    .await;
    expect_status(res, 201).await;
}

/// Deletes a record; it must succeed.
async fn deleted(app: &TestApp, token: &str, (id, etag): &(i64, String)) {
    let path = format!("/api/v1/records/{id}");
    let res = send_if_match(app, reqwest::Method::DELETE, &path, token, Some(etag), None).await;
    expect_status(res, 204).await;
}

#[tokio::test]
async fn ending_takes_the_record_off_the_active_register_but_keeps_it_findable() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    let path = format!("/api/v1/records/{id}/end");
    let mut missing = end_body();
    missing["la_agreed_by"] = json!("");
    let p = assert_problem(
        send_if_match(
            &app,
            reqwest::Method::POST,
            &path,
            &token,
            Some(&etag),
            Some(&missing),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert!(p["errors"]["la_agreed_by"].is_string(), "{p}");
    let mut future = end_body();
    future["end_date"] = json!("2030-01-01");
    assert_problem(
        send_if_match(
            &app,
            reqwest::Method::POST,
            &path,
            &token,
            Some(&etag),
            Some(&future),
        )
        .await,
        422,
        "validation",
    )
    .await;
    let res = send_if_match(
        &app,
        reqwest::Method::POST,
        &path,
        &token,
        Some(&etag),
        Some(&end_body()),
    )
    .await;
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["status"], "ended");
    assert!(r["episode"].is_null());
    assert_eq!(r["episodes"][0]["end_reason"], "no_longer_needs_aftercare");

    let active: Value = app
        .get_auth("/api/v1/records?q=harbour", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["total"], 0);
    for status in ["ended", "all"] {
        let found: Value = app
            .get_auth(
                &format!("/api/v1/records?q=harbour&status={status}"),
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 1, "{status}");
    }
}

#[tokio::test]
async fn a_current_cto_blocks_ending() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let mut body = alan();
    body["episode"]["cto_start_date"] = json!("2025-04-01");
    let (id, etag) = created(&app, &token, &body).await;
    let res = send_if_match(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/records/{id}/end"),
        &token,
        Some(&etag),
        Some(&end_body()),
    )
    .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p.to_string().contains("community treatment order"), "{p}");
}

#[tokio::test]
async fn a_new_qualifying_detention_closes_the_open_episode_and_opens_another() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    let episode = json!({ "date_detained": "2026-06-01", "qualifying_section": "s37", "s117_start_date": "2026-08-01",
        "responsible_la": "E06000021", "responsible_commissioner": "sicbl:05W", "gp_out_of_county": false });
    let res = send_if_match(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/records/{id}/episodes"),
        &token,
        Some(&etag),
        Some(&episode),
    )
    .await;
    expect_status(res, 201).await;
    let r: Value = app
        .get_auth(&format!("/api/v1/records/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["episodes"].as_array().unwrap().len(), 2);
    assert_eq!(r["episode"]["responsible_la"]["code"], "E06000021");
    assert_eq!(r["episodes"][1]["end_reason"], "new_qualifying_detention");
    assert_eq!(r["episodes"][1]["end_date"], "2026-06-01");
    // Listed under the new responsible authority.
    let list: Value = app
        .get_auth("/api/v1/records?responsible_la=E06000021", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn search_finds_by_each_key_and_pages_stably() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (alan_id, _) = created(&app, &token, &alan()).await;
    let mut steve = person("9990000026", "Steve", "Lowther", "1992-03-10");
    steve["postcode"] = json!("ST4 2DN");
    steve["source_system_id"] = json!("9057501");
    created(&app, &token, &steve).await;
    let total = |v: &Value| v["total"].as_i64().unwrap();
    let first_id = |v: &Value| v["items"][0]["id"].as_i64().unwrap();
    for q in [
        "9990000018",
        "999 000 0018",
        "9057499",
        "harb",
        "HARBOUR alan",
        "alan harbour",
        "st5",
        "ST5 1DS",
        &alan_id.to_string(),
    ] {
        let v: Value = app
            .get_auth(&format!("/api/v1/records?q={}", urlencode(q)), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(total(&v), 1, "{q}: {v}");
        assert_eq!(first_id(&v), alan_id, "{q}");
    }
    let none: Value = app
        .get_auth("/api/v1/records?q=nobody", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(total(&none), 0);
    // Pagination edges.
    let past: Value = app
        .get_auth("/api/v1/records?page=9&per_page=10", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(total(&past), 2);
    assert_eq!(past["items"].as_array().unwrap().len(), 0);
    assert_problem(
        app.get_auth("/api/v1/records?per_page=101", &token).await,
        422,
        "validation",
    )
    .await;
    assert_problem(
        app.get_auth("/api/v1/records?page=0", &token).await,
        422,
        "validation",
    )
    .await;
    assert_problem(
        app.get_auth("/api/v1/records?sort=colour", &token).await,
        422,
        "validation",
    )
    .await;
    let by_dob: Value = app
        .get_auth("/api/v1/records?sort=-date_of_birth", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_dob["items"][0]["first_name"], "Steve");
    let by_name: Value = app
        .get_auth("/api/v1/records?sort=name&per_page=1&page=2", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_name["items"][0]["family_name"], "Lowther");
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20")
}

#[tokio::test]
async fn delete_needs_the_etag_and_leaves_a_tombstone_and_the_trail() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    let path = format!("/api/v1/records/{id}");
    assert_problem(
        send_if_match(&app, reqwest::Method::DELETE, &path, &token, None, None).await,
        428,
        "precondition-required",
    )
    .await;
    let res = send_if_match(
        &app,
        reqwest::Method::DELETE,
        &path,
        &token,
        Some(&etag),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get_auth(&path, &token).await, 404, "not-found").await;
    let list: Value = app
        .get_auth("/api/v1/records?status=all", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let history: Value = app
        .get_auth(&format!("{path}/history"), &token)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"record.deleted") && actions.contains(&"record.created"),
        "{actions:?}"
    );
    // The same person can be entered again afterwards (the mistake is gone).
    assert_eq!(create(&app, &token, &alan()).await.status(), 201);
}

#[tokio::test]
async fn every_action_is_audited_including_views_and_searches() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    app.get_auth(&format!("/api/v1/records/{id}"), &token).await;
    app.get_auth("/api/v1/records?q=harbour", &token).await;
    let mut body = alan();
    body["notes"] = json!("Changed");
    let res = send_if_match(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/records/{id}"),
        &token,
        Some(&etag),
        Some(&body),
    )
    .await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    send_if_match(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/records/{id}/end"),
        &token,
        Some(&etag),
        Some(&end_body()),
    )
    .await;
    // Reading the log moves searches' entries into it (on SQLite they wait in a queue file,
    // and join the log in the order they are moved: after changes made in the meantime).
    let (_, auditor) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    expect_status(app.get_auth("/api/v1/admin/audit", &auditor).await, 200).await;
    let db = app.db().await;
    let actions: Vec<String> = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'record%' ORDER BY id").fetch_all(p).await).unwrap();
    let (searches, changes): (Vec<&str>, Vec<&str>) = actions
        .iter()
        .map(String::as_str)
        .partition(|a| *a == "records.searched");
    assert_eq!(
        changes,
        [
            "record.created",
            "record.viewed",
            "record.updated",
            "record.ended"
        ]
    );
    assert_eq!(searches, ["records.searched"]);
}

#[tokio::test]
async fn permissions_separate_view_create_edit_end_and_delete() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (id, etag) = created(&app, &token, &alan()).await;
    let (_, viewer) = app.user_token("viewer2@x.gov.uk", &["records.view"]).await;
    assert_eq!(
        app.get_auth(&format!("/api/v1/records/{id}"), &viewer)
            .await
            .status(),
        200
    );
    assert_eq!(
        create(&app, &viewer, &person("9990000026", "A", "B", "1990-01-01"))
            .await
            .status(),
        403
    );
    let res = send_if_match(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/records/{id}"),
        &viewer,
        Some(&etag),
        None,
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = send_if_match(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/records/{id}/end"),
        &viewer,
        Some(&etag),
        Some(&end_body()),
    )
    .await;
    assert_eq!(res.status(), 403);
}

/// Regression: on SQLite a read-then-write transaction (a record view writes its audit entry)
/// failed at once with "database is locked" when another write committed in between.
#[tokio::test]
async fn concurrent_views_and_histories_never_fail() {
    let app = TestApp::builder().env("S117_WORKERS", "2").spawn().await;
    let token = caseworker(&app).await;
    let (id, _) = created(&app, &token, &alan()).await;
    let view = format!("/api/v1/records/{id}");
    let history = format!("/api/v1/records/{id}/history");
    let calls = (0..60).map(|i| {
        let path = if i % 2 == 0 {
            view.clone()
        } else {
            history.clone()
        };
        let (app, token) = (&app, &token);
        async move { app.get_auth(&path, token).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

async fn search_json(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get_auth(&format!("/api/v1/records?{query}"), token)
        .await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

/// The search `query` sorted by name (the search indexes' path), after checking that it finds
/// exactly what the general path finds (sorted by date of birth), all of it on one page.
async fn agrees_with_general(app: &TestApp, token: &str, query: &str, when: &str) -> Value {
    let fast = search_json(app, token, &format!("{query}&sort=name")).await;
    let general = search_json(app, token, &format!("{query}&sort=date_of_birth")).await;
    assert_eq!(fast["total"], general["total"], "{when}: {query}");
    assert_eq!(sorted_ids(&fast), sorted_ids(&general), "{when}: {query}");
    assert_eq!(
        fast["total"].as_u64().unwrap() as usize,
        sorted_ids(&fast).len(),
        "{when}: {query}"
    );
    fast
}

/// The IDs on a page, in its order.
fn item_ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The IDs on a page, in ID order (to compare what two searches found).
fn sorted_ids(v: &Value) -> Vec<i64> {
    let mut ids = item_ids(v);
    ids.sort_unstable();
    ids
}

fn full_names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["first_name"].as_str().unwrap(),
                i["family_name"].as_str().unwrap()
            )
        })
        .collect()
}

/// Name and postcode searches count and page from the search indexes (migration 0007):
/// totals, pages, both sort directions, a page past the end, a person matched by two of their
/// name words counted once, and the index following renames and endings.
#[tokio::test]
async fn name_and_postcode_searches_count_page_and_follow_changes() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let (alan_id, _) = created(&app, &token, &alan()).await;
    let (beth_id, beth_etag) = created(
        &app,
        &token,
        &person("9990000026", "Beth", "Harbour", "1991-05-01"),
    )
    .await;
    let (cai_id, cai_etag) = created(
        &app,
        &token,
        &person("9990000034", "Cai", "Harbour", "1975-07-21"),
    )
    .await;
    // "Smith-Harbourne": its words smithharbourne, smith and harbourne all start with "smith"
    // or "harb"; it is still one person.
    let mut dora = person("9990000042", "Dora", "Smith-Harbourne", "1969-12-31");
    dora["postcode"] = json!("WS11 1AB");
    created(&app, &token, &dora).await;

    let v = search_json(&app, &token, "q=harb").await;
    assert_eq!(v["total"], 4, "{v}");
    assert_eq!(
        full_names(&v),
        [
            "Alan Harbour",
            "Beth Harbour",
            "Cai Harbour",
            "Dora Smith-Harbourne"
        ]
    );
    assert_eq!(search_json(&app, &token, "q=smith").await["total"], 1);
    let v = search_json(&app, &token, "q=harb&per_page=1&page=2").await;
    assert_eq!(
        (v["total"].as_i64(), full_names(&v)),
        (Some(4), vec!["Beth Harbour".to_string()])
    );
    let v = search_json(&app, &token, "q=harb&sort=-name&per_page=2").await;
    assert_eq!(full_names(&v), ["Dora Smith-Harbourne", "Cai Harbour"]);
    let v = search_json(&app, &token, "q=harb&per_page=10&page=3").await;
    assert_eq!(v["total"], 4, "a page past the end still counts");
    assert!(v["items"].as_array().unwrap().is_empty());
    let v = search_json(&app, &token, "q=harbour%20cai").await;
    assert_eq!(v["items"][0]["id"], cai_id);
    assert_eq!(v["total"], 1);
    // Postcodes: a prefix, with and without the space, paged.
    let v = search_json(&app, &token, "q=ST5&per_page=2&page=2").await;
    assert_eq!(v["total"], 3);
    assert_eq!(full_names(&v), ["Cai Harbour"]);
    assert_eq!(search_json(&app, &token, "q=ws111a").await["total"], 1);
    // A term and another sort, or a filter, take the general path and agree.
    let v = search_json(&app, &token, "q=harb&sort=date_of_birth").await;
    assert_eq!(v["total"], 4);
    assert_eq!(v["items"][0]["first_name"], "Dora");
    let v = search_json(&app, &token, "q=harb&responsible_la=E10000028").await;
    assert_eq!(v["total"], 4);

    // A rename moves the person in the index.
    let mut renamed = person("9990000026", "Beth", "Trent", "1991-05-01");
    renamed["source_system_id"] = Value::Null;
    let res = send_if_match(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/records/{beth_id}"),
        &token,
        Some(&beth_etag),
        Some(&renamed),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(search_json(&app, &token, "q=harb").await["total"], 3);
    let v = search_json(&app, &token, "q=tren").await;
    assert_eq!(full_names(&v), ["Beth Trent"]);
    // Ending moves the person from active to ended, in the index too.
    let res = send_if_match(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/records/{cai_id}/end"),
        &token,
        Some(&cai_etag),
        Some(&end_body()),
    )
    .await;
    assert_eq!(res.status(), 200);
    let v = search_json(&app, &token, "q=harb").await;
    assert_eq!(v["total"], 2);
    assert_eq!(v["items"][0]["id"], alan_id);
    let v = search_json(&app, &token, "q=harb&status=ended").await;
    assert_eq!(full_names(&v), ["Cai Harbour"]);
    assert_eq!(v["items"][0]["status"], "ended");
    assert_eq!(
        search_json(&app, &token, "q=harb&status=all").await["total"],
        3
    );
    assert_eq!(
        search_json(&app, &token, "q=st5&status=all").await["total"],
        3
    );
    assert_eq!(search_json(&app, &token, "q=st5").await["total"], 2);
}

/// Search audit entries matching `pattern` (a LIKE on details), wherever they are committed:
/// `audit_log`, and on SQLite also the queue file they wait in until moved (audit/queue.rs).
/// Tests that use it stop the periodic move (`without_periodic_audit_move`), so no entry is
/// between the two while they count.
async fn committed_searches(app: &TestApp, db: &s117_api::db::Db, pattern: &str) -> i64 {
    let sql =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'records.searched' AND details LIKE $1";
    let logged: i64 =
        s117_api::on_db!(db, p => sqlx::query_scalar(sql).bind(pattern).fetch_one(p).await)
            .unwrap();
    let queued: i64 = match app.audit_queue().await {
        Some(queue) => {
            s117_api::on_db!(&queue, p => sqlx::query_scalar(sql).bind(pattern).fetch_one(p).await)
                .unwrap()
        }
        None => 0,
    };
    logged + queued
}

/// Search entries in `audit_log` itself.
async fn searches_in_log(db: &s117_api::db::Db) -> i64 {
    let sql = "SELECT COUNT(*) FROM audit_log WHERE action = 'records.searched'";
    s117_api::on_db!(db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

/// Search entries in `audit_log` once there are `expected`, or after 5 s, whichever is first.
async fn searches_in_log_within_5s(db: &s117_api::db::Db, expected: i64) -> i64 {
    let mut n = 0;
    for _ in 0..100 {
        n = searches_in_log(db).await;
        if n == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    n
}

/// Searches' audit entries go through a group-commit writer: under concurrent load each
/// search still has exactly its own entry, committed before its answer arrives.
#[tokio::test]
async fn concurrent_searches_each_commit_their_audit_entry_before_answering() {
    let app = TestApp::builder()
        .env("S117_WORKERS", "2")
        .without_periodic_audit_move()
        .spawn()
        .await;
    let token = caseworker(&app).await;
    created(&app, &token, &alan()).await;
    let db = app.db().await;
    let calls = (0..80).map(|i| {
        let (app, token, db) = (&app, &token, &db);
        async move {
            let q = format!("harbour n{i}");
            let res = app
                .get_auth(&format!("/api/v1/records?q=harbour%20n{i}"), token)
                .await;
            assert_eq!(res.status(), 200);
            // Read from another connection the moment the answer is in: already committed.
            let pattern = format!("%\"q\":\"{q}\"%");
            assert_eq!(committed_searches(app, db, &pattern).await, 1, "{q}");
        }
    });
    futures_util::future::join_all(calls).await;
    assert_eq!(committed_searches(&app, &db, "%").await, 80);
}

/// On SQLite, searches commit their audit entries to the queue file, not the register, so
/// they do not cost the register's other connections their caches; reading the audit log
/// (here the viewer) moves them into it first, and the periodic move does so too.
#[tokio::test]
async fn searches_reach_the_audit_log_through_the_queue_without_writing_the_register() {
    let app = TestApp::builder()
        .without_periodic_audit_move()
        .spawn()
        .await;
    let token = caseworker(&app).await;
    created(&app, &token, &alan()).await;
    let (_, auditor) = app.user_token("auditor@x.gov.uk", &["audit.view"]).await;
    let db = app.db().await;
    if let s117_api::db::Db::Sqlite(pool) = &db {
        // PRAGMA data_version changes when another connection commits to the file.
        let mut c = pool.acquire().await.unwrap();
        let version = "PRAGMA data_version";
        let before: i64 = sqlx::query_scalar(version)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        for i in 0..5 {
            let res = app
                .get_auth(&format!("/api/v1/records?q=harbour%20{i}"), &token)
                .await;
            assert_eq!(res.status(), 200);
        }
        let after: i64 = sqlx::query_scalar(version)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(after, before, "a search committed to the register");
        drop(c);
        assert_eq!(searches_in_log(&db).await, 0);
        assert_eq!(committed_searches(&app, &db, "%").await, 5);
    } else {
        for i in 0..5 {
            app.get_auth(&format!("/api/v1/records?q=harbour%20{i}"), &token)
                .await;
        }
    }
    let res = app
        .get_auth("/api/v1/admin/audit?action=records.searched", &auditor)
        .await;
    let v: Value = expect_status(res, 200).await.json().await.unwrap();
    assert_eq!(v["total"], 5);
    assert_eq!(searches_in_log(&db).await, 5);
}

/// Without a read of the log, the periodic move brings queued entries in by itself.
#[tokio::test]
async fn the_periodic_move_brings_queued_searches_into_the_log() {
    let app = TestApp::builder()
        .env("S117_AUDIT_QUEUE_MOVE_MS", "50")
        .spawn()
        .await;
    let token = caseworker(&app).await;
    app.get_auth("/api/v1/records?q=harbour", &token).await;
    assert_eq!(searches_in_log_within_5s(&app.db().await, 1).await, 1);
}

/// A server that stops moves what is queued into the log on its way out.
#[tokio::test]
async fn a_stopping_server_moves_queued_searches_into_the_log() {
    let app = TestApp::builder()
        .without_periodic_audit_move()
        .spawn()
        .await;
    let token = caseworker(&app).await;
    app.get_auth("/api/v1/records?q=harbour", &token).await;
    app.stop().await;
    // The move runs just after the HTTP server has stopped.
    assert_eq!(searches_in_log_within_5s(&app.db().await, 1).await, 1);
}

/// A search whose audit entry cannot be written answers an error, never its results; the
/// searches sharing its batch are still written and answered; and the writer carries on
/// once the fault is gone.
#[tokio::test]
async fn a_search_whose_audit_entry_fails_returns_nothing_and_the_writer_recovers() {
    let app = TestApp::builder()
        .env("S117_WORKERS", "2")
        .without_periodic_audit_move()
        .spawn()
        .await;
    let token = caseworker(&app).await;
    created(&app, &token, &alan()).await;
    let db = app.db().await;
    // On SQLite the entries are written to the queue file, so the fault goes there.
    let faulty = app.audit_queue().await.unwrap_or_else(|| db.clone());
    let (block, unblock) = if app.is_postgres() {
        (
            "ALTER TABLE audit_log ADD CONSTRAINT test_block CHECK (details NOT LIKE '%\"q\":\"blocked%') NOT VALID",
            "ALTER TABLE audit_log DROP CONSTRAINT test_block",
        )
    } else {
        (
            "CREATE TRIGGER test_block BEFORE INSERT ON audit_log WHEN NEW.details LIKE '%\"q\":\"blocked%'
             BEGIN SELECT RAISE(ABORT, 'blocked by the test'); END",
            "DROP TRIGGER test_block",
        )
    };
    s117_api::on_db!(&faulty, p => sqlx::query(block).execute(p).await.map(|_| ())).unwrap();
    let calls = (0..40).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            let q = if i % 2 == 0 { "harbour" } else { "blocked" };
            let res = app.get_auth(&format!("/api/v1/records?q={q}"), token).await;
            (q, res)
        }
    });
    for (q, res) in futures_util::future::join_all(calls).await {
        if q == "harbour" {
            assert_eq!(res.status(), 200);
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["total"], 1);
        } else {
            let p = assert_problem(res, 500, "internal").await;
            assert!(p.get("items").is_none(), "{p}");
        }
    }
    let count = |q: &'static str| {
        let (app, db) = (&app, &db);
        async move { committed_searches(app, db, &format!("%\"q\":\"{q}\"%")).await }
    };
    assert_eq!(count("harbour").await, 20);
    assert_eq!(count("blocked").await, 0);
    s117_api::on_db!(&faulty, p => sqlx::query(unblock).execute(p).await.map(|_| ())).unwrap();
    assert_eq!(
        app.get_auth("/api/v1/records?q=blocked", &token)
            .await
            .status(),
        200
    );
    assert_eq!(count("blocked").await, 1);
}

/// The page of a one-word name search is the top of one index walk over everyone with a
/// name word that starts with what was typed (name_prefixes, migration 0016), however many
/// different words do ("ko" starts five, "ka" ten). It must page through the same order as
/// one long page, in both directions.
#[tokio::test]
async fn a_prefix_of_many_words_pages_like_one_long_page() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    // "ko" starts five family names, four people each (more than a page: the walk must
    // reach past the page's offset); "ka" starts ten.
    let mut n = 1000;
    let mut add = |family: String, first: &'static str| {
        n = (n + 1..n + 20)
            .find(|m| s117_api::demo::test_nhs_number(*m).is_some())
            .unwrap();
        (family, first, s117_api::demo::test_nhs_number(n).unwrap())
    };
    let mut people = Vec::new();
    for letter in ['e', 'a', 'd', 'b', 'c'] {
        for first in ["Zed", "Amy", "Bo", "Cy"] {
            people.push(add(format!("Ko{letter}ler"), first));
        }
    }
    for letter in "jihgfedcba".chars() {
        people.push(add(format!("Ka{letter}ton"), "Ian"));
    }
    for (family, first, nhs) in &people {
        created(&app, &token, &person(nhs, first, family, "1980-01-01")).await;
    }
    for (prefix, total) in [("ko", 20), ("ka", 10)] {
        for sort in ["name", "-name"] {
            let all = search_json(
                &app,
                &token,
                &format!("q={prefix}&sort={sort}&per_page=100"),
            )
            .await;
            assert_eq!(all["total"], total, "{prefix} {sort}");
            let mut paged = Vec::new();
            for page in 1..=7 {
                let v = search_json(
                    &app,
                    &token,
                    &format!("q={prefix}&sort={sort}&per_page=3&page={page}"),
                )
                .await;
                assert_eq!(v["total"], total, "{prefix} {sort} page {page}");
                paged.extend(full_names(&v));
            }
            assert_eq!(paged, full_names(&all), "{prefix} {sort}");
            let mut sorted = paged.clone();
            sorted.sort_by_key(|name| {
                let (first, family) = name.split_once(' ').unwrap();
                (family.to_string(), first.to_string())
            });
            if sort == "-name" {
                sorted.reverse();
            }
            assert_eq!(paged, sorted, "{prefix} {sort}");
        }
    }
}

/// The name search reads counts and token pairs (name_token_counts and name_pairs,
/// migration 0012) and prefixes (name_prefixes, migration 0016), all kept current as people
/// change. Each query, with each status
/// filter, must find exactly what the general path finds (a sort other than by name: an
/// intersection of plain token ranges, none of those structures), after each kind of change:
/// adding, renaming, ending, reinstating with a new episode and deleting.
#[tokio::test]
async fn every_name_search_agrees_with_the_general_path_after_each_kind_of_change() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let names = [
        ("Mary Jane", "Smith"),
        ("Mary", "Smith-Smithson"),
        ("Jane", "Smithson"),
        ("Ali", "Harbour"),
        ("Alison", "Smith"),
        ("Smith", "Ali"),
        ("Marianne", "O’Neil-Jones"),
        ("Jo", "Jones"),
        ("Harry", "Harbourne"),
        ("Sam", "Harb"),
    ];
    let mut n = 2000;
    let mut people: Vec<(i64, String)> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    for (first, family) in names {
        n = (n + 1..n + 20)
            .find(|m| s117_api::demo::test_nhs_number(*m).is_some())
            .unwrap();
        let nhs = s117_api::demo::test_nhs_number(n).unwrap();
        people.push(created(&app, &token, &person(&nhs, first, family, "1980-01-01")).await);
        numbers.push(nhs);
    }
    let queries = [
        "smi",
        "smith",
        "s",
        "mary",
        "ma",
        "jane",
        "ali",
        "harb",
        "jo",
        "o",
        "oneil",
        "mary%20smi",
        "smi%20mary",
        "jane%20smith",
        "ali%20smi",
        "smith%20ali",
        "harb%20ali",
        "smi%20smith",
        "smith%20smithson",
        "mary%20jane%20smi",
        "jo%20jones",
        "ma%20s",
        "m%20s",
        "marianne%20jones%20o",
    ];
    let check = |when: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            for q in queries {
                for status in ["active", "ended", "all"] {
                    let query = format!("q={q}&status={status}&per_page=100");
                    agrees_with_general(app, token, &query, when).await;
                }
            }
        }
    };
    check("added").await;
    assert_eq!(search_json(&app, &token, "q=smi%20mary").await["total"], 2);
    assert_eq!(search_json(&app, &token, "q=ali%20smi").await["total"], 2);

    // Rename Mary Smith-Smithson to Mary Harbour.
    let mary = person(&numbers[1], "Mary", "Harbour", "1980-01-01");
    updated(&app, &token, &mut people[1], &mary).await;
    check("renamed").await;
    assert_eq!(search_json(&app, &token, "q=mary%20harb").await["total"], 1);

    // End Alison Smith and Ali Harbour.
    let mut etags = Vec::new();
    for i in [3, 4] {
        etags.push(ended(&app, &token, &people[i]).await);
    }
    check("ended").await;
    assert_eq!(search_json(&app, &token, "q=ali%20smi").await["total"], 1);

    // Reinstate Ali Harbour with a new qualifying detention.
    reinstated(&app, &token, people[3].0, &etags[0]).await;
    check("reinstated").await;

    // Delete Smith Ali and Mary Jane Smith.
    for i in [5, 0] {
        deleted(&app, &token, &people[i]).await;
    }
    check("deleted").await;
    assert_eq!(search_json(&app, &token, "q=smi%20mary").await["total"], 0);
}

/// One-word searches read name_prefixes (migration 0016), which the store writes as people
/// are added and renamed and a trigger keeps current as they end. What the store wrote must be
/// exactly what the migration derives from name_tokens for a register that already had
/// people: every different prefix of each person's tokens, once, with their status and names.
#[tokio::test]
async fn name_prefixes_hold_what_migration_0016_derives_from_the_tokens() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let mut nhs = (6000..).filter_map(s117_api::demo::test_nhs_number);
    let mut people = Vec::new();
    for (first, family) in [
        ("Mary Jane", "Smith-Smithson"),
        ("Zoë", "O’Neil"),
        ("Jo", "Jones"),
    ] {
        people.push(
            created(
                &app,
                &token,
                &person(&nhs.next().unwrap(), first, family, "1980-01-01"),
            )
            .await,
        );
    }
    let renamed = person(&nhs.next().unwrap(), "Joanna", "Jonas", "1980-01-01");
    updated(&app, &token, &mut people[2], &renamed).await;
    ended(&app, &token, &people[0]).await;

    let db = s117_api::db::Db::connect_url(&app.db_url, 2, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    type PrefixRow = (String, String, String, String, i64);
    let rows = || async {
        let sql = "SELECT prefix, status, family_name, first_name, person_id FROM name_prefixes
                   ORDER BY person_id, prefix";
        let rows: Vec<PrefixRow> =
            s117_api::on_db!(&db, p => sqlx::query_as(sql).fetch_all(p).await).unwrap();
        rows
    };
    let written = rows().await;
    let row = |prefix: &str, status: &str, family: &str, first: &str, i: usize| {
        (
            prefix.to_string(),
            status.to_string(),
            family.to_string(),
            first.to_string(),
            people[i].0,
        )
    };
    for want in [
        row("s", "ended", "Smith-Smithson", "Mary Jane", 0),
        row("smithsmithson", "ended", "Smith-Smithson", "Mary Jane", 0),
        row("maryj", "ended", "Smith-Smithson", "Mary Jane", 0),
        row("zoe", "active", "O’Neil", "Zoë", 1),
        row("onei", "active", "O’Neil", "Zoë", 1),
        row("joanna", "active", "Jonas", "Joanna", 2),
    ] {
        assert!(written.contains(&want), "{want:?} not in {written:?}");
    }
    // Once each: no person has a prefix twice, and the old names' prefixes are gone.
    let mut keys: Vec<(i64, &str)> = written.iter().map(|r| (r.4, r.0.as_str())).collect();
    keys.dedup();
    assert_eq!(keys.len(), written.len(), "{written:?}");
    assert!(!written.iter().any(|r| r.0 == "jones"), "{written:?}");

    let kind = match &db {
        s117_api::db::Db::Sqlite(_) => "sqlite",
        s117_api::db::Db::Postgres(_) => "postgres",
    };
    let path = format!(
        "{}/../migrations/{kind}/0016_name_prefixes.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    let migration = std::fs::read_to_string(path).unwrap();
    let fill = migration
        .split_once("-- fill:")
        .and_then(|(_, rest)| rest.split_once('\n'))
        .and_then(|(_, rest)| rest.split_once("-- end of fill"))
        .map(|(fill, _)| fill)
        .expect("the migration marks its fill");
    s117_api::on_db!(&db, p => {
        sqlx::query("DELETE FROM name_prefixes").execute(p).await.unwrap();
        sqlx::raw_sql(fill).execute(p).await.unwrap();
    });
    assert_eq!(rows().await, written);

    // Whatever deletes a person takes their prefixes with them: through the API (the store),
    // and by hand (a trigger; the table has no foreign key to cascade).
    deleted(&app, &token, &people[2]).await;
    let id = people[1].0;
    s117_api::on_db!(&db, p => {
        for table in ["episodes", "name_pairs", "name_tokens"] {
            let sql = format!("DELETE FROM {table} WHERE person_id = $1");
            sqlx::query(&sql).bind(id).execute(p).await.unwrap();
        }
        sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(p).await.unwrap();
    });
    let left: Vec<i64> = rows().await.into_iter().map(|r| r.4).collect();
    assert!(
        left.iter().all(|p| *p == people[0].0) && !left.is_empty(),
        "{left:?}"
    );
}

/// A postcode search that stops within the sector (it ends in a digit: "ST5 1", "ST5") reads
/// in name order the people of each district that starts with it and of the sector that is it
/// (migrations 0014 and 0013: "B10" is district B10 and sector B1 0), and counts them per
/// sector (postcode_sector_counts), kept current as people change; any other ("ST5 1A") reads
/// the postcode range. Each query, with each status filter and both name orders, must find exactly what
/// the general path finds, in name order, after each kind of change: adding, moving house,
/// ending, reinstating with a new episode and deleting; and the list without a term, counted
/// from the same counters, must count everyone.
#[tokio::test]
async fn every_postcode_search_agrees_with_the_general_path_after_each_kind_of_change() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let mut nhs = (4000..).filter_map(s117_api::demo::test_nhs_number);
    let homes = [
        ("Ann", "Bell", "ST5 1AB"),
        ("Bob", "Bell", "ST5 1AB"),
        ("Cat", "Ash", "ST5 1ZZ"),
        ("Dan", "Cole", "ST5 2DN"),
        ("Eve", "Ash", "ST55 3DD"),
        ("Fay", "Dale", "ST51 0AB"),
        ("Gus", "Bell", "SW1A 1AA"),
        ("Hal", "Ash", "ZZ99 3VZ"),
        ("Ivy", "Cole", "B1 1AA"),
        ("Jon", "Ash", "B10 0AA"),
        ("Kit", "Bell", "B1 0ZZ"),
    ];
    let mut people: Vec<(i64, String)> = Vec::new();
    let mut bodies: Vec<Value> = Vec::new();
    for (first, family, postcode) in homes {
        let mut body = person(&nhs.next().unwrap(), first, family, "1980-01-01");
        body["postcode"] = json!(postcode);
        people.push(created(&app, &token, &body).await);
        bodies.push(body);
    }
    let queries = [
        "st5",
        "st5%201",
        "ST51",
        "st5%201a",
        "st5%201ab",
        "st55",
        "st55%203",
        "st5%202dn",
        "sw1",
        "sw1a",
        "sw1a%201",
        "zz99",
        "zz99%203",
        "b1",
        "b10",
        "b1%201",
        "b1%200",
    ];
    let check = |when: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            for q in queries {
                for status in ["active", "ended", "all"] {
                    let query = format!("q={q}&status={status}&per_page=100");
                    let fast = agrees_with_general(app, token, &query, when).await;
                    // Name order (family, first, ID) both ways, and paged two at a time.
                    let key = |i: &Value| {
                        let s = |f: &str| i[f].as_str().unwrap().to_string();
                        (s("family_name"), s("first_name"), i["id"].as_i64().unwrap())
                    };
                    let rows: Vec<_> = fast["items"].as_array().unwrap().iter().map(key).collect();
                    let mut sorted = rows.clone();
                    sorted.sort();
                    assert_eq!(rows, sorted, "{when}: {query}");
                    let back = search_json(app, token, &format!("{query}&sort=-name")).await;
                    let mut reversed = item_ids(&fast);
                    reversed.reverse();
                    assert_eq!(item_ids(&back), reversed, "{when}: {query}");
                    let mut paged = Vec::new();
                    for page in 1..=rows.len().div_ceil(2) {
                        let two = format!("q={q}&status={status}&per_page=2&page={page}");
                        let v = search_json(app, token, &format!("{two}&sort=name")).await;
                        paged.extend(item_ids(&v));
                    }
                    assert_eq!(paged, item_ids(&fast), "{when}: {query}");
                }
            }
        }
    };
    // The list without a search term is counted from the same counters: (active, ended, all).
    let listed = || {
        let app = &app;
        let token = &token;
        async move {
            let mut totals = Vec::new();
            for status in ["active", "ended", "all"] {
                let v = search_json(app, token, &format!("status={status}&per_page=100")).await;
                assert_eq!(v["total"].as_u64().unwrap() as usize, item_ids(&v).len());
                totals.push(v["total"].as_i64().unwrap());
            }
            totals
        }
    };
    check("added").await;
    assert_eq!(listed().await, [11, 0, 11]);
    let total = |q: &'static str| {
        let app = &app;
        let token = &token;
        async move { search_json(app, token, &format!("q={q}")).await["total"].clone() }
    };
    // "ST5 1" is "ST51" without its space: sector ST5 1 and district ST51.
    assert_eq!(total("st5%201").await, 4);
    assert_eq!(total("st51").await, 4);
    assert_eq!(total("st5").await, 6);
    assert_eq!(total("st5%201a").await, 2);
    // "B10" is district B10 and sector B1 0.
    assert_eq!(total("b10").await, 2);

    // Bob Bell moves from ST5 1AB to B10 0AA.
    let mut moved = bodies[1].clone();
    moved["postcode"] = json!("b10 0aa");
    updated(&app, &token, &mut people[1], &moved).await;
    check("moved").await;
    assert_eq!(listed().await, [11, 0, 11]);
    assert_eq!(total("st5%201").await, 3);
    assert_eq!(total("b10").await, 3);

    // End Ann Bell (ST5 1AB) and Eve Ash (ST55 3DD).
    let mut etags = Vec::new();
    for i in [0, 4] {
        etags.push(ended(&app, &token, &people[i]).await);
    }
    check("ended").await;
    assert_eq!(listed().await, [9, 2, 11]);
    assert_eq!(total("st5%201").await, 2);

    // Reinstate Ann Bell with a new qualifying detention.
    reinstated(&app, &token, people[0].0, &etags[0]).await;
    check("reinstated").await;
    assert_eq!(listed().await, [10, 1, 11]);
    assert_eq!(total("st5%201").await, 3);

    // Delete Cat Ash (ST5 1ZZ) and Jon Ash (B10 0AA).
    for i in [2, 9] {
        deleted(&app, &token, &people[i]).await;
    }
    check("deleted").await;
    assert_eq!(listed().await, [8, 1, 9]);
    assert_eq!(total("st5%201").await, 2);
    assert_eq!(total("b10").await, 2);
}

/// Every row of the list names its responsible LA and commissioner, and sorting by either
/// sorts by those names, with a search term or without.
#[tokio::test]
async fn the_list_shows_and_sorts_by_the_responsible_bodies_names() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let mut nhs = (2000..).filter_map(s117_api::demo::test_nhs_number);
    let stafford = person(&nhs.next().unwrap(), "Ann", "Hale", "1970-01-01");
    let mut stoke = person(&nhs.next().unwrap(), "Ben", "Hart", "1971-01-01");
    stoke["episode"]["responsible_la"] = json!("E06000021");
    stoke["episode"]["responsible_commissioner"] = json!("sicbl:05W");
    let (a, _) = created(&app, &token, &stafford).await;
    let (b, _) = created(&app, &token, &stoke).await;
    for q in ["", "q=ha&", "q=ha&status=all&"] {
        for (sort, order) in [
            ("name", [a, b]),
            ("responsible_la", [a, b]),
            ("-responsible_la", [b, a]),
            ("responsible_commissioner", [a, b]),
            ("-responsible_commissioner", [b, a]),
        ] {
            let v = search_json(&app, &token, &format!("{q}sort={sort}")).await;
            assert_eq!(item_ids(&v), order, "{q}sort={sort}");
            let row = |id: i64| {
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|i| i["id"] == id)
                    .unwrap()
                    .clone()
            };
            assert_eq!(
                row(a)["responsible_la"],
                json!({ "code": "E10000028", "name": "Staffordshire" }),
                "{q}sort={sort}"
            );
            assert_eq!(row(b)["responsible_la"]["name"], "Stoke-on-Trent");
            let commissioner = row(b)["responsible_commissioner"].clone();
            assert_eq!(commissioner["code"], "sicbl:05W");
            assert!(
                commissioner["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("NHS Staffordshire and Stoke-on-Trent ICB - 05W"),
                "{commissioner}"
            );
        }
    }
}

/// A search of two names reads one of them by its few different names (at most eight), the
/// one with fewer, or, when both start more, checks every match of one for the other; a word
/// with a digit (few names hold one) has its matches checked for the others at once. Each
/// choice finds what the general path finds.
#[tokio::test]
async fn two_word_searches_find_the_same_people_whichever_word_leads() {
    let app = TestApp::spawn().await;
    let token = caseworker(&app).await;
    let mut nhs = (3000..).filter_map(s117_api::demo::test_nhs_number);
    let mut add = |first: String, family: String| {
        let body = person(&nhs.next().unwrap(), &first, &family, "1980-01-01");
        let app = &app;
        let token = &token;
        async move { created(app, token, &body).await }
    };
    for (i, letter) in "abcdefghij".chars().enumerate() {
        add(format!("Lu{letter}"), format!("Ka{letter}ton")).await;
        if i % 3 == 0 {
            add("Ian".into(), format!("Ka{letter}ton")).await;
            add(format!("Lu{letter}"), "Smith".into()).await;
        }
    }
    add("Ian".into(), "Smithson".into()).await;
    // A word with a digit drives a probe (names seldom hold one), whichever its length.
    add("Henry".into(), "Tudor8".into()).await;
    add("Ka8".into(), "Tudor".into()).await;
    // (query, total): "ka" starts eleven names, "lu" ten, "smi" two, "i" one.
    for (q, total) in [
        ("ka%20lu", 10),
        ("lu%20ka", 10),
        ("kaa%20lu", 1),
        ("ka%20luc", 1),
        ("ka%20i", 4),
        ("smi%20i", 1),
        ("smi%20lu", 4),
        ("kab%20lub", 1),
        ("kad%20lu%20i", 0),
        ("ka%20lu%20luj", 1),
        ("tudor8%20h", 1),
        ("h%20tudor8", 1),
        ("tud%208", 0),
        ("tud%20ka8", 1),
        ("ka8%20tudor8", 0),
    ] {
        let fast = search_json(&app, &token, &format!("q={q}&per_page=100")).await;
        let general = search_json(
            &app,
            &token,
            &format!("q={q}&per_page=100&sort=date_of_birth"),
        )
        .await;
        assert_eq!(fast["total"], total, "{q}");
        assert_eq!(general["total"], total, "{q}");
        assert_eq!(sorted_ids(&fast), sorted_ids(&general), "{q}");
    }
}
