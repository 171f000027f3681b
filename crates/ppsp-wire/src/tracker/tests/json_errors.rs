//! Malformed JSON bodies are refused with one line naming the member at fault, the right error
//! code, and the transaction ID salvaged whenever it was readable.

use serde_json::{Value, json};

use super::*;

/// The valid leech CONNECT as a JSON value, to be broken one member at a time.
fn connect_doc() -> Value {
    serde_json::from_str(&encode_request_json(&leech_connect())).unwrap()
}

fn request_error(doc: &Value) -> TrackerDecodeError {
    decode_request_json(doc.to_string().as_bytes()).unwrap_err()
}

/// Replaces the member at `pointer` (RFC 6901) of the leech CONNECT and returns the error.
fn with_member(pointer: &str, value: Value) -> TrackerDecodeError {
    let mut doc = connect_doc();
    *doc.pointer_mut(pointer).unwrap() = value;
    request_error(&doc)
}

fn without_member(parent: &str, key: &str) -> TrackerDecodeError {
    let mut doc = connect_doc();
    doc.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
    request_error(&doc)
}

const MSG: &str = "/PPSPTrackerProtocol";
const CONNECT: &str = "/PPSPTrackerProtocol/connect";

#[test]
fn bad_enum_words_name_the_member_and_the_accepted_words() {
    let error = with_member(
        &format!("{CONNECT}/swarm_action/1/peer_mode"),
        json!("LEACH"),
    );
    assert_eq!(
        error.to_string(),
        "PPSPTrackerProtocol.connect.swarm_action[1].peer_mode: \"LEACH\" is not one of SEEDER, LEECH"
    );
    assert_eq!(error.error_code(), ErrorCode::BadRequest);
    assert_eq!(error.transaction_id, Some(tid("12345")));
    assert_eq!(error.request_type, Some(RequestType::Connect));

    let error = with_member(&format!("{MSG}/request_type"), json!("ANNOUNCE"));
    assert_eq!(
        error.to_string(),
        "PPSPTrackerProtocol.request_type: \"ANNOUNCE\" is not one of CONNECT, FIND, STAT_REPORT"
    );
    let error = with_member(&format!("{CONNECT}/peer_addr/0/type"), json!("host"));
    assert!(
        error
            .to_string()
            .starts_with("PPSPTrackerProtocol.connect.peer_addr[0].type: \"host\"")
    );
}

#[test]
fn missing_members_are_named() {
    let cases = [
        (
            MSG,
            "peer_id",
            "PPSPTrackerProtocol.peer_id: required member is missing",
        ),
        (
            MSG,
            "transaction_id",
            "PPSPTrackerProtocol.transaction_id: required member is missing",
        ),
        (
            MSG,
            "version",
            "PPSPTrackerProtocol.version: required member is missing",
        ),
        (
            MSG,
            "connect",
            "PPSPTrackerProtocol.connect: required member is missing",
        ),
        (
            CONNECT,
            "swarm_action",
            "PPSPTrackerProtocol.connect.swarm_action: a CONNECT needs at least one swarm action",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_num",
            "peer_count",
            "PPSPTrackerProtocol.connect.peer_num.peer_count: required member is missing",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/1",
            "ip_address",
            "PPSPTrackerProtocol.connect.peer_addr[1].ip_address: required member is missing",
        ),
    ];
    for (parent, key, expected) in cases {
        assert_eq!(
            without_member(parent, key).to_string(),
            expected,
            "removing {key}"
        );
    }
    let error = with_member(&format!("{CONNECT}/swarm_action"), json!([]));
    assert_eq!(
        error.to_string(),
        "PPSPTrackerProtocol.connect.swarm_action: a CONNECT needs at least one swarm action"
    );
}

#[test]
fn wrong_types_are_named() {
    let cases = [
        (
            "/PPSPTrackerProtocol/connect",
            json!([1]),
            "connect: expected an object, found an array",
        ),
        (
            "/PPSPTrackerProtocol/peer_id",
            json!(7),
            "peer_id: expected a string, found a number",
        ),
        (
            "/PPSPTrackerProtocol/version",
            json!("one"),
            "version: \"one\" is not a whole number",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/port",
            json!(-80),
            "peer_addr[0].port: expected a whole number, found -80",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/port",
            json!(70000),
            "peer_addr[0].port: 70000 is over the maximum of 65535",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_num/online_time",
            json!(true),
            "peer_num.online_time: expected a whole number, found a boolean",
        ),
    ];
    for (pointer, value, expected) in cases {
        let message = with_member(pointer, value).to_string();
        assert!(
            message.ends_with(expected),
            "{message:?} should end with {expected:?}"
        );
    }
}

#[test]
fn invalid_values_are_named() {
    let cases = [
        (
            "/PPSPTrackerProtocol/connect/swarm_action/0/swarm_id",
            json!("xyz1"),
            "swarm_action[0].swarm_id: \"xyz1\" is not a hex swarm ID: not hexadecimal with an \
             even number of digits",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/ip_address/address",
            json!("192.0.2.300"),
            "peer_addr[0].ip_address.address: \"192.0.2.300\" is not an IPv4 address: invalid \
             IPv4 address syntax",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/1/ip_address/address",
            json!("192.0.2.1"),
            "peer_addr[1].ip_address.address: \"192.0.2.1\" is not an IPv6 address: invalid IPv6 \
             address syntax",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/ip_address/address_type",
            json!("dns"),
            "ip_address.address_type: \"dns\" is not one of ipv4, ipv6",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/port",
            json!(0),
            "peer_addr[0].port: port 0 is not reachable",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_num/peer_count",
            json!(0),
            "peer_count: 0 is outside 1..=200",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_num/peer_count",
            json!(201),
            "peer_count: 201 is outside 1..=200",
        ),
        (
            "/PPSPTrackerProtocol/peer_id",
            json!("has space"),
            "peer_id: \"has space\" must be printable ASCII without spaces",
        ),
        (
            "/PPSPTrackerProtocol/connect/peer_addr/0/asn",
            json!(""),
            "peer_addr[0].asn: \"\" must be 1..=64 characters long",
        ),
    ];
    for (pointer, value, expected) in cases {
        let message = with_member(pointer, value).to_string();
        assert!(
            message.ends_with(expected),
            "{message:?} should end with {expected:?}"
        );
        assert!(!message.contains('\n'));
    }
}

#[test]
fn list_limits_are_enforced() {
    let one = json!({"swarm_id": "aa", "action": "JOIN", "peer_mode": "SEEDER"});
    let error = with_member(
        &format!("{CONNECT}/swarm_action"),
        json!(vec![one; MAX_SWARM_ACTIONS + 1]),
    );
    assert_eq!(
        error.to_string(),
        "PPSPTrackerProtocol.connect.swarm_action: 17 items, at most 16 allowed"
    );
    let addr = connect_doc()["PPSPTrackerProtocol"]["connect"]["peer_addr"][0].clone();
    let error = with_member(
        &format!("{CONNECT}/peer_addr"),
        json!(vec![addr; MAX_PEER_ADDRS + 1]),
    );
    assert!(
        error
            .to_string()
            .ends_with("peer_addr: 17 items, at most 16 allowed")
    );
}

#[test]
fn unsupported_versions_map_to_error_code_two_and_keep_the_transaction_id() {
    for version in [json!(2), json!(0), json!("2"), json!(256)] {
        let error = with_member(&format!("{MSG}/version"), version);
        assert!(
            matches!(error.kind, DecodeErrorKind::UnsupportedVersion { .. }),
            "{error}"
        );
        assert_eq!(error.error_code(), ErrorCode::UnsupportedVersion);
        assert_eq!(error.transaction_id, Some(tid("12345")));
    }
    let error = with_member(&format!("{MSG}/version"), json!(2));
    assert_eq!(
        error.to_string(),
        "version 2 is not supported (supported: 1)"
    );
}

#[test]
fn unreadable_transaction_ids_are_not_salvaged() {
    let error = with_member(&format!("{MSG}/transaction_id"), json!("not valid!"));
    assert_eq!(error.transaction_id, None);
    assert!(
        error
            .to_string()
            .starts_with("PPSPTrackerProtocol.transaction_id: \"not valid!\"")
    );
}

#[test]
fn malformed_documents_are_bad_requests() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"{",
            "malformed JSON: EOF while parsing an object at line 1 column 1",
        ),
        (
            b"",
            "malformed JSON: EOF while parsing a value at line 1 column 0",
        ),
        (b"\xff", "malformed JSON: expected value at line 1 column 1"),
        (b"[]", "body: expected an object, found an array"),
        (
            b"{\"ppsp\": {}}",
            "PPSPTrackerProtocol: required member is missing",
        ),
    ];
    for (body, expected) in cases {
        let error = decode_request_json(body).unwrap_err();
        assert_eq!(error.to_string(), expected);
        assert_eq!(error.error_code(), ErrorCode::BadRequest);
    }
}

#[test]
fn oversized_bodies_are_refused_before_parsing() {
    let limits = TrackerLimits {
        max_bytes: 100,
        ..TrackerLimits::default()
    };
    let body = encode_request_json(&leech_connect());
    let error = TrackerEncoding::Json
        .decode_request(body.as_bytes(), &limits)
        .unwrap_err();
    assert_eq!(
        error.kind,
        DecodeErrorKind::TooLarge {
            len: body.len(),
            max: 100
        }
    );
    assert_eq!(error.error_code(), ErrorCode::BadRequest);
    let huge = vec![b' '; TrackerLimits::default().max_bytes + 1];
    assert!(matches!(
        decode_request_json(&huge).unwrap_err().kind,
        DecodeErrorKind::TooLarge { .. }
    ));
}

#[test]
fn deep_nesting_is_refused() {
    let mut nested = json!(1);
    for _ in 0..20 {
        nested = json!({ "x": nested });
    }
    let mut doc = connect_doc();
    doc["PPSPTrackerProtocol"]["extension"] = nested;
    let error = request_error(&doc);
    assert_eq!(error.kind, DecodeErrorKind::TooDeep { max: 16 });
    // Beyond serde_json's own recursion limit the parser stops first.
    let body = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    assert!(matches!(
        decode_request_json(body.as_bytes()).unwrap_err().kind,
        DecodeErrorKind::Json(_)
    ));
}

#[test]
fn response_codes_must_be_consistent() {
    let response = |members: Value| {
        let mut doc = json!({"PPSPTrackerProtocol": {"version": 1, "transaction_id": "t"}});
        doc["PPSPTrackerProtocol"]
            .as_object_mut()
            .unwrap()
            .extend(members.as_object().unwrap().clone());
        decode_response_json(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        response(json!({"response_type": 2, "error_code": 1})),
        "PPSPTrackerProtocol.response_type: 2 is not one of 0 (success), 1 (failure)"
    );
    assert_eq!(
        response(json!({"response_type": 1, "error_code": 9})),
        "PPSPTrackerProtocol.error_code: 9 is not an error code (1..=6)"
    );
    assert_eq!(
        response(json!({"response_type": 1})),
        "PPSPTrackerProtocol.error_code: required member is missing"
    );
    assert_eq!(
        response(json!({"response_type": 0, "error_code": 3})),
        "PPSPTrackerProtocol.error_code: 3 in a successful response (must be 0)"
    );
    assert_eq!(
        response(json!({"response_type": 0, "swarm_result": {"swarm_id": "aa", "result": 5}})),
        "PPSPTrackerProtocol.swarm_result.result: 5 is not one of 0 (success), 1 (failure)"
    );
}

#[test]
fn conflicting_or_unknown_stat_groups_are_refused() {
    let body = |report: Value| {
        json!({"PPSPTrackerProtocol": {"version": 1, "request_type": "STAT_REPORT",
            "transaction_id": "t", "peer_id": "p", "stat_report": report}})
        .to_string()
    };
    let error = decode_request_json(body(json!({"type": "CHUNK_MAP", "stat": []})).as_bytes());
    assert_eq!(
        error.unwrap_err().to_string(),
        "PPSPTrackerProtocol.stat_report.type: \"CHUNK_MAP\" is not one of STREAM_STATS"
    );
    let error = decode_request_json(
        body(json!({"type": "STREAM_STATS", "stat": [], "Stat": []})).as_bytes(),
    );
    assert_eq!(
        error.unwrap_err().to_string(),
        "PPSPTrackerProtocol.stat_report.Stat: both `stat` and `Stat` are present"
    );
}
