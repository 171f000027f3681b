//! The signalling plane wired into running nodes (real UDP sockets, real HTTP servers, on
//! loopback): a busy node answers CHOKED and the requester fetches from another node instead;
//! a node sends UNCHOKE once a slot frees; FIND_CHUNK names the one node holding a rare chunk,
//! from what the engines exchanged.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{HashFunction, MerkleTree};
use ppsp_node::node::{Node, NodeConfig, NodeEvent, NodeEvents, NodeHandle, SwarmStorage};
use ppsp_node::signalling::{ClientError, SignallingClient, SignallingConfig, SignallingState};
use ppsp_node::storage::{Download, DownloadFile, SeedFile, SeedOptions, SharedDownload};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer::Status;
use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use ppsp_wire::ppspp::MerkleHashFunction;

const CHUNK: u32 = 1024;

fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8)
        .collect()
}

fn metadata(bytes: &[u8]) -> (SwarmMetadata, MerkleTree) {
    let tree =
        MerkleTree::from_content(HashFunction::Sha256, &Bytes::copy_from_slice(bytes), CHUNK)
            .unwrap();
    let id = SwarmId::new(tree.root_hash().as_bytes().to_vec()).unwrap();
    let metadata =
        SwarmMetadata::static_content(id, CHUNK, MerkleHashFunction::Sha256, bytes.len() as u64);
    (metadata, tree)
}

/// A node on loopback with an HTTP port, speaking `transports`, with `slots` upload slots.
fn node(transports: &[Transport], slots: usize) -> (NodeHandle, NodeEvents) {
    let mut config = NodeConfig::for_chunk_size(SocketAddr::from(([127, 0, 0, 1], 0)), CHUNK);
    config.http_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.transports = transports.to_vec();
    config.endpoint.upload_slots = slots;
    Node::spawn(config).unwrap()
}

async fn seed(handle: &NodeHandle, file: &Path) {
    let options = SeedOptions {
        chunk_size: CHUNK,
        hash_function: HashFunction::Sha256,
        ..SeedOptions::default()
    };
    let seed = SeedFile::open(file, &options).unwrap();
    handle.add_swarm(SwarmStorage::seed(seed)).await.unwrap();
}

/// A download into `path` that already holds chunks `first..=last`, proven from `tree`.
fn partial(
    path: &Path,
    metadata: &SwarmMetadata,
    tree: &MerkleTree,
    bytes: &[u8],
    first: u64,
    last: u64,
) -> SharedDownload {
    let Download::Partial(mut download) = DownloadFile::open(path, metadata).unwrap() else {
        panic!("a new download is partial");
    };
    for chunk in first..=last {
        let start = (chunk * u64::from(CHUNK)) as usize;
        let end = (start + CHUNK as usize).min(bytes.len());
        let uncles = tree.uncles_for(chunk, |_| false).unwrap();
        download
            .write_proven_chunk(chunk, &bytes[start..end], &tree.peaks(), &uncles)
            .unwrap();
    }
    download.flush().unwrap();
    SharedDownload::new(download)
}

/// How `handle` appears in peer lists.
fn info(handle: &NodeHandle) -> PeerInfo {
    let mut addresses = Vec::new();
    if handle.speaks_udp() {
        addresses.push(PeerAddress {
            addr: handle.local_addr(),
            transport: Transport::PpsppUdp,
        });
    }
    addresses.push(PeerAddress {
        addr: handle.http_addr().unwrap(),
        transport: Transport::Http,
    });
    PeerInfo {
        peer_id: handle.peer_id(),
        addresses,
        properties: Vec::new(),
    }
}

async fn until_complete(events: &mut NodeEvents, limit: Duration) -> std::path::PathBuf {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(NodeEvent::DownloadComplete { path, .. })) => return path,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("the download did not complete within {limit:?}"),
        }
    }
}

fn client() -> SignallingClient {
    SignallingClient::new(
        PeerId([0xee; 20]),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_node_chokes_and_the_requester_fetches_from_another() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = content(48 * CHUNK as usize + 77, 3);
    let file = dir.path().join("source.bin");
    std::fs::write(&file, &bytes).unwrap();
    let (metadata, _) = metadata(&bytes);
    let swarm = metadata.swarm_id.clone();

    // No upload slot at all: every data request is refused with CHOKED.
    let (busy, _busy_events) = node(&[Transport::Http], 0);
    seed(&busy, &file).await;
    let (free, _free_events) = node(&[Transport::Http], 8);
    seed(&free, &file).await;

    let out = dir.path().join("copy.bin");
    let Download::Partial(download) = DownloadFile::open(&out, &metadata).unwrap() else {
        panic!("a new download is partial");
    };
    let (leecher, mut events) = node(&[Transport::Http], 8);
    leecher
        .add_swarm(SwarmStorage::Download {
            metadata: metadata.clone(),
            download: SharedDownload::new(download),
        })
        .await
        .unwrap();
    // As a tracker would list them: the busy node first.
    leecher.learn_peers(&swarm, &[info(&busy), info(&free)]);

    let path = until_complete(&mut events, Duration::from_secs(120)).await;
    assert!(std::fs::read(path).unwrap() == bytes, "copy differs");
    let stats = leecher.signalling_stats().unwrap();
    assert!(stats.choked_by >= 1, "the busy node choked us: {stats:?}");
    assert!(stats.http_sources >= 1, "{stats:?}");
    let chunks = bytes.len().div_ceil(CHUNK as usize) as u64;
    assert_eq!(stats.http_chunks, chunks, "{stats:?}");
    assert_eq!(busy.signalling_stats().unwrap().chunks_served, 0);
    assert!(free.signalling_stats().unwrap().chunks_served >= chunks);

    // The busy node still answers FIND while it chokes data requests.
    let asker = client();
    let busy_http = busy.http_addr().unwrap();
    assert!(asker.find(busy_http, &swarm, 10, Vec::new()).await.is_ok());
    let refused = asker
        .pull_availability(busy_http, &swarm)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(Status::Choked), "{refused}");
    for handle in [leecher, busy, free] {
        handle.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_chunk_names_the_only_holder_of_a_rare_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = content(32 * CHUNK as usize, 9);
    let (metadata, tree) = metadata(&bytes);
    let swarm = metadata.swarm_id.clone();

    // Two partial nodes holding different halves, both choking (no upload slot), so nothing
    // moves and each half stays where it is; they see each other's HAVEs over UDP.
    let both = [Transport::PpsppUdp, Transport::Http];
    let (low, _low_events) = node(&both, 0);
    let (high, _high_events) = node(&both, 0);
    for (handle, name, first, last) in [(&low, "low.bin", 0, 15), (&high, "high.bin", 16, 31)] {
        let download = partial(
            &dir.path().join(name),
            &metadata,
            &tree,
            &bytes,
            first,
            last,
        );
        handle
            .add_swarm(SwarmStorage::Download {
                metadata: metadata.clone(),
                download,
            })
            .await
            .unwrap();
    }
    low.learn_peers(&swarm, &[info(&high)]);
    high.learn_peers(&swarm, &[info(&low)]);
    low.connect(swarm.clone(), high.local_addr()).await.unwrap();

    let asker = client();
    let low_http = low.http_addr().unwrap();
    // The HAVEs cross within the handshake; the snapshot follows within 200 ms.
    let deadline = Instant::now() + Duration::from_secs(30);
    let holders = loop {
        match asker.find_chunk(low_http, &swarm, 20, 10).await {
            Ok(holders) => break holders,
            Err(ClientError::Refused {
                status: Status::ChunkNotFound,
                ..
            }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("FIND_CHUNK failed: {error}"),
        }
    };
    let ids: Vec<PeerId> = holders.iter().map(|p| p.peer_id).collect();
    assert_eq!(
        ids,
        vec![high.peer_id()],
        "only the high node holds chunk 20"
    );

    let own = asker.find_chunk(low_http, &swarm, 3, 10).await.unwrap();
    let ids: Vec<PeerId> = own.iter().map(|p| p.peer_id).collect();
    assert_eq!(ids, vec![low.peer_id()], "only the low node holds chunk 3");

    let high_http = high.http_addr().unwrap();
    let from_high = asker.find_chunk(high_http, &swarm, 3, 10).await.unwrap();
    let ids: Vec<PeerId> = from_high.iter().map(|p| p.peer_id).collect();
    assert_eq!(
        ids,
        vec![low.peer_id()],
        "the high node knows who holds chunk 3"
    );
    for handle in [low, high] {
        handle.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freed_slot_sends_unchoke_to_the_peer_that_was_choked() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = content(8 * CHUNK as usize, 5);
    let file = dir.path().join("source.bin");
    std::fs::write(&file, &bytes).unwrap();
    let (metadata, _) = metadata(&bytes);
    let swarm = metadata.swarm_id.clone();

    // One upload slot, freed after a second without requests.
    let mut config = NodeConfig::for_chunk_size(SocketAddr::from(([127, 0, 0, 1], 0)), CHUNK);
    config.http_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.transports = vec![Transport::Http];
    config.endpoint.upload_slots = 1;
    config.signalling.slot_idle = Duration::from_secs(1);
    let (busy, _busy_events) = Node::spawn(config).unwrap();
    seed(&busy, &file).await;
    // The peer to be choked: a complete node (it fetches nothing itself) with an HTTP port.
    let (waiting, _waiting_events) = node(&[Transport::Http], 8);
    seed(&waiting, &file).await;
    busy.learn_peers(&swarm, &[info(&waiting)]);
    let busy_http = busy.http_addr().unwrap();

    let holder = client();
    holder.pull_availability(busy_http, &swarm).await.unwrap();
    // Speaking as the waiting node: no slot left, so CHOKED, and an UNCHOKE is owed.
    let as_waiting = SignallingClient::new(
        waiting.peer_id(),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    );
    let refused = as_waiting
        .pull_availability(busy_http, &swarm)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(Status::Choked), "{refused}");

    // The holder goes quiet; the busy node's agent sends UNCHOKE to the waiting node's
    // HTTP port, which records who unchoked it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let waiting_state = Arc::clone(waiting.plane().unwrap().state());
    loop {
        let told = waiting_state
            .peers(&swarm)
            .iter()
            .any(|(id, _)| *id == busy.peer_id());
        if told && busy.signalling_stats().unwrap().unchokes_sent >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no UNCHOKE within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!waiting_state.is_choked_by(&swarm, &busy.peer_id(), Instant::now()));
    // And the slot is there for it now.
    let (_, map) = as_waiting
        .pull_availability(busy_http, &swarm)
        .await
        .unwrap();
    assert_eq!(map.len(), 8);
    for handle in [busy, waiting] {
        handle.shutdown().await;
    }
}
