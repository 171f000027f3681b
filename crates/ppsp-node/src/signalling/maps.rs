//! Conversions between the engine's [`ChunkSet`] and the profile's `<CHUNK>` maps, choosing the
//! smaller encoding unless the requester asked for one.

use ppsp_core::{ChunkRange, ChunkSet};
use ppsp_wire::peer::{ChunkMap, MAX_BITMAP_CHUNKS, MAX_RANGES};

/// Which `<CHUNK>` encoding to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapEncoding {
    /// Whichever gives the shorter text.
    #[default]
    Smaller,
    /// `encoding="bitmap"`.
    Bitmap,
    /// `encoding="ranges"`.
    Ranges,
}

impl MapEncoding {
    /// Reads the `PPSP-Chunk-Encoding` request header value (`bitmap` or `ranges`).
    pub fn from_header(value: &str) -> Option<Self> {
        match value.trim() {
            "bitmap" => Some(Self::Bitmap),
            "ranges" => Some(Self::Ranges),
            _ => None,
        }
    }
}

/// The map of `set`. A bitmap spans the set's first to last chunk; it is used only when it fits
/// [`MAX_BITMAP_CHUNKS`], as ranges are only when they fit [`MAX_RANGES`].
pub fn to_map(set: &ChunkSet, encoding: MapEncoding) -> ChunkMap {
    let runs: Vec<(u64, u64)> = set.runs().map(|r| (r.first(), r.last())).collect();
    let window = runs
        .first()
        .zip(runs.last())
        .map(|(a, b)| (a.0, b.1 - a.0 + 1));
    let bitmap_ok = window.is_some_and(|(_, count)| count <= MAX_BITMAP_CHUNKS);
    let ranges_ok = runs.len() <= MAX_RANGES;
    let bitmap = || {
        let (start, count) = window.unwrap_or((0, 0));
        ChunkMap::Bitmap {
            start,
            count,
            bits: set.to_bitmap(start, count),
        }
    };
    let use_bitmap = match encoding {
        MapEncoding::Bitmap => bitmap_ok,
        MapEncoding::Ranges => !ranges_ok && bitmap_ok,
        MapEncoding::Smaller => {
            // base64 is 4 characters per 3 bytes; ranges cost their text.
            let bitmap_len =
                window.map_or(u64::MAX, |(_, count)| count.div_ceil(8).div_ceil(3) * 4);
            let ranges_len = set.to_ranges_text().len() as u64;
            bitmap_ok && (bitmap_len < ranges_len || !ranges_ok)
        }
    };
    if use_bitmap {
        bitmap()
    } else {
        ChunkMap::Ranges(runs)
    }
}

/// The set a map describes.
pub fn from_map(map: &ChunkMap) -> ChunkSet {
    let mut set = ChunkSet::new();
    for (first, last) in map.runs() {
        if let Some(range) = ChunkRange::new(first, last) {
            set.insert_run(range);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(runs: &[(u64, u64)]) -> ChunkSet {
        runs.iter()
            .map(|&(a, b)| ChunkRange::new(a, b).unwrap())
            .collect()
    }

    #[test]
    fn dense_sets_go_as_ranges_and_scattered_ones_as_bitmaps() {
        let dense = set(&[(0, 9999)]);
        assert!(matches!(
            to_map(&dense, MapEncoding::Smaller),
            ChunkMap::Ranges(_)
        ));
        let scattered: ChunkSet = (0..200u64)
            .map(|i| ChunkRange::single(i * 2).unwrap())
            .collect();
        let map = to_map(&scattered, MapEncoding::Smaller);
        assert!(matches!(
            map,
            ChunkMap::Bitmap {
                start: 0,
                count: 399,
                ..
            }
        ));
        assert_eq!(from_map(&map), scattered);
    }

    #[test]
    fn asked_encoding_is_used_and_round_trips() {
        let s = set(&[(3, 5), (9, 9)]);
        for encoding in [MapEncoding::Bitmap, MapEncoding::Ranges] {
            let map = to_map(&s, encoding);
            assert_eq!(
                matches!(map, ChunkMap::Bitmap { .. }),
                encoding == MapEncoding::Bitmap
            );
            assert_eq!(from_map(&map), s);
        }
    }

    #[test]
    fn empty_set_is_an_empty_ranges_map() {
        assert_eq!(
            to_map(&ChunkSet::new(), MapEncoding::Smaller),
            ChunkMap::Ranges(Vec::new())
        );
    }
}
