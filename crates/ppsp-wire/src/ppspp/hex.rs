//! Serde helper writing byte fields (payloads, hashes, signatures) as lowercase hex strings, so a
//! decoded datagram prints as readable JSON.

use serde::Serializer;

use crate::ids::to_hex;

/// `#[serde(serialize_with = "hex::serialize")]` for any byte container.
pub(super) fn serialize<S: Serializer>(bytes: &impl AsRef<[u8]>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(bytes.as_ref()))
}
