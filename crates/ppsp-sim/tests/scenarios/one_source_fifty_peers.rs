//! One source, fifty peers, on-demand content over clean 10 ms links.
//!
//! Peers find each other as a tracker would introduce them, each told the source and four
//! peers that joined before it (channels are two-way, so later peers reach the earlier ones),
//! and by PEX, engines connecting by themselves up to ten channels.

use std::time::Duration;

use ppsp_sim::LinkConfig;

use super::support::Figures;
use super::{engine_config, sim_config, swarm_at_start};

#[test]
fn fifty_peers_all_end_with_the_sources_bytes() {
    let sim = sim_config(0x5eed_0050, LinkConfig::default());
    let mut swarm = swarm_at_start(sim, 1 << 20, engine_config(), 50, 4);
    swarm.run_until_all_finish(Duration::from_secs(30));
    swarm.assert_everyone_identical();
    let figures = Figures::collect("one source to 50 peers", &swarm);
    figures.print();
    assert_eq!(figures.finished, 50);
}
