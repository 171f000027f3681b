//! The PPSP node runtime: drives the sans-I/O engine of `ppsp-core` with real sockets, files
//! and clocks (tokio), and hosts the XML signalling server, the HTTP data transport and the
//! player-facing stream endpoint.
//!
//! * [`storage`]: where chunks live on disk — seeding a file in place, downloading into a
//!   file that survives crashes, and the bounded buffer of a live stream.
#![forbid(unsafe_code)]

pub mod storage;
