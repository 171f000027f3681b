//! One source, fifty peers, over links losing 5% of datagrams at random with 50 ms ± 20 ms of
//! one-way delay (FIFO links: jitter does not reorder).
//!
//! Peers are introduced as by a tracker (the source and four earlier peers each) and find more
//! by PEX, up to ten channels.

use std::time::Duration;

use ppsp_sim::{LinkConfig, LossModel};

use super::support::Figures;
use super::{engine_config, ms, sim_config, swarm_at_start};

#[test]
fn fifty_peers_finish_despite_loss_and_jitter() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        loss: LossModel::random(0.05),
        ..LinkConfig::default()
    };
    let sim = sim_config(0x5eed_0505, link);
    let mut swarm = swarm_at_start(sim, 1 << 20, engine_config(), 50, 4);
    swarm.run_until_all_finish(Duration::from_secs(60));
    swarm.assert_everyone_identical();
    let figures = Figures::collect("one source to 50 peers, 5% loss, 50 ms ± 20 ms", &swarm);
    figures.print();
    assert_eq!(figures.finished, 50);
    assert!(
        figures.network.dropped.loss.datagrams > 0,
        "the link lost nothing, so the scenario tested nothing"
    );
}
