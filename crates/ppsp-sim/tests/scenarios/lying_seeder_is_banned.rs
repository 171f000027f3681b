//! A lying seeder: it has the right hash tree (so its handshake and HAVEs look honest) but
//! its store corrupts every chunk it serves. Peers must ban it on the first bad chunk,
//! discard the data, and still finish from the honest source and each other.
//!
//! Peers are introduced as by a tracker (both seeders and three earlier peers each) and find
//! more by PEX, up to ten channels.

use std::time::Duration;

use ppsp_core::engine::{BanReason, Event};
use ppsp_sim::LinkConfig;

use super::support::{Figures, Swarm, TestContent};
use super::{CHUNK, engine_config, sim_config};

#[test]
fn peers_ban_a_seeder_serving_corrupt_chunks_and_still_finish() {
    let sim = sim_config(0x5eed_0bad, LinkConfig::default());
    let content = TestContent::random(256 << 10, CHUNK, sim.seed);
    let mut swarm = Swarm::new(sim, content, engine_config());
    let liar = swarm.add_seeder(TestContent::lying_seed);
    for _ in 0..20 {
        swarm.add_peer_at(Duration::ZERO, 3);
    }
    swarm.run_until_all_finish(Duration::from_secs(30));
    swarm.assert_everyone_identical();

    let mut banned_liar = 0;
    for &peer in &swarm.peers {
        for timed in swarm.sim.events(peer) {
            if let Event::PeerBanned {
                peer: who, reason, ..
            } = &timed.event
            {
                assert_eq!(
                    *who,
                    liar.addr(),
                    "{peer} banned an honest node: {reason:?}"
                );
                assert!(
                    matches!(reason, BanReason::CorruptChunk { .. }),
                    "{peer} banned the liar for {reason:?}, not for a corrupt chunk"
                );
                banned_liar += 1;
            }
        }
    }
    let figures = Figures::collect("lying seeder among 20 peers", &swarm);
    figures.print();
    println!(
        "  peers that banned the liar: {banned_liar} of {}",
        swarm.peers.len()
    );
    assert!(banned_liar > 0, "nobody banned the lying seeder");
    let liar_served = swarm
        .sim
        .node(liar)
        .swarm_stats(swarm.content.id())
        .map_or(0, |s| s.payload_bytes_up);
    assert!(
        liar_served > 0,
        "the liar never served a chunk, so nothing was tested"
    );
}
