//! Live streams: content signed by its source (RFC 7574 section 6).
//!
//! A live swarm is named by its source's public key ([`LivePublicKey::to_swarm_id`]). Peers
//! check every chunk before using or forwarding it, in one of two ways:
//!
//! * the Unified Merkle Tree (content integrity method 3, mandatory to implement): chunks
//!   form one growing hash tree, and the source signs the root of each complete subtree of
//!   `NCHUNKS_PER_SIG` chunks (a *munro*). [`LiveSigner`] is the source, [`LiveVerifier`] the
//!   receiver;
//! * Sign All (method 2): every chunk is signed on its own, see [`sign_all`].
//!
//! Signatures use DNSSEC algorithms and wire forms: ECDSA P-256 (the default) and P-384,
//! Ed25519 as an extension, and RSA for verification only ([`LiveSignatureAlgorithm`]). Timestamps
//! are NTP values passed in by the caller.

mod error;
mod munro;
mod public_key;
pub mod sign_all;
mod signed_bytes;
mod signer;
mod signing_key;
mod verifier;

pub use error::{KeyError, LiveError};
pub use munro::{LiveConfig, SignedMunro};
pub use public_key::LivePublicKey;
pub use signed_bytes::NtpTimestamp;
pub use signer::LiveSigner;
pub use signing_key::{LiveSigningKey, Signature};
pub use verifier::LiveVerifier;

/// The signature algorithms, as DNSSEC numbers: the option-5 registry of the wire codec.
pub use ppsp_wire::ppspp::LiveSignatureAlgorithm;
