//! The foundation: health, readiness, reference data, error shape, headers, SPA hosting.

use crate::support::{assert_problem, postgres_url, proxy::Proxy, TestApp};

#[tokio::test]
async fn health_answers_ok_without_touching_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );
}

#[tokio::test]
async fn ready_names_the_database_kind() {
    let app = TestApp::spawn().await;
    let res = app.get("/ready").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["database"],
        if app.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );
}

#[tokio::test]
async fn migrations_bring_an_empty_database_to_the_latest_level() {
    let app = TestApp::spawn().await;
    let db = s117_api::db::Db::connect_url(&app.db_url, 2, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let level = db.migration_level().await.unwrap();
    assert!(level > 0);
    assert_eq!(level, db.latest_known_migration());
    // Running them again is a no-op.
    db.migrate().await.unwrap();
    assert_eq!(db.migration_level().await.unwrap(), level);
}

#[tokio::test]
async fn every_reference_list_is_served_with_active_values_by_default() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("viewer@x.gov.uk", &[]).await;
    for (slug, at_least) in [
        ("local-authorities", 175),
        ("commissioners", 140),
        ("ethnic-categories", 18),
        ("genders", 4),
        ("qualifying-sections", 17),
        ("places-detained", 6),
        ("gp-practices", 0),
    ] {
        let res = app
            .get_auth(&format!("/api/v1/reference/{slug}"), &token)
            .await;
        assert_eq!(res.status(), 200, "{slug}");
        let body: serde_json::Value = res.json().await.unwrap();
        let items = body["items"].as_array().unwrap();
        assert!(items.len() >= at_least, "{slug}: {} items", items.len());
        assert!(
            items.iter().all(|i| i["active"] == true),
            "{slug} has a retired value"
        );
    }
}

#[tokio::test]
async fn retired_values_are_listed_only_when_asked_for() {
    let app = TestApp::spawn().await;
    let count = |v: serde_json::Value| v["items"].as_array().unwrap().len();
    let active = count(
        app.get_viewer("/api/v1/reference/local-authorities")
            .await
            .json()
            .await
            .unwrap(),
    );
    let all = count(
        app.get_viewer("/api/v1/reference/local-authorities?include_retired=true")
            .await
            .json()
            .await
            .unwrap(),
    );
    assert_eq!(active, 175);
    assert_eq!(all, 183);
    let commissioners: serde_json::Value = app
        .get_viewer("/api/v1/reference/commissioners?include_retired=true")
        .await
        .json()
        .await
        .unwrap();
    let north_staffs = commissioners["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "ccg:05G")
        .unwrap();
    assert_eq!(north_staffs["active"], false);
    assert_eq!(north_staffs["attributes"]["successor_ods_codes"], "05G");
}

#[tokio::test]
async fn reference_data_is_loaded_once_and_survives_a_restart() {
    let app = TestApp::spawn().await;
    // A second start against the same database adds nothing and keeps the values.
    let config = s117_api::config::Config::from_env(|k| match k {
        "S117_DATABASE_URL" => Some(app.db_url.clone()),
        _ => None,
    })
    .unwrap();
    let db = s117_api::startup::prepare_database(&config).await.unwrap();
    let n: i64 = match &db {
        s117_api::db::Db::Sqlite(p) => sqlx::query_scalar("SELECT COUNT(*) FROM reference_values")
            .fetch_one(p)
            .await
            .unwrap(),
        s117_api::db::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM reference_values")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert_eq!(n, 183 + 267 + 18 + 4 + 17 + 7);
}

#[tokio::test]
async fn an_unknown_reference_list_is_a_problem_404() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("viewer@x.gov.uk", &[]).await;
    assert_problem(
        app.get_auth("/api/v1/reference/planets", &token).await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404_not_the_spa() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/nothing",
        "/api",
        "/api/v2/records",
    ] {
        let body = assert_problem(app.get(path).await, 404, "not-found").await;
        assert_eq!(body["instance"], path);
        assert!(body["request_id"].is_string());
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_problem_405() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .delete(app.url("/api/v1/reference/genders"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 405, "method-not-allowed").await;
    let res = app.client.post(app.url("/health")).send().await.unwrap();
    assert_problem(res, 405, "method-not-allowed").await;
}

#[tokio::test]
async fn bad_query_strings_are_problem_400() {
    let app = TestApp::spawn().await;
    let res = app
        .get_viewer("/api/v1/reference/genders?include_retired=perhaps")
        .await;
    assert_problem(res, 400, "bad-request").await;
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    for path in [
        "/health",
        "/api/v1/reference/genders",
        "/api/nothing",
        "/",
        "/records/42",
        "/api/docs/",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(
            h["content-security-policy"],
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.get("server").is_none(), "{path} has a version banner");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: HSTS without TLS"
        );
        assert!(h.get("x-request-id").is_some(), "{path}");
    }
}

#[tokio::test]
async fn api_responses_are_never_cached_but_spa_files_revalidate() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get_viewer("/api/v1/reference/genders").await.headers()["cache-control"],
        "no-store"
    );
    assert_eq!(
        app.get("/health").await.headers()["cache-control"],
        "no-store"
    );
    assert_eq!(
        app.get("/pkg/app.js").await.headers()["cache-control"],
        "no-cache"
    );
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = TestApp::builder()
        .env("S117_PUBLIC_URL", "https://s117.example.org")
        .spawn()
        .await;
    let res = app.get("/health").await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_a_hostile_one_replaced() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id, "<script>");
    assert_eq!(id.len(), 32);
}

#[tokio::test]
async fn deep_links_fall_back_to_the_spa_index() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/records/42",
        "/records/42/edit",
        "/help",
        "/no/such/page",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(res.text().await.unwrap().contains("spa-index"), "{path}");
    }
}

#[tokio::test]
async fn spa_files_are_served_precompressed_when_the_client_accepts_gzip() {
    let app = TestApp::spawn().await;
    let js = app.web_dir().join("pkg/app.js");
    let gz = app.web_dir().join("pkg/app.js.gz");
    // A real gzip member of "export default 1;\n" is not needed: the server never
    // decompresses, it only picks the file and labels it.
    std::fs::write(&gz, b"\x1f\x8b-not-really").unwrap();
    let res = app
        .client
        .get(app.url("/pkg/app.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let plain = app
        .client
        .get(app.url("/pkg/app.js"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(
        plain.text().await.unwrap(),
        std::fs::read_to_string(js).unwrap()
    );
}

#[tokio::test]
async fn path_traversal_never_leaves_the_web_folder() {
    let app = TestApp::spawn().await;
    std::fs::write(app.dir.path().join("secret.txt"), "top secret").unwrap();
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
    ] {
        let res = app.get(path).await;
        let body = res.text().await.unwrap();
        assert!(!body.contains("top secret"), "{path} leaked a file");
    }
}

#[tokio::test]
async fn interactive_docs_are_served_without_any_remote_resource() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/docs").await;
    assert_eq!(res.status(), 307);
    let res = app.get("/api/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "docs page loads something remote"
    );
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"));
}

/// The pool gives up after the acquire timeout while the database is away (503, `/ready`
/// 503) and serves again by itself when it is back, without a restart.
#[tokio::test]
async fn the_server_survives_a_database_outage_and_recovers_by_itself() {
    let Some(pg) = postgres_url() else {
        eprintln!("skipped: needs S117_TEST_POSTGRES_URL (the outage is played through a TCP proxy in front of PostgreSQL)");
        return;
    };
    let target = {
        let u = url::Url::parse(&pg).unwrap();
        format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5432))
    };
    let proxy = Proxy::start(target).await;
    let port = proxy.port;
    let app = TestApp::builder()
        .env("S117_DB_ACQUIRE_TIMEOUT_SECONDS", "1")
        .database_url_via(move |db| {
            let mut u = url::Url::parse(db).unwrap();
            u.set_port(Some(port)).unwrap();
            u.to_string()
        })
        .spawn()
        .await;
    assert_eq!(app.get("/ready").await.status(), 200);
    assert_eq!(
        app.get_viewer("/api/v1/reference/genders").await.status(),
        200
    );

    proxy.cut();
    let started = std::time::Instant::now();
    assert_problem(app.get("/ready").await, 503, "unavailable").await;
    assert_problem(
        app.get_viewer("/api/v1/reference/genders").await,
        503,
        "unavailable",
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    // The process itself stays up.
    assert_eq!(app.get("/health").await.status(), 200);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..20 {
        if app.get("/ready").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "did not recover after the database came back");
    let (_, token) = app.user_token("back@x.gov.uk", &[]).await;
    assert_eq!(
        app.get_auth("/api/v1/reference/genders", &token)
            .await
            .status(),
        200
    );
}
