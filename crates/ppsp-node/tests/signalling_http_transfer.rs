//! The PULL flow and the `http` transport end to end between in-process nodes on loopback:
//! discovery by FIND, sources from pulled availability and negotiation, a verified transfer,
//! and a lying peer whose chunks are rejected.

mod signalling_support;

use std::sync::Arc;
use std::time::Duration;

use ppsp_core::engine::MemoryStore;
use ppsp_core::{ChunkSet, HashFunction};
use ppsp_node::signalling::{
    DownloadError, HttpDownload, HttpDownloadConfig, HttpSource, PullOptions, SignallingClient,
    SignallingConfig, SignallingState, pull_flow,
};
use ppsp_wire::peer_list::Transport;
use signalling_support::{Content, TestView, peer_id, peer_info, serve};

fn client(n: u8) -> Arc<SignallingClient> {
    Arc::new(SignallingClient::new(
        peer_id(n),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    ))
}

fn config() -> HttpDownloadConfig {
    HttpDownloadConfig {
        deadline: Duration::from_secs(30),
        ..HttpDownloadConfig::default()
    }
}

#[tokio::test]
async fn a_file_moves_over_http_between_two_nodes_and_verifies() {
    let content = Content::new(50 * 1024 + 321, 21);
    let count = content.chunk_count();
    let seeder = serve(
        TestView::new(1, &content, &[(0, count - 1)]),
        &[Transport::PpsppUdp, Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let leecher = client(2);
    let tracker_list = vec![peer_info(1, seeder.addr.port(), None)];
    let options = PullOptions {
        transports: vec![Transport::Http, Transport::PpsppUdp],
        ..PullOptions::default()
    };
    let sources = pull_flow(&leecher, &content.swarm, &tracker_list, &options).await;
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].transport.transport, Transport::Http);
    assert_eq!(sources[0].availability.len(), count);

    let mut store = MemoryStore::new();
    let download = HttpDownload::new(
        Arc::clone(&leecher),
        content.swarm.clone(),
        HashFunction::Sha256,
        None,
        ChunkSet::new(),
        &mut store,
        config(),
    )
    .unwrap();
    let report = download
        .run(HttpSource::from_sources(&sources))
        .await
        .unwrap();
    assert_eq!(report.chunks, count);
    assert_eq!(report.rejected, 0);
    assert_eq!(store.content(), content.bytes.to_vec());
    assert!(leecher.signalling_bytes() > 0);
}

#[tokio::test]
async fn find_discovers_the_peers_the_tracker_did_not_list_and_rarest_chunks_come_from_holders() {
    let content = Content::new(40 * 1024, 22);
    let count = content.chunk_count();
    // Two partial holders; the only peer the tracker lists knows about both.
    let half_a = serve(
        TestView::new(3, &content, &[(0, 24)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let half_b = serve(
        TestView::new(4, &content, &[(20, count - 1)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let hub_view = TestView::new(5, &content, &[]);
    hub_view.add_peer(peer_info(3, half_a.addr.port(), None), None);
    hub_view.add_peer(peer_info(4, half_b.addr.port(), None), None);
    let hub = serve(hub_view, &[Transport::Http], SignallingConfig::default()).await;

    let leecher = client(2);
    let options = PullOptions {
        transports: vec![Transport::Http],
        ..PullOptions::default()
    };
    let tracker_list = vec![peer_info(5, hub.addr.port(), None)];
    let sources = pull_flow(&leecher, &content.swarm, &tracker_list, &options).await;
    let mut ids: Vec<_> = sources.iter().map(|s| s.peer.peer_id).collect();
    ids.sort();
    assert_eq!(
        ids,
        [peer_id(3), peer_id(4)],
        "the hub holds nothing and is left out"
    );

    let rare = leecher
        .find_chunk(half_a.addr, &content.swarm, count - 1, 10)
        .await
        .unwrap_err();
    assert_eq!(
        rare.status(),
        Some(ppsp_wire::peer::Status::ChunkNotFound),
        "half_a knows no holder of the last chunk"
    );

    let mut store = MemoryStore::new();
    let report = HttpDownload::new(
        Arc::clone(&leecher),
        content.swarm.clone(),
        HashFunction::Sha256,
        Some(count),
        ChunkSet::new(),
        &mut store,
        config(),
    )
    .unwrap()
    .run(HttpSource::from_sources(&sources))
    .await
    .unwrap();
    assert_eq!(report.chunks, count);
    assert_eq!(store.content(), content.bytes.to_vec());
}

#[tokio::test]
async fn chunks_from_a_corrupting_peer_are_rejected_and_an_honest_peer_completes_the_file() {
    let content = Content::new(16 * 1024, 23);
    let count = content.chunk_count();
    let mut liar_view = TestView::new(6, &content, &[(0, count - 1)]);
    liar_view.corrupt = true;
    let liar = serve(liar_view, &[Transport::Http], SignallingConfig::default()).await;

    let leecher = client(2);
    let liar_only = vec![HttpSource {
        peer_id: peer_id(6),
        addr: liar.addr,
        availability: ppsp_node::signalling::from_map(&ppsp_wire::peer::ChunkMap::Ranges(vec![(
            0,
            count - 1,
        )])),
    }];
    let mut store = MemoryStore::new();
    let result = HttpDownload::new(
        Arc::clone(&leecher),
        content.swarm.clone(),
        HashFunction::Sha256,
        None,
        ChunkSet::new(),
        &mut store,
        config(),
    )
    .unwrap()
    .run(liar_only.clone())
    .await;
    let Err(DownloadError::Stalled { report, .. }) = result else {
        panic!("a download from a liar alone must stall, got {result:?}");
    };
    assert_eq!(report.banned, [peer_id(6)]);
    assert!(store.is_empty(), "nothing unverified is stored");

    let honest = serve(
        TestView::new(7, &content, &[(0, count - 1)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let mut sources = liar_only;
    sources.push(HttpSource {
        peer_id: peer_id(7),
        addr: honest.addr,
        availability: sources[0].availability.clone(),
    });
    let report = HttpDownload::new(
        Arc::clone(&leecher),
        content.swarm.clone(),
        HashFunction::Sha256,
        None,
        ChunkSet::new(),
        &mut store,
        config(),
    )
    .unwrap()
    .run(sources)
    .await
    .unwrap();
    assert_eq!(report.chunks, count);
    assert_eq!(store.content(), content.bytes.to_vec());
}

#[tokio::test]
async fn a_choked_downloader_moves_on_to_other_peers() {
    let content = Content::new(8 * 1024, 24);
    let count = content.chunk_count();
    let mut busy_view = TestView::new(8, &content, &[(0, count - 1)]);
    busy_view.slots = 1;
    *busy_view.engine_slots.get_mut().unwrap() = 1;
    let busy = serve(busy_view, &[Transport::Http], SignallingConfig::default()).await;
    let free = serve(
        TestView::new(9, &content, &[(0, count - 1)]),
        &[Transport::Http],
        SignallingConfig::default(),
    )
    .await;
    let leecher = client(2);
    let all =
        ppsp_node::signalling::from_map(&ppsp_wire::peer::ChunkMap::Ranges(vec![(0, count - 1)]));
    let sources = vec![
        HttpSource {
            peer_id: peer_id(8),
            addr: busy.addr,
            availability: all.clone(),
        },
        HttpSource {
            peer_id: peer_id(9),
            addr: free.addr,
            availability: all,
        },
    ];
    let mut store = MemoryStore::new();
    let report = HttpDownload::new(
        Arc::clone(&leecher),
        content.swarm.clone(),
        HashFunction::Sha256,
        None,
        ChunkSet::new(),
        &mut store,
        config(),
    )
    .unwrap()
    .run(sources)
    .await
    .unwrap();
    assert_eq!(report.chunks, count);
    assert_eq!(
        report.choked_by,
        [peer_id(8)],
        "the busy peer answered CHOKED"
    );
    assert!(
        leecher
            .state()
            .is_choked_by(&content.swarm, &peer_id(8), std::time::Instant::now())
    );
    assert_eq!(store.content(), content.bytes.to_vec());
}
