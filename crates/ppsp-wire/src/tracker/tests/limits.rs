//! The default limits fit the largest legitimate messages.

use super::*;

/// A response listing [`MAX_RESULT_PEERS`] peers with every optional field at a realistic size.
fn full_peer_list() -> TrackerResponse {
    let peer = |i: u16| TrackerPeer {
        peer_id: pid(&format!("{i:040x}")),
        peer_addr: TrackerPeerAddr {
            connection: Some(Connection::Wireless),
            asn: Some("4294967295".into()),
            peer_protocol: Some("ppspp+noise/udp".into()),
            ..addr(
                &format!("2001:db8:ffff:ffff:ffff:ffff:ffff:{i:x}"),
                65535,
                u32::MAX,
                AddressKind::Reflexive,
            )
        },
    };
    let mut response = connect_success();
    let ResponseOutcome::Success { swarm_results, .. } = &mut response.outcome else {
        panic!("not a success")
    };
    swarm_results[0].swarm_id = SwarmId::new([0xab; 32]).unwrap();
    swarm_results[0].peers = (0..200).map(peer).collect();
    assert_eq!(swarm_results[0].peers.len(), MAX_RESULT_PEERS);
    response
}

#[test]
fn a_full_peer_list_fits_the_default_body_limit_in_both_encodings() {
    let response = full_peer_list();
    let limits = TrackerLimits::default();
    for encoding in [TrackerEncoding::Json, TrackerEncoding::Xml] {
        let body = encoding.encode_response(&response);
        assert!(
            body.len() < limits.max_bytes,
            "{encoding:?}: {} bytes",
            body.len()
        );
        assert!(encoding.decode_response(body.as_bytes(), &limits).is_ok());
    }
}

#[test]
fn the_schema_nests_json_nine_levels_deep() {
    let body = encode_response_json(&connect_success());
    let nine = TrackerLimits {
        max_json_depth: 9,
        ..TrackerLimits::default()
    };
    assert!(
        TrackerEncoding::Json
            .decode_response(body.as_bytes(), &nine)
            .is_ok()
    );
    let eight = TrackerLimits {
        max_json_depth: 8,
        ..nine
    };
    let error = TrackerEncoding::Json
        .decode_response(body.as_bytes(), &eight)
        .unwrap_err();
    assert_eq!(error.kind, DecodeErrorKind::TooDeep { max: 8 });
    assert_eq!(
        error.transaction_id, None,
        "nothing is read from a body refused before mapping"
    );
}
