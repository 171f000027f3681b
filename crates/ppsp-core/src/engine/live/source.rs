//! The source's push, and the discard window every live peer applies: chunks older than the
//! window behind the newest held one are dropped from the map, the store and the hash state,
//! and requests for them are withdrawn.

use bytes::Bytes;
use ppsp_wire::ppspp::Message;

use super::state::Role;
use crate::chunk_range::ChunkRange;
use crate::engine::EngineError;
use crate::engine::picker::coalesce;
use crate::engine::swarm::{Io, Swarm};

impl Swarm {
    /// Appends a chunk at the source: stored, signed (a munro at a time with the Unified
    /// Merkle Tree) and announced once signed.
    pub(crate) fn push_live(&mut self, io: &mut Io<'_>, data: Bytes) -> Result<u64, EngineError> {
        let not_source = || EngineError::NotLiveSource(self.id.clone());
        let size = self.metadata.fixed_chunk_size().unwrap_or(0);
        let live = self.live.as_deref_mut().ok_or_else(not_source)?;
        let Role::Source { next_chunk, .. } = live.role else {
            return Err(not_source());
        };
        if data.len() != size as usize {
            return Err(EngineError::InvalidChunk(format!(
                "live chunk {next_chunk} has {} bytes; every chunk of this stream has {size}",
                data.len()
            )));
        }
        let chunk = next_chunk;
        let timestamp = live.ntp(io.now);
        self.store
            .write_chunk(chunk, data.clone())
            .map_err(|e| EngineError::InvalidChunk(e.to_string()))?;
        let integrity = self.integrity.live_mut().ok_or_else(not_source)?;
        let ready = integrity
            .push(chunk, &data, timestamp)
            .map_err(|e| EngineError::InvalidChunk(e.to_string()))?;
        if let Role::Source { next_chunk, .. } = &mut live.role {
            *next_chunk += 1;
        }
        if let Some((first, last)) = ready {
            for signed in first..=last {
                self.have.insert(signed);
                self.newly_verified.push(signed);
            }
            live.observe_edge(io.now, last);
        }
        self.apply_discard_window();
        self.pump(io);
        Ok(chunk)
    }

    /// Forgets chunks more than the discard window behind the newest one held.
    pub(crate) fn apply_discard_window(&mut self) {
        let Some(live) = self.live.as_deref_mut() else {
            return;
        };
        let (Some(window), Some(newest)) =
            (live.window, self.have.runs().next_back().map(|r| r.last()))
        else {
            return;
        };
        let floor = (newest + 1).saturating_sub(window);
        if floor <= live.floor {
            return;
        }
        live.floor = floor;
        let Some(gone) = ChunkRange::new(0, floor - 1) else {
            return;
        };
        self.have.remove_run(gone);
        self.newly_verified.retain(|&c| c >= floor);
        self.store.discard_before(floor);
        if let Some(integrity) = self.integrity.live_mut() {
            integrity.forget_before(floor);
        }
        for channel in self.channels.values_mut() {
            channel.peer_have.remove_run(gone);
            channel.unqueue(gone);
        }
        self.withdraw_requests_before(floor);
    }

    /// Withdraws every request for chunks before `limit`, with CANCEL: they are forgotten or
    /// past their deadline.
    pub(crate) fn withdraw_requests_before(&mut self, limit: u64) {
        let mut released = Vec::new();
        for channel in self.channels.values_mut() {
            let stale: Vec<u64> = channel.requested.range(..limit).map(|(&c, _)| c).collect();
            if stale.is_empty() {
                continue;
            }
            for chunk in &stale {
                channel.requested.remove(chunk);
            }
            if channel.is_open() {
                let mut specs = Vec::new();
                for range in coalesce(&stale) {
                    self.specs.run_specs(range, &mut specs);
                }
                for spec in specs {
                    channel.send(Message::Cancel { spec });
                }
            }
            released.extend(stale);
        }
        for chunk in released {
            self.release(chunk);
        }
    }
}

impl Swarm {
    /// Whether this is a live receiver, which serves every peer that asks instead of
    /// choking: a chunk not relayed before its deadline is lost to the stream, and demand is
    /// bounded by the stream rate. The source keeps its upload slots, so that it feeds a
    /// few receivers and they the rest.
    pub(crate) fn relays_freely(&self) -> bool {
        self.live.as_deref().is_some_and(|live| !live.is_source())
    }
}
