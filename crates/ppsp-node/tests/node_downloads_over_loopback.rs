//! Two UDP nodes in one process on loopback: one seeds a file in place, the other downloads
//! it into a resumable file, which ends byte-identical and in place; the seeder's counters
//! show what it uploaded. Also: a second download of the same target resumes as complete.

use std::time::Duration;

use ppsp_node::node::{Node, NodeConfig, NodeEvent, NodeEvents, SwarmStorage};
use ppsp_node::storage::{Download, DownloadFile, SeedFile, SeedOptions, SharedDownload};

/// Deterministic pseudo-random bytes.
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn loopback() -> NodeConfig {
    NodeConfig::for_chunk_size("127.0.0.1:0".parse().unwrap(), 1024)
}

/// Waits for the download to complete, failing on a storage error or after `limit`.
async fn completion(events: &mut NodeEvents, limit: Duration) -> std::path::PathBuf {
    let wait = async {
        loop {
            match events.recv().await {
                Some(NodeEvent::DownloadComplete { path, .. }) => return path,
                Some(NodeEvent::StorageFailed { error, .. }) => panic!("storage: {error}"),
                Some(_) => {}
                None => panic!("node stopped"),
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .expect("download did not complete in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_from_a_seeding_node_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(3 << 20, 7);
    std::fs::write(&source, &bytes).unwrap();
    let seed = SeedFile::open(&source, &SeedOptions::default()).unwrap();
    let metadata = seed.metadata().clone();
    let swarm = metadata.swarm_id.clone();

    let (seeder, _seeder_events) = Node::spawn(loopback()).unwrap();
    seeder.add_swarm(SwarmStorage::seed(seed)).await.unwrap();

    let target = dir.path().join("copy.bin");
    let Download::Partial(file) = DownloadFile::open(&target, &metadata).unwrap() else {
        panic!("nothing was downloaded yet");
    };
    let download = SharedDownload::new(file);
    let (leecher, mut events) = Node::spawn(loopback()).unwrap();
    leecher
        .add_swarm(SwarmStorage::Download {
            metadata: metadata.clone(),
            download: download.clone(),
        })
        .await
        .unwrap();
    leecher
        .connect(swarm.clone(), seeder.local_addr())
        .await
        .unwrap();

    let path = completion(&mut events, Duration::from_secs(120)).await;
    assert_eq!(path, target);
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    assert!(!dir.path().join("copy.bin.ppsp").exists(), "sidecar left");

    let up = seeder.report(swarm.clone()).await.unwrap().unwrap();
    assert!(up.swarm.payload_bytes_up >= bytes.len() as u64);
    let down = leecher.report(swarm.clone()).await.unwrap().unwrap();
    assert!(down.is_complete());
    assert_eq!(down.swarm.chunks_verified, 3 << 10);

    leecher.shutdown().await;
    seeder.shutdown().await;
    assert!(matches!(
        leecher.report(swarm).await,
        Err(ppsp_node::node::NodeError::Stopped)
    ));
    // The finished file is recognised as this content.
    assert!(matches!(
        DownloadFile::open(&target, &metadata).unwrap(),
        Download::Complete(_)
    ));
}

#[tokio::test]
async fn a_second_node_on_a_port_in_use_is_refused_with_the_address() {
    let (first, _events) = Node::spawn(loopback()).unwrap();
    let taken = first.local_addr();
    let mut config = loopback();
    config.listen = taken;
    let error = Node::spawn(config).unwrap_err();
    assert!(error.to_string().contains(&taken.to_string()), "{error}");
    first.shutdown().await;
}
