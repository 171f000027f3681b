//! The chunks of a live stream a peer keeps: the newest ones, within the discard window.
//!
//! RFC 7574 section 6.3: a live peer keeps only the last `window` chunks behind the newest it
//! has, and may discard anything older. Memory is therefore bounded by the window, whatever
//! indices arrive: a chunk far ahead moves the window forward (evicting everything now too
//! old), and a chunk already behind the window is refused.

use std::collections::BTreeMap;
use std::num::NonZeroU64;

use bytes::Bytes;

/// A sliding window over the newest chunks of a live stream.
#[derive(Debug, Clone)]
pub struct LiveWindow {
    window: NonZeroU64,
    chunks: BTreeMap<u64, Bytes>,
}

impl LiveWindow {
    /// A window of `window` chunks.
    pub fn new(window: NonZeroU64) -> Self {
        Self {
            window,
            chunks: BTreeMap::new(),
        }
    }

    /// The window size in chunks.
    pub fn window(&self) -> u64 {
        self.window.get()
    }

    /// Stores chunk `index`; returns `false` (and stores nothing) if it is older than the
    /// window allows. A chunk newer than every stored one moves the window and evicts the
    /// chunks that fall out of it; storing an index again replaces its data.
    pub fn insert(&mut self, index: u64, data: Bytes) -> bool {
        let newest = self.newest().map_or(index, |newest| newest.max(index));
        let oldest_kept = self.oldest_allowed(newest);
        if index < oldest_kept {
            return false;
        }
        if self.oldest().is_some_and(|oldest| oldest < oldest_kept) {
            self.chunks = self.chunks.split_off(&oldest_kept);
        }
        self.chunks.insert(index, data);
        true
    }

    /// Chunk `index`, if held.
    pub fn get(&self, index: u64) -> Option<Bytes> {
        self.chunks.get(&index).cloned()
    }

    /// Whether chunk `index` is held.
    pub fn contains(&self, index: u64) -> bool {
        self.chunks.contains_key(&index)
    }

    /// The newest chunk index held.
    pub fn newest(&self) -> Option<u64> {
        self.chunks.last_key_value().map(|(&index, _)| index)
    }

    /// The oldest chunk index held.
    pub fn oldest(&self) -> Option<u64> {
        self.chunks.first_key_value().map(|(&index, _)| index)
    }

    /// Number of chunks held, at most [`LiveWindow::window`].
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether no chunk is held.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The oldest index kept when the newest is `newest`.
    fn oldest_allowed(&self, newest: u64) -> u64 {
        newest.saturating_sub(self.window.get() - 1)
    }
}
