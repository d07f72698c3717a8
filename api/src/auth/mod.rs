//! Sign-in with password and emailed PIN, sessions, password changes, and OAuth 2.0 client
//! credentials for other council systems (DESIGN.md §4).
//!
//! What it guarantees, and where:
//! - no account enumeration: unknown email, wrong password, locked or disabled account all
//!   cost one argon2 verification and answer the same 401 (`service::login`);
//! - lockout counted in the database before the password is checked, so parallel attempts
//!   cannot get more than `S117_MAX_FAILED_LOGINS` evaluations (`store::claim_password_attempt`);
//! - PINs: random, keyed-hashed, single use, bound to their challenge, void after 5 wrong
//!   tries or a newer sign-in, and never queued: if the email cannot be sent now, sign-in
//!   answers 503 and leaves no usable challenge;
//! - sessions checked on every request (`crate::authn`).

pub mod hashing;
pub mod routes;
pub mod secrets;
pub mod service;
pub mod store;

/// Normalises an email address for matching: trimmed, lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
