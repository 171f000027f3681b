//! The JSON encoding writes the schema form and reads it back; every leniency of the decoder
//! (standards.md 2.7, unknown members) is accepted.

use serde_json::{Value, json};

use super::*;

fn written(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn message(value: &Value) -> &Value {
    &value["PPSPTrackerProtocol"]
}

#[test]
fn every_message_reads_back_equal() {
    for request in all_requests() {
        assert_eq!(
            decode_request_json(encode_request_json(&request).as_bytes()),
            Ok(request)
        );
    }
    for response in all_responses() {
        let decoded = decode_response_json(encode_response_json(&response).as_bytes());
        assert_eq!(decoded, Ok(json_view(&response)));
    }
}

#[test]
fn connect_is_written_with_arrays_and_json_numbers() {
    let doc = written(&encode_request_json(&leech_connect()));
    let msg = message(&doc);
    assert_eq!(msg["version"], json!(1));
    assert_eq!(msg["request_type"], json!("CONNECT"));
    assert_eq!(msg["transaction_id"], json!("12345"));
    assert_eq!(msg["peer_id"], json!("656164657221"));
    let connect = &msg["connect"];
    assert_eq!(
        connect["peer_num"],
        json!({"peer_count": 5, "ability_nat": "STUN", "concurrent_links": 5,
               "online_time": 200, "upload_bandwidth": 600})
    );
    assert_eq!(
        connect["peer_addr"][0],
        json!({"ip_address": {"address_type": "ipv4", "address": "192.0.2.2"}, "port": 6778,
               "priority": 1, "type": "HOST", "connection": "wired", "asn": "64496",
               "peer_protocol": "ppspp/udp"})
    );
    assert_eq!(
        connect["peer_addr"][1]["ip_address"]["address_type"],
        json!("ipv6")
    );
    assert_eq!(
        connect["swarm_action"],
        json!([{"swarm_id": "1111", "action": "LEAVE", "peer_mode": "LEECH"},
               {"swarm_id": "2222", "action": "JOIN", "peer_mode": "LEECH"}])
    );
}

#[test]
fn find_is_written_under_find() {
    let doc = written(&encode_request_json(&find_request()));
    assert_eq!(
        message(&doc)["find"],
        json!({"swarm_id": "1111", "peer_num": {"peer_count": 5, "ability_nat": "STUN"}})
    );
    assert_eq!(message(&doc).get("swarm_id"), None);
}

#[test]
fn stat_report_is_written_with_a_stat_array_and_keep_alive_without_a_group() {
    let doc = written(&encode_request_json(&stat_report()));
    let report = &message(&doc)["stat_report"];
    assert_eq!(report["type"], json!("STREAM_STATS"));
    assert!(report["stat"].is_array());
    assert_eq!(report["stat"][0]["available_bandwidth"], json!(1_024_000));
    let doc = written(&encode_request_json(&keep_alive()));
    assert_eq!(message(&doc)["request_type"], json!("STAT_REPORT"));
    assert_eq!(message(&doc).get("stat_report"), None);
}

#[test]
fn responses_are_written_with_numeric_codes_and_result_arrays() {
    let doc = written(&encode_response_json(&connect_success()));
    let msg = message(&doc);
    assert_eq!(msg["response_type"], json!(0));
    assert_eq!(msg["error_code"], json!(0));
    assert_eq!(msg["peer_addr"]["type"], json!("REFLEXIVE"));
    assert!(msg["swarm_result"].is_array());
    assert_eq!(msg["swarm_result"][0]["result"], json!(0));
    assert!(msg["swarm_result"][0]["peer_group"]["peer_info"].is_array());
    assert_eq!(
        msg.get("request_type"),
        None,
        "RFC 7846 responses carry no request type"
    );

    let doc = written(&encode_response_json(&forbidden()));
    assert_eq!(
        doc,
        json!({"PPSPTrackerProtocol": {"version": 1, "response_type": 1, "error_code": 3,
                                       "transaction_id": "12346"}})
    );
}

#[test]
fn swarm_result_without_peers_has_no_peer_group() {
    let response = TrackerResponse::success(
        tid("1"),
        None,
        None,
        vec![SwarmResult {
            swarm_id: swarm("1111"),
            result: ActionResult::Failure,
            peers: vec![],
        }],
    );
    let doc = written(&encode_response_json(&response));
    assert_eq!(
        message(&doc)["swarm_result"],
        json!([{"swarm_id": "1111", "result": 1}])
    );
}

/// A minimal valid CONNECT with `connect` replaced.
fn connect_with(connect: Value) -> Vec<u8> {
    json!({"PPSPTrackerProtocol": {"version": 1, "request_type": "CONNECT",
        "transaction_id": "t1", "peer_id": "p1", "connect": connect}})
    .to_string()
    .into_bytes()
}

fn swarm_actions(request: &TrackerRequest) -> &[SwarmAction] {
    match &request.body {
        RequestBody::Connect(connect) => &connect.swarm_actions,
        other => panic!("not a CONNECT: {other:?}"),
    }
}

#[test]
fn single_objects_stand_for_one_element_arrays() {
    let body = connect_with(json!({"swarm_action": {"swarm_id": "aa", "action": "JOIN",
        "peer_mode": "SEEDER"}}));
    let request = decode_request_json(&body).unwrap();
    assert_eq!(
        swarm_actions(&request),
        [action("aa", Action::Join, PeerMode::Seeder)]
    );
}

#[test]
fn integers_written_as_strings_are_accepted_everywhere() {
    let body = br#"{"PPSPTrackerProtocol": {"version": "1", "response_type": "0",
        "error_code": "00", "transaction_id": "t", "swarm_result": [{"swarm_id": "aa",
        "result": "1", "peer_group": {"peer_info": {"peer_id": "p", "peer_addr": {
        "ip_address": {"address_type": "ipv4", "address": "192.0.2.9"}, "port": "80",
        "priority": "3", "type": "HOST"}}}}]}}"#;
    let response = decode_response_json(body).unwrap();
    let ResponseOutcome::Success { swarm_results, .. } = response.outcome else {
        panic!("not a success")
    };
    assert_eq!(swarm_results[0].result, ActionResult::Failure);
    assert_eq!(
        swarm_results[0].peers[0].peer_addr,
        addr("192.0.2.9", 80, 3, AddressKind::Host)
    );
}

#[test]
fn find_fields_may_sit_under_find_or_directly_in_the_message() {
    let nested = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "FIND",
        "transaction_id": "12346", "peer_id": "656164657221",
        "find": {"swarm_id": "1111", "peer_num": {"peer_count": 5, "ability_nat": "STUN"}}}}"#;
    let flat = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "FIND",
        "transaction_id": "12346", "peer_id": "656164657221",
        "swarm_id": "1111", "peer_num": {"peer_count": 5, "ability_nat": "STUN"}}}"#;
    assert_eq!(decode_request_json(nested), Ok(find_request()));
    assert_eq!(decode_request_json(flat), Ok(find_request()));
}

#[test]
fn stat_member_may_be_capitalised_and_report_type_misspelled() {
    let body = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "START_REPORT",
        "transaction_id": "12347", "peer_id": "656164657221", "stat_report": {
        "type": "STREAM_STATS", "Stat": [{"swarm_id": "1111", "uploaded_bytes": 512,
        "downloaded_bytes": 768, "available_bandwidth": 1024000, "concurrent_links": 5}]}}}"#;
    assert_eq!(decode_request_json(body), Ok(stat_report()));
}

#[test]
fn empty_stat_report_and_absent_group_are_keep_alives() {
    let absent = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "STAT_REPORT",
        "transaction_id": "12348", "peer_id": "656164657221"}}"#;
    let empty = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "STAT_REPORT",
        "transaction_id": "12348", "peer_id": "656164657221",
        "stat_report": {"type": "STREAM_STATS", "stat": []}}}"#;
    assert_eq!(decode_request_json(absent), Ok(keep_alive()));
    assert_eq!(decode_request_json(empty), Ok(keep_alive()));
}

#[test]
fn address_type_is_matched_without_regard_to_case() {
    let body = connect_with(json!({
        "peer_addr": {"ip_address": {"address_type": "IPv6", "address": "2001:db8::7"},
                      "port": 1, "priority": 0, "type": "PROXY"},
        "swarm_action": {"swarm_id": "aa", "action": "JOIN", "peer_mode": "SEEDER"}}));
    let request = decode_request_json(&body).unwrap();
    let RequestBody::Connect(connect) = request.body else {
        panic!("not a CONNECT")
    };
    assert_eq!(
        connect.peer_addrs,
        [addr("2001:db8::7", 1, 0, AddressKind::Proxy)]
    );
}

#[test]
fn swarm_result_without_result_means_success() {
    let body = br#"{"PPSPTrackerProtocol": {"version": 1, "response_type": 0,
        "transaction_id": "t", "swarm_result": {"swarm_id": "1111"}}}"#;
    let expected = TrackerResponse::success(
        tid("t"),
        None,
        None,
        vec![SwarmResult {
            swarm_id: swarm("1111"),
            result: ActionResult::Success,
            peers: vec![],
        }],
    );
    assert_eq!(
        decode_response_json(body),
        Ok(expected),
        "error_code 0 may be left out too"
    );
}

#[test]
fn unknown_and_null_members_are_ignored() {
    let body = br#"{"extension": [1, 2], "PPSPTrackerProtocol": {"version": 1,
        "request_type": "CONNECT", "transaction_id": "t1", "peer_id": "p1", "future": {"x": 1},
        "connect": {"peer_num": null, "hint": "x", "swarm_action": [{"swarm_id": "aa",
        "action": "JOIN", "peer_mode": "SEEDER", "priority": 9}]}}}"#;
    let request = decode_request_json(body).unwrap();
    assert_eq!(
        swarm_actions(&request),
        [action("aa", Action::Join, PeerMode::Seeder)]
    );
    let RequestBody::Connect(connect) = request.body else {
        panic!("not a CONNECT")
    };
    assert_eq!(connect.peer_num, None);
}

#[test]
fn forty_hex_peer_ids_convert_to_the_profile_peer_id() {
    let body = br#"{"PPSPTrackerProtocol": {"version": 1, "request_type": "STAT_REPORT",
        "transaction_id": "t", "peer_id": "9c1185a5c5e9fc54612808977ee8f548b2258d31"}}"#;
    let request = decode_request_json(body).unwrap();
    assert_eq!(
        request
            .peer_id
            .to_peer_id()
            .map(|id| id.to_string())
            .as_deref(),
        Some("9c1185a5c5e9fc54612808977ee8f548b2258d31")
    );
}
