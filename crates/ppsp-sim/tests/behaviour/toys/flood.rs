//! A gossiping node: every tick it sends a datagram of random size to a random known peer, and
//! it learns every peer it hears from, so newcomers after churn get woven in. Its randomness
//! comes from the seed the simulator hands it, as an engine's would.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_sim::{NodeContext, SimNode};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

pub(crate) struct Flood {
    peers: Vec<SocketAddr>,
    rng: ChaCha8Rng,
    tick: Duration,
    next: Instant,
    outbox: VecDeque<(SocketAddr, Bytes)>,
}

impl Flood {
    pub(crate) fn new(context: &NodeContext, peers: &[SocketAddr], tick: Duration) -> Self {
        let peers = peers
            .iter()
            .copied()
            .filter(|&peer| peer != context.addr)
            .collect();
        Self {
            peers,
            rng: ChaCha8Rng::seed_from_u64(context.seed),
            tick,
            next: context.now,
            outbox: VecDeque::new(),
        }
    }
}

impl SimNode for Flood {
    type Event = Infallible;

    fn handle_datagram(&mut self, _now: Instant, from: SocketAddr, _data: Bytes) {
        if !self.peers.contains(&from) {
            self.peers.push(from);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        while self.next <= now {
            self.next += self.tick;
            if self.peers.is_empty() {
                continue;
            }
            let to = self.peers[self.rng.random_range(0..self.peers.len())];
            let mut payload = vec![0; self.rng.random_range(20..1400)];
            self.rng.fill(&mut payload[..]);
            self.outbox.push_back((to, payload.into()));
        }
    }

    fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)> {
        self.outbox.pop_front()
    }

    fn poll_event(&mut self) -> Option<Infallible> {
        None
    }

    fn poll_timeout(&self) -> Option<Instant> {
        Some(self.next)
    }
}
