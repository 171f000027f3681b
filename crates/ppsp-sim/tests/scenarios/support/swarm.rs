//! A swarm in the simulator: one source, downloaders told about the source and a few other
//! peers as a tracker would, runs bounded in virtual time, and the checks every scenario makes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ppsp_core::engine::{Endpoint, EndpointConfig, Event, SwarmConfig};
use ppsp_sim::{NodeContext, NodeId, SimConfig, Simulator};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::IteratorRandom;

use super::content::TestContent;

/// Keeps the contact draws apart from the simulator's own stream of the same seed.
const CONTACT_SALT: u64 = 0x0074_7261_636b_6572;

/// How often a run stops to check whether everyone has finished.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// One swarm on a simulated network.
pub(crate) struct Swarm {
    pub(crate) sim: Simulator<Endpoint>,
    pub(crate) content: Rc<TestContent>,
    /// The configuration every engine of the scenario gets.
    pub(crate) config: EndpointConfig,
    /// The honest seeder, present from start to end.
    pub(crate) source: NodeId,
    /// Every other seeder (a lying one, say), which peers are told about like the source.
    pub(crate) seeders: Vec<NodeId>,
    /// Every downloader ever added, in id order.
    pub(crate) peers: Vec<NodeId>,
    joins: BTreeMap<NodeId, Duration>,
    departures: BTreeMap<NodeId, Duration>,
    /// Draws contacts, so a scenario is a function of its seed.
    rng: ChaCha8Rng,
}

impl Swarm {
    /// A simulation holding only the source, which joins at time zero.
    pub(crate) fn new(sim: SimConfig, content: TestContent, config: EndpointConfig) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(sim.seed ^ CONTACT_SALT);
        let content = Rc::new(content);
        let mut sim = Simulator::new(sim);
        let source = sim.add_node(joiner(&config, content.seed(), Vec::new()));
        Self {
            sim,
            content,
            config,
            source,
            seeders: Vec::new(),
            peers: Vec::new(),
            joins: BTreeMap::new(),
            departures: BTreeMap::new(),
            rng,
        }
    }

    /// Adds a seeder now, built from the content by `swarm` (a lying store, say). Peers added
    /// later are told about it as they are about the source.
    pub(crate) fn add_seeder(&mut self, swarm: impl FnOnce(&TestContent) -> SwarmConfig) -> NodeId {
        let id = self
            .sim
            .add_node(joiner(&self.config, swarm(&self.content), Vec::new()));
        self.seeders.push(id);
        id
    }

    /// Adds a downloader that joins at `at` and connects to every seeder and to `contacts`
    /// peers drawn from those present at `at` (joined by then and not gone).
    pub(crate) fn add_peer_at(&mut self, at: Duration, contacts: usize) -> NodeId {
        let present: Vec<NodeId> = self
            .peers
            .iter()
            .copied()
            .filter(|id| self.joins[id] <= at && self.departures.get(id).is_none_or(|&d| d > at))
            .collect();
        let mut targets: Vec<NodeId> = [self.source]
            .into_iter()
            .chain(self.seeders.iter().copied())
            .collect();
        targets.extend(present.into_iter().sample(&mut self.rng, contacts));
        let addrs = targets.into_iter().map(NodeId::addr).collect();
        let spawn = joiner(&self.config, self.content.download(), addrs);
        let id = self.sim.add_node_at(at, spawn);
        self.joins.insert(id, at);
        self.peers.push(id);
        id
    }

    /// Schedules a downloader to leave at `at`; it is not expected to finish.
    pub(crate) fn remove_peer_at(&mut self, at: Duration, id: NodeId) {
        self.sim.remove_node_at(at, id);
        self.departures.insert(id, at);
    }

    /// The downloaders never scheduled to leave: those that must finish.
    pub(crate) fn stayers(&self) -> Vec<NodeId> {
        self.peers
            .iter()
            .copied()
            .filter(|id| !self.departures.contains_key(id))
            .collect()
    }

    /// When a downloader joined.
    pub(crate) fn joined_at(&self, id: NodeId) -> Duration {
        self.joins[&id]
    }

    /// Whether a live node holds every chunk.
    pub(crate) fn has_everything(&self, id: NodeId) -> bool {
        self.sim.is_alive(id)
            && self
                .sim
                .node(id)
                .swarm_stats(self.content.id())
                .is_some_and(|s| s.chunks_held == self.content.chunk_count())
    }

    /// Runs until every stayer holds everything, for at most `limit` of virtual time, and
    /// returns the virtual time it took.
    ///
    /// # Panics
    ///
    /// When `limit` passes first (naming the laggards), or on a simulator error.
    pub(crate) fn run_until_all_finish(&mut self, limit: Duration) -> Duration {
        let stayers = self.stayers();
        self.drive(limit, |swarm| {
            stayers.iter().all(|&id| swarm.has_everything(id))
        })
    }

    /// Runs in slices of [`CHECK_EVERY`] until `step` (called after each slice, free to give
    /// nodes commands, such as a live source producing chunks) says the run is done, for at
    /// most `limit` of virtual time. Returns the virtual time it took.
    ///
    /// # Panics
    ///
    /// When `limit` passes first, or on a simulator error.
    pub(crate) fn drive(
        &mut self,
        limit: Duration,
        mut step: impl FnMut(&mut Self) -> bool,
    ) -> Duration {
        let slices = limit.as_millis().div_ceil(CHECK_EVERY.as_millis());
        for _ in 0..slices {
            if let Err(error) = self.sim.run_for(CHECK_EVERY) {
                panic!("simulation failed: {error}");
            }
            if step(self) {
                return self.sim.elapsed();
            }
        }
        let laggards: Vec<String> = self
            .stayers()
            .into_iter()
            .filter(|&id| !self.has_everything(id))
            .map(|id| self.progress(id))
            .collect();
        panic!(
            "not done within {limit:?} of virtual time; {}; unfinished: {}",
            self.sim.summary(),
            laggards.join(", ")
        );
    }

    /// A node's progress, for failure messages.
    fn progress(&self, id: NodeId) -> String {
        if !self.sim.is_alive(id) {
            return format!("{id} (not live)");
        }
        match self.sim.node(id).swarm_stats(self.content.id()) {
            Some(s) => format!(
                "{id} ({}/{} chunks, {} peers)",
                s.chunks_held,
                self.content.chunk_count(),
                s.peers
            ),
            None => format!("{id} (not in the swarm)"),
        }
    }

    /// Asserts that a live node's store holds exactly the content, chunk by chunk.
    pub(crate) fn assert_identical(&self, id: NodeId) {
        let store = self
            .sim
            .node(id)
            .store(self.content.id())
            .unwrap_or_else(|| panic!("{id} is not in the swarm"));
        let size = self.content.chunk_size as usize;
        for (index, expected) in (0..).zip(self.content.bytes.chunks(size)) {
            let chunk = store
                .read_chunk(index)
                .unwrap_or_else(|| panic!("{id} lacks chunk {index}"));
            assert!(
                chunk == expected,
                "{id} holds a chunk {index} that differs from the content"
            );
        }
    }

    /// Asserts that every stayer holds exactly the content and reported completion.
    pub(crate) fn assert_everyone_identical(&self) {
        for id in self.stayers() {
            self.assert_identical(id);
            assert!(
                self.completed_at(id).is_some(),
                "{id} holds everything but never reported SwarmComplete"
            );
        }
    }

    /// When a downloader reported `SwarmComplete`, as an offset from the start.
    pub(crate) fn completed_at(&self, id: NodeId) -> Option<Duration> {
        self.sim
            .events(id)
            .iter()
            .find(|e| matches!(e.event, Event::SwarmComplete { .. }))
            .map(|e| e.at)
    }
}

/// Builds a node that joins `swarm` and opens channels to `contacts`.
pub(crate) fn joiner(
    config: &EndpointConfig,
    swarm: SwarmConfig,
    contacts: Vec<SocketAddr>,
) -> impl FnOnce(&NodeContext) -> Endpoint + 'static {
    let config = config.clone();
    move |context| {
        let mut endpoint = context.endpoint(config);
        let id = swarm.metadata.swarm_id.clone();
        endpoint
            .add_swarm(context.now, swarm)
            .unwrap_or_else(|e| panic!("{} cannot join the swarm: {e}", context.id));
        for contact in contacts {
            endpoint
                .connect(context.now, &id, contact)
                .unwrap_or_else(|e| panic!("{} cannot connect to {contact}: {e}", context.id));
        }
        endpoint
    }
}
