//! Mail: lettre's real SMTP transport against a real SMTP server on loopback
//! (support/smtp.rs), development mail, failures that answer fast, and the outbox that
//! delivers lockout and password-changed notifications exactly once after an outage or a
//! restart. These tests build the `Mailer` and the database pool directly, as the server does.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use s117_api::db::Db;
use s117_api::mail::{outbox, Email, MailError, Mailer, DEFAULT_SMTP_TIMEOUT};

use crate::support::smtp::{closed_port, Mode, SmtpServer};
use crate::support::TestDb;

const FROM: &str = "S117 Register <no-reply@s117.test>";
const TO: &str = "ann.smith@council.test";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn pin_email(pin: &str) -> Email {
    Email::Pin {
        name: "Ann Smith".into(),
        pin: pin.into(),
        valid_minutes: 10,
    }
}

fn locked_email() -> Email {
    Email::AccountLocked {
        name: "Ann Smith".into(),
        helpdesk_email: "helpdesk@council.test".into(),
    }
}

/// The six digits after "security code is " in a plain-text body.
fn pin_in(text: &str) -> String {
    let (_, after) = text
        .split_once("security code is ")
        .unwrap_or_else(|| panic!("no security code in {text:?}"));
    let pin: String = after.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(pin.len(), 6, "{text:?}");
    pin
}

/// A migrated database of its own (SQLite file, or a fresh PostgreSQL database) and a pool.
struct Store {
    db: Db,
    test_db: TestDb,
    _dir: tempfile::TempDir,
}

impl Store {
    async fn new() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let test_db = TestDb::create(dir.path()).await;
        let db = Self::open(&test_db).await;
        db.migrate().await.expect("migrations apply");
        Store {
            db,
            test_db,
            _dir: dir,
        }
    }

    async fn open(test_db: &TestDb) -> Db {
        Db::connect_url(test_db.url(), 4, Duration::from_secs(5))
            .await
            .expect("database opens")
    }

    /// Queues `email` in a transaction that commits.
    async fn enqueue(&self, email: &Email, now: DateTime<Utc>) -> i64 {
        let mut tx = self.db.begin().await.unwrap();
        let id = outbox::enqueue(&mut tx, TO, email, now).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    async fn entry(&self, id: i64) -> outbox::OutboxEntry {
        outbox::entry(&self.db, id)
            .await
            .unwrap()
            .expect("outbox row")
    }
}

// ---- Sending now --------------------------------------------------------------------------

#[tokio::test]
async fn pin_email_arrives_over_real_smtp_and_the_pin_reads_back() {
    let server = SmtpServer::start(Mode::Normal).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(5)).unwrap();

    let reply = mailer.send_now(TO, &pin_email("493817")).await.unwrap();

    assert!(reply.starts_with("250 "), "the server's answer: {reply}");
    assert!(reply.contains("queued as TEST1"), "{reply}");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.rcpt_to, [TO]);
    assert_eq!(m.mail_from, "no-reply@s117.test");
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("Your S117 Register security code")
    );
    let message_id = m.header("Message-ID").expect("a Message-ID");
    assert!(message_id.ends_with("@s117.test>"), "{message_id}");
    let text = m.text_body();
    assert_eq!(pin_in(&text), "493817");
    assert!(
        text.contains("Your S117 Register security code is 493817. It expires in 10 minutes."),
        "{text}"
    );
    assert!(text.contains("If you did not try to sign in, contact your helpdesk."));
    assert!(m.html_body().contains("<strong>493817</strong>"));

    // The pooled connection is reused for the next email.
    mailer.send_now(TO, &pin_email("111222")).await.unwrap();
    let got = server.messages();
    assert_eq!(pin_in(&got[1].text_body()), "111222");
}

#[tokio::test]
async fn html_body_escapes_names_and_text_body_keeps_them() {
    let server = SmtpServer::start(Mode::Normal).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(5)).unwrap();
    let email = Email::PasswordChanged {
        name: "Zoë <script>alert(1)</script> O'Neil".into(),
        helpdesk_email: "helpdesk@council.test".into(),
    };
    mailer.send_now(TO, &email).await.unwrap();
    let m = &server.messages()[0];
    let html = m.html_body();
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("Zoë &lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil"),
        "{html}"
    );
    assert!(m
        .text_body()
        .contains("Hello Zoë <script>alert(1)</script> O'Neil,"));
}

#[tokio::test]
async fn credentials_in_the_smtp_url_are_used() {
    let server = SmtpServer::with_credentials("relay-user", "p@ss:word").await;
    let url = format!("smtp://relay-user:p%40ss%3Aword@127.0.0.1:{}", server.port);
    let mailer = Mailer::smtp(&url, FROM, Duration::from_secs(5)).unwrap();
    assert!(
        !mailer.describe().contains("p%40ss"),
        "{}",
        mailer.describe()
    );
    mailer.send_now(TO, &pin_email("246810")).await.unwrap();
    let got = server.messages();
    assert_eq!(got[0].auth_user.as_deref(), Some("relay-user"));

    let wrong = format!("smtp://relay-user:nope@127.0.0.1:{}", server.port);
    let mailer = Mailer::smtp(&wrong, FROM, Duration::from_secs(5)).unwrap();
    let err = mailer.send_now(TO, &pin_email("246810")).await.unwrap_err();
    assert!(err.to_string().contains("535"), "{err}");
    assert!(err.is_permanent());
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn smtp_server_down_fails_fast_and_says_why() {
    let url = format!("smtp://127.0.0.1:{}", closed_port());
    let mailer = Mailer::smtp(&url, FROM, Duration::from_secs(5)).unwrap();
    let started = Instant::now();
    let err = mailer.send_now(TO, &pin_email("123456")).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, MailError::Smtp(_)), "{err:?}");
    let cause = err.to_string();
    assert!(cause.to_lowercase().contains("refused"), "{cause}");
    assert!(!cause.contains("123456"), "{cause}");
}

#[tokio::test]
async fn smtp_server_that_refuses_fails_with_its_answer() {
    let server = SmtpServer::start(Mode::Reject).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(5)).unwrap();
    let started = Instant::now();
    let err = mailer.send_now(TO, &pin_email("123456")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let cause = err.to_string();
    assert!(
        cause.contains("554") && cause.contains("refuses all mail"),
        "{cause}"
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn smtp_server_that_never_answers_fails_within_the_timeout() {
    assert!(DEFAULT_SMTP_TIMEOUT < Duration::from_secs(10));
    let server = SmtpServer::start(Mode::Blackhole).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(2)).unwrap();
    let started = Instant::now();
    let err = mailer.send_now(TO, &pin_email("123456")).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(matches!(err, MailError::Timeout(_)), "{err:?}");
    assert!(
        err.to_string().contains("did not finish within 2 s"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stuck_smtp_server_does_not_slow_anyone_else() {
    let stuck = SmtpServer::start(Mode::Blackhole).await;
    let stuck_mailer = Mailer::smtp(&stuck.url(), FROM, Duration::from_secs(3)).unwrap();
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let m = stuck_mailer.clone();
            tokio::spawn(async move { m.send_now(TO, &pin_email("123456")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let good = SmtpServer::start(Mode::Normal).await;
    let mailer = Mailer::smtp(&good.url(), FROM, Duration::from_secs(3)).unwrap();
    let started = Instant::now();
    mailer.send_now(TO, &pin_email("654321")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    for w in waiting {
        assert!(matches!(w.await.unwrap(), Err(MailError::Timeout(_))));
    }
}

#[tokio::test]
async fn development_mail_writes_a_readable_eml_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = s117_api::config::Config::from_env(|k| match k {
        "S117_DATA_DIR" => Some(data.display().to_string()),
        _ => None,
    })
    .unwrap();
    let mailer = Mailer::from_config(&config, DEFAULT_SMTP_TIMEOUT).unwrap();
    assert!(mailer.is_development());

    let reply = mailer.send_now(TO, &pin_email("975310")).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(data.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    assert_eq!(path.extension().unwrap(), "eml");
    assert_eq!(reply, path.display().to_string());
    let eml = std::fs::read_to_string(path).unwrap();
    assert!(
        eml.contains("Subject: Your S117 Register security code\r\n"),
        "{eml}"
    );
    assert!(eml.contains(&format!("To: {TO}")), "{eml}");
    let text = crate::support::smtp::part(&eml, "text/plain").unwrap();
    assert_eq!(pin_in(&text), "975310");
}

#[tokio::test]
async fn smtp_url_forms_are_understood() {
    for ok in [
        "smtp://127.0.0.1:2525",
        "smtp://mail.example.org:587?tls=required",
        "smtp://mail.example.org:587?tls=starttls",
        "smtp://mail.example.org:587?tls=opportunistic",
        "smtps://user:secret@mail.example.org:465",
    ] {
        let m =
            Mailer::smtp(ok, FROM, DEFAULT_SMTP_TIMEOUT).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert!(!m.describe().contains("secret"), "{}", m.describe());
    }
    for bad in [
        "http://mail.example.org",
        "smtp://mail.example.org?tls=maybe",
    ] {
        let err = Mailer::smtp(bad, FROM, DEFAULT_SMTP_TIMEOUT).unwrap_err();
        assert!(matches!(err, MailError::Config(_)), "{bad}: {err:?}");
    }
    assert!(matches!(
        Mailer::smtp(
            "smtp://127.0.0.1:2525",
            "not an address",
            DEFAULT_SMTP_TIMEOUT
        ),
        Err(MailError::Config(_))
    ));
}

/// Log lines go to a buffer the test reads (this test's thread only).
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_pin_or_password_reaches_the_log() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let created = Email::AccountCreated {
        name: "Ann".into(),
        email: TO.into(),
        one_time_password: "Otp#Secret77".into(),
        sign_in_url: "http://127.0.0.1:8080/sign-in".into(),
    };
    let server = SmtpServer::start(Mode::Normal).await;
    let up = Mailer::smtp(&server.url(), FROM, Duration::from_secs(2)).unwrap();
    up.send_now(TO, &pin_email("864209")).await.unwrap();
    up.send_now(TO, &created).await.unwrap();
    let refusing = SmtpServer::start(Mode::Reject).await;
    let down = Mailer::smtp(&refusing.url(), FROM, Duration::from_secs(2)).unwrap();
    down.send_now(TO, &pin_email("864209")).await.unwrap_err();
    let dir = tempfile::tempdir().unwrap();
    let dev = Mailer::development(dir.path().join("outbox"), FROM).unwrap();
    dev.send_now(TO, &pin_email("864209")).await.unwrap();
    dev.send_now(TO, &created).await.unwrap();

    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    // (A successful SMTP send is logged on the mailer's own runtime thread, which this
    // thread-local capture does not always see; the failure and development lines are.)
    assert!(
        log.contains("email not sent") && log.contains("554"),
        "{log}"
    );
    assert!(log.contains("development email written"), "{log}");
    assert!(log.contains("Your S117 Register security code"), "{log}");
    assert!(log.contains(".eml"), "{log}");
    for secret in ["864209", "Otp#Secret77"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

// ---- The outbox ---------------------------------------------------------------------------

#[tokio::test]
async fn emails_with_a_secret_are_never_queued() {
    let store = Store::new().await;
    let mut tx = store.db.begin().await.unwrap();
    for email in [
        pin_email("123456"),
        Email::AccountCreated {
            name: "Ann".into(),
            email: TO.into(),
            one_time_password: "Temp#Pass1".into(),
            sign_in_url: "http://127.0.0.1:8080/sign-in".into(),
        },
        Email::PasswordReset {
            name: "Ann".into(),
            one_time_password: "Temp#Pass1".into(),
            sign_in_url: "http://127.0.0.1:8080/sign-in".into(),
        },
    ] {
        let err = outbox::enqueue(&mut tx, TO, &email, t0())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("never queued"), "{err}");
    }
    assert!(
        outbox::enqueue(&mut tx, "not an address", &locked_email(), t0())
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    assert!(outbox::pending(&store.db, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn queued_email_is_sent_only_if_its_transaction_commits() {
    let store = Store::new().await;
    let server = SmtpServer::start(Mode::Normal).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(5)).unwrap();

    let mut tx = store.db.begin().await.unwrap();
    outbox::enqueue(&mut tx, TO, &locked_email(), t0())
        .await
        .unwrap();
    drop(tx); // rolled back: the event did not happen, nor does its email
    let id = store.enqueue(&locked_email(), t0()).await;

    assert_eq!(
        outbox::deliver_due(&store.db, &mailer, t0()).await.unwrap(),
        1
    );
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].header("Subject").as_deref(),
        Some("Your S117 Register account is locked")
    );
    assert!(got[0].text_body().contains("helpdesk@council.test"));
    let row = store.entry(id).await;
    assert_eq!(row.sent_at, Some(t0()));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error, None);
}

#[tokio::test]
async fn queued_email_is_retried_after_an_outage_and_delivered_exactly_once() {
    let store = Store::new().await;
    let port = closed_port();
    let mailer = Mailer::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        FROM,
        Duration::from_secs(2),
    )
    .unwrap();
    let id = store.enqueue(&locked_email(), t0()).await;

    // The SMTP server is down: nothing is sent; the row waits 30 s and says why.
    assert_eq!(
        outbox::deliver_due(&store.db, &mailer, t0()).await.unwrap(),
        0
    );
    let row = store.entry(id).await;
    assert_eq!(row.sent_at, None);
    assert_eq!(row.attempts, 1);
    assert_eq!(row.next_attempt_at, t0() + secs(30));
    let cause = row.last_error.expect("the cause is kept");
    assert!(cause.to_lowercase().contains("refused"), "{cause}");

    // Still down after the first back-off: the wait doubles.
    assert_eq!(
        outbox::deliver_due(&store.db, &mailer, t0() + secs(31))
            .await
            .unwrap(),
        0
    );
    let row = store.entry(id).await;
    assert_eq!(row.attempts, 2);
    assert_eq!(row.next_attempt_at, t0() + secs(31) + secs(60));

    // The server comes back on the same port; before the row is due, nothing happens.
    let server = SmtpServer::start_on(port, Mode::Normal, None).await;
    assert_eq!(
        outbox::deliver_due(&store.db, &mailer, t0() + secs(60))
            .await
            .unwrap(),
        0
    );
    assert!(server.messages().is_empty());

    // Once due, it is delivered, and only once.
    let later = t0() + secs(120);
    assert_eq!(
        outbox::deliver_due(&store.db, &mailer, later)
            .await
            .unwrap(),
        1
    );
    let row = store.entry(id).await;
    assert_eq!(row.sent_at, Some(later));
    assert_eq!(row.attempts, 3);
    for hours in [1, 2, 48] {
        let when = later + chrono::Duration::hours(hours);
        assert_eq!(
            outbox::deliver_due(&store.db, &mailer, when).await.unwrap(),
            0
        );
    }
    assert_eq!(server.messages().len(), 1);
    assert!(outbox::pending(&store.db, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn queued_email_is_delivered_after_a_restart() {
    let store = Store::new().await;
    let port = closed_port();
    let down = Mailer::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        FROM,
        Duration::from_secs(2),
    )
    .unwrap();
    let id = store.enqueue(&locked_email(), t0()).await;
    let changed = store
        .enqueue(
            &Email::PasswordChanged {
                name: "Ann".into(),
                helpdesk_email: "helpdesk@council.test".into(),
            },
            t0(),
        )
        .await;
    assert_eq!(
        outbox::deliver_due(&store.db, &down, t0()).await.unwrap(),
        0
    );
    // The server stops: its pool and mailer are gone.
    store.db.close().await;
    drop(down);

    // A new process: a new pool on the same database, a new mailer, SMTP up again.
    let server = SmtpServer::start(Mode::Normal).await;
    let db = Store::open(&store.test_db).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(2)).unwrap();
    let later = t0() + chrono::Duration::minutes(5);
    assert_eq!(outbox::deliver_due(&db, &mailer, later).await.unwrap(), 2);
    assert_eq!(
        outbox::deliver_due(&db, &mailer, later + secs(3600))
            .await
            .unwrap(),
        0
    );
    let got = server.messages();
    assert_eq!(got.len(), 2);
    let subjects: Vec<_> = got.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert!(subjects.contains(&"Your S117 Register account is locked".to_string()));
    assert!(subjects.contains(&"Your S117 Register password has been changed".to_string()));
    for id in [id, changed] {
        let row = outbox::entry(&db, id).await.unwrap().unwrap();
        assert!(row.sent_at.is_some());
    }
    db.close().await;
}

#[tokio::test]
async fn outbox_worker_delivers_in_the_background() {
    let store = Store::new().await;
    let server = SmtpServer::start(Mode::Normal).await;
    let mailer = Mailer::smtp(&server.url(), FROM, Duration::from_secs(2)).unwrap();
    let clock = s117_api::clock::ManualClock::new(t0());
    let worker = outbox::spawn_outbox_worker(
        store.db.clone(),
        mailer,
        std::sync::Arc::new(clock.clone()),
        Duration::from_millis(50),
    );
    let id = store.enqueue(&locked_email(), t0()).await;
    let got = server.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    // Several more polls later, still exactly one.
    clock.advance(chrono::Duration::hours(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.messages().len(), 1);
    assert_eq!(store.entry(id).await.sent_at, Some(t0()));
    worker.abort();
}

#[tokio::test]
async fn two_server_instances_never_send_the_same_email_twice() {
    let store = Store::new().await;
    let server = SmtpServer::start(Mode::Normal).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(store.enqueue(&locked_email(), t0()).await);
    }
    // Two instances: each its own pool and mailer, delivering at the same time.
    let instances: Vec<_> = (0..2)
        .map(|_| {
            let url = store.test_db.url().to_string();
            let smtp = server.url();
            tokio::spawn(async move {
                let db = Db::connect_url(&url, 2, Duration::from_secs(10))
                    .await
                    .unwrap();
                let mailer = Mailer::smtp(&smtp, FROM, Duration::from_secs(5)).unwrap();
                let n = outbox::deliver_due(&db, &mailer, t0()).await.unwrap();
                db.close().await;
                n
            })
        })
        .collect();
    let mut total = 0;
    for i in instances {
        total += i.await.unwrap();
    }
    assert_eq!(total, 20);
    assert_eq!(server.messages().len(), 20);
    for id in ids {
        assert_eq!(store.entry(id).await.attempts, 1);
    }
}
