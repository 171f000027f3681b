//! Hostile input: mutated datagrams must never panic the engine or make it answer on
//! channel 0.

use std::time::Duration;

use ppsp_wire::ppspp::{ChunkSpec, Datagram, DecodeContext, Message};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{Content, Driver, addr, datagram};
use crate::engine::EndpointConfig;

/// Flips, truncates or extends `bytes` at random.
fn mutate(bytes: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.random_range(0..3) {
        0 => {
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..out.len());
                out[i] = rng.random();
            }
        }
        1 => out.truncate(rng.random_range(0..out.len())),
        _ => out.extend((0..rng.random_range(1..40)).map(|_| rng.random::<u8>())),
    }
    out
}

#[test]
fn mutated_datagrams_never_panic_the_engine() {
    let content = Content::standard();
    let ctx = content.ctx();
    let mut rng = StdRng::from_seed([5; 32]);
    // A leecher with an open channel to a hand-driven seeder...
    let (mut leecher, chan_p, _) = super::peers::leecher_with_fake_seeder(&content);
    let chunk = content.bytes.slice(0..1024);
    let range = |start, end| ChunkSpec::ChunkRange { start, end };
    let valid = [
        datagram(chan_p, vec![Message::Have { spec: range(0, 7) }], &ctx),
        datagram(
            chan_p,
            vec![
                Message::Integrity {
                    spec: range(0, 63),
                    hash: content.tree.root_hash().as_bytes().to_vec().into(),
                },
                Message::Data {
                    spec: range(0, 0),
                    timestamp: 1,
                    payload: chunk,
                },
            ],
            &ctx,
        ),
        datagram(
            chan_p,
            vec![Message::Request { spec: range(0, 3) }, Message::PexReq],
            &ctx,
        ),
    ];
    for _ in 0..3000 {
        let base = &valid[rng.random_range(0..valid.len())];
        leecher.feed(addr(0), &mutate(base, &mut rng));
    }
    leecher.advance(Duration::from_secs(1));
    // ...and a seeder fed mutated first datagrams: it never answers an invalid one.
    let mut seeder = Driver::new(EndpointConfig::default());
    let now = seeder.now;
    seeder.endpoint.add_swarm(now, content.seed()).unwrap();
    let d1 = leecher_first_datagram(&content);
    for i in 0..3000 {
        let mutated = mutate(&d1, &mut rng);
        let decodes = Datagram::decode_slice(&mutated, &DecodeContext::default()).is_ok();
        let answered = !seeder.feed(addr(i % 200 + 1), &mutated).is_empty();
        assert!(decodes || !answered, "answered an undecodable datagram 1");
    }
}

/// A leecher's datagram 1 for `content`.
fn leecher_first_datagram(content: &Content) -> Vec<u8> {
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    driver.endpoint.add_swarm(now, content.download()).unwrap();
    driver
        .endpoint
        .connect(now, &content.id(), addr(0))
        .unwrap();
    driver.sent()[0].to_vec()
}

#[test]
fn messages_before_an_undecodable_one_are_processed_and_the_rest_dropped() {
    let content = Content::standard();
    let mut seeder = Driver::new(EndpointConfig::default());
    let now = seeder.now;
    seeder.endpoint.add_swarm(now, content.seed()).unwrap();
    let reply = seeder.feed(addr(1), &leecher_first_datagram(&content));
    let chan_q = u32::from_be_bytes(reply[0][5..9].try_into().unwrap());
    // REQUEST 0..0, then an unassigned message type 0xEE and a REQUEST behind it.
    let mut d3 = datagram(
        chan_q,
        vec![Message::Request {
            spec: ChunkSpec::ChunkRange { start: 0, end: 0 },
        }],
        &content.ctx(),
    );
    d3.extend_from_slice(&[0xEE, 0x08, 0, 0, 0, 1, 0, 0, 0, 1]);
    let sent = seeder.feed(addr(1), &d3);
    let data: Vec<ChunkSpec> = sent
        .iter()
        .filter_map(|b| Datagram::decode(b.clone(), &content.ctx()).ok())
        .flat_map(|d| d.messages)
        .filter_map(|m| match m {
            Message::Data { spec, .. } => Some(spec),
            _ => None,
        })
        .collect();
    assert_eq!(data, [ChunkSpec::ChunkRange { start: 0, end: 0 }]);
    let stats = seeder.endpoint.swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.invalid_messages, 1);
    // A datagram with nothing valid in it changes nothing.
    let garbage = [&chan_q.to_be_bytes()[..], &[0xEE, 1, 2, 3]].concat();
    assert!(seeder.feed(addr(1), &garbage).is_empty());
    let stats = seeder.endpoint.swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.invalid_messages, 2);
}
