//! Node hashes kept by bin number, in fixed-size pages.
//!
//! A node's hash lives at offset `(bin mod PAGE_NODES) × digest_len` of page
//! `bin / PAGE_NODES`, so storage is a flat array in bin order with no per-node overhead beyond
//! a presence bit. Pages are allocated when first written, which gives three properties the
//! tree code relies on:
//!
//! * memory follows the hashes actually known (about two nodes per chunk for a full tree),
//!   never a size claimed by a peer, so a hostile root or peak set cannot force a huge
//!   allocation;
//! * a live stream's sliding window is dropped a page at a time ([`NodeStore::forget_below`]);
//! * the layout is that of a file of `digest_len`-byte records indexed by bin number, so a
//!   disk-backed store for multi-GiB content can keep the same addressing and swap the page
//!   map for reads and writes at `bin × digest_len`.

use std::collections::BTreeMap;

use crate::bin::Bin;
use crate::hash::Digest;

/// Nodes per page: 1024 nodes are 20 KiB of SHA-1 or 64 KiB of SHA-512 hashes.
const PAGE_NODES: u64 = 1024;

/// Hashes of tree nodes of one digest length, by bin number.
#[derive(Debug, Clone)]
pub(crate) struct NodeStore {
    digest_len: usize,
    pages: BTreeMap<u64, Page>,
}

#[derive(Debug, Clone)]
struct Page {
    /// One bit per node: whether `digests` holds its hash.
    present: [u64; (PAGE_NODES / 64) as usize],
    digests: Box<[u8]>,
}

impl NodeStore {
    /// An empty store for digests of `digest_len` bytes.
    pub(crate) fn new(digest_len: usize) -> Self {
        Self {
            digest_len,
            pages: BTreeMap::new(),
        }
    }

    /// The hash of `bin`, if stored.
    pub(crate) fn get(&self, bin: Bin) -> Option<Digest> {
        let (page, slot) = locate(bin);
        let page = self.pages.get(&page)?;
        if page.present[slot / 64] & (1 << (slot % 64)) == 0 {
            return None;
        }
        Digest::from_slice(&page.digests[slot * self.digest_len..][..self.digest_len])
    }

    /// Stores the hash of `bin`; `digest` must have the store's digest length.
    pub(crate) fn insert(&mut self, bin: Bin, digest: &Digest) {
        let (page, slot) = locate(bin);
        let len = self.digest_len;
        let page = self.pages.entry(page).or_insert_with(|| Page {
            present: [0; (PAGE_NODES / 64) as usize],
            digests: vec![0; PAGE_NODES as usize * len].into_boxed_slice(),
        });
        page.present[slot / 64] |= 1 << (slot % 64);
        page.digests[slot * len..][..len].copy_from_slice(digest.as_bytes());
    }

    /// Drops every page whose bins are all below `bin`. Hashes on the page holding `bin` and
    /// above are kept, so a few hashes below `bin` may survive.
    pub(crate) fn forget_below(&mut self, bin: Bin) {
        let (page, _) = locate(bin);
        self.pages = self.pages.split_off(&page);
    }
}

/// Page number and slot within the page.
fn locate(bin: Bin) -> (u64, usize) {
    (bin.get() / PAGE_NODES, (bin.get() % PAGE_NODES) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::HashFunction;

    #[test]
    fn stored_hashes_read_back_and_others_are_absent() {
        let f = HashFunction::Sha1;
        let mut store = NodeStore::new(f.digest_len());
        let (a, b) = (Bin::new(5).unwrap(), Bin::new(5000).unwrap());
        store.insert(a, &f.hash(&[b"a"]));
        store.insert(b, &f.hash(&[b"b"]));
        assert_eq!(store.get(a), Some(f.hash(&[b"a"])));
        assert_eq!(store.get(b), Some(f.hash(&[b"b"])));
        assert_eq!(store.get(Bin::new(6).unwrap()), None);
        assert_eq!(store.get(Bin::ALL), None);
    }

    #[test]
    fn forgetting_drops_whole_pages_below() {
        let f = HashFunction::Sha256;
        let mut store = NodeStore::new(f.digest_len());
        let bins = [3, 1023, 1024, 5000].map(|raw| Bin::new(raw).unwrap());
        for bin in bins {
            store.insert(bin, &f.zero());
        }
        store.forget_below(Bin::new(1500).unwrap());
        let kept: Vec<bool> = bins.iter().map(|&bin| store.get(bin).is_some()).collect();
        assert_eq!(kept, [false, false, true, true]);
    }
}
