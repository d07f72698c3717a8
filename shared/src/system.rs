//! Liveness and readiness bodies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthStatus {
    /// `ok` when the process is up (`/health`) or the database answers (`/ready`).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Who to contact for help (Help and Support page), set by the operator
/// (`S117_SUPPORT_TEXT`, `S117_HELPDESK_EMAIL`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportContact {
    /// The first-line support sentence.
    pub support_text: String,
    /// The helpdesk's email address (unlocks, new accounts, upload permission).
    pub helpdesk_email: String,
}

/// The administrator's system status page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemStatus {
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The newest migration applied, and the newest this version knows.
    pub migration_level: i64,
    pub latest_migration: i64,
    /// `smtp` or `development`.
    pub mail_mode: String,
    /// Where mail goes, without any password.
    pub mail_destination: String,
    pub counts: SystemCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemCounts {
    pub active_records: i64,
    pub ended_records: i64,
    pub active_users: i64,
    pub locked_users: i64,
    pub disabled_users: i64,
    pub active_api_clients: i64,
    pub audit_entries: i64,
    pub mail_waiting: i64,
}

/// Where to send a test email (the administrator's own address when empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TestEmailRequest {
    pub to: String,
}

/// What happened to a test email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEmailResult {
    pub to: String,
    pub sent: bool,
    /// The SMTP server's answer (or, in development, where the email was written), or why
    /// it could not be sent.
    pub answer: String,
}
