//! The tracker's XML form (PEER-PROTOCOL-XML.md §5): the RFC 7846 messages in the envelope and
//! element shapes of the XML peer protocol, so one XML reader serves both planes.
//!
//! Same rules as the peer protocol (§1): root `<PPSPTrackerProtocol version="1.0">`, a request
//! names its request type in `<Method>`, a response names it in `<Response>` (empty when the
//! request could not be read) and carries `<Status>`; element order is free on input, unknown
//! elements are ignored, a missing required element is an error naming it, and a version other
//! than "1.0" (or "1", RFC 7846's number) is
//! [`ErrorCode::UnsupportedVersion`](crate::tracker::ErrorCode). Media type [`XML_MEDIA_TYPE`];
//! `text/xml` and `application/xml` are accepted too.
//!
//! `<Peers>` keeps the peer list's element shape (`<Peer><PeerID/><Address/></Peer>`) but is
//! read by this module, not by [`crate::peer_list`]: RFC 7846 peer IDs are free-form rather than
//! 40-hex, and an `<Address>` here also carries the RFC's `type`, `priority`, `connection` and
//! `asn` as attributes, with `peer_protocol` in `transport`. A tracker list whose peer IDs are
//! 40-hex and whose `transport`s are profile transport names is therefore also a valid
//! peer-protocol `<Peers>` (the extra attributes are ignored there).
//!
//! CONNECT (a leech switching swarms, RFC 7846 section 3.3.1):
//!
//! ```xml
//! <PPSPTrackerProtocol version="1.0">
//!   <Method>CONNECT</Method>
//!   <TransactionID>12345</TransactionID>
//!   <PeerID>656164657221</PeerID>
//!   <Peernum ability_nat="STUN" concurrent_links="5" online_time="200" upload_bandwidth="600">5</Peernum>
//!   <Address ip="192.0.2.2" port="6778" transport="ppspp/udp" type="HOST" priority="1" connection="wired" asn="64496"/>
//!   <Address ip="2001:db8::2" port="6778" type="HOST" priority="2" connection="wireless"/>
//!   <SwarmAction action="LEAVE" mode="LEECH"><SwarmID>1111</SwarmID></SwarmAction>
//!   <SwarmAction action="JOIN" mode="LEECH"><SwarmID>2222</SwarmID></SwarmAction>
//! </PPSPTrackerProtocol>
//! ```
//!
//! `<Peernum>` (optional) holds `peer_count`, 1..=200, with the other peer number fields as
//! optional attributes; `<Address>` 0..=16; `<SwarmAction>` 1..=16.
//!
//! FIND (the peer protocol's FIND shape):
//!
//! ```xml
//! <PPSPTrackerProtocol version="1.0">
//!   <Method>FIND</Method>
//!   <TransactionID>12346</TransactionID>
//!   <PeerID>656164657221</PeerID>
//!   <SwarmID>1111</SwarmID>
//!   <Peernum ability_nat="STUN">5</Peernum>
//! </PPSPTrackerProtocol>
//! ```
//!
//! STAT_REPORT (0..=64 `<StreamStats>`; none is the keep-alive; `<Stat>`s of other properties
//! are ignored):
//!
//! ```xml
//! <PPSPTrackerProtocol version="1.0">
//!   <Method>STAT_REPORT</Method>
//!   <TransactionID>12347</TransactionID>
//!   <PeerID>656164657221</PeerID>
//!   <StreamStats>
//!     <SwarmID>1111</SwarmID>
//!     <Stat property="uploaded_bytes">512</Stat>
//!     <Stat property="downloaded_bytes">768</Stat>
//!     <Stat property="available_bandwidth">1024000</Stat>
//!     <Stat property="concurrent_links">5</Stat>
//!   </StreamStats>
//! </PPSPTrackerProtocol>
//! ```
//!
//! A successful response (`<Address>`: the requester's public address, optional;
//! `<SwarmResult>` 0..=16, `result` SUCCESSFUL or FAILED; `<Peers>` optional, 0..=200 `<Peer>`
//! with exactly one `<Address>` each):
//!
//! ```xml
//! <PPSPTrackerProtocol version="1.0">
//!   <Response>CONNECT</Response>
//!   <TransactionID>12345</TransactionID>
//!   <Status>SUCCESSFUL</Status>
//!   <Address ip="198.51.100.1" port="6778" type="REFLEXIVE" priority="1"/>
//!   <SwarmResult result="SUCCESSFUL">
//!     <SwarmID>2222</SwarmID>
//!     <Peers>
//!       <Peer>
//!         <PeerID>956264622298</PeerID>
//!         <Address ip="198.51.100.22" port="6778" transport="ppspp/udp" type="REFLEXIVE" priority="2" connection="wired" asn="64496"/>
//!       </Peer>
//!     </Peers>
//!   </SwarmResult>
//! </PPSPTrackerProtocol>
//! ```
//!
//! A failed response (`<Status>` is the error's word, `<Reason>` optional, at most 256 bytes):
//!
//! ```xml
//! <PPSPTrackerProtocol version="1.0">
//!   <Response>FIND</Response>
//!   <TransactionID>12346</TransactionID>
//!   <Status>FORBIDDEN_ACTION</Status>
//!   <Reason>peer is not registered</Reason>
//! </PPSPTrackerProtocol>
//! ```

mod body;

use super::TrackerLimits;
use super::error::{DecodeErrorKind, Salvage, TrackerDecodeError, check_size};
use super::model::{
    MAX_REASON_LEN, PPSTP_VERSION, RequestBody, ResponseOutcome, TrackerRequest, TrackerResponse,
};
use super::words::{ErrorCode, RequestType};
use crate::schema::{
    SchemaError, optional_child, optional_text, parse_text, required_child, required_text,
};
use crate::xml::{Element, XmlLimits};

/// The media type of the tracker's XML form.
pub const XML_MEDIA_TYPE: &str = "application/ppsp-tracker+xml";

/// The root element's name.
const ROOT: &str = "PPSPTrackerProtocol";
/// The `<Status>` of a successful response.
const SUCCESSFUL: &str = "SUCCESSFUL";

/// Decodes an XML request with the default [`TrackerLimits`].
pub fn decode_request_xml(body: &[u8]) -> Result<TrackerRequest, TrackerDecodeError> {
    decode_request(body, &TrackerLimits::default())
}

/// Decodes an XML response with the default [`TrackerLimits`].
pub fn decode_response_xml(body: &[u8]) -> Result<TrackerResponse, TrackerDecodeError> {
    decode_response(body, &TrackerLimits::default())
}

/// Encodes a request as an XML document.
pub fn encode_request_xml(request: &TrackerRequest) -> String {
    let root = envelope(request.version)
        .with_text_child("Method", request.body.request_type().as_str())
        .with_text_child("TransactionID", request.transaction_id.as_str())
        .with_text_child("PeerID", request.peer_id.as_str());
    let root = match &request.body {
        RequestBody::Connect(connect) => body::write_connect(root, connect),
        RequestBody::Find(find) => body::write_find(root, find),
        RequestBody::StatReport(report) => body::write_stat_report(root, report),
    };
    root.to_document()
}

/// Encodes a response as an XML document.
pub fn encode_response_xml(response: &TrackerResponse) -> String {
    let answered = response.request_type.map_or("", RequestType::as_str);
    let root = envelope(response.version)
        .with_text_child("Response", answered)
        .with_text_child("TransactionID", response.transaction_id.as_str());
    let root = match &response.outcome {
        ResponseOutcome::Success {
            peer_addr,
            swarm_results,
        } => {
            let mut root = root.with_text_child("Status", SUCCESSFUL);
            if let Some(addr) = peer_addr {
                root = root.with_child(body::write_address(addr));
            }
            body::write_swarm_results(root, swarm_results)
        }
        ResponseOutcome::Failure { code, reason } => {
            let root = root.with_text_child("Status", code.as_str());
            match reason.as_deref().filter(|r| !r.is_empty()) {
                Some(reason) => root.with_text_child("Reason", reason),
                None => root,
            }
        }
    };
    root.to_document()
}

pub(super) fn decode_request(
    body: &[u8],
    limits: &TrackerLimits,
) -> Result<TrackerRequest, TrackerDecodeError> {
    let root = parse(body, limits)?;
    let salvage = salvage(&root, "Method");
    read_request(&root).map_err(|kind| salvage.attach(kind))
}

pub(super) fn decode_response(
    body: &[u8],
    limits: &TrackerLimits,
) -> Result<TrackerResponse, TrackerDecodeError> {
    let root = parse(body, limits)?;
    let salvage = salvage(&root, "Response");
    read_response(&root).map_err(|kind| salvage.attach(kind))
}

fn parse(body: &[u8], limits: &TrackerLimits) -> Result<Element, TrackerDecodeError> {
    check_size(body, limits.max_bytes)?;
    let xml_limits = XmlLimits {
        max_bytes: limits.max_bytes,
        ..XmlLimits::default()
    };
    Element::parse(body, &xml_limits).map_err(|e| DecodeErrorKind::Xml(e).into())
}

/// The transaction ID and request type, read before anything else is checked.
fn salvage(root: &Element, type_element: &str) -> Salvage {
    Salvage {
        transaction_id: optional_text(root, "TransactionID").ok().flatten(),
        request_type: optional_text(root, type_element).ok().flatten(),
    }
}

fn read_request(root: &Element) -> Result<TrackerRequest, DecodeErrorKind> {
    let version = read_version(root)?;
    if root.children_named("Response").next().is_some() {
        return Err(
            SchemaError::new("Response", "a request carries <Method>, not <Response>").into(),
        );
    }
    let request_type: RequestType = required_text(root, "Method")?;
    let transaction_id = required_text(root, "TransactionID")?;
    let peer_id = required_text(root, "PeerID")?;
    let body = match request_type {
        RequestType::Connect => RequestBody::Connect(body::read_connect(root)?),
        RequestType::Find => RequestBody::Find(body::read_find(root)?),
        RequestType::StatReport => RequestBody::StatReport(body::read_stat_report(root)?),
    };
    Ok(TrackerRequest {
        version,
        transaction_id,
        peer_id,
        body,
    })
}

fn read_response(root: &Element) -> Result<TrackerResponse, DecodeErrorKind> {
    let version = read_version(root)?;
    if root.children_named("Method").next().is_some() {
        return Err(
            SchemaError::new("Method", "a response carries <Response>, not <Method>").into(),
        );
    }
    let answered = required_child(root, "Response")?;
    let request_type = match answered.text.as_str() {
        "" => None,
        _ => Some(parse_text(answered)?),
    };
    let transaction_id = required_text(root, "TransactionID")?;
    let status = required_child(root, "Status")?;
    let outcome = if status.text == SUCCESSFUL {
        ResponseOutcome::Success {
            peer_addr: optional_child(root, "Address")?
                .map(body::read_address)
                .transpose()?,
            swarm_results: body::read_swarm_results(root)?,
        }
    } else {
        ResponseOutcome::Failure {
            code: read_status(status)?,
            reason: read_reason(root)?,
        }
    };
    Ok(TrackerResponse {
        version,
        transaction_id,
        request_type,
        outcome,
    })
}

/// Checks the root element and its `version` ("1.0", or "1" as RFC 7846 numbers it).
fn read_version(root: &Element) -> Result<u8, DecodeErrorKind> {
    if root.name != ROOT {
        return Err(SchemaError::new(&root.name, format!("root element must be <{ROOT}>")).into());
    }
    match root.attr("version") {
        Some("1.0" | "1") => Ok(PPSTP_VERSION),
        Some(found) => Err(DecodeErrorKind::UnsupportedVersion {
            found: found.to_string(),
        }),
        None => {
            Err(SchemaError::new(format!("{ROOT}@version"), "required attribute is missing").into())
        }
    }
}

/// The root element, with the version written the way the peer protocol writes it ("1.0").
fn envelope(version: u8) -> Element {
    Element::new(ROOT).with_attr("version", format!("{version}.0"))
}

fn read_status(status: &Element) -> Result<ErrorCode, SchemaError> {
    status.text.parse().map_err(|_| {
        let words: Vec<&str> = ErrorCode::ALL.iter().map(|e| e.as_str()).collect();
        SchemaError::new(
            "Status",
            format!(
                "{:?} is not one of {SUCCESSFUL}, {}",
                status.text,
                words.join(", ")
            ),
        )
    })
}

fn read_reason(root: &Element) -> Result<Option<String>, SchemaError> {
    let Some(reason) = optional_child(root, "Reason")? else {
        return Ok(None);
    };
    if reason.text.len() > MAX_REASON_LEN {
        return Err(SchemaError::new(
            "Reason",
            format!("longer than {MAX_REASON_LEN} bytes"),
        ));
    }
    Ok(Some(reason.text.clone()).filter(|text| !text.is_empty()))
}
