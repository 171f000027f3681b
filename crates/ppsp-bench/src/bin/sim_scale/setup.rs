//! Builds one swarm: the simulator, the signed live source, and receivers that join over the
//! first part of the stream, each with a bounded tracker list rather than a full mesh (a full
//! mesh makes the HAVE traffic, and so the cost, quadratic in the swarm size).

use std::time::Duration;

use ppsp_core::engine::{Endpoint, EndpointConfig};
use ppsp_sim::{LinkConfig, LiveStream, LossModel, NodeId, SimConfig, Simulator, live_joiner};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::index;

use crate::args::Args;

/// Chunk size: 4 KiB rather than RFC 7574's 1 KiB default, over jumbo frames ([`IP_MTU`]),
/// as the simulator's live scenario does: at 2 Mbit/s this is 61 chunks a second, four
/// times fewer datagrams, HAVEs and hash checks per receiver, which is what lets thousands of
/// engines share two cores.
pub(crate) const CHUNK_SIZE: u32 = 4096;

/// IP MTU of links and engines: jumbo frames, so a 4 KiB chunk and its hashes fit.
pub(crate) const IP_MTU: usize = 9000;

/// Chunks per Ed25519 signature (Unified Merkle Tree munro).
const CHUNKS_PER_SIGNATURE: u32 = 8;

/// Chunks kept behind the live edge; past it stores drop chunks, which bounds each
/// receiver's memory to about 1 MiB. Covers the 2 s playback buffer at 61 chunks/s twice.
const DISCARD_WINDOW: u64 = 256;

/// The playback buffer: the join chunk is due this long after a receiver joins.
const STARTUP_DELAY: Duration = Duration::from_secs(2);

/// Upload slots of the source, as in the live scenario: few, so receivers relay.
const SOURCE_UPLOAD_SLOTS: usize = 3;

/// The first receiver joins this long after the source starts.
const FIRST_JOIN: Duration = Duration::from_secs(1);

/// Keeps the tracker-list draws apart from the simulator's stream of the same seed.
const TRACKER_SALT: u64 = 0x0074_7261_636b_6572;

/// One swarm ready to run.
pub(crate) struct Swarm {
    pub(crate) sim: Simulator<Endpoint>,
    pub(crate) stream: LiveStream,
    pub(crate) source: NodeId,
    /// Receivers and their join offsets, in join order.
    pub(crate) receivers: Vec<(NodeId, Duration)>,
}

/// The chunk rate of `kbit` kbit/s of payload.
pub(crate) fn chunk_rate(kbit: f64) -> f64 {
    kbit * 1000.0 / 8.0 / f64::from(CHUNK_SIZE)
}

/// Receivers join uniformly over this span after [`FIRST_JOIN`]: a sixth of the stream (at
/// least a second), so most of the run is steady state.
pub(crate) fn join_span(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
        .div_f64(6.0)
        .max(Duration::from_secs(1))
}

/// Builds the swarm of `receivers` receivers.
pub(crate) fn build(args: &Args, receivers: usize) -> Swarm {
    let stream = LiveStream::new(
        args.seed,
        CHUNK_SIZE,
        chunk_rate(args.rate_kbit),
        CHUNKS_PER_SIGNATURE,
        DISCARD_WINDOW,
        STARTUP_DELAY,
    );
    let link = LinkConfig {
        // The link MTU counts UDP payload: the IP MTU less 20 bytes of IPv4 and 8 of UDP.
        mtu: IP_MTU - 28,
        loss: if args.loss > 0.0 {
            LossModel::random(args.loss)
        } else {
            LossModel::None
        },
        ..LinkConfig::default()
    };
    let mut sim = Simulator::new(SimConfig {
        link,
        strict_mtu: true,
        // The run is bounded by the wall clock instead (see `run`); a step count that is
        // plenty for a hundred receivers trips for ten thousand.
        max_steps: u64::MAX,
        max_steps_per_instant: 100_000_000,
        ..SimConfig::new(args.seed)
    });
    let engine = EndpointConfig {
        mtu: IP_MTU,
        max_peers_per_swarm: args.max_peers,
        ..EndpointConfig::default()
    };
    let source_config = EndpointConfig {
        upload_slots: SOURCE_UPLOAD_SLOTS,
        ..engine.clone()
    };
    let source = sim.add_node(live_joiner(&source_config, stream.source(), Vec::new()));
    let receivers = add_receivers(&mut sim, &stream, &engine, source, args, receivers);
    Swarm {
        sim,
        stream,
        source,
        receivers,
    }
}

/// Schedules `count` receivers at uniform random offsets over [`join_span`], each told
/// `args.contacts` peers drawn from those present when it joins (the source included), as a
/// tracker answering with a random subset would.
fn add_receivers(
    sim: &mut Simulator<Endpoint>,
    stream: &LiveStream,
    engine: &EndpointConfig,
    source: NodeId,
    args: &Args,
    count: usize,
) -> Vec<(NodeId, Duration)> {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ TRACKER_SALT);
    let span_ms = join_span(args.seconds).as_millis() as u64;
    let mut joins: Vec<Duration> = (0..count)
        .map(|_| {
            FIRST_JOIN + Duration::from_millis(rand::RngExt::random_range(&mut rng, 0..span_ms))
        })
        .collect();
    joins.sort_unstable();
    let mut present = vec![source];
    let mut receivers = Vec::with_capacity(count);
    for at in joins {
        let amount = args.contacts.min(present.len());
        let contacts = index::sample(&mut rng, present.len(), amount)
            .into_iter()
            .map(|i| present[i].addr())
            .collect();
        let id = sim.add_node_at(at, live_joiner(engine, stream.receiver(), contacts));
        present.push(id);
        receivers.push((id, at));
    }
    receivers
}
