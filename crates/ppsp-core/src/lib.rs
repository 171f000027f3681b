//! The sans-I/O PPSP engine.
//!
//! Time and randomness are inputs; nothing here reads the clock, the OS random source or a
//! socket. This crate holds the content layer (chunk addressing, availability sets, Merkle hash
//! trees, live-stream signing, swarm metadata) and the PPSPP peer engine built on it.
#![forbid(unsafe_code)]
