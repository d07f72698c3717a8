//! The words of every email the register sends, as plain text and HTML from one source.
//!
//! Each message is written once as paragraphs of [`Seg`]ments; [`Email::render`] turns them
//! into a plain-text body and an HTML body. Interpolated values (names, addresses, codes,
//! links) are escaped in the HTML and stripped of control characters in both, so a user's
//! name can neither inject markup nor fake extra lines. Subjects are fixed text: they never
//! carry a name, a PIN or a password, because subjects are what the logs and mail servers'
//! logs show.

use std::fmt;

/// One email the register can send. Build it, then hand it to
/// [`Mailer::send_now`](super::Mailer::send_now) or, for the notifications that must not
/// be lost, to [`outbox::enqueue`](super::outbox::enqueue).
#[derive(Clone, PartialEq, Eq)]
pub enum Email {
    /// The sign-in security code (step 2 of sign-in). Never queued.
    Pin {
        name: String,
        pin: String,
        valid_minutes: u32,
    },
    /// A new account and its one-time password, which must be changed at first sign-in.
    AccountCreated {
        name: String,
        email: String,
        one_time_password: String,
        sign_in_url: String,
    },
    /// Too many wrong passwords: the account is locked until the helpdesk unlocks it.
    AccountLocked {
        name: String,
        helpdesk_email: String,
    },
    /// An administrator unlocked the account: the user may sign in again.
    AccountUnlocked { name: String, sign_in_url: String },
    /// An administrator reset the password; the one-time password must be changed at sign-in.
    PasswordReset {
        name: String,
        one_time_password: String,
        sign_in_url: String,
    },
    /// The password was changed (so the owner notices if it was not them).
    PasswordChanged {
        name: String,
        helpdesk_email: String,
    },
    /// The administrator's "send a test email".
    Test,
}

/// A rendered email: what goes on the wire (and into the outbox table).
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Debug never shows the bodies, which may hold a PIN or a one-time password.
impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("subject", &self.subject)
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .field("html", &format_args!("<{} bytes>", self.html.len()))
            .finish()
    }
}

/// Debug hides PINs and passwords, so an email logged by accident leaks nothing.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email::{}", self.kind())
    }
}

impl Email {
    /// A stable name for logs and the outbox's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Email::Pin { .. } => "pin",
            Email::AccountCreated { .. } => "account_created",
            Email::AccountLocked { .. } => "account_locked",
            Email::AccountUnlocked { .. } => "account_unlocked",
            Email::PasswordReset { .. } => "password_reset",
            Email::PasswordChanged { .. } => "password_changed",
            Email::Test => "test",
        }
    }

    /// True for the notifications that go through the outbox. Emails carrying a secret (a
    /// PIN, a one-time password) are never stored: they are sent now or not at all.
    pub fn may_be_queued(&self) -> bool {
        matches!(
            self,
            Email::AccountLocked { .. }
                | Email::AccountUnlocked { .. }
                | Email::PasswordChanged { .. }
        )
    }

    pub fn subject(&self) -> &'static str {
        match self {
            Email::Pin { .. } => "Your S117 Register security code",
            Email::AccountCreated { .. } => "Your S117 Register account has been created",
            Email::AccountLocked { .. } => "Your S117 Register account is locked",
            Email::AccountUnlocked { .. } => "Your S117 Register account has been unlocked",
            Email::PasswordReset { .. } => "Your S117 Register password has been reset",
            Email::PasswordChanged { .. } => "Your S117 Register password has been changed",
            Email::Test => "S117 Register test email",
        }
    }

    pub fn render(&self) -> Rendered {
        let paragraphs = self.paragraphs();
        let subject = self.subject().to_string();
        let text = paragraphs
            .iter()
            .map(|p| wrap(&words(p, false)))
            .collect::<Vec<_>>()
            .join("\n\n")
            + "\n";
        let body = paragraphs
            .iter()
            .map(|p| {
                let mut w = words(p, true);
                if let Some(first) = w.first_mut() {
                    first.insert_str(0, "<p>");
                }
                if let Some(last) = w.last_mut() {
                    last.push_str("</p>");
                }
                wrap(&w)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{}</title>\n</head>\n\
             <body style=\"font-family: Arial, sans-serif; color: #0b0c0c\">\n\
             {body}\n</body>\n</html>\n",
            escape_html(&subject)
        );
        Rendered {
            subject,
            text,
            html,
        }
    }

    fn paragraphs(&self) -> Vec<Vec<Seg<'_>>> {
        use Seg::{Code, Link, Own, Text, Value};
        fn hello(name: &str) -> Vec<Seg<'_>> {
            if clean(name).trim().is_empty() {
                vec![Text("Hello,")]
            } else {
                vec![Text("Hello "), Value(name), Text(",")]
            }
        }
        match self {
            Email::Pin {
                name,
                pin,
                valid_minutes,
            } => vec![
                hello(name),
                vec![
                    Text("Your S117 Register security code is "),
                    Code(pin),
                    Text(". It expires in "),
                    Own(minutes(*valid_minutes)),
                    Text("."),
                ],
                vec![Text(
                    "If you did not try to sign in, contact your helpdesk.",
                )],
            ],
            Email::AccountCreated {
                name,
                email,
                one_time_password,
                sign_in_url,
            } => vec![
                hello(name),
                vec![Text(
                    "An account has been created for you on the S117 Register.",
                )],
                vec![Text("Your email address: "), Value(email)],
                vec![Text("Your one-time password: "), Code(one_time_password)],
                vec![Text("Sign in at "), Link(sign_in_url)],
                vec![Text(
                    "You must change this password when you first sign in. \
                     We will also email you a security code each time you sign in.",
                )],
                vec![Text(
                    "If you were not expecting this email, contact your helpdesk.",
                )],
            ],
            Email::AccountLocked {
                name,
                helpdesk_email,
            } => vec![
                hello(name),
                vec![Text(
                    "Your S117 Register account has been locked because the wrong \
                     password was entered too many times.",
                )],
                vec![
                    Text("Only your helpdesk can unlock it. Contact "),
                    Value(helpdesk_email),
                    Text("."),
                ],
                vec![Text(
                    "If you did not try to sign in, tell your helpdesk: someone else \
                     may be trying to use your account.",
                )],
            ],
            Email::AccountUnlocked { name, sign_in_url } => vec![
                hello(name),
                vec![Text(
                    "Your helpdesk has unlocked your S117 Register account. You can sign in again.",
                )],
                vec![Text("Sign in at "), Link(sign_in_url)],
                vec![Text(
                    "If you have forgotten your password, ask your helpdesk to reset it.",
                )],
            ],
            Email::PasswordReset {
                name,
                one_time_password,
                sign_in_url,
            } => vec![
                hello(name),
                vec![Text(
                    "An administrator has reset your S117 Register password.",
                )],
                vec![Text("Your one-time password: "), Code(one_time_password)],
                vec![Text("Sign in at "), Link(sign_in_url)],
                vec![Text(
                    "You must choose a new password when you sign in.",
                )],
                vec![Text(
                    "If you did not ask for this, contact your helpdesk.",
                )],
            ],
            Email::PasswordChanged {
                name,
                helpdesk_email,
            } => vec![
                hello(name),
                vec![Text("Your S117 Register password has been changed.")],
                vec![
                    Text("If you did not change it, contact your helpdesk at once: "),
                    Value(helpdesk_email),
                    Text("."),
                ],
            ],
            Email::Test => vec![
                vec![Text("This is a test email from the S117 Register.")],
                vec![Text(
                    "If you can read it, the server can send email. You do not need to do anything.",
                )],
            ],
        }
    }
}

/// A piece of a paragraph. `Text` is our own wording; the others are interpolated values.
enum Seg<'a> {
    Text(&'a str),
    /// Our own wording, computed (e.g. "10 minutes").
    Own(String),
    /// A name, an address: escaped, never split.
    Value(&'a str),
    /// A code the reader types: shown in bold in HTML, never split.
    Code(&'a str),
    /// A URL: a link in HTML, never split. Put nothing right after it: a mail client may take
    /// a following full stop for part of the address.
    Link(&'a str),
}

fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".into()
    } else {
        format!("{n} minutes")
    }
}

/// Splits a paragraph into unbreakable words (plain text, or escaped HTML when `html`).
/// Spaces in our own text are break points; interpolated values never are.
fn words(paragraph: &[Seg<'_>], html: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for seg in paragraph {
        let wording = match seg {
            Seg::Text(t) => Some(*t),
            Seg::Own(t) => Some(t.as_str()),
            Seg::Value(_) | Seg::Code(_) | Seg::Link(_) => None,
        };
        if let Some(t) = wording {
            for ch in t.chars() {
                if ch == ' ' {
                    if !current.is_empty() {
                        out.push(std::mem::take(&mut current));
                    }
                } else if html {
                    current.push_str(&escape_html(&ch.to_string()));
                } else {
                    current.push(ch);
                }
            }
            continue;
        }
        match seg {
            Seg::Text(_) | Seg::Own(_) => {}
            Seg::Value(v) => {
                let v = clean(v);
                current.push_str(&if html { escape_html(&v) } else { v });
            }
            Seg::Code(v) => {
                let v = clean(v);
                if html {
                    current.push_str(&format!("<strong>{}</strong>", escape_html(&v)));
                } else {
                    current.push_str(&v);
                }
            }
            Seg::Link(v) => {
                let v = clean(v);
                if html {
                    let e = escape_html(&v);
                    current.push_str(&format!("<a href=\"{e}\">{e}</a>"));
                } else {
                    current.push_str(&v);
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Joins words into lines of at most 72 characters where it can (a longer word keeps its
/// own line), so short messages go out as readable 7-bit text rather than quoted-printable.
fn wrap(words: &[String]) -> String {
    const WIDTH: usize = 72;
    let mut out = String::new();
    let mut line_len = 0;
    for w in words {
        let len = w.chars().count();
        if line_len > 0 && line_len + 1 + len > WIDTH {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(w);
        line_len += len;
    }
    out
}

/// Control characters (newlines, tabs, NUL) in a value become spaces.
fn clean(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Email> {
        let name = "Ann <b>O'Neil</b> & \"Co\"".to_string();
        vec![
            Email::Pin {
                name: name.clone(),
                pin: "493817".into(),
                valid_minutes: 10,
            },
            Email::AccountCreated {
                name: name.clone(),
                email: "ann@example.org".into(),
                one_time_password: "Xy7#secret-otp".into(),
                sign_in_url: "https://s117.example.org/sign-in?a=1&b=2".into(),
            },
            Email::AccountLocked {
                name: name.clone(),
                helpdesk_email: "help@example.org".into(),
            },
            Email::AccountUnlocked {
                name: name.clone(),
                sign_in_url: "https://s117.example.org/sign-in".into(),
            },
            Email::PasswordReset {
                name: name.clone(),
                one_time_password: "Xy7#secret-otp".into(),
                sign_in_url: "https://s117.example.org/sign-in".into(),
            },
            Email::PasswordChanged {
                name,
                helpdesk_email: "help@example.org".into(),
            },
            Email::Test,
        ]
    }

    #[test]
    fn pin_email_says_the_code_and_how_long_it_lasts() {
        let r = Email::Pin {
            name: "Ann".into(),
            pin: "123456".into(),
            valid_minutes: 10,
        }
        .render();
        assert!(
            r.text
                .contains("Your S117 Register security code is 123456. It expires in 10 minutes."),
            "{}",
            r.text
        );
        assert!(r
            .text
            .contains("If you did not try to sign in, contact your helpdesk."));
        assert!(r.html.contains("<strong>123456</strong>"));
        let one = Email::Pin {
            name: "Ann".into(),
            pin: "123456".into(),
            valid_minutes: 1,
        }
        .render();
        assert!(one.text.contains("expires in 1 minute."), "{}", one.text);
    }

    #[test]
    fn every_interpolated_value_is_escaped_in_html() {
        for e in all() {
            let r = e.render();
            assert!(!r.html.contains("<b>"), "{:?}: {}", e, r.html);
            assert!(!r.html.contains("O'Neil"), "{:?}", e);
            if !matches!(e, Email::Test) {
                assert!(
                    r.html
                        .contains("Ann &lt;b&gt;O&#39;Neil&lt;/b&gt; &amp; &quot;Co&quot;"),
                    "{:?}: {}",
                    e,
                    r.html
                );
                assert!(r.text.contains("Ann <b>O'Neil</b> & \"Co\""), "{:?}", e);
            }
        }
        let created = all()[1].render();
        assert!(created.html.contains(
            "<a href=\"https://s117.example.org/sign-in?a=1&amp;b=2\">https://s117.example.org/sign-in?a=1&amp;b=2</a>"
        ), "{}", created.html);
        assert!(created.html.contains("<strong>Xy7#secret-otp</strong>"));
    }

    #[test]
    fn subjects_and_debug_never_carry_a_secret_or_a_name() {
        for e in all() {
            let r = e.render();
            for secret in ["493817", "secret-otp", "Ann"] {
                assert!(!r.subject.contains(secret), "{}", r.subject);
                assert!(!format!("{e:?}").contains(secret));
                assert!(!format!("{r:?}").contains(secret));
            }
        }
    }

    #[test]
    fn a_name_cannot_add_lines() {
        let r = Email::PasswordChanged {
            name: "Ann\r\nYour password is: hunter2".into(),
            helpdesk_email: "help@example.org".into(),
        }
        .render();
        assert!(
            r.text
                .starts_with("Hello Ann  Your password is: hunter2,\n"),
            "{}",
            r.text
        );
    }

    #[test]
    fn only_notifications_without_secrets_may_be_queued() {
        let queued: Vec<&str> = all()
            .iter()
            .filter(|e| e.may_be_queued())
            .map(|e| e.kind())
            .collect();
        assert_eq!(
            queued,
            ["account_locked", "account_unlocked", "password_changed"]
        );
    }

    #[test]
    fn short_ascii_bodies_stay_within_76_columns() {
        for e in all() {
            let r = e.render();
            for line in r.text.lines().chain(r.html.lines()) {
                let long_link = line.contains("https://");
                assert!(line.len() < 76 || long_link, "{:?}: {line:?}", e);
            }
        }
    }
}
