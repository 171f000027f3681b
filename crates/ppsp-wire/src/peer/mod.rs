//! The seed's peer protocol, XML profile (`../shared/PEER-PROTOCOL-XML.md` in the project).
//!
//! Peers exchange peer lists (FIND, FIND_CHUNK), chunk availability (CHUNK_AVAILABILITY, pull
//! and push), properties (PROPERTY_QUERY), agree on a data transport (TRANSPORT_NEGOTIATION) and
//! signal upload refusal (CHOKE, UNCHOKE), each as one XML document over HTTP:
//!
//! ```xml
//! <PPSPPeerProtocol version="1.0">
//!   <Method>FIND</Method>
//!   <TransactionID>7f3a9c</TransactionID>
//!   ...
//! </PPSPPeerProtocol>
//! ```
//!
//! [`PeerMessage::from_xml`] reads untrusted bodies with the limits of [`XmlLimits`]; an error
//! keeps the transaction ID and method when they could be read, so a server can answer with the
//! right [`Status`] and echo them.

mod chunk_map;
mod envelope;
mod message;

use serde::Serialize;

pub use chunk_map::{ChunkMap, MAX_BITMAP_CHUNKS, MAX_RANGES};
pub use envelope::{Method, Status};
pub use message::{
    DEFAULT_PEERNUM, FindQuery, MAX_KEY_LEN, MAX_PEERNUM, MAX_PREFERENCES, MAX_REASON_LEN,
    MAX_STATS, MAX_TRANSPORTS, Request, RequestBody, Response, ResponseBody, TransportOffer,
};

use crate::ids::TransactionId;
use crate::schema::{SchemaError, optional_child, optional_text, parse_text, required_text};
use crate::xml::{Element, XmlError, XmlLimits};

/// The root element's name.
pub const ROOT: &str = "PPSPPeerProtocol";
/// The protocol version this implementation speaks.
pub const VERSION: &str = "1.0";
/// The media type of a body.
pub const MEDIA_TYPE: &str = "application/ppsp-peer+xml";
/// Other media types accepted on input.
pub const ACCEPTED_MEDIA_TYPES: [&str; 3] = [MEDIA_TYPE, "text/xml", "application/xml"];

/// One document of the peer protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeerMessage {
    /// A request (`<Method>`).
    Request(Request),
    /// A response (`<Response>`).
    Response(Response),
}

/// What went wrong while reading a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerXmlErrorKind {
    /// The document itself is unreadable or over a limit.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// An element is missing, duplicated or invalid.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The `version` attribute names a version this implementation does not speak.
    #[error("version {found:?} is not supported (supported: {VERSION})")]
    UnsupportedVersion {
        /// The version found.
        found: String,
    },
}

/// A document that could not be read, with what could be salvaged for the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct PeerXmlError {
    /// What went wrong.
    pub kind: PeerXmlErrorKind,
    /// The document's transaction ID, when it could be read.
    pub transaction_id: Option<TransactionId>,
    /// The document's method, when it could be read.
    pub method: Option<Method>,
}

impl PeerXmlError {
    /// The status to answer with.
    pub fn status(&self) -> Status {
        match &self.kind {
            PeerXmlErrorKind::Xml(XmlError::TooLarge { .. }) => Status::PayloadTooLarge,
            PeerXmlErrorKind::UnsupportedVersion { .. } => Status::UnsupportedVersion,
            _ => Status::BadRequest,
        }
    }
}

impl PeerMessage {
    /// Reads a document with the default limits.
    pub fn from_xml(input: &[u8]) -> Result<Self, PeerXmlError> {
        Self::from_xml_with_limits(input, &XmlLimits::default())
    }

    /// Reads a document with the given limits.
    pub fn from_xml_with_limits(input: &[u8], limits: &XmlLimits) -> Result<Self, PeerXmlError> {
        let root = Element::parse(input, limits).map_err(|e| PeerXmlError {
            kind: e.into(),
            transaction_id: None,
            method: None,
        })?;
        // Salvage what an error answer needs before checking the rest.
        let transaction_id = optional_text::<TransactionId>(&root, "TransactionID")
            .ok()
            .flatten();
        let method = [
            optional_child(&root, "Method"),
            optional_child(&root, "Response"),
        ]
        .into_iter()
        .find_map(|found| found.ok().flatten())
        .and_then(|e| parse_text::<Method>(e).ok());
        let fail = |kind: PeerXmlErrorKind| PeerXmlError {
            kind,
            transaction_id: transaction_id.clone(),
            method,
        };
        Self::from_root(&root).map_err(fail)
    }

    fn from_root(root: &Element) -> Result<Self, PeerXmlErrorKind> {
        if root.name != ROOT {
            return Err(
                SchemaError::new(&root.name, format!("root element must be <{ROOT}>")).into(),
            );
        }
        match root.attr("version") {
            Some(VERSION) => {}
            Some(found) => {
                return Err(PeerXmlErrorKind::UnsupportedVersion {
                    found: found.to_string(),
                });
            }
            None => {
                return Err(SchemaError::new(
                    format!("{ROOT}@version"),
                    "required attribute is missing",
                )
                .into());
            }
        }
        let transaction_id = required_text(root, "TransactionID")?;
        let request = optional_child(root, "Method")?;
        let response = optional_child(root, "Response")?;
        Ok(match (request, response) {
            (Some(method), None) => {
                let method = parse_text(method)?;
                Self::Request(Request {
                    transaction_id,
                    peer_id: required_text(root, "PeerID")?,
                    body: RequestBody::from_root(method, root)?,
                })
            }
            (None, Some(method)) => {
                let method = parse_text(method)?;
                let status: Status = required_text(root, "Status")?;
                let reason = optional_child(root, "Reason")?.map(|r| r.text.clone());
                if reason.as_ref().is_some_and(|r| r.len() > MAX_REASON_LEN) {
                    return Err(SchemaError::new(
                        "Reason",
                        format!("longer than {MAX_REASON_LEN} bytes"),
                    )
                    .into());
                }
                let body = if status == Status::Successful {
                    ResponseBody::from_root(method, root)?
                } else {
                    ResponseBody::Empty
                };
                Self::Response(Response {
                    transaction_id,
                    method,
                    status,
                    reason,
                    body,
                })
            }
            (Some(_), Some(_)) => {
                return Err(SchemaError::new(
                    "Method",
                    "a document has <Method> or <Response>, not both",
                )
                .into());
            }
            (None, None) => {
                return Err(
                    SchemaError::new("Method", "a document needs <Method> or <Response>").into(),
                );
            }
        })
    }

    /// The document's element tree.
    pub fn to_element(&self) -> Element {
        let mut root = Element::new(ROOT).with_attr("version", VERSION);
        match self {
            Self::Request(request) => {
                root = root
                    .with_text_child("Method", request.body.method().as_str())
                    .with_text_child("TransactionID", request.transaction_id.as_str())
                    .with_text_child("PeerID", request.peer_id.to_string());
                request.body.write(&mut root);
            }
            Self::Response(response) => {
                root = root
                    .with_text_child("Response", response.method.as_str())
                    .with_text_child("TransactionID", response.transaction_id.as_str())
                    .with_text_child("Status", response.status.as_str());
                if let Some(reason) = &response.reason {
                    root = root.with_text_child("Reason", reason);
                }
                response.body.write(&mut root);
            }
        }
        root
    }

    /// The document as XML text.
    pub fn to_xml(&self) -> String {
        self.to_element().to_document()
    }

    /// The length of [`PeerMessage::to_xml`]'s output, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.to_xml().len()
    }
}

#[cfg(test)]
mod tests;
