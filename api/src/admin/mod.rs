//! Administration: user accounts and API clients (reference lists and the audit log viewer
//! live with their own capabilities). Every action needs its `admin.*` permission and is
//! audited in the same transaction as the change.

pub mod clients;
pub mod store;
pub mod system;
pub mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    users::configure(cfg);
    clients::configure(cfg);
    system::configure(cfg);
}
