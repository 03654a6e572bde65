use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = loan_broker::cli::Cli::parse();
    if let Err(err) = loan_broker::cli::run(cli).await {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
