//! Building the application: database, migrations, reference data, routes, server.
//! `main` and the black-box tests both use [`Application::build`], so tests exercise exactly
//! what runs in production (on a free port, with an injected clock).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::hashing::Hasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::error::{self, ApiError};
use crate::mail::Mailer;
use crate::ratelimit::Limits;
use crate::tokens::Keys;
use crate::{admin, auth, health, http, openapi, reference, spa};

/// What every handler can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub limits: Limits,
    /// Group commit for the audit entries of searches (audit/batch.rs).
    pub audit: crate::audit::batch::AuditWriter,
    /// Sessions read in the last second (session_cache.rs).
    pub sessions: Arc<crate::session_cache::SessionCache>,
    /// The reference lists records share (records/refs.rs).
    pub refs: Arc<crate::records::refs::RefCache>,
}

impl AppState {
    /// Everything but the HTTP server: also what the CLI's commands use.
    pub async fn new(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
        let db = prepare_database(&config).await?;
        let secret = jwt_secret(&config)?;
        let mailer =
            Mailer::from_config(&config, config.smtp_timeout).context("cannot set up mail")?;
        let hasher_permits = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(2);
        Ok(AppState {
            keys: Keys::new(&secret),
            hasher: Hasher::new(hasher_permits),
            limits: Limits::from_config(&config),
            audit: crate::audit::batch::AuditWriter::spawn(
                db.clone(),
                config.audit_queue_move_every,
            )
            .await
            .context("cannot open the audit queue")?,
            sessions: Default::default(),
            refs: Default::default(),
            mailer,
            config: Arc::new(config),
            db,
            clock,
        })
    }
}

/// `S117_JWT_SECRET`, or in development a secret generated once and kept in the data folder
/// (so sessions survive a restart). Production refuses to start without one (config.rs).
fn jwt_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &config.jwt_secret {
        return Ok(s.clone());
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if existing.trim().len() >= 64 {
            return Ok(existing.trim().as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let secret = crate::auth::secrets::id() + &crate::auth::secrets::id();
    std::fs::write(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    tracing::info!(path = %path.display(), "generated a development JWT secret");
    Ok(secret.into_bytes())
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    audit: crate::audit::batch::AuditWriter,
    outbox_worker: tokio::task::JoinHandle<()>,
}

/// Options that only tests and the CLI's sub-commands change.
#[derive(Clone, Copy)]
pub struct BuildOptions {
    /// Install SIGTERM/SIGINT handlers (graceful shutdown). Off for in-process tests.
    pub handle_signals: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            handle_signals: true,
        }
    }
}

/// Opens the database and brings its schema and reference data up to date.
pub async fn prepare_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config).await.with_context(|| {
        format!(
            "cannot open the database {}",
            crate::config::redact_url(&config.database_url)
        )
    })?;
    db.migrate()
        .await
        .context("cannot apply database migrations")?;
    reference::seed::load(&db)
        .await
        .context("cannot load reference data")?;
    Ok(db)
}

impl Application {
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
        options: BuildOptions,
    ) -> anyhow::Result<Application> {
        let listen = config.listen;
        let workers = config.workers;
        let state = AppState::new(config, clock).await?;
        // Bound only once everything else is ready: a connection accepted means served.
        let listener =
            TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
        let port = listener.local_addr()?.port();
        let db = state.db.clone();
        let audit = state.audit.clone();
        let outbox_worker = crate::mail::outbox::spawn_outbox_worker(
            db.clone(),
            state.mailer.clone(),
            state.clock.clone(),
            std::time::Duration::from_secs(2),
        );
        let state = web::Data::new(state);
        let spec = openapi::ApiDoc::openapi();
        let mut server = HttpServer::new(move || {
            let config = &state.config;
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(config.max_json_bytes)
                        .content_type_required(true)
                        .error_handler(error::json_error_handler),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                .app_data(
                    web::FormConfig::default()
                        .limit(16 * 1024)
                        .error_handler(error::form_error_handler),
                )
                .app_data(web::PayloadConfig::default().limit(config.max_upload_bytes))
                .wrap(from_fn(http::edge))
                .configure(health::configure)
                .service(web::redirect("/api/docs", "/api/docs/"))
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", spec.clone()))
                .service(
                    web::scope("/api/v1")
                        .configure(reference::routes::configure)
                        .configure(auth::routes::configure)
                        .configure(admin::configure)
                        .configure(crate::records::routes::configure)
                        .configure(reference::admin::configure)
                        .configure(crate::audit::routes::configure)
                        .configure(crate::support::configure)
                        .configure(crate::reports::routes::configure)
                        .configure(crate::imports::routes::configure)
                        .default_service(web::to(api_not_found)),
                )
                .service(web::scope("/api").default_service(web::to(api_not_found)))
                .default_service(web::to(spa::spa))
        })
        .listen(listener)?
        .workers(workers)
        .shutdown_timeout(10);
        if !options.handle_signals {
            server = server.disable_signals();
        }
        Ok(Application {
            port,
            server: server.run(),
            db,
            audit,
            outbox_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM/SIGINT: in-flight requests finish, up to 10 s), then
    /// moves queued audit entries into the log (SQLite; else the next start does) and
    /// closes the database pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.outbox_worker.abort();
        if let Err(e) = self.audit.flush().await {
            tracing::warn!(error = %e, "queued audit entries left for the next start");
        }
        self.db.close().await;
        result
    }
}

async fn api_not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(
        "There is nothing at this address. The API is described at /api/openapi.json.",
    ))
}
