//! The PPSP node runtime: drives the sans-I/O engine of `ppsp-core` with real sockets, files
//! and clocks (tokio), and hosts the XML signalling server, the HTTP data transport and the
//! player-facing stream endpoint.
//!
//! * [`storage`]: where chunks live on disk — seeding a file in place, downloading into a
//!   file that survives crashes, and the bounded buffer of a live stream.
//! * [`signalling`]: the XML peer protocol over HTTP (server, client, PULL and Hybrid flows)
//!   and the `http` chunk transport.
//! * [`node`]: the UDP node — one socket, many swarms — driving the PPSPP engine.
//! * [`metrics`]: the node's counters as Prometheus text, for `GET /metrics`.
//! * [`tracking`]: keeping a node's swarm registered with a tracker (RFC 7846).
#![forbid(unsafe_code)]

pub mod metrics;
pub mod node;
pub mod signalling;
pub mod storage;
pub mod tracking;
