//! The live view of the demo swarm: a small table redrawn in place on a terminal, one line
//! per second otherwise (logs, pipes, `--json` runs, where it goes to stderr).

use std::io::Write;
use std::time::Duration;

/// The swarm at one moment.
#[derive(Debug, Clone, Default)]
pub(super) struct Snapshot {
    pub(super) elapsed: Duration,
    pub(super) duration: Duration,
    pub(super) peers: usize,
    pub(super) joined: usize,
    pub(super) playing: usize,
    pub(super) failed: usize,
    /// Chunks on time / chunks due so far, all peers together, and the worst peer's.
    pub(super) continuity: Option<f64>,
    pub(super) worst_continuity: Option<f64>,
    pub(super) source_upload_ratio: f64,
    /// Bytes per second over the last interval.
    pub(super) source_up_rate: f64,
    pub(super) peers_down_rate: f64,
    pub(super) mean_lag: Option<f64>,
}

/// Where and how the view is drawn.
pub(super) struct View {
    out: Box<dyn Write + Send>,
    table: bool,
    drawn: usize,
}

impl View {
    /// A table on `out` when it is a terminal, else lines.
    pub(super) fn new(out: Box<dyn Write + Send>, table: bool) -> Self {
        Self {
            out,
            table,
            drawn: 0,
        }
    }

    /// Draws `snapshot`; a failure to write the view is not worth stopping the demo.
    pub(super) fn show(&mut self, snapshot: &Snapshot) {
        let result = if self.table {
            self.table(snapshot)
        } else {
            writeln!(self.out, "{}", line(snapshot))
        };
        let _ = result.and_then(|()| self.out.flush());
    }

    fn table(&mut self, s: &Snapshot) -> std::io::Result<()> {
        let rows = [
            format!(
                "ppsp demo   {:>4.0} s of {:.0} s",
                s.elapsed.as_secs_f64(),
                s.duration.as_secs_f64()
            ),
            format!(
                "peers       {} of {} joined, {} playing, {} failed",
                s.joined, s.peers, s.playing, s.failed
            ),
            format!(
                "continuity  {} (worst peer {})",
                fixed(s.continuity, 4),
                fixed(s.worst_continuity, 4)
            ),
            format!(
                "source      {:.2} copies uploaded, {}",
                s.source_upload_ratio,
                rate(s.source_up_rate)
            ),
            format!("peers down  {} in all", rate(s.peers_down_rate)),
            format!("lag         {} s behind the source", fixed(s.mean_lag, 2)),
        ];
        if self.drawn > 0 {
            write!(self.out, "\x1b[{}A", self.drawn)?;
        }
        for row in &rows {
            writeln!(self.out, "\x1b[2K{row}")?;
        }
        self.drawn = rows.len();
        Ok(())
    }
}

/// One line for logs.
fn line(s: &Snapshot) -> String {
    format!(
        "ppsp demo: t={:.0}s peers {}/{} playing ({} failed) continuity {} (worst {}) source {:.2} copies, up {}, peers down {}, lag {} s",
        s.elapsed.as_secs_f64(),
        s.playing,
        s.peers,
        s.failed,
        fixed(s.continuity, 4),
        fixed(s.worst_continuity, 4),
        s.source_upload_ratio,
        rate(s.source_up_rate),
        rate(s.peers_down_rate),
        fixed(s.mean_lag, 2),
    )
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.decimals$}"))
}

/// Bytes per second as Mbit/s.
fn rate(bytes_per_second: f64) -> String {
    format!("{:.2} Mbit/s", bytes_per_second * 8.0 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shows_the_figures_or_a_dash() {
        let snapshot = Snapshot {
            peers: 3,
            playing: 2,
            continuity: Some(0.5),
            source_up_rate: 250_000.0,
            ..Snapshot::default()
        };
        let text = line(&snapshot);
        assert!(text.contains("peers 2/3 playing"), "{text}");
        assert!(text.contains("continuity 0.5000 (worst -)"), "{text}");
        assert!(text.contains("up 2.00 Mbit/s"), "{text}");
    }
}
