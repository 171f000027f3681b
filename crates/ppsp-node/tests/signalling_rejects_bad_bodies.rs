//! Malformed, oversized, wrong-version and otherwise unusable bodies get the profile's error
//! statuses with a reason, never a crash or a success.

mod signalling_support;

use ppsp_node::signalling::SignallingConfig;
use ppsp_wire::peer_list::Transport;
use signalling_support::{Content, Node, TestView, peer_id, post_raw, serve};

const XML: &str = "application/ppsp-peer+xml";

async fn node(config: SignallingConfig) -> (Node, Content) {
    let content = Content::new(4 * 1024, 11);
    let node = serve(
        TestView::new(1, &content, &[(0, 3)]),
        &[Transport::Http],
        config,
    )
    .await;
    (node, content)
}

fn find_body(version: &str, swarm: &str) -> String {
    format!(
        r#"<PPSPPeerProtocol version="{version}"><Method>FIND</Method><TransactionID>abc</TransactionID><PeerID>{}</PeerID><SwarmID>{swarm}</SwarmID></PPSPPeerProtocol>"#,
        peer_id(9)
    )
}

#[tokio::test]
async fn malformed_xml_is_a_bad_request_with_a_reason() {
    let (node, _) = node(SignallingConfig::default()).await;
    let (status, text) = post_raw(
        node.addr,
        XML,
        b"<PPSPPeerProtocol version=\"1.0\"><Method>".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.contains("<Status>BAD_REQUEST</Status>"), "{text}");
    assert!(text.contains("<Reason>"), "{text}");
}

#[tokio::test]
async fn a_missing_element_is_named_and_the_transaction_echoed() {
    let (node, _) = node(SignallingConfig::default()).await;
    let body = format!(
        r#"<PPSPPeerProtocol version="1.0"><Method>FIND</Method><TransactionID>tx-7</TransactionID><PeerID>{}</PeerID></PPSPPeerProtocol>"#,
        peer_id(9)
    );
    let (status, text) = post_raw(node.addr, XML, body.into()).await;
    assert_eq!(status, 400);
    assert!(text.contains("<Response>FIND</Response>"), "{text}");
    assert!(
        text.contains("<TransactionID>tx-7</TransactionID>"),
        "{text}"
    );
    assert!(
        text.contains("SwarmID"),
        "the reason names the element: {text}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_payload_too_large() {
    let (node, content) = node(SignallingConfig {
        max_body_bytes: 1024,
        ..SignallingConfig::default()
    })
    .await;
    let mut body = find_body("1.0", &content.swarm.to_hex());
    body.insert_str(
        body.len() - "</PPSPPeerProtocol>".len(),
        &"<Pad/>".repeat(400),
    );
    let (status, text) = post_raw(node.addr, XML, body.into()).await;
    assert_eq!(status, 413);
    assert!(
        text.contains("<Status>PAYLOAD_TOO_LARGE</Status>"),
        "{text}"
    );
}

#[tokio::test]
async fn a_wrong_version_is_unsupported_and_the_answer_names_ours() {
    let (node, content) = node(SignallingConfig::default()).await;
    let (status, text) = post_raw(
        node.addr,
        XML,
        find_body("2.0", &content.swarm.to_hex()).into(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text.contains("<Status>UNSUPPORTED_VERSION</Status>"),
        "{text}"
    );
    assert!(text.contains("supported: 1.0"), "{text}");
    assert!(
        text.contains("<TransactionID>abc</TransactionID>"),
        "{text}"
    );
}

#[tokio::test]
async fn a_posted_response_or_unknown_method_is_a_bad_request() {
    let (node, content) = node(SignallingConfig::default()).await;
    let response = r#"<PPSPPeerProtocol version="1.0"><Response>CHOKE</Response><TransactionID>r1</TransactionID><Status>SUCCESSFUL</Status></PPSPPeerProtocol>"#;
    let (status, text) = post_raw(node.addr, XML, response.into()).await;
    assert_eq!(status, 400);
    assert!(text.contains("<Status>BAD_REQUEST</Status>"), "{text}");
    let unknown = find_body("1.0", &content.swarm.to_hex()).replace("FIND", "FETCH");
    let (status, text) = post_raw(node.addr, XML, unknown.into()).await;
    assert_eq!(status, 400);
    assert!(text.contains("FETCH"), "{text}");
}

#[tokio::test]
async fn a_dtd_or_wrong_content_type_is_refused() {
    let (node, content) = node(SignallingConfig::default()).await;
    let dtd = format!(
        "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
        find_body("1.0", &content.swarm.to_hex())
    );
    let (status, _) = post_raw(node.addr, XML, dtd.into()).await;
    assert_eq!(status, 400);
    let (status, text) = post_raw(
        node.addr,
        "application/json",
        find_body("1.0", &content.swarm.to_hex()).into(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.contains("Content-Type"), "{text}");
    let (status, _) = post_raw(
        node.addr,
        "text/xml; charset=utf-8",
        find_body("1.0", &content.swarm.to_hex()).into(),
    )
    .await;
    assert_eq!(status, 200, "text/xml is accepted too");
}

#[tokio::test]
async fn garbage_bytes_never_succeed() {
    let (node, _) = node(SignallingConfig::default()).await;
    for body in [&b""[..], b"\xff\xfe\x00", b"not xml at all", b"<a/><b/>"] {
        let (status, _) = post_raw(node.addr, XML, body.to_vec()).await;
        assert_eq!(status, 400, "{body:?}");
    }
}
