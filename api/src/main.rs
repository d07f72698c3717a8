use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's malloc: SQLite's connection threads allocate every row's
/// values and the request threads free them, and glibc's per-thread arenas then serialise
/// those frees on the arena's lock (futex waits were a large share of a name search's CPU
/// time under load). mimalloc frees across threads without a shared lock.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    s117_api::cli::run(s117_api::cli::Cli::parse()).await
}
