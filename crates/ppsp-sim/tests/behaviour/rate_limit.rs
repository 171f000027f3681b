//! Upload rate limits: the uplink serialises at the configured rate and tail-drops when its
//! queue is full, so delay grows with load as on a real bottleneck.

use std::time::Duration;

use ppsp_sim::{LinkConfig, RateLimit};

use crate::{arrivals, ms, received_seqs, sender_and_sink};

#[test]
fn throughput_matches_the_configured_rate_under_overload() {
    // Offered: 1,000 bytes every 5 ms = 200 kB/s, twice the 100 kB/s the uplink carries.
    let (mut sim, sender, sink) = sender_and_sink(1, LinkConfig::default(), 2_000, ms(5), 1_000);
    sim.network_mut()
        .set_upload_limit(sender, Some(RateLimit::new(100_000, 20_000)));
    sim.run_for(Duration::from_secs(10)).unwrap();
    let arrivals = arrivals(&sim, sink);
    // Over the middle 8 seconds (after the queue filled, before it drained), 100 kB/s.
    let window = |at: &Duration| *at >= Duration::from_secs(1) && *at < Duration::from_secs(9);
    let bytes: usize = arrivals
        .iter()
        .filter(|(at, _)| window(at))
        .map(|(_, a)| a.len)
        .sum();
    let rate = bytes as f64 / 8.0;
    assert!((rate - 100_000.0).abs() < 2_000.0, "{rate} B/s");
    // Half the offered load does not fit and is dropped at the queue.
    let stats = sim.node_stats(sender);
    let dropped = stats.dropped.queue.datagrams;
    assert!((950..=1_000).contains(&dropped), "{dropped} tail drops");
    assert_eq!(stats.dropped.total(), stats.dropped.queue);
    // A full 20 kB queue at 100 kB/s adds 200 ms to the 10 ms link latency, and no more.
    let worst = arrivals.iter().map(|(at, a)| *at - a.sent).max().unwrap();
    assert!(worst > ms(200) && worst <= ms(210), "worst delay {worst:?}");
}

#[test]
fn below_the_rate_nothing_queues_or_drops() {
    // 1,000 bytes every 20 ms = 50 kB/s through a 100 kB/s uplink: only serialisation delay.
    let (mut sim, sender, sink) = sender_and_sink(1, LinkConfig::default(), 200, ms(20), 1_000);
    sim.network_mut()
        .set_upload_limit(sender, Some(RateLimit::new(100_000, 5_000)));
    sim.run_for(Duration::from_secs(5)).unwrap();
    let arrivals = arrivals(&sim, sink);
    assert_eq!(arrivals.len(), 200);
    assert!(
        arrivals.iter().all(|(at, a)| *at - a.sent == ms(20)),
        "10 ms on the wire + 10 ms"
    );
}

#[test]
fn a_full_queue_drops_at_the_tail() {
    // Fifty datagrams at once into a queue that holds ten.
    let (mut sim, sender, sink) = sender_and_sink(1, LinkConfig::default(), 50, ms(0), 1_000);
    sim.network_mut()
        .set_upload_limit(sender, Some(RateLimit::new(100_000, 10_000)));
    sim.run_for(Duration::from_secs(1)).unwrap();
    // The first ten get through, 10 ms apart; the forty behind them are dropped.
    assert_eq!(received_seqs(&sim, sink), (0..10).collect::<Vec<_>>());
    let times: Vec<Duration> = arrivals(&sim, sink).iter().map(|(at, _)| *at).collect();
    assert_eq!(
        times,
        (1..=10).map(|i| ms(10) + ms(10) * i).collect::<Vec<_>>()
    );
    assert_eq!(sim.node_stats(sender).dropped.queue.datagrams, 40);
}
