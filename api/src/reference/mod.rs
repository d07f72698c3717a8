//! Reference lists: the drop-down values (local authorities, commissioners, ethnic
//! categories, genders, qualifying sections, places detained, GP practices).
//!
//! The bundled CSV files under `reference/` (public facts, with their provenance in
//! `reference/README.md`) are loaded on start: a code not yet in the table is added, and a
//! value already there is left alone, so an administrator's renames and retirements survive
//! upgrades. Records store codes; names are looked up here.

pub mod admin;
pub mod routes;
pub mod seed;
pub mod store;
