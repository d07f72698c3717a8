//! Sign-in, PINs, sessions, lockout, passwords, tokens, API clients.

use base64::Engine;
use chrono::Duration;
use serde_json::{json, Value};

use crate::support::users::PASSWORD;
use crate::support::{assert_problem, TestApp, TEST_JWT_SECRET};

async fn challenge_of(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 202);
    let v: Value = res.json().await.unwrap();
    v["challenge_id"].as_str().unwrap().to_string()
}

async fn verify(app: &TestApp, challenge: &str, pin: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/verify",
        &json!({ "challenge_id": challenge, "pin": pin }),
    )
    .await
}

fn wrong_pin(pin: &str) -> String {
    format!("{:06}", (pin.parse::<u32>().unwrap() + 1) % 1_000_000)
}

/// The body without the members that differ per request.
async fn stable_body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let mut v: Value = res.json().await.unwrap();
    v.as_object_mut().unwrap().remove("request_id");
    (status, v)
}

#[tokio::test]
async fn sign_in_with_password_and_emailed_pin_gives_a_working_token() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user("Jo.Bloggs@staffordshire.gov.uk", &["records.view"])
        .await;
    // Email matches trimmed and case-insensitively.
    let token = app
        .sign_in("  JO.BLOGGS@Staffordshire.gov.uk ", &user.password)
        .await;
    let me: Value = app
        .get_auth("/api/v1/me", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "jo.bloggs@staffordshire.gov.uk");
    assert_eq!(me["permissions"], json!(["records.view"]));
    assert_eq!(me["idle_timeout_minutes"], 15);
    // The PIN email says how long the code lasts.
    let mail = app.mails_to(&user.email).pop().unwrap();
    assert!(mail.contains("10 minutes"), "{mail}");
}

#[tokio::test]
async fn the_pin_accepts_spaces_and_the_page_says_how_long_it_lasts() {
    let app = TestApp::builder()
        .env("S117_PIN_TTL_MINUTES", "30")
        .spawn()
        .await;
    let user = app.create_user("a@x.gov.uk", &[]).await;
    let res = app.login(&user.email, PASSWORD).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["pin_ttl_minutes"], 30);
    let pin = app.latest_pin(&user.email);
    let spaced = format!("{} {}", &pin[..3], &pin[3..]);
    assert_eq!(
        verify(&app, body["challenge_id"].as_str().unwrap(), &spaced)
            .await
            .status(),
        200
    );
    assert!(app
        .mails_to(&user.email)
        .pop()
        .unwrap()
        .contains("30 minutes"));
}

#[tokio::test]
async fn unknown_email_wrong_password_locked_and_disabled_look_the_same() {
    let app = TestApp::spawn().await;
    let active = app.create_user("active@x.gov.uk", &[]).await;
    let locked = app.create_user("locked@x.gov.uk", &[]).await;
    let disabled = app.create_user("disabled@x.gov.uk", &[]).await;
    let db = app.db().await;
    s117_api::on_db!(&db, p => sqlx::query("UPDATE users SET status = 'locked' WHERE id = $1").bind(locked.id).execute(p).await.map(|_| ())).unwrap();
    s117_api::on_db!(&db, p => sqlx::query("UPDATE users SET status = 'disabled' WHERE id = $1").bind(disabled.id).execute(p).await.map(|_| ())).unwrap();

    let reference = stable_body(app.login("nobody@x.gov.uk", PASSWORD).await).await;
    assert_eq!(reference.0, 401);
    let mut reference_body = reference.1.clone();
    reference_body.as_object_mut().unwrap().remove("instance");
    for (email, password) in [
        (&active.email, "Wrong#Password1"),
        (&locked.email, PASSWORD),
        (&disabled.email, PASSWORD),
    ] {
        let (status, mut body) = stable_body(app.login(email, password).await).await;
        body.as_object_mut().unwrap().remove("instance");
        assert_eq!((status, &body), (401, &reference_body), "{email}");
    }
    // No PIN was sent to the locked or disabled account.
    assert!(app.mails_to(&locked.email).is_empty());
    assert!(app.mails_to(&disabled.email).is_empty());
}

#[tokio::test]
async fn the_fifth_wrong_password_locks_the_account_and_the_fourth_does_not() {
    let app = TestApp::spawn().await;
    // (the per-account rate limit is lifted by the harness; it is tested on its own)
    let user = app.create_user("lock@x.gov.uk", &[]).await;
    for _ in 0..4 {
        assert_eq!(
            app.login(&user.email, "Wrong#Password1").await.status(),
            401
        );
    }
    // After four, the right password still works (and resets the count).
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 202);
    for _ in 0..4 {
        assert_eq!(
            app.login(&user.email, "Wrong#Password1").await.status(),
            401
        );
    }
    let before = app.mails_to(&user.email).len();
    assert_eq!(
        app.login(&user.email, "Wrong#Password1").await.status(),
        401
    );
    // Locked: the right password is refused the same way, and no PIN goes out.
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    let db = app.db().await;
    let status: String = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT status FROM users WHERE id = $1").bind(user.id).fetch_one(p).await).unwrap();
    assert_eq!(status, "locked");
    // The lockout email goes out once, through the outbox.
    let delivered = wait_for(|| {
        app.mails_to(&user.email)
            .iter()
            .filter(|m| m.to_lowercase().contains("locked"))
            .count()
            >= 1
    })
    .await;
    assert!(delivered, "no lockout email");
    assert_eq!(app.mails_to(&user.email).len(), before + 1);
    let audited: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account.locked' AND target_user_id = $1").bind(user.id).fetch_one(p).await).unwrap();
    assert_eq!(audited, 1);
}

async fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..60 {
        if f() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_evaluate_at_most_five() {
    let app = TestApp::builder()
        .env("S117_LOGIN_LIMIT_PER_IP", "1000")
        .env("S117_LOGIN_LIMIT_PER_ACCOUNT", "1000")
        .spawn()
        .await;
    let user = app.create_user("burst@x.gov.uk", &[]).await;
    let attempts = (0..50).map(|_| app.login(&user.email, "Wrong#Password1"));
    let results = futures_util::future::join_all(attempts).await;
    assert!(results
        .iter()
        .all(|r| r.status() == 401 || r.status() == 429 || r.status() == 503));
    let db = app.db().await;
    let failures: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in' AND details LIKE '%wrong_password%' AND target_user_id = $1").bind(user.id).fetch_one(p).await).unwrap();
    assert!(failures <= 5, "{failures} passwords were evaluated");
    let (status, count): (String, i32) = s117_api::on_db!(&db, p => sqlx::query_as("SELECT status, failed_logins FROM users WHERE id = $1").bind(user.id).fetch_one(p).await).unwrap();
    assert_eq!(status, "locked");
    assert_eq!(count, 5);
}

#[tokio::test]
async fn a_pin_expires_with_the_clock() {
    let app = TestApp::spawn().await;
    let user = app.create_user("exp@x.gov.uk", &[]).await;
    let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let pin = app.latest_pin(&user.email);
    app.clock.advance(Duration::minutes(10));
    assert_problem(verify(&app, &challenge, &pin).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_pin_works_until_just_before_it_expires() {
    let app = TestApp::spawn().await;
    let user = app.create_user("exp2@x.gov.uk", &[]).await;
    let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let pin = app.latest_pin(&user.email);
    app.clock
        .advance(Duration::minutes(10) - Duration::seconds(1));
    assert_eq!(verify(&app, &challenge, &pin).await.status(), 200);
}

#[tokio::test]
async fn a_pin_works_once() {
    let app = TestApp::spawn().await;
    let user = app.create_user("once@x.gov.uk", &[]).await;
    let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let pin = app.latest_pin(&user.email);
    assert_eq!(verify(&app, &challenge, &pin).await.status(), 200);
    assert_problem(verify(&app, &challenge, &pin).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn five_wrong_pins_void_the_challenge() {
    let app = TestApp::spawn().await;
    let user = app.create_user("five@x.gov.uk", &[]).await;
    let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let pin = app.latest_pin(&user.email);
    for _ in 0..5 {
        assert_eq!(
            verify(&app, &challenge, &wrong_pin(&pin)).await.status(),
            401
        );
    }
    assert_problem(verify(&app, &challenge, &pin).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn four_wrong_pins_still_leave_the_right_one_working() {
    let app = TestApp::spawn().await;
    let user = app.create_user("four@x.gov.uk", &[]).await;
    let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let pin = app.latest_pin(&user.email);
    for _ in 0..4 {
        assert_eq!(
            verify(&app, &challenge, &wrong_pin(&pin)).await.status(),
            401
        );
    }
    assert_eq!(verify(&app, &challenge, &pin).await.status(), 200);
}

#[tokio::test]
async fn a_newer_sign_in_voids_the_older_pin() {
    let app = TestApp::spawn().await;
    let user = app.create_user("newer@x.gov.uk", &[]).await;
    let first = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let first_pin = app.latest_pin(&user.email);
    let second = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let second_pin = app.latest_pin(&user.email);
    assert_eq!(verify(&app, &first, &first_pin).await.status(), 401);
    assert_eq!(verify(&app, &second, &second_pin).await.status(), 200);
}

#[tokio::test]
async fn send_a_new_code_replaces_the_old_one_and_is_limited() {
    let app = TestApp::spawn().await;
    let user = app.create_user("resend@x.gov.uk", &[]).await;
    let first = challenge_of(app.login(&user.email, PASSWORD).await).await;
    let old_pin = app.latest_pin(&user.email);
    let second = challenge_of(
        app.post_json("/api/v1/auth/resend", &json!({ "challenge_id": first }))
            .await,
    )
    .await;
    let new_pin = app.latest_pin(&user.email);
    assert_eq!(verify(&app, &first, &old_pin).await.status(), 401);
    let third = challenge_of(
        app.post_json("/api/v1/auth/resend", &json!({ "challenge_id": second }))
            .await,
    )
    .await;
    let fourth = challenge_of(
        app.post_json("/api/v1/auth/resend", &json!({ "challenge_id": third }))
            .await,
    )
    .await;
    let res = app
        .post_json("/api/v1/auth/resend", &json!({ "challenge_id": fourth }))
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let _ = new_pin;
}

#[tokio::test]
async fn twenty_wrong_pins_across_challenges_lock_the_account() {
    let app = TestApp::builder()
        .env("S117_LOGIN_LIMIT_PER_ACCOUNT", "100")
        .spawn()
        .await;
    let user = app.create_user("pins@x.gov.uk", &[]).await;
    for round in 0..4 {
        // Four sign-ins per 10 minutes is the PIN email limit; move the clock on.
        app.clock.advance(Duration::minutes(11));
        let challenge = challenge_of(app.login(&user.email, PASSWORD).await).await;
        let pin = app.latest_pin(&user.email);
        for _ in 0..5 {
            verify(&app, &challenge, &wrong_pin(&pin)).await;
        }
        let _ = round;
    }
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status(),
        401,
        "still able to sign in after 20 wrong PINs"
    );
}

#[tokio::test]
async fn an_idle_session_ends_and_an_active_one_lives() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("idle@x.gov.uk", &[]).await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get_auth("/api/v1/me", &token).await.status(), 200);
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        app.get_auth("/api/v1/me", &token).await.status(),
        200,
        "activity should have kept it alive"
    );
    app.clock.advance(Duration::minutes(16));
    assert_problem(
        app.get_auth("/api/v1/me", &token).await,
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_even_when_busy() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("abs@x.gov.uk", &[]).await;
    let mut minutes = 0;
    while minutes < 10 * 60 && app.get_auth("/api/v1/me", &token).await.status() == 200 {
        app.clock.advance(Duration::minutes(12));
        minutes += 12;
    }
    // Ended at the 8-hour limit, not before (every step was well within the idle limit).
    assert!(
        (8 * 60..8 * 60 + 12).contains(&minutes),
        "ended after {minutes} minutes"
    );
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("out@x.gov.uk", &[]).await;
    let res = app
        .send_auth(reqwest::Method::POST, "/api/v1/auth/logout", &token, None)
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get_auth("/api/v1/me", &token).await,
        401,
        "unauthorized",
    )
    .await;
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn sign(header: &Value, claims: &Value, key: &[u8]) -> String {
    use hmac::Mac;
    let input = format!("{}.{}", b64(header), b64(claims));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(it.next().unwrap())
        .unwrap();
    let c = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(it.next().unwrap())
        .unwrap();
    (
        serde_json::from_slice(&h).unwrap(),
        serde_json::from_slice(&c).unwrap(),
    )
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_token("jwt@x.gov.uk", &["records.view"]).await;
    assert_eq!(app.get_auth("/api/v1/me", &token).await.status(), 200);
    let (header, claims) = parts(&token);
    let key = TEST_JWT_SECRET.as_bytes();
    let mut forged: Vec<(&str, String)> = Vec::new();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = json!({ "alg": alg, "typ": "JWT" });
        forged.push(("alg none", format!("{}.{}.", b64(&h), b64(&claims))));
    }
    forged.push((
        "HS512",
        sign(&json!({ "alg": "HS512", "typ": "JWT" }), &claims, key),
    ));
    forged.push((
        "RS256 header",
        sign(&json!({ "alg": "RS256", "typ": "JWT" }), &claims, key),
    ));
    forged.push((
        "wrong key",
        sign(
            &header,
            &claims,
            b"another-secret-another-secret-0123456789",
        ),
    ));
    let mut bytes = token.clone().into_bytes();
    let last = bytes.len() - 3;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    forged.push(("changed byte", String::from_utf8(bytes).unwrap()));
    let with = |k: &str, v: Value| {
        let mut c = claims.clone();
        c[k] = v;
        sign(&header, &c, key)
    };
    forged.push(("issuer", with("iss", json!("someone-else"))));
    forged.push(("audience", with("aud", json!("s117-client"))));
    forged.push(("typ", with("typ", json!("client"))));
    let now = app.clock_now().timestamp();
    forged.push(("expired", with("exp", json!(now - 60))));
    forged.push(("not yet valid", with("nbf", json!(now + 600))));
    forged.push(("issued in the future", with("iat", json!(now + 600))));
    forged.push(("other session", with("sid", json!("no-such-session"))));
    for extra in ["jku", "x5u"] {
        let mut h = header.clone();
        h[extra] = json!("http://127.0.0.1:1/keys");
        forged.push((extra, sign(&h, &claims, key)));
    }
    let mut h = header.clone();
    h["jwk"] = json!({ "kty": "oct", "k": "AAAA" });
    forged.push(("jwk", sign(&h, &claims, key)));
    forged.push(("garbage", "not.a.token".into()));
    for (what, t) in forged {
        let res = app.get_auth("/api/v1/me", &t).await;
        assert_eq!(res.status(), 401, "{what} was accepted");
        let res = app.get_auth("/api/v1/reference/genders", &t).await;
        assert_eq!(res.status(), 401, "{what} was accepted on a data endpoint");
    }
    // The untouched token still works (the forgeries changed nothing).
    assert_eq!(app.get_auth("/api/v1/me", &token).await.status(), 200);
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_401() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/me").await, 401, "unauthorized").await;
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Bearer")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_forced_password_change_blocks_everything_else_until_done() {
    let app = TestApp::spawn().await;
    app.clock.advance(Duration::seconds(0));
    let user = app
        .create_user("first@x.gov.uk", &["records.view", "admin.users"])
        .await;
    let db = app.db().await;
    s117_api::on_db!(&db, p => sqlx::query("UPDATE users SET must_change_password = TRUE WHERE id = $1").bind(user.id).execute(p).await.map(|_| ())).unwrap();
    let res = app.login(&user.email, PASSWORD).await;
    let challenge = challenge_of(res).await;
    let res = verify(&app, &challenge, &app.latest_pin(&user.email)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["must_change_password"], true);
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get_auth("/api/v1/me", &token).await.status(), 200);
    assert_problem(
        app.get_auth("/api/v1/reference/genders", &token).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get_auth("/api/v1/admin/users", &token).await,
        403,
        "forbidden",
    )
    .await;

    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    // The policy, in the shared messages.
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change(PASSWORD, "short")),
        )
        .await;
    let problem = assert_problem(res, 422, "validation").await;
    assert_eq!(
        problem["errors"]["new_password"],
        "Password must be 8 characters or more"
    );
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change("Wrong#Pass1", "Another#Pass99")),
        )
        .await;
    let problem = assert_problem(res, 422, "validation").await;
    assert_eq!(
        problem["errors"]["current_password"],
        "Your current password is not right"
    );
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change(PASSWORD, PASSWORD)),
        )
        .await;
    assert_problem(res, 422, "validation").await;
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change(PASSWORD, "Password1!")),
        )
        .await;
    let problem = assert_problem(res, 422, "validation").await;
    assert!(
        problem["errors"]["new_password"]
            .as_str()
            .unwrap()
            .contains("common"),
        "{problem}"
    );
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change(PASSWORD, "Staffordshire#2026x")),
        )
        .await;
    assert_problem(res, 422, "validation").await;
    // Long, any printable Unicode, never truncated.
    let long = format!("Ünïcødé-{}-Pässwörd1", "x".repeat(80));
    let res = app
        .send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &token,
            Some(&change(PASSWORD, &long)),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.get_auth("/api/v1/reference/genders", &token)
            .await
            .status(),
        200
    );
    // The truncated password does not work; the whole one does.
    assert_eq!(app.login(&user.email, &long[..40]).await.status(), 401);
    assert_eq!(app.login(&user.email, &long).await.status(), 202);
    assert!(
        wait_for(|| app
            .mails_to(&user.email)
            .iter()
            .any(|m| m.to_lowercase().contains("password has been changed")
                || m.to_lowercase().contains("password was changed")))
        .await
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let user = app.create_user("two@x.gov.uk", &[]).await;
    let first = app.sign_in(&user.email, PASSWORD).await;
    let second = app.sign_in(&user.email, PASSWORD).await;
    let body = json!({ "current_password": PASSWORD, "new_password": "Brand-New#Pass42" });
    assert_eq!(
        app.send_auth(
            reqwest::Method::PUT,
            "/api/v1/me/password",
            &second,
            Some(&body)
        )
        .await
        .status(),
        204
    );
    assert_eq!(app.get_auth("/api/v1/me", &first).await.status(), 401);
    assert_eq!(app.get_auth("/api/v1/me", &second).await.status(), 200);
}

#[tokio::test]
async fn a_json_endpoint_refuses_other_content_types_with_415() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported-media-type").await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported-media-type").await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "bad-request").await;
    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(400 * 1024)
    );
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload-too-large").await;
}

#[tokio::test]
async fn one_source_is_rate_limited_with_retry_after() {
    let app = TestApp::builder()
        .env("S117_LOGIN_LIMIT_PER_IP", "8")
        .spawn()
        .await;
    let mut limited = None;
    for i in 0..12 {
        let res = app
            .login(&format!("user{i}@x.gov.uk"), "Wrong#Password1")
            .await;
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("never rate limited");
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_problem(res, 429, "too-many-requests").await;
}

async fn admin(app: &TestApp) -> String {
    app.user_token(
        "admin@x.gov.uk",
        &[
            "admin.users",
            "admin.clients",
            "admin.reference",
            "audit.view",
        ],
    )
    .await
    .1
}

async fn new_client(app: &TestApp, admin_token: &str, scopes: &[&str]) -> (String, String) {
    let res = app
        .send_auth(
            reqwest::Method::POST,
            "/api/v1/admin/clients",
            admin_token,
            Some(&json!({ "name": "Case system", "scopes": scopes })),
        )
        .await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    (
        v["client"]["client_id"].as_str().unwrap().to_string(),
        v["client_secret"].as_str().unwrap().to_string(),
    )
}

async fn client_token(
    app: &TestApp,
    id: &str,
    secret: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    app.client
        .post(app.url("/api/v1/auth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn client_credentials_give_a_token_limited_to_the_clients_scopes() {
    let app = TestApp::spawn().await;
    let admin = admin(&app).await;
    let (id, secret) = new_client(&app, &admin, &["records.view", "reports.view"]).await;

    let res = client_token(&app, &id, &secret, None).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "records.view reports.view");
    let token = body["access_token"].as_str().unwrap().to_string();
    let who: Value = app
        .get_auth("/api/v1/client", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(who["client_id"], id.as_str());
    assert_eq!(
        app.get_auth("/api/v1/reference/genders", &token)
            .await
            .status(),
        200
    );

    // A narrower scope, asked for.
    let res = client_token(&app, &id, &secret, Some("reports.view")).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "reports.view");
    // A scope it does not have.
    let res = client_token(&app, &id, &secret, Some("records.delete")).await;
    let p = assert_problem(res, 400, "invalid-token-request").await;
    assert_eq!(p["error"], "invalid_scope");
    // Wrong secret, unknown client, wrong grant.
    let p = assert_problem(
        client_token(&app, &id, "wrong", None).await,
        401,
        "invalid-client",
    )
    .await;
    assert_eq!(p["error"], "invalid_client");
    assert_problem(
        client_token(&app, "s117c_nobody", &secret, None).await,
        401,
        "invalid-client",
    )
    .await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    let p = assert_problem(res, 400, "invalid-token-request").await;
    assert_eq!(p["error"], "unsupported_grant_type");
    // HTTP Basic works too.
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A machine token is refused where a user token is expected, and the reverse.
    assert_problem(
        app.get_auth("/api/v1/me", &token).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.get_auth("/api/v1/client", &admin).await,
        401,
        "unauthorized",
    )
    .await;
    // Admin endpoints need admin permissions a client can never hold.
    assert_problem(
        app.get_auth("/api/v1/admin/users", &token).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn clients_can_never_be_given_admin_scopes() {
    let app = TestApp::spawn().await;
    let admin = admin(&app).await;
    let res = app
        .send_auth(
            reqwest::Method::POST,
            "/api/v1/admin/clients",
            &admin,
            Some(&json!({ "name": "x", "scopes": ["admin.users"] })),
        )
        .await;
    let p = assert_problem(res, 422, "validation").await;
    assert!(p["errors"]["scopes"].is_string());
}

#[tokio::test]
async fn rotating_or_revoking_a_client_stops_its_old_credentials_and_tokens() {
    let app = TestApp::spawn().await;
    let admin = admin(&app).await;
    let (id, secret) = new_client(&app, &admin, &["records.view"]).await;
    let old: Value = client_token(&app, &id, &secret, None)
        .await
        .json()
        .await
        .unwrap();
    let old_token = old["access_token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::seconds(2));
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/clients/{id}/rotate"),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let new_secret = res.json::<Value>().await.unwrap()["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(client_token(&app, &id, &secret, None).await.status(), 401);
    assert_eq!(
        app.get_auth("/api/v1/client", &old_token).await.status(),
        401
    );
    app.clock.advance(Duration::seconds(2));
    let fresh: Value = client_token(&app, &id, &new_secret, None)
        .await
        .json()
        .await
        .unwrap();
    let fresh_token = fresh["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get_auth("/api/v1/client", &fresh_token).await.status(),
        200
    );
    let res = app
        .send_auth(
            reqwest::Method::POST,
            &format!("/api/v1/admin/clients/{id}/revoke"),
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_auth("/api/v1/client", &fresh_token).await.status(),
        401
    );
    assert_eq!(
        client_token(&app, &id, &new_secret, None).await.status(),
        401
    );
    let list: Value = app
        .get_auth("/api/v1/admin/clients", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(list[0]["revoked_at"].is_string());
    assert!(list[0]["last_used_at"].is_string());
}

#[tokio::test]
async fn sign_in_outcomes_are_audited_with_ip() {
    let app = TestApp::spawn().await;
    let user = app.create_user("aud@x.gov.uk", &[]).await;
    app.login(&user.email, "Wrong#Password1").await;
    app.sign_in(&user.email, PASSWORD).await;
    let db = app.db().await;
    let rows: Vec<(String, String, Option<String>)> = s117_api::on_db!(&db, p => sqlx::query_as("SELECT action, outcome, ip FROM audit_log WHERE target_user_id = $1 ORDER BY id").bind(user.id).fetch_all(p).await).unwrap();
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|(a, o, _)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("auth.sign_in", "failure"),
            ("auth.pin_sent", "success"),
            ("auth.sign_in", "success")
        ]
    );
    assert!(rows
        .iter()
        .all(|(_, _, ip)| ip.as_deref() == Some("127.0.0.1")));
}

mod over_smtp {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use crate::support::smtp::{closed_port, Mode, SmtpServer};
    use crate::support::users::{extract_after, PASSWORD};
    use crate::support::TestApp;

    #[tokio::test]
    async fn sign_in_reads_the_pin_from_a_real_smtp_server() {
        let smtp = SmtpServer::start(Mode::Normal).await;
        let app = TestApp::builder()
            .env("S117_SMTP_URL", &smtp.url())
            .spawn()
            .await;
        let user = app.create_user("smtp@x.gov.uk", &[]).await;
        let res = app.login(&user.email, PASSWORD).await;
        assert_eq!(res.status(), 202);
        let challenge: serde_json::Value = res.json().await.unwrap();
        let mail = smtp
            .wait_for(1, Duration::from_secs(5))
            .await
            .pop()
            .expect("a PIN email arrived");
        let text = mail.text_body();
        let pin = extract_after(&text, "security code is", |c| c.is_ascii_digit(), 6);
        let res = app
            .post_json(
                "/api/v1/auth/verify",
                &json!({ "challenge_id": challenge["challenge_id"], "pin": pin }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }

    async fn smtp_failure_answers_503_fast_and_leaves_nothing_behind(smtp_url: String) {
        let app = TestApp::builder()
            .env("S117_SMTP_URL", &smtp_url)
            .env("S117_SMTP_TIMEOUT_SECONDS", "3")
            .spawn()
            .await;
        let user = app.create_user("down@x.gov.uk", &[]).await;
        let other = app.create_user("other@x.gov.uk", &[]).await;
        // Someone else is already signed in (token made before the outage).
        let db = app.db().await;
        let started = Instant::now();
        let slow = app.login(&user.email, PASSWORD);
        let fast = async {
            // While the first sign-in waits on the mail server, other requests stay fast.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let t = Instant::now();
            let res = app.get("/health").await;
            (res.status(), t.elapsed())
        };
        let (res, (health, health_took)) = tokio::join!(slow, fast);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(10), "sign-in took {took:?}");
        assert_eq!(health, 200);
        assert!(
            health_took < Duration::from_secs(1),
            "health took {health_took:?} during the outage"
        );
        let body = crate::support::assert_problem(res, 503, "unavailable").await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("could not send your security code"),
            "{body}"
        );
        // Not a failed password, and no usable challenge left.
        let (failed, open): (i32, i64) = s117_api::on_db!(&db, p => sqlx::query_as(
            "SELECT u.failed_logins, (SELECT COUNT(*) FROM login_challenges c WHERE c.user_id = u.id AND c.voided_at IS NULL AND c.used_at IS NULL)
             FROM users u WHERE u.id = $1").bind(user.id).fetch_one(p).await).unwrap();
        assert_eq!((failed, open), (0, 0));
        let _ = other;
    }

    #[tokio::test]
    async fn smtp_down_answers_503_within_10_seconds() {
        smtp_failure_answers_503_fast_and_leaves_nothing_behind(format!(
            "smtp://127.0.0.1:{}",
            closed_port()
        ))
        .await;
    }

    #[tokio::test]
    async fn smtp_refusing_answers_503() {
        let smtp = SmtpServer::start(Mode::Reject).await;
        smtp_failure_answers_503_fast_and_leaves_nothing_behind(smtp.url()).await;
    }

    #[tokio::test]
    async fn smtp_never_answering_answers_503_within_10_seconds() {
        let smtp = SmtpServer::start(Mode::Blackhole).await;
        smtp_failure_answers_503_fast_and_leaves_nothing_behind(smtp.url()).await;
    }
}
