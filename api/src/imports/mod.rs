//! CSV bulk upload (DESIGN.md §3 and §5): the template, check mode (every row classified,
//! nothing written to the register), the report, and processing once.
//!
//! Reading the file ([`read`]: encodings, separators, Excel row numbers) is this module's
//! own; the rules, duplicate matching and audited writes are the records capability's,
//! called here rather than written again.

pub mod read;
pub mod routes;
pub mod service;
pub mod store;
pub mod template;
