//! The service's areas: one table drives the service navigation and the Home page's cards.
//!
//! A later issue adds its page by adding a row here (and its `<Route>` in `lib.rs`); a row
//! says who may see it ([`Access`]: a permission, any of several, any signed-in user, or
//! everyone), so each user sees only what they may use. Order
//! follows the fact sheet's menu: Home, Submit New Record, Manage Records, Reporting, Help and
//! Support, Administration, Logout. Only areas whose page exists are listed.

use s117_shared::permissions::{Permission, PermissionSet};

/// One area of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavEntry {
    /// The menu text, as in the fact sheet.
    pub label: &'static str,
    /// The route.
    pub path: &'static str,
    /// One sentence for the area's card on the Home page.
    pub summary: &'static str,
    /// Who sees the area.
    pub access: Access,
}

/// Who may see an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone, signed in or not (Help and Support).
    Everyone,
    /// Any signed-in user (Home, Logout).
    SignedIn,
    /// A signed-in user holding this permission.
    Permission(Permission),
    /// A signed-in user holding at least one of these (Administration).
    AnyOf(&'static [Permission]),
}

impl Access {
    /// Whether someone holding `permissions` may see the area; `None` for someone not signed
    /// in.
    pub fn allows(self, permissions: Option<&PermissionSet>) -> bool {
        match (self, permissions) {
            (Access::Everyone, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Permission(needed), Some(held)) => held.contains(needed),
            (Access::AnyOf(any), Some(held)) => any.iter().any(|p| held.contains(*p)),
        }
    }
}

/// Every area, in menu order.
pub const NAV: &[NavEntry] = &[
    NavEntry {
        label: "Home",
        path: "/",
        summary: "Start here to reach every area of the register.",
        access: Access::SignedIn,
    },
    NavEntry {
        label: "Submit New Record",
        path: "/records/new",
        summary: "Add a person entitled to section 117 aftercare to the register.",
        access: Access::Permission(Permission::RecordsCreate),
    },
    NavEntry {
        label: "Manage Records",
        path: "/records",
        summary: "Search for a record to view, update or end it.",
        access: Access::Permission(Permission::RecordsView),
    },
    NavEntry {
        label: "Reporting",
        path: "/reports",
        summary: "See the dashboard of active records and download reports.",
        access: Access::AnyOf(&[Permission::ReportsView, Permission::ReportsDownload]),
    },
    NavEntry {
        label: "Help and Support",
        path: "/help",
        summary: "Who to contact when you need help with the register.",
        access: Access::Everyone,
    },
    NavEntry {
        label: "Administration",
        path: "/admin",
        summary:
            "Manage user accounts, API clients, drop-down lists, the audit log and system status.",
        access: Access::AnyOf(&[
            Permission::AdminUsers,
            Permission::AdminClients,
            Permission::AdminReference,
            Permission::AuditView,
        ]),
    },
    NavEntry {
        label: "Logout",
        path: SIGN_OUT_PATH,
        summary: "Sign out of the register.",
        access: Access::SignedIn,
    },
];

/// The route that signs the user out (the menu's last entry, never a Home card).
pub const SIGN_OUT_PATH: &str = "/sign-out";

/// The areas a user holding `permissions` may see, in menu order (`None` for someone not
/// signed in).
pub fn visible(
    permissions: Option<&PermissionSet>,
) -> impl Iterator<Item = &'static NavEntry> + '_ {
    NAV.iter()
        .filter(move |entry| entry.access.allows(permissions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_comes_first_and_every_path_is_unique() {
        assert_eq!(NAV[0].path, "/");
        let mut paths: Vec<_> = NAV.iter().map(|entry| entry.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), NAV.len());
    }

    #[test]
    fn a_visitor_sees_only_help() {
        let labels: Vec<_> = visible(None).map(|entry| entry.label).collect();
        assert_eq!(labels, ["Help and Support"]);
    }

    #[test]
    fn a_user_without_permissions_sees_home_help_and_logout() {
        let labels: Vec<_> = visible(Some(&PermissionSet::new()))
            .map(|entry| entry.label)
            .collect();
        assert_eq!(labels, ["Home", "Help and Support", "Logout"]);
    }

    #[test]
    fn administration_needs_an_administration_permission() {
        for permission in [
            Permission::AdminUsers,
            Permission::AdminClients,
            Permission::AdminReference,
            Permission::AuditView,
        ] {
            let mut held = PermissionSet::new();
            held.insert(permission);
            assert!(visible(Some(&held)).any(|entry| entry.path == "/admin"));
        }
        let mut held = PermissionSet::new();
        held.insert(Permission::ReportsView);
        assert!(!visible(Some(&held)).any(|entry| entry.path == "/admin"));
    }
}
