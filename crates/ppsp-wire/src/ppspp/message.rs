//! The fourteen PPSPP messages and their layouts (RFC 7574 sections 8.4 to 8.13).
//!
//! A message is a type byte and a payload whose length the type and the [`DecodeContext`]
//! imply. Decoding takes the type byte already read; encoding is split into a checking pass
//! that returns the length and an infallible write, so [`super::Datagram`] can size its buffer
//! and refuse a datagram before writing anything.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use bytes::{BufMut, Bytes};
use serde::Serialize;

use super::reader::Reader;
use super::{
    ChannelId, ChunkSize, ChunkSpec, DecodeContext, DecodeError, EncodeError, HandshakeOptions,
    MessageType, ProtocolVersion, hex,
};

/// One PPSPP message. Chunk specifications, hashes and signatures are sized by the
/// [`DecodeContext`] in force, so a message alone does not fix its wire form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Opens a channel (source channel and swarm metadata) or closes it (source channel 0 and
    /// no options or only Version). Must be the first message of its datagram.
    Handshake {
        /// The channel the sender wants to be addressed with; 0 closes the channel.
        source_channel: ChannelId,
        /// The protocol options.
        options: HandshakeOptions,
    },
    /// One chunk, with the sender's clock for LEDBAT delay measurement.
    Data {
        /// The chunk.
        spec: ChunkSpec,
        /// Sender's time in microseconds; the epoch is unspecified.
        timestamp: u64,
        /// The chunk's bytes.
        #[serde(serialize_with = "hex::serialize")]
        payload: Bytes,
    },
    /// Acknowledges chunks received.
    Ack {
        /// The chunks acknowledged.
        spec: ChunkSpec,
        /// One-way delay sample in microseconds, for LEDBAT.
        delay_sample: u64,
    },
    /// Announces verified chunks.
    Have {
        /// The chunks.
        spec: ChunkSpec,
    },
    /// The hash of the Merkle tree node covering `spec`.
    Integrity {
        /// The node's chunks.
        spec: ChunkSpec,
        /// The hash, as long as the Merkle hash function's digest.
        #[serde(serialize_with = "hex::serialize")]
        hash: Bytes,
    },
    /// A peer's IPv4 address, answering PEX_REQ.
    PexResV4 {
        /// The peer's address.
        addr: SocketAddrV4,
    },
    /// Asks for peer addresses.
    PexReq,
    /// A live stream signature over a chunk spec, timestamp and chunk or munro hash.
    SignedIntegrity {
        /// The signed chunks (a munro with the Unified Merkle Tree).
        spec: ChunkSpec,
        /// Signing time as a 64-bit NTP timestamp (RFC 5905).
        timestamp: u64,
        /// The signature, as long as the live signature algorithm requires.
        #[serde(serialize_with = "hex::serialize")]
        signature: Bytes,
    },
    /// Asks for chunks.
    Request {
        /// The chunks.
        spec: ChunkSpec,
    },
    /// Withdraws a request.
    Cancel {
        /// The chunks no longer wanted.
        spec: ChunkSpec,
    },
    /// The sender will not answer requests.
    Choke,
    /// The sender will answer requests again.
    Unchoke,
    /// A peer's IPv6 address, answering PEX_REQ.
    PexResV6 {
        /// The peer's address.
        addr: SocketAddrV6,
    },
    /// A DER-encoded X.509v3 membership certificate naming a peer, answering PEX_REQ.
    PexResCert {
        /// The certificate, at most 65535 bytes.
        #[serde(serialize_with = "hex::serialize")]
        certificate: Bytes,
    },
}

impl Message {
    /// The closing HANDSHAKE in its shortest form, `00 00000000 ff`, as libswift sends it.
    pub fn close() -> Self {
        Self::Handshake {
            source_channel: ChannelId::ZERO,
            options: HandshakeOptions::default(),
        }
    }

    /// The closing HANDSHAKE carrying the sender's highest version, as RFC 7574 allows.
    pub fn close_with_version(version: ProtocolVersion) -> Self {
        let options = HandshakeOptions {
            version: Some(version),
            ..HandshakeOptions::default()
        };
        Self::Handshake {
            source_channel: ChannelId::ZERO,
            options,
        }
    }

    /// Whether this is a closing HANDSHAKE: source channel 0 and no option but Version.
    pub fn is_close(&self) -> bool {
        match self {
            Self::Handshake {
                source_channel,
                options,
            } => {
                *source_channel == ChannelId::ZERO
                    && *options
                        == HandshakeOptions {
                            version: options.version,
                            ..Default::default()
                        }
            }
            _ => false,
        }
    }

    /// The message's type code.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::Handshake { .. } => MessageType::Handshake,
            Self::Data { .. } => MessageType::Data,
            Self::Ack { .. } => MessageType::Ack,
            Self::Have { .. } => MessageType::Have,
            Self::Integrity { .. } => MessageType::Integrity,
            Self::PexResV4 { .. } => MessageType::PexResV4,
            Self::PexReq => MessageType::PexReq,
            Self::SignedIntegrity { .. } => MessageType::SignedIntegrity,
            Self::Request { .. } => MessageType::Request,
            Self::Cancel { .. } => MessageType::Cancel,
            Self::Choke => MessageType::Choke,
            Self::Unchoke => MessageType::Unchoke,
            Self::PexResV6 { .. } => MessageType::PexResV6,
            Self::PexResCert { .. } => MessageType::PexResCert,
        }
    }

    /// Reads the payload of a message of type `kind`, whose type byte was just read.
    pub(super) fn decode(
        kind: MessageType,
        r: &mut Reader,
        ctx: &DecodeContext,
    ) -> Result<Self, DecodeError> {
        let cam = ctx.chunk_addressing;
        Ok(match kind {
            MessageType::Handshake => Self::Handshake {
                source_channel: ChannelId(r.u32("source channel ID")?),
                options: HandshakeOptions::decode(r, ctx)?,
            },
            MessageType::Data => {
                let spec_offset = r.offset();
                let spec = r.chunk_spec(cam)?;
                let timestamp = r.u64("DATA timestamp")?;
                let len = data_len(&spec, ctx, r.remaining(), spec_offset)?;
                Self::Data {
                    spec,
                    timestamp,
                    payload: r.bytes(len, "DATA chunk")?,
                }
            }
            MessageType::Ack => Self::Ack {
                spec: r.chunk_spec(cam)?,
                delay_sample: r.u64("ACK one-way delay sample")?,
            },
            MessageType::Have => Self::Have {
                spec: r.chunk_spec(cam)?,
            },
            MessageType::Integrity => Self::Integrity {
                spec: r.chunk_spec(cam)?,
                hash: r.bytes(ctx.merkle_hash_function.digest_len(), "INTEGRITY hash")?,
            },
            MessageType::PexResV4 => {
                let ip = Ipv4Addr::from(r.u32("PEX_RESv4 address")?);
                Self::PexResV4 {
                    addr: SocketAddrV4::new(ip, r.u16("PEX_RESv4 port")?),
                }
            }
            MessageType::PexReq => Self::PexReq,
            MessageType::SignedIntegrity => {
                let spec = r.chunk_spec(cam)?;
                let timestamp = r.u64("SIGNED_INTEGRITY timestamp")?;
                let len = ctx
                    .signature_len()
                    .ok_or(DecodeError::UnknownSignatureLength {
                        algorithm: ctx.live_signature_algorithm,
                        offset: r.offset(),
                    })?;
                Self::SignedIntegrity {
                    spec,
                    timestamp,
                    signature: r.bytes(len, "SIGNED_INTEGRITY signature")?,
                }
            }
            MessageType::Request => Self::Request {
                spec: r.chunk_spec(cam)?,
            },
            MessageType::Cancel => Self::Cancel {
                spec: r.chunk_spec(cam)?,
            },
            MessageType::Choke => Self::Choke,
            MessageType::Unchoke => Self::Unchoke,
            MessageType::PexResV6 => {
                let ip = Ipv6Addr::from(r.u128("PEX_RESv6 address")?);
                Self::PexResV6 {
                    addr: SocketAddrV6::new(ip, r.u16("PEX_RESv6 port")?, 0, 0),
                }
            }
            MessageType::PexResCert => {
                let len = usize::from(r.u16("PEX_REScert length")?);
                Self::PexResCert {
                    certificate: r.bytes(len, "PEX_REScert certificate")?,
                }
            }
        })
    }

    /// Bytes the message takes on the wire, type byte included, after checking it reads back
    /// the same under `ctx`. `index` is its position (for errors); `is_last` tells whether it
    /// ends the datagram, which decides how a DATA payload is delimited.
    pub(super) fn encoded_len(
        &self,
        ctx: &DecodeContext,
        index: usize,
        is_last: bool,
    ) -> Result<usize, EncodeError> {
        let cam = ctx.chunk_addressing;
        let spec_len = |spec: &ChunkSpec| {
            spec.check(cam)
                .map(|()| cam.spec_len())
                .map_err(|source| EncodeError::ChunkSpec { index, source })
        };
        let payload_len = match self {
            Self::Handshake { options, .. } => 4 + options.encoded_len(ctx)?,
            Self::Data { spec, payload, .. } => {
                let spec_len = spec_len(spec)?;
                check_data_len(spec, payload.len(), ctx, index, is_last)?;
                spec_len + 8 + payload.len()
            }
            Self::Ack { spec, .. } => spec_len(spec)? + 8,
            Self::Have { spec } | Self::Request { spec } | Self::Cancel { spec } => spec_len(spec)?,
            Self::Integrity { spec, hash } => {
                let expected = ctx.merkle_hash_function.digest_len();
                if hash.len() != expected {
                    return Err(EncodeError::HashLength {
                        index,
                        len: hash.len(),
                        expected,
                    });
                }
                spec_len(spec)? + hash.len()
            }
            Self::PexResV4 { .. } => 4 + 2,
            Self::PexReq | Self::Choke | Self::Unchoke => 0,
            Self::SignedIntegrity {
                spec, signature, ..
            } => {
                let algorithm = ctx.live_signature_algorithm;
                let expected = ctx
                    .signature_len()
                    .ok_or(EncodeError::UnknownSignatureLength { index, algorithm })?;
                if signature.len() != expected {
                    return Err(EncodeError::SignatureLength {
                        index,
                        len: signature.len(),
                        expected,
                    });
                }
                spec_len(spec)? + 8 + signature.len()
            }
            Self::PexResV6 { .. } => 16 + 2,
            Self::PexResCert { certificate } => {
                if u16::try_from(certificate.len()).is_err() {
                    return Err(EncodeError::CertificateTooLong {
                        index,
                        len: certificate.len(),
                    });
                }
                2 + certificate.len()
            }
        };
        Ok(1 + payload_len)
    }

    /// Appends the message. Call [`Self::encoded_len`] first: values it would refuse are
    /// truncated or written so that they read back differently.
    pub(super) fn write(&self, ctx: &DecodeContext, out: &mut Vec<u8>) {
        let cam = ctx.chunk_addressing;
        out.put_u8(self.message_type().code());
        match self {
            Self::Handshake {
                source_channel,
                options,
            } => {
                out.put_u32(source_channel.0);
                options.write(ctx, out);
            }
            Self::Data {
                spec,
                timestamp,
                payload,
            } => {
                spec.write(cam, out);
                out.put_u64(*timestamp);
                out.put_slice(payload);
            }
            Self::Ack { spec, delay_sample } => {
                spec.write(cam, out);
                out.put_u64(*delay_sample);
            }
            Self::Have { spec } | Self::Request { spec } | Self::Cancel { spec } => {
                spec.write(cam, out);
            }
            Self::Integrity { spec, hash } => {
                spec.write(cam, out);
                out.put_slice(hash);
            }
            Self::PexResV4 { addr } => {
                out.put_slice(&addr.ip().octets());
                out.put_u16(addr.port());
            }
            Self::PexReq | Self::Choke | Self::Unchoke => {}
            Self::SignedIntegrity {
                spec,
                timestamp,
                signature,
            } => {
                spec.write(cam, out);
                out.put_u64(*timestamp);
                out.put_slice(signature);
            }
            Self::PexResV6 { addr } => {
                out.put_slice(&addr.ip().octets());
                out.put_u16(addr.port());
            }
            Self::PexResCert { certificate } => {
                // At most u16::MAX bytes, checked by `encoded_len`.
                out.put_u16(certificate.len() as u16);
                out.put_slice(certificate);
            }
        }
    }
}

/// Length of a DATA payload, which has no length field (RFC 7574 section 8.6): a byte range
/// names its length; otherwise a fixed chunk size `C` bounds it (C bytes if more than C remain,
/// so several DATA messages can share a datagram, else the rest of the datagram); with a
/// variable chunk size it is the rest of the datagram.
fn data_len(
    spec: &ChunkSpec,
    ctx: &DecodeContext,
    remaining: usize,
    spec_offset: usize,
) -> Result<usize, DecodeError> {
    if let ChunkSpec::ByteRange { start, end } = *spec {
        let last = end
            .checked_sub(start)
            .ok_or(DecodeError::InvalidByteRange {
                start,
                end,
                offset: spec_offset,
            })?;
        // A range wider than memory is wider than the datagram: reading it reports truncation.
        return Ok(usize::try_from(last).map_or(usize::MAX, |last| last.saturating_add(1)));
    }
    Ok(match ctx.chunk_size {
        ChunkSize::Fixed(size) => {
            usize::try_from(size).map_or(remaining, |size| size.min(remaining))
        }
        ChunkSize::Variable => remaining,
    })
}

/// Checks that [`data_len`] would delimit a DATA payload of `len` bytes at the same place.
/// The spec's kind was already checked against the addressing method.
fn check_data_len(
    spec: &ChunkSpec,
    len: usize,
    ctx: &DecodeContext,
    index: usize,
    is_last: bool,
) -> Result<(), EncodeError> {
    if let ChunkSpec::ByteRange { start, end } = *spec {
        let range_len = end.checked_sub(start).and_then(|last| last.checked_add(1));
        return if range_len.is_some() && range_len == u64::try_from(len).ok() {
            Ok(())
        } else {
            Err(EncodeError::ByteRangeLength {
                index,
                len,
                start,
                end,
            })
        };
    }
    match ctx.chunk_size {
        ChunkSize::Fixed(chunk_size) => {
            let fits = usize::try_from(chunk_size)
                .is_ok_and(|size| len == size || (is_last && len < size));
            if fits {
                Ok(())
            } else {
                Err(EncodeError::ChunkLength {
                    index,
                    len,
                    chunk_size,
                })
            }
        }
        ChunkSize::Variable if is_last => Ok(()),
        ChunkSize::Variable => Err(EncodeError::DataNotLast { index }),
    }
}
