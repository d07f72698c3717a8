//! The [`Mailer`]: one way out for every email, over SMTP or into the development outbox.
//!
//! SMTP goes through lettre's pooled async transport, built from `S117_SMTP_URL`:
//! `smtp://host:port` (plain, for a relay on loopback), `smtp://host:port?tls=required`
//! (STARTTLS, refused if the server cannot upgrade; `tls=starttls` means the same),
//! `?tls=opportunistic`, and `smtps://host:port` (TLS from the first byte); `user:pass@`
//! (percent-encoded) adds credentials.
//!
//! Every send is bounded: lettre's own timeout only covers opening the TCP connection, so the
//! whole conversation also runs under `tokio::time::timeout`. A server that accepts the
//! connection and then never answers costs the caller at most the timeout, never a worker.
//! Sends run on the runtime the mailer was built on (the server's main runtime), not on the
//! calling actix worker's: pooled SMTP connections are tied to the runtime that opened them,
//! and actix runs one runtime per worker thread.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{Address, AsyncTransport, Message, Tokio1Executor};

use super::templates::{Email, Rendered};
use crate::config::Config;

/// How long one send may take, end to end, unless configured otherwise. Short enough that a
/// user waiting for a PIN gets an answer within 10 seconds when the mail server is stuck.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(8);

/// Why an email was not sent. The message says what went wrong, in one line; it never
/// contains the body of the email.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail is misconfigured: {0}")]
    Config(String),
    #[error("the recipient is not a valid email address")]
    BadRecipient,
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server did not finish within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("SMTP: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    #[error("cannot write the development email {path}: {source}")]
    Outbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the mail task ended unexpectedly")]
    TaskEnded,
    #[error("{0} emails carry a secret and are never queued: send them with send_now")]
    NotQueueable(&'static str),
}

impl MailError {
    /// True when the SMTP server itself answered no with a 5xx code (retrying will not help
    /// unless something changes at the server).
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Smtp(e) if e.is_permanent())
    }
}

/// Cheap to clone; hold one in the application state.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    timeout: Duration,
    way: Way,
    /// Where SMTP conversations run (see the module header).
    runtime: tokio::runtime::Handle,
}

enum Way {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL without its password, for logs.
        server: String,
    },
    Development {
        outbox: PathBuf,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer({})", self.describe())
    }
}

impl Mailer {
    /// SMTP when `S117_SMTP_URL` is set, development mail into `<data_dir>/outbox` otherwise.
    /// Call from within the Tokio runtime that should carry the SMTP traffic.
    pub fn from_config(config: &Config, timeout: Duration) -> Result<Mailer, MailError> {
        match &config.smtp_url {
            Some(url) => Mailer::smtp(url, &config.mail_from, timeout),
            None => Mailer::development(config.data_dir.join("outbox"), &config.mail_from),
        }
    }

    /// A mailer that talks to the SMTP server at `url` (see the module header for the forms).
    pub fn smtp(url: &str, from: &str, timeout: Duration) -> Result<Mailer, MailError> {
        let runtime = current_runtime()?;
        let server = crate::config::redact_url(url);
        let parsed = url::Url::parse(url)
            .map_err(|_| MailError::Config(format!("{server} is not a URL")))?;
        let mut normalised = parsed.clone();
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_ascii_lowercase());
        match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required" | "opportunistic")) | ("smtps", None) => {}
            ("smtp", Some("starttls")) => {
                normalised.set_query(Some("tls=required"));
            }
            _ => {
                return Err(MailError::Config(format!(
                    "{server}: use smtp://host:port, smtp://host:port?tls=required (STARTTLS) or smtps://host:port"
                )))
            }
        }
        let plain = parsed.scheme() == "smtp" && tls.is_none();
        let host = parsed.host_str().unwrap_or_default();
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if plain && !loopback {
            tracing::warn!(
                smtp = %server,
                "S117_SMTP_URL is plain smtp:// to another machine: mail (and any SMTP password) \
                 crosses the network unencrypted; use ?tls=required or smtps://"
            );
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(normalised.as_str())
            .map_err(|e| MailError::Config(format!("{server}: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Mailer {
            inner: Arc::new(Inner {
                from: parse_from(from)?,
                timeout,
                way: Way::Smtp { transport, server },
                runtime,
            }),
        })
    }

    /// A mailer that writes each email to `outbox/<time>-<uuid>.eml` and logs one line.
    pub fn development(outbox: PathBuf, from: &str) -> Result<Mailer, MailError> {
        Ok(Mailer {
            inner: Arc::new(Inner {
                from: parse_from(from)?,
                timeout: DEFAULT_SMTP_TIMEOUT,
                way: Way::Development { outbox },
                runtime: current_runtime()?,
            }),
        })
    }

    pub fn is_development(&self) -> bool {
        matches!(self.inner.way, Way::Development { .. })
    }

    /// Where mail goes, for the start-up log and the admin page (no password).
    pub fn describe(&self) -> String {
        match &self.inner.way {
            Way::Smtp { server, .. } => format!("SMTP {server}"),
            Way::Development { outbox } => {
                format!("development mail (log + {})", outbox.display())
            }
        }
    }

    /// Sends now, or fails within the timeout. Returns the SMTP server's answer (e.g.
    /// `250 2.0.0 Ok: queued as 4F2A`) or, in development, where the file was written.
    /// A failure is logged here with its cause (never the body); callers need not log it.
    pub async fn send_now(&self, to: &str, email: &Email) -> Result<String, MailError> {
        self.send_rendered(to, email.kind(), &email.render()).await
    }

    /// Sends an already rendered email (the outbox stores rendered emails).
    pub async fn send_rendered(
        &self,
        to: &str,
        kind: &str,
        email: &Rendered,
    ) -> Result<String, MailError> {
        let started = Instant::now();
        let result = self.deliver(to, email).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(reply) => match &self.inner.way {
                Way::Smtp { .. } => {
                    tracing::info!(kind, elapsed_ms, reply = %reply, "email sent")
                }
                Way::Development { .. } => tracing::info!(
                    kind,
                    subject = %email.subject,
                    file = %reply,
                    "development email written (not sent): open the file to read it"
                ),
            },
            Err(e) => tracing::warn!(
                kind,
                elapsed_ms,
                via = %self.describe(),
                error = %e,
                "email not sent"
            ),
        }
        result
    }

    async fn deliver(&self, to: &str, email: &Rendered) -> Result<String, MailError> {
        let to: Address = to.trim().parse().map_err(|_| MailError::BadRecipient)?;
        // Our own Message-ID under the sender's domain: lettre's default names this
        // machine's host name, which says nothing useful to the recipient.
        let message_id = format!(
            "<{}@{}>",
            uuid::Uuid::new_v4().simple(),
            self.inner.from.email.domain()
        );
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(self.inner.from.clone())
            .to(Mailbox::new(None, to))
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))?;
        match &self.inner.way {
            Way::Smtp { transport, .. } => {
                let transport = transport.clone();
                let timeout = self.inner.timeout;
                let conversation = self.inner.runtime.spawn(async move {
                    tokio::time::timeout(timeout, transport.send(message)).await
                });
                match conversation.await {
                    Err(_) => Err(MailError::TaskEnded),
                    Ok(Err(_elapsed)) => Err(MailError::Timeout(timeout)),
                    Ok(Ok(Err(e))) => Err(MailError::Smtp(e)),
                    Ok(Ok(Ok(reply))) => Ok(format!(
                        "{} {}",
                        reply.code(),
                        reply.message().collect::<Vec<_>>().join(" ")
                    )
                    .trim_end()
                    .to_string()),
                }
            }
            Way::Development { outbox } => write_eml(outbox, &message.formatted()).await,
        }
    }
}

/// Writes the message atomically (a temporary name, then a rename), so whoever watches the
/// folder never reads half a message.
async fn write_eml(outbox: &std::path::Path, bytes: &[u8]) -> Result<String, MailError> {
    let name = format!(
        "{}-{}.eml",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        uuid::Uuid::new_v4().simple()
    );
    let path = outbox.join(&name);
    let tmp = outbox.join(format!(".{name}.tmp"));
    let io = |source| MailError::Outbox {
        path: path.clone(),
        source,
    };
    tokio::fs::create_dir_all(outbox).await.map_err(io)?;
    tokio::fs::write(&tmp, bytes).await.map_err(io)?;
    tokio::fs::rename(&tmp, &path).await.map_err(io)?;
    Ok(path.display().to_string())
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse().map_err(|_| {
        MailError::Config(format!(
            "S117_MAIL_FROM {from:?} is not an address such as \"S117 Register <no-reply@example.org>\""
        ))
    })
}

fn current_runtime() -> Result<tokio::runtime::Handle, MailError> {
    tokio::runtime::Handle::try_current()
        .map_err(|_| MailError::Config("the mailer must be built inside the Tokio runtime".into()))
}
