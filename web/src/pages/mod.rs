//! The SPA's pages, one module per page (later: one folder per capability, mirroring
//! `api/src/`). A page owns its `<h1>`, its `<title>` (via `PageTitle`) and its API calls.

pub mod admin;
pub mod auth;
pub(crate) mod form;
mod help;
mod home;
mod not_found;
pub mod records;
pub mod reports;
mod service_problem;

pub use help::HelpAndSupport;
pub use home::Home;
pub use not_found::NotFound;
pub use service_problem::ServiceProblem;
