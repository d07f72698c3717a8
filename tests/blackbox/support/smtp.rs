//! A small SMTP server on loopback, in the test process: real TCP, real SMTP, so the
//! mailer's lettre transport is exercised end to end without an external mail catcher.
//!
//! It speaks EHLO/HELO, AUTH PLAIN/LOGIN (when given credentials), MAIL FROM, RCPT TO, DATA,
//! RSET, NOOP and QUIT, keeps what it received, and can misbehave on purpose:
//! [`Mode::Reject`] answers 554 at the greeting, [`Mode::Blackhole`] accepts the connection
//! and never says a word. Dropping the server closes its port and every open connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::AbortHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accepts every message.
    Normal,
    /// Answers `554` at the greeting and hangs up.
    Reject,
    /// Accepts TCP connections and never answers.
    Blackhole,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA (headers and body), dot-unstuffed, CRLF line ends.
    pub data: String,
    /// The user name that authenticated, if any.
    pub auth_user: Option<String>,
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl SmtpServer {
    /// Listens on a free loopback port.
    pub async fn start(mode: Mode) -> SmtpServer {
        Self::start_on(0, mode, None).await
    }

    /// Requires `AUTH` with these credentials before accepting mail.
    pub async fn with_credentials(user: &str, password: &str) -> SmtpServer {
        Self::start_on(0, Mode::Normal, Some((user.into(), password.into()))).await
    }

    /// Listens on `port` (0: any free port), e.g. to come back on the port a mailer was
    /// configured with after an outage.
    pub async fn start_on(
        port: u16,
        mode: Mode,
        credentials: Option<(String, String)>,
    ) -> SmtpServer {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket
            .bind(([127, 0, 0, 1], port).into())
            .expect("bind the test SMTP server");
        let listener = socket.listen(64).expect("listen");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let tasks: Arc<Mutex<Vec<AbortHandle>>> = Arc::new(Mutex::new(Vec::new()));
        let (received2, tasks2) = (received.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let received = received2.clone();
                let credentials = credentials.clone();
                let conn = tokio::spawn(async move {
                    let _ = session(stream, mode, credentials, received).await;
                });
                tasks2.lock().unwrap().push(conn.abort_handle());
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
        SmtpServer {
            port,
            received,
            tasks,
        }
    }

    /// `smtp://127.0.0.1:<port>` (plain SMTP: the server is on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived (or `within` passed) and returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.messages();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

/// A loopback port with nothing listening on it (for "the SMTP server is down").
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn session(
    stream: TcpStream,
    mode: Mode,
    credentials: Option<(String, String)>,
    received: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    match mode {
        Mode::Blackhole => {
            // Hold the connection open, say nothing, read nothing.
            let _hold = read;
            std::future::pending::<()>().await;
            return Ok(());
        }
        Mode::Reject => {
            write
                .write_all(b"554 5.7.1 test server refuses all mail\r\n")
                .await?;
            return write.shutdown().await;
        }
        Mode::Normal => {}
    }
    let mut lines = BufReader::new(read);
    let mut line = String::new();
    write
        .write_all(b"220 localhost ESMTP s117-test\r\n")
        .await?;
    let mut authed: Option<String> = None;
    let mut from = String::new();
    let mut rcpt = Vec::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            let auth = if credentials.is_some() {
                "250-AUTH PLAIN LOGIN\r\n"
            } else {
                ""
            };
            let reply = format!("250-localhost\r\n{auth}250-8BITMIME\r\n250 SMTPUTF8\r\n");
            write.write_all(reply.as_bytes()).await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 localhost\r\n").await?;
        } else if upper.starts_with("AUTH PLAIN") {
            let arg = cmd[10..].trim().to_string();
            let arg = if arg.is_empty() {
                write.write_all(b"334 \r\n").await?;
                read_line(&mut lines).await?
            } else {
                arg
            };
            let decoded = b64(&arg);
            let mut parts = decoded.split('\0').skip(1);
            let (user, pass) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            authed = check(&credentials, user, pass);
            let reply: &[u8] = if authed.is_some() {
                b"235 2.7.0 Authentication successful\r\n"
            } else {
                b"535 5.7.8 Authentication credentials invalid\r\n"
            };
            write.write_all(reply).await?;
        } else if upper.starts_with("AUTH LOGIN") {
            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            let user = b64(&read_line(&mut lines).await?);
            write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let pass = b64(&read_line(&mut lines).await?);
            authed = check(&credentials, &user, &pass);
            let reply: &[u8] = if authed.is_some() {
                b"235 2.7.0 Authentication successful\r\n"
            } else {
                b"535 5.7.8 Authentication credentials invalid\r\n"
            };
            write.write_all(reply).await?;
        } else if upper.starts_with("MAIL FROM:") {
            if credentials.is_some() && authed.is_none() {
                write
                    .write_all(b"530 5.7.0 Authentication required\r\n")
                    .await?;
                continue;
            }
            from = angle(&cmd[10..]);
            rcpt.clear();
            write.write_all(b"250 2.1.0 Ok\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            rcpt.push(angle(&cmd[8..]));
            write.write_all(b"250 2.1.5 Ok\r\n").await?;
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(unstuffed);
            }
            let n = {
                let mut got = received.lock().unwrap();
                got.push(Received {
                    mail_from: std::mem::take(&mut from),
                    rcpt_to: std::mem::take(&mut rcpt),
                    data,
                    auth_user: authed.clone(),
                });
                got.len()
            };
            let reply = format!("250 2.0.0 Ok: queued as TEST{n}\r\n");
            write.write_all(reply.as_bytes()).await?;
        } else if upper == "RSET" {
            from.clear();
            rcpt.clear();
            write.write_all(b"250 2.0.0 Ok\r\n").await?;
        } else if upper == "NOOP" {
            write.write_all(b"250 2.0.0 Ok\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 Bye\r\n").await?;
            return write.shutdown().await;
        } else {
            write
                .write_all(b"502 5.5.2 Command not recognised\r\n")
                .await?;
        }
    }
}

async fn read_line(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut s = String::new();
    lines.read_line(&mut s).await?;
    Ok(s.trim_end().to_string())
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn check(credentials: &Option<(String, String)>, user: &str, pass: &str) -> Option<String> {
    match credentials {
        Some((u, p)) if u == user && p == pass => Some(user.to_string()),
        _ => None,
    }
}

/// `<a@b>` (and any ESMTP parameters after it) → `a@b`.
fn angle(s: &str) -> String {
    let s = s.trim();
    match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_string(),
        _ => s.split_whitespace().next().unwrap_or("").to_string(),
    }
}

// ---- Reading what arrived ------------------------------------------------------------

impl Received {
    /// A header's value, unfolded (first occurrence, case-insensitive name).
    pub fn header(&self, name: &str) -> Option<String> {
        header_in(head(&self.data), name)
    }

    /// The decoded `text/plain` part.
    pub fn text_body(&self) -> String {
        part(&self.data, "text/plain")
            .unwrap_or_else(|| panic!("no text/plain part in {}", self.data))
    }

    /// The decoded `text/html` part.
    pub fn html_body(&self) -> String {
        part(&self.data, "text/html")
            .unwrap_or_else(|| panic!("no text/html part in {}", self.data))
    }
}

/// The header block of a message or part (before the first empty line).
fn head(message: &str) -> &str {
    message
        .split_once("\r\n\r\n")
        .or_else(|| message.split_once("\n\n"))
        .map(|(h, _)| h)
        .unwrap_or(message)
}

fn body(message: &str) -> &str {
    message
        .split_once("\r\n\r\n")
        .or_else(|| message.split_once("\n\n"))
        .map(|(_, b)| b)
        .unwrap_or("")
}

fn header_in(head: &str, name: &str) -> Option<String> {
    let unfolded = head
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .replace("\n ", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Finds the first part whose content type is `mime` (searching nested multiparts) and
/// returns its decoded body.
pub fn part(message: &str, mime: &str) -> Option<String> {
    let ct = header_in(head(message), "Content-Type").unwrap_or_else(|| "text/plain".into());
    if ct.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = ct.split(';').find_map(|p| {
            let p = p.trim();
            p.strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_string())
        })?;
        let delimiter = format!("--{boundary}");
        return body(message)
            .split(&delimiter)
            .skip(1)
            .take_while(|p| !p.starts_with("--"))
            .find_map(|p| part(p.trim_start_matches(['\r', '\n']), mime));
    }
    if !ct.to_ascii_lowercase().starts_with(mime) {
        return None;
    }
    let encoding = header_in(head(message), "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let raw = body(message);
    Some(
        match encoding.as_str() {
            "quoted-printable" => decode_qp(raw),
            "base64" => {
                let joined: String = raw.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64 body");
                String::from_utf8(bytes).expect("UTF-8 body")
            }
            _ => raw.to_string(),
        }
        .replace("\r\n", "\n"),
    )
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}
