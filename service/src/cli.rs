//! The command line: one subcommand per operator task. Every failure is a clear message and exit 1.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::app::transfer::Format;
use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::{self, Db, backup, integrity};
use crate::startup::{self, Application};
use crate::{api, app, auth, demo, monitor, telemetry};

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
    /// Print the vocabulary and field catalogue (JSON, or the frontend's TypeScript module).
    Vocabulary {
        #[arg(long)]
        typescript: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Write a consistent snapshot of the live database (safe while serving).
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Run `PRAGMA integrity_check` on a database (read-only; creates no file). Prints `ok` and
    /// exits 0, or prints the problems and exits 1; a missing file exits 2.
    CheckDb {
        /// The database file to check (default: the configured instance's database).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Account administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import customers from an .xlsx or .csv file (all rows or none).
    Import {
        file: PathBuf,
        /// Only check the file and report bad cells.
        #[arg(long)]
        dry_run: bool,
        /// The worksheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Export all customers to an .xlsx or .csv file (by its extension).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Check instances (health, disk) and the host (memory); alert by webhook and/or command.
    /// Exits 1 when something is wrong.
    Monitor {
        /// NAME=URL[,STATE_DIR], e.g. friend1=http://127.0.0.1:8081,/var/lib/loan-broker/friend1
        #[arg(long = "target", required = true, value_parser = monitor::parse_target)]
        targets: Vec<monitor::Target>,
        #[arg(long, default_value_t = 90.0)]
        disk_threshold_pct: f64,
        #[arg(long, default_value_t = 90.0)]
        memory_threshold_pct: f64,
        /// A file holding the robot's webhook URL (it contains a token, so never on the command line).
        #[arg(long)]
        webhook_url_file: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "wecom")]
        webhook_format: monitor::WebhookFormat,
        /// Run through `sh -c` with the alert text in $LOAN_BROKER_ALERT.
        #[arg(long)]
        command: Option<String>,
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
    /// Lift the lock that failed sign-ins put on an account (for every client address).
    Unlock { username: String },
}

fn load(cli: &Cli) -> anyhow::Result<Settings> {
    Settings::load(cli.config.as_deref())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Openapi => {
            println!("{}", crate::spec::document(&api::api_service(None)));
            Ok(())
        }
        Command::Vocabulary { typescript } => {
            use crate::domain::fields;
            match typescript {
                true => print!("{}", fields::typescript()),
                false => println!("{}", serde_json::to_string_pretty(&fields::catalogue())?),
            }
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
        Command::CheckDb { file } => {
            let path = match file {
                Some(f) => f.clone(),
                None => load(&cli)?.db_path(),
            };
            let code = tokio::task::spawn_blocking(move || check_db(&path)).await?;
            std::process::exit(code);
        }
        Command::Admin {
            command: AdminCommand::ResetPassword { username },
        } => reset_password(load(&cli)?, username.clone()).await,
        Command::Admin {
            command: AdminCommand::Unlock { username },
        } => unlock(load(&cli)?, username.clone()).await,
        Command::Import {
            file,
            dry_run,
            sheet,
        } => import_file(load(&cli)?, file.clone(), *dry_run, sheet.clone()).await,
        Command::Export { out } => export_file(load(&cli)?, std::path::absolute(out)?).await,
        Command::Monitor {
            targets,
            disk_threshold_pct,
            memory_threshold_pct,
            webhook_url_file,
            webhook_format,
            command,
        } => {
            let opts = monitor::Options {
                targets: targets.clone(),
                disk_threshold_pct: *disk_threshold_pct,
                memory_threshold_pct: *memory_threshold_pct,
                webhook_url_file: webhook_url_file.clone(),
                webhook_format: *webhook_format,
                command: command.clone(),
            };
            if monitor::run(&opts).await? {
                println!("all {} instances healthy", opts.targets.len());
                Ok(())
            } else {
                bail!("problems found (alert sent)")
            }
        }
        Command::DemoData { customers, seed } => {
            let s = load(&cli)?;
            telemetry::init(s.log_format, &s.log_level);
            let (count, seed) = (*customers, *seed);
            if count > 1_000_000 {
                bail!("--customers must be at most 1000000");
            }
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                startup::prepare_state_dir(&s)?;
                let mut conn = integrity::open_existing(&s.db_path())?;
                let n = demo::insert(&mut conn, count, seed, chrono::Local::now().date_naive())?;
                println!("inserted {n} demo customers into {}", s.db_path().display());
                Ok(())
            })
            .await?
        }
    }
}

/// Prints the outcome of [`integrity::check_file`] and returns the exit code.
fn check_db(path: &std::path::Path) -> i32 {
    match integrity::check_file(path) {
        integrity::CheckOutcome::Ok => {
            println!("ok");
            0
        }
        integrity::CheckOutcome::Problems(problems) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!("{}: the database is damaged or unusable", path.display());
            1
        }
        integrity::CheckOutcome::Missing => {
            eprintln!("{}: no such file", path.display());
            2
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

/// The database of an existing instance, checked as start-up checks it (never created here).
async fn instance_db(settings: &Settings) -> anyhow::Result<Db> {
    let path = settings.db_path();
    let checked = path.clone();
    tokio::task::spawn_blocking(move || integrity::open_existing(&checked).map(drop)).await??;
    Db::open(&path, 2)
}

/// A use-case's failure as the operator reads it.
fn failed(e: app::Error) -> anyhow::Error {
    match e {
        app::Error::Internal(cause) => anyhow::anyhow!("internal error: {cause}"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn reset_password(settings: Settings, username: String) -> anyhow::Result<()> {
    let db = instance_db(&settings).await?;
    let hasher = auth::password::Hasher::default();
    let (name, password) = app::accounts::reset_password(&db, &hasher, Actor::cli(), &username)
        .await
        .map_err(failed)?;
    println!("new one-time password for {name}: {password}");
    println!("(it must be changed at the next login; all earlier sessions are signed out)");
    Ok(())
}

async fn unlock(settings: Settings, username: String) -> anyhow::Result<()> {
    let db = instance_db(&settings).await?;
    let name = app::accounts::unlock(&db, Actor::cli(), &username)
        .await
        .map_err(failed)?;
    println!("{name} is unlocked (failed sign-ins forgotten)");
    Ok(())
}

async fn import_file(
    settings: Settings,
    file: PathBuf,
    dry_run: bool,
    sheet: Option<String>,
) -> anyhow::Result<()> {
    let bytes = tokio::fs::read(&file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string);
    let max_rows = settings.import_max_rows as usize;
    let parsed = app::transfer::read_sheet(bytes, name, sheet, max_rows)
        .await
        .map_err(|e| match e {
            app::Error::Validation { message, .. } => anyhow::anyhow!("{message}"),
            other => failed(other),
        })?;
    let prepared = settings.clone();
    tokio::task::spawn_blocking(move || startup::prepare_state_dir(&prepared)).await??;
    let db = instance_db(&settings).await?;
    let report = app::transfer::import(
        &db,
        Actor::cli(),
        &auth::CurrentUser::operator(),
        parsed,
        dry_run,
        app::today(),
    )
    .await
    .map_err(failed)?;
    for e in &report.errors {
        eprintln!("第 {} 行「{}」：{}", e.row, e.column, e.message);
    }
    println!(
        "{} rows: {} valid, {} invalid; {} new, {} updates",
        report.total, report.valid, report.invalid, report.inserted, report.updated
    );
    if !report.errors.is_empty() {
        bail!("nothing imported: fix the cells above and try again");
    }
    if dry_run {
        println!("dry run: nothing written");
        return Ok(());
    }
    println!("imported {} rows", report.inserted + report.updated);
    Ok(())
}

async fn export_file(settings: Settings, out: PathBuf) -> anyhow::Result<()> {
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some("csv") => Format::Csv,
        Some("xlsx") => Format::Xlsx,
        _ => bail!("--out must end in .xlsx or .csv"),
    };
    let db = instance_db(&settings).await?;
    let filter = db::customers::ListFilter::default();
    let exported = app::transfer::export(
        &db,
        Actor::cli(),
        &auth::CurrentUser::operator(),
        filter,
        format,
    )
    .await
    .map_err(failed)?;
    let (path, rows) = (out.clone(), exported.rows);
    // Customer data: 0600, and never a partial file (a full disk leaves the old one, or none).
    tokio::task::spawn_blocking(move || {
        db::files::write_private_atomically(&path, &exported.bytes)
    })
    .await?
    .with_context(|| format!("cannot write {}", out.display()))?;
    println!("exported {rows} customers to {}", out.display());
    Ok(())
}
