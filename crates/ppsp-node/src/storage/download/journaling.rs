//! Keeping the journal up to date: appending a batch of written chunks once their data is
//! durable, and compacting the journal when scattered writes have made it large.

use std::fs::File;
use std::io::{BufWriter, Write};

use ppsp_core::merkle::{MerkleVerifier, peak_bins};
use ppsp_core::{Bin, ChunkRange, ChunkSet, Digest};

use super::journal::{ChunkRecord, MAX_RECORD_CHUNKS, Record};
use super::proof::{Coverage, record_hashes};
use super::{DownloadFile, open_journal};
use crate::storage::StorageError;
use crate::storage::fs::durable_rename;

/// The journal is compacted once it exceeds this size and twice its size after the last
/// compaction: scattered writes leave many small records, each with its own proof hashes,
/// that one record per run replaces. Doubling keeps the rewriting linear in the journal size
/// even when there is nothing to gain (chunks written in order).
const COMPACT_MIN_BYTES: u64 = 1 << 20;

impl DownloadFile {
    /// Makes every chunk written so far durable and journaled, so a crash after this returns
    /// loses none of them. Called on its own every [`BATCH_CHUNKS`](super::BATCH_CHUNKS)
    /// chunks or [`BATCH_BYTES`](super::BATCH_BYTES) bytes; call it on a timer too, to bound
    /// what a crash loses in time.
    ///
    /// If the data cannot be synced, the chunks written since the last flush are dropped
    /// from the verified set (they will be fetched again) and the error returned.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        let new_peaks = if self.peaks_journaled {
            None
        } else {
            known_peaks(&self.verifier)
        };
        let new_length = self.content_length.filter(|_| !self.length_journaled);
        if self.batch.is_empty() && new_peaks.is_none() && new_length.is_none() {
            return Ok(());
        }
        if let Err(e) = self.part.sync_data() {
            for run in self
                .batch
                .drain(..)
                .filter_map(|(index, _)| ChunkRange::single(index))
            {
                self.verified.remove_run(run);
            }
            self.batch_bytes = 0;
            return Err(StorageError::io(&self.paths.part, "sync", e));
        }
        let mut records = Vec::new();
        if let Some(peaks) = &new_peaks {
            Record::Peaks(peaks.clone()).encode(&mut records);
        }
        if let Some(length) = new_length {
            Record::Length(length).encode(&mut records);
        }
        let peaks = self.journaled_peaks(new_peaks.is_some());
        self.batch.sort_unstable_by_key(|&(index, _)| index);
        let mut coverage = Coverage::new(&self.journaled);
        for piece in self.batch.chunk_by(|a, b| a.0 + 1 == b.0) {
            for part in piece.chunks(MAX_RECORD_CHUNKS as usize) {
                let leaves: Vec<Digest> = part.iter().map(|&(_, leaf)| leaf).collect();
                let first = part[0].0;
                let Some(run) = ChunkRange::with_len(first, leaves.len() as u64) else {
                    continue;
                };
                let hashes = record_hashes(&self.verifier, &coverage, run, &peaks);
                Record::Chunks(ChunkRecord {
                    first,
                    leaves,
                    hashes,
                })
                .encode(&mut records);
                coverage.add(run);
            }
        }
        let added = coverage.into_added();
        self.journal
            .append(&records)
            .map_err(|e| StorageError::io(&self.paths.sidecar, "append to", e))?;
        self.peaks_journaled |= new_peaks.is_some();
        self.length_journaled |= new_length.is_some();
        for run in added.runs() {
            self.journaled.insert_run(run);
        }
        self.batch.clear();
        self.batch_bytes = 0;
        if self.journal.len() > COMPACT_MIN_BYTES.max(2 * self.compacted_len) {
            self.compact()?;
        }
        Ok(())
    }

    /// The peak bins a replay trusts before the records now being written.
    fn journaled_peaks(&self, with_new: bool) -> Vec<Bin> {
        match self.chunk_count() {
            Some(count) if self.peaks_journaled || with_new => peak_bins(count).collect(),
            _ => Vec::new(),
        }
    }

    /// Rewrites the sidecar with one record per run of journaled chunks, replacing records
    /// made obsolete by later ones (scattered writes leave many small runs, each with its
    /// own proof hashes). Written aside and renamed into place, so a crash keeps the old one.
    fn compact(&mut self) -> Result<(), StorageError> {
        let tmp = &self.paths.sidecar_tmp;
        let file = File::create(tmp).map_err(|e| StorageError::io(tmp, "create", e))?;
        let mut out = BufWriter::new(file);
        let write_error = |e| StorageError::io(tmp, "write", e);
        let mut record = self.header.encode();
        out.write_all(&record).map_err(write_error)?;
        let mut written = record.len() as u64;
        let peaks_record = known_peaks(&self.verifier);
        let peaks = match &peaks_record {
            Some(peaks) => peaks.iter().map(|&(bin, _)| bin).collect(),
            None => Vec::new(),
        };
        let mut head = Vec::new();
        if let Some(peaks) = peaks_record.clone() {
            Record::Peaks(peaks).encode(&mut head);
        }
        if let Some(length) = self
            .content_length
            .filter(|_| self.header.content_length.is_none())
        {
            Record::Length(length).encode(&mut head);
        }
        out.write_all(&head).map_err(write_error)?;
        written += head.len() as u64;
        let empty = ChunkSet::new();
        let mut coverage = Coverage::new(&empty);
        for run in self.journaled.runs() {
            let mut first = run.first();
            while first <= run.last() {
                let last = run.last().min(first + (MAX_RECORD_CHUNKS - 1));
                let Some(piece) = ChunkRange::new(first, last) else {
                    break;
                };
                let leaves = (first..=last)
                    .map(|chunk| self.verifier.verified_hash(Bin::chunk(chunk)?))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| StorageError::Io {
                        path: self.paths.sidecar.clone(),
                        action: "compact",
                        source: std::io::Error::other("a journaled chunk lost its hash"),
                    })?;
                let hashes = record_hashes(&self.verifier, &coverage, piece, &peaks);
                record.clear();
                Record::Chunks(ChunkRecord {
                    first,
                    leaves,
                    hashes,
                })
                .encode(&mut record);
                out.write_all(&record).map_err(write_error)?;
                written += record.len() as u64;
                coverage.add(piece);
                first = last + 1;
            }
        }
        let file = out.into_inner().map_err(|e| write_error(e.into_error()))?;
        file.sync_all()
            .map_err(|e| StorageError::io(tmp, "sync", e))?;
        drop(file);
        durable_rename(tmp, &self.paths.sidecar)?;
        self.journal = open_journal(&self.paths.sidecar, written)?;
        self.compacted_len = written;
        self.peaks_journaled = peaks_record.is_some();
        self.length_journaled = self.content_length.is_some();
        Ok(())
    }
}

/// The peak hashes, if the verifier trusts all of them.
fn known_peaks(verifier: &MerkleVerifier) -> Option<Vec<(Bin, Digest)>> {
    peak_bins(verifier.chunk_count()?)
        .map(|bin| Some((bin, verifier.verified_hash(bin)?)))
        .collect()
}
