//! Builds the application: state (database, secrets, first admin), routes, listener, server.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{EndpointExt, Response, Route, get};

use crate::api::{api_service, system};
use crate::auth::jwt::JwtKeys;
use crate::auth::{bootstrap, password::Hasher};
use crate::config::Settings;
use crate::db::{self, Db, migrations};
use crate::error::JsonErrors;
use crate::metrics::{self, Metrics, MetricsGate, RecordMetrics, RouteLabels};
use crate::server::{self, ConnectionLimits};
use crate::state::AppState;
use crate::sysmon::SysMon;
use crate::web::{BodyLimit, BodyReadTimeout, SecurityHeaders, spa};

/// Creates the state dir (0700), migrates the database and performs first-start work.
pub fn prepare_state_dir(settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.state_dir();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create state_dir {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict permissions of {}", dir.display()))?;
    std::fs::create_dir_all(settings.uploads_dir())?;
    let mut conn = db::open(&settings.db_path())
        .with_context(|| format!("cannot open {}", settings.db_path().display()))?;
    match migrations::run(&mut conn, &dir.join("backups"))? {
        migrations::Outcome::UpToDate(v) => tracing::debug!(version = v, "schema up to date"),
        migrations::Outcome::Migrated { from, to, snapshot } => {
            tracing::info!(from, to, snapshot = ?snapshot, "schema migrated");
        }
    }
    bootstrap::ensure_admin(&conn, settings)?;
    db::catalog::seed_defaults(&conn)?;
    Ok(())
}

pub fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    prepare_state_dir(&settings)?;
    let secret = bootstrap::jwt_secret(&settings)?;
    let issuer = settings
        .public_url
        .clone()
        .unwrap_or_else(|| "loan-broker".into());
    let jwt = JwtKeys::new(&secret, issuer, i64::from(settings.token_ttl_minutes) * 60);
    let db = Db::open(&settings.db_path(), settings.db_pool_size)?;
    Ok(AppState {
        settings: Arc::new(settings),
        db,
        jwt: Arc::new(jwt),
        hasher: Hasher::default(),
        accounts: Arc::default(),
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
    let api = api_service(state.settings.public_url.as_deref());
    let labels = Arc::new(RouteLabels::from_spec(&api.spec(), &ROUTES_OUTSIDE_THE_API));
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
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
        .with(JsonErrors)
        .with(BodyLimit {
            body_limit: settings.max_body_bytes as usize,
            upload_limit: settings.max_upload_bytes as usize,
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
        let app = Arc::new(routes(self.state, self.metrics_token));
        server::serve(self.acceptor, app, limits, shutdown).await
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
