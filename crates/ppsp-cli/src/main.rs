//! The `ppsp` command: one binary for every PPSP role and tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod config;
mod decode;
mod demo;
mod get;
mod hash;
mod live;
mod node_run;
mod play;
mod print_config;
mod progress;
mod seed;
mod signals;
mod tracker;
mod transports;

/// PPSP, the IETF peer-to-peer streaming system: tracker, source, peers and tools.
#[derive(Debug, Parser)]
#[command(name = "ppsp", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode one captured message and print it as JSON.
    Decode(decode::DecodeArgs),
    /// Hash a file as a seeder would; print its swarm ID and metadata.
    Hash(hash::HashArgs),
    /// Serve a file to a swarm (RFC 7574 over UDP); print its swarm URI, run until Ctrl-C.
    Seed(seed::SeedArgs),
    /// Download a swarm's content into a file (resumable); exit once it is verified.
    Get(get::GetArgs),
    /// Serve a swarm's content to a media player at http://127.0.0.1:PORT/stream.
    Play(play::PlayArgs),
    /// Run a whole live swarm on loopback (tracker, source, peers); report its QoE.
    Demo(demo::DemoArgs),
    /// Turn a live byte stream (stdin or a file) into a signed live swarm; print its URI.
    Live(live::LiveArgs),
    /// Print the node configuration file (for --config) with every default, commented.
    PrintConfig,
    /// Run a PPSP tracker (RFC 7846, JSON and XML over HTTP(S)) until Ctrl-C.
    Tracker(tracker::TrackerArgs),
}

/// Exit status for input the user gave us that we cannot accept (clap uses 2 for usage too).
const EXIT_BAD_INPUT: u8 = 2;

/// Exit status after Ctrl-C (128 + SIGINT), once the command has shut down cleanly.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Hash(args) => hash::run(&args),
        Command::Tracker(args) => tracker::run(&args),
        Command::Seed(args) => seed::run(&args),
        Command::Get(args) => get::run(&args),
        Command::Live(args) => live::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Play(args) => play::run(&args),
        Command::PrintConfig => print_config::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.downcast_ref::<node_run::Interrupted>().is_some() => {
            eprintln!("ppsp: {error}");
            ExitCode::from(EXIT_INTERRUPTED)
        }
        Err(error) => {
            // One line: the chain of causes joined, so scripts can log it as is.
            eprintln!("ppsp: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
