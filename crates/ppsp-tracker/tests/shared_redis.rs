//! Several tracker processes behind one name share swarms through one Redis: a peer that
//! joined through one tracker is found through the other. When Redis goes away, requests get
//! Internal Server Error (04) instead of hanging or crashing.

mod common;

use common::http::post;
use common::redis::RedisServer;
use common::{start, test_config};
use ppsp_wire::tracker::{JSON_MEDIA_TYPE, XML_MEDIA_TYPE};

const SEEDER: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"1","peer_id":"seeder-a","connect":{"swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"SEEDER"}}}}"#;
const LEECH: &str = r#"<PPSPTrackerProtocol version="1.0"><Method>CONNECT</Method><TransactionID>2</TransactionID><PeerID>leech-b</PeerID><SwarmAction action="JOIN" mode="LEECH"><SwarmID>1111</SwarmID></SwarmAction></PPSPTrackerProtocol>"#;
const FIND: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"FIND","transaction_id":"3","peer_id":"seeder-a","swarm_id":"1111"}}"#;

#[tokio::test]
async fn a_peer_joined_through_one_tracker_is_found_through_another() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mut config = test_config();
    config.server.redis_url = Some(redis.url());
    let (a, tracker_a) = start(config.clone()).await;
    let (b, tracker_b) = start(config).await;
    assert_eq!(post(a, JSON_MEDIA_TYPE, SEEDER).await.status, 200);
    let answer = post(b, XML_MEDIA_TYPE, LEECH).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("<PeerID>seeder-a</PeerID>"),
        "{}",
        answer.body
    );
    let answer = post(a, JSON_MEDIA_TYPE, FIND).await;
    assert!(
        answer.body.contains(r#""peer_id":"leech-b""#),
        "{}",
        answer.body
    );
    let page = common::http::get(b, "/").await;
    assert!(page.body.contains("<td>Redis</td>"));
    assert!(
        page.body
            .contains("<th align=\"left\">Peers</th><td>2</td>"),
        "{}",
        page.body
    );
    tracker_a.shutdown().await.unwrap();
    tracker_b.shutdown().await.unwrap();
}

#[tokio::test]
async fn losing_redis_answers_internal_server_error() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let mut config = test_config();
    config.server.redis_url = Some(redis.url());
    let (addr, server) = start(config).await;
    assert_eq!(post(addr, JSON_MEDIA_TYPE, SEEDER).await.status, 200);
    redis.stop();
    let answer = post(addr, JSON_MEDIA_TYPE, FIND).await;
    assert_eq!(answer.status, 500, "{}", answer.body);
    assert!(answer.body.contains(r#""error_code":4"#), "{}", answer.body);
    assert!(answer.body.contains(r#""transaction_id":"3""#));
    let metrics = common::http::get(addr, "/metrics").await;
    assert_eq!(
        metrics.status, 200,
        "metrics still answer without the store"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_redis_fails_at_start_with_a_clear_error() {
    let mut config = test_config();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.server.redis_url = Some(format!("redis://127.0.0.1:{port}/"));
    let error = ppsp_tracker::Server::bind(config).await.unwrap_err();
    assert!(
        format!("{error:#}").contains("connect to Redis"),
        "{error:#}"
    );
}
