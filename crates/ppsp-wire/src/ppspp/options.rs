//! HANDSHAKE protocol options (RFC 7574 section 7).
//!
//! An option is a code byte followed by a value whose width the code implies; the list ends with
//! the End Option, 0xFF. Because no option carries a length, an unknown code makes the rest of
//! the list unreadable: it is rejected, as libswift does, rather than guessed past. This also
//! refuses PyPPSPP's private option 10.
//!
//! Encoding always writes options in ascending code order, as the RFC requires. Decoding accepts
//! any order (draft -10 only asked for Version first and the addressing method before the Live
//! Discard Window), with one consequence: the window's width is that of the addressing method in
//! force where it is read, so an addressing method arriving later must not change that width.

use bytes::BufMut;
use serde::Serialize;

use super::reader::Reader;
use super::{
    ChunkAddressing, ContentIntegrity, DecodeContext, DecodeError, EncodeError,
    LiveSignatureAlgorithm, MerkleHashFunction, ProtocolOption, SupportedMessages,
};
use crate::ids::{MAX_SWARM_ID_LEN, SwarmId};

/// Terminates the option list.
const END_OPTION: u8 = 0xFF;

/// A protocol version number (options 0 and 1). Any value is decoded, because a newer peer
/// announces its highest version and the two sides then pick a common one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ProtocolVersion(pub u8);

impl ProtocolVersion {
    /// Version 1: RFC 7574.
    pub const V1: Self = Self(1);
}

/// The chunk size of a swarm (option 9, RFC only), which also tells a receiver where a DATA
/// payload ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkSize {
    /// Every chunk but possibly the last has this many bytes.
    Fixed(u32),
    /// Chunks differ in size; sent as 0xFFFFFFFF.
    Variable,
}

impl ChunkSize {
    const VARIABLE: u32 = u32::MAX;

    /// The size for a wire value.
    pub fn from_code(code: u32) -> Self {
        if code == Self::VARIABLE {
            Self::Variable
        } else {
            Self::Fixed(code)
        }
    }

    /// The wire value.
    pub fn code(self) -> u32 {
        match self {
            Self::Fixed(size) => size,
            Self::Variable => Self::VARIABLE,
        }
    }
}

impl Default for ChunkSize {
    /// 1024 bytes, the size the RFC recommends.
    fn default() -> Self {
        Self::Fixed(1024)
    }
}

/// The protocol options of a HANDSHAKE; `None` means the option was absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HandshakeOptions {
    /// Option 0: highest protocol version supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<ProtocolVersion>,
    /// Option 1: lowest protocol version supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_version: Option<ProtocolVersion>,
    /// Option 2: the swarm (Merkle root hash, or public key of a live stream).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swarm_id: Option<SwarmId>,
    /// Option 3: content integrity protection method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_integrity: Option<ContentIntegrity>,
    /// Option 4: Merkle hash tree function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merkle_hash_function: Option<MerkleHashFunction>,
    /// Option 5: live signature algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_signature_algorithm: Option<LiveSignatureAlgorithm>,
    /// Option 6: chunk addressing method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_addressing: Option<ChunkAddressing>,
    /// Option 7: chunks (or bytes, with byte ranges) kept behind the newest one; all ones in the
    /// field width means the peer never discards. The width is 4 or 8 bytes per addressing method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_discard_window: Option<u64>,
    /// Option 8: message types understood; absent means all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_messages: Option<SupportedMessages>,
    /// Option 9: chunk size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<ChunkSize>,
}

impl HandshakeOptions {
    /// Width of the Live Discard Window field: the addressing method of these options, else the
    /// one in force.
    fn window_len(&self, ctx: &DecodeContext) -> usize {
        self.chunk_addressing
            .unwrap_or(ctx.chunk_addressing)
            .window_len()
    }

    /// Reads options up to and including the End Option.
    pub(super) fn decode(r: &mut Reader, ctx: &DecodeContext) -> Result<Self, DecodeError> {
        let mut options = Self::default();
        let mut seen = 0u16;
        // Width the Live Discard Window was read with, if it came before any addressing method.
        let mut early_window_len = None;
        loop {
            let offset = r.offset();
            if r.is_empty() {
                return Err(DecodeError::MissingEndOption { offset });
            }
            let code = r.u8("option code")?;
            if code == END_OPTION {
                return Ok(options);
            }
            let option = ProtocolOption::from_code(code)
                .ok_or(DecodeError::UnknownOption { code, offset })?;
            if seen & (1 << code) != 0 {
                return Err(DecodeError::DuplicateOption { option, offset });
            }
            seen |= 1 << code;

            match option {
                ProtocolOption::Version => {
                    options.version = Some(ProtocolVersion(r.u8(option.name())?));
                }
                ProtocolOption::MinimumVersion => {
                    options.min_version = Some(ProtocolVersion(r.u8(option.name())?));
                }
                ProtocolOption::SwarmIdentifier => {
                    let len = usize::from(r.u16("Swarm Identifier length")?);
                    if !(1..=MAX_SWARM_ID_LEN).contains(&len) {
                        return Err(DecodeError::SwarmIdLength { len, offset });
                    }
                    let bytes = r.bytes(len, option.name())?;
                    let id = SwarmId::new(bytes.to_vec())
                        .map_err(|_| DecodeError::SwarmIdLength { len, offset })?;
                    options.swarm_id = Some(id);
                }
                ProtocolOption::ContentIntegrityProtectionMethod => {
                    options.content_integrity = Some(registry_value(
                        r,
                        option,
                        offset,
                        ContentIntegrity::from_code,
                    )?);
                }
                ProtocolOption::MerkleHashTreeFunction => {
                    options.merkle_hash_function = Some(registry_value(
                        r,
                        option,
                        offset,
                        MerkleHashFunction::from_code,
                    )?);
                }
                ProtocolOption::LiveSignatureAlgorithm => {
                    options.live_signature_algorithm = Some(registry_value(
                        r,
                        option,
                        offset,
                        LiveSignatureAlgorithm::from_code,
                    )?);
                }
                ProtocolOption::ChunkAddressingMethod => {
                    let cam = registry_value(r, option, offset, ChunkAddressing::from_code)?;
                    if early_window_len.is_some_and(|len| len != cam.window_len()) {
                        return Err(DecodeError::LateChunkAddressing { offset });
                    }
                    options.chunk_addressing = Some(cam);
                }
                ProtocolOption::LiveDiscardWindow => {
                    let len = options.window_len(ctx);
                    if options.chunk_addressing.is_none() {
                        early_window_len = Some(len);
                    }
                    options.live_discard_window = Some(r.uint(len, option.name())?);
                }
                ProtocolOption::SupportedMessages => {
                    let len = r.u8("Supported Messages length")?;
                    let too_long = DecodeError::SupportedMessagesLength { len, offset };
                    if usize::from(len) > SupportedMessages::MAX_LEN {
                        return Err(too_long);
                    }
                    let bitmap = r.bytes(usize::from(len), option.name())?;
                    options.supported_messages =
                        Some(SupportedMessages::from_bitmap(&bitmap).ok_or(too_long)?);
                }
                ProtocolOption::ChunkSize => {
                    options.chunk_size = Some(ChunkSize::from_code(r.u32(option.name())?));
                }
            }
        }
    }

    /// Bytes the options take on the wire, End Option included, after checking they can be
    /// written so that they read back the same.
    pub(super) fn encoded_len(&self, ctx: &DecodeContext) -> Result<usize, EncodeError> {
        let byte_options = [
            self.version.is_some(),
            self.min_version.is_some(),
            self.content_integrity.is_some(),
            self.merkle_hash_function.is_some(),
            self.live_signature_algorithm.is_some(),
            self.chunk_addressing.is_some(),
        ];
        let mut len = 1 + 2 * byte_options.into_iter().filter(|&present| present).count();
        if let Some(id) = &self.swarm_id {
            len += 3 + id.as_bytes().len();
        }
        if let Some(value) = self.live_discard_window {
            let width = self.window_len(ctx);
            if width < 8 && value >> (8 * width) != 0 {
                return Err(EncodeError::DiscardWindowTooWide { value, width });
            }
            len += 1 + width;
        }
        if let Some(set) = &self.supported_messages {
            len += 2 + set.bitmap().len();
        }
        if let Some(size) = self.chunk_size {
            if size == ChunkSize::Fixed(ChunkSize::VARIABLE) {
                return Err(EncodeError::AmbiguousChunkSize);
            }
            len += 5;
        }
        Ok(len)
    }

    /// Appends the options in ascending code order and the End Option. Call
    /// [`Self::encoded_len`] first: values it would refuse are truncated here.
    pub(super) fn write(&self, ctx: &DecodeContext, out: &mut Vec<u8>) {
        put_byte_option(out, ProtocolOption::Version, self.version.map(|v| v.0));
        put_byte_option(
            out,
            ProtocolOption::MinimumVersion,
            self.min_version.map(|v| v.0),
        );
        if let Some(id) = &self.swarm_id {
            out.put_u8(ProtocolOption::SwarmIdentifier.code());
            // A SwarmId holds at most MAX_SWARM_ID_LEN (1024) bytes.
            out.put_u16(id.as_bytes().len() as u16);
            out.put_slice(id.as_bytes());
        }
        put_byte_option(
            out,
            ProtocolOption::ContentIntegrityProtectionMethod,
            self.content_integrity.map(ContentIntegrity::code),
        );
        put_byte_option(
            out,
            ProtocolOption::MerkleHashTreeFunction,
            self.merkle_hash_function.map(MerkleHashFunction::code),
        );
        put_byte_option(
            out,
            ProtocolOption::LiveSignatureAlgorithm,
            self.live_signature_algorithm
                .map(LiveSignatureAlgorithm::code),
        );
        put_byte_option(
            out,
            ProtocolOption::ChunkAddressingMethod,
            self.chunk_addressing.map(ChunkAddressing::code),
        );
        if let Some(value) = self.live_discard_window {
            out.put_u8(ProtocolOption::LiveDiscardWindow.code());
            out.put_uint(value, self.window_len(ctx));
        }
        if let Some(set) = &self.supported_messages {
            out.put_u8(ProtocolOption::SupportedMessages.code());
            // At most SupportedMessages::MAX_LEN (32) bytes.
            out.put_u8(set.bitmap().len() as u8);
            out.put_slice(set.bitmap());
        }
        if let Some(size) = self.chunk_size {
            out.put_u8(ProtocolOption::ChunkSize.code());
            out.put_u32(size.code());
        }
        out.put_u8(END_OPTION);
    }
}

/// Reads a one-byte registry value, refusing unassigned codes.
fn registry_value<T>(
    r: &mut Reader,
    option: ProtocolOption,
    offset: usize,
    from_code: impl FnOnce(u8) -> Option<T>,
) -> Result<T, DecodeError> {
    let value = r.u8(option.name())?;
    from_code(value).ok_or(DecodeError::InvalidOptionValue {
        option,
        value,
        offset,
    })
}

/// Appends an option with a one-byte value, if present.
fn put_byte_option(out: &mut Vec<u8>, option: ProtocolOption, value: Option<u8>) {
    if let Some(value) = value {
        out.put_u8(option.code());
        out.put_u8(value);
    }
}
