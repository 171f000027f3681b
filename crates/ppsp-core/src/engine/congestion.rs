//! The sender side of flow control: LEDBAT (RFC 6817, required by RFC 7574 section 8.15)
//! bounds the bytes of DATA in flight to one peer; ACKs carry the receiver's one-way delay
//! samples and free the window.
//!
//! PPSPP is pull-based: a DATA that is never acknowledged is not resent by the sender (the
//! receiver re-requests the chunk), but LEDBAT is told of the loss so the window shrinks.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::chunk_range::ChunkRange;
use crate::ledbat::Ledbat;

/// DATA sent to one peer and not yet acknowledged, under a LEDBAT window.
pub(crate) struct SendWindow {
    ledbat: Ledbat,
    /// Chunk → (sent at, bytes).
    in_flight: BTreeMap<u64, (Instant, u64)>,
    bytes_in_flight: u64,
}

impl SendWindow {
    pub(crate) fn new() -> Self {
        Self {
            ledbat: Ledbat::default(),
            in_flight: BTreeMap::new(),
            bytes_in_flight: 0,
        }
    }

    /// Whether `len` more bytes may be sent now. One chunk may always be in flight, so a
    /// window smaller than a chunk still makes progress.
    pub(crate) fn can_send(&self, len: u64) -> bool {
        self.bytes_in_flight == 0 || self.bytes_in_flight + len <= self.ledbat.window_bytes()
    }

    /// Records a DATA message for `chunk` of `len` bytes sent at `now`.
    pub(crate) fn on_sent(&mut self, now: Instant, chunk: u64, len: u64) {
        if let Some((_, old)) = self.in_flight.insert(chunk, (now, len)) {
            self.bytes_in_flight -= old;
        }
        self.bytes_in_flight += len;
        self.ledbat.on_send(now, len);
    }

    /// Handles an ACK covering `chunks` with the receiver's one-way delay sample.
    pub(crate) fn on_ack(&mut self, now: Instant, chunks: ChunkRange, delay_sample: Duration) {
        let mut acked = 0;
        let mut rtt = None;
        while let Some((&chunk, &(sent, len))) =
            self.in_flight.range(chunks.first()..=chunks.last()).next()
        {
            self.in_flight.remove(&chunk);
            self.bytes_in_flight -= len;
            acked += len;
            rtt = Some(now.saturating_duration_since(sent));
        }
        if acked > 0 {
            self.ledbat.on_ack(now, acked, delay_sample, rtt);
        }
    }

    /// Forgets DATA unacknowledged for longer than the retransmission timeout and tells
    /// LEDBAT of the loss (once per call, as one congestion event).
    pub(crate) fn detect_losses(&mut self, now: Instant) {
        let rto = self.ledbat.rto();
        let before = self.in_flight.len();
        let mut freed = 0;
        self.in_flight.retain(|_, &mut (sent, len)| {
            let lost = now.saturating_duration_since(sent) >= rto;
            if lost {
                freed += len;
            }
            !lost
        });
        self.bytes_in_flight -= freed;
        if self.in_flight.len() < before {
            if self.in_flight.is_empty() {
                // Nothing acknowledged for a whole timeout: a retransmission timeout.
                self.ledbat.on_timeout(now);
            } else {
                self.ledbat.on_loss(now, freed);
            }
        }
    }

    /// When the oldest DATA in flight counts as lost.
    pub(crate) fn loss_deadline(&self) -> Option<Instant> {
        let rto = self.ledbat.rto();
        self.in_flight.values().map(|&(sent, _)| sent + rto).min()
    }
}
