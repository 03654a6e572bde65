//! The real binary as a child process: for what only a separate process shows (memory, threads,
//! start-up refusals). The bound address is read from the "listening on" log line, so nothing
//! races for a port or sleeps.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Served {
    pub addr: SocketAddr,
    pub child: Child,
    pub state_dir: PathBuf,
    /// Every line the server wrote to stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

/// `loan-broker serve` on 127.0.0.1:0 with `state_dir`; extra `LOAN_BROKER__*` settings in `env`.
pub fn serve(state_dir: &Path, env: &[(&str, &str)]) -> Served {
    try_serve(state_dir, env).unwrap_or_else(|log| panic!("server did not start:\n{log}"))
}

/// Like [`serve`], but a refusal to start is an `Err` holding everything the server printed.
pub fn try_serve(state_dir: &Path, env: &[(&str, &str)]) -> Result<Served, String> {
    let mut cmd = Command::new(binary());
    cmd.arg("serve")
        .env_remove("LOAN_BROKER_CONFIG")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("LOAN_BROKER__STATE_DIR", state_dir)
        .env("LOAN_BROKER__PORT", "0")
        .env("LOAN_BROKER__LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("binary starts");
    let stderr = child.stderr.take().expect("stderr piped");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel::<Option<SocketAddr>>();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut announced = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !announced && let Some(addr) = listening_addr(&line) {
                announced = true;
                let _ = tx.send(Some(addr));
            }
            sink.lock().unwrap().push(line);
        }
        if !announced {
            let _ = tx.send(None);
        }
    });
    let printed = |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().join("\n");
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(addr)) => Ok(Served {
            addr,
            child,
            state_dir: state_dir.to_path_buf(),
            log,
        }),
        Ok(None) => {
            let _ = child.wait();
            Err(printed(&log))
        }
        Err(_) => {
            let _ = child.kill();
            Err(format!("no 'listening on' within 60 s:\n{}", printed(&log)))
        }
    }
}

/// The binary under test: `LOAN_BROKER_TEST_BIN` (the Makefile points it at the release build, whose
/// memory the product's targets are about), else the debug build cargo made for this test run.
pub fn binary() -> PathBuf {
    std::env::var_os("LOAN_BROKER_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_loan-broker")))
}

/// Absolute memory bounds hold for the release build only; a debug build carries more code.
pub fn is_release_binary() -> bool {
    let release = binary().components().any(|c| c.as_os_str() == "release");
    if !release {
        eprintln!(
            "NOTE: memory measured on the debug binary; absolute bounds are checked with \
             LOAN_BROKER_TEST_BIN=target/release/loan-broker (make test sets it)"
        );
    }
    release
}

fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Resident memory now, in MiB (from /proc/<pid>/status).
    pub fn rss_mib(&self) -> f64 {
        status_kib(self.pid(), "VmRSS:") as f64 / 1024.0
    }
    /// The peak resident memory so far, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        status_kib(self.pid(), "VmHWM:") as f64 / 1024.0
    }
    /// Resets the peak so that [`Self::peak_rss_mib`] measures from now (writes /proc/<pid>/clear_refs).
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5")
            .expect("reset peak RSS through /proc/<pid>/clear_refs");
    }
    pub fn threads(&self) -> u64 {
        status_kib(self.pid(), "Threads:")
    }
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
    /// The log once it contains every one of `needles`, or as it is after `within`: the child's
    /// lines reach us through a reader thread, a moment after the response that caused them.
    pub fn log_containing(&self, needles: &[&str], within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let log = self.log_text();
            if needles.iter().all(|n| log.contains(n)) || Instant::now() >= deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// Waits until RSS is at most `limit_mib` or `within` has passed; returns the last reading.
    pub fn rss_settles_below(&self, limit_mib: f64, within: Duration) -> f64 {
        let deadline = Instant::now() + within;
        loop {
            let rss = self.rss_mib();
            if rss <= limit_mib || Instant::now() >= deadline {
                return rss;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    pub fn initial_password(&self) -> String {
        std::fs::read_to_string(self.state_dir.join("initial-admin-password"))
            .expect("initial password file")
            .trim()
            .to_string()
    }
}

/// Signs in as `admin` with the one-time password at `base` (e.g. `http://127.0.0.1:1234`), changes
/// it to [`crate::helpers::ADMIN_NEW_PASSWORD`] and returns the token that works afterwards.
pub async fn admin_token_at(client: &reqwest::Client, base: &str, initial: &str) -> String {
    let first: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": initial}))
        .send()
        .await
        .expect("login sent")
        .json()
        .await
        .expect("login answer");
    let changed: serde_json::Value = client
        .post(format!("{base}/api/auth/change-password"))
        .bearer_auth(first["access_token"].as_str().expect("initial login works"))
        .json(&serde_json::json!({
            "current_password": initial,
            "new_password": crate::helpers::ADMIN_NEW_PASSWORD,
        }))
        .send()
        .await
        .expect("change sent")
        .json()
        .await
        .expect("change answer");
    changed["access_token"]
        .as_str()
        .expect("token after the change")
        .to_string()
}

impl Served {
    pub async fn admin_token(&self, client: &reqwest::Client) -> String {
        admin_token_at(
            client,
            &format!("http://{}", self.addr),
            &self.initial_password(),
        )
        .await
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc/{pid}/status"))
}
