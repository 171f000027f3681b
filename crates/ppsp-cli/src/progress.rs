//! The progress display of `ppsp get`: one line redrawn in place when stderr is a terminal,
//! plain lines otherwise (for logs and scripts, which parse them).

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

/// How often the terminal line is redrawn when `--log-interval` is not given.
pub(crate) const TERMINAL_INTERVAL: Duration = Duration::from_millis(500);

/// How often a plain line is written when `--log-interval` is not given.
pub(crate) const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// Weight of the newest measurement in the smoothed rate: the ETA follows a change of
/// speed within a few seconds without jumping at every line.
const SMOOTHING: f64 = 0.3;

/// Whether progress goes to a terminal.
pub(crate) fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The interval to use: the flag's, else the default for where stderr goes.
pub(crate) fn default_interval(terminal: bool) -> Duration {
    if terminal {
        TERMINAL_INTERVAL
    } else {
        PLAIN_INTERVAL
    }
}

/// A smoothed download rate and the time left at that rate.
#[derive(Debug)]
pub(crate) struct Speed {
    bytes: u64,
    at: Instant,
    /// Bytes per second, smoothed; `None` before the first measurement.
    rate: Option<f64>,
}

impl Speed {
    pub(crate) fn new(bytes: u64, at: Instant) -> Self {
        Self {
            bytes,
            at,
            rate: None,
        }
    }

    /// Counts `bytes` received in total at `now`; returns the smoothed bytes per second.
    pub(crate) fn update(&mut self, bytes: u64, now: Instant) -> f64 {
        let secs = now.duration_since(self.at).as_secs_f64();
        if secs <= 0.0 {
            return self.rate.unwrap_or(0.0);
        }
        let measured = bytes.saturating_sub(self.bytes) as f64 / secs;
        let rate = match self.rate {
            Some(old) => old + SMOOTHING * (measured - old),
            None => measured,
        };
        self.bytes = bytes;
        self.at = now;
        self.rate = Some(rate);
        rate
    }
}

/// Time left for `remaining` bytes at `rate` bytes per second, as text ("?" while stalled).
pub(crate) fn eta(remaining: u64, rate: f64) -> String {
    if remaining == 0 {
        return "0 s".to_string();
    }
    if rate < 1.0 {
        return "?".to_string();
    }
    let secs = (remaining as f64 / rate).ceil();
    if secs >= 360_000.0 {
        return "> 99 h".to_string();
    }
    let secs = secs as u64;
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

/// Bytes per second as MiB/s text.
pub(crate) fn rate_text(rate: f64) -> String {
    format!("{:.1} MiB/s", rate / f64::from(1 << 20))
}

/// Where progress lines go.
#[derive(Debug)]
pub(crate) struct Display {
    terminal: bool,
    /// Whether the terminal line holds a progress line to be ended before other output.
    drawn: bool,
}

impl Display {
    pub(crate) fn new(terminal: bool) -> Self {
        Self {
            terminal,
            drawn: false,
        }
    }

    /// Whether lines are redrawn on a terminal (for people) rather than written (for logs).
    pub(crate) fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Shows `line`: redraws the terminal line, or writes a plain line.
    pub(crate) fn show(&mut self, line: &str) {
        let mut stderr = std::io::stderr().lock();
        if self.terminal {
            // Carriage return and erase-line: the line replaces the previous one.
            let _ = write!(stderr, "\r\x1b[2K{line}");
            let _ = stderr.flush();
            self.drawn = true;
        } else {
            let _ = writeln!(stderr, "{line}");
        }
    }

    /// Ends the redrawn line, so that what follows starts on a line of its own.
    pub(crate) fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_reads_in_seconds_minutes_or_hours() {
        assert_eq!(eta(0, 0.0), "0 s");
        assert_eq!(eta(1000, 0.0), "?");
        assert_eq!(eta(10 << 20, f64::from(1 << 20)), "10 s");
        assert_eq!(eta(90 << 20, f64::from(1 << 20)), "1 min 30 s");
        assert_eq!(eta(7200 << 20, f64::from(1 << 20)), "2 h 00 min");
        assert_eq!(eta(u64::MAX, 2.0), "> 99 h");
    }

    #[test]
    fn the_rate_is_smoothed_towards_new_measurements() {
        let start = Instant::now();
        let mut speed = Speed::new(0, start);
        let first = speed.update(1000, start + Duration::from_secs(1));
        assert!((first - 1000.0).abs() < 1e-6);
        // A stall lowers the rate gradually, not to zero at once.
        let second = speed.update(1000, start + Duration::from_secs(2));
        assert!(second > 0.0 && second < 1000.0, "{second}");
        // No time passed: the rate stays.
        assert!((speed.update(5000, start + Duration::from_secs(2)) - second).abs() < 1e-6);
    }
}
