//! Protection of the HTTP front end: body size limit, Content-Type check, malformed bodies,
//! per-address rate limit, bearer-token authentication; every refusal carries a PPSTP error
//! body naming the problem, and the server keeps answering afterwards.

mod common;

use common::http::{post, send};
use common::{start, test_config};
use ppsp_wire::tracker::{
    ErrorCode, JSON_MEDIA_TYPE, ResponseOutcome, TrackerEncoding, TrackerLimits, XML_MEDIA_TYPE,
};

const KEEP_ALIVE: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"STAT_REPORT","transaction_id":"k1","peer_id":"p"}}"#;

fn failure(encoding: TrackerEncoding, body: &str) -> (ErrorCode, String, Option<String>) {
    let response = encoding
        .decode_response(body.as_bytes(), &TrackerLimits::default())
        .unwrap_or_else(|e| panic!("{body:?}: {e}"));
    match response.outcome {
        ResponseOutcome::Failure { code, reason } => {
            (code, response.transaction_id.to_string(), reason)
        }
        ResponseOutcome::Success { .. } => panic!("expected a failure: {body}"),
    }
}

#[tokio::test]
async fn oversized_bodies_get_413_with_an_error_body() {
    let mut config = test_config();
    config.server.max_body_bytes = 1024;
    let (addr, server) = start(config).await;
    let big = format!(
        "<PPSPTrackerProtocol version=\"1.0\"><Method>FIND</Method>{}</PPSPTrackerProtocol>",
        " ".repeat(4096)
    );
    let answer = post(addr, XML_MEDIA_TYPE, &big).await;
    assert_eq!(answer.status, 413);
    let (code, _, reason) = failure(TrackerEncoding::Xml, &answer.body);
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(reason.unwrap().contains("1024"));
    // Without Content-Length (chunked), the limit holds too.
    let chunk = "x".repeat(2000);
    let chunked = format!("{:x}\r\n{chunk}\r\n0\r\n\r\n", chunk.len());
    let answer = send(
        addr,
        "POST",
        "/",
        &[
            ("Content-Type", JSON_MEDIA_TYPE),
            ("Transfer-Encoding", "chunked"),
        ],
        chunked.as_bytes(),
    )
    .await;
    assert!(
        answer.status == 413 || answer.status == 400,
        "{}",
        answer.status
    );
    assert_eq!(
        post(addr, JSON_MEDIA_TYPE, KEEP_ALIVE).await.status,
        403,
        "still serving"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_or_missing_content_type_gets_415_with_a_json_error_body() {
    let (addr, server) = start(test_config()).await;
    for headers in [&[("Content-Type", "text/plain")][..], &[][..]] {
        let answer = send(addr, "POST", "/", headers, KEEP_ALIVE.as_bytes()).await;
        assert_eq!(answer.status, 415);
        assert!(answer.content_type.starts_with(JSON_MEDIA_TYPE));
        let (code, _, _) = failure(TrackerEncoding::Json, &answer.body);
        assert_eq!(code, ErrorCode::BadRequest);
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_bodies_get_bad_request_naming_the_problem() {
    let (addr, server) = start(test_config()).await;
    let cases: [(&str, &str); 7] = [
        (JSON_MEDIA_TYPE, ""),
        (JSON_MEDIA_TYPE, "{not json"),
        (JSON_MEDIA_TYPE, &"[".repeat(10_000)),
        (
            JSON_MEDIA_TYPE,
            r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"DANCE","transaction_id":"m1","peer_id":"p"}}"#,
        ),
        (XML_MEDIA_TYPE, "<unclosed>"),
        (
            XML_MEDIA_TYPE,
            "<!DOCTYPE x [<!ENTITY a \"b\">]><PPSPTrackerProtocol version=\"1.0\"/>",
        ),
        (XML_MEDIA_TYPE, "\u{0}\u{1}\u{2}binary"),
    ];
    for (content_type, body) in cases {
        let answer = post(addr, content_type, body).await;
        assert_eq!(answer.status, 400, "{body:.40}");
        let encoding = TrackerEncoding::from_content_type(content_type).unwrap();
        let (code, _, reason) = failure(encoding, &answer.body);
        assert_eq!(code, ErrorCode::BadRequest);
        if encoding == TrackerEncoding::Xml {
            assert!(!reason.unwrap().is_empty());
        }
    }
    // The transaction ID is echoed when it could be read.
    let answer = post(addr, JSON_MEDIA_TYPE, cases[3].1).await;
    assert_eq!(failure(TrackerEncoding::Json, &answer.body).1, "m1");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_address_is_rate_limited_with_429_and_service_unavailable() {
    let mut config = test_config();
    config.server.rate_limit_per_second = 0.5;
    config.server.rate_limit_burst = 5.0;
    let (addr, server) = start(config).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(post(addr, JSON_MEDIA_TYPE, KEEP_ALIVE).await.status);
    }
    assert_eq!(
        &statuses[..5],
        [403; 5],
        "the burst is served (403: unregistered peer)"
    );
    assert!(statuses[5..].iter().all(|&s| s == 429), "{statuses:?}");
    let answer = post(addr, XML_MEDIA_TYPE, "<x/>").await;
    assert_eq!(answer.status, 429);
    let (code, _, reason) = failure(TrackerEncoding::Xml, &answer.body);
    assert_eq!(code, ErrorCode::ServiceUnavailable);
    assert!(reason.unwrap().contains("rate limit"));
    assert_eq!(
        common::http::get(addr, "/metrics").await.status,
        200,
        "pages are not rate limited"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_configured_bearer_token_is_required_else_authentication_required() {
    let mut config = test_config();
    config.server.auth_token = Some("s3cret".into());
    let (addr, server) = start(config).await;
    let answer = post(addr, JSON_MEDIA_TYPE, KEEP_ALIVE).await;
    assert_eq!(answer.status, 401);
    let (code, _, _) = failure(TrackerEncoding::Json, &answer.body);
    assert_eq!(code, ErrorCode::AuthenticationRequired);
    assert!(answer.body.contains(r#""error_code":6"#));
    let wrong = [
        ("Content-Type", JSON_MEDIA_TYPE),
        ("Authorization", "Bearer nope"),
    ];
    assert_eq!(
        send(addr, "POST", "/", &wrong, KEEP_ALIVE.as_bytes())
            .await
            .status,
        401
    );
    let right = [
        ("Content-Type", JSON_MEDIA_TYPE),
        ("Authorization", "Bearer s3cret"),
    ];
    assert_eq!(
        send(addr, "POST", "/", &right, KEEP_ALIVE.as_bytes())
            .await
            .status,
        403,
        "past authentication"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn stats_page_and_metrics_show_swarms_peers_and_requests() {
    let (addr, server) = start(test_config()).await;
    let join = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"j","peer_id":"p","connect":{"swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"SEEDER"}}}}"#;
    assert_eq!(post(addr, JSON_MEDIA_TYPE, join).await.status, 200);
    let leech = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"l","peer_id":"q","connect":{"swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"LEECH"}}}}"#;
    assert_eq!(post(addr, JSON_MEDIA_TYPE, leech).await.status, 200);
    let other = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"o","peer_id":"r","connect":{"swarm_action":{"swarm_id":"2222","action":"JOIN","peer_mode":"SEEDER"}}}}"#;
    assert_eq!(post(addr, JSON_MEDIA_TYPE, other).await.status, 200);
    post(addr, JSON_MEDIA_TYPE, r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"FIND","transaction_id":"f","peer_id":"nobody","swarm_id":"1111"}}"#).await;
    let page = common::http::get(addr, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    for expected in [
        "<th align=\"left\">Swarms</th><td>2</td>",
        "<th align=\"left\">Peers</th><td>3</td>",
        "Requests per second",
        // Per message type: total and rate.
        "<th align=\"left\">CONNECT requests</th><td>3 (",
        "<th align=\"left\">FIND requests</th><td>1 (",
        "<th align=\"left\">STAT_REPORT requests</th><td>0 (0.00/s)</td>",
        // Swarms, largest first: ID, seeders, leechers.
        "<tr><td><code>1111</code></td><td>1</td><td>1</td></tr>\n\
         <tr><td><code>2222</code></td><td>1</td><td>0</td></tr>",
    ] {
        assert!(
            page.body.contains(expected),
            "missing {expected} in\n{}",
            page.body
        );
    }
    let metrics = common::http::get(addr, "/metrics").await;
    assert_eq!(metrics.status, 200);
    for line in [
        "# TYPE ppsp_tracker_requests_total counter",
        "ppsp_tracker_requests_total{type=\"CONNECT\",result=\"SUCCESSFUL\"} 3",
        "ppsp_tracker_requests_total{type=\"FIND\",result=\"FORBIDDEN_ACTION\"} 1",
        "ppsp_tracker_requests_total{type=\"STAT_REPORT\",result=\"SUCCESSFUL\"} 0",
        "ppsp_tracker_swarms 2",
        "ppsp_tracker_peers 3",
        "# TYPE ppsp_tracker_request_duration_seconds histogram",
        "ppsp_tracker_request_duration_seconds_bucket{le=\"+Inf\"} 4",
        "ppsp_tracker_request_duration_seconds_count 4",
    ] {
        assert!(
            metrics.body.contains(line),
            "missing {line} in\n{}",
            metrics.body
        );
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_body_that_never_arrives_times_out_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = test_config();
    config.server.request_timeout = std::time::Duration::from_secs(1);
    let (addr, server) = start(config).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON_MEDIA_TYPE}\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer)).await;
    let n = read
        .expect("answered before the test's own deadline")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""error_code":5"#), "{answer}");
    server.shutdown().await.unwrap();
}
