//! Codecs for every PPSP wire format.
#![forbid(unsafe_code)]

pub mod ids;
pub mod peer;
pub mod peer_list;
pub mod ppspp;
pub mod property;
pub mod schema;
pub mod tracker;
mod words;
pub mod xml;
