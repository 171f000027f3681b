//! The XML peer-protocol decoder on arbitrary bytes: never panics, and whatever it accepts
//! re-encodes to a document that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ppsp_wire::peer::PeerMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = PeerMessage::from_xml(data) {
        let again = PeerMessage::from_xml(message.to_xml().as_bytes());
        assert_eq!(again.as_ref(), Ok(&message));
    }
});
