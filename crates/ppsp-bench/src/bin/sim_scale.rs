//! Simulator scaling benchmark: a signed live stream from one source to N receivers, real
//! `ppsp-core` engines on the simulator's virtual clock, for each N in a list. Reports per N
//! the quality of experience (startup delay, continuity, playback lag), the source's upload
//! in copies of the stream, control overhead, and the wall-clock time and peak memory the
//! simulation itself took, which is what bounds the largest N a machine can simulate.
//!
//! Usage: `sim_scale [--peers 100,1000,10000] [--seconds 60] [--seed N] [--json FILE]
//! [--svg FILE] [--smoke]` (and `--help` for the rest). No network traffic: the simulator is
//! in-process. Each run stops cleanly at its wall-clock or memory limit and is reported as
//! aborted; larger sizes are then skipped, as they would fail the same way.

#[path = "sim_scale/args.rs"]
mod args;
#[path = "sim_scale/memory.rs"]
mod memory;
#[path = "sim_scale/observe.rs"]
mod observe;
#[path = "sim_scale/report.rs"]
mod report;
#[path = "sim_scale/run.rs"]
mod run;
#[path = "sim_scale/setup.rs"]
mod setup;
#[path = "sim_scale/stats.rs"]
mod stats;
#[path = "sim_scale/svg.rs"]
mod svg;

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(from) = &args.chart_from {
        return redraw(from, args.svg.as_deref());
    }
    let rate = setup::chunk_rate(args.rate_kbit);
    println!(
        "sim_scale: {} kbit/s live stream, {} B chunks at {rate:.2}/s, {} s, seed {:#x}, \
         tracker list {}, max peers {}, loss {}, limit {} s / {} MiB per run",
        args.rate_kbit,
        setup::CHUNK_SIZE,
        args.seconds,
        args.seed,
        args.contacts,
        args.max_peers,
        args.loss,
        args.limit.as_secs(),
        args.max_rss_mib
    );
    println!("{}", report::header());
    let mut results = Vec::new();
    for &receivers in &args.peers {
        let result = run::run(&args, receivers);
        println!("{}", report::row(&result));
        let stop = !result.completed;
        results.push(result);
        if stop {
            eprintln!("sim_scale: stopping; larger swarms would exceed the same limit");
            break;
        }
    }
    if let Some(path) = &args.json {
        let document = json!({
            "stream_kbit": args.rate_kbit,
            "chunk_size": setup::CHUNK_SIZE,
            "chunk_rate": rate,
            "seconds": args.seconds,
            "seed": args.seed,
            "tracker_list": args.contacts,
            "max_peers_per_swarm": args.max_peers,
            "loss": args.loss,
            "runs": results,
        });
        let text = serde_json::to_string_pretty(&document).expect("plain data serialises");
        if let Err(e) = fs::write(path, text + "\n") {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if let Some(path) = &args.svg {
        let title = chart_title(args.rate_kbit, args.seconds);
        if let Err(e) = fs::write(path, svg::chart(&results, &title)) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if results.iter().all(|r| r.completed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn chart_title(kbit: f64, seconds: u64) -> String {
    format!("Live stream {kbit} kbit/s, {seconds} s: source cost and continuity vs swarm size")
}

/// Draws the chart of the results saved in `from` (a `--json` file) into `to`, so the chart
/// can be redrawn without simulating again.
fn redraw(from: &Path, to: Option<&Path>) -> ExitCode {
    let Some(to) = to else {
        eprintln!("--chart-from needs --svg FILE");
        return ExitCode::FAILURE;
    };
    let saved: Result<Saved, String> = fs::read_to_string(from)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
    match saved {
        Ok(saved) => {
            let title = chart_title(saved.stream_kbit, saved.seconds);
            match fs::write(to, svg::chart(&saved.runs, &title)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("cannot write {}: {e}", to.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("cannot read {}: {e}", from.display());
            ExitCode::FAILURE
        }
    }
}

/// The part of a `--json` file the chart needs.
#[derive(serde::Deserialize)]
struct Saved {
    stream_kbit: f64,
    seconds: u64,
    runs: Vec<report::RunResult>,
}
