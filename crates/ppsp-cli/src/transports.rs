//! `--http-listen` and `--transports`, shared by `ppsp seed`, `get` and `live`: the node's
//! HTTP port (XML peer signalling, `POST /ppsp`, the `http` transport and `/metrics`) and the
//! transports it moves data over, preferred first. Like the other node settings they come
//! from the flag, else `PPSP_HTTP_LISTEN` / `PPSP_TRANSPORTS`, else the configuration file.

use anyhow::{Result, bail};
use clap::Args;
use ppsp_node::node::{NodeConfig, NodeHandle};
use ppsp_node::signalling::SignallingStats;
use ppsp_wire::peer_list::Transport;

use crate::config::Settings;
use crate::node_run::parse_addr;

/// The transports of a node nobody configured: UDP first, `http` with peers that ask for it.
pub(crate) const DEFAULT_TRANSPORTS: &str = "ppspp/udp,http";

/// The flags.
#[derive(Debug, Args)]
pub(crate) struct TransportArgs {
    /// TCP address of the HTTP server answering XML peer signalling (POST /ppsp), chunk
    /// GETs of the http transport and GET /metrics [default: the file's, else none].
    #[arg(long, env = "PPSP_HTTP_LISTEN")]
    http_listen: Option<String>,
    /// Transports to move data over, preferred first, comma-separated: ppspp/udp, http.
    /// Without ppspp/udp no UDP is exchanged (peers are found through a tracker)
    /// [default: the file's, else ppspp/udp,http].
    #[arg(long, env = "PPSP_TRANSPORTS")]
    transports: Option<String>,
    /// This node's access link, told to peers that ask (PROPERTY_QUERY): adsl, cable, ftth,
    /// lan, wifi or mobile; peers and trackers use it to pair similar peers.
    #[arg(long, env = "PPSP_ACCESS_TYPE")]
    access_type: Option<String>,
    /// The NAT in front of this node, told to peers that ask: none, full_cone, restricted,
    /// port_restricted or symmetric.
    #[arg(long, env = "PPSP_NAT_TYPE")]
    nat_type: Option<String>,
}

impl TransportArgs {
    /// Checks the flags (else the settings' values) and sets them in `config`.
    pub(crate) fn apply(&self, config: &mut NodeConfig, settings: &Settings) -> Result<()> {
        config.transports = match &self.transports {
            Some(text) => parse_transports("--transports", text)?,
            None => parse_transports("transports", &settings.node.transports)?,
        };
        config.http_listen = match &self.http_listen {
            Some(text) => Some(parse_addr("--http-listen", text)?),
            None => settings.node.http_listen,
        };
        if let Some(text) = &self.access_type {
            config.signalling.access_type = Some(
                text.parse()
                    .map_err(|e| anyhow::anyhow!("--access-type: {e}"))?,
            );
        }
        if let Some(text) = &self.nat_type {
            config.signalling.nat_type = Some(
                text.parse()
                    .map_err(|e| anyhow::anyhow!("--nat-type: {e}"))?,
            );
        }
        Ok(())
    }
}

/// Whether a node so configured moves data over UDP.
pub(crate) fn speaks_udp(config: &NodeConfig) -> bool {
    config.transports.contains(&Transport::PpsppUdp)
}

/// `ppspp/udp,http` and the like: known transports this node implements, no repeats;
/// `what` names the flag or key in errors.
pub(crate) fn parse_transports(what: &str, text: &str) -> Result<Vec<Transport>> {
    let mut transports = Vec::new();
    for name in text.split(',').map(str::trim) {
        let transport = match name {
            "ppspp/udp" | "udp" => Transport::PpsppUdp,
            "http" => Transport::Http,
            other => bail!("{what}: {other:?} is not one of ppspp/udp, http"),
        };
        if transports.contains(&transport) {
            bail!("{what}: {name} is listed twice");
        }
        transports.push(transport);
    }
    Ok(transports)
}

/// A line on the node's HTTP server, for people and scripts.
pub(crate) fn announce(command: &str, node: &NodeHandle) {
    if let Some(addr) = node.http_addr() {
        eprintln!("ppsp {command}: signalling on http://{addr}/ppsp");
    }
}

/// `ppsp get: signalling: ...`: what the XML plane did, with its control overhead.
pub(crate) fn stats_line(command: &str, node: &NodeHandle, payload_bytes: u64) -> Option<String> {
    let SignallingStats {
        peers_found_by_find,
        xml_bytes,
        http_chunks,
        http_payload_bytes,
        choked_by,
        unchokes_sent,
        reports_pushed,
        udp_sources,
        http_sources,
        chunks_served,
    } = node.signalling_stats()?;
    let overhead = if payload_bytes > 0 {
        xml_bytes as f64 / payload_bytes as f64 * 100.0
    } else {
        0.0
    };
    Some(format!(
        "ppsp {command}: signalling: found_by_find={peers_found_by_find} xml_bytes={xml_bytes} payload_bytes={payload_bytes} overhead={overhead:.3}% http_chunks={http_chunks} http_payload_bytes={http_payload_bytes} udp_sources={udp_sources} http_sources={http_sources} choked_by={choked_by} unchokes_sent={unchokes_sent} reports_pushed={reports_pushed} chunks_served={chunks_served}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_are_read_in_order_and_checked() {
        let parse = |text| parse_transports("--transports", text);
        assert_eq!(
            parse(DEFAULT_TRANSPORTS).unwrap(),
            vec![Transport::PpsppUdp, Transport::Http]
        );
        assert_eq!(parse("http").unwrap(), vec![Transport::Http]);
        assert!(parse("http,http").is_err());
        assert!(parse("relay").is_err());
        assert!(parse("").is_err());
    }
}
