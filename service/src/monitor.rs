//! `loan-broker monitor`: checks every instance's health, disk and the host's memory, and raises
//! one alert (企业微信 / 钉钉 / 飞书 robot webhook, or a command) when something is wrong.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::ValueEnum;

use crate::sysmon::{SysMon, disk_usage};

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub url: String,
    pub state_dir: Option<PathBuf>,
}

/// `NAME=URL[,STATE_DIR]`
pub fn parse_target(s: &str) -> Result<Target, String> {
    let (name, rest) = s.split_once('=').ok_or("expected NAME=URL[,STATE_DIR]")?;
    let (url, dir) = match rest.split_once(',') {
        Some((u, d)) => (u, Some(PathBuf::from(d))),
        None => (rest, None),
    };
    if name.is_empty() || !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "bad target {s:?}: expected NAME=http(s)://HOST:PORT[,STATE_DIR]"
        ));
    }
    Ok(Target {
        name: name.into(),
        url: url.trim_end_matches('/').into(),
        state_dir: dir,
    })
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    ValueEnum,
    poem_openapi::Enum,
    serde::Serialize,
    serde::Deserialize,
)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// 企业微信群机器人
    Wecom,
    /// 钉钉群机器人
    Dingtalk,
    /// 飞书群机器人
    Feishu,
    /// `{"text": …, "problems": […]}`
    Generic,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub targets: Vec<Target>,
    pub disk_threshold_pct: f64,
    pub memory_threshold_pct: f64,
    pub webhook_url_file: Option<PathBuf>,
    pub webhook_format: WebhookFormat,
    pub command: Option<String>,
}

async fn check_health(client: &reqwest::Client, t: &Target) -> Option<String> {
    let url = if t.url.ends_with("/health") {
        t.url.clone()
    } else {
        format!("{}/health", t.url)
    };
    match client.get(&url).send().await {
        Ok(resp) if resp.status().is_success() => {
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            (body["status"] != "ok")
                .then(|| format!("{}：健康检查返回异常状态 {}", t.name, body["status"]))
        }
        Ok(resp) => Some(format!(
            "{}：健康检查失败（HTTP {}）",
            t.name,
            resp.status().as_u16()
        )),
        Err(e) if e.is_timeout() => Some(format!("{}：健康检查超时（{url}）", t.name)),
        Err(e) if e.is_connect() => Some(format!(
            "{}：无法连接（{url}），服务可能已停止：{}",
            t.name,
            root_cause(&e)
        )),
        Err(e) => Some(format!(
            "{}：健康检查请求失败（{url}）：{}",
            t.name,
            root_cause(&e)
        )),
    }
}

/// The innermost error, which names the real cause (refused, TLS, DNS).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// Every problem found, in Chinese, one line each.
pub async fn problems(opts: &Options) -> anyhow::Result<Vec<String>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let mut found = vec![];
    for t in &opts.targets {
        found.extend(check_health(&client, t).await);
        if let Some(dir) = &t.state_dir {
            match disk_usage(dir) {
                Some(d) if d.used_pct() > opts.disk_threshold_pct => {
                    found.push(format!(
                        "{}：数据盘已用 {:.0}%（阈值 {:.0}%）",
                        t.name,
                        d.used_pct(),
                        opts.disk_threshold_pct
                    ));
                }
                Some(_) => {}
                None => found.push(format!(
                    "{}：无法读取数据目录 {} 的磁盘用量",
                    t.name,
                    dir.display()
                )),
            }
        }
    }
    let snap = SysMon::new()?.snapshot();
    if snap.memory_total_bytes > 0 {
        let pct = 100.0 * snap.memory_used_bytes as f64 / snap.memory_total_bytes as f64;
        if pct > opts.memory_threshold_pct {
            found.push(format!(
                "主机内存已用 {pct:.0}%（阈值 {:.0}%）",
                opts.memory_threshold_pct
            ));
        }
    }
    Ok(found)
}

pub fn message(problems: &[String]) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "server".into());
    format!(
        "【贷款助手告警】{host}\n{}",
        problems
            .iter()
            .map(|p| format!("- {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

pub fn payload(format: WebhookFormat, text: &str, problems: &[String]) -> serde_json::Value {
    match format {
        WebhookFormat::Wecom | WebhookFormat::Dingtalk => {
            serde_json::json!({"msgtype": "text", "text": {"content": text}})
        }
        WebhookFormat::Feishu => serde_json::json!({"msg_type": "text", "content": {"text": text}}),
        WebhookFormat::Generic => serde_json::json!({"text": text, "problems": problems}),
    }
}

pub fn webhook_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
}

/// Posts one message to a chat robot; the error says why it did not arrive.
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    format: WebhookFormat,
    text: &str,
    problems: &[String],
) -> Result<(), String> {
    match client
        .post(url)
        .json(&payload(format, text, problems))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("webhook answered HTTP {}", r.status())),
        Err(e) => Err(format!("webhook failed: {e}")),
    }
}

/// Runs the checks and raises the alert. `Ok(true)` when everything is fine.
pub async fn run(opts: &Options) -> anyhow::Result<bool> {
    let found = problems(opts).await?;
    if found.is_empty() {
        return Ok(true);
    }
    let text = message(&found);
    eprintln!("{text}");
    let mut delivery_failed = None;
    if let Some(file) = &opts.webhook_url_file {
        let url = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read webhook URL file {}", file.display()))?;
        let client = webhook_client()?;
        if let Err(why) = deliver(&client, url.trim(), opts.webhook_format, &text, &found).await {
            delivery_failed = Some(why);
        }
    }
    if let Some(cmd) = &opts.command {
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .env("LOAN_BROKER_ALERT", &text)
            .status()
            .await?;
        if !status.success() {
            delivery_failed = Some(format!("alert command exited with {status}"));
        }
    }
    if let Some(why) = delivery_failed {
        bail!("problems found, and the alert could not be delivered: {why}");
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            parse_target("friend1=http://127.0.0.1:8081,/var/lib/loan-broker/friend1"),
            Ok(Target {
                name: "friend1".into(),
                url: "http://127.0.0.1:8081".into(),
                state_dir: Some("/var/lib/loan-broker/friend1".into())
            })
        );
        assert!(parse_target("nourl").is_err());
        assert!(parse_target("x=ftp://a").is_err());
    }

    #[test]
    fn robot_payloads_have_their_shapes() {
        assert_eq!(
            payload(WebhookFormat::Wecom, "t", &[])["text"]["content"],
            "t"
        );
        assert_eq!(
            payload(WebhookFormat::Feishu, "t", &[])["content"]["text"],
            "t"
        );
        assert_eq!(
            payload(WebhookFormat::Generic, "t", &["p".into()])["problems"][0],
            "p"
        );
    }
}
