//! Builds the application: state (database, secrets, first admin), routes, listener, server.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{EndpointExt, Response, Route, get};

use crate::api::{api_service, system};
use crate::auth::cache::RevokedTokens;
use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::ClientThrottle;
use crate::auth::{bootstrap, password::Hasher};
use crate::config::Settings;
use crate::db::{self, Db, files, integrity, migrations};
use crate::error::JsonErrors;
use crate::metrics::{self, Metrics, MetricsGate, RecordMetrics, RouteLabels};
use crate::server::{self, ConnectionLimits};
use crate::spec::Contract;
use crate::state::AppState;
use crate::sysmon::SysMon;
use crate::web::{BodyLimit, BodyReadTimeout, SecurityHeaders, spa};

/// Creates the state dir (0700), opens (or, for a new instance only, creates) and checks the
/// database, migrates it and performs first-start work. Every failure names the path; a full
/// disk is said so.
pub fn prepare_state_dir(settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.state_dir();
    prepare(settings).map_err(|e| explain_start_failure(e, dir))
}

fn prepare(settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.state_dir();
    files::private_dir_all(dir)
        .with_context(|| format!("cannot create state_dir {} (0700)", dir.display()))?;
    let db_path = settings.db_path();
    let mut conn = integrity::open_for_start(&db_path, dir)?;
    let uploads = settings.uploads_dir();
    files::private_dir_all(&uploads)
        .with_context(|| format!("cannot create {}", uploads.display()))?;
    match migrations::run(&mut conn, &dir.join("backups"))
        .with_context(|| format!("cannot migrate {}", db_path.display()))?
    {
        migrations::Outcome::UpToDate(v) => tracing::debug!(version = v, "schema up to date"),
        migrations::Outcome::Migrated { from, to, snapshot } => {
            tracing::info!(from, to, snapshot = ?snapshot, "schema migrated");
        }
    }
    bootstrap::ensure_admin(&conn, settings)
        .with_context(|| format!("cannot create the first admin in {}", db_path.display()))?;
    db::catalog::seed_defaults(&conn)
        .with_context(|| format!("cannot seed {}", db_path.display()))?;
    Ok(())
}

/// Start-up errors from SQLite or the OS rarely say "disk full" ("disk I/O error: Error code
/// 4874"): add it when the state dir's filesystem has no room left.
fn explain_start_failure(err: anyhow::Error, dir: &Path) -> anyhow::Error {
    match db::files::full_disk_hint(dir) {
        Some(hint) => err.context(hint),
        None => err,
    }
}

pub fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    prepare_state_dir(&settings)?;
    let dir = settings.state_dir();
    let secret = bootstrap::jwt_secret(&settings).map_err(|e| explain_start_failure(e, dir))?;
    let issuer = settings
        .public_url
        .clone()
        .unwrap_or_else(|| "loan-broker".into());
    let jwt = JwtKeys::new(&secret, issuer, i64::from(settings.token_ttl_minutes) * 60);
    let db = Db::open(&settings.db_path(), settings.db_pool_size)
        .map_err(|e| explain_start_failure(e, dir))?;
    let revoked = RevokedTokens::load(&db::open(&settings.db_path())?)?;
    let login_clients = ClientThrottle::new(
        settings.login_client_max_failures,
        Duration::from_secs(u64::from(settings.lockout_minutes) * 60),
    );
    Ok(AppState {
        settings: Arc::new(settings),
        db,
        jwt: Arc::new(jwt),
        hasher: Hasher::default(),
        accounts: Arc::default(),
        revoked: Arc::new(revoked),
        login_clients: Arc::new(login_clients),
        model: Arc::default(),
        metrics: Arc::new(Metrics::default()),
        sysmon: Arc::new(SysMon::new()?),
        started: Instant::now(),
    })
}

/// Paths outside the OpenAPI document that get their own metrics label.
const ROUTES_OUTSIDE_THE_API: [&str; 3] = ["/health", "/metrics", "/api/openapi.json"];

/// `metrics_token`: see [`metrics::load_token`]; `None` switches `/metrics` off.
pub fn routes(state: AppState, metrics_token: Option<String>) -> BoxEndpoint<'static, Response> {
    let public_url = state.settings.public_url.as_deref();
    let api = api_service(public_url);
    // One document for the spec endpoint, Swagger UI, route labels and error explanations.
    let contract = Arc::new(Contract::new(&api, public_url));
    let labels = Arc::new(RouteLabels::from_spec(
        contract.value(),
        &ROUTES_OUTSIDE_THE_API,
    ));
    let spec = contract.spec_endpoint();
    let docs = contract.swagger_ui();
    let settings = state.settings.clone();
    Route::new()
        .at("/health", get(system::health))
        .at(
            "/metrics",
            get(system::prometheus).with(MetricsGate::new(metrics_token)),
        )
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .nest_no_strip("/api", api)
        .nest("/", spa(settings.static_dir()))
        .with(JsonErrors::new(contract, labels.clone()))
        .with(BodyLimit {
            body_limit: settings.max_body_bytes as usize,
            upload_limit: settings.max_upload_bytes as usize,
            document_limit: (settings.max_document_bytes as usize)
                .saturating_add(crate::web::MULTIPART_OVERHEAD),
        })
        .with(BodyReadTimeout(Duration::from_secs(u64::from(
            settings.body_read_timeout_secs,
        ))))
        .with(SecurityHeaders)
        .with(RecordMetrics {
            metrics: state.metrics.clone(),
            labels,
        })
        .data(state)
        .boxed()
}

/// A bound but not yet serving application: tests read the port before the first request.
pub struct Application {
    acceptor: TcpAcceptor,
    state: AppState,
    metrics_token: Option<String>,
}

impl Application {
    pub async fn bind(settings: Settings) -> anyhow::Result<Self> {
        let addr = SocketAddr::new(settings.bind_address, settings.port);
        let state = tokio::task::spawn_blocking(move || build_state(settings)).await??;
        let metrics_token = metrics::load_token(&state.settings)?;
        let acceptor = TcpListener::bind(addr)
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        Ok(Self {
            acceptor,
            state,
            metrics_token,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .expect("a TCP listener")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let limits = ConnectionLimits::from(&*self.state.settings);
        let digest = tokio::spawn(crate::app::digest::run(
            self.state.db.clone(),
            self.state.settings.clone(),
        ));
        let app = Arc::new(routes(self.state, self.metrics_token));
        let served = server::serve(self.acceptor, app, limits, shutdown).await;
        digest.abort();
        served
    }
}

/// Resolves on SIGTERM (systemd stop) or Ctrl-C.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => {},
        _ = tokio::signal::ctrl_c() => {},
    }
    tracing::info!("shutting down");
}
