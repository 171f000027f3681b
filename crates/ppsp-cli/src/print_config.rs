//! `ppsp print-config`: the configuration file with every default, commented, to start from.

/// The default configuration, valid TOML that parses back to the defaults (tested).
pub(crate) const DEFAULT_CONFIG_TOML: &str = r#"# ppsp configuration: node settings of `ppsp seed`, `get`, `play` and `live`.
# Use with --config FILE (or PPSP_CONFIG=FILE). Flags win over PPSP_* environment
# variables, which win over this file, which wins over the defaults shown here.
# (`ppsp tracker` has its own file: `ppsp tracker --print-config`.)

[node]
# UDP address of the node [flag --listen, PPSP_LISTEN; `ppsp play`: --udp-listen].
# Unset: 0.0.0.0:6778 for seed and live, any free port for get and play.
# listen = "0.0.0.0:6778"

# HTTP address of the node's own server: XML peer signalling (POST /ppsp), chunk GETs
# of the http transport, and /metrics [seed, get, live: --http-listen, PPSP_HTTP_LISTEN].
# Unset: no HTTP server.
# http_listen = "127.0.0.1:7080"

# Transports to move data over, preferred first: ppspp/udp, http
# [seed, get, live: --transports, PPSP_TRANSPORTS].
transports = "ppspp/udp,http"

# HTTP address of `ppsp play`'s player endpoint (/stream) and its /metrics
# [ppsp play --listen, PPSP_PLAYER_LISTEN]. Unset: 127.0.0.1 on any free port.
# player_listen = "127.0.0.1:8080"

# Trackers (http:// or https:// URLs), used when no --tracker is given
# [flag --tracker, PPSP_TRACKER as a comma-separated list].
trackers = []

# Chunk size in bytes of content we seed, 1 to 16777216 [--chunk-size, PPSP_CHUNK_SIZE].
chunk_size = 1024

# Chunk size in bytes of live streams we create, 1 to 16777216
# [ppsp live --chunk-size, PPSP_LIVE_CHUNK_SIZE].
live_chunk_size = 8192

# Merkle hash function of content we seed: sha1, sha224, sha256, sha384 or sha512
# [--hash, PPSP_HASH].
hash = "sha256"

# Channels per swarm beyond which peers learnt by peer exchange are not connected
# [--max-peers, PPSP_MAX_PEERS].
max_peers = 16

# Peers per swarm whose requests are served at once [--upload-slots, PPSP_UPLOAD_SLOTS].
# `ppsp live` serves 4 at once unless this is set to another value.
upload_slots = 8

# UDP receive and send buffers asked of the kernel, in bytes
# [--socket-buffer, PPSP_SOCKET_BUFFER].
socket_buffer = 4194304

# Log filter: error, warn, info, debug, trace, or tracing directives such as
# "warn,ppsp_node=debug" [--log-level, PPSP_LOG_LEVEL, RUST_LOG].
log_level = "warn"
"#;

/// Prints the default configuration.
pub(crate) fn run() -> anyhow::Result<()> {
    print!("{DEFAULT_CONFIG_TOML}");
    Ok(())
}
