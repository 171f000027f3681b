//! What every scenario shares: the content, the swarm harness and its checks, the figures.

mod content;
mod figures;
mod live;
mod swarm;

pub(crate) use content::TestContent;
pub(crate) use figures::Figures;
pub(crate) use live::LiveStream;
pub(crate) use swarm::{Swarm, joiner};
