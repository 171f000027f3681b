//! The ranges-text chunk map of the XML profile: comma-separated inclusive runs in ascending
//! order, such as `0-99,120-130`, where a single chunk may be written alone (`5`).

use super::{ChunkSet, MapError};
use crate::chunk_range::ChunkRange;

impl ChunkSet {
    /// The set as ranges text; the empty set is the empty string.
    pub fn to_ranges_text(&self) -> String {
        let items: Vec<String> = self
            .runs()
            .map(|run| match run.chunk_count() {
                1 => run.first().to_string(),
                _ => format!("{}-{}", run.first(), run.last()),
            })
            .collect();
        items.join(",")
    }

    /// Reads ranges text of at most `max_items` items. Surrounding whitespace is ignored;
    /// items must be decimal `N` or `N-M` with `N <= M`, each starting after the previous one
    /// ends (touching is allowed, overlapping is not).
    pub fn from_ranges_text(text: &str, max_items: usize) -> Result<Self, MapError> {
        let text = text.trim_ascii();
        let mut set = Self::new();
        if text.is_empty() {
            return Ok(set);
        }
        let mut previous_last = None;
        for (index, item) in text.split(',').enumerate() {
            if index >= max_items {
                return Err(MapError::TooManyItems { limit: max_items });
            }
            let (first, last) = parse_item(item).ok_or(MapError::MalformedItem { index })?;
            if previous_last.is_some_and(|previous| first <= previous) {
                return Err(MapError::NotAscending { index });
            }
            set.insert_run(ChunkRange::new(first, last).ok_or(MapError::OutOfRange)?);
            previous_last = Some(last);
        }
        Ok(set)
    }
}

/// `N` or `N-M` with `N <= M`, plain decimal digits only.
fn parse_item(item: &str) -> Option<(u64, u64)> {
    fn number(digits: &str) -> Option<u64> {
        // `u64::from_str` would also take a leading '+'.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
    let (first, last) = match item.split_once('-') {
        Some((first, last)) => (number(first)?, number(last)?),
        None => (number(item)?, number(item)?),
    };
    (first <= last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn runs_are_written_as_in_the_xml_profile() {
        let set: ChunkSet = [(0, 99), (120, 130), (140, 140)]
            .into_iter()
            .filter_map(|(a, b)| ChunkRange::new(a, b))
            .collect();
        assert_eq!(set.to_ranges_text(), "0-99,120-130,140");
        assert_eq!(ChunkSet::from_ranges_text("0-99,120-130,140", 10), Ok(set));
        assert_eq!(ChunkSet::new().to_ranges_text(), "");
        assert_eq!(ChunkSet::from_ranges_text("  \n", 10), Ok(ChunkSet::new()));
    }

    #[test]
    fn touching_items_are_accepted_and_merged() {
        let set = ChunkSet::from_ranges_text("0-4,5-9", 10).unwrap();
        assert_eq!(set.to_ranges_text(), "0-9");
    }

    #[test]
    fn bad_items_are_refused_with_their_position() {
        for (text, error) in [
            ("0-9,5-20", MapError::NotAscending { index: 1 }),
            ("10,3", MapError::NotAscending { index: 1 }),
            ("4-4,4", MapError::NotAscending { index: 1 }),
            ("9-3", MapError::MalformedItem { index: 0 }),
            ("1,,2", MapError::MalformedItem { index: 1 }),
            ("1-", MapError::MalformedItem { index: 0 }),
            ("+1", MapError::MalformedItem { index: 0 }),
            ("1 - 2", MapError::MalformedItem { index: 0 }),
            ("1-2-3", MapError::MalformedItem { index: 0 }),
            ("0x10", MapError::MalformedItem { index: 0 }),
            ("99999999999999999999", MapError::MalformedItem { index: 0 }),
            ("9223372036854775808", MapError::OutOfRange),
            ("1,2,3,4", MapError::TooManyItems { limit: 3 }),
        ] {
            assert_eq!(ChunkSet::from_ranges_text(text, 3), Err(error), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn ranges_text_round_trips(runs in prop::collection::vec((0..500u64, 0..30u64), 0..20)) {
            let set: ChunkSet = runs.iter().filter_map(|&(a, n)| ChunkRange::new(a, a + n)).collect();
            let text = set.to_ranges_text();
            prop_assert_eq!(ChunkSet::from_ranges_text(&text, 20), Ok(set));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[0-9,\\- ]{0,40}") {
            let _ = ChunkSet::from_ranges_text(&text, 8);
        }
    }
}
