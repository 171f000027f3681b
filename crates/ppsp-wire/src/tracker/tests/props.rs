//! Property tests: every valid message round-trips in both encodings, and the decoders return
//! (never panic) on arbitrary bytes, arbitrary JSON and damaged valid documents.

use proptest::prelude::*;
use serde_json::Value;

use super::strategies;
use super::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

/// Replaces the `index`-th member (counting through all objects, depth first) with `value`.
fn replace_member(doc: &mut Value, index: &mut usize, value: &Value) -> bool {
    match doc {
        Value::Object(map) => {
            for member in map.values_mut() {
                if *index == 0 {
                    *member = value.clone();
                    return true;
                }
                *index -= 1;
                if replace_member(member, index, value) {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => items
            .iter_mut()
            .any(|item| replace_member(item, index, value)),
        _ => false,
    }
}

fn decode_all(body: &[u8]) {
    let limits = TrackerLimits::default();
    for encoding in [TrackerEncoding::Json, TrackerEncoding::Xml] {
        let _ = encoding.decode_request(body, &limits);
        let _ = encoding.decode_response(body, &limits);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_requests_round_trip(request in strategies::request()) {
        let text = encode_request_json(&request);
        prop_assert_eq!(decode_request_json(text.as_bytes()), Ok(request));
    }

    #[test]
    fn json_responses_round_trip_except_xml_only_fields(response in strategies::response()) {
        let text = encode_response_json(&response);
        prop_assert_eq!(decode_response_json(text.as_bytes()), Ok(json_view(&response)));
    }

    #[test]
    fn xml_requests_round_trip(request in strategies::request()) {
        let text = encode_request_xml(&request);
        prop_assert_eq!(decode_request_xml(text.as_bytes()), Ok(request));
    }

    #[test]
    fn xml_responses_round_trip(response in strategies::response()) {
        let text = encode_response_xml(&response);
        prop_assert_eq!(decode_response_xml(text.as_bytes()), Ok(response));
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        decode_all(&body);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_json(
        value in strategies::json_value(),
        wrap in any::<bool>(),
    ) {
        let doc = if wrap { serde_json::json!({"PPSPTrackerProtocol": value}) } else { value };
        decode_all(doc.to_string().as_bytes());
    }

    #[test]
    fn decoders_never_panic_on_damaged_json_messages(
        request in strategies::request(),
        response in strategies::response(),
        index in 0usize..64,
        value in strategies::json_value(),
    ) {
        for text in [encode_request_json(&request), encode_response_json(&response)] {
            let mut doc: Value = serde_json::from_str(&text).unwrap();
            let mut remaining = index;
            replace_member(&mut doc, &mut remaining, &value);
            decode_all(doc.to_string().as_bytes());
        }
    }

    #[test]
    fn decoders_never_panic_on_damaged_xml_messages(
        request in strategies::request(),
        response in strategies::response(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..16,
        insert in "[<>/=\"a-zA-Z0-9 &;]{0,12}",
    ) {
        for text in [encode_request_xml(&request), encode_response_xml(&response)] {
            let bytes = text.as_bytes();
            let start = at.index(bytes.len());
            let end = (start + cut).min(bytes.len());
            let damaged = [&bytes[..start], insert.as_bytes(), &bytes[end..]].concat();
            decode_all(&damaged);
        }
    }
}
