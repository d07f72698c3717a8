//! Logging set-up: `tracing` to stderr, human-readable or JSON (`S117_LOG_FORMAT=json`),
//! filtered by `RUST_LOG` (default `info`). What is logged is decided where it is logged:
//! never a password, PIN, token, NHS number or name.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
