//! How content of a known length splits into chunks, and reading runs of chunks in large
//! blocks so that hashing a file costs few system calls whatever the chunk size.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use ppsp_core::ChunkRange;

/// Bytes read per system call when walking many chunks: large enough that the call cost
/// vanishes next to hashing, small enough to stay in cache.
const BLOCK_BYTES: usize = 1 << 20;

/// The chunks of content of `content_len` bytes (at least 1) in chunks of `chunk_size`
/// bytes; the last chunk may be shorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkLayout {
    chunk_size: u32,
    content_len: u64,
}

impl ChunkLayout {
    /// `None` for empty content, a zero chunk size, or more chunks than bins can name.
    pub(crate) fn new(chunk_size: u32, content_len: u64) -> Option<Self> {
        let layout = Self {
            chunk_size,
            content_len,
        };
        (chunk_size > 0 && content_len > 0 && layout.chunk_count() <= ChunkRange::MAX_CHUNK + 1)
            .then_some(layout)
    }

    /// The content length.
    pub(crate) fn content_len(&self) -> u64 {
        self.content_len
    }

    /// Number of chunks.
    pub(crate) fn chunk_count(&self) -> u64 {
        self.content_len.div_ceil(u64::from(self.chunk_size))
    }

    /// Byte offset of chunk `index`.
    pub(crate) fn offset(&self, index: u64) -> u64 {
        index.saturating_mul(u64::from(self.chunk_size))
    }

    /// Length of chunk `index`; `None` past the end.
    pub(crate) fn chunk_len(&self, index: u64) -> Option<usize> {
        let start = self.offset(index);
        let remaining = self.content_len.checked_sub(start).filter(|&r| r > 0)?;
        usize::try_from(remaining.min(u64::from(self.chunk_size))).ok()
    }

    /// Every chunk, as a run.
    pub(crate) fn all(&self) -> Option<ChunkRange> {
        ChunkRange::with_len(0, self.chunk_count())
    }

    /// Reads the chunks of `run` in order, calling `each(index, bytes)` for every chunk,
    /// until `each` returns an error.
    ///
    /// Chunks are read a block at a time; if a block cannot be read (the file is shorter
    /// than the layout says, or an I/O error), its chunks are read one by one so that
    /// `each` gets an error only for the chunks actually unreadable.
    pub(crate) fn read_run<E>(
        &self,
        file: &File,
        run: ChunkRange,
        mut each: impl FnMut(u64, io::Result<&[u8]>) -> Result<(), E>,
    ) -> Result<(), E> {
        let chunk_size = self.chunk_size as usize;
        let per_block = (BLOCK_BYTES / chunk_size).max(1) as u64;
        let mut buffer = vec![0; chunk_size.saturating_mul(per_block as usize)];
        let mut first = run.first();
        while first <= run.last() {
            let last = run.last().min(first + (per_block - 1));
            let lens: Vec<usize> = (first..=last)
                .map(|i| self.chunk_len(i).unwrap_or(0))
                .collect();
            let total: usize = lens.iter().sum();
            if file
                .read_exact_at(&mut buffer[..total], self.offset(first))
                .is_ok()
            {
                let mut start = 0;
                for (index, len) in (first..).zip(lens) {
                    each(index, Ok(&buffer[start..start + len]))?;
                    start += len;
                }
            } else {
                for (index, len) in (first..).zip(lens) {
                    let chunk = &mut buffer[..len];
                    let read = file.read_exact_at(chunk, self.offset(index));
                    each(index, read.map(|()| &*chunk))?;
                }
            }
            first = last + 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_chunk_is_short() {
        let layout = ChunkLayout::new(1024, 7162).unwrap();
        assert_eq!(layout.chunk_count(), 7);
        assert_eq!(layout.chunk_len(0), Some(1024));
        assert_eq!(layout.chunk_len(6), Some(1018));
        assert_eq!(layout.chunk_len(7), None);
        assert_eq!(layout.chunk_len(u64::MAX), None);
        assert!(ChunkLayout::new(0, 10).is_none());
        assert!(ChunkLayout::new(10, 0).is_none());
        assert!(ChunkLayout::new(1, u64::MAX).is_none());
    }
}
