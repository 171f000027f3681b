//! `GET /` (an HTML page for people: swarms, peers, request rates) and `GET /metrics`
//! (Prometheus text for machines).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::App;
use crate::store::Store;

/// The statistics page.
pub(crate) async fn stats(State(app): State<Arc<App>>) -> Html<String> {
    let now = Instant::now();
    let counts = app.tracker.counts().await;
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
    row(
        "Requests per second (last minute)",
        format!("{:.2}", app.metrics.request_rate(now)),
    );
    for (request_type, total) in app.metrics.totals() {
        row(&format!("{request_type} requests"), total.to_string());
    }
    row(
        "Uptime",
        format!("{} s", now.saturating_duration_since(app.started).as_secs()),
    );
    page.push_str("</table>\n<p>Protocol: <code>POST /</code> (RFC 7846, JSON or XML). Metrics: <a href=\"/metrics\">/metrics</a>.</p>\n</body></html>\n");
    Html(page)
}

/// The Prometheus exposition.
pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
    let counts = app.tracker.store().counts().await.ok();
    let body = app.metrics.render(counts, Instant::now());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
