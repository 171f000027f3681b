//! The RFC 7574 datagram decoder on arbitrary bytes, under every chunk addressing method and
//! hash function (chosen by the first input byte): never panics, and whatever it accepts
//! re-encodes to bytes that decode to the same datagram.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppsp_wire::ppspp::{ChunkAddressing, Datagram, DecodeContext, MerkleHashFunction};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, datagram)) = data.split_first() else {
        return;
    };
    let ctx = DecodeContext {
        chunk_addressing: ChunkAddressing::ALL[usize::from(selector % 5)],
        merkle_hash_function: MerkleHashFunction::ALL[usize::from((selector / 5) % 5)],
        ..DecodeContext::default()
    };
    if let Ok(decoded) = Datagram::decode_slice(datagram, &ctx) {
        let encoded = decoded.encode(&ctx).expect("a decoded datagram re-encodes");
        assert_eq!(decoded.encoded_len(&ctx), Ok(encoded.len()));
        assert_eq!(Datagram::decode_slice(&encoded, &ctx), Ok(decoded));
    }
});
