//! Sign-in, session and account DTOs (DESIGN.md §4, the HTTP contract).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::permissions::PermissionSet;

/// The PIN's length (digits).
pub const PIN_LENGTH: usize = 6;

/// How long before the idle timeout the SPA warns ("Stay signed in").
pub const IDLE_WARNING_SECONDS: i64 = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A started sign-in: a PIN has been emailed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginChallenge {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
    /// How long the emailed code lasts, for the page to say.
    pub pin_ttl_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct VerifyRequest {
    pub challenge_id: String,
    /// The 6-digit code; spaces are ignored.
    pub pin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResendRequest {
    pub challenge_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token itself expires (the session may end sooner when idle).
    pub expires_in: i64,
    pub must_change_password: bool,
}

/// OAuth 2.0 client-credentials token (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// Space-separated granted scopes.
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub permissions: PermissionSet,
    pub must_change_password: bool,
    pub idle_timeout_minutes: u32,
    pub session_expires_at: DateTime<Utc>,
}

/// The calling API client (machine tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientIdentity {
    pub client_id: String,
    pub name: String,
    pub scopes: PermissionSet,
}
