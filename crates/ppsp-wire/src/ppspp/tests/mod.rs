//! Tests of the datagram codec: spec test vectors, message layouts, errors and properties.

mod errors;
mod layouts;
mod props;
mod vectors;

use super::{ChunkAddressing, ChunkSize, Datagram, DecodeContext, MerkleHashFunction};
use crate::ids::from_hex;

/// Bytes from hex written with spaces and `|` between fields, as in the standards digest.
fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    from_hex(&digits).unwrap()
}

/// The context of the RFC 8.16 example in its -10 (libswift) flavour: SHA-1, 32-bit chunk
/// ranges, 1024-byte chunks.
fn sha1_context() -> DecodeContext {
    DecodeContext {
        chunk_addressing: ChunkAddressing::ChunkRanges32,
        merkle_hash_function: MerkleHashFunction::Sha1,
        chunk_size: ChunkSize::Fixed(1024),
        ..DecodeContext::default()
    }
}

/// Decodes `bytes`, checks that encoding gives them back and that `encoded_len` agrees.
fn round_trip(bytes: &[u8], ctx: &DecodeContext) -> Datagram {
    let datagram = Datagram::decode_slice(bytes, ctx).unwrap();
    assert_eq!(
        datagram.encode(ctx).unwrap(),
        bytes,
        "re-encoding {datagram:?}"
    );
    assert_eq!(datagram.encoded_len(ctx).unwrap(), bytes.len());
    datagram
}
