//! Scenarios of the real engine (`ppsp-core`'s `Endpoint`) in the simulator, one module per
//! scenario, each with fixed seeds. Every scenario asserts that each peer still present at
//! the end holds content byte-identical to the source's, within a bound of virtual time, and
//! prints its figures (run with `--nocapture` to see them).
//!
//! One test binary rather than one per file: on two cores, linking costs more than running.

mod support;

mod churn_mid_transfer;
mod live_stream_to_hundred_peers;
mod lossy_jittery_network;
mod lying_seeder_is_banned;
mod one_source_fifty_peers;
mod same_seed_same_trace;

use std::time::Duration;

use ppsp_core::engine::EndpointConfig;
use ppsp_sim::{LinkConfig, SimConfig};
use support::{Swarm, TestContent};

/// Chunk size of the static-content scenarios: RFC 7574's default of 1 KiB (section 8.1),
/// so a 1 MiB content is 1024 chunks, over Ethernet-sized links ([`MTU`]).
const CHUNK: u32 = 1024;

/// IP MTU of the static-content scenarios' links and engines: Ethernet, which fits a 1 KiB
/// chunk with its hashes (section 8.1).
const MTU: usize = 1500;

/// Chunk size of the live scenario: 4 KiB over jumbo frames ([`LIVE_MTU`]). Live cost grows
/// with chunks times receivers (a hundred), and the live picker is not what this suite
/// times, so it keeps the larger chunks.
const LIVE_CHUNK: u32 = 4096;

/// IP MTU of the live scenario: jumbo frames, as on a data-centre LAN or loopback.
const LIVE_MTU: usize = 9000;

/// Channels per swarm up to which engines connect by themselves to peers learned by PEX.
/// The default (40) makes every peer of a fifty-peer swarm a neighbour of nearly every other;
/// ten is closer to what a tracker hands out and keeps the HAVE traffic proportionate.
const PEX_PEERS: usize = 10;

/// Milliseconds, for brevity.
fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A simulator configuration over `link` (given [`MTU`]) that fails on any datagram over
/// the MTU, which would mean the engine built one larger than its configuration allows.
fn sim_config(seed: u64, link: LinkConfig) -> SimConfig {
    sim_config_with_mtu(seed, link, MTU)
}

/// [`sim_config`] with IP MTU `mtu`.
fn sim_config_with_mtu(seed: u64, link: LinkConfig, mtu: usize) -> SimConfig {
    SimConfig {
        link: LinkConfig {
            // The link MTU counts UDP payload: the IP MTU less 20 bytes of IPv4 and 8 of UDP.
            mtu: mtu - 28,
            ..link
        },
        strict_mtu: true,
        ..SimConfig::new(seed)
    }
}

/// The engine configuration of every scenario: defaults but for the MTU and [`PEX_PEERS`].
fn engine_config() -> EndpointConfig {
    engine_config_with_mtu(MTU)
}

/// [`engine_config`] with IP MTU `mtu`.
fn engine_config_with_mtu(mtu: usize) -> EndpointConfig {
    EndpointConfig {
        mtu,
        max_peers_per_swarm: PEX_PEERS,
        ..EndpointConfig::default()
    }
}

/// A swarm of `content_len` random bytes with the source and `peers` downloaders joining at
/// time zero, each told about the source and `contacts` earlier peers.
fn swarm_at_start(
    sim: SimConfig,
    content_len: usize,
    config: EndpointConfig,
    peers: usize,
    contacts: usize,
) -> Swarm {
    let content = TestContent::random(content_len, CHUNK, sim.seed);
    let mut swarm = Swarm::new(sim, content, config);
    for _ in 0..peers {
        swarm.add_peer_at(Duration::ZERO, contacts);
    }
    swarm
}
