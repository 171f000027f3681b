//! The example bodies of RFC 7846 (standards.md 2.6), with their quirks (standards.md 2.7),
//! decode to the intended model. Members the digest elides ("...") are filled in with values
//! of the same shape.

use super::*;

#[test]
fn seeder_connect_with_a_single_peer_addr_object() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "request_type": "CONNECT",
        "transaction_id": "12345",
        "peer_id": "656164657220",
        "connect": {
          "peer_addr": {
            "ip_address": {"address_type": "ipv4", "address": "192.0.2.2"},
            "port": 80,
            "priority": 1,
            "type": "HOST",
            "connection": "wired",
            "asn": "45645"
          },
          "swarm_action": [
            {"swarm_id": "1111", "action": "JOIN", "peer_mode": "SEEDER"},
            {"swarm_id": "2222", "action": "JOIN", "peer_mode": "SEEDER"}
          ]
        }
      }
    }"#;
    let expected = TrackerRequest::new(
        tid("12345"),
        pid("656164657220"),
        RequestBody::Connect(Connect {
            peer_num: None,
            peer_addrs: vec![TrackerPeerAddr {
                connection: Some(Connection::Wired),
                asn: Some("45645".into()),
                ..addr("192.0.2.2", 80, 1, AddressKind::Host)
            }],
            swarm_actions: vec![
                action("1111", Action::Join, PeerMode::Seeder),
                action("2222", Action::Join, PeerMode::Seeder),
            ],
        }),
    );
    assert_eq!(decode_request_json(body), Ok(expected));
}

#[test]
fn leech_connect_with_peer_num_integers_written_as_strings() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "request_type": "CONNECT",
        "transaction_id": "12345",
        "peer_id": "656164657221",
        "connect": {
          "peer_num": {
            "peer_count": 5,
            "ability_nat": "STUN",
            "concurrent_links": "5",
            "online_time": "200",
            "upload_bandwidth": "600"
          },
          "peer_addr": [
            {"ip_address": {"address_type": "ipv4", "address": "192.0.2.2"},
             "port": 80, "priority": 1, "type": "HOST", "connection": "wired", "asn": "3256546"},
            {"ip_address": {"address_type": "ipv6", "address": "2001:db8::2"},
             "port": 80, "priority": 2, "type": "HOST", "connection": "wireless",
             "asn": "34563456", "peer_protocol": "PPSP-PP"}
          ],
          "swarm_action": [
            {"swarm_id": "1111", "action": "LEAVE", "peer_mode": "LEECH"},
            {"swarm_id": "2222", "action": "JOIN", "peer_mode": "LEECH"}
          ]
        }
      }
    }"#;
    let request = decode_request_json(body).unwrap();
    let RequestBody::Connect(connect) = &request.body else {
        panic!("not a CONNECT")
    };
    assert_eq!(
        connect.peer_num,
        Some(PeerNum {
            peer_count: 5,
            ability_nat: Some(NatAbility::Stun),
            concurrent_links: Some(5),
            online_time: Some(200),
            upload_bandwidth: Some(600),
        })
    );
    assert_eq!(connect.peer_addrs.len(), 2);
    assert_eq!(
        connect.peer_addrs[1].ip,
        "2001:db8::2".parse::<IpAddr>().unwrap()
    );
    assert_eq!(
        connect.peer_addrs[1].peer_protocol.as_deref(),
        Some("PPSP-PP")
    );
    assert_eq!(
        connect.swarm_actions,
        [
            action("1111", Action::Leave, PeerMode::Leech),
            action("2222", Action::Join, PeerMode::Leech)
        ]
    );
}

#[test]
fn connect_response_with_a_single_swarm_result_object() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "response_type": 0,
        "error_code": 0,
        "transaction_id": "12345",
        "peer_addr": {
          "ip_address": {"address_type": "ipv4", "address": "198.51.100.1"},
          "port": 80, "priority": 1, "type": "REFLEXIVE", "connection": "wired", "asn": "64496"
        },
        "swarm_result": {
          "swarm_id": "2222",
          "result": 0,
          "peer_group": {
            "peer_info": [
              {"peer_id": "956264622298",
               "peer_addr": {"ip_address": {"address_type": "ipv4", "address": "198.51.100.22"},
                 "port": 80, "priority": 2, "type": "REFLEXIVE", "connection": "wired",
                 "asn": "64496", "peer_protocol": "PPSP-PP"}},
              {"peer_id": "3332001256741",
               "peer_addr": {"ip_address": {"address_type": "ipv4", "address": "198.51.100.201"},
                 "port": 80, "priority": 2, "type": "REFLEXIVE", "connection": "wired",
                 "asn": "64496", "peer_protocol": "PPSP-PP"}}
            ]
          }
        }
      }
    }"#;
    let response = decode_response_json(body).unwrap();
    assert_eq!(response.transaction_id, tid("12345"));
    assert_eq!(response.request_type, None);
    let ResponseOutcome::Success {
        peer_addr,
        swarm_results,
    } = &response.outcome
    else {
        panic!("not a success")
    };
    assert_eq!(
        peer_addr.as_ref().map(TrackerPeerAddr::socket_addr),
        Some("198.51.100.1:80".parse().unwrap())
    );
    assert_eq!(swarm_results.len(), 1);
    assert_eq!(swarm_results[0].swarm_id, swarm("2222"));
    assert_eq!(swarm_results[0].result, ActionResult::Success);
    let ids: Vec<&str> = swarm_results[0]
        .peers
        .iter()
        .map(|p| p.peer_id.as_str())
        .collect();
    assert_eq!(ids, ["956264622298", "3332001256741"]);
    assert_eq!(
        swarm_results[0].peers[1].peer_addr.kind,
        AddressKind::Reflexive
    );
}

#[test]
fn find_with_swarm_id_and_peer_num_directly_in_the_message() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "request_type": "FIND",
        "transaction_id": "12345",
        "peer_id": "656164657221",
        "swarm_id": "1111",
        "peer_num": {
          "peer_count": "5",
          "ability_nat": "STUN",
          "concurrent_links": "5",
          "online_time": "200",
          "upload_bandwidth": "600"
        }
      }
    }"#;
    let request = decode_request_json(body).unwrap();
    let RequestBody::Find(find) = request.body else {
        panic!("not a FIND")
    };
    assert_eq!(find.swarm_id, swarm("1111"));
    assert_eq!(find.peer_num.map(|n| n.peer_count), Some(5));
}

#[test]
fn find_response_listing_the_requester_itself_is_not_a_codec_error() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "response_type": 0,
        "error_code": 0,
        "transaction_id": "12345",
        "swarm_result": {
          "swarm_id": "1111",
          "result": 0,
          "peer_group": {
            "peer_info": [
              {"peer_id": "656164657221",
               "peer_addr": {"ip_address": {"address_type": "ipv4", "address": "198.51.100.1"},
                 "port": 80, "priority": 1, "type": "REFLEXIVE", "connection": "wired"}},
              {"peer_id": "956264622298",
               "peer_addr": {"ip_address": {"address_type": "ipv4", "address": "198.51.100.22"},
                 "port": 80, "priority": 2, "type": "REFLEXIVE", "peer_protocol": "PPSP-PP"}}
            ]
          }
        }
      }
    }"#;
    let response = decode_response_json(body).unwrap();
    let ResponseOutcome::Success { swarm_results, .. } = response.outcome else {
        panic!("not a success")
    };
    assert_eq!(swarm_results[0].peers[0].peer_id, pid("656164657221"));
}

#[test]
fn stat_report_with_capital_stat_as_a_single_object() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "request_type": "STAT_REPORT",
        "transaction_id": "12347",
        "peer_id": "656164657221",
        "stat_report": {
          "type": "STREAM_STATS",
          "Stat": {
            "swarm_id": "1111",
            "uploaded_bytes": 512,
            "downloaded_bytes": 768,
            "available_bandwidth": 1024000,
            "concurrent_links": 5
          }
        }
      }
    }"#;
    assert_eq!(decode_request_json(body), Ok(stat_report()));
}

#[test]
fn stat_report_response_with_a_swarm_result_and_no_peers() {
    let body = br#"{
      "PPSPTrackerProtocol": {
        "version": 1,
        "response_type": 0,
        "error_code": 0,
        "transaction_id": "12345",
        "swarm_result": {"swarm_id": "1111", "result": 0}
      }
    }"#;
    let expected = TrackerResponse::success(
        tid("12345"),
        None,
        None,
        vec![SwarmResult {
            swarm_id: swarm("1111"),
            result: ActionResult::Success,
            peers: vec![],
        }],
    );
    assert_eq!(decode_response_json(body), Ok(expected));
}

#[test]
fn failed_response_carries_only_the_error_code() {
    let body = br#"{"PPSPTrackerProtocol": {"version": 1, "response_type": 1,
        "error_code": 6, "transaction_id": "12345"}}"#;
    assert_eq!(
        decode_response_json(body),
        Ok(TrackerResponse::failure(
            tid("12345"),
            None,
            ErrorCode::AuthenticationRequired
        ))
    );
}
