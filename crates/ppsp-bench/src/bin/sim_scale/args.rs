//! Command-line flags of `sim_scale`, with the defaults of the published run.

use std::path::PathBuf;
use std::time::Duration;

pub(crate) const USAGE: &str = "usage: sim_scale [--peers 100,1000,10000] [--seconds 60] [--seed N] \
[--rate-kbit 2000] [--contacts 8] [--max-peers 10] [--loss P] [--limit-secs 600] \
[--max-rss-mib 12288] [--json FILE] [--svg FILE] [--smoke] [--chart-from JSON --svg FILE]";

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    /// Swarm sizes (receivers, not counting the source), run in this order.
    pub(crate) peers: Vec<usize>,
    /// Virtual seconds of stream produced by the source.
    pub(crate) seconds: u64,
    /// Seeds the simulator, the stream and the tracker lists.
    pub(crate) seed: u64,
    /// Stream bit rate in kbit/s of chunk payload.
    pub(crate) rate_kbit: f64,
    /// Peers in the tracker list each receiver starts with.
    pub(crate) contacts: usize,
    /// `EndpointConfig::max_peers_per_swarm`: how far PEX tops up a receiver's neighbours.
    pub(crate) max_peers: usize,
    /// Random loss probability on every link.
    pub(crate) loss: f64,
    /// Wall-clock limit of one run; past it the run stops and is reported as aborted.
    pub(crate) limit: Duration,
    /// Resident-memory limit of one run in MiB; past it the run stops likewise.
    pub(crate) max_rss_mib: u64,
    pub(crate) json: Option<PathBuf>,
    pub(crate) svg: Option<PathBuf>,
    /// Redraws `--svg` from the results a previous `--json` saved, without running.
    pub(crate) chart_from: Option<PathBuf>,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            peers: vec![100, 1000, 10_000],
            seconds: 60,
            seed: 0x5eed_5ca1e,
            rate_kbit: 2000.0,
            // A tracker list of 8 topped up to 10 by PEX, as in the simulator's scenarios: the
            // engine's live picker scans every channel for every chunk in its buffer on each
            // datagram, so cost per receiver grows with the square of its neighbours (a list
            // of 20 made a receiver five times dearer, see docs/benchmarks/sim-scale.md).
            contacts: 8,
            max_peers: 10,
            loss: 0.0,
            limit: Duration::from_secs(600),
            max_rss_mib: 12 * 1024,
            json: None,
            svg: None,
            chart_from: None,
        }
    }
}

/// Parses `args` (without the program name).
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--smoke" {
            parsed.peers = vec![20];
            parsed.seconds = 5;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--peers" => {
                parsed.peers = value
                    .split(',')
                    .map(|n| number(&flag, n.trim()))
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => parsed.seconds = number(&flag, &value)?,
            "--seed" => parsed.seed = number(&flag, &value)?,
            "--rate-kbit" => parsed.rate_kbit = number(&flag, &value)?,
            "--contacts" => parsed.contacts = number(&flag, &value)?,
            "--max-peers" => parsed.max_peers = number(&flag, &value)?,
            "--loss" => parsed.loss = number(&flag, &value)?,
            "--limit-secs" => parsed.limit = Duration::from_secs(number(&flag, &value)?),
            "--max-rss-mib" => parsed.max_rss_mib = number(&flag, &value)?,
            "--json" => parsed.json = Some(value.into()),
            "--svg" => parsed.svg = Some(value.into()),
            "--chart-from" => parsed.chart_from = Some(value.into()),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if parsed.peers.is_empty() || parsed.peers.contains(&0) {
        return Err("--peers needs sizes of at least 1".to_owned());
    }
    if parsed.seconds == 0 || parsed.rate_kbit <= 0.0 {
        return Err("--seconds and --rate-kbit must be positive".to_owned());
    }
    if !(0.0..1.0).contains(&parsed.loss) {
        return Err("--loss is a probability below 1".to_owned());
    }
    Ok(parsed)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value}"))
}
