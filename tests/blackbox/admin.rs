//! Administration of users, and the permission matrix over every endpoint.

use serde_json::{json, Value};

use crate::support::users::{extract_after, PASSWORD};
use crate::support::{assert_problem, TestApp};

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, no token.
    Public,
    /// A signed-in user, even one who must change their password.
    UserSession,
    /// An API client's token only.
    ClientOnly,
    /// Any signed-in user or client.
    SignedIn,
    /// A user or client holding this permission.
    Needs(&'static str),
}

/// Every operation of the API and who may call it. The test fails when the OpenAPI document
/// has an operation this table lacks (or the reverse), so the table stays complete.
const PERMISSIONS: &[(&str, &str, Access)] = &[
    ("GET", "/health", Access::Public),
    ("GET", "/ready", Access::Public),
    ("GET", "/api/v1/reference/{list}", Access::SignedIn),
    ("POST", "/api/v1/auth/login", Access::Public),
    ("POST", "/api/v1/auth/verify", Access::Public),
    ("POST", "/api/v1/auth/resend", Access::Public),
    ("POST", "/api/v1/auth/token", Access::Public),
    ("POST", "/api/v1/auth/logout", Access::UserSession),
    ("GET", "/api/v1/me", Access::UserSession),
    ("PUT", "/api/v1/me/password", Access::UserSession),
    ("GET", "/api/v1/client", Access::ClientOnly),
    ("GET", "/api/v1/admin/users", Access::Needs("admin.users")),
    ("POST", "/api/v1/admin/users", Access::Needs("admin.users")),
    (
        "GET",
        "/api/v1/admin/users/{id}",
        Access::Needs("admin.users"),
    ),
    (
        "PUT",
        "/api/v1/admin/users/{id}",
        Access::Needs("admin.users"),
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/disable",
        Access::Needs("admin.users"),
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/enable",
        Access::Needs("admin.users"),
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/unlock",
        Access::Needs("admin.users"),
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/reset-password",
        Access::Needs("admin.users"),
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/end-sessions",
        Access::Needs("admin.users"),
    ),
    (
        "GET",
        "/api/v1/admin/clients",
        Access::Needs("admin.clients"),
    ),
    (
        "POST",
        "/api/v1/admin/clients",
        Access::Needs("admin.clients"),
    ),
    (
        "POST",
        "/api/v1/admin/clients/{id}/rotate",
        Access::Needs("admin.clients"),
    ),
    (
        "POST",
        "/api/v1/admin/clients/{id}/revoke",
        Access::Needs("admin.clients"),
    ),
    ("GET", "/api/v1/records", Access::Needs("records.view")),
    ("POST", "/api/v1/records", Access::Needs("records.create")),
    ("GET", "/api/v1/records/{id}", Access::Needs("records.view")),
    ("PUT", "/api/v1/records/{id}", Access::Needs("records.edit")),
    (
        "DELETE",
        "/api/v1/records/{id}",
        Access::Needs("records.delete"),
    ),
    (
        "POST",
        "/api/v1/records/{id}/end",
        Access::Needs("records.end"),
    ),
    (
        "POST",
        "/api/v1/records/{id}/episodes",
        Access::Needs("records.edit"),
    ),
    (
        "GET",
        "/api/v1/records/{id}/history",
        Access::Needs("records.view"),
    ),
    ("GET", "/api/v1/support", Access::Public),
    ("GET", "/api/v1/admin/system", Access::Needs("admin.users")),
    (
        "POST",
        "/api/v1/admin/system/test-email",
        Access::Needs("admin.users"),
    ),
    (
        "GET",
        "/api/v1/admin/reference",
        Access::Needs("admin.reference"),
    ),
    (
        "GET",
        "/api/v1/admin/reference/{list}",
        Access::Needs("admin.reference"),
    ),
    (
        "POST",
        "/api/v1/admin/reference/{list}",
        Access::Needs("admin.reference"),
    ),
    (
        "PUT",
        "/api/v1/admin/reference/{list}/{code}",
        Access::Needs("admin.reference"),
    ),
    (
        "DELETE",
        "/api/v1/admin/reference/{list}/{code}",
        Access::Needs("admin.reference"),
    ),
    (
        "POST",
        "/api/v1/admin/reference/{list}/{code}/retire",
        Access::Needs("admin.reference"),
    ),
    (
        "POST",
        "/api/v1/admin/reference/{list}/{code}/reinstate",
        Access::Needs("admin.reference"),
    ),
    ("GET", "/api/v1/admin/audit", Access::Needs("audit.view")),
    (
        "GET",
        "/api/v1/admin/audit/export",
        Access::Needs("audit.view"),
    ),
    (
        "GET",
        "/api/v1/reports/dashboard",
        Access::Needs("reports.view"),
    ),
    (
        "GET",
        "/api/v1/reports/{report}",
        Access::Needs("reports.download"),
    ),
    (
        "GET",
        "/api/v1/imports/template",
        Access::Needs("records.import"),
    ),
    ("POST", "/api/v1/imports", Access::Needs("records.import")),
    (
        "GET",
        "/api/v1/imports/{id}",
        Access::Needs("records.import"),
    ),
    (
        "POST",
        "/api/v1/imports/{id}/process",
        Access::Needs("records.import"),
    ),
];

const ALL_PERMISSIONS: [&str; 12] = [
    "records.view",
    "records.create",
    "records.edit",
    "records.end",
    "records.delete",
    "records.import",
    "reports.view",
    "reports.download",
    "admin.users",
    "admin.reference",
    "admin.clients",
    "audit.view",
];

fn concrete(path: &str) -> String {
    path.replace("{list}", "genders")
        .replace("{id}", "999999")
        .replace("{code}", "999999")
        .replace("{report}", "all-entitled")
}

async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> u16 {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.client.request(m.clone(), app.url(&concrete(path)));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if m == reqwest::Method::POST || m == reqwest::Method::PUT {
        req = req.json(&json!({}));
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_permission_table_covers_every_operation_in_the_openapi_document() {
    let spec: Value = serde_json::from_str(&s117_api::openapi::spec_json()).unwrap();
    let mut in_spec: Vec<(String, String)> = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            in_spec.push((method.to_uppercase(), path.clone()));
        }
    }
    in_spec.sort();
    let mut in_table: Vec<(String, String)> = PERMISSIONS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    in_table.sort();
    assert_eq!(
        in_spec, in_table,
        "every operation needs a row in PERMISSIONS (and every row an operation)"
    );
}

#[tokio::test]
async fn every_endpoint_answers_401_403_or_serves_exactly_as_the_permission_table_says() {
    let app = TestApp::builder()
        .env("S117_LOGIN_LIMIT_PER_IP", "1000")
        .spawn()
        .await;
    let (_, nobody) = app.user_token("nobody@x.gov.uk", &[]).await;
    let mut holders = std::collections::HashMap::new();
    for p in ALL_PERMISSIONS {
        let (_, token) = app
            .user_token(&format!("{}@x.gov.uk", p.replace('.', "-")), &[p])
            .await;
        holders.insert(p, token);
    }
    // Logout last: it ends the session it is called with.
    let mut rows: Vec<_> = PERMISSIONS.to_vec();
    rows.sort_by_key(|(_, p, _)| p.ends_with("/logout"));
    for (method, path, access) in rows {
        let anonymous = call(&app, method, path, None).await;
        match access {
            // Public endpoints judge their own input (a sign-in with no password is a 401
            // of its own); what matters is that they answer without a token.
            Access::Public => assert!(
                anonymous < 500,
                "{method} {path}: {anonymous} without a token"
            ),
            _ => assert_eq!(anonymous, 401, "{method} {path} without a token"),
        }
        match access {
            Access::Public => {}
            Access::UserSession | Access::SignedIn => {
                let s = call(&app, method, path, Some(&nobody)).await;
                assert!(
                    s != 401 && s != 403,
                    "{method} {path}: {s} for a signed-in user"
                );
            }
            Access::ClientOnly => assert_eq!(
                call(&app, method, path, Some(&nobody)).await,
                401,
                "{method} {path} with a user token"
            ),
            Access::Needs(p) => {
                assert_eq!(
                    call(&app, method, path, Some(&nobody)).await,
                    403,
                    "{method} {path} without {p}"
                );
                for other in ALL_PERMISSIONS.iter().filter(|o| **o != p) {
                    assert_eq!(
                        call(&app, method, path, Some(&holders[other])).await,
                        403,
                        "{method} {path} with only {other}"
                    );
                }
                let s = call(&app, method, path, Some(&holders[p])).await;
                assert!(s != 401 && s != 403, "{method} {path}: {s} with {p}");
            }
        }
    }
}

async fn admin_token(app: &TestApp) -> (i64, String) {
    let (u, t) = app
        .user_token("boss@x.gov.uk", &["admin.users", "admin.clients"])
        .await;
    (u.id, t)
}

#[tokio::test]
async fn an_administrator_creates_an_account_and_its_password_is_emailed() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_token(&app).await;
    let res = app.send_auth(reqwest::Method::POST, "/api/v1/admin/users", &admin,
        Some(&json!({ "email": " New.Person@Stoke.gov.uk ", "name": "New Person", "permissions": ["records.view", "records.create"] }))).await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "new.person@stoke.gov.uk");
    assert_eq!(user["must_change_password"], true);
    let mail = app
        .mails_to("new.person@stoke.gov.uk")
        .pop()
        .expect("account email");
    let password = extract_after(
        &mail,
        "one-time password:",
        |c| !c.is_whitespace() && c != '.',
        16,
    );
    // Signing in with it works, and the first thing is a password change.
    let token = app.sign_in("new.person@stoke.gov.uk", &password).await;
    let me: Value = app
        .get_auth("/api/v1/me", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);
    // The same email again is a 409.
    let res = app
        .send_auth(
            reqwest::Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(&json!({ "email": "new.person@stoke.gov.uk", "name": "Again" })),
        )
        .await;
    assert_problem(res, 409, "duplicate-user").await;
    // A bad email is a 422 naming the field.
    let res = app
        .send_auth(
            reqwest::Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(&json!({ "email": "not-an-email", "name": "" })),
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["email"].is_string() && p["errors"]["name"].is_string());
}

#[tokio::test]
async fn users_are_listed_searched_and_paginated() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_token(&app).await;
    for i in 0..12 {
        app.create_user(&format!("person{i:02}@x.gov.uk"), &[])
            .await;
    }
    let page: Value = app
        .get_auth("/api/v1/admin/users?per_page=5&page=2", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 13);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let found: Value = app
        .get_auth("/api/v1/admin/users?q=PERSON07", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    // Accounts that must change their password (created by an administrator, not yet used).
    let res = app
        .send_auth(
            reqwest::Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(&json!({ "email": "fresh@x.gov.uk", "name": "Fresh Start", "permissions": [] })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let fresh: Value = app
        .get_auth("/api/v1/admin/users?status=must_change_password", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fresh["total"], 1);
    assert_eq!(fresh["items"][0]["email"], "fresh@x.gov.uk");
    let res = app
        .get_auth("/api/v1/admin/users?status=asleep", &admin)
        .await;
    assert_problem(res, 422, "validation").await;
    let res = app
        .get_auth("/api/v1/admin/users?per_page=500", &admin)
        .await;
    assert_problem(res, 422, "validation").await;
}

#[tokio::test]
async fn the_last_administrator_rules_hold() {
    let app = TestApp::spawn().await;
    let (me, admin) = admin_token(&app).await;
    // Cannot remove your own admin permission, or disable yourself.
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/users/{me}"),
            &admin,
            Some(&json!({ "name": "Boss", "permissions": ["records.view"] })),
        )
        .await;
    assert_problem(res, 409, "last-administrator").await;
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{me}/disable"),
            &admin,
            None,
        )
        .await;
    assert_problem(res, 409, "last-administrator").await;
    // Another administrator can be disabled while one remains...
    let other = app.create_user("second@x.gov.uk", &["admin.users"]).await;
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{}/disable", other.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "disabled");
    // ...and is audited.
    let db = app.db().await;
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'admin.user_disabled' AND target_user_id = $1 AND actor_user_id = $2").bind(other.id).bind(me).fetch_one(p).await).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn disabling_ends_sessions_and_unlock_and_reset_work() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_token(&app).await;
    let (user, token) = app.user_token("worker@x.gov.uk", &["records.view"]).await;
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{}/disable", user.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get_auth("/api/v1/me", &token).await.status(), 401);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{}/enable", user.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 202);

    // Lock by five wrong passwords, then unlock.
    for _ in 0..5 {
        app.login(&user.email, "Wrong#Password1").await;
    }
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{}/unlock", user.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 202);

    // Reset: a new one-time password by email, the old one stops working.
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{}/reset-password", user.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["must_change_password"],
        true
    );
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    let mail = app
        .mails_to(&user.email)
        .into_iter()
        .rev()
        .find(|m| m.contains("one-time password:"))
        .unwrap();
    let password = extract_after(
        &mail,
        "one-time password:",
        |c| !c.is_whitespace() && c != '.',
        16,
    );
    assert_eq!(app.login(&user.email, &password).await.status(), 202);
}

#[tokio::test]
async fn a_permission_change_applies_at_once() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_token(&app).await;
    let (user, token) = app.user_token("change@x.gov.uk", &["admin.clients"]).await;
    assert_eq!(
        app.get_auth("/api/v1/admin/clients", &token).await.status(),
        200
    );
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/users/{}", user.id),
            &admin,
            Some(&json!({ "name": "Changed", "permissions": ["records.view"] })),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_auth("/api/v1/admin/clients", &token).await.status(),
        403
    );
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let user = app.create_user("immutable@x.gov.uk", &[]).await;
    app.login(&user.email, "Wrong#Password1").await;
    let db = app.db().await;
    let update = s117_api::on_db!(&db, p => sqlx::query("UPDATE audit_log SET outcome = 'success'").execute(p).await.map(|_| ()));
    assert!(update.is_err(), "UPDATE on audit_log succeeded");
    let delete = s117_api::on_db!(&db, p => sqlx::query("DELETE FROM audit_log").execute(p).await.map(|_| ()));
    assert!(delete.is_err(), "DELETE on audit_log succeeded");
    if app.is_postgres() {
        let truncate = s117_api::on_db!(&db, p => sqlx::query("TRUNCATE audit_log").execute(p).await.map(|_| ()));
        assert!(truncate.is_err(), "TRUNCATE on audit_log succeeded");
    }
    let n: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(p).await).unwrap();
    assert!(n >= 1);
}
