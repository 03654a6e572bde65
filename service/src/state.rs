//! What every request handler can reach.

use std::sync::Arc;
use std::time::Instant;

use crate::auth::cache::{AccountCache, RevokedTokens};
use crate::auth::jwt::JwtKeys;
use crate::auth::password::Hasher;
use crate::auth::throttle::ClientThrottle;
use crate::config::Settings;
use crate::db::Db;
use crate::db::catalog::ModelCache;
use crate::metrics::Metrics;
use crate::sysmon::SysMon;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub jwt: Arc<JwtKeys>,
    pub hasher: Hasher,
    pub accounts: Arc<AccountCache>,
    pub revoked: Arc<RevokedTokens>,
    pub login_clients: Arc<ClientThrottle>,
    pub model: Arc<ModelCache>,
    pub metrics: Arc<Metrics>,
    pub sysmon: Arc<SysMon>,
    pub started: Instant,
}
