//! Configuration: every setting declared once, with its `S117_*` variable, default and check.
//!
//! `Config::from_env` reads the environment through a lookup function (tests pass a map) and
//! stops at the first bad value with a [`ConfigError`] that names the variable in one line;
//! `main` prints that line and exits 2, never a panic trace. `Config::summary` is what the
//! server logs at start, with secrets redacted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The partnership's home authorities when `S117_HOME_LA_CODES` is unset:
/// Staffordshire (county) and Stoke-on-Trent (unitary).
pub const DEFAULT_HOME_LA_CODES: &[&str] = &["E10000028", "E06000021"];
/// Staffordshire and Stoke-on-Trent ICB and its six sub-ICB locations (the former CCGs).
pub const DEFAULT_HOME_COMMISSIONER_CODES: &[&str] = &[
    "icb:QNC",
    "sicbl:04Y",
    "sicbl:05D",
    "sicbl:05G",
    "sicbl:05Q",
    "sicbl:05V",
    "sicbl:05W",
    "ccg:04Y",
    "ccg:05D",
    "ccg:05G",
    "ccg:05Q",
    "ccg:05V",
    "ccg:05W",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub environment: Environment,
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub web_dir: PathBuf,
    pub public_url: Option<url::Url>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// `None` in development until the server generates one in the data folder.
    pub jwt_secret: Option<Vec<u8>>,
    pub pin_ttl_minutes: u32,
    pub idle_timeout_minutes: u32,
    pub session_max_hours: u32,
    pub max_failed_logins: u32,
    pub home_la_codes: Vec<String>,
    pub home_commissioner_codes: Vec<String>,
    pub helpdesk_email: String,
    pub support_text: String,
    pub log_format: LogFormat,
    pub workers: usize,
    pub db_max_connections: u32,
    pub db_acquire_timeout: Duration,
    /// On SQLite, how often searches' audit entries move from the queue file into the log
    /// (audit/queue.rs).
    pub audit_queue_move_every: Duration,
    /// Sign-in attempts allowed per IP address, and per account, in 10 minutes.
    pub login_limit_per_ip: u32,
    pub login_limit_per_account: u32,
    /// Security-code emails per account in 10 minutes (the sign-in's own plus "send a new code").
    pub pin_email_limit: u32,
    /// How long an SMTP conversation may take before sending fails (PIN mail fails fast).
    pub smtp_timeout: Duration,
    /// Largest JSON body accepted.
    pub max_json_bytes: usize,
    /// Largest CSV upload accepted.
    pub max_upload_bytes: usize,
}

/// A bad setting: the variable and what is wrong, printed as one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_process_env() -> Result<Config, ConfigError> {
        Self::from_env(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get` (a variable name → its value, if set and not empty).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let environment = match get("S117_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(err(
                    "S117_ENV",
                    format!("must be \"development\" or \"production\", not {other:?}"),
                ))
            }
        };
        let listen = match get("S117_LISTEN") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.parse().map_err(|_| {
                err(
                    "S117_LISTEN",
                    format!("must be an address and port such as 127.0.0.1:8080, not {v:?}"),
                )
            })?,
        };
        let data_dir = PathBuf::from(get("S117_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("S117_DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("s117.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(err(
                "S117_DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }
        let web_dir = PathBuf::from(get("S117_WEB_DIR").unwrap_or_else(|| "web/dist".into()));
        let public_url = match get("S117_PUBLIC_URL") {
            None => None,
            Some(v) => {
                let u = url::Url::parse(&v).map_err(|_| {
                    err(
                        "S117_PUBLIC_URL",
                        format!("must be an absolute URL, not {v:?}"),
                    )
                })?;
                if u.scheme() != "http" && u.scheme() != "https" {
                    return Err(err("S117_PUBLIC_URL", "must be an http:// or https:// URL"));
                }
                Some(u)
            }
        };
        let smtp_url = get("S117_SMTP_URL");
        if let Some(u) = &smtp_url {
            let parsed = url::Url::parse(u).map_err(|_| {
                err(
                    "S117_SMTP_URL",
                    "must be a URL such as smtp://127.0.0.1:2525",
                )
            })?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(err("S117_SMTP_URL", "must start with smtp:// or smtps://"));
            }
        }
        let mail_from = get("S117_MAIL_FROM")
            .unwrap_or_else(|| "S117 Register <no-reply@s117-register.invalid>".into());
        let jwt_secret = match get("S117_JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err(err(
                    "S117_JWT_SECRET",
                    "must be at least 32 bytes (256 bits) of random data",
                ))
            }
            Some(s) => Some(s.into_bytes()),
            None if environment == Environment::Production => {
                return Err(err(
                    "S117_JWT_SECRET",
                    "is required when S117_ENV=production",
                ))
            }
            None => None,
        };
        let number =
            |var: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(var) {
                    None => Ok(default),
                    Some(v) => match v.parse::<u64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(n),
                        _ => Err(err(
                            var,
                            format!("must be a whole number from {min} to {max}, not {v:?}"),
                        )),
                    },
                }
            };
        let codes = |var: &'static str, default: &[&str]| -> Vec<String> {
            match get(var) {
                None => default.iter().map(|s| s.to_string()).collect(),
                Some(v) => v
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            }
        };
        let log_format = match get("S117_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err(
                    "S117_LOG_FORMAT",
                    format!("must be \"text\" or \"json\", not {other:?}"),
                ))
            }
        };
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2) as u64;
        Ok(Config {
            environment,
            listen,
            database_url,
            data_dir,
            web_dir,
            public_url,
            smtp_url,
            mail_from,
            jwt_secret,
            pin_ttl_minutes: number("S117_PIN_TTL_MINUTES", 10, 1, 30)? as u32,
            idle_timeout_minutes: number("S117_IDLE_TIMEOUT_MINUTES", 15, 1, 30)? as u32,
            session_max_hours: number("S117_SESSION_MAX_HOURS", 8, 1, 24)? as u32,
            max_failed_logins: number("S117_MAX_FAILED_LOGINS", 5, 3, 10)? as u32,
            home_la_codes: codes("S117_HOME_LA_CODES", DEFAULT_HOME_LA_CODES),
            home_commissioner_codes: codes(
                "S117_HOME_COMMISSIONER_CODES",
                DEFAULT_HOME_COMMISSIONER_CODES,
            ),
            helpdesk_email: get("S117_HELPDESK_EMAIL")
                .unwrap_or_else(|| "caresystemshelpdesk@staffordshire.gov.uk".into()),
            support_text: get("S117_SUPPORT_TEXT").unwrap_or_else(|| {
                "For help and support please speak to your local first line support team.".into()
            }),
            log_format,
            workers: number("S117_WORKERS", default_workers, 1, 64)? as usize,
            db_max_connections: number("S117_DB_MAX_CONNECTIONS", 16, 1, 200)? as u32,
            db_acquire_timeout: Duration::from_secs(number(
                "S117_DB_ACQUIRE_TIMEOUT_SECONDS",
                5,
                1,
                60,
            )?),
            audit_queue_move_every: Duration::from_millis(number(
                "S117_AUDIT_QUEUE_MOVE_MS",
                1000,
                10,
                3_600_000,
            )?),
            login_limit_per_ip: number("S117_LOGIN_LIMIT_PER_IP", 30, 1, 100_000)? as u32,
            login_limit_per_account: number("S117_LOGIN_LIMIT_PER_ACCOUNT", 10, 1, 100_000)? as u32,
            pin_email_limit: number("S117_PIN_EMAIL_LIMIT", 4, 2, 100_000)? as u32,
            smtp_timeout: Duration::from_secs(number("S117_SMTP_TIMEOUT_SECONDS", 8, 1, 9)?),
            max_json_bytes: number("S117_MAX_JSON_KB", 256, 16, 10_240)? as usize * 1024,
            max_upload_bytes: number("S117_MAX_UPLOAD_MB", 20, 1, 200)? as usize * 1024 * 1024,
        })
    }

    pub fn is_development(&self) -> bool {
        self.environment == Environment::Development
    }

    /// Strict-Transport-Security is only meaningful (and only safe) when users reach the
    /// service over TLS, which the operator tells us through an https public URL.
    pub fn behind_tls(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The database kind, for logs and the status page.
    pub fn database_kind(&self) -> &'static str {
        if self.database_url.starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgres"
        }
    }

    /// One line per setting for the start-up log; never a secret or a password.
    pub fn summary(&self) -> String {
        let db = redact_url(&self.database_url);
        let smtp = self
            .smtp_url
            .as_deref()
            .map(redact_url)
            .unwrap_or_else(|| "development mail (log + outbox)".into());
        format!(
            "env={:?} listen={} database={} smtp={} web_dir={} pin_ttl={}m idle_timeout={}m session_max={}h max_failed_logins={} home_la={:?} home_commissioners={:?} workers={}",
            self.environment, self.listen, db, smtp, self.web_dir.display(), self.pin_ttl_minutes,
            self.idle_timeout_minutes, self.session_max_hours, self.max_failed_logins, self.home_la_codes,
            self.home_commissioner_codes, self.workers
        )
    }
}

/// Debug shows the redacted summary: a `Config` printed by accident never leaks a secret.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Config {{ {} }}", self.summary())
    }
}

/// Hides the password part of a URL (`postgres://u:secret@h/db` → `postgres://u:***@h/db`).
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_env(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_development_sqlite_on_8080() {
        let c = with(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/s117.db");
        assert_eq!(c.pin_ttl_minutes, 10);
        assert_eq!(c.idle_timeout_minutes, 15);
        assert!(c.is_development());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let e = with(&[("S117_PIN_TTL_MINUTES", "45")]).unwrap_err();
        assert_eq!(e.var, "S117_PIN_TTL_MINUTES");
        assert!(e
            .to_string()
            .starts_with("S117_PIN_TTL_MINUTES: must be a whole number from 1 to 30"));
        assert_eq!(
            with(&[("S117_IDLE_TIMEOUT_MINUTES", "abc")])
                .unwrap_err()
                .var,
            "S117_IDLE_TIMEOUT_MINUTES"
        );
        assert_eq!(
            with(&[("S117_LISTEN", "nowhere")]).unwrap_err().var,
            "S117_LISTEN"
        );
        assert_eq!(
            with(&[("S117_DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "S117_DATABASE_URL"
        );
        assert_eq!(
            with(&[("S117_SMTP_URL", "http://x")]).unwrap_err().var,
            "S117_SMTP_URL"
        );
    }

    #[test]
    fn short_jwt_secret_is_refused_and_production_requires_one() {
        assert_eq!(
            with(&[("S117_JWT_SECRET", "short")]).unwrap_err().var,
            "S117_JWT_SECRET"
        );
        assert_eq!(
            with(&[("S117_ENV", "production")]).unwrap_err().var,
            "S117_JWT_SECRET"
        );
        let ok = with(&[
            ("S117_ENV", "production"),
            ("S117_JWT_SECRET", &"x".repeat(32)),
        ])
        .unwrap();
        assert!(!ok.is_development());
    }

    #[test]
    fn summary_never_shows_passwords() {
        let c = with(&[
            ("S117_DATABASE_URL", "postgres://u:hunter2@db/s117"),
            ("S117_SMTP_URL", "smtps://m:pw@mail:465"),
        ])
        .unwrap();
        let s = c.summary();
        assert!(!s.contains("hunter2") && !s.contains(":pw@"), "{s}");
    }
}
