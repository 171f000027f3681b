//! `--http-listen` and `--transports`, shared by `ppsp seed` and `ppsp get`: the node's HTTP
//! port (XML peer signalling, `POST /ppsp`, and the `http` transport) and the transports it
//! moves data over, preferred first.

use anyhow::{Result, bail};
use clap::Args;
use ppsp_node::node::{NodeConfig, NodeHandle};
use ppsp_node::signalling::SignallingStats;
use ppsp_wire::peer_list::Transport;

use crate::node_run::parse_addr;

/// The flags.
#[derive(Debug, Args)]
pub(crate) struct TransportArgs {
    /// TCP address of the HTTP server answering XML peer signalling (POST /ppsp) and chunk
    /// GETs of the http transport; none without it.
    #[arg(long)]
    http_listen: Option<String>,
    /// Transports to move data over, preferred first, comma-separated: ppspp/udp, http.
    /// Without ppspp/udp no UDP is exchanged (peers are found through a tracker).
    #[arg(long, default_value = "ppspp/udp,http")]
    transports: String,
}

impl TransportArgs {
    /// Checks the flags and sets them in `config`.
    pub(crate) fn apply(&self, config: &mut NodeConfig) -> Result<()> {
        config.transports = parse_transports(&self.transports)?;
        config.http_listen = self
            .http_listen
            .as_deref()
            .map(|text| parse_addr("--http-listen", text))
            .transpose()?;
        Ok(())
    }

    /// Whether UDP is among the transports (the flags were checked by [`Self::apply`]).
    pub(crate) fn speaks_udp(&self) -> bool {
        parse_transports(&self.transports).is_ok_and(|t| t.contains(&Transport::PpsppUdp))
    }
}

/// `ppspp/udp,http` and the like: known transports this node implements, no repeats.
fn parse_transports(text: &str) -> Result<Vec<Transport>> {
    let mut transports = Vec::new();
    for name in text.split(',').map(str::trim) {
        let transport = match name {
            "ppspp/udp" | "udp" => Transport::PpsppUdp,
            "http" => Transport::Http,
            other => bail!("--transports: {other:?} is not one of ppspp/udp, http"),
        };
        if transports.contains(&transport) {
            bail!("--transports: {name} is listed twice");
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
        assert_eq!(
            parse_transports("ppspp/udp,http").unwrap(),
            vec![Transport::PpsppUdp, Transport::Http]
        );
        assert_eq!(parse_transports("http").unwrap(), vec![Transport::Http]);
        assert!(parse_transports("http,http").is_err());
        assert!(parse_transports("relay").is_err());
        assert!(parse_transports("").is_err());
    }
}
