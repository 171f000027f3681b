//! A deterministic many-peer simulator: sans-I/O nodes (the `ppsp-core` engine, or anything
//! with the same five verbs) on a virtual clock, connected by a seeded network with latency,
//! jitter, random and bursty loss, reordering, duplication, MTU limits, upload bottlenecks,
//! partitions and churn. Same seed, same trace.
//!
//! # How it works
//!
//! A node implements [`SimNode`]. The [`Simulator`] keeps one queue of everything that can
//! happen (datagram deliveries, node timeouts, joins, leaves, churn rounds) ordered by virtual
//! time and, for equal times, by the order it was scheduled. Each step jumps the clock to the
//! earliest item, hands it to its node, and drains the node (transmits and events until `None`,
//! then its timeout). Transmits go through the [`Network`], which decides from its own seeded
//! generator whether and when each one arrives. No real clock, socket or OS randomness is
//! involved, so a run is a function of its seed and its script.
//!
//! Runs are bounded twice, as quinn's `drive_bounded` is: by virtual time, and by the number of
//! steps per run and per instant, so a livelocked node fails a test with a [`SimError`] and a
//! [`RunSummary`] rather than hanging it.
//!
//! | module | job |
//! | --- | --- |
//! | `node` | the [`SimNode`] trait, [`NodeId`]s and their 198.18.0.0/15 addresses |
//! | `engine` | `ppsp-core`'s `Endpoint` as a [`SimNode`], seeded from [`NodeContext`] |
//! | `sim` | the [`Simulator`]: nodes, event queue, stepping, running, churn scheduling |
//! | `network` | the [`Network`]: per-link configuration and state, upload queues, partitions |
//! | `link` | one link: delay and jitter, reordering, duplication, MTU ([`LinkConfig`]) |
//! | `loss` | random and Gilbert-Elliott loss ([`LossModel`]) |
//! | `queue` | upload rate limit with a drop-tail queue ([`RateLimit`]) |
//! | `churn` | scripted churn ([`Churn`]) |
//! | `stats`, `trace` | counters by drop cause ([`Stats`]); the trace and its digest |
//! | `schedule`, `time` | the (time, sequence) queue; the virtual clock |
//!
//! # Example
//!
//! A node that answers every datagram, and one that sends it a greeting:
//!
//! ```
//! use std::net::SocketAddr;
//! use std::time::{Duration, Instant};
//!
//! use bytes::Bytes;
//! use ppsp_sim::{LinkConfig, SimConfig, SimNode, Simulator};
//!
//! #[derive(Default)]
//! struct Echo {
//!     outbox: Vec<(SocketAddr, Bytes)>,
//!     heard: Vec<Bytes>,
//! }
//!
//! impl SimNode for Echo {
//!     type Event = Bytes;
//!     fn handle_datagram(&mut self, _now: Instant, from: SocketAddr, data: Bytes) {
//!         if data.starts_with(b"hello") {
//!             self.outbox.push((from, Bytes::from_static(b"welcome")));
//!         }
//!         self.heard.push(data);
//!     }
//!     fn handle_timeout(&mut self, _now: Instant) {}
//!     fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)> {
//!         self.outbox.pop()
//!     }
//!     fn poll_event(&mut self) -> Option<Bytes> {
//!         self.heard.pop()
//!     }
//!     fn poll_timeout(&self) -> Option<Instant> {
//!         None
//!     }
//! }
//!
//! // 40 ms each way; add `loss: LossModel::random(0.05)`, jitter or reordering to taste.
//! let link = LinkConfig { latency: Duration::from_millis(40), ..LinkConfig::default() };
//! let mut sim = Simulator::new(SimConfig { link, ..SimConfig::new(7) });
//! let server = sim.add_node(|_| Echo::default());
//! let client = sim.add_node(|_| Echo {
//!     outbox: vec![(server.addr(), Bytes::from_static(b"hello"))],
//!     ..Echo::default()
//! });
//! sim.run_until_condition(|sim| !sim.events(client).is_empty(), Duration::from_secs(1))?;
//! assert_eq!(sim.events(client)[0].at, Duration::from_millis(80));
//! # Ok::<(), ppsp_sim::SimError>(())
//! ```
#![forbid(unsafe_code)]

mod churn;
mod config;
mod engine;
mod error;
mod link;
mod live_swarm;
mod loss;
mod network;
mod node;
mod queue;
mod schedule;
mod sim;
mod stats;
mod time;
mod trace;

pub use churn::Churn;
pub use config::SimConfig;
pub use error::{RunSummary, SimError};
pub use link::{DEFAULT_MTU, LinkConfig, Reorder};
pub use live_swarm::{LiveStream, live_joiner};
pub use loss::LossModel;
pub use network::Network;
pub use node::{NodeContext, NodeId, SIM_PORT, SimNode, TimedEvent};
pub use queue::RateLimit;
pub use sim::Simulator;
pub use stats::{Counter, DropCause, Drops, Stats};
pub use trace::{Record, TraceEntry};
