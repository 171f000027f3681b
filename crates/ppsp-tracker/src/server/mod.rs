//! The HTTP(S) front end: axum on tokio, rustls (ring) when a certificate is configured.
//!
//! `POST /` speaks the protocol (the encoding chosen by Content-Type), `GET /` is the
//! statistics page, `GET /metrics` Prometheus text. A background task sweeps expired peers.
//! [`Server::bind`] returns once listening, with a [`ServerHandle`] to stop it gracefully;
//! [`run`] is the binary's entry point and stops on Ctrl-C.

mod connections;
mod metrics;
mod pages;
mod protocol;
mod rate_limit;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use ppsp_wire::tracker::TrackerLimits;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::connections::ConnectionLimits;
use self::metrics::Metrics;
use self::rate_limit::RateLimiter;
use crate::config::{Config, ServerConfig};
use crate::service::Tracker;
use crate::store::{AnyStore, MemoryStore};
use crate::time::Timestamp;

/// Time connections get, beyond the request timeout, to finish after a stop.
const DRAIN_MARGIN: std::time::Duration = std::time::Duration::from_secs(1);

/// What every request handler shares.
struct App {
    tracker: Tracker<AnyStore>,
    server: ServerConfig,
    limits: TrackerLimits,
    limiter: RateLimiter,
    metrics: Metrics,
    started: Instant,
    store_kind: &'static str,
}

/// The tracker server.
#[derive(Debug)]
pub struct Server;

/// A running server: its address, and the way to stop it.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets requests in progress finish, and waits for the server to end.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.task.await.context("server task")
    }
}

impl Server {
    /// Opens the store, binds `config.server.listen` and starts serving. Returns the bound
    /// address (useful with port 0) and the handle that stops the server.
    pub async fn bind(config: Config) -> anyhow::Result<(SocketAddr, ServerHandle)> {
        let Config { registry, server } = config;
        let (store, store_kind) = open_store(&server, &registry).await?;
        let tcp = TcpListener::bind(server.listen)
            .await
            .with_context(|| format!("listen on {}", server.listen))?;
        let local_addr = tcp.local_addr()?;
        let tls = match (&server.tls_cert, &server.tls_key) {
            (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
            (None, None) => None,
            _ => anyhow::bail!("tls_cert and tls_key must be given together"),
        };
        let started = Instant::now();
        let app = Arc::new(App {
            tracker: Tracker::new(store, registry),
            limits: TrackerLimits {
                max_bytes: server.max_body_bytes,
                ..TrackerLimits::default()
            },
            limiter: RateLimiter::new(
                server.rate_limit_per_second,
                server.rate_limit_burst,
                server.rate_limit_addresses,
            ),
            metrics: Metrics::new(started),
            started,
            store_kind,
            server,
        });
        let router = Router::new()
            .route("/", get(pages::stats).post(protocol::post))
            .route("/metrics", get(pages::metrics))
            .with_state(Arc::clone(&app));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(sweep(Arc::clone(&app), stopped.clone()));
        let limits = ConnectionLimits {
            header_timeout: app.server.header_timeout,
            per_address: app.server.max_connections_per_address,
            drain_timeout: app.server.request_timeout + DRAIN_MARGIN,
        };
        let task = match tls {
            Some(tls) => {
                let tls = tls::TlsListener::new(tcp, tls)?;
                tokio::spawn(connections::serve(tls, router, limits, stopped))
            }
            None => {
                let tcp = tcp.tap_io(|stream| {
                    let _ = stream.set_nodelay(true);
                });
                tokio::spawn(connections::serve(tcp, router, limits, stopped))
            }
        };
        let handle = ServerHandle {
            local_addr,
            stop,
            task,
        };
        Ok((local_addr, handle))
    }
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    // An error means the handle is gone, which also means stop.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Removes expired peers every `sweep_interval` until told to stop.
async fn sweep(app: Arc<App>, stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(
        app.server
            .sweep_interval
            .max(std::time::Duration::from_millis(10)),
    );
    let stop = wait_for_stop(stopped);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = ticks.tick() => {
                match app.tracker.sweep(Timestamp::now()).await {
                    Ok(0) => {}
                    Ok(removed) => tracing::debug!(removed, "expired peers swept"),
                    Err(error) => tracing::warn!(%error, "sweep failed"),
                }
            }
        }
    }
}

async fn open_store(
    server: &ServerConfig,
    registry: &crate::config::RegistryConfig,
) -> anyhow::Result<(AnyStore, &'static str)> {
    match &server.redis_url {
        None => Ok((AnyStore::Memory(MemoryStore::new()), "in-memory")),
        #[cfg(feature = "redis")]
        Some(url) => {
            let store =
                crate::store::RedisStore::connect(url, &server.redis_prefix, registry.track_timer)
                    .await
                    .with_context(|| format!("connect to Redis at {url}"))?;
            Ok((AnyStore::Redis(store), "Redis"))
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => {
            let _ = registry;
            anyhow::bail!("this build has no Redis support (feature `redis`)")
        }
    }
}

/// Runs a tracker until Ctrl-C.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let tls = config.server.tls_cert.is_some();
    let (addr, handle) = Server::bind(config).await?;
    let scheme = if tls { "https" } else { "http" };
    tracing::info!("PPSP tracker listening on {scheme}://{addr}/");
    tokio::signal::ctrl_c().await.context("wait for Ctrl-C")?;
    tracing::info!("shutting down");
    handle.shutdown().await
}
