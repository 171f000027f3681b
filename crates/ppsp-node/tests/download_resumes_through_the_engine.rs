//! A download written by the engine (through `SharedDownload`) and dropped or cut short
//! without finishing resumes in a new engine with everything it had made durable: those
//! chunks are announced and never requested again, and the result is byte-identical.

mod common;

use std::collections::VecDeque;
use std::fs;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{Seeder, Snapshot, content, partial};
use ppsp_core::engine::{Endpoint, EndpointConfig, Event, MemoryStore, SwarmConfig, SwarmContent};
use ppsp_core::spec::SpecLayout;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{ChunkSet, HashFunction};
use ppsp_node::storage::SharedDownload;
use ppsp_wire::ppspp::{Datagram, DecodeContext, Message};

const SEEDER: usize = 0;
const LEECHER: usize = 1;

/// Two endpoints on a virtual clock with 5 ms latency; records the chunks the leecher
/// requested.
struct Pair {
    endpoints: [Endpoint; 2],
    addrs: [SocketAddr; 2],
    now: Instant,
    wire: VecDeque<(Instant, usize, Bytes)>,
    requested: ChunkSet,
    complete: bool,
    ctx: DecodeContext,
    layout: SpecLayout,
}

impl Pair {
    fn new(seeder: &Seeder, metadata: &SwarmMetadata, leecher: SwarmConfig) -> Self {
        let now = Instant::now();
        let config = EndpointConfig::default();
        let mut endpoints = [
            Endpoint::new(config.clone(), [1; 32], now),
            Endpoint::new(config, [2; 32], now),
        ];
        let bytes = Bytes::from(seeder.content.clone());
        endpoints[SEEDER]
            .add_swarm(
                now,
                SwarmConfig {
                    metadata: metadata.clone(),
                    store: Box::new(MemoryStore::from_content(&bytes, seeder.chunk_size)),
                    content: SwarmContent::Seed(seeder.tree.clone()),
                },
            )
            .unwrap();
        endpoints[LEECHER].add_swarm(now, leecher).unwrap();
        let addrs = [
            "127.0.0.1:7001".parse().unwrap(),
            "127.0.0.1:7002".parse().unwrap(),
        ];
        endpoints[LEECHER]
            .connect(now, &metadata.swarm_id, addrs[SEEDER])
            .unwrap();
        let ctx = DecodeContext {
            chunk_addressing: metadata.chunk_addressing,
            merkle_hash_function: metadata.merkle_hash_function,
            chunk_size: metadata.chunk_size,
            ..DecodeContext::default()
        };
        let layout = SpecLayout::new(metadata.chunk_addressing, seeder.chunk_size).unwrap();
        let mut pair = Self {
            endpoints,
            addrs,
            now,
            wire: VecDeque::new(),
            requested: ChunkSet::new(),
            complete: false,
            ctx,
            layout,
        };
        pair.drain();
        pair
    }

    fn drain(&mut self) {
        for from in [SEEDER, LEECHER] {
            while let Some(t) = self.endpoints[from].poll_transmit() {
                let to = usize::from(t.destination == self.addrs[LEECHER]);
                if from == LEECHER
                    && let Ok(datagram) = Datagram::decode(t.contents.clone(), &self.ctx)
                {
                    for message in datagram.messages {
                        if let Message::Request { spec } = message {
                            self.requested.insert_spec(spec, &self.layout).unwrap();
                        }
                    }
                }
                self.wire
                    .push_back((self.now + Duration::from_millis(5), to, t.contents));
            }
            while let Some(event) = self.endpoints[from].poll_event() {
                if from == LEECHER && matches!(event, Event::SwarmComplete { .. }) {
                    self.complete = true;
                }
            }
        }
    }

    /// Runs until `done` or 60 s of virtual time.
    fn run_until(&mut self, mut done: impl FnMut(&Self) -> bool) -> bool {
        let end = self.now + Duration::from_secs(60);
        while self.now < end && !done(self) {
            let timer = self
                .endpoints
                .iter()
                .filter_map(Endpoint::poll_timeout)
                .min();
            let delivery = self.wire.front().map(|(at, _, _)| *at);
            let Some(next) = [timer, delivery].into_iter().flatten().min() else {
                break;
            };
            self.now = self.now.max(next);
            while self.wire.front().is_some_and(|(at, _, _)| *at <= self.now) {
                let (_, to, bytes) = self.wire.pop_front().unwrap();
                let from = self.addrs[1 - to];
                self.endpoints[to].handle_datagram(self.now, from, bytes);
            }
            for endpoint in &mut self.endpoints {
                if endpoint.poll_timeout().is_some_and(|t| t <= self.now) {
                    endpoint.handle_timeout(self.now);
                }
            }
            self.drain();
        }
        done(self)
    }

    fn held(&self, metadata: &SwarmMetadata) -> u64 {
        self.endpoints[LEECHER]
            .swarm_stats(&metadata.swarm_id)
            .map_or(0, |s| s.chunks_held)
    }
}

fn leecher(download: &SharedDownload, metadata: &SwarmMetadata) -> SwarmConfig {
    SwarmConfig {
        metadata: metadata.clone(),
        store: Box::new(download.clone()),
        content: download.swarm_content(),
    }
}

fn seeder() -> Seeder {
    Seeder::new(content(300 * 1024 + 77, 5), 1024, HashFunction::Sha256)
}

#[test]
fn an_engine_download_dropped_half_way_resumes_without_refetching() {
    let seeder = seeder();
    for metadata in [seeder.metadata(), seeder.metadata_without_length()] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("film.bin");
        let download = SharedDownload::new(partial(&target, &metadata));
        let mut pair = Pair::new(&seeder, &metadata, leecher(&download, &metadata));
        assert!(pair.run_until(|p| p.held(&metadata) >= 150));
        let had = download.lock().verified().clone();
        drop(pair);
        drop(download);

        let resumed = SharedDownload::new(partial(&target, &metadata));
        assert_eq!(
            resumed.lock().verified(),
            &had,
            "every stored chunk survives"
        );
        let mut pair = Pair::new(&seeder, &metadata, leecher(&resumed, &metadata));
        assert!(pair.run_until(|p| p.complete));
        assert!(
            pair.requested.intersection(&had).is_empty(),
            "a chunk verified before the restart was requested again"
        );
        assert_eq!(pair.requested.len() + had.len(), seeder.chunk_count());
        let path = resumed.publish().unwrap();
        assert_eq!(fs::read(&path).unwrap(), seeder.content);
        // Published, the download still serves its chunks to the engine.
        let store = pair.endpoints[LEECHER].store(&metadata.swarm_id).unwrap();
        assert_eq!(store.read_chunk(3).unwrap(), seeder.chunk(3));
    }
}

#[test]
fn an_engine_download_killed_after_a_flush_resumes_from_that_flush() {
    let seeder = seeder();
    let metadata = seeder.metadata();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("film.bin");
    let download = SharedDownload::new(partial(&target, &metadata));
    let mut pair = Pair::new(&seeder, &metadata, leecher(&download, &metadata));
    assert!(pair.run_until(|p| p.held(&metadata) >= 100));
    download.flush().unwrap();
    let flushed = download.lock().verified().clone();
    // What kill -9 leaves: the files as of the flush; later writes never reach the journal.
    let snapshot = Snapshot::take(&target);
    assert!(pair.run_until(|p| p.held(&metadata) >= 200));
    drop(pair);
    drop(download);
    snapshot.restore();

    let resumed = SharedDownload::new(partial(&target, &metadata));
    assert_eq!(resumed.lock().verified(), &flushed);
    let mut pair = Pair::new(&seeder, &metadata, leecher(&resumed, &metadata));
    assert!(pair.run_until(|p| p.complete));
    assert!(pair.requested.intersection(&flushed).is_empty());
    let path = resumed.publish().unwrap();
    assert_eq!(fs::read(path).unwrap(), seeder.content);
}
