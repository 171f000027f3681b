//! Mapping a parsed RFC 7846 JSON body onto the model.
//!
//! Reads the schema form of RFC 7846 section 3 and, leniently, the RFC's own example bodies
//! (standards.md 2.7): single objects for arrays and integers as strings (handled by
//! [`Node`]), FIND's `swarm_id`/`peer_num` directly in the message, `Stat` for `stat`,
//! "START_REPORT" for "STAT_REPORT", and, in a successful response, no `error_code` or a swarm
//! result without `result` (both can only mean success). Unknown members are ignored, as
//! RFC 7846 section 3 requires.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::ROOT;
use super::node::{Node, Object, Result};
use crate::ids::{SwarmId, TransactionId};
use crate::tracker::error::{DecodeErrorKind, Salvage, TrackerDecodeError};
use crate::tracker::model::{
    Connect, Find, MAX_PEER_ADDRS, MAX_RESULT_PEERS, MAX_STREAM_STATS, MAX_SWARM_ACTIONS,
    MAX_SWARM_RESULTS, NO_SWARM_ACTION, PPSTP_VERSION, PeerNum, RequestBody, ResponseOutcome,
    StatReport, StreamStats, SwarmAction, SwarmResult, TrackerPeer, TrackerPeerAddr,
    TrackerRequest, TrackerResponse, check_peer_count, check_port,
};
use crate::tracker::token::{TrackerPeerId, check_label};
use crate::tracker::words::{ActionResult, ErrorCode, RequestType};

/// The only statistics type RFC 7846 section 3.3.3 defines.
pub(super) const STREAM_STATS: &str = "STREAM_STATS";

/// Reads a request body.
pub(super) fn request(doc: &Value) -> std::result::Result<TrackerRequest, TrackerDecodeError> {
    let message = envelope(doc)?;
    let salvage = Salvage {
        transaction_id: salvage_transaction_id(&message),
        request_type: message
            .get("request_type")
            .and_then(|n| request_type(&n).ok()),
    };
    read_request(&message).map_err(|kind| salvage.attach(kind))
}

/// Reads a response body.
pub(super) fn response(doc: &Value) -> std::result::Result<TrackerResponse, TrackerDecodeError> {
    let message = envelope(doc)?;
    let salvage = Salvage {
        transaction_id: salvage_transaction_id(&message),
        request_type: None,
    };
    read_response(&message).map_err(|kind| salvage.attach(kind))
}

/// The object inside `{"PPSPTrackerProtocol": ...}`.
fn envelope(doc: &Value) -> Result<Object<'_>> {
    Node::document(doc).object()?.required(ROOT)?.object()
}

fn salvage_transaction_id(message: &Object<'_>) -> Option<TransactionId> {
    let node = message.get("transaction_id")?;
    TransactionId::new(node.str().ok()?).ok()
}

fn read_request(message: &Object<'_>) -> Result<TrackerRequest> {
    let version = version(message)?;
    let request_type = request_type(&message.required("request_type")?)?;
    let transaction_id = message
        .required("transaction_id")?
        .parse_as("a transaction ID")?;
    let peer_id = message.required("peer_id")?.parsed::<TrackerPeerId>()?;
    let body = match request_type {
        RequestType::Connect => RequestBody::Connect(connect(message)?),
        RequestType::Find => RequestBody::Find(find(message)?),
        RequestType::StatReport => RequestBody::StatReport(stat_report(message)?),
    };
    Ok(TrackerRequest {
        version,
        transaction_id,
        peer_id,
        body,
    })
}

fn read_response(message: &Object<'_>) -> Result<TrackerResponse> {
    let version = version(message)?;
    let transaction_id = message
        .required("transaction_id")?
        .parse_as("a transaction ID")?;
    let response_type = message.required("response_type")?;
    let outcome = match response_type.uint::<u64>()? {
        0 => {
            if let Some(node) = message.get("error_code") {
                let code: u64 = node.uint()?;
                if code != 0 {
                    return Err(node.fail(format!("{code} in a successful response (must be 0)")));
                }
            }
            ResponseOutcome::Success {
                peer_addr: optional(message, "peer_addr", peer_addr)?,
                swarm_results: each(
                    message.list("swarm_result", MAX_SWARM_RESULTS)?,
                    swarm_result,
                )?,
            }
        }
        1 => {
            let node = message.required("error_code")?;
            let code: u64 = node.uint()?;
            let code = u8::try_from(code)
                .ok()
                .and_then(ErrorCode::from_code)
                .ok_or_else(|| node.fail(format!("{code} is not an error code (1..=6)")))?;
            ResponseOutcome::Failure { code, reason: None }
        }
        other => {
            return Err(
                response_type.fail(format!("{other} is not one of 0 (success), 1 (failure)"))
            );
        }
    };
    Ok(TrackerResponse {
        version,
        transaction_id,
        request_type: None,
        outcome,
    })
}

/// Checks `version` (RFC 7846 section 3.2.1); any number but 1 is an unsupported version.
fn version(message: &Object<'_>) -> Result<u8> {
    let found: u64 = message.required("version")?.uint()?;
    if found != u64::from(PPSTP_VERSION) {
        return Err(DecodeErrorKind::UnsupportedVersion {
            found: found.to_string(),
        });
    }
    Ok(PPSTP_VERSION)
}

fn request_type(node: &Node<'_>) -> Result<RequestType> {
    // RFC 7846 misspells STAT_REPORT once as START_REPORT (standards.md 2.7 item 5).
    node.parse_with(|text| match text {
        "START_REPORT" => Ok(RequestType::StatReport),
        _ => text.parse(),
    })
}

fn connect(message: &Object<'_>) -> Result<Connect> {
    let connect = message.required("connect")?.object()?;
    let actions = connect.list("swarm_action", MAX_SWARM_ACTIONS)?;
    if actions.is_empty() {
        return Err(connect.fail_at("swarm_action", NO_SWARM_ACTION));
    }
    Ok(Connect {
        peer_num: optional(&connect, "peer_num", peer_num)?,
        peer_addrs: each(connect.list("peer_addr", MAX_PEER_ADDRS)?, peer_addr)?,
        swarm_actions: each(actions, swarm_action)?,
    })
}

fn find(message: &Object<'_>) -> Result<Find> {
    // The RFC's FIND example puts `swarm_id` and `peer_num` directly in the message rather than
    // under `find` (standards.md 2.7 item 2): read `find` when present, else the message.
    let nested = message.get("find").map(|node| node.object()).transpose()?;
    let scope = nested.as_ref().unwrap_or(message);
    Ok(Find {
        swarm_id: swarm_id(scope)?,
        peer_num: optional(scope, "peer_num", peer_num)?,
    })
}

fn stat_report(message: &Object<'_>) -> Result<StatReport> {
    // No statistics group at all is the keep-alive (RFC 7846 section 3.3.3).
    let Some(node) = message.get("stat_report") else {
        return Ok(StatReport { stats: Vec::new() });
    };
    let report = node.object()?;
    let kind = report.required("type")?;
    if kind.str()? != STREAM_STATS {
        return Err(kind.fail(format!("{:?} is not one of {STREAM_STATS}", kind.str()?)));
    }
    // The RFC's example spells the member `Stat` (standards.md 2.7 item 3).
    let key = match (report.has("stat"), report.has("Stat")) {
        (true, true) => return Err(report.fail_at("Stat", "both `stat` and `Stat` are present")),
        (false, true) => "Stat",
        _ => "stat",
    };
    Ok(StatReport {
        stats: each(report.list(key, MAX_STREAM_STATS)?, stream_stats)?,
    })
}

fn peer_num(node: &Node<'_>) -> Result<PeerNum> {
    let object = node.object()?;
    let count = object.required("peer_count")?;
    Ok(PeerNum {
        peer_count: check_peer_count(count.uint()?).map_err(|problem| count.fail(problem))?,
        ability_nat: optional(&object, "ability_nat", Node::parsed)?,
        concurrent_links: optional(&object, "concurrent_links", Node::uint)?,
        online_time: optional(&object, "online_time", Node::uint)?,
        upload_bandwidth: optional(&object, "upload_bandwidth", Node::uint)?,
    })
}

fn peer_addr(node: &Node<'_>) -> Result<TrackerPeerAddr> {
    let object = node.object()?;
    let port = object.required("port")?;
    Ok(TrackerPeerAddr {
        ip: ip_address(&object.required("ip_address")?)?,
        port: check_port(port.uint()?).map_err(|problem| port.fail(problem))?,
        priority: object.required("priority")?.uint()?,
        kind: object.required("type")?.parsed()?,
        connection: optional(&object, "connection", Node::parsed)?,
        asn: optional(&object, "asn", |n| n.parse_with(check_label))?,
        peer_protocol: optional(&object, "peer_protocol", |n| n.parse_with(check_label))?,
    })
}

/// Reads `{"address_type": "ipv4" | "ipv6", "address": ...}`; the type is matched without
/// regard to case, and the address must be of that family.
fn ip_address(node: &Node<'_>) -> Result<IpAddr> {
    let object = node.object()?;
    let family = object.required("address_type")?;
    let address = object.required("address")?;
    let name = family.str()?;
    if name.eq_ignore_ascii_case("ipv4") {
        address
            .parse_as::<Ipv4Addr>("an IPv4 address")
            .map(IpAddr::V4)
    } else if name.eq_ignore_ascii_case("ipv6") {
        address
            .parse_as::<Ipv6Addr>("an IPv6 address")
            .map(IpAddr::V6)
    } else {
        Err(family.fail(format!("{name:?} is not one of ipv4, ipv6")))
    }
}

fn swarm_id(object: &Object<'_>) -> Result<SwarmId> {
    object.required("swarm_id")?.parse_as("a hex swarm ID")
}

fn swarm_action(node: &Node<'_>) -> Result<SwarmAction> {
    let object = node.object()?;
    Ok(SwarmAction {
        swarm_id: swarm_id(&object)?,
        action: object.required("action")?.parsed()?,
        mode: object.required("peer_mode")?.parsed()?,
    })
}

fn stream_stats(node: &Node<'_>) -> Result<StreamStats> {
    let object = node.object()?;
    Ok(StreamStats {
        swarm_id: swarm_id(&object)?,
        uploaded_bytes: object.required("uploaded_bytes")?.uint()?,
        downloaded_bytes: object.required("downloaded_bytes")?.uint()?,
        available_bandwidth: object.required("available_bandwidth")?.uint()?,
        concurrent_links: object.required("concurrent_links")?.uint()?,
    })
}

fn swarm_result(node: &Node<'_>) -> Result<SwarmResult> {
    let object = node.object()?;
    let swarm_id = swarm_id(&object)?;
    // A successful response's swarm result without `result` can only mean success.
    let result = match object.get("result") {
        None => ActionResult::Success,
        Some(node) => {
            let code: u64 = node.uint()?;
            u8::try_from(code)
                .ok()
                .and_then(ActionResult::from_code)
                .ok_or_else(|| {
                    node.fail(format!("{code} is not one of 0 (success), 1 (failure)"))
                })?
        }
    };
    let peers = match object.get("peer_group") {
        None => Vec::new(),
        Some(group) => each(
            group.object()?.list("peer_info", MAX_RESULT_PEERS)?,
            peer_info,
        )?,
    };
    Ok(SwarmResult {
        swarm_id,
        result,
        peers,
    })
}

/// One peer of a peer group. The requester may be among them (the RFC's FIND example lists it,
/// standards.md 2.7 item 6): that is the registry's concern, not the codec's.
fn peer_info(node: &Node<'_>) -> Result<TrackerPeer> {
    let object = node.object()?;
    Ok(TrackerPeer {
        peer_id: object.required("peer_id")?.parsed::<TrackerPeerId>()?,
        peer_addr: peer_addr(&object.required("peer_addr")?)?,
    })
}

/// Reads the optional member `key` with `read`.
fn optional<'a, T>(
    object: &Object<'a>,
    key: &str,
    read: impl FnOnce(&Node<'a>) -> Result<T>,
) -> Result<Option<T>> {
    object.get(key).map(|node| read(&node)).transpose()
}

/// Reads every node of a list with `read`.
fn each<T>(nodes: Vec<Node<'_>>, read: impl Fn(&Node<'_>) -> Result<T>) -> Result<Vec<T>> {
    nodes.iter().map(read).collect()
}
