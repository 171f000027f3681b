//! What the simulator drives: any sans-I/O state machine with the engine's five verbs, and the
//! identities and addresses it gives each one.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// A sans-I/O node the simulator can drive: the five verbs of `ppsp_core`'s engine.
///
/// The simulator keeps the drain contract for it: after every `handle_*` call (and after a node
/// is created or borrowed mutably) it drains [`poll_transmit`](Self::poll_transmit) and
/// [`poll_event`](Self::poll_event) until they return `None`, then reads
/// [`poll_timeout`](Self::poll_timeout). Time only ever reaches a node through `now`.
pub trait SimNode {
    /// What the node reports to the application (the simulator stores it with a timestamp).
    type Event;

    /// A datagram arrived from `from`.
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: Bytes);

    /// The timeout last returned by [`poll_timeout`](Self::poll_timeout) expired.
    fn handle_timeout(&mut self, now: Instant);

    /// The next datagram to send, as destination and contents.
    fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)>;

    /// The next event for the application.
    fn poll_event(&mut self) -> Option<Self::Event>;

    /// When the node next wants [`handle_timeout`](Self::handle_timeout), if ever.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// The UDP port of every simulated node (the datagrams never touch a socket).
pub const SIM_PORT: u16 = 6778;

/// First address of 198.18.0.0/15, the block RFC 2544 reserves for benchmarking: a simulated
/// address can never be mistaken for a real peer.
const BASE: u32 = Ipv4Addr::new(198, 18, 0, 0).to_bits();

/// Host numbers available in the /15 without its first and last address.
const MAX_NODES: u32 = (1 << 17) - 2;

/// A node of the simulation. Ids are never reused: a node that rejoins after churn is a new
/// node with a new address, as a restarted peer would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The id a simulator gives the node it creates `index`-th (ids count up from zero in
    /// creation order), for scripting a topology before the nodes exist.
    ///
    /// # Panics
    ///
    /// When `index` is beyond the address block (131,070 nodes).
    pub fn from_index(index: usize) -> Self {
        match u32::try_from(index) {
            Ok(index) if index < MAX_NODES => Self(index),
            _ => panic!("the simulated address block holds at most {MAX_NODES} nodes"),
        }
    }

    /// Position in creation order, starting at zero.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The node's address: 198.18.0.1 for the first node, counting up, port [`SIM_PORT`].
    pub fn addr(self) -> SocketAddr {
        SocketAddrV4::new(Ipv4Addr::from_bits(BASE + self.0 + 1), SIM_PORT).into()
    }

    /// The node an address belongs to, if it is a simulated address at all.
    pub fn from_addr(addr: SocketAddr) -> Option<Self> {
        let SocketAddr::V4(v4) = addr else {
            return None;
        };
        let host = v4.ip().to_bits().checked_sub(BASE + 1)?;
        (v4.port() == SIM_PORT && host < MAX_NODES).then_some(Self(host))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// What a node factory learns about the node it creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeContext {
    /// The node's id.
    pub id: NodeId,
    /// The node's address (`id.addr()`), the `from` its peers will see.
    pub addr: SocketAddr,
    /// The virtual instant the node joins.
    pub now: Instant,
    /// A seed drawn from the simulator's generator, for the node's own randomness, so that a
    /// whole run follows from the simulator seed.
    pub seed: u64,
}

/// An event a node reported, with the virtual time it was reported at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent<E> {
    /// Virtual time since the start of the simulation.
    pub at: Duration,
    /// The event.
    pub event: E,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_inside_the_benchmarking_block() {
        let first = NodeId::from_index(0);
        assert_eq!(first.addr(), "198.18.0.1:6778".parse().unwrap());
        let last = NodeId::from_index(MAX_NODES as usize - 1);
        assert_eq!(last.addr(), "198.19.255.254:6778".parse().unwrap());
        for id in [
            first,
            NodeId::from_index(255),
            NodeId::from_index(256),
            last,
        ] {
            assert_eq!(NodeId::from_addr(id.addr()), Some(id));
        }
    }

    #[test]
    fn foreign_addresses_belong_to_no_node() {
        for addr in [
            "198.18.0.0:6778",
            "198.19.255.255:6778",
            "198.18.0.1:1",
            "127.0.0.1:6778",
        ] {
            assert_eq!(NodeId::from_addr(addr.parse().unwrap()), None, "{addr}");
        }
        assert_eq!(NodeId::from_addr("[::1]:6778".parse().unwrap()), None);
    }
}
