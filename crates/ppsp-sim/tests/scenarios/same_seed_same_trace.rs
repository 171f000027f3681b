//! The engine under the simulator is deterministic: a run is a function of its seed.

use std::time::Duration;

use ppsp_sim::{LinkConfig, LossModel};

use super::{engine_config, ms, sim_config, swarm_at_start};

/// Runs a small lossy, jittery swarm to completion and returns its trace digest and the
/// virtual time it took.
fn run(seed: u64) -> (u64, Duration) {
    let link = LinkConfig {
        latency: ms(20),
        jitter: ms(5),
        loss: LossModel::random(0.02),
        ..LinkConfig::default()
    };
    let mut swarm = swarm_at_start(sim_config(seed, link), 64 << 10, engine_config(), 5, 2);
    let took = swarm.run_until_all_finish(Duration::from_secs(60));
    swarm.assert_everyone_identical();
    (swarm.sim.trace_digest(), took)
}

#[test]
fn the_same_seed_gives_the_same_engine_trace() {
    assert_eq!(run(11), run(11));
}

#[test]
fn another_seed_gives_another_engine_trace() {
    assert_ne!(run(11).0, run(12).0);
}
