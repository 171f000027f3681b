//! Configuration: plain structs with documented defaults (aquatic style), readable from TOML
//! with `[registry]` and `[server]` sections. [`DEFAULT_CONFIG_TOML`] is the commented file
//! `ppsp tracker --print-config` prints; a test checks it equals [`Config::default`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The whole tracker configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Swarm rules: timers, bounds, peer lists.
    pub registry: RegistryConfig,
    /// The HTTP(S) front end and the store.
    pub server: ServerConfig,
}

/// Rules of the registry (RFC 7846 section 2.5 leaves every timer value to the deployment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// Track timer: a peer not heard from (CONNECT, FIND or STAT_REPORT) for this long is
    /// de-registered and left out of peer lists (RFC 7846 section 2.5). Default 120 s.
    #[serde(with = "seconds")]
    pub track_timer: Duration,
    /// How often peers are expected to send a keep-alive STAT_REPORT; the client's default
    /// period. Half the track timer, so one lost report does not expire a peer. Default 60 s.
    #[serde(with = "seconds")]
    pub keep_alive_interval: Duration,
    /// Peers returned when a request has no `peer_num` (RFC 7846: "should be less than 30").
    pub default_peer_count: u8,
    /// Upper bound on `peer_count`, whatever a peer asks for.
    pub max_peer_count: u8,
    /// Fresh members sampled at random per peer list before ranking them by similarity to the
    /// requester: bounds the work of one FIND in a huge swarm.
    pub candidate_pool: usize,
    /// Most peers in one swarm; a JOIN beyond it gets Service Unavailable (05).
    pub max_peers_per_swarm: usize,
    /// Most swarms one peer is in; a JOIN beyond it gets Service Unavailable (05).
    pub max_swarms_per_peer: usize,
    /// Most swarms tracked; a JOIN creating one more gets Service Unavailable (05).
    pub max_swarms: usize,
    /// Most peers registered; a new peer beyond it gets Service Unavailable (05).
    pub max_peers: usize,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            track_timer: Duration::from_secs(120),
            keep_alive_interval: Duration::from_secs(60),
            default_peer_count: 20,
            max_peer_count: 200,
            candidate_pool: 256,
            max_peers_per_swarm: 20_000,
            max_swarms_per_peer: 64,
            max_swarms: 100_000,
            max_peers: 1_000_000,
        }
    }
}

/// The HTTP(S) server and its store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on; `POST /` answers the protocol, `GET /` shows statistics,
    /// `GET /metrics` exports Prometheus text.
    pub listen: SocketAddr,
    /// PEM certificate chain; with `tls_key`, the server speaks HTTPS only (RFC 7846 section
    /// 6.1 wants TLS between peers and tracker).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Redis URL (`redis://127.0.0.1:6379/`); unset keeps swarms in this process's memory.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several trackers can share one Redis database.
    pub redis_prefix: String,
    /// Largest request body, in bytes; larger bodies get 413 and Bad Request (01).
    pub max_body_bytes: usize,
    /// Longest time to read a request and answer it; then 408 with Service Unavailable (05)
    /// and the connection is closed (a body trickled byte by byte ends here).
    #[serde(with = "seconds")]
    pub request_timeout: Duration,
    /// Longest wait for a request's headers, and for the next request on a kept-alive
    /// connection; then the connection is closed (slowloris protection).
    #[serde(with = "seconds")]
    pub header_timeout: Duration,
    /// Most open connections from one client IP address (IPv6: one /64); 0 disables.
    pub max_connections_per_address: usize,
    /// Protocol requests per second allowed per client IP address (token bucket); 0 disables.
    pub rate_limit_per_second: f64,
    /// Requests a client IP may send in one burst.
    pub rate_limit_burst: f64,
    /// Most client addresses whose buckets are remembered; the stalest are forgotten first.
    pub rate_limit_addresses: usize,
    /// How often expired peers are swept out of the store.
    #[serde(with = "seconds")]
    pub sweep_interval: Duration,
    /// When set, requests must carry `Authorization: Bearer <token>`, or get Authentication
    /// Required (06) (RFC 7846 section 6.1 suggests OAuth 2.0 bearer tokens).
    pub auth_token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 7846)),
            tls_cert: None,
            tls_key: None,
            redis_url: None,
            redis_prefix: "ppsp:".into(),
            max_body_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections_per_address: 256,
            rate_limit_per_second: 20.0,
            rate_limit_burst: 40.0,
            rate_limit_addresses: 100_000,
            sweep_interval: Duration::from_secs(5),
            auth_token: None,
        }
    }
}

/// The default configuration as a commented TOML file.
pub const DEFAULT_CONFIG_TOML: &str = r#"# ppsp tracker configuration. Every value shown is the default.

[registry]
# Seconds without a CONNECT, FIND or STAT_REPORT after which a peer is de-registered and
# left out of peer lists (RFC 7846 track timer).
track_timer = 120
# Seconds between the keep-alive STAT_REPORTs peers are expected to send (the client's default).
keep_alive_interval = 60
# Peers returned when a request has no peer_num.
default_peer_count = 20
# Upper bound on peer_count, whatever a peer asks for.
max_peer_count = 200
# Fresh swarm members sampled per peer list before ranking them by similarity to the requester.
candidate_pool = 256
# Bounds; a request beyond one gets Service Unavailable (05).
max_peers_per_swarm = 20000
max_swarms_per_peer = 64
max_swarms = 100000
max_peers = 1000000

[server]
# POST / answers the protocol; GET / is the statistics page; GET /metrics is Prometheus text.
listen = "0.0.0.0:7846"
# PEM certificate chain and key: when both are set the server speaks HTTPS only.
# tls_cert = "/etc/ppsp/tracker.crt"
# tls_key = "/etc/ppsp/tracker.key"
# Share swarms with other tracker processes through Redis; unset keeps them in memory.
# redis_url = "redis://127.0.0.1:6379/"
redis_prefix = "ppsp:"
# Largest request body in bytes.
max_body_bytes = 65536
# Seconds to read a request and answer it.
request_timeout = 10
# Seconds to wait for a request's headers (or, on a kept-alive connection, for the next request)
# before closing the connection.
header_timeout = 10
# Most open connections from one client IP address (IPv6: one /64); 0 disables.
max_connections_per_address = 256
# Token bucket per client IP address: requests per second (0 disables) and burst size.
rate_limit_per_second = 20.0
rate_limit_burst = 40.0
# Most client addresses remembered by the rate limiter.
rate_limit_addresses = 100000
# Seconds between sweeps of expired peers.
sweep_interval = 5
# Require "Authorization: Bearer <token>" on protocol requests.
# auth_token = "change-me"
"#;

/// Durations as whole seconds in configuration files.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_secs())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}
