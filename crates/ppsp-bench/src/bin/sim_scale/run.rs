//! Runs one swarm size: the source pushes chunks at the stream rate on the virtual clock,
//! the observer drains events and samples lag once a virtual second, and the run stops
//! cleanly when it passes its wall-clock or memory limit.

use std::time::{Duration, Instant};

use ppsp_core::engine::Endpoint;
use ppsp_sim::{NodeId, Simulator};

use crate::args::Args;
use crate::memory;
use crate::observe::Observer;
use crate::report::RunResult;
use crate::setup::{self, Swarm};
use crate::stats;

/// Lag is sampled over the second half of the stream, when every receiver has joined and
/// settled (joins end at a sixth).
const LAG_FROM: f64 = 0.5;

/// Runs the stream to `receivers` receivers and measures it.
pub(crate) fn run(args: &Args, receivers: usize) -> RunResult {
    memory::reset_peak();
    let started = Instant::now();
    let cpu_before = memory::cpu_time();
    let Swarm {
        mut sim,
        mut stream,
        source,
        receivers: joined,
    } = setup::build(args, receivers);
    let swarm_id = stream.metadata().swarm_id.clone();
    let mut observer = Observer::new(swarm_id.clone(), &joined);
    let rate = stream
        .settings()
        .chunk_rate
        .expect("the stream rate is set");
    let period = stream.period();
    let chunks = (args.seconds as f64 * rate).round() as u64;
    let per_second = rate.ceil() as u64;
    let guard = Guard {
        started,
        limit: args.limit,
        max_rss: args.max_rss_mib * 1024 * 1024,
    };

    let mut aborted = None;
    for index in 0..chunks {
        let now = sim.now();
        let chunk = stream.next_chunk();
        sim.node_mut(source)
            .push_live_chunk(now, &swarm_id, chunk)
            .expect("the source takes a chunk of the chunk size");
        let next = Duration::from_secs_f64((index + 1) as f64 / rate);
        if let Err(error) = sim.run_until(next) {
            aborted = Some(format!("simulator error: {error}"));
            break;
        }
        if (index + 1) % per_second == 0 {
            observer.drain_events(&mut sim, source);
            if index as f64 >= LAG_FROM * chunks as f64 {
                observer.sample_lag(&sim, stream.chunks_produced(), period);
            }
            if let Some(why) = guard.exceeded() {
                aborted = Some(why);
                break;
            }
        }
    }
    if aborted.is_none() {
        // Let the deadlines of the last chunks pass, so they count as played or missed.
        let tail = stream.settings().startup_delay + Duration::from_secs(1);
        if let Err(error) = sim.run_for(tail) {
            aborted = Some(format!("simulator error: {error}"));
        }
    }
    observer.drain_events(&mut sim, source);
    let mut result = RunResult {
        receivers,
        completed: aborted.is_none(),
        aborted,
        virtual_seconds: sim.elapsed().as_secs_f64(),
        chunks_produced: stream.chunks_produced(),
        startup_p50_s: None,
        startup_p95_s: None,
        never_started: observer.never_started(),
        continuity_min: None,
        continuity_mean: None,
        lag_mean_s: None,
        lag_stddev_s: None,
        source_upload_ratio: None,
        control_overhead: None,
        datagrams: sim.stats().sent.datagrams,
        steps: sim.steps(),
        wall_seconds: 0.0,
        cpu_seconds: None,
        peak_rss_mib: None,
    };
    if result.completed {
        fill_qoe(&mut result, &sim, &stream, source, &joined, &observer);
    }
    // Dropping ten thousand engines takes a while: count it, it is part of the run.
    drop(sim);
    result.wall_seconds = started.elapsed().as_secs_f64();
    result.cpu_seconds = cpu_before
        .zip(memory::cpu_time())
        .map(|(before, after)| (after - before).as_secs_f64());
    result.peak_rss_mib = memory::peak().map(|b| b as f64 / (1024.0 * 1024.0));
    result
}

/// Fills the QoE figures of a completed run from the engines' counters and the observer.
fn fill_qoe(
    result: &mut RunResult,
    sim: &Simulator<Endpoint>,
    stream: &ppsp_sim::LiveStream,
    source: NodeId,
    joined: &[(NodeId, Duration)],
    observer: &Observer,
) {
    let swarm_id = &stream.metadata().swarm_id;
    let startup = observer.startup_delays();
    result.startup_p50_s = stats::quantile(&startup, 0.5);
    result.startup_p95_s = stats::quantile(&startup, 0.95);

    // Continuity per receiver: chunks after its join point played on time, over those due.
    // A receiver with nothing due counts as 0: it played nothing.
    let continuity: Vec<f64> = joined
        .iter()
        .map(|(id, _)| {
            sim.node(*id).live_status(swarm_id).map_or(0.0, |s| {
                let due = s.chunks_on_time + s.chunks_missed;
                if due == 0 {
                    0.0
                } else {
                    s.chunks_on_time as f64 / due as f64
                }
            })
        })
        .collect();
    result.continuity_min = stats::min(&continuity);
    result.continuity_mean = stats::mean(&continuity);

    let lags = observer.mean_lags();
    result.lag_mean_s = stats::mean(&lags);
    result.lag_stddev_s = stats::stddev(&lags);

    let source_stats = sim.node(source).swarm_stats(swarm_id);
    let source_up = source_stats.map_or(0, |s| s.payload_bytes_up);
    result.source_upload_ratio = Some(source_up as f64 / stream.bytes_produced() as f64);

    // Control overhead: everything sent on the swarm's channels that is not chunk payload
    // (handshakes, hashes, signatures, HAVE, ACK, REQUEST, PEX, keep-alives), over payload.
    let (mut payload, mut total) = (0_u64, 0_u64);
    for id in std::iter::once(source).chain(joined.iter().map(|(id, _)| *id)) {
        if let Some(s) = sim.node(id).swarm_stats(swarm_id) {
            payload += s.payload_bytes_up;
            total += s.bytes_up;
        }
    }
    result.control_overhead =
        (payload > 0).then(|| total.saturating_sub(payload) as f64 / payload as f64);
}

/// The wall-clock and memory bounds of a run.
struct Guard {
    started: Instant,
    limit: Duration,
    max_rss: u64,
}

impl Guard {
    /// Why the run must stop, if it must.
    fn exceeded(&self) -> Option<String> {
        let elapsed = self.started.elapsed();
        if elapsed > self.limit {
            return Some(format!(
                "wall-clock limit of {} s passed",
                self.limit.as_secs()
            ));
        }
        let rss = memory::current()?;
        (rss > self.max_rss).then(|| {
            format!(
                "resident memory {} MiB over the limit of {} MiB",
                rss >> 20,
                self.max_rss >> 20
            )
        })
    }
}
