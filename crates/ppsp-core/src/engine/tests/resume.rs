//! Resuming a download from what storage already holds (`SwarmContent::Resume`): the held
//! chunks are announced, never requested again, and their hashes never sent again.

use std::time::Duration;

use ppsp_wire::ppspp::Message;

use super::*;
use crate::availability::ChunkSet;
use crate::engine::EngineError;
use crate::merkle::MerkleVerifier;

/// A store and verifier holding the chunks `keep` selects, as a restarted download would.
pub(super) fn partial_for_tests(
    content: &Content,
    keep: impl Fn(u64) -> bool,
) -> (MemoryStore, SwarmContent) {
    partial(content, keep)
}

fn partial(content: &Content, keep: impl Fn(u64) -> bool) -> (MemoryStore, SwarmContent) {
    let hash = HashFunction::from(content.metadata.merkle_hash_function);
    let mut verifier = MerkleVerifier::new(hash, content.tree.root_hash()).unwrap();
    verifier.add_peaks(&content.tree.peaks()).unwrap();
    let mut store = MemoryStore::new();
    let mut verified = ChunkSet::new();
    let size = content.chunk_size() as usize;
    for (index, data) in (0..)
        .zip(content.bytes.chunks(size))
        .filter(|(i, _)| keep(*i))
    {
        let uncles = content
            .tree
            .uncles_for(index, |bin| verifier.verified_hash(bin).is_some())
            .unwrap();
        for (bin, digest) in uncles {
            verifier.add_hash(bin, digest).unwrap();
        }
        verifier.verify_chunk(index, data).unwrap();
        store
            .write_chunk(index, Bytes::copy_from_slice(data))
            .unwrap();
        verified.insert(index);
    }
    (store, SwarmContent::Resume { verified, verifier })
}

fn resumed_swarm(content: &Content, keep: impl Fn(u64) -> bool) -> SwarmConfig {
    let (store, resume) = partial(content, keep);
    SwarmConfig {
        metadata: content.metadata.clone(),
        store: Box::new(store),
        content: resume,
    }
}

/// The chunks named by REQUESTs from node `from` to node `to`.
fn requested(net: &Net, content: &Content, from: usize, to: usize) -> ChunkSet {
    let mut chunks = ChunkSet::new();
    for message in net.messages(from, to, &content.ctx()).into_iter().flatten() {
        if let Message::Request { spec } = message {
            let layout = crate::spec::SpecLayout::new(
                content.metadata.chunk_addressing,
                content.chunk_size(),
            )
            .unwrap();
            chunks.insert_spec(spec, &layout).unwrap();
        }
    }
    chunks
}

#[test]
fn a_resumed_download_fetches_only_what_it_lacks_and_ends_identical() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    // Every other chunk: a map of 51 runs, far more than a handshake carries.
    net.endpoint(1)
        .add_swarm(now, resumed_swarm(&content, |i| i % 2 == 0))
        .unwrap();
    net.connect(1, 0, &content.id());
    assert!(net.run_until(Duration::from_secs(30), |n| n.complete(1)));
    let asked = requested(&net, &content, 1, 0);
    assert_eq!(asked.len(), 50, "only the 50 odd chunks are requested");
    assert!(
        asked
            .runs()
            .all(|run| (run.first()..=run.last()).all(|c| c % 2 == 1))
    );
    assert_eq!(net.stored(1, &content.id(), 101), content.bytes.to_vec());
    // Each odd chunk's sibling is held, so no hash had to be sent again.
    let integrity = net
        .messages(0, 1, &content.ctx())
        .into_iter()
        .flatten()
        .filter(|m| matches!(m, Message::Integrity { .. }))
        .count();
    assert_eq!(integrity, 0);
    let stats = net.endpoint(1).swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.chunks_verified, 50);
    assert_eq!(stats.content_length, Some(content.bytes.len() as u64));
}

#[test]
fn a_resumed_peer_serves_what_it_holds_to_others() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    // Node 0 resumed with the first half only; node 1 starts from nothing.
    net.endpoint(0)
        .add_swarm(now, resumed_swarm(&content, |i| i < 50))
        .unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    let got_half = net.run_until(Duration::from_secs(30), |n| {
        n.endpoint_ref(1)
            .swarm_stats(&content.id())
            .is_some_and(|s| s.chunks_held == 50)
    });
    assert!(got_half);
    assert_eq!(
        net.stored(1, &content.id(), 50),
        content.bytes[..50 * 1024].to_vec()
    );
}

#[test]
fn a_resumed_download_already_whole_reports_completion_at_once() {
    let content = Content::standard();
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    driver
        .endpoint
        .add_swarm(now, resumed_swarm(&content, |_| true))
        .unwrap();
    assert!(
        driver
            .events()
            .iter()
            .any(|e| matches!(e, Event::SwarmComplete { .. }))
    );
}

#[test]
fn resume_state_of_another_swarm_is_refused() {
    let content = Content::standard();
    let other = Content::new(
        super::content(5000, 9),
        1024,
        MerkleHashFunction::Sha256,
        ChunkAddressing::ChunkRanges32,
    );
    let (store, resume) = partial(&other, |i| i < 2);
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    let refused = driver.endpoint.add_swarm(
        now,
        SwarmConfig {
            metadata: content.metadata.clone(),
            store: Box::new(store),
            content: resume,
        },
    );
    assert!(matches!(refused, Err(EngineError::TreeMismatch(_))));
    // Chunks claimed without a verified hash are refused too.
    let (store, resume) = partial(&content, |i| i < 2);
    let SwarmContent::Resume { verifier, .. } = resume else {
        unreachable!("partial builds a resume")
    };
    let mut verified = ChunkSet::new();
    verified.insert(70);
    let refused = driver.endpoint.add_swarm(
        now,
        SwarmConfig {
            metadata: content.metadata.clone(),
            store: Box::new(store),
            content: SwarmContent::Resume { verified, verifier },
        },
    );
    assert!(matches!(refused, Err(EngineError::TreeMismatch(_))));
}
