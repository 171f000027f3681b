//! The event queue: items ordered by virtual time, ties broken by insertion order.
//!
//! A binary heap alone does not say which of two equal-time items comes out first, and a
//! simulation whose order depends on that is not reproducible. The sequence number makes the
//! order total: at equal times, first scheduled, first processed.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Duration;

/// A priority queue of `T` by time, first-in first-out among equal times.
pub(crate) struct Schedule<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

impl<T> Schedule<T> {
    pub(crate) fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    pub(crate) fn push(&mut self, at: Duration, item: T) {
        self.heap.push(Entry {
            at,
            seq: self.next_seq,
            item,
        });
        self.next_seq += 1;
    }

    /// The earliest item and its time, without removing it.
    pub(crate) fn peek(&self) -> Option<(Duration, &T)> {
        self.heap.peek().map(|entry| (entry.at, &entry.item))
    }

    /// Removes and returns the earliest item and its time.
    pub(crate) fn pop(&mut self) -> Option<(Duration, T)> {
        self.heap.pop().map(|entry| (entry.at, entry.item))
    }
}

struct Entry<T> {
    at: Duration,
    seq: u64,
    item: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (Duration, u64) {
        (self.at, self.seq)
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    /// Reversed, so that the max-heap yields the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_fifo_among_equal_times() {
        let mut schedule = Schedule::new();
        let ms = Duration::from_millis;
        for (at, item) in [
            (ms(5), 'a'),
            (ms(1), 'b'),
            (ms(5), 'c'),
            (ms(1), 'd'),
            (ms(3), 'e'),
        ] {
            schedule.push(at, item);
        }
        let order: Vec<char> = std::iter::from_fn(|| schedule.pop().map(|(_, c)| c)).collect();
        assert_eq!(order, ['b', 'd', 'e', 'a', 'c']);
    }
}
