//! Clients that hold connections without finishing requests (slowloris) are cut off, one
//! address cannot hold more than its share of connections, and well-behaved kept-alive
//! connections keep working. Raw TCP on loopback, so the tests control the timing of every byte.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{start, test_config};
use ppsp_wire::tracker::JSON_MEDIA_TYPE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEEP_ALIVE: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"STAT_REPORT","transaction_id":"k1","peer_id":"p"}}"#;
/// Every test gives up after this long, whatever the server does.
const TEST_DEADLINE: Duration = Duration::from_secs(10);

fn request(connection: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\nContent-Type: {JSON_MEDIA_TYPE}\r\nContent-Length: {}\r\n\r\n{KEEP_ALIVE}",
        KEEP_ALIVE.len()
    )
}

/// Sends `trickle` one byte every `every` until the server closes the connection; returns
/// what the server sent and when it closed. Panics if it is still open at the deadline.
async fn trickle_until_closed(
    addr: SocketAddr,
    head: &str,
    trickle: &[u8],
    every: Duration,
) -> (String, Duration) {
    let started = Instant::now();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let writing = async move {
        for &byte in trickle.iter().cycle().take(1_000) {
            tokio::time::sleep(every).await;
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let reading = async {
        let mut received = Vec::new();
        let _ = reader.read_to_end(&mut received).await;
        String::from_utf8_lossy(&received).to_string()
    };
    let answer = tokio::time::timeout(TEST_DEADLINE, async {
        tokio::select! {
            answer = reading => answer,
            () = writing => unreachable!("the writer never finishes"),
        }
    })
    .await
    .expect("the server closed the connection before the test's deadline");
    (answer, started.elapsed())
}

#[tokio::test]
async fn headers_trickled_slower_than_the_header_timeout_are_cut_off() {
    let mut config = test_config();
    config.server.header_timeout = Duration::from_secs(1);
    let (addr, server) = start(config).await;
    let (answer, elapsed) = trickle_until_closed(
        addr,
        "POST / HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: y\r\n",
        Duration::from_millis(100),
    )
    .await;
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "closed after {elapsed:?}"
    );
    assert!(
        !answer.contains("200 OK"),
        "no request was completed: {answer}"
    );
    let answer = common::http::post(addr, JSON_MEDIA_TYPE, KEEP_ALIVE).await;
    assert_eq!(answer.status, 403, "the server still answers others");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let mut config = test_config();
    config.server.header_timeout = Duration::from_secs(1);
    let (addr, server) = start(config).await;
    let (answer, elapsed) = trickle_until_closed(addr, "", b"", Duration::from_secs(60)).await;
    assert!(answer.is_empty(), "{answer}");
    assert!(elapsed < Duration::from_secs(5), "closed after {elapsed:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_body_trickled_byte_by_byte_gets_408_and_the_connection_closes() {
    let mut config = test_config();
    config.server.request_timeout = Duration::from_secs(1);
    let (addr, server) = start(config).await;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON_MEDIA_TYPE}\r\nContent-Length: 10000\r\n\r\n"
    );
    let (answer, elapsed) =
        trickle_until_closed(addr, &head, b" ", Duration::from_millis(100)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(elapsed < Duration::from_secs(5), "closed after {elapsed:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_kept_alive_connection_answers_request_after_request() {
    let (addr, server) = start(test_config()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for round in 0..3 {
        stream
            .write_all(request("keep-alive").as_bytes())
            .await
            .unwrap();
        let mut buffer = vec![0u8; 4096];
        let n = tokio::time::timeout(TEST_DEADLINE, stream.read(&mut buffer))
            .await
            .expect("answered in time")
            .unwrap();
        let answer = String::from_utf8_lossy(&buffer[..n]);
        assert!(
            answer.starts_with("HTTP/1.1 403"),
            "round {round}: {answer}"
        );
        assert!(
            answer.contains(r#""error_code":3"#),
            "round {round}: {answer}"
        );
    }
    server.shutdown().await.unwrap();
}

/// Whether the server answers a request on `stream` (false when it closed it instead).
async fn answers(stream: &mut TcpStream) -> bool {
    if stream
        .write_all(request("keep-alive").as_bytes())
        .await
        .is_err()
    {
        return false;
    }
    let mut buffer = vec![0u8; 4096];
    match tokio::time::timeout(TEST_DEADLINE, stream.read(&mut buffer)).await {
        Ok(Ok(n)) => buffer[..n].starts_with(b"HTTP/1.1 "),
        Ok(Err(_)) => false,
        Err(_) => panic!("neither answered nor closed in time"),
    }
}

#[tokio::test]
async fn connections_beyond_the_per_address_cap_are_closed() {
    let mut config = test_config();
    config.server.max_connections_per_address = 2;
    let (addr, server) = start(config).await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    assert!(answers(&mut first).await);
    assert!(answers(&mut second).await);
    let mut third = TcpStream::connect(addr).await.unwrap();
    assert!(!answers(&mut third).await, "a third connection is refused");
    drop(first);
    // The server frees the slot once it sees the close: retry for a bounded time.
    let deadline = Instant::now() + TEST_DEADLINE;
    loop {
        let mut again = TcpStream::connect(addr).await.unwrap();
        if answers(&mut again).await {
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        answers(&mut second).await,
        "the kept connection still works"
    );
    server.shutdown().await.unwrap();
}
