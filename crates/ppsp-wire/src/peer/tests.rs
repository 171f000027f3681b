use proptest::prelude::*;

use super::*;
use crate::ids::{ChunkIndex, PeerId, SwarmId};
use crate::peer_list::{PeerAddress, PeerInfo, Transport};
use crate::property::{AccessType, NatType, Power, Property, PropertyName, PropertyValue, Stat};

const PEER: &str = "9c1185a5c5e9fc54612808977ee8f548b2258d31";
const SWARM: &str = "47a013e660d408619d894b20806b1d5086aab03b";

fn tx(s: &str) -> TransactionId {
    TransactionId::new(s).unwrap()
}

fn peer_id() -> PeerId {
    PEER.parse().unwrap()
}

fn swarm() -> SwarmId {
    SWARM.parse().unwrap()
}

fn read(text: &str) -> Result<PeerMessage, PeerXmlError> {
    PeerMessage::from_xml(text.as_bytes())
}

fn request(method: &str, rest: &str) -> String {
    format!(
        "<PPSPPeerProtocol version=\"1.0\"><Method>{method}</Method>\
         <TransactionID>7f3a9c</TransactionID><PeerID>{PEER}</PeerID>{rest}</PPSPPeerProtocol>"
    )
}

fn response(method: &str, status: &str, rest: &str) -> String {
    format!(
        "<PPSPPeerProtocol version=\"1.0\"><Response>{method}</Response>\
         <TransactionID>7f3a9c</TransactionID><Status>{status}</Status>{rest}</PPSPPeerProtocol>"
    )
}

fn assert_round_trip(message: &PeerMessage) {
    let text = message.to_xml();
    assert_eq!(message.encoded_len(), text.len());
    assert_eq!(&read(&text).unwrap(), message, "round trip of\n{text}");
}

#[test]
fn find_request_with_preferences_reads_typed_fields() {
    let text = request(
        "FIND",
        &format!(
            "<SwarmID>{SWARM}</SwarmID><Peernum>5</Peernum>\
             <Preference property=\"access_type\">adsl</Preference>"
        ),
    );
    let PeerMessage::Request(req) = read(&text).unwrap() else {
        panic!("not a request")
    };
    assert_eq!(req.transaction_id, tx("7f3a9c"));
    assert_eq!(req.peer_id, peer_id());
    let RequestBody::Find { query, chunk: None } = req.body else {
        panic!("not FIND")
    };
    assert_eq!(query.swarm_id, swarm());
    assert_eq!(query.peernum, 5);
    assert_eq!(
        query.preferences,
        vec![Property {
            name: PropertyName::AccessType,
            value: PropertyValue::AccessType(AccessType::Adsl)
        }]
    );
}

#[test]
fn find_defaults_peernum_to_twenty_and_accepts_any_element_order() {
    let text = format!(
        "<PPSPPeerProtocol version=\"1.0\"><SwarmID>{SWARM}</SwarmID><PeerID>{PEER}</PeerID>\
         <Unknown>ignored</Unknown><TransactionID>t</TransactionID><Method>FIND</Method>\
         </PPSPPeerProtocol>"
    );
    let PeerMessage::Request(req) = read(&text).unwrap() else {
        panic!()
    };
    let RequestBody::Find { query, .. } = req.body else {
        panic!()
    };
    assert_eq!(query.peernum, DEFAULT_PEERNUM);
}

#[test]
fn find_response_from_the_profile_reads_its_peer_list() {
    let text = response(
        "FIND",
        "SUCCESSFUL",
        &format!(
            "<SwarmID>{SWARM}</SwarmID><Peers><Peer><PeerID>{PEER}</PeerID>\
             <Address ip=\"198.51.100.7\" port=\"6778\" transport=\"ppspp/udp\"/>\
             <Address ip=\"198.51.100.7\" port=\"8080\" transport=\"http\"/>\
             <Stat property=\"access_type\">ftth</Stat></Peer></Peers>"
        ),
    );
    let PeerMessage::Response(resp) = read(&text).unwrap() else {
        panic!()
    };
    let ResponseBody::Peers {
        peers, chunk: None, ..
    } = &resp.body
    else {
        panic!()
    };
    assert_eq!(peers[0].addresses.len(), 2);
    assert_round_trip(&PeerMessage::Response(resp));
}

#[test]
fn find_chunk_requires_a_chunk_id() {
    let err = read(&request(
        "FIND_CHUNK",
        &format!("<SwarmID>{SWARM}</SwarmID>"),
    ))
    .unwrap_err();
    assert_eq!(err.to_string(), "<ChunkID>: required element is missing");
    assert_eq!(err.status(), Status::BadRequest);
    assert_eq!(err.method, Some(Method::FindChunk));
    assert_eq!(err.transaction_id, Some(tx("7f3a9c")));
    let ok = read(&request(
        "FIND_CHUNK",
        &format!("<SwarmID>{SWARM}</SwarmID><ChunkID>42</ChunkID>"),
    ));
    let Ok(PeerMessage::Request(Request {
        body: RequestBody::FindChunk { chunk, .. },
        ..
    })) = ok
    else {
        panic!()
    };
    assert_eq!(chunk, ChunkIndex(42));
}

#[test]
fn chunk_availability_pull_push_and_both_map_encodings() {
    let pull = read(&request(
        "CHUNK_AVAILABILITY",
        &format!("<SwarmID>{SWARM}</SwarmID>"),
    ))
    .unwrap();
    assert!(matches!(
        pull,
        PeerMessage::Request(Request {
            body: RequestBody::ChunkAvailability { report: None, .. },
            ..
        })
    ));
    let push = read(&request(
        "CHUNK_AVAILABILITY",
        &format!("<SwarmID>{SWARM}</SwarmID><CHUNK encoding=\"ranges\">0-99,120-130</CHUNK>"),
    ))
    .unwrap();
    let PeerMessage::Request(Request {
        body: RequestBody::ChunkAvailability {
            report: Some(map), ..
        },
        ..
    }) = &push
    else {
        panic!()
    };
    assert_eq!(map.runs(), vec![(0, 99), (120, 130)]);

    let answer = read(&response(
        "CHUNK_AVAILABILITY",
        "SUCCESSFUL",
        &format!(
            "<PeerID>{PEER}</PeerID><SwarmID>{SWARM}</SwarmID>\
             <CHUNK encoding=\"bitmap\" start=\"0\" count=\"20\">//8P</CHUNK>"
        ),
    ))
    .unwrap();
    let PeerMessage::Response(Response {
        body: ResponseBody::ChunkAvailability { map, .. },
        ..
    }) = &answer
    else {
        panic!()
    };
    assert_eq!(map.runs(), vec![(0, 15)]);
    // The push report's acknowledgement carries no payload.
    let ack = read(&response("CHUNK_AVAILABILITY", "SUCCESSFUL", "")).unwrap();
    assert!(matches!(
        ack,
        PeerMessage::Response(Response {
            body: ResponseBody::Empty,
            ..
        })
    ));
    for message in [pull, push, answer, ack] {
        assert_round_trip(&message);
    }
}

#[test]
fn property_query_answers_values_and_unknowns() {
    let query = read(&request(
        "PROPERTY_QUERY",
        "<StatRequest><Stat property=\"uplink_bandwidth\"/><Stat property=\"battery_health\"/>\
         </StatRequest>",
    ))
    .unwrap();
    let PeerMessage::Request(Request {
        body: RequestBody::PropertyQuery { properties, .. },
        ..
    }) = &query
    else {
        panic!()
    };
    assert_eq!(
        properties,
        &vec![
            PropertyName::UplinkBandwidth,
            PropertyName::Other("battery_health".into())
        ]
    );
    let answer = read(&response(
        "PROPERTY_QUERY",
        "SUCCESSFUL",
        &format!(
            "<PeerID>{PEER}</PeerID><StatRequest><Stat property=\"uplink_bandwidth\">2048</Stat>\
             <Stat property=\"battery_health\" status=\"unknown\"/></StatRequest>"
        ),
    ))
    .unwrap();
    let PeerMessage::Response(Response {
        body: ResponseBody::Properties { stats, .. },
        ..
    }) = &answer
    else {
        panic!()
    };
    assert_eq!(stats[0].value, Some(PropertyValue::Kbps(2048)));
    assert_eq!(stats[1].value, None);
    assert_round_trip(&query);
    assert_round_trip(&answer);
}

#[test]
fn slides_typo_stats_request_closing_tag_is_malformed() {
    // The slides open <StatRequest> and close </StatsRequest>; the profile fixes the name.
    let err = read(&request(
        "PROPERTY_QUERY",
        "<StatRequest><Stat property=\"load\"></Stat></StatsRequest>",
    ))
    .unwrap_err();
    assert!(matches!(
        err.kind,
        PeerXmlErrorKind::Xml(XmlError::Syntax { .. })
    ));
}

#[test]
fn transport_negotiation_offers_in_order_and_answers_one() {
    let offer = read(&request(
        "TRANSPORT_NEGOTIATION",
        &format!(
            "<SwarmID>{SWARM}</SwarmID><TransProt><TProt type=\"ppspp+noise/udp\"/>\
             <TProt type=\"ppspp/udp\"/><TProt type=\"http\"></TProt></TransProt>"
        ),
    ))
    .unwrap();
    let PeerMessage::Request(Request {
        body: RequestBody::TransportNegotiation { transports, .. },
        ..
    }) = &offer
    else {
        panic!()
    };
    let names: Vec<&str> = transports.iter().map(|t| t.transport.as_str()).collect();
    assert_eq!(names, ["ppspp+noise/udp", "ppspp/udp", "http"]);
    let answer = read(&response(
        "TRANSPORT_NEGOTIATION",
        "SUCCESSFUL",
        &format!(
            "<PeerID>{PEER}</PeerID><TransProt>\
             <TProt type=\"ppspp/udp\" ip=\"192.0.2.1\" port=\"6778\"/></TransProt>"
        ),
    ))
    .unwrap();
    let PeerMessage::Response(Response {
        body: ResponseBody::Transport { transport, .. },
        ..
    }) = &answer
    else {
        panic!()
    };
    assert_eq!(transport.addr, Some("192.0.2.1:6778".parse().unwrap()));
    let two = read(&response(
        "TRANSPORT_NEGOTIATION",
        "SUCCESSFUL",
        &format!(
            "<PeerID>{PEER}</PeerID><TransProt><TProt type=\"http\"/><TProt type=\"relay\"/>\
             </TransProt>"
        ),
    ))
    .unwrap_err();
    assert!(two.to_string().contains("exactly one"));
    let empty = read(&request(
        "TRANSPORT_NEGOTIATION",
        &format!("<SwarmID>{SWARM}</SwarmID><TransProt/>"),
    ))
    .unwrap_err();
    assert_eq!(empty.to_string(), "<TransProt>: offers no <TProt>");
}

#[test]
fn choke_and_unchoke_carry_the_swarm() {
    for method in ["CHOKE", "UNCHOKE"] {
        let message = read(&request(method, &format!("<SwarmID>{SWARM}</SwarmID>"))).unwrap();
        assert_round_trip(&message);
        let answer = read(&response(method, "SUCCESSFUL", "")).unwrap();
        assert_round_trip(&answer);
    }
}

#[test]
fn every_status_reads_back_with_its_reason() {
    for status in Status::ALL {
        let message = PeerMessage::Response(Response {
            transaction_id: tx("abc"),
            method: Method::Find,
            status: *status,
            reason: (*status != Status::Successful).then(|| format!("because {status}")),
            body: if *status == Status::Successful {
                ResponseBody::Peers {
                    swarm_id: swarm(),
                    chunk: None,
                    peers: Vec::new(),
                }
            } else {
                ResponseBody::Empty
            },
        });
        assert_round_trip(&message);
    }
}

#[test]
fn envelope_errors_name_the_problem() {
    let cases = [
        (
            "<Other version=\"1.0\"/>".to_string(),
            "<Other>: root element must be <PPSPPeerProtocol>",
        ),
        (
            "<PPSPPeerProtocol><Method>FIND</Method></PPSPPeerProtocol>".into(),
            "<PPSPPeerProtocol@version>: required attribute is missing",
        ),
        (
            "<PPSPPeerProtocol version=\"1.0\"><Method>FIND</Method></PPSPPeerProtocol>".into(),
            "<TransactionID>: required element is missing",
        ),
        (
            request("FIND", "").replace("<Method>FIND</Method>", ""),
            "<Method>: a document needs <Method> or <Response>",
        ),
        (
            request(
                "FIND",
                &format!("<SwarmID>{SWARM}</SwarmID><Response>FIND</Response>"),
            ),
            "<Method>: a document has <Method> or <Response>, not both",
        ),
        (
            request("FETCH", ""),
            "<Method>: invalid value \"FETCH\": \"FETCH\" is not one of FIND, FIND_CHUNK, \
             CHUNK_AVAILABILITY, PROPERTY_QUERY, TRANSPORT_NEGOTIATION, CHOKE, UNCHOKE",
        ),
        (
            request("FIND", ""),
            "<SwarmID>: required element is missing",
        ),
        (
            request("FIND", "<SwarmID>xyz</SwarmID>"),
            "<SwarmID>: invalid value \"xyz\": not hexadecimal with an even number of digits",
        ),
        (
            request(
                "FIND",
                &format!("<SwarmID>{SWARM}</SwarmID><SwarmID>{SWARM}</SwarmID>"),
            ),
            "<SwarmID>: appears more than once",
        ),
        (
            request(
                "FIND",
                &format!("<SwarmID>{SWARM}</SwarmID><Peernum>201</Peernum>"),
            ),
            "<Peernum>: 201 is not in 1..=200",
        ),
        (
            request(
                "FIND",
                &format!("<SwarmID>{SWARM}</SwarmID><Peernum>0</Peernum>"),
            ),
            "<Peernum>: 0 is not in 1..=200",
        ),
        (
            request(
                "FIND",
                &format!("<SwarmID>{SWARM}</SwarmID><Peernum>-3</Peernum>"),
            ),
            "<Peernum>: must be a number in 1..=200",
        ),
        (
            request("CHOKE", &format!("<SwarmID>{SWARM}</SwarmID>"))
                .replace(PEER, "9C1185A5C5E9FC54612808977EE8F548B2258D31"),
            "<PeerID>: invalid value \"9C1185A5C5E9FC54612808977EE8F548B2258D31\": \
             length 20 bytes, expected 40 lowercase hex digits",
        ),
        (
            response("FIND", "MAYBE", ""),
            "<Status>: invalid value \"MAYBE\": \"MAYBE\" is not one of SUCCESSFUL, BAD_REQUEST, \
             UNSUPPORTED_VERSION, SWARM_NOT_FOUND, CHUNK_NOT_FOUND, NO_COMMON_TRANSPORT, \
             PAYLOAD_TOO_LARGE, CHOKED, UNAUTHORIZED",
        ),
        (
            request(
                "FIND",
                &format!(
                    "<SwarmID>{SWARM}</SwarmID><Preference property=\"load\">lots</Preference>"
                ),
            ),
            "<Preference[load]>: \"lots\" is not a whole number",
        ),
    ];
    for (text, expected) in cases {
        let err = read(&text).unwrap_err();
        assert_eq!(err.to_string(), expected, "for {text}");
        assert_eq!(err.status(), Status::BadRequest);
    }
}

#[test]
fn wrong_version_is_unsupported_and_salvages_the_transaction() {
    let text = request("FIND", &format!("<SwarmID>{SWARM}</SwarmID>")).replace("1.0", "2.0");
    let err = read(&text).unwrap_err();
    assert_eq!(err.status(), Status::UnsupportedVersion);
    assert_eq!(err.transaction_id, Some(tx("7f3a9c")));
    assert_eq!(err.method, Some(Method::Find));
    assert_eq!(
        err.to_string(),
        "version \"2.0\" is not supported (supported: 1.0)"
    );
}

#[test]
fn oversized_and_hostile_documents_are_refused() {
    let limits = XmlLimits {
        max_bytes: 256,
        ..XmlLimits::default()
    };
    let big = request(
        "FIND",
        &format!("<SwarmID>{SWARM}</SwarmID>{}", " ".repeat(300)),
    );
    let err = PeerMessage::from_xml_with_limits(big.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.status(), Status::PayloadTooLarge);

    let bomb = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY lol \"lol\">]>{}",
        request("FIND", "<SwarmID>&lol;</SwarmID>")
    );
    assert_eq!(
        read(&bomb).unwrap_err().kind,
        PeerXmlErrorKind::Xml(XmlError::Dtd)
    );

    let deep = format!("{}{}", "<a>".repeat(50), "</a>".repeat(50));
    assert!(matches!(
        read(&deep).unwrap_err().kind,
        PeerXmlErrorKind::Xml(XmlError::TooDeep { .. })
    ));

    let many = request(
        "FIND",
        &format!(
            "<SwarmID>{SWARM}</SwarmID>{}",
            "<Preference property=\"load\">1</Preference>".repeat(MAX_PREFERENCES + 1)
        ),
    );
    assert_eq!(
        read(&many).unwrap_err().to_string(),
        "<Preference>: 17 items, at most 16 allowed"
    );
}

#[test]
fn written_documents_follow_the_profile_layout() {
    let message = PeerMessage::Request(Request {
        transaction_id: tx("7f3a9c"),
        peer_id: peer_id(),
        body: RequestBody::Find {
            query: FindQuery {
                swarm_id: swarm(),
                peernum: 20,
                preferences: Vec::new(),
            },
            chunk: None,
        },
    });
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <PPSPPeerProtocol version=\"1.0\">\n  <Method>FIND</Method>\n  \
         <TransactionID>7f3a9c</TransactionID>\n  <PeerID>{PEER}</PeerID>\n  \
         <SwarmID>{SWARM}</SwarmID>\n  <Peernum>20</Peernum>\n</PPSPPeerProtocol>\n"
    );
    assert_eq!(message.to_xml(), expected);
}

// ---- property tests ----

fn arb_peer_id() -> impl Strategy<Value = PeerId> {
    any::<[u8; 20]>().prop_map(PeerId)
}

fn arb_swarm() -> impl Strategy<Value = SwarmId> {
    prop::collection::vec(any::<u8>(), 1..=65).prop_map(|b| SwarmId::new(b).unwrap())
}

fn arb_tx() -> impl Strategy<Value = TransactionId> {
    "[A-Za-z0-9._-]{1,64}".prop_map(|s| TransactionId::new(s).unwrap())
}

fn arb_property() -> impl Strategy<Value = Property> {
    prop_oneof![
        any::<u64>().prop_map(|n| (PropertyName::UplinkBandwidth, PropertyValue::Kbps(n))),
        any::<u64>().prop_map(|n| (PropertyName::OnlineTime, PropertyValue::Seconds(n))),
        any::<u64>().prop_map(|n| (PropertyName::ConcurrentLinks, PropertyValue::Count(n))),
        any::<u64>().prop_map(|n| (PropertyName::BufferLevel, PropertyValue::Millis(n))),
        (0u8..=100).prop_map(|n| (PropertyName::Load, PropertyValue::Percent(n))),
        Just((
            PropertyName::AccessType,
            PropertyValue::AccessType(AccessType::Wifi)
        )),
        Just((
            PropertyName::NatType,
            PropertyValue::NatType(NatType::Symmetric)
        )),
        (0u8..=100).prop_map(|n| (PropertyName::Power, PropertyValue::Power(Power::Battery(n)))),
        Just((PropertyName::Power, PropertyValue::Power(Power::Ac))),
        "[!-~]([ -~]{0,30}[!-~])?".prop_map(|s| (PropertyName::Software, PropertyValue::Text(s))),
        ("[a-z][a-z0-9_]{0,10}x", "[!-~]{1,10}")
            .prop_map(|(n, v)| (PropertyName::Other(n), PropertyValue::Text(v))),
    ]
    .prop_map(|(name, value)| Property { name, value })
}

fn arb_transport() -> impl Strategy<Value = Transport> {
    prop_oneof![
        Just(Transport::PpsppUdp),
        Just(Transport::Http),
        Just(Transport::PpsppNoiseUdp),
        Just(Transport::Relay),
        "[a-z0-9+/._-]{1,32}".prop_map(|s| s.parse().unwrap()),
    ]
}

fn arb_addr() -> impl Strategy<Value = std::net::SocketAddr> {
    (any::<std::net::IpAddr>(), 1u16..).prop_map(|(ip, port)| std::net::SocketAddr::new(ip, port))
}

fn arb_offer() -> impl Strategy<Value = TransportOffer> {
    (
        arb_transport(),
        proptest::option::of(arb_addr()),
        proptest::option::of("[!-~]{1,40}"),
    )
        .prop_map(|(transport, addr, key)| TransportOffer {
            transport,
            addr,
            key,
        })
}

fn arb_peer_info() -> impl Strategy<Value = PeerInfo> {
    (
        arb_peer_id(),
        prop::collection::vec((arb_addr(), arb_transport()), 1..4),
        prop::collection::vec(arb_property(), 0..3),
    )
        .prop_map(|(peer_id, addrs, properties)| PeerInfo {
            peer_id,
            addresses: addrs
                .into_iter()
                .map(|(addr, transport)| PeerAddress { addr, transport })
                .collect(),
            properties,
        })
}

fn arb_runs() -> impl Strategy<Value = Vec<(u64, u64)>> {
    prop::collection::vec((0u64..1000, 0u64..1000), 0..20).prop_map(|pairs| {
        let mut next = 0u64;
        pairs
            .into_iter()
            .map(|(gap, len)| {
                let start = next + gap;
                next = start + len + 1;
                (start, start + len)
            })
            .collect()
    })
}

fn arb_map() -> impl Strategy<Value = ChunkMap> {
    prop_oneof![
        arb_runs().prop_map(ChunkMap::Ranges),
        (any::<u32>(), 0u64..2000, arb_runs()).prop_map(|(start, count, runs)| {
            ChunkMap::bitmap_from_runs(u64::from(start), count, &runs)
        }),
    ]
}

fn arb_query() -> impl Strategy<Value = FindQuery> {
    (
        arb_swarm(),
        1u8..=MAX_PEERNUM,
        prop::collection::vec(arb_property(), 0..4),
    )
        .prop_map(|(swarm_id, peernum, preferences)| FindQuery {
            swarm_id,
            peernum,
            preferences,
        })
}

fn arb_request_body() -> impl Strategy<Value = RequestBody> {
    prop_oneof![
        (arb_query(), proptest::option::of(any::<u64>())).prop_map(|(query, chunk)| {
            RequestBody::Find {
                query,
                chunk: chunk.map(ChunkIndex),
            }
        }),
        (arb_query(), any::<u64>()).prop_map(|(query, c)| RequestBody::FindChunk {
            query,
            chunk: ChunkIndex(c)
        }),
        (arb_swarm(), proptest::option::of(arb_map()))
            .prop_map(|(swarm_id, report)| RequestBody::ChunkAvailability { swarm_id, report }),
        (
            proptest::option::of(arb_swarm()),
            prop::collection::vec(arb_property(), 0..5)
        )
            .prop_map(|(swarm_id, props)| RequestBody::PropertyQuery {
                swarm_id,
                properties: props.into_iter().map(|p| p.name).collect()
            }),
        (arb_swarm(), prop::collection::vec(arb_offer(), 1..5)).prop_map(
            |(swarm_id, transports)| RequestBody::TransportNegotiation {
                swarm_id,
                transports
            }
        ),
        arb_swarm().prop_map(|swarm_id| RequestBody::Choke { swarm_id }),
        arb_swarm().prop_map(|swarm_id| RequestBody::Unchoke { swarm_id }),
    ]
}

fn arb_response() -> impl Strategy<Value = Response> {
    let success = prop_oneof![
        (
            arb_swarm(),
            proptest::option::of(any::<u64>()),
            prop::collection::vec(arb_peer_info(), 0..4)
        )
            .prop_map(|(swarm_id, chunk, peers)| {
                let method = if chunk.is_some() {
                    Method::FindChunk
                } else {
                    Method::Find
                };
                (
                    method,
                    ResponseBody::Peers {
                        swarm_id,
                        chunk: chunk.map(ChunkIndex),
                        peers,
                    },
                )
            }),
        (arb_peer_id(), arb_swarm(), arb_map()).prop_map(|(peer_id, swarm_id, map)| {
            (
                Method::ChunkAvailability,
                ResponseBody::ChunkAvailability {
                    peer_id,
                    swarm_id,
                    map,
                },
            )
        }),
        Just((Method::ChunkAvailability, ResponseBody::Empty)),
        (
            arb_peer_id(),
            prop::collection::vec((arb_property(), any::<bool>()), 0..5)
        )
            .prop_map(|(peer_id, stats)| {
                let stats = stats
                    .into_iter()
                    .map(|(p, known)| Stat {
                        name: p.name,
                        value: known.then_some(p.value),
                    })
                    .collect();
                (
                    Method::PropertyQuery,
                    ResponseBody::Properties { peer_id, stats },
                )
            }),
        (arb_peer_id(), arb_offer()).prop_map(|(peer_id, transport)| {
            (
                Method::TransportNegotiation,
                ResponseBody::Transport { peer_id, transport },
            )
        }),
        Just((Method::Choke, ResponseBody::Empty)),
        Just((Method::Unchoke, ResponseBody::Empty)),
    ];
    let failure = (
        prop::sample::select(Status::ALL),
        prop::sample::select(Method::ALL),
    )
        .prop_filter("errors only", |(status, _)| *status != Status::Successful)
        .prop_map(|(status, method)| (method, status));
    prop_oneof![
        (arb_tx(), success).prop_map(|(transaction_id, (method, body))| Response {
            transaction_id,
            method,
            status: Status::Successful,
            reason: None,
            body
        }),
        (arb_tx(), failure, "[!-~]([ -~]{0,60}[!-~])?").prop_map(
            |(transaction_id, (method, status), reason)| Response::error(
                transaction_id,
                method,
                status,
                reason
            )
        ),
    ]
}

fn arb_message() -> impl Strategy<Value = PeerMessage> {
    prop_oneof![
        (arb_tx(), arb_peer_id(), arb_request_body()).prop_map(
            |(transaction_id, peer_id, body)| {
                PeerMessage::Request(Request {
                    transaction_id,
                    peer_id,
                    body,
                })
            }
        ),
        arb_response().prop_map(PeerMessage::Response),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_message_decodes_to_what_was_encoded(message in arb_message()) {
        let text = message.to_xml();
        prop_assert_eq!(message.encoded_len(), text.len());
        prop_assert_eq!(read(&text).unwrap(), message);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = PeerMessage::from_xml(&bytes);
    }

    #[test]
    fn mutated_valid_documents_never_panic(
        message in arb_message(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = message.to_xml().into_bytes();
        for (index, byte) in cuts {
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        let _ = PeerMessage::from_xml(&bytes);
        let _ = PeerMessage::from_xml(&bytes[..bytes.len() / 2]);
    }
}
