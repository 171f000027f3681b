//! `ppsp hash` as scripts use it: the real binary on the RFC 7574 test vector and on bad
//! input, which must give a one-line error and exit status 2.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use ppsp_core::swarm::SwarmUri;

const HELLO_SHA256: &str = "0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8";
const HELLO_SHA1: &str = "47a013e660d408619d894b20806b1d5086aab03b";

fn ppsp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(args)
        .output()
        .expect("ppsp runs")
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
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

/// Writes the RFC's one-chunk test content and returns its path as text.
fn hello(dir: &Path) -> String {
    let path = dir.join("hello.txt");
    fs::write(&path, b"Hello world!\n").unwrap();
    path.to_string_lossy().into_owned()
}

/// The value of `key` in `key: value` output.
fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

#[test]
fn the_rfc_vector_prints_the_swarm_id_first_then_the_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout_of(&ppsp(&["hash", &hello(dir.path())]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], HELLO_SHA256);
    assert_eq!(value(&text, "swarm id"), Some(HELLO_SHA256));
    assert_eq!(value(&text, "chunk size"), Some("1024 bytes"));
    assert_eq!(value(&text, "chunk count"), Some("1"));
    assert_eq!(value(&text, "content length"), Some("13 bytes"));
    assert_eq!(value(&text, "hash function"), Some("sha256"));
    assert_eq!(
        value(&text, "integrity method"),
        Some("merkle hash tree (1)")
    );
    assert_eq!(
        value(&text, "chunk addressing"),
        Some("32-bit chunk ranges (2)")
    );
    assert_eq!(
        value(&text, "peak"),
        Some(format!("{HELLO_SHA256} bin 0 (chunk 0)").as_str())
    );
    let uri: SwarmUri = value(&text, "uri").unwrap().parse().unwrap();
    assert_eq!(uri.metadata.swarm_id.to_hex(), HELLO_SHA256);
    assert_eq!(uri.metadata.content_length, Some(13));
    assert!(uri.trackers.is_empty() && uri.peers.is_empty());
    // Values are aligned in one column.
    let columns: Vec<usize> = lines[1..]
        .iter()
        .map(|line| line.len() - line.split_once(':').unwrap().1.trim_start().len())
        .collect();
    assert!(columns.windows(2).all(|pair| pair[0] == pair[1]), "{text}");
}

#[test]
fn sha1_and_json_give_the_draft_vector_as_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout_of(&ppsp(&[
        "hash",
        "--hash",
        "SHA1",
        "--json",
        &hello(dir.path()),
    ]));
    let json: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
    assert_eq!(json["swarm_id"], HELLO_SHA1);
    assert_eq!(json["chunk_size"], 1024);
    assert_eq!(json["chunk_count"], 1);
    assert_eq!(json["content_length"], 13);
    assert_eq!(json["hash_function"], "sha1");
    assert_eq!(json["content_integrity"], "merkle_hash_tree");
    assert_eq!(json["chunk_addressing"], "chunk_ranges32");
    assert_eq!(json["peaks"][0]["hash"], HELLO_SHA1);
    assert_eq!(
        json["uri"],
        format!("ppsp://{HELLO_SHA1}?cs=1024&cam=2&cipm=1&mhf=sha1&len=13")
    );
}

#[test]
fn seven_chunks_have_the_rfc_peaks() {
    // RFC 7574 section 5.6: 7162 bytes in 1 KiB chunks have peaks 3, 9 and 12.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seven.bin");
    fs::write(&path, vec![7; 7162]).unwrap();
    let text = stdout_of(&ppsp(&["hash", "--json", &path.to_string_lossy()]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bins: Vec<u64> = json["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|peak| peak["bin"].as_u64().unwrap())
        .collect();
    assert_eq!(bins, [3, 9, 12]);
    assert_eq!(json["chunk_count"], 7);
    let small = stdout_of(&ppsp(&[
        "hash",
        "--chunk-size",
        "16",
        &path.to_string_lossy(),
    ]));
    assert_eq!(value(&small, "chunk count"), Some("448"));
}

#[test]
fn bad_input_is_a_one_line_error_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let hello = hello(dir.path());
    let missing = dir.path().join("missing.mkv");
    let missing = missing.to_string_lossy();
    assert_one_line_error(
        &ppsp(&["hash", &missing]),
        &format!("{missing} does not exist"),
    );
    let here = dir.path().to_string_lossy();
    assert_one_line_error(&ppsp(&["hash", &here]), "is not a regular file");
    let empty = dir.path().join("empty");
    fs::write(&empty, b"").unwrap();
    assert_one_line_error(&ppsp(&["hash", &empty.to_string_lossy()]), "is empty");
    for size in ["0", "-1", "abc", "16777217", "99999999999999999999"] {
        assert_one_line_error(
            &ppsp(&["hash", "--chunk-size", size, &hello]),
            "chunk size must be a number of bytes from 1 to 16777216",
        );
    }
    assert_one_line_error(
        &ppsp(&["hash", "--hash", "md5", &hello]),
        "unknown Merkle hash function \"md5\"",
    );
}
