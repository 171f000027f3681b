//! The tracker client against a real server (plain HTTP and HTTPS with a self-signed
//! certificate made here), and its retry rule: a request without a valid answer is resent
//! with the same transaction ID (RFC 7846 section 3.4).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{start, swarm, test_config};
use ppsp_tracker::client::{ClientConfig, ClientError, TrackerClient};
use ppsp_wire::tracker::{
    ErrorCode, PeerMode, TrackerEncoding, TrackerLimits, TrackerPeerId, TrackerResponse,
};
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn client(config: ClientConfig, peer: &str) -> TrackerClient {
    TrackerClient::new(config, TrackerPeerId::new(peer).unwrap()).unwrap()
}

#[tokio::test]
async fn peers_join_and_find_each_other_through_the_client_in_both_encodings() {
    let (addr, server) = start(test_config()).await;
    let url = format!("http://{addr}/");
    let seeder = client(ClientConfig::new(&url), "seeder");
    let reply = seeder
        .join(
            swarm("1111"),
            PeerMode::Seeder,
            vec![common::host_addr("127.0.0.1", 6778)],
            None,
        )
        .await
        .unwrap();
    let reflexive = reply.reflexive.expect("the tracker says where it saw us");
    assert_eq!(reflexive.ip().to_string(), "127.0.0.1");
    assert_ne!(reflexive.port(), 7846, "the source port of our connection");
    let leech = client(
        ClientConfig {
            encoding: TrackerEncoding::Xml,
            ..ClientConfig::new(&url)
        },
        "leech",
    );
    let reply = leech
        .join(
            swarm("1111"),
            PeerMode::Leech,
            vec![],
            Some(common::count(5)),
        )
        .await
        .unwrap();
    let listed = &reply.swarm_results[0].peers;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].peer_addr.socket_addr(),
        "127.0.0.1:6778".parse().unwrap()
    );
    assert_eq!(
        seeder
            .find(swarm("1111"), None)
            .await
            .unwrap()
            .swarm_results[0]
            .peers[0]
            .peer_id
            .as_str(),
        "leech"
    );
    assert!(
        leech
            .stat_report(vec![])
            .await
            .unwrap()
            .swarm_results
            .is_empty()
    );
    leech
        .leave(&[(swarm("1111"), PeerMode::Leech)])
        .await
        .unwrap();
    let refused = leech.stat_report(vec![]).await.unwrap_err();
    assert!(
        matches!(
            refused,
            ClientError::Refused {
                code: ErrorCode::ForbiddenAction,
                reason: Some(_)
            }
        ),
        "{refused:?}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn https_with_a_self_signed_certificate() {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let dir = std::env::temp_dir().join(format!("ppsp-tracker-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let mut config = test_config();
    config.server.tls_cert = Some(cert);
    config.server.tls_key = Some(key);
    let (addr, server) = start(config).await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(certified.cert.der().to_vec()))
        .unwrap();
    let secure = ClientConfig {
        tls_roots: Some(Arc::new(roots)),
        ..ClientConfig::new(format!("https://127.0.0.1:{}/", addr.port()))
    };
    let seeder = client(secure.clone(), "seeder");
    seeder
        .join(swarm("1111"), PeerMode::Seeder, vec![], None)
        .await
        .unwrap();
    let reply = client(secure, "leech")
        .join(swarm("1111"), PeerMode::Leech, vec![], None)
        .await
        .unwrap();
    assert_eq!(reply.swarm_results[0].peers[0].peer_id.as_str(), "seeder");
    // Plain HTTP to the HTTPS port gets no answer, and the server carries on.
    let plain = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(15), plain)
        .await
        .unwrap();
    assert!(!answer.starts_with(b"HTTP/1.1 200"));
    assert!(seeder.stat_report(vec![]).await.is_ok());
    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// Reads one HTTP request and returns its body.
async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "request cut short");
        raw.extend_from_slice(&buf[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if raw.len() >= end + 4 + length {
            return raw[end + 4..end + 4 + length].to_vec();
        }
    }
}

#[tokio::test]
async fn a_lost_answer_is_retried_with_the_same_transaction_id() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = tokio::spawn(async move {
        let mut bodies = Vec::new();
        // First attempt: the connection drops without an answer.
        let (mut stream, _) = listener.accept().await.unwrap();
        bodies.push(read_request(&mut stream).await);
        drop(stream);
        // Second attempt: a garbled answer. Third: a valid one.
        let (mut stream, _) = listener.accept().await.unwrap();
        bodies.push(read_request(&mut stream).await);
        let garbage = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{oops";
        stream.write_all(garbage.as_bytes()).await.unwrap();
        bodies.push(read_request(&mut stream).await);
        let request = TrackerEncoding::Json
            .decode_request(&bodies[2], &TrackerLimits::default())
            .unwrap();
        let answer = TrackerEncoding::Json.encode_response(&TrackerResponse::success(
            request.transaction_id,
            None,
            None,
            vec![],
        ));
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        stream.write_all(reply.as_bytes()).await.unwrap();
        bodies
    });
    let config = ClientConfig {
        retries: 3,
        retry_delay: Duration::from_millis(10),
        ..ClientConfig::new(format!("http://{addr}/"))
    };
    let reply = client(config, "p").stat_report(vec![]).await.unwrap();
    assert!(reply.swarm_results.is_empty());
    let bodies = tokio::time::timeout(Duration::from_secs(10), fake)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "byte-identical retries"
    );
}

#[tokio::test]
async fn an_unreachable_tracker_is_reported_after_the_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ClientConfig {
        retries: 2,
        retry_delay: Duration::from_millis(5),
        timeout: Duration::from_secs(1),
        ..ClientConfig::new(format!("http://127.0.0.1:{port}/"))
    };
    let error = client(config, "p").stat_report(vec![]).await.unwrap_err();
    assert!(matches!(error, ClientError::Unreachable(_)), "{error:?}");
    let https_without_roots = TrackerClient::new(
        ClientConfig::new("https://127.0.0.1:1/"),
        TrackerPeerId::new("p").unwrap(),
    );
    assert!(matches!(https_without_roots, Err(ClientError::Config(_))));
}
