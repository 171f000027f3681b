//! The Supported Messages option value (RFC 7574 section 7.10).
//!
//! A 256-bit map where bit X, counting from the most significant bit of the first byte, says
//! whether message type X is understood. On the wire the map is cut after its last non-zero byte
//! and prefixed with its length, so all fourteen RFC types take two bytes (`FF FC`).

use std::fmt;

use serde::{Serialize, Serializer};

use super::MessageType;

/// A set of message type codes: what a peer says it understands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SupportedMessages([u8; Self::MAX_LEN]);

impl SupportedMessages {
    /// Longest bitmap on the wire: 256 bits, one per possible type code.
    pub const MAX_LEN: usize = 32;

    /// Every message type of RFC 7574.
    pub fn all() -> Self {
        MessageType::ALL.iter().copied().collect()
    }

    /// The set written by `bitmap` (wire form, bit 0 = MSB of the first byte); `None` if the
    /// bitmap is longer than [`Self::MAX_LEN`]. Bits for unassigned codes are kept.
    pub fn from_bitmap(bitmap: &[u8]) -> Option<Self> {
        let mut map = [0; Self::MAX_LEN];
        map.get_mut(..bitmap.len())?.copy_from_slice(bitmap);
        Some(Self(map))
    }

    /// The wire bitmap: the map cut after its last non-zero byte (empty for an empty set).
    pub fn bitmap(&self) -> &[u8] {
        let len = self
            .0
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |last| last + 1);
        &self.0[..len]
    }

    /// Whether `message` is in the set.
    pub fn contains(&self, message: MessageType) -> bool {
        self.contains_code(message.code())
    }

    /// Whether the type code `code` is in the set, assigned or not.
    pub fn contains_code(&self, code: u8) -> bool {
        let (byte, mask) = Self::position(code);
        self.0[byte] & mask != 0
    }

    /// Adds `message` to the set.
    pub fn insert(&mut self, message: MessageType) {
        let (byte, mask) = Self::position(message.code());
        self.0[byte] |= mask;
    }

    /// Removes `message` from the set.
    pub fn remove(&mut self, message: MessageType) {
        let (byte, mask) = Self::position(message.code());
        self.0[byte] &= !mask;
    }

    /// The type codes in the set, ascending.
    pub fn codes(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=u8::MAX).filter(|&code| self.contains_code(code))
    }

    /// Byte index and bit mask of a code; the index is below 32 for every `u8`.
    fn position(code: u8) -> (usize, u8) {
        (usize::from(code / 8), 0x80 >> (code % 8))
    }
}

impl FromIterator<MessageType> for SupportedMessages {
    fn from_iter<I: IntoIterator<Item = MessageType>>(iter: I) -> Self {
        let mut set = Self::default();
        for message in iter {
            set.insert(message);
        }
        set
    }
}

impl fmt::Debug for SupportedMessages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.codes()).finish()
    }
}

/// Serialized as the list of type codes, because unassigned codes have no name.
impl Serialize for SupportedMessages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.codes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_fourteen_types_make_ff_fc() {
        assert_eq!(SupportedMessages::all().bitmap(), [0xFF, 0xFC]);
    }

    #[test]
    fn everything_but_ack_and_pex_makes_d9_f0() {
        let mut set = SupportedMessages::all();
        for message in [
            MessageType::Ack,
            MessageType::PexResV4,
            MessageType::PexReq,
            MessageType::PexResV6,
            MessageType::PexResCert,
        ] {
            set.remove(message);
        }
        assert_eq!(set.bitmap(), [0xD9, 0xF0]);
        assert!(set.contains(MessageType::Data) && !set.contains(MessageType::Ack));
    }

    #[test]
    fn bitmap_is_cut_after_last_non_zero_byte_and_keeps_unassigned_codes() {
        assert_eq!(SupportedMessages::default().bitmap(), [] as [u8; 0]);
        let set = SupportedMessages::from_bitmap(&[0x80, 0, 0, 0x01]).unwrap();
        assert_eq!(set.codes().collect::<Vec<_>>(), [0, 31]);
        assert_eq!(set.bitmap(), [0x80, 0, 0, 0x01]);
        assert_eq!(
            SupportedMessages::from_bitmap(&[0x80, 0, 0])
                .unwrap()
                .bitmap(),
            [0x80]
        );
    }

    #[test]
    fn bitmap_longer_than_256_bits_is_refused() {
        assert!(
            SupportedMessages::from_bitmap(&[0xFF; 32])
                .unwrap()
                .contains_code(255)
        );
        assert!(SupportedMessages::from_bitmap(&[0; 33]).is_none());
    }
}
