use clap::Parser;

// jemalloc (unprefixed, so SQLite's C allocations use it too) returns memory after bursts; glibc's
// per-thread arenas kept ~350 MB after two dozen logins. Settings: .cargo/config.toml.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    // Owner-only files and directories whatever the caller's umask (the state holds secrets).
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = loan_broker::cli::Cli::parse();
    let runtime = match loan_broker::runtime::build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            std::process::exit(1);
        }
    };
    if let Err(err) = runtime.block_on(loan_broker::cli::run(cli)) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
