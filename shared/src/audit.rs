//! The audit log as the viewer sees it: one entry, the filters, the action names offered,
//! and the CSV cell rule every export follows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One audit entry, as read back (entries are never changed once written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user who acted, if a person did.
    pub actor_user_id: Option<i64>,
    /// The API client that acted, if a system did.
    pub actor_client_id: Option<String>,
    /// The actor's email or client name at the time (kept even if the account is renamed).
    pub actor_label: String,
    /// What happened, e.g. `record.viewed`, `admin.user_unlocked`.
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub record_id: Option<i64>,
    pub target_user_id: Option<i64>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// Facts about the action (never a password, PIN or token).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// Outcomes an entry can have, for the filter.
pub const OUTCOMES: [&str; 3] = ["success", "failure", "denied"];

/// The actions the viewer's filter offers, with what a person calls them. Other actions can
/// still be searched for by name through the API.
pub const ACTIONS: &[(&str, &str)] = &[
    ("record.viewed", "Viewed a record"),
    ("record.history_viewed", "Viewed a record's history"),
    ("records.searched", "Searched the register"),
    ("record.created", "Submitted a record"),
    ("record.updated", "Updated a record"),
    ("record.ended", "Ended an entitlement"),
    ("record.episode_opened", "Opened a new episode"),
    ("record.deleted", "Deleted a record"),
    ("auth.sign_in", "Signed in"),
    ("auth.sign_out", "Signed out"),
    ("auth.pin_sent", "Security code sent"),
    ("auth.password_changed", "Changed password"),
    ("auth.client_token", "API client token issued"),
    ("account.locked", "Account locked"),
    ("admin.user_created", "Created a user"),
    ("admin.user_updated", "Changed a user"),
    ("admin.user_disabled", "Disabled a user"),
    ("admin.user_enabled", "Re-enabled a user"),
    ("admin.user_unlocked", "Unlocked a user"),
    ("admin.password_reset", "Reset a password"),
    ("admin.sessions_ended", "Signed a user out"),
    ("admin.client_created", "Created an API client"),
    ("admin.client_rotated", "Rotated an API client secret"),
    ("admin.client_revoked", "Revoked an API client"),
    ("admin.test_email", "Sent a test email"),
    ("reference.value_added", "Added a drop-down value"),
    ("reference.value_renamed", "Renamed a drop-down value"),
    ("reference.value_retired", "Retired a drop-down value"),
    ("reference.value_reinstated", "Reinstated a drop-down value"),
    ("reference.value_deleted", "Deleted a drop-down value"),
    ("audit.exported", "Exported the audit log"),
];

/// What a person calls `action` (the action name itself when it is not in [`ACTIONS`]).
pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, l)| *l)
        .unwrap_or(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_action_has_a_unique_name() {
        let mut names: Vec<_> = ACTIONS.iter().map(|(a, _)| *a).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        assert_eq!(action_label("record.viewed"), "Viewed a record");
        assert_eq!(action_label("something.else"), "something.else");
    }
}
