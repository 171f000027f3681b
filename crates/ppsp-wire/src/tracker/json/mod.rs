//! RFC 7846's own encoding: one JSON object `{"PPSPTrackerProtocol": {...}}` per HTTP body,
//! with the member names of the RFC's schema (section 3).
//!
//! Bodies are parsed into a [`serde_json::Value`] first and mapped onto the model by hand, so
//! that the RFC's inconsistent examples can be read (see `decode`) and every error names the
//! JSON path at fault. Untrusted input is bounded by [`TrackerLimits`]: the body size before
//! parsing, serde_json's own 128-level recursion limit while parsing, and
//! [`TrackerLimits::max_json_depth`] after.

mod decode;
mod encode;
mod node;

use serde_json::Value;

use super::TrackerLimits;
use super::error::{DecodeErrorKind, TrackerDecodeError, check_size};
use super::model::{TrackerRequest, TrackerResponse};

/// The media type RFC 7846 section 2.3 requires in Content-Type.
pub const JSON_MEDIA_TYPE: &str = "application/ppsp-tracker+json";

/// The name of the one member of the top-level object.
const ROOT: &str = "PPSPTrackerProtocol";

/// Decodes a JSON request with the default [`TrackerLimits`].
pub fn decode_request_json(body: &[u8]) -> Result<TrackerRequest, TrackerDecodeError> {
    decode_request(body, &TrackerLimits::default())
}

/// Decodes a JSON response with the default [`TrackerLimits`].
pub fn decode_response_json(body: &[u8]) -> Result<TrackerResponse, TrackerDecodeError> {
    decode_response(body, &TrackerLimits::default())
}

/// Encodes a request in the schema form of RFC 7846.
pub fn encode_request_json(request: &TrackerRequest) -> String {
    encode::request(request).to_string()
}

/// Encodes a response in the schema form of RFC 7846. A failure's reason is not written: the
/// RFC has no member for it.
pub fn encode_response_json(response: &TrackerResponse) -> String {
    encode::response(response).to_string()
}

pub(super) fn decode_request(
    body: &[u8],
    limits: &TrackerLimits,
) -> Result<TrackerRequest, TrackerDecodeError> {
    decode::request(&parse(body, limits)?)
}

pub(super) fn decode_response(
    body: &[u8],
    limits: &TrackerLimits,
) -> Result<TrackerResponse, TrackerDecodeError> {
    decode::response(&parse(body, limits)?)
}

fn parse(body: &[u8], limits: &TrackerLimits) -> Result<Value, TrackerDecodeError> {
    check_size(body, limits.max_bytes)?;
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| DecodeErrorKind::Json(e.to_string()))?;
    if node::deeper_than(&doc, limits.max_json_depth) {
        return Err(DecodeErrorKind::TooDeep {
            max: limits.max_json_depth,
        }
        .into());
    }
    Ok(doc)
}
