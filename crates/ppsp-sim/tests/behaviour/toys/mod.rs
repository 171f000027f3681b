//! Toy nodes that exercise the simulator the way an engine would: timers, replies, state that
//! loss and reordering can break.

mod flood;
mod probe;
mod transfer;

pub(crate) use flood::Flood;
pub(crate) use probe::{Arrival, Probe, SendPlan};
pub(crate) use transfer::{Transfer, TransferDone};
