//! Proptest strategies for valid tracker messages and for arbitrary JSON.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::*;

fn transaction_id() -> impl Strategy<Value = TransactionId> {
    "[A-Za-z0-9._-]{1,64}".prop_map(|text| TransactionId::new(text).unwrap())
}

fn peer_id() -> impl Strategy<Value = TrackerPeerId> {
    "[!-~]{1,128}".prop_map(|text| TrackerPeerId::new(text).unwrap())
}

fn label() -> impl Strategy<Value = String> {
    "[!-~]{1,64}"
}

fn swarm_id() -> impl Strategy<Value = SwarmId> {
    vec(any::<u8>(), 1..=32).prop_map(|bytes| SwarmId::new(bytes).unwrap())
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

fn peer_addr() -> impl Strategy<Value = TrackerPeerAddr> {
    (
        ip(),
        1..=u16::MAX,
        any::<u32>(),
        select(AddressKind::ALL),
        option::of(select(Connection::ALL)),
        option::of(label()),
        option::of(label()),
    )
        .prop_map(
            |(ip, port, priority, kind, connection, asn, peer_protocol)| TrackerPeerAddr {
                ip,
                port,
                priority,
                kind,
                connection,
                asn,
                peer_protocol,
            },
        )
}

fn peer_num() -> impl Strategy<Value = PeerNum> {
    (
        1..=MAX_PEER_COUNT,
        option::of(select(NatAbility::ALL)),
        option::of(any::<u32>()),
        option::of(any::<u64>()),
        option::of(any::<u64>()),
    )
        .prop_map(
            |(peer_count, ability_nat, concurrent_links, online_time, upload_bandwidth)| PeerNum {
                peer_count,
                ability_nat,
                concurrent_links,
                online_time,
                upload_bandwidth,
            },
        )
}

fn swarm_action() -> impl Strategy<Value = SwarmAction> {
    (swarm_id(), select(Action::ALL), select(PeerMode::ALL)).prop_map(|(swarm_id, action, mode)| {
        SwarmAction {
            swarm_id,
            action,
            mode,
        }
    })
}

fn stream_stats() -> impl Strategy<Value = StreamStats> {
    (
        swarm_id(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u32>(),
    )
        .prop_map(
            |(
                swarm_id,
                uploaded_bytes,
                downloaded_bytes,
                available_bandwidth,
                concurrent_links,
            )| {
                StreamStats {
                    swarm_id,
                    uploaded_bytes,
                    downloaded_bytes,
                    available_bandwidth,
                    concurrent_links,
                }
            },
        )
}

fn request_body() -> impl Strategy<Value = RequestBody> {
    prop_oneof![
        (
            option::of(peer_num()),
            vec(peer_addr(), 0..=4),
            vec(swarm_action(), 1..=MAX_SWARM_ACTIONS)
        )
            .prop_map(|(peer_num, peer_addrs, swarm_actions)| {
                RequestBody::Connect(Connect {
                    peer_num,
                    peer_addrs,
                    swarm_actions,
                })
            }),
        (swarm_id(), option::of(peer_num()))
            .prop_map(|(swarm_id, peer_num)| RequestBody::Find(Find { swarm_id, peer_num })),
        vec(stream_stats(), 0..=4).prop_map(|stats| RequestBody::StatReport(StatReport { stats })),
    ]
}

pub(super) fn request() -> impl Strategy<Value = TrackerRequest> {
    (transaction_id(), peer_id(), request_body()).prop_map(|(transaction_id, peer_id, body)| {
        TrackerRequest::new(transaction_id, peer_id, body)
    })
}

fn swarm_result() -> impl Strategy<Value = SwarmResult> {
    let peer = (peer_id(), peer_addr())
        .prop_map(|(peer_id, peer_addr)| TrackerPeer { peer_id, peer_addr });
    (swarm_id(), select(ActionResult::ALL), vec(peer, 0..=6)).prop_map(
        |(swarm_id, result, peers)| SwarmResult {
            swarm_id,
            result,
            peers,
        },
    )
}

fn outcome() -> impl Strategy<Value = ResponseOutcome> {
    prop_oneof![
        (option::of(peer_addr()), vec(swarm_result(), 0..=3)).prop_map(
            |(peer_addr, swarm_results)| ResponseOutcome::Success {
                peer_addr,
                swarm_results
            }
        ),
        (
            select(ErrorCode::ALL),
            option::of("[a-z0-9]{1,10}( [a-z0-9]{1,10}){0,5}")
        )
            .prop_map(|(code, reason)| ResponseOutcome::Failure { code, reason }),
    ]
}

pub(super) fn response() -> impl Strategy<Value = TrackerResponse> {
    (
        transaction_id(),
        option::of(select(RequestType::ALL)),
        outcome(),
    )
        .prop_map(|(transaction_id, request_type, outcome)| TrackerResponse {
            version: PPSTP_VERSION,
            transaction_id,
            request_type,
            outcome,
        })
}

/// Any JSON value, nested a few levels, with keys drawn from the schema's member names so that
/// decoders get past the first checks.
pub(super) fn json_value() -> impl Strategy<Value = Value> {
    let key = select(
        &[
            "PPSPTrackerProtocol",
            "version",
            "request_type",
            "response_type",
            "error_code",
            "transaction_id",
            "peer_id",
            "connect",
            "find",
            "stat_report",
            "peer_num",
            "peer_count",
            "peer_addr",
            "ip_address",
            "address_type",
            "address",
            "port",
            "priority",
            "type",
            "swarm_action",
            "swarm_id",
            "action",
            "peer_mode",
            "swarm_result",
            "result",
            "peer_group",
            "peer_info",
            "stat",
            "Stat",
            "x",
        ][..],
    );
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..4).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(
            &[
                "1",
                "CONNECT",
                "FIND",
                "STAT_REPORT",
                "JOIN",
                "SEEDER",
                "HOST",
                "ipv4",
                "192.0.2.1",
                "aa",
                "STREAM_STATS",
                "",
                "é\u{0}"
            ][..]
        )
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key.clone(), inner), 0..8).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}
