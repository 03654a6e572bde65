use clap::Parser;

/// mimalloc hands freed memory back to the system; glibc's per-thread arenas kept the 19 MiB of
/// every argon2 hash and the blocking pool's buffers resident (RSS grew several-fold under load).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let cli = loan_broker::cli::Cli::parse();
    if let Err(err) = loan_broker::cli::run(cli).await {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
