//! The live buffer never holds more than the discard window, whatever indices arrive.

mod common;

use std::num::NonZeroU64;

use bytes::Bytes;
use common::shuffled;
use ppsp_core::engine::ChunkStore;
use ppsp_node::storage::LiveWindow;

fn window(size: u64) -> LiveWindow {
    LiveWindow::new(NonZeroU64::new(size).unwrap())
}

#[test]
fn the_newest_chunks_are_kept_and_older_ones_evicted() {
    let mut live = window(4);
    for index in 0..10 {
        assert!(live.insert(index, Bytes::from(vec![index as u8; 3])));
        assert!(live.len() <= 4);
    }
    assert_eq!((live.oldest(), live.newest()), (Some(6), Some(9)));
    assert_eq!(live.get(7), Some(Bytes::from(vec![7; 3])));
    assert_eq!(live.get(5), None);
    // Behind the window: refused. Inside it: accepted, even out of order.
    assert!(!live.insert(5, Bytes::new()));
    live.insert(8, Bytes::from_static(b"new"));
    assert_eq!(live.get(8), Some(Bytes::from_static(b"new")));
}

#[test]
fn a_chunk_far_ahead_moves_the_window_instead_of_growing_it() {
    let mut live = window(100);
    for index in 0..100 {
        live.insert(index, Bytes::new());
    }
    assert!(live.insert(u64::MAX, Bytes::from_static(b"far")));
    assert_eq!(live.len(), 1);
    assert!(!live.insert(0, Bytes::new()));
    assert!(live.insert(u64::MAX - 99, Bytes::new()));
    assert!(!live.insert(u64::MAX - 100, Bytes::new()));
    assert_eq!(live.len(), 2);
}

#[test]
fn random_indices_never_exceed_the_window() {
    let mut live = window(64);
    for (step, index) in shuffled(5000, 3).into_iter().enumerate() {
        let accepted = live.insert(index, Bytes::new());
        let newest = live.newest().unwrap();
        assert!(live.len() <= 64, "step {step}");
        assert_eq!(accepted, index + 64 > newest);
        assert!(live.oldest().unwrap() + 64 > newest);
    }
    let mut single = window(1);
    single.insert(3, Bytes::new());
    single.insert(2, Bytes::new());
    assert_eq!((single.len(), single.newest()), (1, Some(3)));
}

#[test]
fn as_the_engine_store_it_refuses_chunks_behind_the_window() {
    let mut live = window(2);
    let store: &mut dyn ChunkStore = &mut live;
    store.write_chunk(10, Bytes::from_static(b"a")).unwrap();
    store.write_chunk(11, Bytes::from_static(b"b")).unwrap();
    let error = store.write_chunk(9, Bytes::new()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("behind the live discard window of 2 chunks")
    );
    assert_eq!(store.read_chunk(11), Some(Bytes::from_static(b"b")));
    assert_eq!(store.read_chunk(9), None);
}
