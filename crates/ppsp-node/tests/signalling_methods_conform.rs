//! Each method of the XML peer protocol against a running server over real HTTP on loopback,
//! with its success and error statuses.

mod signalling_support;

use std::sync::Arc;
use std::time::Instant;

use ppsp_core::{ChunkRange, ChunkSet};
use ppsp_node::signalling::{
    CHUNK_ENCODING_HEADER, ClientError, SignallingClient, SignallingConfig, SignallingState,
};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::peer::Status;
use ppsp_wire::peer_list::Transport;
use ppsp_wire::property::{AccessType, Property, PropertyName, PropertyValue};
use signalling_support::{Content, TestView, peer_id, peer_info, post_raw_with, serve};

fn client(n: u8) -> SignallingClient {
    SignallingClient::new(
        peer_id(n),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    )
}

fn set(runs: &[(u64, u64)]) -> ChunkSet {
    runs.iter()
        .map(|&(a, b)| ChunkRange::new(a, b).unwrap())
        .collect()
}

fn refused(result: Result<impl std::fmt::Debug, ClientError>) -> Status {
    result.unwrap_err().status().expect("an answered refusal")
}

#[tokio::test]
async fn find_lists_the_responder_and_known_peers_best_preference_first() {
    let content = Content::new(20 * 1024, 1);
    let view = TestView::new(1, &content, &[(0, 19)]);
    view.add_peer(peer_info(2, 7002, Some(AccessType::Adsl)), None);
    view.add_peer(peer_info(3, 7003, Some(AccessType::Cable)), None);
    view.add_peer(peer_info(4, 7004, Some(AccessType::Adsl)), None);
    let node = serve(view, &[Transport::Http], SignallingConfig::default()).await;
    let asker = client(9);
    let adsl = Property {
        name: PropertyName::AccessType,
        value: PropertyValue::AccessType(AccessType::Adsl),
    };
    let peers = asker
        .find(node.addr, &content.swarm, 20, vec![adsl.clone()])
        .await
        .unwrap();
    let ids: Vec<_> = peers.iter().map(|p| p.peer_id).collect();
    assert_eq!(ids.len(), 4, "three known peers and the responder itself");
    assert!(ids[..2].contains(&peer_id(2)) && ids[..2].contains(&peer_id(4)));
    assert!(ids.contains(&peer_id(1)));
    let two = asker
        .find(node.addr, &content.swarm, 2, vec![adsl])
        .await
        .unwrap();
    assert_eq!(two.len(), 2, "Peernum caps the list");
    assert_eq!(
        asker.state().peers(&content.swarm).len(),
        4,
        "the answers are remembered"
    );
}

#[tokio::test]
async fn find_leaves_out_the_requester_itself() {
    let content = Content::new(4 * 1024, 2);
    let view = TestView::new(1, &content, &[(0, 3)]);
    view.add_peer(peer_info(9, 7009, None), None);
    let node = serve(view, &[Transport::Http], SignallingConfig::default()).await;
    let peers = client(9)
        .find(node.addr, &content.swarm, 20, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        peers.iter().map(|p| p.peer_id).collect::<Vec<_>>(),
        [peer_id(1)]
    );
}

#[tokio::test]
async fn methods_on_a_swarm_the_peer_is_not_in_answer_swarm_not_found() {
    let content = Content::new(4 * 1024, 3);
    let node = serve(
        TestView::new(1, &content, &[(0, 3)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let other = SwarmId::new(vec![0xAB; 32]).unwrap();
    let asker = client(9);
    assert_eq!(
        refused(asker.find(node.addr, &other, 5, Vec::new()).await),
        Status::SwarmNotFound
    );
    assert_eq!(
        refused(asker.pull_availability(node.addr, &other).await),
        Status::SwarmNotFound
    );
    assert_eq!(
        refused(asker.negotiate(node.addr, &other, &[Transport::Http]).await),
        Status::SwarmNotFound
    );
    assert_eq!(
        refused(asker.send_choke(node.addr, &other, true).await),
        Status::SwarmNotFound
    );
}

#[tokio::test]
async fn find_chunk_lists_only_holders_and_says_when_nobody_has_it() {
    let content = Content::new(40 * 1024, 4);
    let view = TestView::new(1, &content, &[(0, 9)]);
    view.add_peer(peer_info(2, 7002, None), Some(set(&[(30, 39)])));
    view.add_peer(peer_info(3, 7003, None), Some(set(&[(0, 4)])));
    let node = serve(view, &[Transport::Http], SignallingConfig::default()).await;
    let asker = client(9);
    let rare = asker
        .find_chunk(node.addr, &content.swarm, 35, 20)
        .await
        .unwrap();
    assert_eq!(
        rare.iter().map(|p| p.peer_id).collect::<Vec<_>>(),
        [peer_id(2)]
    );
    let common = asker
        .find_chunk(node.addr, &content.swarm, 3, 20)
        .await
        .unwrap();
    assert_eq!(common.len(), 2, "the responder and peer 3");
    assert_eq!(
        refused(asker.find_chunk(node.addr, &content.swarm, 20, 20).await),
        Status::ChunkNotFound
    );
}

#[tokio::test]
async fn pulled_availability_is_the_verified_store_in_the_smaller_encoding_unless_asked() {
    let content = Content::new(400 * 1024, 5);
    // Every other chunk: a bitmap is far shorter than the ranges text.
    let runs: Vec<(u64, u64)> = (0..200).map(|i| (i * 2, i * 2)).collect();
    let node = serve(
        TestView::new(1, &content, &runs),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let asker = client(9);
    let (responder, map) = asker
        .pull_availability(node.addr, &content.swarm)
        .await
        .unwrap();
    assert_eq!(responder, peer_id(1));
    assert_eq!(map, set(&runs));
    let stored = asker.state().peers(&content.swarm);
    assert_eq!(stored[0].1.availability.as_ref(), Some(&set(&runs)));

    let body = format!(
        r#"<PPSPPeerProtocol version="1.0"><Method>CHUNK_AVAILABILITY</Method><TransactionID>t1</TransactionID><PeerID>{}</PeerID><SwarmID>{}</SwarmID></PPSPPeerProtocol>"#,
        peer_id(8),
        content.swarm.to_hex()
    );
    let (status, text) = post_raw_with(
        node.addr,
        "application/ppsp-peer+xml",
        body.clone().into(),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(text.contains(r#"encoding="bitmap""#), "{text}");
    let (_, text) = post_raw_with(
        node.addr,
        "application/ppsp-peer+xml",
        body.into(),
        &[(CHUNK_ENCODING_HEADER, "ranges")],
    )
    .await;
    assert!(text.contains(r#"encoding="ranges""#), "{text}");
}

#[tokio::test]
async fn pushed_reports_are_stored_as_the_reporters_availability() {
    let content = Content::new(40 * 1024, 6);
    let view = TestView::new(1, &content, &[(0, 9)]);
    let node = serve(view, &[Transport::Http], SignallingConfig::default()).await;
    let reporter = client(7);
    reporter
        .push_report(node.addr, &content.swarm, &set(&[(20, 24)]))
        .await
        .unwrap();
    reporter
        .push_report(node.addr, &content.swarm, &set(&[(25, 25)]))
        .await
        .unwrap();
    let stored = node.state.peers(&content.swarm);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, peer_id(7));
    assert_eq!(
        stored[0].1.availability,
        Some(set(&[(20, 25)])),
        "batches add up"
    );
}

#[tokio::test]
async fn property_query_answers_measured_values_and_unknown_for_the_rest() {
    let content = Content::new(4 * 1024, 7);
    let node = serve(
        TestView::new(1, &content, &[(0, 3)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let asker = client(9);
    let asked = vec![
        PropertyName::UplinkBandwidth,
        PropertyName::AccessType,
        PropertyName::Power,
        PropertyName::BufferLevel,
        PropertyName::Load,
        PropertyName::Other("color_depth".into()),
    ];
    let (responder, stats) = asker
        .query_properties(node.addr, Some(&content.swarm), asked.clone())
        .await
        .unwrap();
    assert_eq!(responder, peer_id(1));
    let values: Vec<_> = stats
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            (asked[0].clone(), Some(PropertyValue::Kbps(8000))),
            (
                asked[1].clone(),
                Some(PropertyValue::AccessType(AccessType::Ftth))
            ),
            (asked[2].clone(), None),
            (asked[3].clone(), Some(PropertyValue::Millis(1500))),
            (asked[4].clone(), Some(PropertyValue::Percent(0))),
            (asked[5].clone(), None),
        ]
    );
    let (_, all) = asker
        .query_properties(node.addr, None, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        PropertyName::KNOWN.len(),
        "an empty query asks for all"
    );
}

#[tokio::test]
async fn negotiation_picks_the_first_common_transport_in_the_requesters_order() {
    let content = Content::new(4 * 1024, 8);
    let node = serve(
        TestView::new(1, &content, &[(0, 3)]),
        &[Transport::PpsppUdp, Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let asker = client(9);
    let chosen = asker
        .negotiate(
            node.addr,
            &content.swarm,
            &[Transport::Relay, Transport::Http, Transport::PpsppUdp],
        )
        .await
        .unwrap();
    assert_eq!(chosen.transport, Transport::Http);
    assert_eq!(chosen.addr, Some(node.addr));
    let http_only = serve(
        TestView::new(2, &content, &[(0, 3)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    assert_eq!(
        refused(
            asker
                .negotiate(http_only.addr, &content.swarm, &[Transport::PpsppUdp])
                .await
        ),
        Status::NoCommonTransport
    );
}

#[tokio::test]
async fn choke_and_unchoke_from_a_peer_are_acknowledged_and_remembered() {
    let content = Content::new(4 * 1024, 9);
    let node = serve(
        TestView::new(1, &content, &[(0, 3)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let asker = client(9);
    asker
        .send_choke(node.addr, &content.swarm, true)
        .await
        .unwrap();
    assert!(
        node.state
            .is_choked_by(&content.swarm, &peer_id(9), Instant::now())
    );
    asker
        .send_choke(node.addr, &content.swarm, false)
        .await
        .unwrap();
    assert!(
        !node
            .state
            .is_choked_by(&content.swarm, &peer_id(9), Instant::now())
    );
}

#[tokio::test]
async fn a_busy_node_chokes_newcomers_and_owes_them_an_unchoke_when_a_slot_frees() {
    let content = Content::new(4 * 1024, 10);
    let mut view = TestView::new(1, &content, &[(0, 3)]);
    view.slots = 2;
    *view.engine_slots.get_mut().unwrap() = 1;
    let config = SignallingConfig {
        slot_idle: std::time::Duration::from_millis(200),
        ..SignallingConfig::default()
    };
    let node = serve(view, &[Transport::Http], config).await;
    let first = client(8);
    let second = client(9);
    first
        .pull_availability(node.addr, &content.swarm)
        .await
        .unwrap();
    assert_eq!(
        refused(second.pull_availability(node.addr, &content.swarm).await),
        Status::Choked
    );
    assert_eq!(
        refused(
            second
                .negotiate(node.addr, &content.swarm, &[Transport::Http])
                .await
        ),
        Status::Choked,
        "a choked requester that still asks gets CHOKED"
    );
    assert!(node.state.is_choking(&content.swarm, peer_id(9)));
    // Discovery stays open to a choked peer, so it can try others.
    second
        .find(node.addr, &content.swarm, 5, Vec::new())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let owed = node.state.take_unchokable(Instant::now(), 2, 1);
    assert_eq!(owed, vec![(content.swarm.clone(), peer_id(9))]);
    second
        .pull_availability(node.addr, &content.swarm)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_peer_the_engine_chokes_is_choked_here_too() {
    let content = Content::new(4 * 1024, 12);
    let view = TestView::new(1, &content, &[(0, 3)]);
    view.peers
        .lock()
        .unwrap()
        .push(ppsp_node::signalling::KnownPeer {
            info: peer_info(9, 7009, None),
            last_seen: Instant::now(),
            availability: None,
            choked: true,
        });
    let node = serve(view, &[Transport::Http], SignallingConfig::default()).await;
    assert_eq!(
        refused(client(9).pull_availability(node.addr, &content.swarm).await),
        Status::Choked
    );
    client(8)
        .pull_availability(node.addr, &content.swarm)
        .await
        .unwrap();
}
