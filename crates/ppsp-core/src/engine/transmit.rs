//! Turning queued messages into datagrams: packing within the MTU, keeping each DATA last in
//! its datagram behind the INTEGRITY messages it needs (RFC 7574 sections 5.4 and 8.1).

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;
use ppsp_wire::ppspp::{ChannelId, Datagram, DecodeContext, Message};

use super::channel::Channel;
use super::event::Transmit;

/// Smallest datagram size the engine accepts to work with: room for any control message.
pub(crate) const MIN_DATAGRAM_LEN: usize = 512;

/// Bytes `message` takes in a datagram under `ctx`. HANDSHAKEs are never packed (they are
/// built whole, see [`encode`]) and count as their fixed part.
fn message_len(message: &Message, ctx: &DecodeContext) -> usize {
    let spec = ctx.chunk_addressing.spec_len();
    match message {
        Message::Handshake { .. } => 6,
        Message::Data { payload, .. } => 1 + spec + 8 + payload.len(),
        Message::Ack { .. } => 1 + spec + 8,
        Message::Have { .. } | Message::Request { .. } | Message::Cancel { .. } => 1 + spec,
        Message::Integrity { hash, .. } => 1 + spec + hash.len(),
        Message::PexResV4 { .. } => 7,
        Message::PexReq | Message::Choke | Message::Unchoke => 1,
        Message::SignedIntegrity { signature, .. } => 1 + spec + 8 + signature.len(),
        Message::PexResV6 { .. } => 19,
        Message::PexResCert { certificate } => 3 + certificate.len(),
    }
}

/// Encodes one datagram; `None` if the messages cannot be encoded under `ctx` (an engine
/// bug, never peer input: the datagram is then not sent).
pub(crate) fn encode(datagram: &Datagram, ctx: &DecodeContext) -> Option<Bytes> {
    let mut buf = Vec::new();
    datagram.encode_into(ctx, &mut buf).ok()?;
    Some(Bytes::from(buf))
}

/// Where built datagrams go, with the byte count for the swarm's statistics.
pub(crate) struct Sink<'a> {
    pub(crate) transmits: &'a mut VecDeque<Transmit>,
    pub(crate) now: Instant,
    pub(crate) bytes: u64,
}

impl Sink<'_> {
    /// Sends already-encoded `contents` on `channel`.
    pub(crate) fn send(&mut self, channel: &mut Channel, contents: Bytes) {
        channel.on_send(self.now);
        self.bytes += contents.len() as u64;
        self.transmits.push_back(Transmit {
            destination: channel.addr,
            contents,
        });
    }

    /// Packs the channel's outbox into datagrams of at most `max_len` bytes, in order, each
    /// DATA ending its datagram. With nothing queued but a pending poke, sends a keep-alive
    /// (section 8.14).
    pub(crate) fn flush(&mut self, channel: &mut Channel, ctx: &DecodeContext, max_len: usize) {
        let messages = std::mem::take(&mut channel.outbox);
        let poke = std::mem::take(&mut channel.poke);
        if messages.is_empty() {
            if poke {
                let keep_alive = Datagram::keep_alive(channel.remote);
                if let Some(bytes) = encode(&keep_alive, ctx) {
                    self.send(channel, bytes);
                }
            }
            return;
        }
        let mut datagram = Datagram {
            channel: channel.remote,
            messages: Vec::new(),
        };
        let mut len = Datagram::HEADER_LEN;
        for message in messages {
            let size = message_len(&message, ctx);
            if !datagram.messages.is_empty() && len + size > max_len {
                self.emit(channel, &mut datagram, ctx);
                len = Datagram::HEADER_LEN;
            }
            len += size;
            let is_data = matches!(message, Message::Data { .. });
            datagram.messages.push(message);
            if is_data {
                self.emit(channel, &mut datagram, ctx);
                len = Datagram::HEADER_LEN;
            }
        }
        if !datagram.messages.is_empty() {
            self.emit(channel, &mut datagram, ctx);
        }
        // Hand the (now empty) buffer back so the outbox keeps its capacity.
        datagram.messages.clear();
        channel.outbox = datagram.messages;
    }

    fn emit(&mut self, channel: &mut Channel, datagram: &mut Datagram, ctx: &DecodeContext) {
        if let Some(bytes) = encode(datagram, ctx) {
            self.send(channel, bytes);
        }
        datagram.messages.clear();
    }
}

/// The closing HANDSHAKE on a channel whose peer ID is `remote`: `00 00000000 ff`, the form
/// libswift sends (section 3.1.1 rule 4 / section 8.4).
pub(crate) fn closing_datagram(remote: ChannelId) -> Option<Bytes> {
    let datagram = Datagram {
        channel: remote,
        messages: vec![Message::close()],
    };
    encode(&datagram, &DecodeContext::default())
}
