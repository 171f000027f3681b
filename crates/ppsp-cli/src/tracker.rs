//! `ppsp tracker`: run the PPSP tracker (RFC 7846, JSON and XML) until Ctrl-C.
//!
//! Settings come from the defaults, then the `--config` TOML file, then `PPSP_TRACKER_*`
//! environment variables, then the flags (each flag names its variable in `--help`).
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
    #[arg(long, env = "PPSP_TRACKER_LISTEN")]
    listen: Option<SocketAddr>,
    /// Share swarms with other trackers through this Redis (redis://HOST:PORT/).
    #[arg(long, env = "PPSP_TRACKER_REDIS")]
    redis: Option<String>,
    /// TOML configuration file (see --print-config).
    #[arg(long, short = 'c', env = "PPSP_TRACKER_CONFIG")]
    config: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (needs --key).
    #[arg(long, requires = "key", env = "PPSP_TRACKER_CERT")]
    cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, requires = "cert", env = "PPSP_TRACKER_KEY")]
    key: Option<PathBuf>,
    /// Require `Authorization: Bearer TOKEN` on protocol requests (better given by the
    /// variable than on a command line other users can see).
    #[arg(long, env = "PPSP_TRACKER_AUTH_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// Seconds without a request after which a peer expires (the RFC 7846 track timer).
    #[arg(long, env = "PPSP_TRACKER_TRACK_TIMER", value_name = "SECONDS")]
    track_timer: Option<u64>,
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
    if let Some(token) = &args.auth_token {
        config.server.auth_token = Some(token.clone());
    }
    if let Some(seconds) = args.track_timer {
        anyhow::ensure!(seconds > 0, "--track-timer must be at least 1 second");
        config.registry.track_timer = std::time::Duration::from_secs(seconds);
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
    let track_timer = config.registry.track_timer.as_secs();
    let (addr, handle) = Server::bind(config).await?;
    // A stable line scripts (and the tests) read the bound address from.
    say(format_args!(
        "ppsp tracker: listening on {scheme}://{addr}/ ({store} store, track timer {track_timer} s)"
    ));
    shutdown_signal().await?;
    say(format_args!("ppsp tracker: shutting down"));
    handle.shutdown().await
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM, which service managers send.
async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("listen for SIGTERM")?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.context("wait for Ctrl-C"),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("wait for Ctrl-C")
    }
}

/// Writes a status line to standard error, ignoring a closed stderr: `eprintln!` would
/// panic there, and a tracker whose log pipe went away must still shut down cleanly.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
