//! The command line: one subcommand per operator task. Every failure is a clear message and exit 1.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::audit::{self, Actor, Change};
use crate::db::{self, backup, users};
use crate::startup::{self, Application};
use crate::{api, auth, demo, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "loan-broker",
    version,
    about = "贷款助手 — white-label loan-broker service"
)]
pub struct Cli {
    /// TOML config file (also LOAN_BROKER_CONFIG). Environment variables LOAN_BROKER__<KEY> override it.
    #[arg(long, global = true, env = "LOAN_BROKER_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve,
    /// Validate the configuration without touching secrets or the state dir.
    CheckConfig,
    /// Print the OpenAPI spec (JSON) to stdout.
    Openapi,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Write a consistent snapshot of the live database (safe while serving).
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Account administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Insert deterministic demo customers.
    DemoData {
        #[arg(long, default_value_t = 50)]
        customers: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Set a new one-time password (printed once) and unlock the account.
    ResetPassword { username: String },
}

fn load(cli: &Cli) -> anyhow::Result<Settings> {
    Settings::load(cli.config.as_deref())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Openapi => {
            println!("{}", api::api_service(None).spec());
            Ok(())
        }
        Command::CheckConfig => {
            let s = load(&cli)?;
            println!(
                "configuration OK: listen {}:{}, state_dir {}",
                s.bind_address,
                s.port,
                s.state_dir().display()
            );
            Ok(())
        }
        Command::Serve => serve(load(&cli)?).await,
        Command::Migrate => {
            let s = load(&cli)?;
            telemetry::init(s.log_format, &s.log_level);
            tokio::task::spawn_blocking(move || startup::prepare_state_dir(&s)).await??;
            println!(
                "database is at schema version {}",
                db::migrations::latest_version()
            );
            Ok(())
        }
        Command::Backup { out } => {
            let s = load(&cli)?;
            let out = std::path::absolute(out)?;
            let db_path = s.db_path();
            tokio::task::spawn_blocking(move || backup::snapshot(&db_path, &out).map(|_| out))
                .await?
                .map(|out| {
                    println!("backup written to {}", out.display());
                })
        }
        Command::Admin {
            command: AdminCommand::ResetPassword { username },
        } => reset_password(load(&cli)?, username.clone()).await,
        Command::DemoData { customers, seed } => {
            let s = load(&cli)?;
            telemetry::init(s.log_format, &s.log_level);
            let (count, seed) = (*customers, *seed);
            if count > 1_000_000 {
                bail!("--customers must be at most 1000000");
            }
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                startup::prepare_state_dir(&s)?;
                let mut conn = db::open(&s.db_path())?;
                let n = demo::insert(&mut conn, count, seed, chrono::Local::now().date_naive())?;
                println!("inserted {n} demo customers into {}", s.db_path().display());
                Ok(())
            })
            .await?
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(settings.log_format, &settings.log_level);
    let app = Application::bind(settings).await?;
    let addr = app.local_addr();
    tracing::info!(%addr, version = env!("CARGO_PKG_VERSION"), "listening on http://{addr} (API docs at /docs)");
    app.run_until(startup::shutdown_signal()).await
}

async fn reset_password(settings: Settings, username: String) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let db_path = settings.db_path();
        if !db_path.is_file() {
            bail!(
                "no database at {} (has the service run yet?)",
                db_path.display()
            );
        }
        let mut conn = db::open(&db_path)?;
        let user = users::by_username(&conn, &username)?
            .with_context(|| format!("no user named {username:?}"))?;
        let password = auth::password::generate_password();
        let hash = auth::password::hash_blocking(&password)?;
        let tx = conn.transaction()?;
        users::set_password(&tx, user.id, &hash, true)?;
        users::update(
            &tx,
            user.id,
            &users::UserChanges {
                display_name: None,
                role: None,
                disabled: Some(false),
                unlock: true,
            },
        )?;
        let actor = Actor {
            user_id: None,
            username: Some("cli".into()),
            ip: None,
        };
        audit::record(
            &tx,
            &actor,
            Change {
                action: "user.reset_password",
                resource_type: "user",
                resource_id: Some(user.id.to_string()),
                before: None,
                after: None,
            },
        )?;
        tx.commit()?;
        println!("new one-time password for {}: {password}", user.username);
        println!("(it must be changed at the next login; all earlier sessions are signed out)");
        Ok(())
    })
    .await?
}
