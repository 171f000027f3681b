//! On-demand streaming: the chunks right after the playhead come first, strictly in order,
//! so playback can start and continue; the rest of the content follows rarest-first.

/// Appends to `picks` (up to `want` in all) the chunks of `playhead..playhead + window`
/// that the peer offers and `fresh` accepts, in order.
pub(super) fn pick(
    playhead: u64,
    window: u64,
    offered: &dyn Fn(u64) -> bool,
    fresh: &dyn Fn(u64) -> bool,
    want: usize,
    picks: &mut Vec<u64>,
) {
    for chunk in playhead..playhead.saturating_add(window) {
        if picks.len() >= want {
            break;
        }
        if offered(chunk) && fresh(chunk) && !picks.contains(&chunk) {
            picks.push(chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_taken_in_order_skipping_unwanted() {
        let mut picks = vec![];
        pick(10, 5, &|c| c < 100, &|c| c != 12, 10, &mut picks);
        assert_eq!(picks, [10, 11, 13, 14]);
    }
}
