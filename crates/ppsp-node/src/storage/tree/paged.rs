//! Reads node hashes from a file through a small cache of pages, so a seeder of multi-GiB
//! content keeps only a bounded amount of its tree in memory.
//!
//! A page is up to [`PAGE_NODES`] consecutive nodes of one layer. Uploading chunk after chunk
//! touches the same pages of every layer again and again (the uncles of neighbouring chunks
//! are shared), so a few dozen pages serve nearly every read.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Mutex, PoisonError};

use ppsp_core::Digest;

use super::layout::TreeLayout;

/// Nodes per page.
const PAGE_NODES: u64 = 512;

/// Pages kept: at most 64 × 512 × 64 bytes = 2 MiB (SHA-512), 1 MiB for SHA-256.
const CACHE_PAGES: usize = 64;

/// A file of nodes in [`TreeLayout`] order, read through a bounded page cache.
#[derive(Debug)]
pub(crate) struct PagedNodes {
    file: File,
    cache: Mutex<PageCache>,
}

#[derive(Debug, Default)]
struct PageCache {
    /// Pages by (layer, page number within the layer).
    pages: HashMap<(u32, u64), Page>,
    /// Incremented on every read, to find the least recently used page.
    clock: u64,
}

#[derive(Debug)]
struct Page {
    bytes: Box<[u8]>,
    last_used: u64,
}

impl PagedNodes {
    /// Reads the nodes of `file`, written in `layout` order.
    pub(crate) fn new(file: File) -> Self {
        Self {
            file,
            cache: Mutex::default(),
        }
    }

    /// The `index`-th node of `layer`; `None` if it cannot be read.
    pub(crate) fn read(&self, layout: &TreeLayout, layer: u32, index: u64) -> Option<Digest> {
        let len = layout.digest_len();
        let (page_number, slot) = (index / PAGE_NODES, (index % PAGE_NODES) as usize);
        // A panic elsewhere cannot leave the cache inconsistent: pages are inserted whole.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.clock += 1;
        let clock = cache.clock;
        let key = (layer, page_number);
        if !cache.pages.contains_key(&key) {
            let bytes = self.load(layout, layer, page_number)?;
            if cache.pages.len() >= CACHE_PAGES
                && let Some(oldest) = cache
                    .pages
                    .iter()
                    .min_by_key(|(_, page)| page.last_used)
                    .map(|(&key, _)| key)
            {
                cache.pages.remove(&oldest);
            }
            cache.pages.insert(
                key,
                Page {
                    bytes,
                    last_used: clock,
                },
            );
        }
        let page = cache.pages.get_mut(&key)?;
        page.last_used = clock;
        Digest::from_slice(page.bytes.get(slot * len..(slot + 1) * len)?)
    }

    /// Reads one page from the file.
    fn load(&self, layout: &TreeLayout, layer: u32, page_number: u64) -> Option<Box<[u8]>> {
        let first = page_number.checked_mul(PAGE_NODES)?;
        let position = layout.position(layer, first)?;
        let nodes = (layout.layer_len(layer) - first).min(PAGE_NODES) as usize;
        let mut bytes = vec![0; nodes * layout.digest_len()].into_boxed_slice();
        let offset = position.checked_mul(layout.digest_len() as u64)?;
        self.file.read_exact_at(&mut bytes, offset).ok()?;
        Some(bytes)
    }
}
