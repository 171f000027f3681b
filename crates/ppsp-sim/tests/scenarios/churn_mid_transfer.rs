//! Churn mid-transfer: fifty peers start with the source; while they download, 30% of them
//! (15) leave at random moments and 15 newcomers join. Everyone present at the end finishes.
//!
//! Peers are introduced as by a tracker, the source and four peers present when they join
//! (newcomers are only told about peers that have not left yet, but peers they were told
//! about may leave afterwards), and find more by PEX, up to ten channels.

use std::time::Duration;

use ppsp_sim::LinkConfig;
use rand::rngs::ChaCha8Rng;
use rand::seq::IteratorRandom;
use rand::{RngExt, SeedableRng};

use super::support::Figures;
use super::{engine_config, ms, sim_config, swarm_at_start};

/// The churn window: departures and arrivals are spread over it, during the transfer.
const CHURN_FROM: u64 = 500;
const CHURN_TO: u64 = 2_000;

#[test]
fn peers_leaving_and_joining_mid_transfer_do_not_stop_the_rest() {
    let seed = 0x5eed_c4a2;
    let sim = sim_config(seed, LinkConfig::default());
    let mut swarm = swarm_at_start(sim, 1 << 20, engine_config(), 50, 4);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let leaving = swarm.peers.clone().into_iter().sample(&mut rng, 15);
    for id in leaving {
        let at = ms(rng.random_range(CHURN_FROM..CHURN_TO));
        swarm.remove_peer_at(at, id);
    }
    let mut arrivals: Vec<u64> = (0..15)
        .map(|_| rng.random_range(CHURN_FROM..CHURN_TO))
        .collect();
    arrivals.sort_unstable();
    for at in arrivals {
        swarm.add_peer_at(ms(at), 4);
    }

    swarm.run_until_all_finish(Duration::from_secs(60));
    swarm.assert_everyone_identical();
    let left_early = swarm
        .peers
        .iter()
        .filter(|&&id| !swarm.sim.is_alive(id))
        .count();
    let figures = Figures::collect("30% churn among 50 peers", &swarm);
    figures.print();
    assert_eq!(figures.finished, 50);
    assert_eq!(left_early, 15);
}
