//! Two UDP nodes in one process on loopback: one is the source of a signed live stream, the
//! other a receiver whose [`LiveReader`] hands out the verified chunks in order, each equal
//! to what the source pushed, from the receiver's join point on.

use std::time::Duration;

use bytes::Bytes;
use ppsp_core::LiveSigningKey;
use ppsp_core::engine::{LiveSettings, live_metadata};
use ppsp_core::live::LiveSignatureAlgorithm;
use ppsp_node::node::{LiveStart, Node, NodeConfig, NodeError, SwarmStorage};

const CHUNK: u32 = 1024;
const RATE: f64 = 20.0;

/// Chunk `index` of the test stream: its index, then a pattern that depends on it.
fn chunk(index: u64) -> Bytes {
    let mut data = vec![0; CHUNK as usize];
    data[..8].copy_from_slice(&index.to_be_bytes());
    for (i, byte) in data.iter_mut().enumerate().skip(8) {
        *byte = (index as usize).wrapping_mul(31).wrapping_add(i) as u8;
    }
    Bytes::from(data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_reads_the_source_chunks_in_order() {
    let key = LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::EcdsaP256Sha256, &[7; 32])
        .expect("a valid P-256 scalar");
    let metadata =
        live_metadata(&key.public_key(), CHUNK, Some(4), Some(256)).expect("valid metadata");
    let swarm = metadata.swarm_id.clone();
    let settings = LiveSettings {
        chunk_rate: Some(RATE),
        ..LiveSettings::default()
    };
    let config = NodeConfig::for_chunk_size("127.0.0.1:0".parse().unwrap(), CHUNK);
    let (source, _source_events) = Node::spawn(config.clone()).expect("source node");
    let (receiver, _receiver_events) = Node::spawn(config).expect("receiver node");
    source
        .add_swarm(SwarmStorage::LiveSource {
            metadata: metadata.clone(),
            key: Box::new(key),
            settings: settings.clone(),
        })
        .await
        .expect("source joins");
    receiver
        .add_swarm(SwarmStorage::LiveReceiver { metadata, settings })
        .await
        .expect("receiver joins");
    // A static swarm's ID is refused by the live reader.
    let mut other = swarm.as_bytes().to_vec();
    other[0] ^= 1;
    let other = ppsp_wire::ids::SwarmId::new(other).expect("an ID");
    assert!(matches!(
        receiver.live_reader(other, LiveStart::JoinPoint).await,
        Err(NodeError::NotLive(_))
    ));

    let pusher = {
        let source = source.clone();
        let swarm = swarm.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / RATE));
            for index in 0..400 {
                ticks.tick().await;
                let pushed = source.push_live_chunk(swarm.clone(), chunk(index)).await;
                assert_eq!(pushed.expect("the source takes the chunk"), index);
            }
        })
    };
    receiver
        .connect(swarm.clone(), source.local_addr())
        .await
        .expect("connect");
    let mut reader = receiver
        .live_reader(swarm.clone(), LiveStart::JoinPoint)
        .await
        .expect("a live reader");
    let read = async {
        let mut expected = None;
        for _ in 0..40 {
            let got = reader.next_chunk().await.expect("the stream goes on");
            assert_eq!(got.data, chunk(got.index), "chunk {} differs", got.index);
            assert_eq!(got.skipped, 0, "chunk {} came after a gap", got.index);
            if let Some(expected) = expected {
                assert_eq!(got.index, expected);
            }
            expected = Some(got.index + 1);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("40 chunks within 60 s");
    let status = receiver
        .live_status(swarm.clone())
        .await
        .expect("node running")
        .expect("a live swarm");
    assert!(!status.source);
    assert!(status.join_chunk.is_some());
    let source_status = source.live_status(swarm.clone()).await.unwrap().unwrap();
    assert!(source_status.source);
    pusher.abort();
    receiver.shutdown().await;
    source.shutdown().await;
    // Once the node stopped, the reader hands out what it still holds in order, then ends.
    let mut left = 0;
    while let Some(got) = reader.next_chunk().await {
        assert_eq!(got.data, chunk(got.index));
        left += 1;
        assert!(left <= 256, "more chunks than the window holds");
    }
}
