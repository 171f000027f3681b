//! The sans-I/O PPSP engine.
//!
//! Time and randomness are inputs; nothing here reads the clock, the OS random source or a
//! socket. This crate holds the content layer (chunk addressing, availability sets, Merkle hash
//! trees, live-stream signing, swarm metadata) and the PPSPP peer engine built on it.
//!
//! # Content layer
//!
//! * [`bin`] and [`chunk_range`]: the bin numbering of RFC 7574 section 4.2 and runs of chunks,
//!   with the decomposition of a run into aligned bins.
//! * [`spec`]: runs and tree nodes written as chunk specifications in any of the five chunk
//!   addressing methods (section 4.3), and the spec bytes that signatures cover.
//! * [`availability`]: [`ChunkSet`], the compact set of chunks a peer has, with its HAVE specs
//!   and the bitmap and ranges-text maps of the XML profile.
//! * [`hash`] and [`merkle`]: the Merkle hash tree of static content (section 5): the sender's
//!   [`MerkleTree`] with peak and uncle hashes, and the receiver's [`MerkleVerifier`] with
//!   automatic size detection.
//! * [`live`]: live streams (section 6): DNSKEY-form swarm IDs, the Unified Merkle Tree's signed
//!   munros ([`LiveSigner`], [`LiveVerifier`]) and Sign All.
#![forbid(unsafe_code)]

pub mod availability;
pub mod bin;
pub mod chunk_range;
pub mod engine;
pub mod hash;
pub mod ledbat;
pub mod live;
pub mod merkle;
pub mod spec;
pub mod swarm;

pub use availability::{ChunkSet, MapError};
pub use bin::Bin;
pub use chunk_range::ChunkRange;
pub use hash::{Digest, HashFunction};
pub use live::{LivePublicKey, LiveSigner, LiveSigningKey, LiveVerifier};
pub use merkle::{IntegrityError, MerkleTree, MerkleVerifier};
pub use spec::{SpecError, SpecLayout};
