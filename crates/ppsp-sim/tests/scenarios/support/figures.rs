//! The figures a scenario reports: how long peers took, what the source uploaded compared
//! with one copy of the content, and what each peer downloaded.

use std::fmt;
use std::time::Duration;

use ppsp_sim::Stats;

use super::swarm::Swarm;

/// Figures of one finished run.
pub(crate) struct Figures {
    pub(crate) scenario: &'static str,
    /// Peers that finished (the stayers).
    pub(crate) finished: usize,
    /// Virtual time from the start until the last stayer finished.
    pub(crate) last_finish: Duration,
    /// Time from joining to completion, per stayer: fastest, median, slowest.
    pub(crate) time_to_complete: [Duration; 3],
    pub(crate) content_bytes: u64,
    /// Chunk bytes the source sent in DATA messages.
    pub(crate) source_payload_up: u64,
    /// Every byte the source sent, headers and control messages included.
    pub(crate) source_bytes_up: u64,
    /// Chunk bytes received per stayer, verified or not: least, mean, most.
    pub(crate) downloaded: [u64; 3],
    /// Traffic of the whole run.
    pub(crate) network: Stats,
}

impl Figures {
    /// Reads the figures off a swarm whose stayers have all finished.
    pub(crate) fn collect(scenario: &'static str, swarm: &Swarm) -> Self {
        let stayers = swarm.stayers();
        let mut times: Vec<Duration> = stayers
            .iter()
            .map(|&id| {
                let done = swarm.completed_at(id).expect("every stayer completed");
                done.saturating_sub(swarm.joined_at(id))
            })
            .collect();
        times.sort();
        let mut downloads: Vec<u64> = stayers
            .iter()
            .map(|&id| {
                swarm
                    .sim
                    .node(id)
                    .swarm_stats(swarm.content.id())
                    .map_or(0, |s| s.payload_bytes_down)
            })
            .collect();
        downloads.sort_unstable();
        let source = swarm
            .sim
            .node(swarm.source)
            .swarm_stats(swarm.content.id())
            .expect("the source is in the swarm");
        let last_finish = stayers
            .iter()
            .filter_map(|&id| swarm.completed_at(id))
            .max()
            .unwrap_or_default();
        let mean = downloads.iter().sum::<u64>() / downloads.len().max(1) as u64;
        Self {
            scenario,
            finished: stayers.len(),
            last_finish,
            time_to_complete: [
                times.first().copied().unwrap_or_default(),
                times.get(times.len() / 2).copied().unwrap_or_default(),
                times.last().copied().unwrap_or_default(),
            ],
            content_bytes: swarm.content.bytes.len() as u64,
            source_payload_up: source.payload_bytes_up,
            source_bytes_up: swarm.sim.node_stats(swarm.source).sent.bytes,
            downloaded: [
                downloads.first().copied().unwrap_or_default(),
                mean,
                downloads.last().copied().unwrap_or_default(),
            ],
            network: *swarm.sim.stats(),
        }
    }

    /// Chunk bytes the source uploaded per byte of content: 1.0 is one copy.
    pub(crate) fn source_upload_ratio(&self) -> f64 {
        self.source_payload_up as f64 / self.content_bytes as f64
    }

    /// Prints the figures into the test output (shown with `--nocapture`).
    pub(crate) fn print(&self) {
        println!("{self}");
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [fast, median, slow] = self.time_to_complete;
        let [least, mean, most] = self.downloaded;
        let copy = self.content_bytes as f64;
        writeln!(f, "scenario {}:", self.scenario)?;
        writeln!(
            f,
            "  {} peers finished; last at {:.2} s of virtual time",
            self.finished,
            self.last_finish.as_secs_f64()
        )?;
        writeln!(
            f,
            "  time to complete: fastest {:.2} s, median {:.2} s, slowest {:.2} s",
            fast.as_secs_f64(),
            median.as_secs_f64(),
            slow.as_secs_f64()
        )?;
        writeln!(
            f,
            "  source upload: {:.2} copies of the content in chunks ({} B), {:.2} copies on the wire",
            self.source_upload_ratio(),
            self.source_payload_up,
            self.source_bytes_up as f64 / copy
        )?;
        writeln!(
            f,
            "  downloaded per peer (chunk bytes): least {:.3}, mean {:.3}, most {:.3} copies",
            least as f64 / copy,
            mean as f64 / copy,
            most as f64 / copy
        )?;
        write!(f, "  network: {}", self.network)
    }
}
