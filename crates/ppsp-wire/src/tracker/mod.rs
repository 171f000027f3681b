//! RFC 7846 tracker messages (PPSTP, "PPSP-TP/1.0"): one typed model, two encodings.
//!
//! - [`TrackerRequest`] (CONNECT, FIND, STAT_REPORT) and [`TrackerResponse`] model RFC 7846
//!   section 3; both decoders produce them and check the same limits.
//! - JSON is the RFC's encoding ([`JSON_MEDIA_TYPE`]): the schema form is written, and the
//!   RFC's own, inconsistent example bodies are read too.
//! - XML is the project's form ([`XML_MEDIA_TYPE`]), in the peer protocol's envelope; its
//!   element layout, with one example per message, is documented in `tracker/xml/mod.rs`.
//! - [`TrackerEncoding`] picks the codec by Content-Type, so a server handles both alike.
//!
//! Decoding never panics. A failure is a [`TrackerDecodeError`] whose
//! [`error_code`](TrackerDecodeError::error_code) is the RFC 7846 error to answer with and which
//! keeps the transaction ID when it could be read, so the answer can echo it:
//!
//! ```
//! use ppsp_wire::tracker::{ErrorCode, TrackerEncoding, TrackerLimits};
//!
//! let body = br#"{"PPSPTrackerProtocol": {"version": 2, "request_type": "FIND",
//!     "transaction_id": "12345", "peer_id": "656164657221", "swarm_id": "1111"}}"#;
//! let encoding = TrackerEncoding::from_content_type("application/ppsp-tracker+json").unwrap();
//! let error = encoding.decode_request(body, &TrackerLimits::default()).unwrap_err();
//! assert_eq!(error.error_code(), ErrorCode::UnsupportedVersion);
//! assert_eq!(error.transaction_id.unwrap().as_str(), "12345");
//! ```

mod encoding;
mod error;
mod json;
mod model;
mod token;
mod words;
mod xml;

pub use encoding::{TrackerEncoding, TrackerLimits};
pub use error::{DecodeErrorKind, TrackerDecodeError};
pub use json::{
    JSON_MEDIA_TYPE, decode_request_json, decode_response_json, encode_request_json,
    encode_response_json,
};
pub use model::{
    Connect, Find, MAX_PEER_ADDRS, MAX_PEER_COUNT, MAX_REASON_LEN, MAX_RESULT_PEERS,
    MAX_STREAM_STATS, MAX_SWARM_ACTIONS, MAX_SWARM_RESULTS, PPSTP_VERSION, PeerNum, RequestBody,
    ResponseOutcome, StatReport, StreamStats, SwarmAction, SwarmResult, TrackerPeer,
    TrackerPeerAddr, TrackerRequest, TrackerResponse,
};
pub use token::{MAX_LABEL_LEN, MAX_TRACKER_PEER_ID_LEN, TrackerPeerId};
pub use words::{
    Action, ActionResult, AddressKind, Connection, ErrorCode, NatAbility, PeerMode, RequestType,
};
pub use xml::{
    XML_MEDIA_TYPE, decode_request_xml, decode_response_xml, encode_request_xml,
    encode_response_xml,
};

#[cfg(test)]
mod tests;
