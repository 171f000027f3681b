//! Why a tracker body could not be decoded, and what could be salvaged for the error answer.
//!
//! RFC 7846 section 3.4 requires the tracker to echo the transaction ID in every response,
//! including the error for a malformed request, so decoders read it first and attach it to any
//! later error. Each message is one line naming the field (JSON path or XML element) at fault.

use super::model::PPSTP_VERSION;
use super::words::{ErrorCode, RequestType};
use crate::ids::TransactionId;
use crate::schema::SchemaError;
use crate::xml::XmlError;

/// What went wrong while decoding a tracker body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is larger than [`TrackerLimits::max_bytes`](super::TrackerLimits::max_bytes).
    #[error("body is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Size of the body.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not well-formed JSON.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// JSON objects and arrays are nested deeper than
    /// [`TrackerLimits::max_json_depth`](super::TrackerLimits::max_json_depth).
    #[error("JSON nested deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// A JSON member is missing, of the wrong type or has an invalid value.
    #[error("{path}: {problem}")]
    Field {
        /// Where, e.g. `PPSPTrackerProtocol.connect.swarm_action[1].peer_mode`.
        path: String,
        /// What is wrong, in words.
        problem: String,
    },
    /// The XML document is unreadable or over a limit.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// An XML element is missing, duplicated or invalid.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The message names a protocol version other than 1.
    #[error("version {found} is not supported (supported: {PPSTP_VERSION})")]
    UnsupportedVersion {
        /// The version found, as written.
        found: String,
    },
}

/// A tracker body that could not be decoded, with what could be salvaged for the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
#[non_exhaustive]
pub struct TrackerDecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// The message's transaction ID, when it could be read: echo it in the error response.
    pub transaction_id: Option<TransactionId>,
    /// The message's request type, when it could be read (the XML form's `<Response>`).
    pub request_type: Option<RequestType>,
}

impl TrackerDecodeError {
    /// The error code to answer with (RFC 7846 section 3.4.1): 2 for an unsupported version,
    /// 1 (Bad Request) for everything else, oversized bodies included.
    pub fn error_code(&self) -> ErrorCode {
        match self.kind {
            DecodeErrorKind::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            _ => ErrorCode::BadRequest,
        }
    }
}

impl From<DecodeErrorKind> for TrackerDecodeError {
    /// An error found before anything could be salvaged.
    fn from(kind: DecodeErrorKind) -> Self {
        Self {
            kind,
            transaction_id: None,
            request_type: None,
        }
    }
}

/// What a decoder salvaged before checking the rest of a message.
#[derive(Debug)]
pub(crate) struct Salvage {
    pub(crate) transaction_id: Option<TransactionId>,
    pub(crate) request_type: Option<RequestType>,
}

impl Salvage {
    /// Attaches the salvaged fields to an error.
    pub(crate) fn attach(&self, kind: DecodeErrorKind) -> TrackerDecodeError {
        TrackerDecodeError {
            kind,
            transaction_id: self.transaction_id.clone(),
            request_type: self.request_type,
        }
    }
}

/// Refuses a body over `max` bytes before any parsing.
pub(crate) fn check_size(body: &[u8], max: usize) -> Result<(), TrackerDecodeError> {
    if body.len() > max {
        return Err(DecodeErrorKind::TooLarge {
            len: body.len(),
            max,
        }
        .into());
    }
    Ok(())
}
