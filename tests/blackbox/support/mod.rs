//! The test harness: a real server on a free port, a throwaway database, an HTTP client.
//!
//! Every test gets its own database: a fresh SQLite file, or — when
//! `S117_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`) — a fresh
//! PostgreSQL database that is dropped when the test ends. The server is the one `main`
//! runs (`Application::build`), with a [`ManualClock`] the test can move.

#![allow(dead_code)]

pub mod proxy;
pub mod smtp;
pub mod spreadsheet;
pub mod users;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use s117_api::clock::ManualClock;
use s117_api::config::Config;
use s117_api::startup::{Application, BuildOptions};
use sqlx::Connection;

pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("S117_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A throwaway database, removed on drop.
pub enum TestDb {
    Sqlite {
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    pub async fn create(dir: &std::path::Path) -> TestDb {
        match postgres_url() {
            None => TestDb::Sqlite {
                url: format!("sqlite://{}", dir.join("s117.db").display()),
            },
            Some(admin_url) => {
                let name = format!("s117_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to S117_TEST_POSTGRES_URL");
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url: url.to_string(),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a separate thread with its own runtime
            // can block on the DROP without stalling it.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running server for one test.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub db_url: String,
    handle: actix_web::dev::ServerHandle,
    viewer: tokio::sync::OnceCell<String>,
    // Declared last: dropped after the server is told to stop.
    db: TestDb,
}

/// Turns the test database's URL into the one the server is given.
type DbUrlOverride = Box<dyn FnOnce(&str) -> String + Send>;

/// Settings a test may change before the server starts.
pub struct TestAppBuilder {
    env: HashMap<String, String>,
    db_url_override: Option<DbUrlOverride>,
}

impl TestAppBuilder {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    /// The SQLite audit queue is moved into the log only when the log is read (or backed up,
    /// or the server stops), never on the timer: tests can then see entries in the queue.
    pub fn without_periodic_audit_move(self) -> Self {
        self.env("S117_AUDIT_QUEUE_MOVE_MS", "3600000")
    }

    /// Connect the server through another URL (e.g. a proxy in front of the test database).
    pub fn database_url_via(mut self, f: impl FnOnce(&str) -> String + Send + 'static) -> Self {
        self.db_url_override = Some(Box::new(f));
        self
    }

    pub async fn spawn(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = TestDb::create(dir.path()).await;
        let web_dir = dir.path().join("web");
        std::fs::create_dir_all(web_dir.join("pkg")).expect("web dir");
        std::fs::write(web_dir.join("index.html"), TEST_INDEX_HTML).expect("index.html");
        std::fs::write(web_dir.join("pkg/app.js"), "export default 1;\n").expect("app.js");

        let mut env: HashMap<String, String> = [
            ("S117_LISTEN", "127.0.0.1:0".to_string()),
            (
                "S117_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
            ("S117_DATABASE_URL", db.url().to_string()),
            ("S117_WEB_DIR", web_dir.display().to_string()),
            ("S117_WORKERS", "1".to_string()),
            ("S117_DB_MAX_CONNECTIONS", "5".to_string()),
            ("S117_JWT_SECRET", TEST_JWT_SECRET.to_string()),
            // Many sign-ins from 127.0.0.1 in one test; the limit tests set their own.
            ("S117_LOGIN_LIMIT_PER_IP", "1000".to_string()),
            ("S117_LOGIN_LIMIT_PER_ACCOUNT", "1000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if let Some(via) = self.db_url_override {
            env.insert("S117_DATABASE_URL".into(), via(db.url()));
        }
        env.extend(self.env);
        let config =
            Config::from_env(|k| env.get(k).cloned()).expect("test configuration is valid");

        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap());
        let app = Application::build(
            config,
            Arc::new(clock.clone()),
            BuildOptions {
                handle_signals: false,
            },
        )
        .await
        .expect("server builds");
        let port = app.port();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            clock,
            db_url: db.url().to_string(),
            dir,
            handle,
            viewer: tokio::sync::OnceCell::new(),
            db,
        }
    }
}

pub const TEST_INDEX_HTML: &str = "<!doctype html><html lang=\"en-GB\"><head><title>S117 Register</title></head><body><div id=\"app\">spa-index</div></body></html>\n";

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            env: HashMap::new(),
            db_url_override: None,
        }
    }

    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// GET as a signed-in user with no permissions (enough for reference data).
    pub async fn get_viewer(&self, path: &str) -> reqwest::Response {
        let token = self
            .viewer
            .get_or_init(|| async { self.user_token("viewer@example.gov.uk", &[]).await.1 })
            .await;
        self.get_auth(path, token).await
    }

    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    pub fn web_dir(&self) -> PathBuf {
        self.dir.path().join("web")
    }
}

impl TestApp {
    /// Stops the server as SIGTERM would (in-flight requests finish) and waits until it has.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for completion,
        // which a drop cannot do.
        drop(self.handle.stop(false));
    }
}

/// `res`, after checking its status; on any other status the panic shows the body (a
/// problem's detail says why).
pub async fn expect_status(res: reqwest::Response, status: u16) -> reqwest::Response {
    let got = res.status().as_u16();
    if got != status {
        panic!(
            "status {got}, expected {status}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    res
}

/// Asserts the response is RFC 9457 problem+json with this status and type code, and
/// returns the parsed body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type was {ct:?}"
    );
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(
        body["type"],
        format!("urn:s117:problem:{code}"),
        "problem type in {body}"
    );
    assert_eq!(body["status"], status, "problem status in {body}");
    assert!(body["title"].is_string(), "problem title in {body}");
    body
}
