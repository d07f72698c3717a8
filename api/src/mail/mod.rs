//! Mail: the words of every email, the way out (SMTP or development mail), and the outbox.
//!
//! This module owns everything between "a user must be told" and "the SMTP server said 250":
//! - [`templates`]: the [`Email`]s the register sends, each as a fixed subject, a plain-text
//!   body and an HTML body with every interpolated value escaped;
//! - [`transport`]: the [`Mailer`], built once from `S117_SMTP_URL` (lettre over SMTP, plain,
//!   STARTTLS or TLS, with credentials) or, when that is unset, development mail: each email
//!   is written to `<data dir>/outbox/*.eml` and one line is logged;
//! - [`outbox`]: notifications written in the same transaction as the event they report and
//!   delivered by a background worker, with retries, after an outage or a restart.
//!
//! Two ways to send, chosen by what the email carries:
//! - **Now, or fail** ([`Mailer::send_now`]) for the PIN, and for the one-time passwords of
//!   a new account or a reset. A PIN is only useful for minutes and the user is waiting for
//!   it: queueing would deliver it late (after it expired) while the user, told "sent",
//!   waits in vain; and a queued PIN or password would sit in plain text in the database.
//!   Failing fast lets the caller say "we could not send the email, try again" at once.
//! - **Through the outbox** ([`outbox::enqueue`]) for "your account is locked" and "your
//!   password was changed": they carry no secret, must not be lost, and must only exist if
//!   the event was committed.
//!
//! What this module must never do: log a body, a PIN or a password (subjects are fixed text
//! for that reason; errors name the cause, not the content), or let one slow SMTP server hold
//! a request longer than the send timeout.

pub mod outbox;
pub mod templates;
pub mod transport;

pub use templates::{Email, Rendered};
pub use transport::{MailError, Mailer, DEFAULT_SMTP_TIMEOUT};

use crate::config::Config;

/// Where a user signs in, for links in emails: `S117_PUBLIC_URL` when set, otherwise the
/// address the server listens on.
pub fn sign_in_url(config: &Config) -> String {
    let base = match &config.public_url {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => format!("http://{}", config.listen),
    };
    format!("{base}/sign-in")
}
