//! The register itself: people, their entitlement episodes, search, and every change's
//! audit entry (DESIGN.md §3, §5).
//!
//! Rules come from `s117_shared::record` (the same functions the SPA runs); this module adds
//! what needs the database: duplicate detection (NHS number, source system ID, or normalised
//! names + date of birth), optimistic concurrency (`version`, sent as the ETag), episodes
//! (one open at most; a new qualifying detention ends the open one), and audit entries in the
//! same transaction as each change — a view or a search included.

pub mod refs;
pub mod routes;
pub mod service;
pub mod store;
