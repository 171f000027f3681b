//! Live streams in the node: the window the engine stores verified chunks in, the progress
//! the driver publishes after each round, and [`LiveReader`], which hands a player the
//! chunks in order without asking the driver for each one.
//!
//! The driver never waits on a reader: it writes into a shared [`LiveWindow`] (a short
//! lock) and publishes a [`LiveProgress`] on a `watch` channel when something changed. A
//! reader looks into the window itself and sleeps on the channel when its next chunk is not
//! there yet. A chunk the engine gave up on (its playback deadline passed, or it fell out of
//! the discard window) is skipped, and the reader says how many it skipped.

use std::num::NonZeroU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use ppsp_core::engine::{ChunkStore, LiveStatus, StoreError};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_wire::ids::SwarmId;
use tokio::sync::{oneshot, watch};

use super::NodeError;
use crate::storage::LiveWindow;

/// Chunks kept when the metadata sets no discard window: the engine then never discards,
/// but the node's memory must stay bounded (older chunks are simply no longer served).
pub const DEFAULT_LIVE_WINDOW: u64 = 4096;

/// What a live swarm looks like after the driver's latest round.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveProgress {
    /// The engine's live status (edge, join point, playhead, continuity counters).
    pub status: LiveStatus,
    /// Chunks written into the window so far (pushed at the source, verified at a
    /// receiver); grows with every chunk, so a reader waiting for one always wakes.
    pub chunks_stored: u64,
}

/// The live window shared by the engine (which writes and serves it) and the readers.
#[derive(Debug, Clone)]
pub(crate) struct SharedLiveWindow(Arc<Mutex<Stored>>);

#[derive(Debug)]
struct Stored {
    window: LiveWindow,
    writes: u64,
}

impl SharedLiveWindow {
    /// A window as large as the metadata's discard window.
    pub(crate) fn for_metadata(metadata: &SwarmMetadata) -> Self {
        let chunks = metadata
            .live_discard_window
            .and_then(NonZeroU64::new)
            .filter(|w| w.get() <= DEFAULT_LIVE_WINDOW * 16)
            .unwrap_or(NonZeroU64::MIN.saturating_add(DEFAULT_LIVE_WINDOW - 1));
        Self(Arc::new(Mutex::new(Stored {
            window: LiveWindow::new(chunks),
            writes: 0,
        })))
    }

    /// The window, locked. Every step leaves it consistent, so a poisoned lock is taken over.
    fn lock(&self) -> MutexGuard<'_, Stored> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Chunks written so far.
    pub(crate) fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// Chunk `index`, or else the first chunk held after it.
    fn get_or_next(&self, index: u64) -> Result<Bytes, Option<u64>> {
        let stored = self.lock();
        stored.window.get(index).ok_or_else(|| {
            let newest = stored.window.newest()?;
            (index..=newest).find(|&i| stored.window.contains(i))
        })
    }
}

impl ChunkStore for SharedLiveWindow {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        self.lock().window.get(index)
    }

    /// Stores a compact copy: a chunk sliced out of a received datagram would keep the
    /// whole receive buffer alive for as long as the window holds it.
    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        let mut stored = self.lock();
        stored
            .window
            .write_chunk(index, Bytes::copy_from_slice(&data))?;
        stored.writes += 1;
        Ok(())
    }
}

/// The driver's side of one live swarm: the window it gave the engine, and where it
/// publishes progress.
#[derive(Debug)]
pub(crate) struct LiveFeed {
    pub(crate) window: SharedLiveWindow,
    pub(crate) progress: watch::Sender<Option<LiveProgress>>,
}

impl LiveFeed {
    pub(crate) fn new(window: SharedLiveWindow) -> Self {
        Self {
            window,
            progress: watch::Sender::new(None),
        }
    }

    /// Publishes `status` if it (or the number of chunks stored) changed; wakes readers.
    pub(crate) fn publish(&self, status: LiveStatus) {
        let chunks_stored = self.window.writes();
        self.progress.send_if_modified(|current| {
            let changed = current
                .as_ref()
                .is_none_or(|p| p.chunks_stored != chunks_stored || p.status != status);
            if changed {
                *current = Some(LiveProgress {
                    status,
                    chunks_stored,
                });
            }
            changed
        });
    }

    /// A reader starting at `start`.
    pub(crate) fn reader(&self, start: LiveStart) -> LiveReader {
        LiveReader {
            window: self.window.clone(),
            progress: self.progress.subscribe(),
            start,
            next: None,
        }
    }
}

/// A live command to the driver, with where its answer goes.
pub(crate) enum LiveCommand {
    Push {
        swarm: SwarmId,
        data: Bytes,
        reply: oneshot::Sender<Result<u64, NodeError>>,
    },
    Status {
        swarm: SwarmId,
        reply: oneshot::Sender<Option<LiveStatus>>,
    },
    Reader {
        swarm: SwarmId,
        start: LiveStart,
        reply: oneshot::Sender<Result<LiveReader, NodeError>>,
    },
}

/// Where a [`LiveReader`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStart {
    /// Receivers: the chunk the engine chose to join at, a few chunks behind the live edge
    /// (waits until it has chosen). At the source: the newest chunk pushed.
    JoinPoint,
    /// This chunk (a chunk already discarded is skipped to the oldest one kept).
    At(u64),
}

/// A verified chunk of a live stream, as a player takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChunk {
    /// The chunk's index in the stream.
    pub index: u64,
    /// Its bytes (the swarm's chunk size).
    pub data: Bytes,
    /// Chunks skipped just before this one because they were missed (deadline passed) or
    /// discarded; 0 when the stream is contiguous.
    pub skipped: u64,
}

/// Reads a live swarm's verified chunks in order, waiting for each. Made by
/// [`NodeHandle::live_reader`](super::NodeHandle::live_reader); independent of the driver
/// between chunks, so any number of readers cost the driver nothing but a wake-up.
#[derive(Debug)]
pub struct LiveReader {
    window: SharedLiveWindow,
    progress: watch::Receiver<Option<LiveProgress>>,
    start: LiveStart,
    next: Option<u64>,
}

impl LiveReader {
    /// The next chunk index this reader returns, once its start is known.
    pub fn position(&self) -> Option<u64> {
        self.next
    }

    /// The swarm's latest published progress (`None` before the first round).
    pub fn progress(&self) -> Option<LiveProgress> {
        self.progress.borrow().clone()
    }

    /// The next chunk in order, waiting until it is verified or given up (then the chunks
    /// given up are skipped). Once the node left the swarm or stopped, the chunks still held
    /// are handed out, then `None`.
    pub async fn next_chunk(&mut self) -> Option<LiveChunk> {
        let mut skipped = 0;
        loop {
            // Marks the progress seen before looking, so a chunk stored meanwhile wakes us.
            let progress = self.progress.borrow_and_update().clone();
            if let Some(progress) = progress {
                if self.next.is_none() {
                    self.next = self.start_from(&progress.status);
                }
                if let Some(position) = self.next {
                    match self.window.get_or_next(position) {
                        Ok(data) => {
                            self.next = Some(position + 1);
                            return Some(LiveChunk {
                                index: position,
                                data,
                                skipped,
                            });
                        }
                        Err(later) => {
                            if let Some(to) = given_up(position, later, &progress.status) {
                                skipped += to - position;
                                self.next = Some(to);
                                continue;
                            }
                        }
                    }
                }
            }
            if self.progress.changed().await.is_err() {
                return None;
            }
        }
    }

    fn start_from(&self, status: &LiveStatus) -> Option<u64> {
        match self.start {
            LiveStart::At(index) => Some(index),
            LiveStart::JoinPoint if status.source => status.newest_held,
            LiveStart::JoinPoint => status.join_chunk,
        }
    }
}

/// Where to skip to when chunk `position` is not held: past it if the engine no longer
/// fetches it (older than the window, or its deadline passed), to the next chunk held
/// (`later`) or else to where the engine now is. `None`: wait for it.
fn given_up(position: u64, later: Option<u64>, status: &LiveStatus) -> Option<u64> {
    let floor = status.window_start;
    let playhead = status.playhead.unwrap_or(0);
    if position >= floor && position >= playhead {
        return None;
    }
    let to = later.unwrap_or_else(|| floor.max(playhead));
    (to > position).then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(window_start: u64, playhead: Option<u64>) -> LiveStatus {
        LiveStatus {
            source: false,
            edge: Some(100),
            newest_held: Some(100),
            join_chunk: Some(10),
            playhead,
            window_start,
            chunk_rate: Some(10.0),
            chunks_missed: 0,
            chunks_on_time: 0,
        }
    }

    #[test]
    fn a_chunk_still_fetched_is_waited_for() {
        assert_eq!(given_up(50, Some(52), &status(0, Some(40))), None);
        assert_eq!(given_up(50, None, &status(0, None)), None);
    }

    #[test]
    fn a_missed_chunk_is_skipped_to_the_next_one_held() {
        assert_eq!(given_up(50, Some(52), &status(0, Some(55))), Some(52));
        assert_eq!(given_up(50, None, &status(0, Some(55))), Some(55));
    }

    #[test]
    fn a_discarded_chunk_is_skipped_to_the_window() {
        assert_eq!(given_up(5, None, &status(20, None)), Some(20));
    }

    #[tokio::test]
    async fn a_reader_returns_chunks_in_order_and_reports_skips() {
        let metadata_window = SharedLiveWindow(Arc::new(Mutex::new(Stored {
            window: LiveWindow::new(NonZeroU64::new(64).unwrap_or(NonZeroU64::MIN)),
            writes: 0,
        })));
        let feed = LiveFeed::new(metadata_window);
        let mut reader = feed.reader(LiveStart::At(3));
        let mut store = feed.window.clone();
        for index in [3, 4, 7] {
            store
                .write_chunk(
                    index,
                    Bytes::from(vec![u8::try_from(index).unwrap_or(0); 4]),
                )
                .expect("within the window");
        }
        feed.publish(status(0, Some(6)));
        let first = reader.next_chunk().await.expect("chunk 3");
        assert_eq!((first.index, first.skipped), (3, 0));
        let second = reader.next_chunk().await.expect("chunk 4");
        assert_eq!((second.index, second.skipped), (4, 0));
        let third = reader.next_chunk().await.expect("chunk 7");
        assert_eq!((third.index, third.skipped), (7, 2));
        assert_eq!(third.data, Bytes::from(vec![7; 4]));
        drop(feed);
        assert_eq!(reader.next_chunk().await, None);
    }
}
