//! Swarm and quality-of-experience benchmarks over real processes and sockets on loopback.
#![forbid(unsafe_code)]
