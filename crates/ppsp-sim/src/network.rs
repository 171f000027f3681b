//! The network between the nodes: which link each pair uses, the senders' upload queues and
//! the partitions, and the fate of every datagram handed to it.
//!
//! A datagram meets the impairments in the order a real path applies them: the MTU at the
//! sender, then the sender's upload queue, then (once it is on the wire) a partition, the loss
//! model, and the link delay, possibly with a held-back or duplicated copy. The network owns its
//! random generator, so choices the simulator makes elsewhere (node seeds, churn) do not shift
//! the network's randomness.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::ChaCha8Rng;

use crate::link::{LinkConfig, LinkState};
use crate::node::NodeId;
use crate::queue::{RateLimit, Uplink};
use crate::stats::DropCause;

/// The simulated network: per-link impairments, upload limits and partitions.
#[derive(Debug)]
pub struct Network {
    default_link: LinkConfig,
    links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    link_states: BTreeMap<(NodeId, NodeId), LinkState>,
    default_upload: Option<RateLimit>,
    /// Uplinks of nodes that have sent or were configured; `None` means unlimited.
    uplinks: BTreeMap<NodeId, Option<Uplink>>,
    partitions: Vec<Partition>,
    rng: ChaCha8Rng,
}

/// When a datagram handed to the network arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arrivals {
    /// The datagram itself.
    pub(crate) first: Duration,
    /// A duplicate made by the link, if any.
    pub(crate) duplicate: Option<Duration>,
}

/// Two nodes that cannot reach each other, in either direction, for a while.
#[derive(Debug, Clone, Copy)]
struct Partition {
    a: NodeId,
    b: NodeId,
    from: Duration,
    until: Duration,
}

impl Network {
    pub(crate) fn new(link: LinkConfig, upload: Option<RateLimit>, rng: ChaCha8Rng) -> Self {
        link.validate();
        if let Some(limit) = &upload {
            limit.validate();
        }
        Self {
            default_link: link,
            links: BTreeMap::new(),
            link_states: BTreeMap::new(),
            default_upload: upload,
            uplinks: BTreeMap::new(),
            partitions: Vec::new(),
            rng,
        }
    }

    /// The configuration of the directed link from `from` to `to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        self.links.get(&(from, to)).unwrap_or(&self.default_link)
    }

    /// Replaces the configuration of every link without its own.
    ///
    /// # Panics
    ///
    /// When a probability in `config` is outside `[0, 1]`.
    pub fn set_default_link(&mut self, config: LinkConfig) {
        config.validate();
        self.default_link = config;
    }

    /// Gives the directed link from `from` to `to` its own configuration (call it twice, with
    /// the nodes swapped, for an asymmetric or a symmetric pair). The link keeps its loss state
    /// and order.
    ///
    /// # Panics
    ///
    /// When a probability in `config` is outside `[0, 1]`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, config: LinkConfig) {
        config.validate();
        self.links.insert((from, to), config);
    }

    /// Limits a node's upload rate from now on (`None` lifts the limit), with an empty queue.
    ///
    /// # Panics
    ///
    /// When the rate is zero.
    pub fn set_upload_limit(&mut self, node: NodeId, limit: Option<RateLimit>) {
        if let Some(limit) = &limit {
            limit.validate();
        }
        self.uplinks.insert(node, limit.map(Uplink::new));
    }

    /// Blocks all datagrams between `a` and `b`, both ways, sent from `from` until (not
    /// including) `until`, offsets from the start of the simulation. Datagrams already in
    /// flight when the partition starts still arrive. A datagram waiting in the sender's upload
    /// queue is judged when it leaves the queue.
    ///
    /// # Panics
    ///
    /// When `until` is before `from`.
    pub fn partition(&mut self, a: NodeId, b: NodeId, from: Duration, until: Duration) {
        assert!(from <= until, "a partition must end after it starts");
        self.partitions.push(Partition { a, b, from, until });
    }

    /// Whether `a` and `b` are partitioned at offset `at`.
    pub fn is_partitioned(&self, a: NodeId, b: NodeId, at: Duration) -> bool {
        self.partitions.iter().any(|p| {
            ((p.a, p.b) == (a, b) || (p.a, p.b) == (b, a)) && (p.from..p.until).contains(&at)
        })
    }

    /// Decides the fate of a datagram of `len` bytes that `from` sends to `to` at `now`.
    pub(crate) fn send(
        &mut self,
        now: Duration,
        from: NodeId,
        to: NodeId,
        len: usize,
    ) -> Result<Arrivals, DropCause> {
        let config = self.links.get(&(from, to)).unwrap_or(&self.default_link);
        if len > config.mtu {
            return Err(DropCause::Mtu);
        }
        let default_upload = self.default_upload;
        let uplink = self
            .uplinks
            .entry(from)
            .or_insert_with(|| default_upload.map(Uplink::new));
        let departure = match uplink {
            Some(uplink) => uplink.enqueue(now, len).ok_or(DropCause::Queue)?,
            None => now,
        };
        if self.is_partitioned(from, to, departure) {
            return Err(DropCause::Partition);
        }
        let state = self.link_states.entry((from, to)).or_default();
        let first = state
            .carry(config, &mut self.rng, departure)
            .ok_or(DropCause::Loss)?;
        let duplicate = state.duplicate(config, &mut self.rng, departure);
        Ok(Arrivals { first, duplicate })
    }
}
