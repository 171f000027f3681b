//! The tracker's rules, without I/O, clock or global randomness (aquatic style: the swarm
//! logic knows nothing about sockets). Every function takes the time as a [`Timestamp`] and
//! randomness as an `Rng`, so tests run them on a fake clock and a seeded generator.
//!
//! - [`plan_connect`], [`plan_find`], [`plan_stat_report`]: RFC 7846 section 2.5's per-peer
//!   state machine (START → TRACKING → TERMINATE) and Table 6, as a [`Plan`] of what to write
//!   and answer, or a [`Refusal`] with the error code.
//! - [`select_peers`]: peer lists that help the swarm.
//! - [`address`]: the reflexive address and the address other peers are given.
//!
//! Timers: RFC 7846 names an init timer and a track timer and gives no values. Registration
//! and the first swarm actions happen in one CONNECT here, so PEER REGISTERED never outlives a
//! request and the init timer has nothing to time; the track timer
//! ([`RegistryConfig::track_timer`](crate::config::RegistryConfig::track_timer), 120 s) is
//! reset by every valid request, and a peer whose timer ran out is treated as unregistered at
//! once, before a sweep removes it.
//!
//! [`Timestamp`]: crate::Timestamp

pub mod address;
mod connect;
mod find;
mod plan;
mod record;
mod select;

pub use connect::plan_connect;
pub use find::{plan_find, plan_stat_report};
pub use plan::{Plan, Refusal, SwarmAnswer, fresh_since};
pub use record::{Membership, PeerCard, PeerProfile, PeerRecord};
pub use select::{select_peers, similarity};
