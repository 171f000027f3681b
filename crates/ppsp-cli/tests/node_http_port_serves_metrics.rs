//! The node's own HTTP port (`--http-listen`, the one answering `POST /ppsp`) answers
//! `GET /metrics` with the node's counters in the Prometheus text format, and a download
//! from the node moves them.

mod support;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::{Proc, content, seed};

/// `GET path` over HTTP/1.1: the status line and the body.
fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_string(), body.to_string())
}

/// The value of the sample `name{labels}` (or unlabelled `name`).
fn sample(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn a_seed_http_port_serves_metrics_that_a_download_moves() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.bin");
    let bytes = content(256 << 10, 7);
    std::fs::write(&file, &bytes).unwrap();
    let (mut seeder, uri) = seed(
        &file,
        &["--http-listen", "127.0.0.1:0", "--log-interval", "0"],
    );
    let addr: SocketAddr = support::signalling_addr(&mut seeder);
    // ppsp://SWARM?cs=...
    let swarm = uri["ppsp://".len()..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let up = format!("ppsp_swarm_payload_bytes_up_total{{swarm=\"{swarm}\"}}");

    let (head, before) = get(addr, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    assert_eq!(sample(&before, &up), Some(0), "{before}");
    for family in [
        "ppsp_swarm_chunks_verified_total{",
        "ppsp_swarm_peers{",
        "ppsp_node_datagrams_received_total ",
        "ppsp_node_datagrams_sent_total ",
        "ppsp_node_uptime_seconds ",
        "ppsp_signalling_requests_served_total ",
    ] {
        assert!(before.contains(family), "no {family} in {before}");
    }

    let out = dir.path().join("copy.bin");
    let mut leecher = Proc::start(
        "get",
        &[
            "get",
            &uri,
            "--listen",
            "127.0.0.1:0",
            "--transports",
            "ppspp/udp",
            "--log-interval",
            "0",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let status = leecher.wait(Duration::from_secs(300));
    assert!(status.success(), "{:#?}", leecher.log);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    // The page is refreshed from the engine every 200 ms.
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let (_, body) = get(addr, "/metrics");
        if sample(&body, &up).unwrap_or(0) >= bytes.len() as u64 || Instant::now() > deadline {
            break body;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        sample(&after, &up).unwrap_or(0) >= bytes.len() as u64,
        "{after}"
    );
    let received = "ppsp_node_datagrams_received_total";
    assert!(
        sample(&after, received) > sample(&before, received),
        "{after}"
    );
    assert!(
        sample(&after, "ppsp_signalling_requests_served_total").is_some(),
        "{after}"
    );
    let status = seeder.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", seeder.log);
}
