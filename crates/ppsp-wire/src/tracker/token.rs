//! The free-form identifiers of RFC 7846: peer IDs, AS numbers and peer protocol names.
//!
//! RFC 7846 leaves their format open (section 3.2.3: a peer ID "may be" a UUID; its examples
//! use "656164657220", ASNs "45645", protocol names "PPSP-PP"). They are kept as text but
//! restricted to printable ASCII without whitespace, so every value survives both encodings
//! unchanged (XML trims element text) and cannot smuggle control characters into logs.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ids::PeerId;

/// Longest peer ID accepted, in characters.
pub const MAX_TRACKER_PEER_ID_LEN: usize = 128;
/// Longest `asn` or `peer_protocol` accepted, in characters.
pub const MAX_LABEL_LEN: usize = 64;

/// Checks that `text` is 1..=`max` printable ASCII characters without whitespace.
fn check_token(text: &str, max: usize) -> Result<(), String> {
    if text.is_empty() || text.len() > max {
        return Err(format!("{text:?} must be 1..={max} characters long"));
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("{text:?} must be printable ASCII without spaces"));
    }
    Ok(())
}

/// Checks an `asn` or `peer_protocol` value: 1..=[`MAX_LABEL_LEN`] printable ASCII characters
/// without whitespace.
pub(crate) fn check_label(text: &str) -> Result<String, String> {
    check_token(text, MAX_LABEL_LEN).map(|()| text.to_string())
}

/// A peer ID as RFC 7846 carries it: 1..=128 printable ASCII characters without whitespace.
///
/// The project's own peers use the 40-hex [`PeerId`] of the XML profile; [`From<PeerId>`]
/// writes that form and [`TrackerPeerId::to_peer_id`] reads it back.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TrackerPeerId(String);

impl TrackerPeerId {
    /// Validates and wraps a peer ID.
    pub fn new(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        check_token(&text, MAX_TRACKER_PEER_ID_LEN)?;
        Ok(Self(text))
    }

    /// The peer ID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The XML profile's [`PeerId`], when this ID is in its 40-lowercase-hex form.
    pub fn to_peer_id(&self) -> Option<PeerId> {
        self.0.parse().ok()
    }
}

impl From<PeerId> for TrackerPeerId {
    fn from(id: PeerId) -> Self {
        Self(id.to_string())
    }
}

impl FromStr for TrackerPeerId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for TrackerPeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TrackerPeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackerPeerId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_ids_and_forty_hex_ids_are_accepted() {
        assert_eq!(
            TrackerPeerId::new("656164657220").unwrap().as_str(),
            "656164657220"
        );
        let hex = "9c1185a5c5e9fc54612808977ee8f548b2258d31";
        let peer_id: PeerId = hex.parse().unwrap();
        let id = TrackerPeerId::from(peer_id);
        assert_eq!(id.as_str(), hex);
        assert_eq!(id.to_peer_id(), Some(peer_id));
        assert_eq!(
            TrackerPeerId::new("656164657220").unwrap().to_peer_id(),
            None
        );
    }

    #[test]
    fn empty_long_spaced_or_control_ids_are_refused() {
        assert!(TrackerPeerId::new("").is_err());
        assert!(TrackerPeerId::new("x".repeat(MAX_TRACKER_PEER_ID_LEN + 1)).is_err());
        assert!(TrackerPeerId::new("x".repeat(MAX_TRACKER_PEER_ID_LEN)).is_ok());
        assert!(TrackerPeerId::new("a b").is_err());
        assert!(TrackerPeerId::new("a\u{1}").is_err());
        assert!(TrackerPeerId::new("é").is_err());
    }

    #[test]
    fn labels_follow_the_same_rule() {
        assert_eq!(check_label("PPSP-PP"), Ok("PPSP-PP".to_string()));
        assert!(check_label("").is_err());
        assert!(check_label(&"9".repeat(MAX_LABEL_LEN + 1)).is_err());
    }
}
