//! Every PPSTP message in both encodings against a running server over real HTTP on
//! 127.0.0.1, starting with the RFC 7846 example bodies (standards.md §2.6, with their quirks:
//! single objects for arrays, FIND's members at the root, `Stat` with a capital S, integers
//! written as strings).

mod common;

use common::http::post;
use common::{start, test_config};
use ppsp_wire::tracker::{
    ActionResult, AddressKind, ErrorCode, JSON_MEDIA_TYPE, ResponseOutcome, TrackerEncoding,
    TrackerLimits, TrackerResponse, XML_MEDIA_TYPE,
};

fn decode(encoding: TrackerEncoding, body: &str) -> TrackerResponse {
    encoding
        .decode_response(body.as_bytes(), &TrackerLimits::default())
        .unwrap_or_else(|e| panic!("undecodable answer {body:?}: {e}"))
}

fn peers(response: &TrackerResponse, index: usize) -> Vec<String> {
    match &response.outcome {
        ResponseOutcome::Success { swarm_results, .. } => swarm_results[index]
            .peers
            .iter()
            .map(|p| p.peer_id.as_str().to_string())
            .collect(),
        ResponseOutcome::Failure { code, reason } => panic!("refused: {code} {reason:?}"),
    }
}

const RFC_SEEDER_CONNECT: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT",
 "transaction_id":"12345","peer_id":"656164657220",
 "connect":{"peer_addr":{"ip_address":{"address_type":"ipv4","address":"192.0.2.2"},"port":80,
 "priority":1,"type":"HOST","connection":"wired","asn":"45645"},
 "swarm_action":[{"swarm_id":"1111","action":"JOIN","peer_mode":"SEEDER"},
                 {"swarm_id":"2222","action":"JOIN","peer_mode":"SEEDER"}]}}}"#;

const RFC_LEECH_CONNECT: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT",
 "transaction_id":"12346","peer_id":"656164657221",
 "connect":{"peer_num":{"peer_count":5,"ability_nat":"STUN","concurrent_links":"5",
 "online_time":"200","upload_bandwidth":"600"},
 "peer_addr":[{"ip_address":{"address_type":"ipv4","address":"192.0.2.3"},"port":80,"priority":1,
   "type":"HOST","connection":"wired","asn":"3256546"}],
 "swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"LEECH"}}}}"#;

const RFC_LEECH_SWITCH: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT",
 "transaction_id":"12347","peer_id":"656164657221",
 "connect":{"peer_num":{"peer_count":5,"ability_nat":"STUN","concurrent_links":"5",
 "online_time":"200","upload_bandwidth":"600"},
 "swarm_action":[{"swarm_id":"1111","action":"LEAVE","peer_mode":"LEECH"},
                 {"swarm_id":"2222","action":"JOIN","peer_mode":"LEECH"}]}}}"#;

const RFC_FIND: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"FIND",
 "transaction_id":"12348","peer_id":"656164657221","swarm_id":"2222",
 "peer_num":{"peer_count":"5","ability_nat":"STUN","concurrent_links":"5","online_time":"200",
 "upload_bandwidth":"600"}}}"#;

const RFC_STAT_REPORT: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"STAT_REPORT",
 "transaction_id":"12349","peer_id":"656164657221",
 "stat_report":{"type":"STREAM_STATS","Stat":{"swarm_id":"2222","uploaded_bytes":512,
 "downloaded_bytes":768,"available_bandwidth":1024000,"concurrent_links":5}}}}"#;

#[tokio::test]
async fn rfc_example_bodies_walk_through_a_whole_session_in_json() {
    let (addr, server) = start(test_config()).await;
    let json = TrackerEncoding::Json;

    let answer = post(addr, JSON_MEDIA_TYPE, RFC_SEEDER_CONNECT).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.content_type.starts_with(JSON_MEDIA_TYPE));
    let response = decode(json, &answer.body);
    assert_eq!(response.transaction_id.as_str(), "12345");
    let ResponseOutcome::Success {
        peer_addr,
        swarm_results,
    } = &response.outcome
    else {
        panic!()
    };
    let reflexive = peer_addr.as_ref().expect("the reflexive address");
    assert_eq!(reflexive.kind, AddressKind::Reflexive);
    assert_eq!(reflexive.ip.to_string(), "127.0.0.1");
    assert_eq!(swarm_results.len(), 2);
    assert!(
        swarm_results
            .iter()
            .all(|r| r.result == ActionResult::Success)
    );

    let response = decode(
        json,
        &post(addr, JSON_MEDIA_TYPE, RFC_LEECH_CONNECT).await.body,
    );
    assert_eq!(peers(&response, 0), ["656164657220"]);

    let response = decode(
        json,
        &post(addr, JSON_MEDIA_TYPE, RFC_LEECH_SWITCH).await.body,
    );
    assert_eq!(response.transaction_id.as_str(), "12347");
    assert_eq!(
        peers(&response, 1),
        ["656164657220"],
        "the seeder is in 2222 too"
    );

    let response = decode(json, &post(addr, JSON_MEDIA_TYPE, RFC_FIND).await.body);
    assert_eq!(
        peers(&response, 0),
        ["656164657220"],
        "never the requester itself"
    );

    let answer = post(addr, JSON_MEDIA_TYPE, RFC_STAT_REPORT).await;
    let response = decode(json, &answer.body);
    let ResponseOutcome::Success { swarm_results, .. } = &response.outcome else {
        panic!("{}", answer.body)
    };
    assert_eq!(swarm_results[0].swarm_id.to_string(), "2222");
    assert!(
        answer.body.contains(r#""swarm_id":"2222""#),
        "{}",
        answer.body
    );
    server.shutdown().await.unwrap();
}

const XML_SEEDER: &str = r#"<PPSPTrackerProtocol version="1.0">
  <Method>CONNECT</Method><TransactionID>x1</TransactionID><PeerID>seeder</PeerID>
  <Address ip="192.0.2.2" port="6778" transport="ppspp/udp" type="HOST" priority="1"/>
  <SwarmAction action="JOIN" mode="SEEDER"><SwarmID>1111</SwarmID></SwarmAction>
  <SwarmAction action="JOIN" mode="SEEDER"><SwarmID>2222</SwarmID></SwarmAction>
</PPSPTrackerProtocol>"#;

const XML_LEECH: &str = r#"<PPSPTrackerProtocol version="1.0">
  <Method>CONNECT</Method><TransactionID>x2</TransactionID><PeerID>leech</PeerID>
  <Peernum ability_nat="STUN" upload_bandwidth="600">5</Peernum>
  <SwarmAction action="JOIN" mode="LEECH"><SwarmID>1111</SwarmID></SwarmAction>
</PPSPTrackerProtocol>"#;

const XML_SWITCH: &str = r#"<PPSPTrackerProtocol version="1.0">
  <Method>CONNECT</Method><TransactionID>x3</TransactionID><PeerID>leech</PeerID>
  <SwarmAction action="LEAVE" mode="LEECH"><SwarmID>1111</SwarmID></SwarmAction>
  <SwarmAction action="JOIN" mode="LEECH"><SwarmID>2222</SwarmID></SwarmAction>
</PPSPTrackerProtocol>"#;

const XML_FIND: &str = r#"<PPSPTrackerProtocol version="1.0">
  <Method>FIND</Method><TransactionID>x4</TransactionID><PeerID>leech</PeerID>
  <SwarmID>2222</SwarmID><Peernum>5</Peernum>
</PPSPTrackerProtocol>"#;

const XML_STAT_REPORT: &str = r#"<PPSPTrackerProtocol version="1.0">
  <Method>STAT_REPORT</Method><TransactionID>x5</TransactionID><PeerID>leech</PeerID>
  <StreamStats><SwarmID>2222</SwarmID>
    <Stat property="uploaded_bytes">512</Stat><Stat property="downloaded_bytes">768</Stat>
    <Stat property="available_bandwidth">1024000</Stat><Stat property="concurrent_links">5</Stat>
  </StreamStats>
</PPSPTrackerProtocol>"#;

#[tokio::test]
async fn the_same_session_in_the_xml_form() {
    let (addr, server) = start(test_config()).await;
    let xml = TrackerEncoding::Xml;
    let answer = post(addr, XML_MEDIA_TYPE, XML_SEEDER).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.content_type.starts_with(XML_MEDIA_TYPE));
    assert!(
        answer.body.contains("<Response>CONNECT</Response>"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(r#"type="REFLEXIVE""#),
        "{}",
        answer.body
    );
    let response = decode(xml, &post(addr, "text/xml", XML_LEECH).await.body);
    assert_eq!(peers(&response, 0), ["seeder"]);
    let response = decode(xml, &post(addr, "application/xml", XML_SWITCH).await.body);
    assert_eq!(peers(&response, 1), ["seeder"]);
    let answer = post(addr, XML_MEDIA_TYPE, XML_FIND).await;
    let response = decode(xml, &answer.body);
    assert_eq!(peers(&response, 0), ["seeder"]);
    assert!(
        answer.body.contains(r#"ip="192.0.2.2" port="6778""#),
        "the advertised address: {}",
        answer.body
    );
    let response = decode(xml, &post(addr, XML_MEDIA_TYPE, XML_STAT_REPORT).await.body);
    assert_eq!(response.transaction_id.as_str(), "x5");
    assert!(matches!(response.outcome, ResponseOutcome::Success { .. }));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_peer_joined_in_json_is_found_in_xml() {
    let (addr, server) = start(test_config()).await;
    post(addr, JSON_MEDIA_TYPE, RFC_SEEDER_CONNECT).await;
    let response = decode(
        TrackerEncoding::Xml,
        &post(addr, XML_MEDIA_TYPE, XML_LEECH).await.body,
    );
    assert_eq!(peers(&response, 0), ["656164657220"]);
    server.shutdown().await.unwrap();
}

/// Each error code, in both encodings, with the HTTP status and the echoed transaction ID.
#[tokio::test]
async fn protocol_errors_name_their_code_in_both_encodings() {
    let mut config = test_config();
    config.registry.max_peers_per_swarm = 1;
    let (addr, server) = start(config).await;
    let cases: [(&str, &str, u16, ErrorCode, &str); 8] = [
        // 01: malformed (a word that is not a peer mode), transaction ID salvaged.
        (
            JSON_MEDIA_TYPE,
            r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"e1","peer_id":"p","connect":{"swarm_action":[{"swarm_id":"1111","action":"JOIN","peer_mode":"LEACH"}]}}}"#,
            400,
            ErrorCode::BadRequest,
            "e1",
        ),
        (
            XML_MEDIA_TYPE,
            r#"<PPSPTrackerProtocol version="1.0"><Method>FIND</Method><TransactionID>e2</TransactionID><PeerID>p</PeerID></PPSPTrackerProtocol>"#,
            400,
            ErrorCode::BadRequest,
            "e2",
        ),
        // 02: another version.
        (
            JSON_MEDIA_TYPE,
            r#"{"PPSPTrackerProtocol":{"version":2,"request_type":"FIND","transaction_id":"e3","peer_id":"p","swarm_id":"1111"}}"#,
            400,
            ErrorCode::UnsupportedVersion,
            "e3",
        ),
        (
            XML_MEDIA_TYPE,
            r#"<PPSPTrackerProtocol version="2.0"><Method>FIND</Method><TransactionID>e4</TransactionID><PeerID>p</PeerID><SwarmID>1111</SwarmID></PPSPTrackerProtocol>"#,
            400,
            ErrorCode::UnsupportedVersion,
            "e4",
        ),
        // 03: FIND from an unregistered peer.
        (
            JSON_MEDIA_TYPE,
            r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"FIND","transaction_id":"e5","peer_id":"p","swarm_id":"1111"}}"#,
            403,
            ErrorCode::ForbiddenAction,
            "e5",
        ),
        (
            XML_MEDIA_TYPE,
            r#"<PPSPTrackerProtocol version="1.0"><Method>STAT_REPORT</Method><TransactionID>e6</TransactionID><PeerID>p</PeerID></PPSPTrackerProtocol>"#,
            403,
            ErrorCode::ForbiddenAction,
            "e6",
        ),
        // 05: the swarm is full (one peer per swarm here; the RFC seeder joined first).
        (
            JSON_MEDIA_TYPE,
            r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"e7","peer_id":"p","connect":{"swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"LEECH"}}}}"#,
            503,
            ErrorCode::ServiceUnavailable,
            "e7",
        ),
        (
            XML_MEDIA_TYPE,
            r#"<PPSPTrackerProtocol version="1.0"><Method>CONNECT</Method><TransactionID>e8</TransactionID><PeerID>p</PeerID><SwarmAction action="JOIN" mode="LEECH"><SwarmID>2222</SwarmID></SwarmAction></PPSPTrackerProtocol>"#,
            503,
            ErrorCode::ServiceUnavailable,
            "e8",
        ),
    ];
    assert_eq!(
        post(addr, JSON_MEDIA_TYPE, RFC_SEEDER_CONNECT).await.status,
        200
    );
    for (content_type, body, status, code, transaction) in cases {
        let answer = post(addr, content_type, body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        let encoding = TrackerEncoding::from_content_type(content_type).unwrap();
        let response = decode(encoding, &answer.body);
        assert_eq!(response.transaction_id.as_str(), transaction);
        let ResponseOutcome::Failure { code: got, reason } = &response.outcome else {
            panic!()
        };
        assert_eq!(*got, code, "{body}");
        if encoding == TrackerEncoding::Xml {
            assert!(
                reason.as_deref().is_some_and(|r| !r.is_empty()),
                "XML failures carry a reason"
            );
        } else {
            assert!(
                answer
                    .body
                    .contains(&format!(r#""error_code":{}"#, code.code())),
                "{}",
                answer.body
            );
            assert!(answer.body.contains(r#""response_type":1"#));
        }
    }
    server.shutdown().await.unwrap();
}
