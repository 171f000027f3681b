//! Independent loss: the observed rate matches the configured one within statistical tolerance.

use std::time::Duration;

use ppsp_sim::{LinkConfig, LossModel};

use crate::{ms, received_seqs, sender_and_sink};

/// Sends `count` datagrams over a link with `loss`; returns the fraction lost (as counted by
/// the receiver) after checking the simulator counted the same.
fn observed_loss(seed: u64, loss: LossModel, count: u64) -> f64 {
    let link = LinkConfig {
        loss,
        ..LinkConfig::default()
    };
    let (mut sim, sender, sink) = sender_and_sink(seed, link, count, ms(1), 64);
    sim.run_for(Duration::from_secs(count / 1000 + 1)).unwrap();
    let received = received_seqs(&sim, sink).len() as u64;
    let stats = sim.node_stats(sender);
    assert_eq!(stats.sent.datagrams, count);
    assert_eq!(stats.dropped.loss.datagrams, count - received);
    assert_eq!(
        stats.dropped.total(),
        stats.dropped.loss,
        "loss is the only cause here"
    );
    (count - received) as f64 / count as f64
}

#[test]
fn random_loss_rate_is_within_statistical_tolerance() {
    // 20,000 draws at 10%: the standard deviation of the rate is 0.2%; allow five of them.
    for seed in [1, 2, 3] {
        let rate = observed_loss(seed, LossModel::random(0.10), 20_000);
        assert!((rate - 0.10).abs() < 0.01, "seed {seed}: lost {rate:.4}");
    }
}

#[test]
fn a_clean_link_loses_nothing() {
    assert_eq!(observed_loss(1, LossModel::None, 5_000), 0.0);
    assert_eq!(observed_loss(1, LossModel::random(0.0), 5_000), 0.0);
}

#[test]
fn certain_loss_loses_everything() {
    assert_eq!(observed_loss(1, LossModel::random(1.0), 1_000), 1.0);
}
