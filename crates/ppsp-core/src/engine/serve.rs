//! Uploading: REQUESTs are queued in arrival order and answered with DATA, each preceded by
//! the INTEGRITY hashes the peer lacks, as the LEDBAT window and choking allow (RFC 7574
//! sections 3.7, 5.4 and 8.15).

use std::time::Duration;

use bytes::Bytes;
use ppsp_wire::ppspp::{ChunkSpec, Message};

use super::channel::Channel;
use super::swarm::{Flow, Io, Swarm};
use crate::bin::Bin;
use crate::merkle::known_after_acks;

impl Swarm {
    /// A REQUEST: queue the chunks we have, up to the queue bound. While we choke the peer
    /// its requests are dropped and the CHOKE repeated (section 3.8).
    pub(crate) fn on_request(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        spec: ChunkSpec,
    ) -> Flow {
        let range = match self.specs.range(spec, self.chunk_count()) {
            Ok(Some(range)) => range,
            Ok(None) => return Flow::Continue,
            Err(_) => return Flow::Stop,
        };
        if channel.choking {
            channel.resend_choke = true;
            return Flow::Continue;
        }
        for chunk in range.first()..=range.last() {
            if channel.serve_queue.len() >= io.config.max_queued_requests {
                break;
            }
            if self.have.contains(chunk) && channel.queued.insert(chunk) {
                channel.serve_queue.push_back(chunk);
            }
        }
        Flow::Continue
    }

    /// A CANCEL: forget the queued requests it names.
    pub(crate) fn on_cancel(&mut self, channel: &mut Channel, spec: ChunkSpec) -> Flow {
        match self.specs.range(spec, self.chunk_count()) {
            Ok(Some(range)) => {
                channel.unqueue(range);
                Flow::Continue
            }
            Ok(None) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// An ACK: the peer verified these chunks (so it holds their hashes), and the DATA it
    /// covers left the LEDBAT window, with a one-way delay sample.
    pub(crate) fn on_ack(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        spec: ChunkSpec,
        delay: u64,
    ) -> Flow {
        match self.specs.range(spec, self.chunk_count()) {
            Ok(Some(range)) => {
                self.peer_gained(channel, range);
                channel.unqueue(range);
                channel
                    .window
                    .on_ack(io.now, range, Duration::from_micros(delay));
                Flow::Continue
            }
            Ok(None) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// Answers queued requests while the LEDBAT window has room. Each DATA is preceded by
    /// the hashes the peer lacks, height descending: all peak hashes while the peer has not
    /// acknowledged any chunk (section 5.6), then the sibling and uncles below what its
    /// HAVEs and ACKs show it holds (section 5.4).
    pub(crate) fn serve(&mut self, io: &mut Io<'_>, channel: &mut Channel) {
        if std::mem::take(&mut channel.resend_choke)
            && channel.choking
            && !channel.outbox.contains(&Message::Choke)
        {
            channel.send(Message::Choke);
        }
        if channel.choking || channel.serve_queue.is_empty() {
            return;
        }
        if self.live.is_some() {
            // Live DATA is preceded by signatures as well as hashes.
            self.serve_live(io, channel);
            return;
        }
        let Some(peaks) = self.integrity.peaks() else {
            return;
        };
        let peak_bins: Vec<Bin> = peaks.iter().map(|(bin, _)| *bin).collect();
        while let Some(&chunk) = channel.serve_queue.front() {
            let Some(data) = self.store.read_chunk(chunk) else {
                channel.serve_queue.pop_front();
                continue;
            };
            let len = data.len() as u64;
            if !channel.window.can_send(len) {
                break;
            }
            channel.serve_queue.pop_front();
            if let Some(range) = crate::chunk_range::ChunkRange::single(chunk) {
                channel.queued.remove_run(range);
            }
            let first_contact = channel.peer_have.is_empty();
            let uncles = {
                let known = known_after_acks(&channel.peer_have);
                let receiver_has = |bin: Bin| peak_bins.contains(&bin) || known(bin);
                self.integrity.proof(chunk, &receiver_has)
            };
            let (Some(uncles), Some(spec)) = (uncles, self.specs.data_spec(chunk, data.len()))
            else {
                continue;
            };
            let peaks_first: &[_] = if first_contact { &peaks } else { &[] };
            let hashes = peaks_first.iter().chain(&uncles);
            for (bin, digest) in hashes {
                if let Some(spec) = self.specs.node_spec(*bin) {
                    channel.send(Message::Integrity {
                        spec,
                        hash: Bytes::copy_from_slice(digest.as_bytes()),
                    });
                }
            }
            channel.send(Message::Data {
                spec,
                timestamp: io.micros(),
                payload: data,
            });
            channel.window.on_sent(io.now, chunk, len);
            channel.bytes_to_peer += len;
            self.stats.payload_bytes_up += len;
        }
    }
}
