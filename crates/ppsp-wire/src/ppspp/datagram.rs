//! Datagrams: a destination channel followed by messages (RFC 7574 section 8.2).
//!
//! Messages carry no lengths, so a datagram is decoded front to back under a
//! [`DecodeContext`]. Options carried in a HANDSHAKE override that context for the rest of the
//! datagram, and since a HANDSHAKE is always first this means: the HANDSHAKE is read with the
//! given context, every later message with the context it establishes. Encoding applies the
//! same rule, so a decoded datagram encodes back to the same bytes (up to option order).

use std::fmt;

use bytes::{BufMut, Bytes};
use serde::Serialize;

use super::reader::Reader;
use super::{DecodeContext, DecodeError, EncodeError, Message, MessageType};

/// A channel ID: the 32-bit number each side picks for a channel and the other side puts in
/// front of every datagram it sends on it (RFC 7574 section 3.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ChannelId(pub u32);

impl ChannelId {
    /// Channel 0: the destination of an initiator's first datagram, and the source channel of
    /// a closing HANDSHAKE.
    pub const ZERO: Self = Self(0);
}

/// Eight hex digits, the way channel IDs appear in captures and the RFC example.
impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// One UDP datagram: the receiver's channel and the messages, processed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Datagram {
    /// The channel chosen by the receiver; 0 on an initiator's first datagram.
    pub channel: ChannelId,
    /// The messages; none makes a keep-alive.
    pub messages: Vec<Message>,
}

impl Datagram {
    /// Length of the destination channel field, and of a keep-alive datagram.
    pub const HEADER_LEN: usize = 4;

    /// A keep-alive: the destination channel alone (RFC 7574 section 8.14).
    pub fn keep_alive(channel: ChannelId) -> Self {
        Self {
            channel,
            messages: Vec::new(),
        }
    }

    /// Whether this is a keep-alive.
    pub fn is_keep_alive(&self) -> bool {
        self.messages.is_empty()
    }

    /// Decodes a datagram. DATA payloads, hashes, signatures and certificates are slices of
    /// `data`, not copies.
    pub fn decode(data: Bytes, ctx: &DecodeContext) -> Result<Self, DecodeError> {
        match Self::decode_prefix(data, ctx)? {
            (datagram, None) => Ok(datagram),
            (_, Some(error)) => Err(error),
        }
    }

    /// Decodes the messages of a datagram up to the first one that cannot be decoded, and
    /// returns them with that message's error: RFC 7574 section 8.1 has a receiver process
    /// messages in order and discard the rest of a datagram from an invalid one on. Fails
    /// only when the destination channel ID itself is missing.
    pub fn decode_prefix(
        data: Bytes,
        ctx: &DecodeContext,
    ) -> Result<(Self, Option<DecodeError>), DecodeError> {
        let mut r = Reader::new(data);
        let channel = ChannelId(r.u32("destination channel ID")?);
        let mut ctx = *ctx;
        let mut messages = Vec::new();
        let mut next = |r: &mut Reader, messages: &Vec<Message>| {
            let offset = r.offset();
            let code = r.u8("message type")?;
            let kind = MessageType::from_code(code)
                .ok_or(DecodeError::UnknownMessageType { code, offset })?;
            if kind == MessageType::Handshake && !messages.is_empty() {
                return Err(DecodeError::HandshakeNotFirst { offset });
            }
            let message = Message::decode(kind, r, &ctx)?;
            if let Message::Handshake { options, .. } = &message {
                ctx = ctx.with_handshake(options);
            }
            Ok(message)
        };
        while !r.is_empty() {
            match next(&mut r, &messages) {
                Ok(message) => messages.push(message),
                Err(error) => return Ok((Self { channel, messages }, Some(error))),
            }
        }
        Ok((Self { channel, messages }, None))
    }

    /// Decodes a datagram from a borrowed buffer, copying it once.
    pub fn decode_slice(data: &[u8], ctx: &DecodeContext) -> Result<Self, DecodeError> {
        Self::decode(Bytes::copy_from_slice(data), ctx)
    }

    /// Encodes the datagram into a new buffer of exactly [`Self::encoded_len`] bytes.
    pub fn encode(&self, ctx: &DecodeContext) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(ctx, &mut out)?;
        Ok(out)
    }

    /// Appends the encoded datagram to `out`. On error nothing is appended.
    pub fn encode_into(&self, ctx: &DecodeContext, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.reserve(self.encoded_len(ctx)?);
        out.put_u32(self.channel.0);
        for (message, ctx) in self.messages_with_context(ctx) {
            message.write(&ctx, out);
        }
        Ok(())
    }

    /// The encoded length in bytes, after checking that the datagram can be encoded so that it
    /// decodes back the same under `ctx`.
    pub fn encoded_len(&self, ctx: &DecodeContext) -> Result<usize, EncodeError> {
        let last = self.messages.len().saturating_sub(1);
        let mut len = Self::HEADER_LEN;
        for (index, (message, ctx)) in self.messages_with_context(ctx).enumerate() {
            if index > 0 && message.message_type() == MessageType::Handshake {
                return Err(EncodeError::HandshakeNotFirst { index });
            }
            len += message.encoded_len(&ctx, index, index == last)?;
        }
        Ok(len)
    }

    /// Each message with the context it is encoded under: `ctx` for the first, then the
    /// context established by a leading HANDSHAKE.
    fn messages_with_context(
        &self,
        ctx: &DecodeContext,
    ) -> impl Iterator<Item = (&Message, DecodeContext)> {
        let body_ctx = match self.messages.first() {
            Some(Message::Handshake { options, .. }) => ctx.with_handshake(options),
            _ => *ctx,
        };
        let ctx = *ctx;
        self.messages
            .iter()
            .enumerate()
            .map(move |(index, message)| (message, if index == 0 { ctx } else { body_ctx }))
    }
}
