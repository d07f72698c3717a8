//! Administration DTOs: user accounts and API clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::permissions::PermissionSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Locked,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Locked => "locked",
            UserStatus::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "locked" => Some(UserStatus::Locked),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Locked => "Locked",
            UserStatus::Disabled => "Disabled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: UserStatus,
    pub must_change_password: bool,
    pub permissions: PermissionSet,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub permissions: PermissionSet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UpdateUserRequest {
    pub name: String,
    #[serde(default)]
    pub permissions: PermissionSet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClient {
    pub client_id: String,
    pub name: String,
    pub scopes: PermissionSet,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CreateClientRequest {
    pub name: String,
    #[serde(default)]
    pub scopes: PermissionSet,
}

/// A client's secret, shown exactly once (on create and on rotate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientSecret {
    pub client: ApiClient,
    pub client_secret: String,
}

/// Permissions an API client may be given: records and reports, never administration.
pub fn client_may_hold(p: crate::permissions::Permission) -> bool {
    !matches!(
        p,
        crate::permissions::Permission::AdminUsers
            | crate::permissions::Permission::AdminReference
            | crate::permissions::Permission::AdminClients
            | crate::permissions::Permission::AuditView
    )
}
