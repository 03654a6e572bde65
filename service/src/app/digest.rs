//! The daily digest (每日跟进提醒): each user's overdue and today's follow-ups, sent once a business
//! day through the instance's chat robot (企业微信 / 钉钉 / 飞书, the monitor's webhook formats).
//!
//! A timer checks every few minutes; from the configured hour on, each enabled user whose digest
//! has not gone out today gets one (nothing due: nothing sent). The day is marked per user only
//! after the robot accepted the message, so a failed delivery is retried at the next check and a
//! restart never sends twice.

use std::sync::Arc;
use std::time::Duration;

use chrono::Timelike;
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{Error, Result};
use crate::config::Settings;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::follow_ups::{self, FollowUp};
use crate::db::{Db, UnitOfWork, settings_kv, users};
use crate::domain::follow_ups::{DigestLine, DueWindow, digest_text};
use crate::domain::ids::UserId;
use crate::domain::timestamp::{Timestamp, business_zone};
use crate::domain::vocab::AuditAction;
use crate::monitor::{WebhookFormat, deliver, webhook_client};

const KEY: &str = "follow_up_digest";
const MAX_URL_CHARS: usize = 500;

/// As stored (the URL never leaves the server again once saved).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Stored {
    enabled: bool,
    hour: u8,
    #[serde(default)]
    muted_user_ids: Vec<UserId>,
    #[serde(default)]
    webhook_url: Option<String>,
    webhook_format: WebhookFormat,
}

impl Default for Stored {
    fn default() -> Self {
        Self {
            enabled: false,
            hour: 8,
            muted_user_ids: vec![],
            webhook_url: None,
            webhook_format: WebhookFormat::Wecom,
        }
    }
}

/// The digest settings as the API shows them: the robot's address only as its host.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct DigestSettings {
    pub enabled: bool,
    /// Hour of the day (UTC+8, 0–23) from which the day's digest goes out.
    pub hour: u8,
    /// Users who do not receive the digest.
    pub muted_user_ids: Vec<UserId>,
    pub webhook_format: WebhookFormat,
    /// Whether a robot address is saved.
    pub webhook_set: bool,
    /// The saved address' host, e.g. `qyapi.weixin.qq.com` (the key in it is never shown).
    #[oai(nullable)]
    pub webhook_host: Option<String>,
}

/// A change of the digest settings; an absent field keeps its value.
#[derive(Object, Debug, Clone, Default)]
pub struct DigestSettingsInput {
    pub enabled: Option<bool>,
    pub hour: Option<u8>,
    pub muted_user_ids: Option<Vec<UserId>>,
    pub webhook_format: Option<WebhookFormat>,
    /// The robot's webhook address (https); `null` removes it.
    #[oai(nullable)]
    pub webhook_url: MaybeUndefined<String>,
}

fn host_of(url: &str) -> Option<String> {
    url.split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or("").to_string())
        .filter(|h| !h.is_empty())
}

impl From<&Stored> for DigestSettings {
    fn from(s: &Stored) -> Self {
        Self {
            enabled: s.enabled,
            hour: s.hour,
            muted_user_ids: s.muted_user_ids.clone(),
            webhook_format: s.webhook_format,
            webhook_set: s.webhook_url.is_some(),
            webhook_host: s.webhook_url.as_deref().and_then(host_of),
        }
    }
}

fn stored(conn: &Connection) -> Result<Stored> {
    match settings_kv::get(conn, KEY)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::internal(format!("stored {KEY} does not decode: {e}"))),
        None => Ok(Stored::default()),
    }
}

pub async fn settings(db: &Db) -> Result<DigestSettings> {
    db.read(|c| Ok(DigestSettings::from(&stored(c)?))).await
}

fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok
        || host_of(url).is_none()
        || url.chars().count() > MAX_URL_CHARS
        || url.chars().any(char::is_whitespace)
    {
        return Err(Error::validation(
            "webhook_url",
            format!(
                "机器人地址 webhook_url 应为 http(s):// 开头、不含空格、最多 {MAX_URL_CHARS} 个字符的网址"
            ),
        ));
    }
    Ok(url.to_string())
}

pub async fn put_settings(
    db: &Db,
    actor: Actor,
    input: DigestSettingsInput,
) -> Result<DigestSettings> {
    if input.hour.is_some_and(|h| h > 23) {
        return Err(Error::validation("hour", "发送时间 hour 应为 0 到 23 点"));
    }
    let url = match &input.webhook_url {
        MaybeUndefined::Value(u) => Some(Some(check_url(u)?)),
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Undefined => None,
    };
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = stored(&uow)?;
        let mut next = before.clone();
        if let Some(e) = input.enabled {
            next.enabled = e;
        }
        if let Some(h) = input.hour {
            next.hour = h;
        }
        if let Some(f) = input.webhook_format {
            next.webhook_format = f;
        }
        if let Some(u) = url {
            next.webhook_url = u;
        }
        if let Some(mut muted) = input.muted_user_ids {
            for u in &muted {
                if users::by_id(&uow, *u)?.is_none() {
                    return Err(Error::validation(
                        "muted_user_ids",
                        format!("不接收提醒的用户 #{u} 不存在"),
                    ));
                }
            }
            muted.sort();
            muted.dedup();
            next.muted_user_ids = muted;
        }
        if next.enabled && next.webhook_url.is_none() {
            return Err(Error::validation(
                "webhook_url",
                "开启每日提醒前请先填写群机器人地址 webhook_url",
            ));
        }
        let text = serde_json::to_string(&next).map_err(Error::internal)?;
        settings_kv::set(&uow, KEY, &text)?;
        // The audit shows the settings as the API does: never the robot's key.
        let change = Change::on(Resource::FollowUpDigest)
            .before(&DigestSettings::from(&before))
            .after(&DigestSettings::from(&next));
        Ok(uow.commit(
            AuditAction::FollowUpDigestUpdate,
            change,
            DigestSettings::from(&next),
        )?)
    })
    .await
}

/// One user's digest as of `now`: the overdue ones, then the rest due today.
fn digest_for(
    conn: &Connection,
    brand: &str,
    user: UserId,
    name: &str,
    now: Timestamp,
) -> Result<Option<String>> {
    let due: Vec<FollowUp> =
        follow_ups::due(conn, Some(user), None, DueWindow::Today.before(now), now)?;
    fn line(f: &FollowUp) -> DigestLine<'_> {
        DigestLine {
            customer: &f.customer_name,
            next_contact_at: f.next_contact_at.unwrap_or(f.contacted_at),
            content: &f.content,
        }
    }
    let overdue: Vec<DigestLine> = due.iter().filter(|f| f.overdue).map(line).collect();
    let today: Vec<DigestLine> = due.iter().filter(|f| !f.overdue).map(line).collect();
    Ok(digest_text(brand, name, now, &overdue, &today))
}

struct Pending {
    user: UserId,
    text: Option<String>,
}

/// Sends the digests due at `now`; answers how many messages the robot accepted.
pub async fn send_due(db: &Db, settings: &Arc<Settings>, now: Timestamp) -> Result<usize> {
    let local_hour = now.get().with_timezone(&business_zone()).hour();
    let day = now.business_date().to_string();
    let brand = super::branding::current(db, settings).await?.brand_name;
    let day_read = day.clone();
    let (config, pending) = db
        .read(move |c| {
            let config = stored(c)?;
            if !config.enabled
                || config.webhook_url.is_none()
                || local_hour < u32::from(config.hour)
            {
                return Ok((config, vec![]));
            }
            let mut pending = vec![];
            for u in users::list(c)? {
                if u.disabled
                    || config.muted_user_ids.contains(&u.id)
                    || follow_ups::digest_sent_on(c, u.id)?.as_deref() == Some(day_read.as_str())
                {
                    continue;
                }
                pending.push(Pending {
                    user: u.id,
                    text: digest_for(c, &brand, u.id, &u.display_name, now)?,
                });
            }
            Ok::<_, Error>((config, pending))
        })
        .await?;
    let Some(url) = config.webhook_url else {
        return Ok(0);
    };
    if pending.is_empty() {
        return Ok(0);
    }
    // Built only when there is something to send: an idle instance keeps no HTTP client (TLS roots
    // and a connection pool) in memory.
    let client = webhook_client().map_err(Error::internal)?;
    let mut sent = 0;
    for p in pending {
        if let Some(text) = &p.text {
            if let Err(why) = deliver(&client, &url, config.webhook_format, text, &[]).await {
                tracing::warn!(user = %p.user, %why, "follow-up digest not delivered; retrying at the next check");
                continue;
            }
            sent += 1;
        }
        let day = day.clone();
        db.bookkeeping(move |tx| Ok::<_, Error>(follow_ups::mark_digest_sent(tx, p.user, &day)?))
            .await?;
    }
    if sent > 0 {
        tracing::info!(sent, "follow-up digests delivered");
    }
    Ok(sent)
}

/// What a test message did.
#[derive(Object, Debug)]
pub struct DigestTest {
    /// The text the robot received.
    pub text: String,
}

/// Sends the caller's digest now (or a line saying nothing is due), whatever the hour and
/// whether today's went out; marks nothing. For checking the robot from the settings page.
pub async fn send_test(db: &Db, settings: &Arc<Settings>, user: UserId) -> Result<DigestTest> {
    let now = Timestamp::now();
    let brand = super::branding::current(db, settings).await?.brand_name;
    let (config, text) = db
        .read(move |c| {
            let config = stored(c)?;
            let name = users::by_id(c, user)?
                .map(|u| u.display_name)
                .unwrap_or_default();
            let text = digest_for(c, &brand, user, &name, now)?.unwrap_or_else(|| {
                format!("【{brand}】{name}：测试消息，目前没有逾期或今日待跟进的客户")
            });
            Ok::<_, Error>((config, text))
        })
        .await?;
    let url = config
        .webhook_url
        .ok_or_else(|| Error::validation("webhook_url", "尚未填写群机器人地址 webhook_url"))?;
    let client = webhook_client().map_err(Error::internal)?;
    deliver(&client, &url, config.webhook_format, &text, &[])
        .await
        .map_err(|why| Error::refused("webhook_failed", format!("机器人未收到消息：{why}")))?;
    Ok(DigestTest { text })
}

/// The timer: checks every `follow_up_digest_check_secs` until the process ends.
pub async fn run(db: Db, settings: Arc<Settings>) {
    let every = Duration::from_secs(settings.follow_up_digest_check_secs.max(1));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if let Err(e) = send_due(&db, &settings, Timestamp::now()).await {
            tracing::warn!(error = %e, "follow-up digest check failed");
        }
    }
}
