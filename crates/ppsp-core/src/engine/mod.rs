//! The PPSPP peer engine (RFC 7574), sans I/O.
//!
//! An [`Endpoint`] is everything one UDP socket does: it holds swarms ([`SwarmConfig`]) and
//! channels to peers in them, runs the three-way handshake, exchanges HAVE, REQUEST, DATA,
//! INTEGRITY, ACK, CANCEL, CHOKE, UNCHOKE and PEX messages, verifies every chunk against the
//! swarm's Merkle root before storing or forwarding it, picks chunks (rarest first, or a
//! playhead window for streaming), chokes by reciprocity, and paces uploads with LEDBAT.
//!
//! It performs no I/O and never reads the clock or the OS random source: time comes in as
//! `now` arguments and randomness from the seed given to [`Endpoint::new`], so a run is a
//! pure function of its inputs (the simulator relies on it).
//!
//! # Driving an endpoint
//!
//! Five verbs, as in quinn-proto:
//!
//! * inputs: [`Endpoint::handle_datagram`] for each UDP datagram received,
//!   [`Endpoint::handle_timeout`] when the timer fires, and the commands
//!   ([`Endpoint::add_swarm`], [`Endpoint::connect`], [`Endpoint::set_playhead`],
//!   [`Endpoint::remove_swarm`], ...);
//! * outputs: [`Endpoint::poll_transmit`] (datagrams to send), [`Endpoint::poll_event`]
//!   (what happened), [`Endpoint::poll_timeout`] (when to call `handle_timeout` next).
//!
//! **The drain contract.** After every input or command, call `poll_transmit` and
//! `poll_event` until they return `None`, then read `poll_timeout` and arm a timer for it
//! (replacing the previous one). Outputs are only produced by inputs, so once drained the
//! endpoint needs nothing until the next datagram, command or that instant. Calling
//! `handle_timeout` early, or more often than asked, is harmless.
//!
//! ```
//! # use std::time::Instant;
//! # use ppsp_core::engine::{Endpoint, EndpointConfig};
//! let now = Instant::now();
//! let mut endpoint = Endpoint::new(EndpointConfig::default(), [7; 32], now);
//! // ... add_swarm / connect / handle_datagram(now, from, bytes) ...
//! while let Some(transmit) = endpoint.poll_transmit() {
//!     // socket.send_to(&transmit.contents, transmit.destination)
//!     # let _ = transmit;
//! }
//! while let Some(event) = endpoint.poll_event() {
//!     // react
//!     # let _ = event;
//! }
//! let _wake_at = endpoint.poll_timeout();
//! ```
//!
//! # What is implemented
//!
//! Static content (content integrity method 1, any hash function, any chunk addressing
//! method, fixed chunk size, known or auto-detected length). Live streams (Unified Merkle
//! Tree, Sign All) are refused by [`Endpoint::add_swarm`]; content integrity is behind a
//! small internal trait so that they can be added without touching the channel logic.
//!
//! # Layout
//!
//! `endpoint` routes datagrams by channel ID and handles datagram 1; `swarm` dispatches the
//! messages of one swarm; `channel` is the per-peer state and its liveness timers;
//! `handshake` builds and checks options; `fetch` and `serve` are the download and upload
//! halves; `picker` chooses chunks, `choker` upload slots, `pex` peer exchange;
//! `congestion` wraps LEDBAT and `rtt` times requests; `specs` converts chunk
//! specifications; `transmit` packs messages into datagrams; `content` is the integrity
//! trait.

mod channel;
mod choker;
mod config;
mod congestion;
mod content;
mod endpoint;
mod event;
mod fetch;
mod handshake;
mod pex;
mod picker;
mod rtt;
mod serve;
mod specs;
mod store;
mod swarm;
mod transmit;

#[cfg(test)]
mod tests;

pub use config::{EndpointConfig, SwarmConfig, SwarmContent};
pub use endpoint::Endpoint;
pub use event::{BanReason, CloseReason, EndpointStats, EngineError, Event, SwarmStats, Transmit};
pub use store::{ChunkStore, MemoryStore, StoreError};
