//! Helpers shared by the integration tests: request builders, a real `redis-server` on a
//! loopback port, a tracker server on 127.0.0.1, and raw HTTP/1.1 over loopback.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part

pub mod http;
pub mod redis;
#[macro_use]
pub mod suite;

use std::net::SocketAddr;
use std::time::Duration;

use ppsp_tracker::{Config, RegistryConfig, Server, ServerHandle, Timestamp};
use ppsp_wire::ids::{SwarmId, TransactionId};
use ppsp_wire::tracker::{
    Action, AddressKind, Connect, Find, PeerMode, PeerNum, RequestBody, StatReport, StreamStats,
    SwarmAction, TrackerPeerAddr, TrackerPeerId, TrackerRequest,
};

pub fn pid(text: &str) -> TrackerPeerId {
    TrackerPeerId::new(text).unwrap()
}

pub fn swarm(hex: &str) -> SwarmId {
    hex.parse().unwrap()
}

pub fn tid(text: &str) -> TransactionId {
    TransactionId::new(text).unwrap()
}

pub fn host_addr(ip: &str, port: u16) -> TrackerPeerAddr {
    TrackerPeerAddr {
        ip: ip.parse().unwrap(),
        port,
        priority: 1,
        kind: AddressKind::Host,
        connection: None,
        asn: None,
        peer_protocol: Some("PPSP-PP".into()),
    }
}

pub fn action(swarm_id: &str, action: Action, mode: PeerMode) -> SwarmAction {
    SwarmAction {
        swarm_id: swarm(swarm_id),
        action,
        mode,
    }
}

pub fn count(n: u8) -> PeerNum {
    PeerNum {
        peer_count: n,
        ability_nat: None,
        concurrent_links: None,
        online_time: None,
        upload_bandwidth: None,
    }
}

pub fn connect(
    peer: &str,
    t: &str,
    actions: Vec<SwarmAction>,
    peer_num: Option<PeerNum>,
) -> TrackerRequest {
    TrackerRequest::new(
        tid(t),
        pid(peer),
        RequestBody::Connect(Connect {
            peer_num,
            peer_addrs: vec![],
            swarm_actions: actions,
        }),
    )
}

pub fn join(peer: &str, swarm_id: &str, mode: PeerMode) -> TrackerRequest {
    connect(
        peer,
        &format!("join-{peer}-{swarm_id}"),
        vec![action(swarm_id, Action::Join, mode)],
        None,
    )
}

pub fn find(peer: &str, swarm_id: &str, peer_num: Option<PeerNum>) -> TrackerRequest {
    TrackerRequest::new(
        tid("find"),
        pid(peer),
        RequestBody::Find(Find {
            swarm_id: swarm(swarm_id),
            peer_num,
        }),
    )
}

pub fn stat_report(peer: &str, swarms: &[&str]) -> TrackerRequest {
    let stats = swarms
        .iter()
        .map(|s| StreamStats {
            swarm_id: swarm(s),
            uploaded_bytes: 512,
            downloaded_bytes: 768,
            available_bandwidth: 1_024_000,
            concurrent_links: 5,
        })
        .collect();
    TrackerRequest::new(
        tid("stat"),
        pid(peer),
        RequestBody::StatReport(StatReport { stats }),
    )
}

/// A fixed start for fake clocks.
pub const T0: Timestamp = Timestamp::from_unix_millis(1_700_000_000_000);

pub fn at(seconds: u64) -> Timestamp {
    T0.saturating_add(Duration::from_secs(seconds))
}

/// A source address on loopback for peer number `n`.
pub fn source(n: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40_000 + n))
}

/// A configuration for a test server on an ephemeral loopback port, rate limit off.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.server.rate_limit_per_second = 0.0;
    config.registry = RegistryConfig::default();
    config
}

/// Starts a server, failing the test if it does not come up.
pub async fn start(config: Config) -> (SocketAddr, ServerHandle) {
    tokio::time::timeout(Duration::from_secs(10), Server::bind(config))
        .await
        .expect("server starts in time")
        .expect("server starts")
}
