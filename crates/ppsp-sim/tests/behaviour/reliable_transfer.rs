//! A request/response transfer with retransmission completes over an impaired network, and
//! needs its retransmissions to: the impairments are real.

use std::time::Duration;

use ppsp_sim::{LinkConfig, LossModel, NodeId, Reorder, SimConfig, Simulator};

use crate::ms;
use crate::toys::{Transfer, TransferDone};

const BLOCK: usize = 1_024;
const BLOCKS: usize = 400;

/// Transfers 400 KiB over `link` (both ways); returns when the client finished and its report.
fn transfer(seed: u64, link: LinkConfig) -> (Duration, TransferDone, Vec<u8>) {
    let content: Vec<u8> = (0..BLOCK * BLOCKS)
        .map(|i| (i * 7 + i / 1_000) as u8)
        .collect();
    let mut sim = Simulator::new(SimConfig {
        link,
        strict_mtu: true,
        ..SimConfig::new(seed)
    });
    let server = sim.add_node(|_| Transfer::server(&content, BLOCK));
    let client: NodeId =
        sim.add_node(|context| Transfer::client(context.now, server.addr(), BLOCKS, 16, ms(250)));
    let finished = sim
        .run_until_condition(
            |sim| !sim.events(client).is_empty(),
            Duration::from_secs(120),
        )
        .unwrap();
    let done = sim.take_events(client).remove(0).event;
    (finished, done, content)
}

#[test]
fn transfer_completes_under_five_percent_loss_and_jitter() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        loss: LossModel::random(0.05),
        ..LinkConfig::default()
    };
    for seed in [1, 2] {
        let (finished, done, content) = transfer(seed, link.clone());
        assert!(done.content == content, "seed {seed}: content differs");
        assert!(
            done.retransmissions > 20,
            "seed {seed}: {} retransmissions",
            done.retransmissions
        );
        assert!(
            finished < Duration::from_secs(30),
            "seed {seed}: took {finished:?}"
        );
    }
}

#[test]
fn transfer_survives_bursty_loss_reordering_and_duplication() {
    let link = LinkConfig {
        latency: ms(50),
        jitter: ms(20),
        loss: LossModel::bursty(0.05, 4.0),
        reorder: Some(Reorder {
            probability: 0.05,
            extra_delay: ms(40),
        }),
        duplicate: 0.05,
        ..LinkConfig::default()
    };
    let (_, done, content) = transfer(3, link);
    assert!(done.content == content, "content differs");
    assert!(done.retransmissions > 0);
}

#[test]
fn a_clean_network_needs_no_retransmission() {
    let (finished, done, content) = transfer(
        4,
        LinkConfig {
            latency: ms(50),
            ..LinkConfig::default()
        },
    );
    assert!(done.content == content);
    assert_eq!(done.retransmissions, 0);
    // 400 blocks, 16 per 100 ms round trip: 25 round trips.
    assert_eq!(finished, ms(2_500));
}
