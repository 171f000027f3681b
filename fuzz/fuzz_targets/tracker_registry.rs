//! Arbitrary request sequences (CONNECT, FIND, STAT_REPORT with arbitrary fields, clock
//! advances, sweeps) against the pure registry over the in-memory store: never a panic, and
//! every invariant `ppsp_tracker::replay` checks holds after every step (peer lists without
//! the requester, no more than asked, no expired peers; bounded swarms and peers).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = ppsp_tracker::replay::replay(data) {
        panic!("{violation}");
    }
});
