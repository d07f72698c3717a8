//! The `s117` binary itself: help, configuration errors, start-up, graceful shutdown.

use std::process::Command;
use std::time::{Duration, Instant};

fn s117() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_s117"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["openapi", "--help"],
        vec!["create-admin", "--help"],
        vec!["demo-data", "--help"],
        vec!["backup", "--help"],
    ] {
        let out = s117().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn a_bad_setting_stops_with_one_line_naming_the_variable() {
    for (var, value) in [
        ("S117_PIN_TTL_MINUTES", "45"),
        ("S117_IDLE_TIMEOUT_MINUTES", "forever"),
        ("S117_LISTEN", "not-an-address"),
        ("S117_JWT_SECRET", "too-short"),
        ("S117_DATABASE_URL", "mysql://localhost/s117"),
    ] {
        let out = s117().env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{var}: {stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert!(!stderr.contains("panicked"), "{var}: {stderr}");
    }
}

#[test]
fn openapi_command_prints_the_spec() {
    let out = s117().arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        s117_api::openapi::spec_json()
    );
}

#[test]
fn serve_creates_the_sqlite_file_and_folder_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = s117()
        .current_dir(dir.path())
        .env("S117_LISTEN", format!("127.0.0.1:{port}"))
        .env("S117_LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut up = false;
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ =
                stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                up = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(up, "server did not start");
    assert!(
        dir.path().join("data/s117.db").is_file(),
        "SQLite file not created at data/s117.db"
    );

    // SIGTERM: the server stops by itself, with success.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let waited = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(15),
            "did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    // JSON logs: every line parses.
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    assert!(logs.contains("\"stopped\""), "{logs}");
}
