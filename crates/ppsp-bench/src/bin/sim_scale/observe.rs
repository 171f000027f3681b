//! What the receivers experience, watched while the stream runs: when each first holds a
//! playable chunk (from its events, drained as they come so they do not pile up in memory),
//! and how far its playhead trails the source's newest chunk.

use std::time::Duration;

use ppsp_core::engine::{Endpoint, Event};
use ppsp_sim::{NodeId, Simulator};
use ppsp_wire::ids::SwarmId;

/// One receiver's startup and lag so far.
#[derive(Debug, Default, Clone)]
struct Receiver {
    /// The chunk the engine chose to start playing at (`LiveJoined`).
    join_chunk: Option<u64>,
    /// Offset of the first verified chunk at or after the join chunk: the first byte the
    /// player can play.
    first_playable: Option<Duration>,
    /// Sum and count of playback-lag samples, in seconds.
    lag_sum: f64,
    lag_samples: u32,
}

/// Startup and lag of every receiver.
pub(crate) struct Observer {
    swarm: SwarmId,
    /// Receivers with their join offsets, in the same order as `state`.
    ids: Vec<(NodeId, Duration)>,
    state: Vec<Receiver>,
}

impl Observer {
    pub(crate) fn new(swarm: SwarmId, receivers: &[(NodeId, Duration)]) -> Self {
        Self {
            swarm,
            ids: receivers.to_vec(),
            state: vec![Receiver::default(); receivers.len()],
        }
    }

    /// Takes every event the receivers and `source` reported since the last call, noting
    /// join chunks and first playable chunks.
    pub(crate) fn drain_events(&mut self, sim: &mut Simulator<Endpoint>, source: NodeId) {
        drop(sim.take_events(source));
        for ((id, _), state) in self.ids.iter().zip(&mut self.state) {
            if !sim.is_alive(*id) {
                continue;
            }
            for timed in sim.take_events(*id) {
                match timed.event {
                    Event::LiveJoined { swarm, chunk } if swarm == self.swarm => {
                        state.join_chunk.get_or_insert(chunk);
                    }
                    Event::ChunkVerified { swarm, index }
                        if swarm == self.swarm
                            && state.first_playable.is_none()
                            && state.join_chunk.is_some_and(|join| index >= join) =>
                    {
                        state.first_playable = Some(timed.at);
                    }
                    _ => {}
                }
            }
        }
    }

    /// Samples every playing receiver's lag behind the source's newest chunk `edge`: chunks
    /// between its playhead and the edge, times the chunk `period`.
    pub(crate) fn sample_lag(&mut self, sim: &Simulator<Endpoint>, edge: u64, period: Duration) {
        for ((id, _), state) in self.ids.iter().zip(&mut self.state) {
            if !sim.is_alive(*id) {
                continue;
            }
            let playhead = sim
                .node(*id)
                .live_status(&self.swarm)
                .and_then(|s| s.playhead);
            if let Some(playhead) = playhead {
                let behind = edge.saturating_sub(playhead) as f64;
                state.lag_sum += behind * period.as_secs_f64();
                state.lag_samples += 1;
            }
        }
    }

    /// Seconds from joining to the first playable chunk, of receivers that got one.
    pub(crate) fn startup_delays(&self) -> Vec<f64> {
        self.ids
            .iter()
            .zip(&self.state)
            .filter_map(|((_, joined), s)| Some((s.first_playable? - *joined).as_secs_f64()))
            .collect()
    }

    /// Receivers that never held a playable chunk.
    pub(crate) fn never_started(&self) -> usize {
        self.state
            .iter()
            .filter(|s| s.first_playable.is_none())
            .count()
    }

    /// Each sampled receiver's mean playback lag in seconds.
    pub(crate) fn mean_lags(&self) -> Vec<f64> {
        self.state
            .iter()
            .filter(|s| s.lag_samples > 0)
            .map(|s| s.lag_sum / f64::from(s.lag_samples))
            .collect()
    }
}
