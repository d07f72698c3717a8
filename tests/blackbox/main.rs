//! Black-box tests: the real server on a free port, over HTTP. One module per capability.
//! Run against SQLite by default; set `S117_TEST_POSTGRES_URL` to run the same tests on
//! PostgreSQL (`.ci/run` does both).

mod support;

mod admin;
mod administration;
mod auth;
mod cli;
mod foundation;
mod imports;
mod mail;
mod openapi;
mod records;
mod reports;
