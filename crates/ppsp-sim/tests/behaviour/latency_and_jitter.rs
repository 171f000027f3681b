//! Delivery delays: exactly the latency without jitter, within latency ± jitter with it.

use std::time::Duration;

use ppsp_sim::LinkConfig;

use crate::{arrivals, ms, sender_and_sink};

/// Delays (arrival minus send time) of `count` datagrams sent every `interval` over `link`.
fn delays(link: LinkConfig, count: u64, interval: Duration) -> Vec<Duration> {
    let (mut sim, _, sink) = sender_and_sink(3, link, count, interval, 100);
    sim.run_until_condition(
        |sim| sim.events(sink).len() as u64 == count,
        interval * 2 * count as u32,
    )
    .expect("a clean link delivers everything");
    arrivals(&sim, sink)
        .iter()
        .map(|(at, arrival)| *at - arrival.sent)
        .collect()
}

#[test]
fn fixed_latency_delays_every_datagram_exactly() {
    let link = LinkConfig {
        latency: ms(37),
        ..LinkConfig::default()
    };
    assert!(
        delays(link, 500, ms(1))
            .iter()
            .all(|&delay| delay == ms(37))
    );
}

#[test]
fn jitter_keeps_delays_within_latency_plus_or_minus_jitter() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        ..LinkConfig::default()
    };
    // Sent further apart than the jitter range, so no datagram waits behind the one before.
    let delays = delays(link, 4_000, ms(41));
    let (min, max) = (*delays.iter().min().unwrap(), *delays.iter().max().unwrap());
    assert!(
        min >= ms(30) && max <= ms(70),
        "delays in [{min:?}, {max:?}]"
    );
    // The whole range is used, evenly.
    assert!(min < ms(31) && max > ms(69), "delays in [{min:?}, {max:?}]");
    let mean = delays.iter().sum::<Duration>() / delays.len() as u32;
    assert!(mean > ms(49) && mean < ms(51), "mean delay {mean:?}");
}

#[test]
fn back_to_back_datagrams_keep_their_order_within_the_bounds() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        ..LinkConfig::default()
    };
    // One per millisecond: a datagram that drew a short delay waits behind the one before.
    let delays = delays(link, 2_000, ms(1));
    assert!(
        delays
            .iter()
            .all(|&delay| delay >= ms(30) && delay <= ms(70))
    );
}

#[test]
fn jitter_larger_than_latency_never_delivers_before_sending() {
    let link = LinkConfig {
        latency: ms(5),
        jitter: ms(10),
        ..LinkConfig::default()
    };
    let delays = delays(link, 1_000, ms(25));
    assert!(delays.iter().all(|&delay| delay <= ms(15)));
    // A quarter of the draws fall below zero and are delivered at once.
    assert!(delays.contains(&Duration::ZERO));
}
