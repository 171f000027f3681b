//! Writing the model in the schema form of RFC 7846 section 3: arrays for every `<1..*>`
//! member, integers as JSON numbers, FIND's fields under `find`, optional members omitted.
//!
//! The body is built as a [`Value`] tree, whose `Display` cannot fail; members come out in
//! key order, which JSON (RFC 8259) leaves without meaning.

use serde_json::Value;

use super::ROOT;
use super::decode::STREAM_STATS;
use crate::tracker::model::{
    Connect, Find, PeerNum, RequestBody, ResponseOutcome, StatReport, StreamStats, SwarmAction,
    SwarmResult, TrackerPeer, TrackerPeerAddr, TrackerRequest, TrackerResponse,
};

pub(super) fn request(request: &TrackerRequest) -> Value {
    let (key, body) = match &request.body {
        RequestBody::Connect(body) => ("connect", Some(connect(body))),
        RequestBody::Find(body) => ("find", Some(find(body))),
        RequestBody::StatReport(body) => ("stat_report", stat_report(body)),
    };
    let message = object([
        ("version", Some(request.version.into())),
        (
            "request_type",
            Some(request.body.request_type().as_str().into()),
        ),
        (
            "transaction_id",
            Some(request.transaction_id.as_str().into()),
        ),
        ("peer_id", Some(request.peer_id.as_str().into())),
        (key, body),
    ]);
    object([(ROOT, Some(message))])
}

pub(super) fn response(response: &TrackerResponse) -> Value {
    let common = [
        ("version", Some(response.version.into())),
        (
            "transaction_id",
            Some(response.transaction_id.as_str().into()),
        ),
    ];
    let outcome = match &response.outcome {
        ResponseOutcome::Success {
            peer_addr: addr,
            swarm_results,
        } => [
            ("response_type", Some(0.into())),
            ("error_code", Some(0.into())),
            ("peer_addr", addr.as_ref().map(peer_addr)),
            ("swarm_result", list(swarm_results, swarm_result)),
        ],
        // The reason has no member in RFC 7846 JSON; it is dropped.
        ResponseOutcome::Failure { code, reason: _ } => [
            ("response_type", Some(1.into())),
            ("error_code", Some(code.code().into())),
            ("peer_addr", None),
            ("swarm_result", None),
        ],
    };
    object([(ROOT, Some(object(common.into_iter().chain(outcome))))])
}

fn connect(connect: &Connect) -> Value {
    object([
        ("peer_num", connect.peer_num.as_ref().map(peer_num)),
        ("peer_addr", list(&connect.peer_addrs, peer_addr)),
        ("swarm_action", list(&connect.swarm_actions, swarm_action)),
    ])
}

fn find(find: &Find) -> Value {
    object([
        ("swarm_id", Some(find.swarm_id.to_hex().into())),
        ("peer_num", find.peer_num.as_ref().map(peer_num)),
    ])
}

/// `None` for the keep-alive, which carries no statistics group at all.
fn stat_report(report: &StatReport) -> Option<Value> {
    let stats = list(&report.stats, stream_stats)?;
    Some(object([
        ("type", Some(STREAM_STATS.into())),
        ("stat", Some(stats)),
    ]))
}

fn peer_num(peer_num: &PeerNum) -> Value {
    object([
        ("peer_count", Some(peer_num.peer_count.into())),
        (
            "ability_nat",
            peer_num.ability_nat.map(|a| a.as_str().into()),
        ),
        (
            "concurrent_links",
            peer_num.concurrent_links.map(Value::from),
        ),
        ("online_time", peer_num.online_time.map(Value::from)),
        (
            "upload_bandwidth",
            peer_num.upload_bandwidth.map(Value::from),
        ),
    ])
}

fn peer_addr(addr: &TrackerPeerAddr) -> Value {
    let family = if addr.ip.is_ipv4() { "ipv4" } else { "ipv6" };
    let ip_address = object([
        ("address_type", Some(family.into())),
        ("address", Some(addr.ip.to_string().into())),
    ]);
    object([
        ("ip_address", Some(ip_address)),
        ("port", Some(addr.port.into())),
        ("priority", Some(addr.priority.into())),
        ("type", Some(addr.kind.as_str().into())),
        ("connection", addr.connection.map(|c| c.as_str().into())),
        ("asn", addr.asn.as_deref().map(Value::from)),
        (
            "peer_protocol",
            addr.peer_protocol.as_deref().map(Value::from),
        ),
    ])
}

fn swarm_action(action: &SwarmAction) -> Value {
    object([
        ("swarm_id", Some(action.swarm_id.to_hex().into())),
        ("action", Some(action.action.as_str().into())),
        ("peer_mode", Some(action.mode.as_str().into())),
    ])
}

fn stream_stats(stats: &StreamStats) -> Value {
    object([
        ("swarm_id", Some(stats.swarm_id.to_hex().into())),
        ("uploaded_bytes", Some(stats.uploaded_bytes.into())),
        ("downloaded_bytes", Some(stats.downloaded_bytes.into())),
        (
            "available_bandwidth",
            Some(stats.available_bandwidth.into()),
        ),
        ("concurrent_links", Some(stats.concurrent_links.into())),
    ])
}

fn swarm_result(result: &SwarmResult) -> Value {
    let peer_group =
        list(&result.peers, peer_info).map(|peers| object([("peer_info", Some(peers))]));
    object([
        ("swarm_id", Some(result.swarm_id.to_hex().into())),
        ("result", Some(result.result.code().into())),
        ("peer_group", peer_group),
    ])
}

fn peer_info(peer: &TrackerPeer) -> Value {
    object([
        ("peer_id", Some(peer.peer_id.as_str().into())),
        ("peer_addr", Some(peer_addr(&peer.peer_addr))),
    ])
}

/// An object of the members that are `Some`.
fn object<'k>(members: impl IntoIterator<Item = (&'k str, Option<Value>)>) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_string(), value?)))
            .collect(),
    )
}

/// An array of `items`, or `None` when there are none (a `<1..*>` member is then omitted).
fn list<T>(items: &[T], write: impl Fn(&T) -> Value) -> Option<Value> {
    if items.is_empty() {
        return None;
    }
    Some(Value::Array(items.iter().map(write).collect()))
}
