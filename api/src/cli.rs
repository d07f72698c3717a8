//! The `s117` command line. Every sub-command reads the same `S117_*` configuration.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::clock::SystemClock;
use crate::config::Config;
use crate::startup::{Application, BuildOptions};

#[derive(Debug, Parser)]
#[command(
    name = "s117",
    version,
    about = "S117 Register: the section 117 aftercare register server and its operator commands.",
    long_about = "S117 Register: the section 117 aftercare register server and its operator commands.\n\n\
Configuration comes from S117_* environment variables (see the README); a wrong value stops \
the command with one line naming the variable."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Apply pending database migrations and load reference data, then exit.
    Migrate,
    /// Create an administrator with a one-time password, sent by email (in development mail,
    /// written to data/outbox/). It must be changed at first sign-in.
    CreateAdmin {
        /// The administrator's email address (their sign-in name).
        #[arg(long)]
        email: String,
        /// Their name, as shown in the service.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Do nothing (and succeed) if any user exists already: for first-run scripts.
        #[arg(long)]
        if_none: bool,
    },
    /// Fill the database with synthetic people for demos and benchmarks (999-range NHS
    /// numbers, real reference codes; never real data).
    DemoData {
        /// How many people to add.
        #[arg(long, default_value_t = 1000)]
        records: u32,
        /// Random seed (the same seed gives the same people).
        #[arg(long, default_value_t = 117)]
        seed: u64,
    },
    /// Copy the SQLite database, consistently, while the server runs (PostgreSQL: use
    /// pg_dump; see the README). Restore by putting the copy in place of the database file.
    Backup {
        /// The new file to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Print the OpenAPI document, or write it to a file.
    Openapi {
        /// Write the document here instead of standard output.
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
    },
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("s117: {message}");
    ExitCode::from(1)
}

pub async fn run(cli: Cli) -> ExitCode {
    // The OpenAPI document needs no configuration (it is generated in CI and by developers).
    if let Some(Command::Openapi { write }) = &cli.command {
        let spec = crate::openapi::spec_json();
        return match write {
            Some(path) => match std::fs::write(path, spec) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(format!("cannot write {}: {e}", path.display())),
            },
            None => {
                print!("{spec}");
                ExitCode::SUCCESS
            }
        };
    }

    let config = match Config::from_process_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("s117: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_format);

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing::info!(config = %config.summary(), "starting");
            let listen = config.listen;
            let app =
                match Application::build(config, Arc::new(SystemClock), BuildOptions::default())
                    .await
                {
                    Ok(app) => app,
                    Err(e) => return fail(format!("{e:#}")),
                };
            tracing::info!(%listen, port = app.port(), "listening");
            match app.run_until_stopped().await {
                Ok(()) => {
                    tracing::info!("stopped");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Migrate => match crate::startup::prepare_database(&config).await {
            Ok(db) => {
                let level = db.migration_level().await.unwrap_or_default();
                println!("database is at migration {level}");
                db.close().await;
                ExitCode::SUCCESS
            }
            Err(e) => fail(format!("{e:#}")),
        },
        Command::CreateAdmin {
            email,
            name,
            if_none,
        } => create_admin(config, &email, &name, if_none).await,
        Command::DemoData { records, seed } => {
            match crate::startup::prepare_database(&config).await {
                Ok(db) => {
                    let started = std::time::Instant::now();
                    let result = crate::demo::fill(&db, records, seed).await;
                    db.close().await;
                    match result {
                        Ok(n) => {
                            println!(
                                "added {n} synthetic people in {:.1} s",
                                started.elapsed().as_secs_f64()
                            );
                            ExitCode::SUCCESS
                        }
                        Err(e) => fail(format!("{e:#}")),
                    }
                }
                Err(e) => fail(format!("{e:#}")),
            }
        }
        Command::Backup { to } => match crate::backup::run(&config, &to).await {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(format!("{e:#}")),
        },
        Command::Openapi { .. } => unreachable!("handled above"),
    }
}

async fn create_admin(config: Config, email: &str, name: &str, if_none: bool) -> ExitCode {
    let email = match s117_shared::email::EmailAddress::parse(email) {
        Ok(e) => e,
        Err(m) => return fail(format!("--email: {m}")),
    };
    let state = match crate::startup::AppState::new(config, Arc::new(SystemClock)).await {
        Ok(s) => s,
        Err(e) => return fail(format!("{e:#}")),
    };
    if if_none {
        match crate::admin::store::count_users(&state.db).await {
            Ok(n) if n > 0 => {
                println!("users exist already: no administrator created");
                return ExitCode::SUCCESS;
            }
            Ok(_) => {}
            Err(e) => return fail(e),
        }
    }
    let all = s117_shared::permissions::PermissionSet::all().to_scope_string();
    let meta = crate::authn::RequestMeta::default();
    let result =
        crate::admin::users::create_user(&state, None, &meta, email.as_str(), name.trim(), &all)
            .await;
    state.db.close().await;
    match result {
        Ok(user) => {
            if state.mailer.is_development() {
                println!(
                    "created administrator {} (id {}); development mail: the one-time password is in the newest file in {}",
                    user.email,
                    user.id,
                    state.config.data_dir.join("outbox").display()
                );
            } else {
                println!(
                    "created administrator {} (id {}); the one-time password was emailed",
                    user.email, user.id
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.problem().detail.unwrap_or_else(|| e.to_string())),
    }
}
