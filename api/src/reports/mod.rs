//! Reporting (DESIGN.md §5, fact sheet "Reporting"): the dashboard of active entitlements
//! and the filtered report downloads (CSV and XLSX, streamed, every download audited).
//!
//! Rules (filters, age bands, gender groups, commissioner successors, "out of county") come
//! from `s117_shared::report`; this module turns them into SQL aggregates and streams.

pub mod export;
pub mod routes;
pub mod service;
pub mod store;
