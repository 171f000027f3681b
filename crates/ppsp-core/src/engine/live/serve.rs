//! Live messages on the wire: DATA goes out behind its signature and hashes in the order of
//! RFC 7574 section 6.1.2 (INTEGRITY of the munro, SIGNED_INTEGRITY of the munro, the uncle
//! hashes below it, DATA; with Sign All, SIGNED_INTEGRITY then DATA), and SIGNED_INTEGRITY
//! coming in is checked, its sender banned when it is forged.

use bytes::Bytes;
use ppsp_wire::ppspp::{ChunkSpec, Message};

use super::integrity::{SignatureFault, SignedPart};
use crate::chunk_range::ChunkRange;
use crate::engine::channel::Channel;
use crate::engine::event::BanReason;
use crate::engine::specs::Specs;
use crate::engine::swarm::{Flow, Io, Swarm};
use crate::live::{NtpTimestamp, Signature};
use crate::merkle::known_after_acks;

impl Swarm {
    /// Answers the peer's queued requests of a live swarm while the LEDBAT window has room.
    pub(crate) fn serve_live(&mut self, io: &mut Io<'_>, channel: &mut Channel) {
        let Some(live) = self.integrity.live() else {
            return;
        };
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
            if let Some(range) = ChunkRange::single(chunk) {
                channel.queued.remove_run(range);
            }
            let uncles = {
                let known = known_after_acks(&channel.peer_have);
                self.integrity.proof(chunk, &known)
            };
            let (Some(signed), Some(uncles), Some(spec)) = (
                live.signature_for(chunk),
                uncles,
                self.specs.data_spec(chunk, data.len()),
            ) else {
                continue;
            };
            // The munro's hash and signature, unless the peer verified a chunk under it.
            if signed.hash.is_none() || !channel.peer_have.intersects(signed.bin.chunks()) {
                send_signed(channel, &self.specs, &signed);
            }
            for (bin, digest) in &uncles {
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

    /// Sends our newest signed munro on a newly opened channel (secure tune-in, section
    /// 6.1.2): it tells the peer, verifiably, how far the stream has got.
    pub(crate) fn tune_in(&mut self, channel: &mut Channel) {
        if let Some(munro) = self.integrity.live().and_then(|l| l.latest_munro()) {
            send_signed(channel, &self.specs, &munro);
        }
    }

    /// A SIGNED_INTEGRITY: a munro's signature (its hash came just before), or with Sign All
    /// a chunk's, checked when the chunk comes. A forged signature bans the sender.
    pub(crate) fn on_signed_integrity(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        spec: ChunkSpec,
        timestamp: u64,
        signature: Bytes,
    ) -> Flow {
        let Some(live) = self.integrity.live_mut() else {
            // Static content has no signatures; the message is harmless.
            return Flow::Continue;
        };
        let Ok(bin) = self.specs.node(spec) else {
            return Flow::Stop;
        };
        let timestamp = NtpTimestamp::from_bits(timestamp);
        match live.add_signature(bin, timestamp, Signature::new(signature.to_vec())) {
            Ok(()) => {
                if let Some(state) = self.live.as_deref_mut()
                    && let Some(munro) = live.signature_for(bin.last_chunk())
                    && munro.bin == bin
                    && munro.hash.is_some()
                {
                    // A verified munro proves the stream reached its last chunk.
                    state.observe_edge(io.now, bin.last_chunk());
                }
                Flow::Continue
            }
            Err(SignatureFault::Forged) => {
                self.ban(io, channel, BanReason::ForgedSignature);
                Flow::Stop
            }
            Err(SignatureFault::Conflicting) => {
                self.ban(io, channel, BanReason::ConflictingHash);
                Flow::Stop
            }
        }
    }
}

/// Queues the INTEGRITY (munros only) and SIGNED_INTEGRITY of `signed`.
fn send_signed(channel: &mut Channel, specs: &Specs, signed: &SignedPart) {
    let Some(spec) = specs.node_spec(signed.bin) else {
        return;
    };
    if let Some(hash) = &signed.hash {
        channel.send(Message::Integrity {
            spec,
            hash: Bytes::copy_from_slice(hash.as_bytes()),
        });
    }
    channel.send(Message::SignedIntegrity {
        spec,
        timestamp: signed.timestamp.to_bits(),
        signature: Bytes::copy_from_slice(signed.signature.as_bytes()),
    });
}
