//! # s117-shared
//!
//! Everything the API and the SPA must agree on, compiled into both: the JSON shapes (DTOs),
//! the domain rules and their user-facing messages, permission names and age bands.
//!
//! This crate never does I/O (no files, no network, no clock: callers pass `today`), so it
//! builds unchanged for native and `wasm32-unknown-unknown`. A rule lives here once; the API
//! answers 422 with exactly the message the browser shows beside the field.

pub mod admin;
pub mod age;
pub mod audit;
pub mod auth;
pub mod dates;
pub mod email;
pub mod import;
pub mod names;
pub mod nhs_number;
pub mod page;
pub mod password;
pub mod permissions;
pub mod postcode;
pub mod problem;
pub mod record;
pub mod record_view;
pub mod reference;
pub mod report;
pub mod spreadsheet;
pub mod system;
pub mod validation;

#[cfg(feature = "openapi")]
pub use utoipa;
