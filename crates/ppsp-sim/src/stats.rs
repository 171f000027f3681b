//! Datagram and byte counters, in total and per node, with drops split by cause so a test can
//! tell "the network lost it" from "the engine sent something it should not have".

use std::fmt;

/// Why the simulator dropped a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropCause {
    /// The link's loss model lost it.
    Loss,
    /// It was larger than the link MTU.
    Mtu,
    /// The sender's upload queue was full.
    Queue,
    /// The two nodes were partitioned when it was sent.
    Partition,
    /// The destination is not a live node (never was, not yet, or no longer), or the sender
    /// left while it was in flight.
    DeadNode,
}

impl fmt::Display for DropCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Loss => "loss",
            Self::Mtu => "mtu",
            Self::Queue => "queue",
            Self::Partition => "partition",
            Self::DeadNode => "dead node",
        })
    }
}

/// A count of datagrams and of their bytes (UDP payload).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter {
    /// Datagrams.
    pub datagrams: u64,
    /// Payload bytes.
    pub bytes: u64,
}

impl Counter {
    pub(crate) fn add(&mut self, len: usize) {
        self.datagrams += 1;
        self.bytes += len as u64;
    }
}

impl std::ops::Add for Counter {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            datagrams: self.datagrams + other.datagrams,
            bytes: self.bytes + other.bytes,
        }
    }
}

impl fmt::Display for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} B)", self.datagrams, self.bytes)
    }
}

/// Dropped datagrams by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drops {
    /// Lost by the link.
    pub loss: Counter,
    /// Over the MTU.
    pub mtu: Counter,
    /// Tail-dropped by a full upload queue.
    pub queue: Counter,
    /// Blocked by a partition.
    pub partition: Counter,
    /// To or from a node that is not live.
    pub dead_node: Counter,
}

impl Drops {
    /// The counter for one cause.
    pub fn get(&self, cause: DropCause) -> Counter {
        match cause {
            DropCause::Loss => self.loss,
            DropCause::Mtu => self.mtu,
            DropCause::Queue => self.queue,
            DropCause::Partition => self.partition,
            DropCause::DeadNode => self.dead_node,
        }
    }

    /// All drops together.
    pub fn total(&self) -> Counter {
        self.loss + self.mtu + self.queue + self.partition + self.dead_node
    }

    pub(crate) fn add(&mut self, cause: DropCause, len: usize) {
        match cause {
            DropCause::Loss => &mut self.loss,
            DropCause::Mtu => &mut self.mtu,
            DropCause::Queue => &mut self.queue,
            DropCause::Partition => &mut self.partition,
            DropCause::DeadNode => &mut self.dead_node,
        }
        .add(len);
    }
}

/// Traffic counters.
///
/// For the whole simulation, every datagram sent or duplicated is eventually delivered or
/// dropped: `sent + duplicated = delivered + dropped.total() + in flight`. For one node,
/// `sent`, `duplicated` and `dropped` count the datagrams it sent, and `delivered` the ones it
/// received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Handed to the network by a node.
    pub sent: Counter,
    /// Extra copies made by the network.
    pub duplicated: Counter,
    /// Handed to a node.
    pub delivered: Counter,
    /// Dropped, by cause.
    pub dropped: Drops,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.dropped;
        write!(
            f,
            "sent {}, duplicated {}, delivered {}, dropped {} (loss {}, mtu {}, queue {}, \
             partition {}, dead node {})",
            self.sent,
            self.duplicated,
            self.delivered,
            d.total(),
            d.loss.datagrams,
            d.mtu.datagrams,
            d.queue.datagrams,
            d.partition.datagrams,
            d.dead_node.datagrams,
        )
    }
}
