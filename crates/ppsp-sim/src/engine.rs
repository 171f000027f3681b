//! The real engine as a simulated node: `ppsp-core`'s [`Endpoint`] already has the five verbs,
//! so it is a [`SimNode`] as it stands, and scenarios test the code peers actually run.
//!
//! An endpoint built with [`NodeContext::endpoint`] takes its randomness from the node's seed,
//! which the simulator draws from its own, so a whole run (channel IDs, tie-breaks, optimistic
//! unchokes, network impairments) follows from the simulator seed.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use ppsp_core::engine::{Endpoint, EndpointConfig, Event};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

use crate::node::{NodeContext, SimNode};

impl SimNode for Endpoint {
    type Event = Event;

    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        Self::handle_datagram(self, now, from, data);
    }

    fn handle_timeout(&mut self, now: Instant) {
        Self::handle_timeout(self, now);
    }

    fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)> {
        Self::poll_transmit(self).map(|t| (t.destination, t.contents))
    }

    fn poll_event(&mut self) -> Option<Event> {
        Self::poll_event(self)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        Self::poll_timeout(self)
    }
}

impl NodeContext {
    /// The 32-byte engine seed of this node, expanded from [`NodeContext::seed`] with ChaCha8
    /// (whose output is specified), so it is the same on every platform and release.
    pub fn engine_seed(&self) -> [u8; 32] {
        let mut seed = [0; 32];
        ChaCha8Rng::seed_from_u64(self.seed).fill_bytes(&mut seed);
        seed
    }

    /// An engine for this node, seeded from the node's seed and started at its join instant.
    pub fn endpoint(&self, config: EndpointConfig) -> Endpoint {
        Endpoint::new(config, self.engine_seed(), self.now)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::node::NodeId;

    fn context(seed: u64) -> NodeContext {
        let id = NodeId::from_index(0);
        NodeContext {
            id,
            addr: id.addr(),
            now: Instant::now(),
            seed,
        }
    }

    #[test]
    fn engine_seeds_follow_the_node_seed() {
        assert_eq!(context(7).engine_seed(), context(7).engine_seed());
        assert_ne!(context(7).engine_seed(), context(8).engine_seed());
    }

    #[test]
    fn an_idle_endpoint_sends_nothing_and_wants_no_timer() {
        let mut endpoint = context(1).endpoint(EndpointConfig::default());
        assert_eq!(SimNode::poll_transmit(&mut endpoint), None);
        assert_eq!(SimNode::poll_event(&mut endpoint), None);
        assert_eq!(SimNode::poll_timeout(&endpoint), None);
    }
}
