//! Reordering happens when, and only when, it is switched on; jitter alone keeps order.

use std::time::Duration;

use ppsp_sim::{LinkConfig, Reorder};

use crate::{ms, received_seqs, sender_and_sink};

/// Sequence numbers received of 2,000 datagrams sent one per millisecond over `link`.
fn received(link: LinkConfig) -> Vec<u64> {
    let (mut sim, _, sink) = sender_and_sink(11, link, 2_000, ms(1), 64);
    sim.run_for(Duration::from_secs(5)).unwrap();
    received_seqs(&sim, sink)
}

/// Datagrams that arrived after one sent later than them.
fn overtaken(seqs: &[u64]) -> usize {
    let mut highest = None;
    seqs.iter()
        .filter(|&&seq| {
            let late = highest.is_some_and(|highest| seq < highest);
            highest = highest.max(Some(seq));
            late
        })
        .count()
}

#[test]
fn jitter_without_reordering_keeps_order() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        ..LinkConfig::default()
    };
    let seqs = received(link);
    assert_eq!(seqs, (0..2_000).collect::<Vec<_>>());
}

#[test]
fn reordering_lets_later_datagrams_overtake_when_enabled() {
    let reorder = Some(Reorder {
        probability: 0.05,
        extra_delay: ms(10),
    });
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(5),
        reorder,
        ..LinkConfig::default()
    };
    let seqs = received(link);
    // Nothing is lost or repeated, only moved.
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..2_000).collect::<Vec<_>>());
    // About 5% of the datagrams are held back, and each is overtaken by those sent in the next
    // 10 ms.
    let late = overtaken(&seqs);
    assert!((60..=140).contains(&late), "{late} datagrams overtaken");
}
