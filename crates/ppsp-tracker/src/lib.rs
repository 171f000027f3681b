//! The PPSP tracker: an RFC 7846 registry that takes `now` as input, and its HTTP(S) server.
//!
//! Message codecs (JSON per RFC 7846 and the XML form of the peer protocol profile) live in
//! `ppsp-wire`; this crate holds swarm membership, peer selection and expiry.
#![forbid(unsafe_code)]
