//! `ppsp tracker`: run the PPSP tracker (RFC 7846, JSON and XML) until Ctrl-C.
//!
//! Settings come from the defaults, then the `--config` TOML file, then the flags.
//! `--print-config` prints the commented defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use ppsp_tracker::config::DEFAULT_CONFIG_TOML;
use ppsp_tracker::{Config, Server};

/// Flags of `ppsp tracker`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrackerArgs {
    /// Address to listen on [default: 0.0.0.0:7846].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Share swarms with other trackers through this Redis (redis://HOST:PORT/).
    #[arg(long)]
    redis: Option<String>,
    /// TOML configuration file (see --print-config).
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (needs --key).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Print the default configuration file, with comments, and exit.
    #[arg(long)]
    print_config: bool,
}

/// Runs the tracker until Ctrl-C.
pub(crate) fn run(args: &TrackerArgs) -> anyhow::Result<()> {
    if args.print_config {
        print!("{DEFAULT_CONFIG_TOML}");
        return Ok(());
    }
    let config = config(args)?;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(serve(config))
}

fn config(args: &TrackerArgs) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("read {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parse {}", path.display()))?
        }
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(url) = &args.redis {
        config.server.redis_url = Some(url.clone());
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config.server.tls_cert = Some(cert.clone());
        config.server.tls_key = Some(key.clone());
    }
    Ok(config)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let scheme = if config.server.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    let store = if config.server.redis_url.is_some() {
        "Redis"
    } else {
        "in-memory"
    };
    let (addr, handle) = Server::bind(config).await?;
    // A stable line scripts (and the tests) read the bound address from.
    eprintln!("ppsp tracker: listening on {scheme}://{addr}/ ({store} store)");
    tokio::signal::ctrl_c().await.context("wait for Ctrl-C")?;
    eprintln!("ppsp tracker: shutting down");
    handle.shutdown().await
}
