//! # s117-api
//!
//! The S117 Register server. Request flow: route (HTTP only) → capability service (rules,
//! transactions, audit) → store (SQL). Plumbing: `config`, `db`, `error`, `http`, `clock`,
//! `telemetry`, `startup`, `openapi`; capabilities: `reference`, `health` (and, as they are
//! built, `auth`, `records`, `imports`, `reports`, `admin`, `audit`).

pub mod admin;
pub mod audit;
pub mod auth;
pub mod authn;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod health;
pub mod http;
pub mod imports;
pub mod mail;
pub mod openapi;
pub mod ratelimit;
pub mod records;
pub mod reference;
pub mod reports;
pub mod session_cache;
pub mod spa;
pub mod startup;
pub mod support;
pub mod telemetry;
pub mod tokens;
