//! The PPSP tracker (RFC 7846, "PPSP-TP/1.0", in JSON and the project's XML form).
//!
//! Layers, each usable alone:
//! - [`registry`]: the rules, pure (time and randomness are arguments): the per-peer state
//!   machine and CONNECT validity table, error codes, peer selection, reflexive addresses;
//! - [`store`]: persistence behind the [`Store`] trait: [`MemoryStore`] (default) and, with the
//!   `redis` feature, [`RedisStore`](store::RedisStore) for several trackers sharing swarms;
//! - [`Tracker`]: a request in, a response out, over any store;
//! - `server` (feature `server`): HTTP(S) with axum and rustls: `POST /` for the protocol,
//!   `GET /` statistics, `GET /metrics` Prometheus text;
//! - `client` (feature `client`): the tracker client peers use;
//! - [`replay`]: arbitrary request sequences with the registry's invariants checked (fuzzing).
//!
//! Codecs come from `ppsp_wire::tracker`; this crate never parses bodies itself.
#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod registry;
pub mod replay;
#[cfg(feature = "server")]
mod server;
mod service;
pub mod store;
mod time;

pub use config::{Config, RegistryConfig, ServerConfig};
#[cfg(feature = "server")]
pub use server::{Server, ServerHandle, run};
pub use service::{Tracker, refused};
pub use store::{MemoryStore, Store};
pub use time::Timestamp;
