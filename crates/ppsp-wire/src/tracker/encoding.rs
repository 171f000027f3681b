//! Choosing the encoding of a body by its HTTP Content-Type, and the limits for decoding it.

use super::error::TrackerDecodeError;
use super::json::{self, JSON_MEDIA_TYPE};
use super::model::{TrackerRequest, TrackerResponse};
use super::xml::{self, XML_MEDIA_TYPE};

/// Limits applied to untrusted tracker bodies, in either encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackerLimits {
    /// Largest body accepted, in bytes. The default, 64 KiB, holds a response with one full
    /// 200-peer list even with every optional field at a realistic maximum (about 57 KB in
    /// either encoding); a client expecting several large lists in one response should raise it.
    pub max_bytes: usize,
    /// Deepest nesting of JSON objects and arrays accepted. The schema needs 9 (a peer
    /// address inside a peer list inside a swarm result); the default is 16.
    pub max_json_depth: usize,
}

impl Default for TrackerLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024,
            max_json_depth: 16,
        }
    }
}

/// The two encodings of tracker messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackerEncoding {
    /// RFC 7846 JSON, `application/ppsp-tracker+json`.
    Json,
    /// The project's XML form, `application/ppsp-tracker+xml`.
    Xml,
}

impl TrackerEncoding {
    /// The encoding for a Content-Type header value; parameters (`; charset=utf-8`) and case
    /// are ignored. Besides the two PPSTP media types, `application/json`, `text/xml` and
    /// `application/xml` are accepted.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let is = |name: &str| media_type.eq_ignore_ascii_case(name);
        if is(JSON_MEDIA_TYPE) || is("application/json") {
            Some(Self::Json)
        } else if is(XML_MEDIA_TYPE) || is("text/xml") || is("application/xml") {
            Some(Self::Xml)
        } else {
            None
        }
    }

    /// The media type to put in Content-Type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => JSON_MEDIA_TYPE,
            Self::Xml => XML_MEDIA_TYPE,
        }
    }

    /// Decodes a request body.
    pub fn decode_request(
        self,
        body: &[u8],
        limits: &TrackerLimits,
    ) -> Result<TrackerRequest, TrackerDecodeError> {
        match self {
            Self::Json => json::decode_request(body, limits),
            Self::Xml => xml::decode_request(body, limits),
        }
    }

    /// Decodes a response body.
    pub fn decode_response(
        self,
        body: &[u8],
        limits: &TrackerLimits,
    ) -> Result<TrackerResponse, TrackerDecodeError> {
        match self {
            Self::Json => json::decode_response(body, limits),
            Self::Xml => xml::decode_response(body, limits),
        }
    }

    /// Encodes a request body.
    pub fn encode_request(self, request: &TrackerRequest) -> String {
        match self {
            Self::Json => json::encode_request_json(request),
            Self::Xml => xml::encode_request_xml(request),
        }
    }

    /// Encodes a response body.
    pub fn encode_response(self, response: &TrackerResponse) -> String {
        match self {
            Self::Json => json::encode_response_json(response),
            Self::Xml => xml::encode_response_xml(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_select_the_encoding_ignoring_parameters_and_case() {
        let pick = TrackerEncoding::from_content_type;
        assert_eq!(
            pick("application/ppsp-tracker+json"),
            Some(TrackerEncoding::Json)
        );
        assert_eq!(
            pick("Application/PPSP-Tracker+JSON; charset=utf-8"),
            Some(TrackerEncoding::Json)
        );
        assert_eq!(pick("application/json"), Some(TrackerEncoding::Json));
        assert_eq!(
            pick("application/ppsp-tracker+xml"),
            Some(TrackerEncoding::Xml)
        );
        assert_eq!(pick(" text/xml ;charset=UTF-8"), Some(TrackerEncoding::Xml));
        assert_eq!(pick("application/xml"), Some(TrackerEncoding::Xml));
        assert_eq!(pick("text/plain"), None);
        assert_eq!(pick(""), None);
    }

    #[test]
    fn media_types_read_back() {
        for encoding in [TrackerEncoding::Json, TrackerEncoding::Xml] {
            assert_eq!(
                TrackerEncoding::from_content_type(encoding.media_type()),
                Some(encoding)
            );
        }
    }
}
