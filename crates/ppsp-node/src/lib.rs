//! The PPSP node runtime: drives the sans-I/O engine of `ppsp-core` with real sockets, files
//! and clocks (tokio), and hosts the XML signalling server, the HTTP data transport and the
//! player-facing stream endpoint.
#![forbid(unsafe_code)]
