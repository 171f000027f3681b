//! `GET /` (an HTML page for people: swarms with seeders and leechers, peers, request rates
//! per message type) and `GET /metrics` (Prometheus text for machines).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::App;
use crate::store::{Store, SwarmSummary};

/// Most swarms listed on the statistics page.
const PAGE_SWARMS: usize = 100;

/// The statistics page: totals, request rates per message type, and the largest swarms with
/// their seeders and leechers.
pub(crate) async fn stats(State(app): State<Arc<App>>) -> Html<String> {
    let now = Instant::now();
    let counts = app.tracker.counts().await;
    let swarms = app.tracker.store().swarms(PAGE_SWARMS).await;
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>PPSP tracker</title>\
         <meta http-equiv=\"refresh\" content=\"10\"></head><body>\n<h1>PPSP tracker</h1>\n<table>\n",
    );
    let mut row = |name: &str, value: String| {
        let _ = writeln!(
            page,
            "<tr><th align=\"left\">{name}</th><td>{value}</td></tr>"
        );
    };
    match counts {
        Ok(counts) => {
            row("Swarms", counts.swarms.to_string());
            row("Peers", counts.peers.to_string());
        }
        Err(_) => row("Store", "unreachable".into()),
    }
    row("Store kind", app.store_kind.into());
    let rates = app.metrics.request_rates(now);
    row(
        "Requests per second (last minute)",
        format!("{:.2}", rates.iter().map(|(_, rate)| rate).sum::<f64>()),
    );
    for ((request_type, rate), (_, total)) in rates.iter().zip(app.metrics.totals()) {
        row(
            &format!("{request_type} requests"),
            format!("{total} ({rate:.2}/s)"),
        );
    }
    row(
        "Uptime",
        format!("{} s", now.saturating_duration_since(app.started).as_secs()),
    );
    page.push_str("</table>\n");
    swarm_table(&mut page, swarms.unwrap_or_default());
    page.push_str("<p>Protocol: <code>POST /</code> (RFC 7846, JSON or XML). Metrics: <a href=\"/metrics\">/metrics</a>.</p>\n</body></html>\n");
    Html(page)
}

/// The swarms table (swarm IDs are hex, so nothing needs escaping).
fn swarm_table(page: &mut String, swarms: Vec<SwarmSummary>) {
    let _ = writeln!(
        page,
        "<h2>Swarms (largest {PAGE_SWARMS})</h2>\n<table>\n\
         <tr><th align=\"left\">Swarm ID</th><th>Seeders</th><th>Leechers</th></tr>"
    );
    for swarm in swarms {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            swarm.swarm_id, swarm.seeders, swarm.leechers
        );
    }
    page.push_str("</table>\n");
}

/// The Prometheus exposition.
pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
    let counts = app.tracker.store().counts().await.ok();
    let body = app.metrics.render(counts, Instant::now());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
