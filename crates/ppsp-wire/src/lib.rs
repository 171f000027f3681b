//! Codecs for every PPSP wire format.
#![forbid(unsafe_code)]

pub mod ids;
pub mod ppspp;
pub mod xml;
