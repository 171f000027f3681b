//! On-demand streaming with a slow and a fast peer: a late chunk the player needs is asked
//! of the fast peer with a CANCEL to the slow one, and the slow peer is then demoted for the
//! playhead window.

use std::time::Duration;

use ppsp_wire::ppspp::{ChunkSpec, Message};

use super::{Content, Net, Packet};
use crate::engine::EndpointConfig;

const SLOW: usize = 0;
const FAST: usize = 1;
const PLAYER: usize = 2;

/// Single chunks named by `kind` messages from `from` to `to` in `log`.
fn chunks_in(
    net: &Net,
    content: &Content,
    packets: &[Packet],
    from: usize,
    to: usize,
    kind: fn(&Message) -> Option<ChunkSpec>,
) -> Vec<u64> {
    let (from, to) = (net.nodes[from].addr, net.nodes[to].addr);
    packets
        .iter()
        .filter(|p| p.from == from && p.to == to)
        .filter_map(|p| ppsp_wire::ppspp::Datagram::decode(p.contents.clone(), &content.ctx()).ok())
        .flat_map(|d| d.messages)
        .filter_map(|m| kind(&m))
        .flat_map(|spec| match spec {
            ChunkSpec::ChunkRange { start, end } => start..=end,
            _ => panic!("the test swarm uses chunk ranges"),
        })
        .collect()
}

fn cancel(m: &Message) -> Option<ChunkSpec> {
    match m {
        Message::Cancel { spec } => Some(*spec),
        _ => None,
    }
}

fn request(m: &Message) -> Option<ChunkSpec> {
    match m {
        Message::Request { spec } => Some(*spec),
        _ => None,
    }
}

#[test]
fn a_late_chunk_moves_to_the_faster_peer_and_the_slow_one_is_demoted() {
    let content = Content::standard();
    let mut net = Net::new(3, &EndpointConfig::default());
    let slow = net.nodes[SLOW].addr;
    // 150 ms more each way to and from the slow seeder: a 320 ms round trip against 20.
    net.extra_delay = Some(Box::new(move |p: &Packet| {
        if p.from == slow || p.to == slow {
            Duration::from_millis(150)
        } else {
            Duration::ZERO
        }
    }));
    let now = net.now;
    let id = content.id();
    net.endpoint(SLOW).add_swarm(now, content.seed()).unwrap();
    net.endpoint(FAST).add_swarm(now, content.seed()).unwrap();
    net.endpoint(PLAYER)
        .add_swarm(now, content.download())
        .unwrap();
    net.endpoint(PLAYER).set_playhead(now, &id, 0).unwrap();
    // The slow seeder is known first: it gets the first chunks after the playhead.
    net.connect(PLAYER, SLOW, &id);
    net.run_for(Duration::from_millis(400));
    net.connect(PLAYER, FAST, &id);
    net.run_for(Duration::from_millis(600));

    let moved = net.endpoint_ref(PLAYER).swarm_stats(&id).unwrap();
    assert!(moved.late_requests_moved > 0);
    let cancelled = chunks_in(&net, &content, &net.log, PLAYER, SLOW, cancel);
    let asked_fast = chunks_in(&net, &content, &net.log, PLAYER, FAST, request);
    // (Chunks beyond the window are cancelled too once the fast peer delivered them.)
    let urgent: Vec<u64> = cancelled.into_iter().filter(|&c| c < 32).collect();
    assert!(!urgent.is_empty());
    for chunk in &urgent {
        assert!(
            asked_fast.contains(chunk),
            "chunk {chunk} cancelled but not re-requested"
        );
    }

    // Both round trips are measured now: the slow peer gets nothing of the new window.
    let mark = net.log.len();
    let now = net.now;
    net.endpoint(PLAYER).set_playhead(now, &id, 60).unwrap();
    assert!(net.run_until(Duration::from_secs(30), |n| n.complete(PLAYER)));
    let late_asks = chunks_in(&net, &content, &net.log[mark..], PLAYER, SLOW, request);
    assert!(
        late_asks.iter().all(|c| !(60..92).contains(c)),
        "the demoted peer was asked for urgent chunks: {late_asks:?}"
    );
    assert_eq!(net.stored(PLAYER, &id, 101), content.bytes.to_vec());
}
