//! Tests of the tracker codecs, by topic: the RFC's example bodies, the JSON form (schema form,
//! quirks, errors), the XML form, and property tests over both.

mod json_errors;
mod json_form;
mod limits;
mod props;
mod rfc_examples;
mod strategies;
mod xml_form;

use std::net::IpAddr;

use super::*;
use crate::ids::{SwarmId, TransactionId};

fn tid(text: &str) -> TransactionId {
    TransactionId::new(text).unwrap()
}

fn pid(text: &str) -> TrackerPeerId {
    TrackerPeerId::new(text).unwrap()
}

fn swarm(hex: &str) -> SwarmId {
    hex.parse().unwrap()
}

/// A peer address with only the required fields.
fn addr(ip: &str, port: u16, priority: u32, kind: AddressKind) -> TrackerPeerAddr {
    TrackerPeerAddr {
        ip: ip.parse::<IpAddr>().unwrap(),
        port,
        priority,
        kind,
        connection: None,
        asn: None,
        peer_protocol: None,
    }
}

fn action(swarm_id: &str, action: Action, mode: PeerMode) -> SwarmAction {
    SwarmAction {
        swarm_id: swarm(swarm_id),
        action,
        mode,
    }
}

/// The leech switching swarms, the richest request: every optional field is present.
fn leech_connect() -> TrackerRequest {
    TrackerRequest::new(
        tid("12345"),
        pid("656164657221"),
        RequestBody::Connect(Connect {
            peer_num: Some(PeerNum {
                peer_count: 5,
                ability_nat: Some(NatAbility::Stun),
                concurrent_links: Some(5),
                online_time: Some(200),
                upload_bandwidth: Some(600),
            }),
            peer_addrs: vec![
                TrackerPeerAddr {
                    connection: Some(Connection::Wired),
                    asn: Some("64496".into()),
                    peer_protocol: Some("ppspp/udp".into()),
                    ..addr("192.0.2.2", 6778, 1, AddressKind::Host)
                },
                TrackerPeerAddr {
                    connection: Some(Connection::Wireless),
                    ..addr("2001:db8::2", 6778, 2, AddressKind::Host)
                },
            ],
            swarm_actions: vec![
                action("1111", Action::Leave, PeerMode::Leech),
                action("2222", Action::Join, PeerMode::Leech),
            ],
        }),
    )
}

fn find_request() -> TrackerRequest {
    TrackerRequest::new(
        tid("12346"),
        pid("656164657221"),
        RequestBody::Find(Find {
            swarm_id: swarm("1111"),
            peer_num: Some(PeerNum {
                peer_count: 5,
                ability_nat: Some(NatAbility::Stun),
                concurrent_links: None,
                online_time: None,
                upload_bandwidth: None,
            }),
        }),
    )
}

fn stat_report() -> TrackerRequest {
    TrackerRequest::new(
        tid("12347"),
        pid("656164657221"),
        RequestBody::StatReport(StatReport {
            stats: vec![StreamStats {
                swarm_id: swarm("1111"),
                uploaded_bytes: 512,
                downloaded_bytes: 768,
                available_bandwidth: 1_024_000,
                concurrent_links: 5,
            }],
        }),
    )
}

fn keep_alive() -> TrackerRequest {
    TrackerRequest::new(
        tid("12348"),
        pid("656164657221"),
        RequestBody::StatReport(StatReport { stats: Vec::new() }),
    )
}

/// The answer to [`leech_connect`]: the requester's public address and one peer list.
fn connect_success() -> TrackerResponse {
    TrackerResponse::success(
        tid("12345"),
        Some(RequestType::Connect),
        Some(addr("198.51.100.1", 6778, 1, AddressKind::Reflexive)),
        vec![SwarmResult {
            swarm_id: swarm("2222"),
            result: ActionResult::Success,
            peers: vec![TrackerPeer {
                peer_id: pid("956264622298"),
                peer_addr: TrackerPeerAddr {
                    connection: Some(Connection::Wired),
                    asn: Some("64496".into()),
                    peer_protocol: Some("ppspp/udp".into()),
                    ..addr("198.51.100.22", 6778, 2, AddressKind::Reflexive)
                },
            }],
        }],
    )
}

fn forbidden() -> TrackerResponse {
    TrackerResponse {
        outcome: ResponseOutcome::Failure {
            code: ErrorCode::ForbiddenAction,
            reason: Some("peer is not registered".into()),
        },
        ..TrackerResponse::failure(tid("12346"), Some(RequestType::Find), ErrorCode::BadRequest)
    }
}

fn all_requests() -> Vec<TrackerRequest> {
    vec![leech_connect(), find_request(), stat_report(), keep_alive()]
}

fn all_responses() -> Vec<TrackerResponse> {
    let stat_ok = TrackerResponse::success(
        tid("12347"),
        Some(RequestType::StatReport),
        None,
        Vec::new(),
    );
    let unread = TrackerResponse::failure(tid("12349"), None, ErrorCode::BadRequest);
    vec![connect_success(), forbidden(), stat_ok, unread]
}

/// What survives a JSON round trip: RFC 7846 JSON has no request type or reason in responses.
fn json_view(response: &TrackerResponse) -> TrackerResponse {
    let mut response = response.clone();
    response.request_type = None;
    if let ResponseOutcome::Failure { reason, .. } = &mut response.outcome {
        *reason = None;
    }
    response
}
