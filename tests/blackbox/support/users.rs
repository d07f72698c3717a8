//! Users and sign-in for tests: accounts are made straight in the database (fast), but
//! signing in always goes through the real endpoints, reading the PIN from the development
//! mailbox (`<data dir>/outbox/*.eml`) as a person would read their email.

use std::time::SystemTime;

use super::TestApp;

pub const PASSWORD: &str = "Harbour#2025-Tide";

pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
}

impl TestApp {
    pub async fn db(&self) -> s117_api::db::Db {
        s117_api::db::Db::connect_url(&self.db_url, 2, std::time::Duration::from_secs(5))
            .await
            .expect("test db")
    }

    /// On SQLite, the queue file searches' audit entries wait in until moved into the log
    /// (api/src/audit/queue.rs); `None` on PostgreSQL.
    pub async fn audit_queue(&self) -> Option<s117_api::db::Db> {
        let path = s117_api::audit::queue::queue_path_of_url(&self.db_url)
            .filter(|_| !self.is_postgres())?;
        let url = format!("sqlite://{}", path.display());
        Some(
            s117_api::db::Db::connect_url(&url, 1, std::time::Duration::from_secs(5))
                .await
                .expect("audit queue"),
        )
    }

    /// An active account with these permissions and [`PASSWORD`], no password change due.
    pub async fn create_user(&self, email: &str, permissions: &[&str]) -> TestUser {
        let hash = s117_api::auth::hashing::hash_blocking(PASSWORD);
        let now = self.clock_now();
        let sql = "INSERT INTO users (email, name, password_hash, permissions, must_change_password, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, FALSE, $5, $5) RETURNING id";
        let perms = permissions.join(" ");
        let name = format!("Test {}", email.split('@').next().unwrap_or("user"));
        let email = email.trim().to_lowercase();
        let db = self.db().await;
        let id: i64 = s117_api::on_db!(&db, p => sqlx::query_scalar(sql).bind(&email).bind(&name).bind(&hash).bind(&perms).bind(now).fetch_one(p).await).expect("insert user");
        db.close().await;
        TestUser {
            id,
            email,
            password: PASSWORD.to_string(),
        }
    }

    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use s117_api::clock::Clock;
        self.clock.now()
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// A GET that must succeed, its body as JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let res = self.get_auth(path, token).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("a JSON body")
    }

    pub async fn send_auth(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    /// Step 1: returns the response of `/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/login",
            &serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// The whole sign-in; returns the access token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let res = self.login(email, password).await;
        assert_eq!(
            res.status(),
            202,
            "login: {}",
            res.text().await.unwrap_or_default()
        );
        let challenge: serde_json::Value = res.json().await.unwrap();
        let pin = self.latest_pin(email);
        let res = self
            .post_json(
                "/api/v1/auth/verify",
                &serde_json::json!({ "challenge_id": challenge["challenge_id"], "pin": pin }),
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "verify: {}",
            res.text().await.unwrap_or_default()
        );
        let body: serde_json::Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A signed-in user with exactly these permissions.
    pub async fn user_token(&self, email: &str, permissions: &[&str]) -> (TestUser, String) {
        let user = self.create_user(email, permissions).await;
        let token = self.sign_in(&user.email, &user.password).await;
        (user, token)
    }

    /// The development mailbox: every message sent to `to`, oldest first, as decoded text.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let dir = self.dir.path().join("data/outbox");
        let mut files: Vec<(SystemTime, String, std::path::PathBuf)> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| {
                        (
                            e.metadata()
                                .and_then(|m| m.modified())
                                .unwrap_or(SystemTime::UNIX_EPOCH),
                            e.file_name().to_string_lossy().to_string(),
                            e.path(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, _, p)| std::fs::read_to_string(p).ok())
            .map(|raw| decode_qp(&raw))
            .filter(|m| {
                m.lines().any(|l| {
                    l.to_lowercase().starts_with("to:")
                        && l.to_lowercase().contains(&to.trim().to_lowercase())
                })
            })
            .collect()
    }

    /// The PIN in the newest security-code email to `to`.
    pub fn latest_pin(&self, to: &str) -> String {
        let mails = self.mails_to(to);
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.contains("security code is"))
            .unwrap_or_else(|| panic!("no PIN email to {to}"));
        extract_after(mail, "security code is", |c| c.is_ascii_digit(), 6)
    }
}

/// Undoes quoted-printable soft breaks and `=XX` escapes (enough for our ASCII mails).
fn decode_qp(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::with_capacity(joined.len());
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap_or(b'?') as char);
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The first run of `len` characters matching `keep` after `marker` (skipping anything else).
pub fn extract_after(text: &str, marker: &str, keep: impl Fn(char) -> bool, len: usize) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in mail"))
        + marker.len();
    let value: String = text[start..]
        .chars()
        .skip_while(|c| !keep(*c))
        .take_while(|c| keep(*c))
        .collect();
    assert_eq!(
        value.chars().count(),
        len,
        "value after {marker:?}: {value:?}"
    );
    value
}
