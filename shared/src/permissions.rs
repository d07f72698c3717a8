//! Permissions: the names the API checks, the JWT carries, the SPA uses to show or hide
//! actions, and administrators grant.
//!
//! The names (`records.view` …) are a contract (DESIGN.md §3): they are stored, put in tokens
//! and used as machine clients' scopes, so renaming one is a migration. Role presets are only
//! named sets that fill in the permission checkboxes; users hold permissions, not roles.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One thing a user or client may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    #[serde(rename = "records.view")]
    RecordsView,
    #[serde(rename = "records.create")]
    RecordsCreate,
    #[serde(rename = "records.edit")]
    RecordsEdit,
    #[serde(rename = "records.end")]
    RecordsEnd,
    #[serde(rename = "records.delete")]
    RecordsDelete,
    #[serde(rename = "records.import")]
    RecordsImport,
    #[serde(rename = "reports.view")]
    ReportsView,
    #[serde(rename = "reports.download")]
    ReportsDownload,
    #[serde(rename = "admin.users")]
    AdminUsers,
    #[serde(rename = "admin.reference")]
    AdminReference,
    #[serde(rename = "admin.clients")]
    AdminClients,
    #[serde(rename = "audit.view")]
    AuditView,
}

impl Permission {
    /// Every permission, in the order the admin screens list them.
    pub const ALL: [Permission; 12] = [
        Self::RecordsView,
        Self::RecordsCreate,
        Self::RecordsEdit,
        Self::RecordsEnd,
        Self::RecordsDelete,
        Self::RecordsImport,
        Self::ReportsView,
        Self::ReportsDownload,
        Self::AdminUsers,
        Self::AdminReference,
        Self::AdminClients,
        Self::AuditView,
    ];

    /// The stored name, e.g. `records.view`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecordsView => "records.view",
            Self::RecordsCreate => "records.create",
            Self::RecordsEdit => "records.edit",
            Self::RecordsEnd => "records.end",
            Self::RecordsDelete => "records.delete",
            Self::RecordsImport => "records.import",
            Self::ReportsView => "reports.view",
            Self::ReportsDownload => "reports.download",
            Self::AdminUsers => "admin.users",
            Self::AdminReference => "admin.reference",
            Self::AdminClients => "admin.clients",
            Self::AuditView => "audit.view",
        }
    }

    /// What an administrator reads beside the checkbox.
    pub fn label(self) -> &'static str {
        match self {
            Self::RecordsView => "Search and view records",
            Self::RecordsCreate => "Submit new records",
            Self::RecordsEdit => "Edit records",
            Self::RecordsEnd => "End entitlements",
            Self::RecordsDelete => "Delete records entered in error",
            Self::RecordsImport => "Upload records in a CSV file",
            Self::ReportsView => "View the reporting dashboard",
            Self::ReportsDownload => "Download reports",
            Self::AdminUsers => "Manage user accounts",
            Self::AdminReference => "Manage drop-down lists",
            Self::AdminClients => "Manage API clients",
            Self::AuditView => "View the audit log",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPermission(pub String);

impl fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown permission: {}", self.0)
    }
}

impl std::error::Error for UnknownPermission {}

impl FromStr for Permission {
    type Err = UnknownPermission;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

/// A set of permissions; on the wire, a JSON array of names in [`Permission::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every permission.
    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    pub fn contains(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// True when every permission of `other` is in this set (e.g. a client's scopes).
    pub fn contains_all(&self, other: &PermissionSet) -> bool {
        self.0.is_superset(&other.0)
    }

    pub fn insert(&mut self, permission: Permission) -> bool {
        self.0.insert(permission)
    }

    pub fn remove(&mut self, permission: Permission) -> bool {
        self.0.remove(&permission)
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The permissions in both sets (a token's scopes narrowed to what its owner holds).
    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        self.0.intersection(&other.0).copied().collect()
    }

    /// The names, space-separated: the OAuth `scope` form.
    pub fn to_scope_string(&self) -> String {
        self.iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses names separated by spaces or commas (an OAuth `scope`, a CSV cell).
    /// A list this server stored itself (space-separated); a name it no longer knows is
    /// dropped rather than failing the whole set.
    pub fn from_stored(s: &str) -> Self {
        s.split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    pub fn parse_list(s: &str) -> Result<Self, UnknownPermission> {
        s.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a PermissionSet {
    type Item = Permission;
    type IntoIter = std::iter::Copied<std::collections::btree_set::Iter<'a, Permission>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().copied()
    }
}

/// A named set of permissions offered when creating or editing a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RolePreset {
    Viewer,
    Caseworker,
    SeniorCaseworker,
    Reporting,
    Administrator,
}

impl RolePreset {
    pub const ALL: [RolePreset; 5] = [
        Self::Viewer,
        Self::Caseworker,
        Self::SeniorCaseworker,
        Self::Reporting,
        Self::Administrator,
    ];

    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let list: &[Permission] = match self {
            Self::Viewer => &[RecordsView],
            Self::Caseworker => &[RecordsView, RecordsCreate, RecordsEdit, RecordsEnd],
            Self::SeniorCaseworker => &[
                RecordsView,
                RecordsCreate,
                RecordsEdit,
                RecordsEnd,
                RecordsDelete,
                RecordsImport,
            ],
            Self::Reporting => &[RecordsView, ReportsView, ReportsDownload],
            Self::Administrator => &Permission::ALL,
        };
        list.iter().copied().collect()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Viewer => "Viewer",
            Self::Caseworker => "Caseworker",
            Self::SeniorCaseworker => "Senior caseworker",
            Self::Reporting => "Reporting",
            Self::Administrator => "Administrator",
        }
    }

    /// One line for the admin screen.
    pub fn description(self) -> &'static str {
        match self {
            Self::Viewer => "Can search and view records",
            Self::Caseworker => "Can submit, edit and end records",
            Self::SeniorCaseworker => {
                "Caseworker, and can upload CSV files and delete records entered in error"
            }
            Self::Reporting => "Can view records, the dashboard and download reports",
            Self::Administrator => {
                "Can do everything, including managing users, lists and API clients"
            }
        }
    }

    /// The preset whose permissions are exactly `set`, if any (to show "Custom" otherwise).
    pub fn matching(set: &PermissionSet) -> Option<RolePreset> {
        Self::ALL
            .into_iter()
            .find(|preset| preset.permissions() == *set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(p));
            assert_eq!(
                serde_json::to_string(&p).ok(),
                Some(format!("\"{}\"", p.as_str()))
            );
            assert!(!p.label().is_empty());
        }
        let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names.join(" "),
            "records.view records.create records.edit records.end records.delete records.import \
             reports.view reports.download admin.users admin.reference admin.clients audit.view"
        );
        assert_eq!(
            "records.fly".parse::<Permission>(),
            Err(UnknownPermission("records.fly".into()))
        );
    }

    #[test]
    fn set_is_a_json_array_of_names() {
        let set: PermissionSet = [Permission::ReportsView, Permission::RecordsView]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&set).ok().as_deref(),
            Some(r#"["records.view","reports.view"]"#)
        );
        let back: PermissionSet =
            serde_json::from_str(r#"["reports.view","records.view","records.view"]"#)
                .unwrap_or_default();
        assert_eq!(back, set);
        assert!(serde_json::from_str::<PermissionSet>(r#"["records.fly"]"#).is_err());
        assert!(set.contains(Permission::RecordsView) && !set.contains(Permission::AuditView));
        assert_eq!(set.iter().count(), 2);
        assert_eq!(set.to_scope_string(), "records.view reports.view");
        assert_eq!(
            PermissionSet::parse_list("reports.view, records.view"),
            Ok(set.clone())
        );
        assert!(PermissionSet::parse_list("reports.view nope").is_err());
        assert!(PermissionSet::all().contains_all(&set));
        assert_eq!(PermissionSet::all().intersection(&set), set);
    }

    #[test]
    fn presets_hold_the_documented_permissions() {
        use Permission::*;
        let set = |ps: &[Permission]| ps.iter().copied().collect::<PermissionSet>();
        assert_eq!(RolePreset::Viewer.permissions(), set(&[RecordsView]));
        assert_eq!(
            RolePreset::Caseworker.permissions(),
            set(&[RecordsView, RecordsCreate, RecordsEdit, RecordsEnd])
        );
        let mut senior = RolePreset::Caseworker.permissions();
        senior.insert(RecordsDelete);
        senior.insert(RecordsImport);
        assert_eq!(RolePreset::SeniorCaseworker.permissions(), senior);
        assert_eq!(
            RolePreset::Reporting.permissions(),
            set(&[RecordsView, ReportsView, ReportsDownload])
        );
        assert_eq!(
            RolePreset::Administrator.permissions(),
            PermissionSet::all()
        );
    }

    #[test]
    fn presets_match_exact_sets_only() {
        for preset in RolePreset::ALL {
            assert_eq!(RolePreset::matching(&preset.permissions()), Some(preset));
            assert!(!preset.label().is_empty() && !preset.description().is_empty());
        }
        let mut custom = RolePreset::Viewer.permissions();
        custom.insert(Permission::AuditView);
        assert_eq!(RolePreset::matching(&custom), None);
        assert_eq!(RolePreset::matching(&PermissionSet::new()), None);
        assert_eq!(
            serde_json::to_string(&RolePreset::SeniorCaseworker)
                .ok()
                .as_deref(),
            Some("\"senior_caseworker\"")
        );
    }
}
