use clap::Parser;

#[tokio::main]
async fn main() {
    // Owner-only files and directories whatever the caller's umask (the state holds secrets).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = loan_broker::cli::Cli::parse();
    if let Err(err) = loan_broker::cli::run(cli).await {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
