//! The XML form: the documented layout is what the codec reads, every message round-trips,
//! and malformed documents are refused naming the element.

use super::*;
use crate::peer_list::{Transport, peers_from_element};
use crate::xml::{Element, XmlError, XmlLimits};

/// The ```xml blocks of the XML module's documentation, in order.
fn documented_examples() -> Vec<String> {
    let source = include_str!("../xml/mod.rs");
    let mut examples = Vec::new();
    let mut current: Option<String> = None;
    for line in source.lines().filter_map(|l| l.strip_prefix("//!")) {
        let line = line.strip_prefix(' ').unwrap_or(line);
        match (&mut current, line) {
            (None, "```xml") => current = Some(String::new()),
            (Some(_), "```") => examples.extend(current.take()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

fn request_error(text: &str) -> TrackerDecodeError {
    decode_request_xml(text.as_bytes()).unwrap_err()
}

fn response_error(text: &str) -> TrackerDecodeError {
    decode_response_xml(text.as_bytes()).unwrap_err()
}

/// The documented FIND with `replace` swapped for `with`.
fn find_with(replace: &str, with: &str) -> String {
    let text = encode_request_xml(&find_request());
    assert!(text.contains(replace), "{replace:?} not in {text}");
    text.replace(replace, with)
}

#[test]
fn documented_layout_examples_decode_to_the_model() {
    let examples = documented_examples();
    assert_eq!(examples.len(), 5);
    let requests = [leech_connect(), find_request(), stat_report()];
    for (text, expected) in examples.iter().zip(requests) {
        assert_eq!(decode_request_xml(text.as_bytes()), Ok(expected), "{text}");
    }
    assert_eq!(
        decode_response_xml(examples[3].as_bytes()),
        Ok(connect_success())
    );
    assert_eq!(decode_response_xml(examples[4].as_bytes()), Ok(forbidden()));
}

#[test]
fn every_message_round_trips() {
    for request in all_requests() {
        let text = encode_request_xml(&request);
        assert_eq!(decode_request_xml(text.as_bytes()), Ok(request), "{text}");
    }
    for response in all_responses() {
        let text = encode_response_xml(&response);
        assert_eq!(decode_response_xml(text.as_bytes()), Ok(response), "{text}");
    }
}

#[test]
fn envelope_is_written_as_the_peer_protocol_writes_it() {
    let text = encode_request_xml(&find_request());
    assert_eq!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <PPSPTrackerProtocol version=\"1.0\">\n  \
           <Method>FIND</Method>\n  \
           <TransactionID>12346</TransactionID>\n  \
           <PeerID>656164657221</PeerID>\n  \
           <SwarmID>1111</SwarmID>\n  \
           <Peernum ability_nat=\"STUN\">5</Peernum>\n\
         </PPSPTrackerProtocol>\n"
    );
    let unread = TrackerResponse::failure(tid("7"), None, ErrorCode::BadRequest);
    let text = encode_response_xml(&unread);
    assert!(text.contains("<Response/>") && text.contains("<Status>BAD_REQUEST</Status>"));
}

#[test]
fn element_order_is_free_and_unknown_elements_are_ignored() {
    let text = r#"<PPSPTrackerProtocol version="1.0">
        <Peernum ability_nat="STUN" extra="x">5</Peernum>
        <Future><Nested/></Future>
        <SwarmID>1111</SwarmID>
        <PeerID>656164657221</PeerID>
        <TransactionID>12346</TransactionID>
        <Method>FIND</Method>
    </PPSPTrackerProtocol>"#;
    assert_eq!(decode_request_xml(text.as_bytes()), Ok(find_request()));
}

#[test]
fn tracker_peer_lists_with_profile_ids_are_valid_peer_protocol_lists() {
    let hex = "9c1185a5c5e9fc54612808977ee8f548b2258d31";
    let mut response = connect_success();
    let ResponseOutcome::Success { swarm_results, .. } = &mut response.outcome else {
        panic!("not a success")
    };
    swarm_results[0].peers[0].peer_id = pid(hex);
    let text = encode_response_xml(&response);
    let root = Element::parse(text.as_bytes(), &XmlLimits::default()).unwrap();
    let peers = root
        .children_named("SwarmResult")
        .next()
        .unwrap()
        .children_named("Peers")
        .next();
    let listed = peers_from_element(peers.unwrap()).unwrap();
    assert_eq!(listed[0].peer_id.to_string(), hex);
    assert_eq!(listed[0].addresses[0].transport, Transport::PpsppUdp);
    assert_eq!(
        listed[0].addresses[0].addr,
        "198.51.100.22:6778".parse().unwrap()
    );
}

#[test]
fn unsupported_versions_keep_transaction_id_and_request_type() {
    let error = request_error(&find_with("version=\"1.0\"", "version=\"2.0\""));
    assert_eq!(
        error.kind,
        DecodeErrorKind::UnsupportedVersion {
            found: "2.0".into()
        }
    );
    assert_eq!(error.error_code(), ErrorCode::UnsupportedVersion);
    assert_eq!(error.transaction_id, Some(tid("12346")));
    assert_eq!(error.request_type, Some(RequestType::Find));
    assert_eq!(
        error.to_string(),
        "version 2.0 is not supported (supported: 1)"
    );
    let plain = find_with("version=\"1.0\"", "version=\"1\"");
    assert_eq!(decode_request_xml(plain.as_bytes()), Ok(find_request()));
}

#[test]
fn missing_or_invalid_elements_are_named() {
    let cases = [
        (
            find_with(" version=\"1.0\"", ""),
            "<PPSPTrackerProtocol@version>: required attribute is missing",
        ),
        (
            find_with("<PeerID>656164657221</PeerID>", ""),
            "<PeerID>: required element is missing",
        ),
        (
            find_with("<SwarmID>1111</SwarmID>", ""),
            "<SwarmID>: required element is missing",
        ),
        (
            find_with("<Method>FIND</Method>", ""),
            "<Method>: required element is missing",
        ),
        (
            find_with("<SwarmID>1111</SwarmID>", "<SwarmID>xyz1</SwarmID>"),
            "<SwarmID>: invalid value \"xyz1\": not hexadecimal with an even number of digits",
        ),
        (
            find_with(">5</Peernum>", ">0</Peernum>"),
            "<Peernum>: 0 is outside 1..=200",
        ),
        (
            find_with("ability_nat=\"STUN\"", "ability_nat=\"stun\""),
            "<Peernum@ability_nat>: invalid value \"stun\": \"stun\" is not one of NO_NAT, STUN, TURN",
        ),
        (
            find_with(
                "<Method>FIND</Method>",
                "<Method>FIND</Method><Response>FIND</Response>",
            ),
            "<Response>: a request carries <Method>, not <Response>",
        ),
        (
            find_with(
                "<SwarmID>1111</SwarmID>",
                "<SwarmID>1111</SwarmID><SwarmID>22</SwarmID>",
            ),
            "<SwarmID>: appears more than once",
        ),
        (
            find_with("PPSPTrackerProtocol", "PPSPPeerProtocol"),
            "<PPSPPeerProtocol>: root element must be <PPSPTrackerProtocol>",
        ),
    ];
    for (text, expected) in cases {
        let error = request_error(&text);
        assert_eq!(error.to_string(), expected, "{text}");
        assert_eq!(error.error_code(), ErrorCode::BadRequest);
    }
}

#[test]
fn connect_and_stat_report_errors_name_the_element() {
    let connect = encode_request_xml(&leech_connect());
    let cases = [
        (
            connect.replace("mode=\"LEECH\"", "mode=\"LEACH\""),
            "<SwarmAction@mode>: invalid value \"LEACH\": \"LEACH\" is not one of SEEDER, LEECH",
        ),
        (
            connect.replace("ip=\"192.0.2.2\"", "ip=\"192.0.2.300\""),
            "<Address@ip>: invalid value \"192.0.2.300\": invalid IP address syntax",
        ),
        (
            connect.replace("port=\"6778\" transport", "port=\"0\" transport"),
            "<Address@port>: port 0 is not reachable",
        ),
        (
            connect.replace(" priority=\"1\"", ""),
            "<Address@priority>: required attribute is missing",
        ),
        (
            connect.replace("asn=\"64496\"", "asn=\"\""),
            "<Address@asn>: \"\" must be 1..=64 characters long",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(request_error(&text).to_string(), expected, "{text}");
    }
    let no_actions = TrackerRequest {
        body: RequestBody::Connect(Connect {
            peer_num: None,
            peer_addrs: vec![],
            swarm_actions: vec![],
        }),
        ..leech_connect()
    };
    assert_eq!(
        request_error(&encode_request_xml(&no_actions)).to_string(),
        "<SwarmAction>: a CONNECT needs at least one swarm action"
    );

    let stats = encode_request_xml(&stat_report());
    let missing = stats.replace("<Stat property=\"downloaded_bytes\">768</Stat>", "");
    assert_eq!(
        request_error(&missing).to_string(),
        "<Stat[downloaded_bytes]>: required statistic is missing"
    );
    let bad = stats.replace(">768<", ">-768<");
    assert_eq!(
        request_error(&bad).to_string(),
        "<Stat[downloaded_bytes]>: invalid value \"-768\": invalid digit found in string"
    );
    let unknown = stats.replace(
        "</StreamStats>",
        "<Stat property=\"chunk_map\">x</Stat></StreamStats>",
    );
    assert_eq!(decode_request_xml(unknown.as_bytes()), Ok(stat_report()));
}

#[test]
fn response_errors_name_the_element() {
    let success = encode_response_xml(&connect_success());
    let cases = [
        (
            success.replace("SUCCESSFUL</Status>", "DONE</Status>"),
            "<Status>: \"DONE\" is not one of SUCCESSFUL, BAD_REQUEST, UNSUPPORTED_VERSION, \
             FORBIDDEN_ACTION, INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE, AUTHENTICATION_REQUIRED",
        ),
        (
            success.replace("<Response>CONNECT</Response>", "<Method>CONNECT</Method>"),
            "<Method>: a response carries <Response>, not <Method>",
        ),
        (
            success.replace("result=\"SUCCESSFUL\"", "result=\"0\""),
            "<SwarmResult@result>: invalid value \"0\": \"0\" is not one of SUCCESSFUL, FAILED",
        ),
        (
            success.replace("<PeerID>956264622298</PeerID>", ""),
            "<PeerID>: required element is missing",
        ),
        (
            success.replace("<PeerID>956264622298</PeerID>", "<PeerID>a b</PeerID>"),
            "<PeerID>: invalid value \"a b\": \"a b\" must be printable ASCII without spaces",
        ),
        (
            success.replace("<Response>CONNECT</Response>", "<Response>JOIN</Response>"),
            "<Response>: invalid value \"JOIN\": \"JOIN\" is not one of CONNECT, FIND, STAT_REPORT",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(response_error(&text).to_string(), expected, "{text}");
    }
    let long =
        encode_response_xml(&forbidden()).replace("peer is not registered", &"x".repeat(300));
    assert_eq!(
        response_error(&long).to_string(),
        "<Reason>: longer than 256 bytes"
    );
    let error = response_error(&success.replace("version=\"1.0\"", "version=\"3.0\""));
    assert_eq!(error.transaction_id, Some(tid("12345")));
    assert_eq!(error.request_type, Some(RequestType::Connect));
}

#[test]
fn list_limits_are_enforced() {
    let peer = "<Peer><PeerID>p</PeerID>\
                <Address ip=\"192.0.2.1\" port=\"1\" type=\"HOST\" priority=\"0\"/></Peer>";
    let text = format!(
        "<PPSPTrackerProtocol version=\"1.0\"><Response/><TransactionID>t</TransactionID>\
         <Status>SUCCESSFUL</Status><SwarmResult result=\"SUCCESSFUL\"><SwarmID>aa</SwarmID>\
         <Peers>{}</Peers></SwarmResult></PPSPTrackerProtocol>",
        peer.repeat(MAX_RESULT_PEERS + 1)
    );
    assert_eq!(
        response_error(&text).to_string(),
        "<Peer>: 201 items, at most 200 allowed"
    );
    let fits = text.replacen(peer, "", 1);
    assert!(decode_response_xml(fits.as_bytes()).is_ok());
}

#[test]
fn malformed_or_hostile_documents_are_bad_requests() {
    let cases: [&[u8]; 4] = [
        b"<PPSPTrackerProtocol version=\"1.0\">",
        b"not xml",
        b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">]><PPSPTrackerProtocol/>",
        b"<PPSPTrackerProtocol version=\"1.0\">\xff</PPSPTrackerProtocol>",
    ];
    for body in cases {
        let error = decode_request_xml(body).unwrap_err();
        assert!(matches!(error.kind, DecodeErrorKind::Xml(_)), "{error}");
        assert_eq!(error.error_code(), ErrorCode::BadRequest);
    }
    let error = decode_request_xml(cases[2]).unwrap_err();
    assert_eq!(error.kind, DecodeErrorKind::Xml(XmlError::Dtd));
    let limits = TrackerLimits {
        max_bytes: 64,
        ..TrackerLimits::default()
    };
    let body = encode_request_xml(&find_request());
    let error = TrackerEncoding::Xml
        .decode_request(body.as_bytes(), &limits)
        .unwrap_err();
    assert_eq!(
        error.kind,
        DecodeErrorKind::TooLarge {
            len: body.len(),
            max: 64
        }
    );
}
