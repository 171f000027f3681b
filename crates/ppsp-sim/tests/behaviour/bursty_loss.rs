//! Gilbert-Elliott loss: at the same average rate as random loss, losses come in longer runs.

use std::time::Duration;

use ppsp_sim::{LinkConfig, LossModel};

use crate::{ms, received_seqs, sender_and_sink};

/// Lengths of the runs of consecutive losses among `count` datagrams sent in order over a link
/// with `loss` (the link keeps order, so a gap in the received sequence is a run).
fn loss_runs(seed: u64, loss: LossModel, count: u64) -> Vec<u64> {
    let link = LinkConfig {
        loss,
        ..LinkConfig::default()
    };
    let (mut sim, _, sink) = sender_and_sink(seed, link, count, ms(1), 64);
    sim.run_for(Duration::from_secs(count / 1000 + 1)).unwrap();
    let mut expected = 0;
    let mut runs = Vec::new();
    for seq in received_seqs(&sim, sink).into_iter().chain([count]) {
        if seq > expected {
            runs.push(seq - expected);
        }
        expected = seq + 1;
    }
    runs
}

fn mean(runs: &[u64]) -> f64 {
    runs.iter().sum::<u64>() as f64 / runs.len() as f64
}

#[test]
fn bursty_loss_has_longer_runs_than_random_loss_at_the_same_rate() {
    let count = 40_000;
    let random = loss_runs(5, LossModel::random(0.05), count);
    let bursty = loss_runs(5, LossModel::bursty(0.05, 8.0), count);
    let rate = |runs: &[u64]| runs.iter().sum::<u64>() as f64 / count as f64;
    assert!(
        (rate(&random) - 0.05).abs() < 0.01,
        "random loss rate {}",
        rate(&random)
    );
    assert!(
        (rate(&bursty) - 0.05).abs() < 0.02,
        "bursty loss rate {}",
        rate(&bursty)
    );
    // Random loss at 5% gives runs of 1/(1 - 0.05) = 1.05 on average; the bursty model 8.
    assert!(mean(&random) < 1.2, "random runs average {}", mean(&random));
    assert!(mean(&bursty) > 5.0, "bursty runs average {}", mean(&bursty));
    assert!(bursty.iter().max() > random.iter().max());
}

#[test]
fn gilbert_elliott_loses_in_both_states_when_told_to() {
    // A good state that still loses 1% and a bad state that loses half.
    let model = LossModel::gilbert_elliott(0.02, 0.2, 0.01, 0.5);
    let expected = model.mean_loss();
    let runs = loss_runs(9, model, 40_000);
    let rate = runs.iter().sum::<u64>() as f64 / 40_000.0;
    assert!(
        (rate - expected).abs() < 0.01,
        "lost {rate:.4}, expected {expected:.4}"
    );
}
