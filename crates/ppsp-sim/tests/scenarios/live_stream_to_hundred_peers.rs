//! A live stream to a hundred receivers. The source produces sixteen 4 KiB chunks a second
//! (512 kbit/s) for 20 s, signed eight at a time (Unified Merkle Tree, Ed25519), with a
//! discard window of 256 chunks, and keeps three upload slots. Receivers join between 2 s and
//! 5 s, each told the source and six receivers that joined before it (as a tracker would);
//! engines also connect to peers learned by PEX. Receivers relay to each other, which is what
//! keeps the source near one copy.

use std::time::Duration;

use ppsp_core::engine::{Endpoint, EndpointConfig};
use ppsp_sim::{LinkConfig, NodeId, Simulator};
use rand::rngs::ChaCha8Rng;
use rand::seq::IteratorRandom;
use rand::{RngExt, SeedableRng};

use super::support::{LiveStream, joiner};
use super::{LIVE_CHUNK, LIVE_MTU, engine_config_with_mtu, ms, sim_config_with_mtu};

const RECEIVERS: usize = 100;
const CHUNK_RATE: f64 = 16.0;
const STREAM_FOR: Duration = Duration::from_secs(20);
const CONTACTS: usize = 6;

#[test]
fn a_hundred_receivers_play_the_stream_with_a_light_source() {
    let seed = 0x5eed_11fe;
    let mut stream = LiveStream::new(seed, LIVE_CHUNK, CHUNK_RATE, 8, 256);
    let mut sim = Simulator::new(sim_config_with_mtu(seed, LinkConfig::default(), LIVE_MTU));
    let source_config = EndpointConfig {
        upload_slots: 3,
        ..engine_config_with_mtu(LIVE_MTU)
    };
    let source = sim.add_node(joiner(&source_config, stream.source(), Vec::new()));
    let receivers = add_receivers(&mut sim, &stream, source, seed);

    let chunks = (STREAM_FOR.as_secs_f64() * CHUNK_RATE) as u64;
    for _ in 0..chunks {
        let chunk = stream.next_chunk();
        let now = sim.now();
        sim.node_mut(source)
            .push_live_chunk(now, stream.id(), chunk)
            .expect("the source takes a chunk of the chunk size");
        sim.run_for(stream.period())
            .unwrap_or_else(|e| panic!("simulation failed: {e}"));
    }
    let lag = mean_lag(&sim, &receivers, &stream);
    // Let the deadlines of the last chunks pass.
    sim.run_for(stream.settings.startup_delay + Duration::from_secs(1))
        .unwrap_or_else(|e| panic!("simulation failed: {e}"));

    let (mut on_time, mut missed, mut worst) = (0, 0, 1.0_f64);
    for &id in &receivers {
        let endpoint = sim.node(id);
        let status = endpoint
            .live_status(stream.id())
            .unwrap_or_else(|| panic!("{id} is not in the live swarm"));
        assert!(status.chunks_on_time > 0, "{id} played nothing: {status:?}");
        on_time += status.chunks_on_time;
        missed += status.chunks_missed;
        let index =
            status.chunks_on_time as f64 / (status.chunks_on_time + status.chunks_missed) as f64;
        worst = worst.min(index);
        let store = endpoint.store(stream.id()).expect("a store");
        let newest = status.newest_held.expect("chunks held");
        let mut held = 0;
        for index in status.window_start..=newest {
            if let Some(chunk) = store.read_chunk(index) {
                assert!(
                    Some(&chunk) == stream.chunk(index),
                    "{id} holds a chunk {index} that differs from the source's"
                );
                held += 1;
            }
        }
        assert!(held > 0, "{id} holds no chunk of its window");
    }
    let continuity = on_time as f64 / (on_time + missed) as f64;
    let source_up = sim
        .node(source)
        .swarm_stats(stream.id())
        .expect("the source is in the swarm")
        .payload_bytes_up;
    let upload_ratio = source_up as f64 / stream.bytes_produced() as f64;
    println!("scenario live stream to {RECEIVERS} receivers:");
    println!(
        "  {chunks} chunks of {LIVE_CHUNK} B at {CHUNK_RATE}/s; continuity index {continuity:.4} \
         ({on_time} on time, {missed} missed), worst receiver {worst:.4}"
    );
    println!(
        "  source upload: {upload_ratio:.2} copies of the stream ({source_up} B); mean playback \
         lag {:.2} s",
        lag.as_secs_f64()
    );
    println!("  network: {}", sim.stats());
    assert!(
        continuity >= 0.99,
        "continuity index {continuity:.4} below 0.99"
    );
    assert!(
        upload_ratio <= 2.0,
        "the source uploaded {upload_ratio:.2} copies of the stream, more than 2"
    );
}

/// How far behind the source's newest chunk the receivers' playheads are, on average.
fn mean_lag(sim: &Simulator<Endpoint>, receivers: &[NodeId], stream: &LiveStream) -> Duration {
    let newest = stream.chunks_produced();
    let behind: u64 = receivers
        .iter()
        .filter_map(|&id| sim.node(id).live_status(stream.id())?.playhead)
        .map(|playhead| newest.saturating_sub(playhead))
        .sum();
    stream
        .period()
        .mul_f64(behind as f64 / receivers.len() as f64)
}

/// Schedules the receivers' joins between 2 s and 5 s, in time order, each told the source
/// and [`CONTACTS`] receivers that joined before it.
fn add_receivers(
    sim: &mut Simulator<Endpoint>,
    stream: &LiveStream,
    source: NodeId,
    seed: u64,
) -> Vec<NodeId> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6a6f_696e);
    let mut joins: Vec<u64> = (0..RECEIVERS)
        .map(|_| rng.random_range(2_000..5_000))
        .collect();
    joins.sort_unstable();
    let mut receivers: Vec<NodeId> = Vec::new();
    for at in joins {
        let contacts = [source]
            .into_iter()
            .chain(receivers.iter().copied().sample(&mut rng, CONTACTS))
            .map(NodeId::addr)
            .collect();
        let spawn = joiner(
            &engine_config_with_mtu(LIVE_MTU),
            stream.receiver(),
            contacts,
        );
        receivers.push(sim.add_node_at(ms(at), spawn));
    }
    receivers
}
