use std::process::ExitCode;

use clap::Parser;

#[actix_web::main]
async fn main() -> ExitCode {
    s117_api::cli::run(s117_api::cli::Cli::parse()).await
}
