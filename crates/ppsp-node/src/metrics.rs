//! A node's counters in the Prometheus text format (version 0.0.4), so that a scraper can
//! follow a seed, a live source or a viewer without any other tool.
//!
//! One renderer serves both places that expose them: the node's own HTTP port (`GET
//! /metrics` next to `POST /ppsp`, see [`mount`]) and `ppsp play`'s player endpoint, which
//! asks the driver with [`NodeHandle::metrics`](crate::node::NodeHandle::metrics). Each
//! family is written once with every swarm's sample under it (the format wants a family's
//! samples together), the swarm ID as the `swarm` label.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ppsp_core::engine::{Endpoint, EndpointStats, LiveStatus, SwarmStats};
use ppsp_wire::ids::SwarmId;

use crate::signalling::{Plane, SignallingStats};

/// The media type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Where the node's HTTP port serves the page.
pub const METRICS_PATH: &str = "/metrics";

/// Everything the page shows, taken at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeMetrics {
    /// Time since the node started.
    pub uptime: Duration,
    /// The engine's counters, all swarms together.
    pub node: EndpointStats,
    /// Datagrams the kernel refused to send.
    pub send_failures: u64,
    /// Each swarm the node is in.
    pub swarms: Vec<SwarmMetrics>,
    /// What the signalling plane did, when the node runs one.
    pub signalling: Option<SignallingStats>,
    /// Requests the node's HTTP server answered (`POST /ppsp`, chunk GETs), with the bytes
    /// of their bodies; `None` without a server.
    pub served: Option<ServedRequests>,
}

/// One swarm's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct SwarmMetrics {
    /// The swarm.
    pub swarm: SwarmId,
    /// Its counters.
    pub stats: SwarmStats,
    /// Edge, playhead and continuity, for a live swarm.
    pub live: Option<LiveStatus>,
}

/// Requests answered by the node's HTTP server (the `/metrics` page itself excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServedRequests {
    /// Requests answered.
    pub requests: u64,
    /// Bytes of their request bodies, as declared by `Content-Length`.
    pub request_bytes: u64,
}

/// The engine's part of the page (no uptime, plane or server figures: the caller adds
/// those it has).
pub(crate) fn collect(endpoint: &Endpoint, send_failures: u64) -> NodeMetrics {
    let swarms = endpoint
        .swarm_ids()
        .filter_map(|id| {
            endpoint.swarm_stats(id).map(|stats| SwarmMetrics {
                swarm: id.clone(),
                stats,
                live: endpoint.live_status(id),
            })
        })
        .collect();
    NodeMetrics {
        node: endpoint.stats(),
        send_failures,
        swarms,
        ..NodeMetrics::default()
    }
}

/// One sample: its labels (`{...}` or empty) and its value, already formatted.
type Sample = (String, String);

/// Writes a family (HELP, TYPE, samples); nothing when it has no sample.
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: Vec<Sample>) {
    if samples.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// Per-swarm families: how to read each swarm's value (`None`: no sample for that swarm).
type SwarmValue = fn(&SwarmMetrics) -> Option<u64>;

const SWARM_FAMILIES: &[(&str, &str, &str, SwarmValue)] = &[
    (
        "ppsp_swarm_payload_bytes_down_total",
        "counter",
        "Chunk bytes received in DATA messages.",
        |s| Some(s.stats.payload_bytes_down),
    ),
    (
        "ppsp_swarm_payload_bytes_up_total",
        "counter",
        "Chunk bytes sent in DATA messages.",
        |s| Some(s.stats.payload_bytes_up),
    ),
    (
        "ppsp_swarm_bytes_down_total",
        "counter",
        "Bytes of all datagrams received on the swarm's channels.",
        |s| Some(s.stats.bytes_down),
    ),
    (
        "ppsp_swarm_bytes_up_total",
        "counter",
        "Bytes of all datagrams sent on the swarm's channels.",
        |s| Some(s.stats.bytes_up),
    ),
    (
        "ppsp_swarm_chunks_verified_total",
        "counter",
        "Chunks verified since the swarm was added.",
        |s| Some(s.stats.chunks_verified),
    ),
    ("ppsp_swarm_chunks_held", "gauge", "Chunks held.", |s| {
        Some(s.stats.chunks_held)
    }),
    (
        "ppsp_swarm_chunks",
        "gauge",
        "Chunks in the content, once known.",
        |s| s.stats.chunk_count,
    ),
    ("ppsp_swarm_peers", "gauge", "Open channels.", |s| {
        Some(u64::try_from(s.stats.peers).unwrap_or(u64::MAX))
    }),
    (
        "ppsp_swarm_request_timeouts_total",
        "counter",
        "Requests that timed out and were re-issued.",
        |s| Some(s.stats.request_timeouts),
    ),
    (
        "ppsp_swarm_invalid_messages_total",
        "counter",
        "Datagrams or messages refused as malformed.",
        |s| Some(s.stats.invalid_messages),
    ),
    (
        "ppsp_swarm_banned_peers_total",
        "counter",
        "Peers banned for data failing verification.",
        |s| Some(s.stats.banned_peers),
    ),
    (
        "ppsp_live_source",
        "gauge",
        "1 when this node is the live stream's source, 0 when it receives it.",
        |s| s.live.as_ref().map(|l| u64::from(l.source)),
    ),
    (
        "ppsp_live_edge_chunk",
        "gauge",
        "The newest live chunk known to exist.",
        |s| s.live.as_ref().and_then(|l| l.edge),
    ),
    (
        "ppsp_live_newest_held_chunk",
        "gauge",
        "The newest live chunk held and verified.",
        |s| s.live.as_ref().and_then(|l| l.newest_held),
    ),
    (
        "ppsp_live_playhead_chunk",
        "gauge",
        "The next live chunk the player needs.",
        |s| s.live.as_ref().and_then(|l| l.playhead),
    ),
    (
        "ppsp_live_chunks_on_time_total",
        "counter",
        "Live chunks after the join point verified before their deadline.",
        |s| s.live.as_ref().map(|l| l.chunks_on_time),
    ),
    (
        "ppsp_live_chunks_missed_total",
        "counter",
        "Live chunks after the join point whose deadline passed before they arrived.",
        |s| s.live.as_ref().map(|l| l.chunks_missed),
    ),
];

/// Node-wide families, unlabelled.
type NodeValue = fn(&NodeMetrics) -> Option<u64>;

const NODE_FAMILIES: &[(&str, &str, &str, NodeValue)] = &[
    (
        "ppsp_node_datagrams_received_total",
        "counter",
        "UDP datagrams received.",
        |m| Some(m.node.datagrams_received),
    ),
    (
        "ppsp_node_datagrams_sent_total",
        "counter",
        "UDP datagrams sent.",
        |m| Some(m.node.datagrams_sent),
    ),
    (
        "ppsp_node_invalid_datagrams_total",
        "counter",
        "UDP datagrams that could not be decoded.",
        |m| Some(m.node.invalid_datagrams),
    ),
    (
        "ppsp_node_send_failures_total",
        "counter",
        "Datagrams the kernel refused to send.",
        |m| Some(m.send_failures),
    ),
    ("ppsp_node_channels", "gauge", "Channels held.", |m| {
        Some(u64::try_from(m.node.channels).unwrap_or(u64::MAX))
    }),
    (
        "ppsp_signalling_requests_served_total",
        "counter",
        "Requests the node's HTTP server answered (POST /ppsp and chunk GETs).",
        |m| m.served.map(|s| s.requests),
    ),
    (
        "ppsp_signalling_request_bytes_total",
        "counter",
        "Body bytes of the requests the node's HTTP server answered.",
        |m| m.served.map(|s| s.request_bytes),
    ),
    (
        "ppsp_signalling_xml_bytes_total",
        "counter",
        "XML bytes exchanged by this node's own signalling requests.",
        |m| m.signalling.map(|s| s.xml_bytes),
    ),
    (
        "ppsp_signalling_peers_found_by_find_total",
        "counter",
        "Peers first learnt from FIND answers.",
        |m| m.signalling.map(|s| s.peers_found_by_find),
    ),
    (
        "ppsp_signalling_http_chunks_total",
        "counter",
        "Chunks fetched over the http transport and taken by the engine.",
        |m| m.signalling.map(|s| s.http_chunks),
    ),
    (
        "ppsp_signalling_http_payload_bytes_total",
        "counter",
        "Bytes of the chunks fetched over the http transport.",
        |m| m.signalling.map(|s| s.http_payload_bytes),
    ),
    (
        "ppsp_signalling_chunks_served_total",
        "counter",
        "Chunks served by chunk GETs.",
        |m| m.signalling.map(|s| s.chunks_served),
    ),
    (
        "ppsp_signalling_choked_by_total",
        "counter",
        "Times a peer answered CHOKED.",
        |m| m.signalling.map(|s| s.choked_by),
    ),
    (
        "ppsp_signalling_unchokes_sent_total",
        "counter",
        "UNCHOKEs sent to peers that slots freed up for.",
        |m| m.signalling.map(|s| s.unchokes_sent),
    ),
];

impl NodeMetrics {
    /// The page.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, kind, help, value) in SWARM_FAMILIES {
            let samples = self
                .swarms
                .iter()
                .filter_map(|s| {
                    value(s).map(|v| (format!("{{swarm=\"{}\"}}", s.swarm), v.to_string()))
                })
                .collect();
            family(&mut out, name, kind, help, samples);
        }
        for (name, kind, help, value) in NODE_FAMILIES {
            let samples = value(self)
                .map(|v| (String::new(), v.to_string()))
                .into_iter()
                .collect();
            family(&mut out, name, kind, help, samples);
        }
        family(
            &mut out,
            "ppsp_node_uptime_seconds",
            "gauge",
            "Seconds since the node started.",
            vec![(String::new(), format!("{:.3}", self.uptime.as_secs_f64()))],
        );
        out
    }
}

/// Counts requests on their way to the signalling routes.
#[derive(Debug, Default)]
struct ServedCounters {
    requests: AtomicU64,
    request_bytes: AtomicU64,
}

impl ServedCounters {
    fn get(&self) -> ServedRequests {
        ServedRequests {
            requests: self.requests.load(Ordering::Relaxed),
            request_bytes: self.request_bytes.load(Ordering::Relaxed),
        }
    }
}

/// `routes` (the signalling plane's) with `GET /metrics` added, answered from the plane's
/// snapshot (the driver refreshes it every 200 ms, so a scrape never waits on the engine),
/// and every other request counted for the page.
pub(crate) fn mount(routes: Router, plane: Arc<Plane>) -> Router {
    let served = Arc::new(ServedCounters::default());
    let counted = Arc::clone(&served);
    let routes = routes.layer(middleware::from_fn(move |request: Request, next: Next| {
        let counted = Arc::clone(&counted);
        async move {
            let bytes = request
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            counted.requests.fetch_add(1, Ordering::Relaxed);
            counted.request_bytes.fetch_add(bytes, Ordering::Relaxed);
            next.run(request).await
        }
    }));
    let page = Router::new().route(
        METRICS_PATH,
        get(move || {
            let plane = Arc::clone(&plane);
            let served = Arc::clone(&served);
            async move { page(&plane, served.get()) }
        }),
    );
    routes.merge(page)
}

fn page(plane: &Plane, served: ServedRequests) -> Response {
    let mut metrics = plane.snapshot().metrics.clone();
    metrics.uptime = plane.started.elapsed();
    metrics.signalling = Some(plane.stats());
    metrics.served = Some(served);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NodeMetrics {
        let swarm = |byte: u8| SwarmId::new(vec![byte; 32]).unwrap();
        NodeMetrics {
            uptime: Duration::from_millis(1500),
            send_failures: 1,
            swarms: vec![
                SwarmMetrics {
                    swarm: swarm(0xab),
                    stats: SwarmStats {
                        payload_bytes_down: 4096,
                        chunks_held: 4,
                        chunk_count: Some(10),
                        peers: 2,
                        ..SwarmStats::default()
                    },
                    live: None,
                },
                SwarmMetrics {
                    swarm: swarm(0xcd),
                    stats: SwarmStats::default(),
                    live: Some(LiveStatus {
                        source: false,
                        edge: Some(99),
                        newest_held: Some(98),
                        join_chunk: Some(50),
                        playhead: Some(90),
                        window_start: 0,
                        chunk_rate: None,
                        chunks_missed: 3,
                        chunks_on_time: 37,
                    }),
                },
            ],
            ..NodeMetrics::default()
        }
    }

    #[test]
    fn every_swarm_has_its_labelled_sample_under_one_family() {
        let text = sample().render();
        let ab = "ab".repeat(32);
        let cd = "cd".repeat(32);
        assert!(text.contains(&format!(
            "ppsp_swarm_payload_bytes_down_total{{swarm=\"{ab}\"}} 4096\n"
        )));
        assert!(text.contains(&format!(
            "ppsp_swarm_payload_bytes_down_total{{swarm=\"{cd}\"}} 0\n"
        )));
        assert_eq!(
            text.matches("# TYPE ppsp_swarm_payload_bytes_down_total ")
                .count(),
            1
        );
        assert!(text.contains(&format!("ppsp_swarm_chunks{{swarm=\"{ab}\"}} 10\n")));
        assert!(!text.contains(&format!("ppsp_swarm_chunks{{swarm=\"{cd}\"}}")));
        assert!(text.contains("ppsp_node_send_failures_total 1\n"));
        assert!(text.contains("ppsp_node_uptime_seconds 1.500\n"));
    }

    #[test]
    fn live_continuity_is_shown_for_live_swarms_only() {
        let text = sample().render();
        let cd = "cd".repeat(32);
        assert!(text.contains(&format!(
            "ppsp_live_chunks_missed_total{{swarm=\"{cd}\"}} 3\n"
        )));
        assert!(text.contains(&format!(
            "ppsp_live_chunks_on_time_total{{swarm=\"{cd}\"}} 37\n"
        )));
        assert!(text.contains(&format!("ppsp_live_edge_chunk{{swarm=\"{cd}\"}} 99\n")));
        assert_eq!(text.matches("ppsp_live_source{").count(), 1);
    }

    #[test]
    fn signalling_families_appear_only_with_a_plane() {
        let mut metrics = sample();
        assert!(!metrics.render().contains("ppsp_signalling_"));
        metrics.signalling = Some(SignallingStats {
            chunks_served: 7,
            ..SignallingStats::default()
        });
        metrics.served = Some(ServedRequests {
            requests: 5,
            request_bytes: 800,
        });
        let text = metrics.render();
        assert!(text.contains("ppsp_signalling_chunks_served_total 7\n"));
        assert!(text.contains("ppsp_signalling_requests_served_total 5\n"));
        assert!(text.contains("ppsp_signalling_request_bytes_total 800\n"));
    }

    #[test]
    fn each_sample_has_help_and_type() {
        let text = sample().render();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
    }
}
