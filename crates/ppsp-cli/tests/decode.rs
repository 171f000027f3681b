//! `ppsp decode` as scripts use it: the real binary, input on stdin or in a file, JSON out,
//! one-line errors with exit status 2.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// RFC 7574 section 8.16 (draft -10 flavour), datagram 1: the initiator's HANDSHAKE.
const TV1_D1: &str = "00000000 00 00000001 0001 0101 02 0014 \
    47a013e660d408619d894b20806b1d5086aab03b 0301 0400 0602 ff";

fn ppsp(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ppsp starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("ppsp runs")
}

fn json_of(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn assert_one_line_error(output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(expected),
        "{stderr:?} should mention {expected:?}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn hex_handshake_from_the_rfc_prints_its_options() {
    let value = json_of(&ppsp(
        &["decode", "--format", "ppspp-hex"],
        TV1_D1.as_bytes(),
    ));
    assert_eq!(value["channel"], 0);
    let handshake = &value["messages"][0];
    assert_eq!(handshake["type"], "handshake");
    assert_eq!(handshake["source_channel"], 1);
    assert_eq!(
        handshake["options"]["swarm_id"],
        "47a013e660d408619d894b20806b1d5086aab03b"
    );
    assert_eq!(handshake["options"]["merkle_hash_function"], "sha1");
}

#[test]
fn raw_datagram_from_a_file_decodes() {
    let dir = std::env::temp_dir().join(format!("ppsp-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("d4.bin");
    // Datagram 4: DATA of chunk 0 holding "Hello world!\n".
    let d4 = ppsp_wire::ids::from_hex(
        "00000001010000000000000000 0004e94180b7db44 48656c6c6f20776f726c64210a"
            .replace(' ', "")
            .as_str(),
    )
    .unwrap();
    std::fs::write(&path, d4).unwrap();
    let value = json_of(&ppsp(
        &["decode", "--format", "ppspp", path.to_str().unwrap()],
        b"",
    ));
    assert_eq!(value["messages"][0]["type"], "data");
    assert_eq!(
        value["messages"][0]["payload"],
        "48656c6c6f20776f726c64210a"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flags_set_the_context_and_a_handshake_overrides_them() {
    // HAVE as a 4-byte bin only decodes with --chunk-addressing 0.
    let have_bin = "00000008 03 00000001";
    assert_one_line_error(
        &ppsp(&["decode", "--format", "ppspp-hex"], have_bin.as_bytes()),
        "not a valid PPSPP datagram",
    );
    let value = json_of(&ppsp(
        &["decode", "--format", "ppspp-hex", "--chunk-addressing", "0"],
        have_bin.as_bytes(),
    ));
    assert_eq!(value["messages"][0]["spec"]["bin"], 1);
    // A HANDSHAKE choosing 32-bit bins wins over the default chunk ranges for what follows.
    let with_handshake = "00000008 00 00000002 0001 0600 ff 03 00000001";
    let value = json_of(&ppsp(
        &["decode", "--format", "ppspp-hex"],
        with_handshake.as_bytes(),
    ));
    assert_eq!(value["messages"][1]["spec"]["bin"], 1);
}

#[test]
fn peer_xml_prints_the_typed_message() {
    let body = "<PPSPPeerProtocol version=\"1.0\"><Method>CHOKE</Method>\
        <TransactionID>t1</TransactionID><PeerID>9c1185a5c5e9fc54612808977ee8f548b2258d31</PeerID>\
        <SwarmID>abcd</SwarmID></PPSPPeerProtocol>";
    let value = json_of(&ppsp(&["decode", "--format", "xml", "-"], body.as_bytes()));
    assert_eq!(value["kind"], "request");
    assert_eq!(value["body"]["method"], "CHOKE");
    assert_eq!(value["body"]["swarm_id"], "abcd");
}

#[test]
fn tracker_json_example_from_rfc_7846_decodes() {
    let body = br#"{"PPSPTrackerProtocol":{"version":1,"request_type":"FIND",
        "transaction_id":"12345","peer_id":"656164657221","swarm_id":"1111",
        "peer_num":{"peer_count":"5"}}}"#;
    let value = json_of(&ppsp(&["decode", "--format", "tracker-json"], body));
    assert_eq!(value["kind"], "request");
    let response = br#"{"PPSPTrackerProtocol":{"version":1,"response_type":1,"error_code":3,
        "transaction_id":"12345"}}"#;
    let value = json_of(&ppsp(&["decode", "--format", "tracker-json"], response));
    assert_eq!(value["kind"], "response");
}

#[test]
fn bad_input_gives_one_line_and_status_two() {
    assert_one_line_error(
        &ppsp(&["decode", "--format", "ppspp-hex"], b"zz"),
        "hex input",
    );
    assert_one_line_error(
        &ppsp(&["decode", "--format", "ppspp"], b"\x00\x01"),
        "PPSPP datagram",
    );
    assert_one_line_error(
        &ppsp(
            &["decode", "--format", "xml"],
            b"<PPSPPeerProtocol version=\"1.0\"/>",
        ),
        "<TransactionID>: required element is missing",
    );
    assert_one_line_error(
        &ppsp(&["decode", "--format", "tracker-json"], b"{"),
        "tracker request",
    );
    assert_one_line_error(
        &ppsp(&["decode", "--format", "tracker-xml"], b"<x/>"),
        "tracker request",
    );
    assert_one_line_error(
        &ppsp(
            &["decode", "--format", "xml", "/nonexistent/capture.xml"],
            b"",
        ),
        "cannot open /nonexistent/capture.xml",
    );
    let usage = ppsp(&["decode", "--format", "ppspp", "--hash", "md5"], b"");
    assert_eq!(usage.status.code(), Some(2));
}
