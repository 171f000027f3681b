//! A deterministic many-peer simulator: `ppsp-core` engines on a virtual clock with seeded
//! latency, jitter, loss, reordering, MTU limits and churn. Same seed, same trace.
#![forbid(unsafe_code)]
