//! The simulator: nodes on a virtual clock, exchanging datagrams through the [`Network`].
//!
//! This is quinn's `Pair::step` and str0m's `progress` generalised to many nodes. One queue
//! holds everything that can happen (deliveries, node timeouts, joins, leaves, churn rounds),
//! ordered by virtual time and then by the order it was scheduled in; each step jumps the clock
//! to the earliest item and processes it, then drains the node it touched. Nothing else reads
//! time or randomness, so a seed determines the run.
//!
//! This file holds the state and the membership of nodes; `run` steps and bounds runs;
//! `traffic` drains nodes and moves datagrams.

mod run;
mod traffic;

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::mem;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

use crate::churn::Churn;
use crate::config::SimConfig;
use crate::error::RunSummary;
use crate::network::Network;
use crate::node::{NodeContext, NodeId, SimNode, TimedEvent};
use crate::schedule::Schedule;
use crate::stats::Stats;
use crate::time::Clock;
use crate::trace::{Record, Trace, TraceEntry};

/// A deterministic simulation of many `N` nodes.
pub struct Simulator<N: SimNode> {
    clock: Clock,
    /// Node seeds and churn choices; the network has its own generator.
    rng: ChaCha8Rng,
    network: Network,
    schedule: Schedule<Action<N>>,
    /// Indexed by [`NodeId::index`]; slots are never removed, so ids stay valid.
    slots: Vec<Slot<N>>,
    /// Nodes borrowed mutably or created since the last drain, drained before the next step.
    dirty: BTreeSet<NodeId>,
    churns: Vec<ChurnScript<N>>,
    stats: Stats,
    trace: Trace,
    in_flight: usize,
    steps: u64,
    strict_mtu: bool,
    max_steps: u64,
    max_steps_per_instant: u64,
    /// Reused buffer for a node's transmits, so draining does not allocate.
    outbox: Vec<(SocketAddr, Bytes)>,
}

/// Builds a node when it joins.
type Spawn<N> = Box<dyn FnOnce(&NodeContext) -> N>;

/// Something scheduled to happen.
enum Action<N> {
    Deliver {
        from: NodeId,
        to: NodeId,
        data: Bytes,
    },
    /// Valid only while it matches the node's current timer (see [`Simulator::next_due`]).
    Timeout(NodeId),
    Join(NodeId, Spawn<N>),
    /// A newcomer of a churn script, built by the script's factory.
    ChurnJoin(NodeId, usize),
    Leave(NodeId),
    ChurnRound(usize),
}

struct ChurnScript<N> {
    churn: Churn,
    spawn: Rc<dyn Fn(&NodeContext) -> N>,
}

/// Everything the simulator keeps about one node, before, during and after its life.
struct Slot<N: SimNode> {
    life: Life<N>,
    /// A leave is scheduled, so churn does not pick the node again.
    leaving: bool,
    /// The node's current timeout; queue entries that do not match it are stale.
    timer: Option<Duration>,
    events: Vec<TimedEvent<N::Event>>,
    stats: Stats,
}

enum Life<N> {
    /// Scheduled to join.
    Pending,
    Live(N),
    /// Left, or removed before it joined. The node itself is dropped; its events and statistics
    /// stay.
    Gone,
}

impl<N: SimNode> Simulator<N> {
    /// An empty simulation at virtual time zero.
    ///
    /// # Panics
    ///
    /// When the configuration has a probability outside `[0, 1]` or a zero upload rate.
    pub fn new(config: SimConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let network = Network::new(config.link, config.upload_limit, rng.fork());
        Self {
            clock: Clock::new(),
            rng,
            network,
            schedule: Schedule::new(),
            slots: Vec::new(),
            dirty: BTreeSet::new(),
            churns: Vec::new(),
            stats: Stats::default(),
            trace: Trace::new(config.record_trace),
            in_flight: 0,
            steps: 0,
            strict_mtu: config.strict_mtu,
            max_steps: config.max_steps,
            max_steps_per_instant: config.max_steps_per_instant,
            outbox: Vec::new(),
        }
    }

    /// Creates a node now. It is drained (its first transmits sent) at the next step.
    pub fn add_node(&mut self, spawn: impl FnOnce(&NodeContext) -> N) -> NodeId {
        let id = self.reserve();
        self.join(id, spawn);
        self.dirty.insert(id);
        id
    }

    /// Schedules a node to join at offset `at` (now, if `at` has passed). Its id and address
    /// are known at once, so other nodes can be told about it in advance.
    pub fn add_node_at(
        &mut self,
        at: Duration,
        spawn: impl FnOnce(&NodeContext) -> N + 'static,
    ) -> NodeId {
        let id = self.reserve();
        self.schedule
            .push(at.max(self.elapsed()), Action::Join(id, Box::new(spawn)));
        id
    }

    /// Removes a node now: it is dropped, its timer cancelled, and datagrams in flight to or
    /// from it are dropped on arrival. A node that has not joined yet never will.
    pub fn remove_node(&mut self, id: NodeId) {
        let slot = self.slot_mut(id);
        slot.timer = None;
        if let Life::Live(_) = mem::replace(&mut slot.life, Life::Gone) {
            self.trace.record(self.clock.elapsed(), Record::Left(id));
        }
        self.dirty.remove(&id);
    }

    /// Schedules a node to leave at offset `at` (now, if `at` has passed).
    pub fn remove_node_at(&mut self, at: Duration, id: NodeId) {
        self.slot_mut(id).leaving = true;
        self.schedule
            .push(at.max(self.elapsed()), Action::Leave(id));
    }

    /// Starts a churn script; `spawn` builds each newcomer.
    ///
    /// # Panics
    ///
    /// When the fraction is not in `[0, 1]` or the period is zero.
    pub fn add_churn(&mut self, churn: Churn, spawn: impl Fn(&NodeContext) -> N + 'static) {
        churn.validate();
        let first = churn.start.max(self.elapsed());
        if churn.runs_at(first) {
            self.schedule
                .push(first, Action::ChurnRound(self.churns.len()));
        }
        self.churns.push(ChurnScript {
            churn,
            spawn: Rc::new(spawn),
        });
    }

    /// A live node.
    ///
    /// # Panics
    ///
    /// When the node has not joined yet or has left.
    pub fn node(&self, id: NodeId) -> &N {
        match &self.slot(id).life {
            Life::Live(node) => node,
            Life::Pending => panic!("{id} has not joined yet"),
            Life::Gone => panic!("{id} has left"),
        }
    }

    /// A live node, to give it commands. The simulator drains it before the next step, so
    /// whatever the commands make it send goes out at the current virtual time.
    ///
    /// # Panics
    ///
    /// When the node has not joined yet or has left.
    pub fn node_mut(&mut self, id: NodeId) -> &mut N {
        self.dirty.insert(id);
        match &mut self.slot_mut(id).life {
            Life::Live(node) => node,
            Life::Pending => panic!("{id} has not joined yet"),
            Life::Gone => panic!("{id} has left"),
        }
    }

    /// Whether a node has joined and not left.
    pub fn is_alive(&self, id: NodeId) -> bool {
        matches!(self.slot(id).life, Life::Live(_))
    }

    /// Every node added or scheduled so far, live or not, in id order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + use<N> {
        (0..self.slots.len()).map(NodeId::from_index)
    }

    /// The live nodes, in id order.
    pub fn live_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.node_ids().filter(|&id| self.is_alive(id))
    }

    /// The events a node has reported, oldest first (kept after it leaves).
    pub fn events(&self, id: NodeId) -> &[TimedEvent<N::Event>] {
        &self.slot(id).events
    }

    /// Takes the events a node has reported so far.
    pub fn take_events(&mut self, id: NodeId) -> Vec<TimedEvent<N::Event>> {
        mem::take(&mut self.slot_mut(id).events)
    }

    /// Traffic totals.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// One node's traffic (see [`Stats`] for what is counted where).
    pub fn node_stats(&self, id: NodeId) -> &Stats {
        &self.slot(id).stats
    }

    /// The digest of the trace so far: equal seeds and equal scripts give equal digests.
    pub fn trace_digest(&self) -> u64 {
        self.trace.digest()
    }

    /// The trace entries so far; empty unless [`SimConfig::record_trace`] is set.
    pub fn trace(&self) -> &[TraceEntry] {
        self.trace.entries()
    }

    /// The network, to inspect its links.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The network, to change links, upload limits and partitions as the run goes.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// The instant that virtual time zero stands for.
    pub fn start(&self) -> Instant {
        self.clock.start()
    }

    /// The current virtual instant.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.clock.elapsed()
    }

    /// Steps taken since the start.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Datagrams scheduled for delivery.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Where the simulation stands.
    pub fn summary(&self) -> RunSummary {
        let busiest_sender = self
            .slots
            .iter()
            .enumerate()
            .map(|(index, slot)| (NodeId::from_index(index), slot.stats.sent.datagrams))
            .filter(|&(_, sent)| sent > 0)
            .max_by_key(|&(id, sent)| (sent, Reverse(id)));
        RunSummary {
            elapsed: self.elapsed(),
            steps: self.steps,
            live_nodes: self.live_nodes().count(),
            in_flight: self.in_flight,
            busiest_sender,
            stats: self.stats,
        }
    }

    fn reserve(&mut self) -> NodeId {
        let id = NodeId::from_index(self.slots.len());
        self.slots.push(Slot {
            life: Life::Pending,
            leaving: false,
            timer: None,
            events: Vec::new(),
            stats: Stats::default(),
        });
        id
    }

    /// Builds a reserved node, unless it was removed before it could join.
    fn join(&mut self, id: NodeId, spawn: impl FnOnce(&NodeContext) -> N) -> bool {
        let slot = &mut self.slots[id.index()];
        if !matches!(slot.life, Life::Pending) {
            return false;
        }
        let context = NodeContext {
            id,
            addr: id.addr(),
            now: self.clock.now(),
            seed: self.rng.next_u64(),
        };
        slot.life = Life::Live(spawn(&context));
        self.trace.record(self.clock.elapsed(), Record::Joined(id));
        true
    }

    /// Draws a churn round and schedules its leaves, its joins and the next round.
    fn churn_round(&mut self, script: usize) {
        let now = self.elapsed();
        let churn = &self.churns[script].churn;
        let eligible: Vec<NodeId> = self
            .live_nodes()
            .filter(|id| !self.slots[id.index()].leaving && !churn.protected.contains(id))
            .collect();
        let round = churn.plan_round(now, &eligible, &mut self.rng);
        let next = now + churn.period;
        let again = churn.runs_at(next);
        for (at, id) in round.leaves {
            self.remove_node_at(at, id);
        }
        for at in round.joins {
            let id = self.reserve();
            self.schedule.push(at, Action::ChurnJoin(id, script));
        }
        if again {
            self.schedule.push(next, Action::ChurnRound(script));
        }
    }

    fn slot(&self, id: NodeId) -> &Slot<N> {
        self.slots
            .get(id.index())
            .unwrap_or_else(|| panic!("{id} is not a node of this simulator"))
    }

    fn slot_mut(&mut self, id: NodeId) -> &mut Slot<N> {
        self.slots
            .get_mut(id.index())
            .unwrap_or_else(|| panic!("{id} is not a node of this simulator"))
    }
}
