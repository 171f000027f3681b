//! Node settings shared by `ppsp seed`, `get`, `play` and `live`: the TOML file (`--config`, see
//! `ppsp print-config`), `PPSP_*` environment variables and flags.
//!
//! Precedence, highest first: flags, `PPSP_*` variables (clap reads both, the flag winning),
//! the file, the defaults. The tracker has its own file and `PPSP_TRACKER_*` variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use ppsp_node::node::NodeConfig;
use serde::Deserialize;
use tracing_subscriber::EnvFilter;

/// The file's contents; every key may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// The `[node]` table.
    pub(crate) node: NodeFile,
}

/// The `[node]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct NodeFile {
    /// UDP address; each command has its own default when unset.
    pub(crate) listen: Option<SocketAddr>,
    /// HTTP address of the node's own server (`POST /ppsp`, chunk GETs, `/metrics`) for
    /// `seed`, `get` and `live` (`--http-listen`); no server when unset.
    pub(crate) http_listen: Option<SocketAddr>,
    /// Transports the node moves data over, preferred first (`--transports`).
    pub(crate) transports: String,
    /// HTTP address of `ppsp play`'s player endpoint (and its `/metrics`): a setting of its
    /// own, since a player endpoint and a signalling server are different ports.
    pub(crate) player_listen: Option<SocketAddr>,
    /// Trackers used when no `--tracker` is given.
    pub(crate) trackers: Vec<String>,
    /// Chunk size of content we create (`ppsp seed`).
    pub(crate) chunk_size: u32,
    /// Chunk size of a live stream we create (`ppsp live`): its own key because its default
    /// is larger (see [`crate::live::DEFAULT_LIVE_CHUNK`]).
    pub(crate) live_chunk_size: u32,
    /// Merkle hash function of content we create.
    pub(crate) hash: String,
    /// Channels per swarm beyond which peers learnt by PEX are not connected.
    pub(crate) max_peers: usize,
    /// Peers per swarm served at once.
    pub(crate) upload_slots: usize,
    /// UDP receive and send buffers asked of the kernel, in bytes.
    pub(crate) socket_buffer: usize,
    /// `tracing` filter: error, warn, info, debug, trace, or directives such as
    /// `ppsp_node=debug`.
    pub(crate) log_level: String,
}

impl Default for NodeFile {
    fn default() -> Self {
        let node = NodeConfig::default();
        Self {
            listen: None,
            http_listen: None,
            transports: crate::transports::DEFAULT_TRANSPORTS.to_string(),
            player_listen: None,
            trackers: Vec::new(),
            chunk_size: 1024,
            live_chunk_size: crate::live::DEFAULT_LIVE_CHUNK,
            hash: "sha256".to_string(),
            max_peers: node.max_peers_per_swarm,
            upload_slots: node.endpoint.upload_slots,
            socket_buffer: node.socket_buffer,
            log_level: "warn".to_string(),
        }
    }
}

/// Flags every node command takes; each names its variable in `--help`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NodeOptions {
    /// TOML configuration file (`ppsp print-config` prints one with the defaults).
    #[arg(long, env = "PPSP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log filter: error, warn, info, debug, trace or tracing directives [default: RUST_LOG,
    /// else the file's, else warn].
    #[arg(long, env = "PPSP_LOG_LEVEL", value_name = "FILTER")]
    log_level: Option<String>,
    /// Channels per swarm beyond which peers learnt by PEX are not connected [default: 16].
    #[arg(long, env = "PPSP_MAX_PEERS", value_name = "N")]
    max_peers: Option<usize>,
    /// Peers per swarm served at once [default: the engine's].
    #[arg(long, env = "PPSP_UPLOAD_SLOTS", value_name = "N")]
    upload_slots: Option<usize>,
    /// UDP socket buffers asked of the kernel, in bytes [default: 4194304].
    #[arg(long, env = "PPSP_SOCKET_BUFFER", value_name = "BYTES")]
    socket_buffer: Option<usize>,
}

/// The settings in force: the file's, with the flags and variables applied.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) node: NodeFile,
}

impl NodeOptions {
    /// Reads the file (if any), applies the flags and variables, checks the result and
    /// starts logging with the level in force.
    pub(crate) fn load(&self) -> Result<Settings> {
        let mut node = match &self.config {
            Some(path) => read_file(path)?.node,
            None => NodeFile::default(),
        };
        if let Some(level) = &self.log_level {
            node.log_level = level.clone();
        } else if let Ok(level) = std::env::var("RUST_LOG") {
            node.log_level = level;
        }
        if let Some(n) = self.max_peers {
            node.max_peers = n;
        }
        if let Some(n) = self.upload_slots {
            node.upload_slots = n;
        }
        if let Some(n) = self.socket_buffer {
            node.socket_buffer = n;
        }
        check(&node)?;
        init_logging(&node.log_level)?;
        Ok(Settings { node })
    }
}

/// Parses a configuration file, naming it in the error.
pub(crate) fn read_file(path: &std::path::Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration {}", path.display()))?;
    parse(&text).with_context(|| format!("bad configuration {}", path.display()))
}

/// Parses configuration text.
pub(crate) fn parse(text: &str) -> Result<FileConfig> {
    // toml's messages span lines (with a caret under the column); keep them on one.
    toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().replace('\n', " ")))
}

fn check(node: &NodeFile) -> Result<()> {
    if node.max_peers == 0 {
        bail!("max_peers must be at least 1");
    }
    if node.upload_slots == 0 {
        bail!("upload_slots must be at least 1");
    }
    for (key, size) in [
        ("chunk_size", node.chunk_size),
        ("live_chunk_size", node.live_chunk_size),
    ] {
        if !(1..=16 << 20).contains(&size) {
            bail!("{key} must be from 1 to 16777216 bytes, not {size}");
        }
    }
    crate::transports::parse_transports("transports", &node.transports)?;
    for url in &node.trackers {
        crate::node_run::check_tracker_url(url)?;
    }
    Ok(())
}

/// Starts `tracing` on stderr with `filter`.
fn init_logging(filter: &str) -> Result<()> {
    let filter =
        EnvFilter::try_new(filter).map_err(|e| anyhow::anyhow!("log level {filter:?}: {e}"))?;
    // Already started (tests of the same process): keep the first.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
    Ok(())
}

impl Settings {
    /// The node's settings listening on `listen`, for content of `chunk_size` bytes a chunk.
    pub(crate) fn node_config(&self, listen: SocketAddr, chunk_size: u32) -> NodeConfig {
        let mut config = NodeConfig::for_chunk_size(listen, chunk_size);
        if self.node.max_peers != config.max_peers_per_swarm {
            // Set by the user: the engine's own PEX connections obey it too.
            config.max_peers_per_swarm = self.node.max_peers;
            config.endpoint.max_peers_per_swarm = self.node.max_peers;
        }
        config.endpoint.upload_slots = self.node.upload_slots;
        config.socket_buffer = self.node.socket_buffer;
        config
    }

    /// The trackers: those of the flags (or `PPSP_TRACKER`) if any, else the file's.
    pub(crate) fn trackers(&self, flags: &[String]) -> Vec<String> {
        if flags.is_empty() {
            self.node.trackers.clone()
        } else {
            flags.to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_defaults_parse_back_to_the_defaults() {
        let parsed = parse(crate::print_config::DEFAULT_CONFIG_TOML).unwrap();
        assert_eq!(parsed, FileConfig::default());
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let parsed = parse("[node]\nmax_peers = 3\ntrackers = [\"http://t/\"]\n").unwrap();
        assert_eq!(parsed.node.max_peers, 3);
        assert_eq!(parsed.node.trackers, ["http://t/"]);
        assert_eq!(parsed.node.chunk_size, NodeFile::default().chunk_size);
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_on_one_line() {
        let error = parse("[node]\nmax_peer = 3\n").unwrap_err().to_string();
        assert!(error.contains("max_peer"), "{error}");
        assert!(!error.contains('\n'), "{error}");
        assert!(parse("[node]\nlisten = \"nowhere\"\n").is_err());
    }
}
