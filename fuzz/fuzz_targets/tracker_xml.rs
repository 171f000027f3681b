//! The tracker XML decoders (requests and responses) on arbitrary bytes: never panic, and
//! whatever they accept re-encodes to a body that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppsp_wire::tracker::{TrackerEncoding, TrackerLimits};

const ENCODING: TrackerEncoding = TrackerEncoding::Xml;

fuzz_target!(|data: &[u8]| {
    let limits = TrackerLimits::default();
    if let Ok(request) = ENCODING.decode_request(data, &limits) {
        let body = ENCODING.encode_request(&request);
        assert_eq!(
            ENCODING.decode_request(body.as_bytes(), &limits),
            Ok(request)
        );
    }
    if let Ok(response) = ENCODING.decode_response(data, &limits) {
        let body = ENCODING.encode_response(&response);
        assert_eq!(
            ENCODING.decode_response(body.as_bytes(), &limits),
            Ok(response)
        );
    }
});
