//! `GET /metrics`: the node's counters in the Prometheus text format (version 0.0.4), so a
//! scraper can follow a viewer without any other tool.

use std::fmt::Write as _;

use ppsp_node::node::SwarmReport;

/// The report as Prometheus text; `swarm` labels the swarm's series.
pub(crate) fn render(swarm: &str, report: &SwarmReport) -> String {
    let s = &report.swarm;
    let n = &report.node;
    let label = format!("{{swarm=\"{swarm}\"}}");
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, labels: &str, value: u64| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name}{labels} {value}");
    };
    let as_u64 = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    metric(
        "ppsp_swarm_payload_bytes_down_total",
        "counter",
        "Chunk bytes received in DATA messages.",
        &label,
        s.payload_bytes_down,
    );
    metric(
        "ppsp_swarm_payload_bytes_up_total",
        "counter",
        "Chunk bytes sent in DATA messages.",
        &label,
        s.payload_bytes_up,
    );
    metric(
        "ppsp_swarm_bytes_down_total",
        "counter",
        "Bytes of all datagrams received on the swarm's channels.",
        &label,
        s.bytes_down,
    );
    metric(
        "ppsp_swarm_bytes_up_total",
        "counter",
        "Bytes of all datagrams sent on the swarm's channels.",
        &label,
        s.bytes_up,
    );
    metric(
        "ppsp_swarm_chunks_held",
        "gauge",
        "Chunks held.",
        &label,
        s.chunks_held,
    );
    if let Some(count) = s.chunk_count {
        metric(
            "ppsp_swarm_chunks",
            "gauge",
            "Chunks in the content.",
            &label,
            count,
        );
    }
    metric(
        "ppsp_swarm_peers",
        "gauge",
        "Open channels.",
        &label,
        as_u64(s.peers),
    );
    metric(
        "ppsp_swarm_request_timeouts_total",
        "counter",
        "Requests that timed out and were re-issued.",
        &label,
        s.request_timeouts,
    );
    metric(
        "ppsp_swarm_banned_peers_total",
        "counter",
        "Peers banned for data failing verification.",
        &label,
        s.banned_peers,
    );
    metric(
        "ppsp_node_datagrams_received_total",
        "counter",
        "UDP datagrams received.",
        "",
        n.datagrams_received,
    );
    metric(
        "ppsp_node_datagrams_sent_total",
        "counter",
        "UDP datagrams sent.",
        "",
        n.datagrams_sent,
    );
    metric(
        "ppsp_node_send_failures_total",
        "counter",
        "Datagrams the kernel refused to send.",
        "",
        report.send_failures,
    );
    out
}

#[cfg(test)]
mod tests {
    use ppsp_core::engine::{EndpointStats, SwarmStats};

    use super::*;

    #[test]
    fn each_series_has_help_type_and_a_labelled_value() {
        let report = SwarmReport {
            swarm: SwarmStats {
                payload_bytes_down: 4096,
                chunks_held: 4,
                chunk_count: Some(10),
                peers: 2,
                ..SwarmStats::default()
            },
            node: EndpointStats::default(),
            send_failures: 1,
        };
        let text = render("ab12", &report);
        assert!(text.contains("ppsp_swarm_payload_bytes_down_total{swarm=\"ab12\"} 4096\n"));
        assert!(text.contains("ppsp_swarm_chunks{swarm=\"ab12\"} 10\n"));
        assert!(text.contains("ppsp_swarm_peers{swarm=\"ab12\"} 2\n"));
        assert!(text.contains("ppsp_node_send_failures_total 1\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
    }
}
