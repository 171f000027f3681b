//! `ppsp play`'s HTTP endpoint speaks byte ranges as players use them: HEAD gives the length
//! and `Accept-Ranges`, a range far into content not yet downloaded is answered (206, the
//! exact bytes) as soon as its chunks arrive, and a range past the end is refused with 416.

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use support::{Proc, content, seed};

/// One HTTP/1.1 request on a fresh connection; the status, the headers (lower-case names)
/// and the body.
fn request(addr: &str, method: &str, range: Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let range = range.map_or(String::new(), |r| format!("Range: {r}\r\n"));
    write!(
        stream,
        "{method} /stream HTTP/1.1\r\nHost: {addr}\r\n{range}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn ranges_are_served_from_the_download_and_bad_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("film.ts");
    let bytes = content(3 << 20, 9);
    std::fs::write(&source, &bytes).unwrap();
    let len = bytes.len();
    let (_seeder, uri) = seed(&source, &["--log-interval", "0"]);
    let out = dir.path().join("copy.ts");
    let mut play = Proc::start(
        "play",
        &[
            "play",
            &uri,
            "--listen",
            "127.0.0.1:0",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let url = play.stdout_line(Duration::from_secs(60));
    let addr = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/stream"))
        .expect("an http://ADDR/stream URL")
        .to_string();

    // Near the end first, as a player seeking would: the playhead moves there.
    let (first, last) = (len - 200_000, len - 100_001);
    let (status, headers, body) = request(&addr, "GET", Some(&format!("bytes={first}-{last}")));
    assert_eq!(status, 206);
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes {first}-{last}/{len}").as_str())
    );
    assert_eq!(body, bytes[first..=last]);

    let (status, headers, body) = request(&addr, "HEAD", None);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-length"),
        Some(len.to_string().as_str())
    );
    assert_eq!(header(&headers, "accept-ranges"), Some("bytes"));
    assert_eq!(header(&headers, "content-type"), Some("video/mp2t"));
    assert!(body.is_empty());

    let (status, _, body) = request(&addr, "GET", Some("bytes=-1000"));
    assert_eq!(status, 206);
    assert_eq!(body, bytes[len - 1000..]);

    let (status, headers, _) = request(&addr, "GET", Some(&format!("bytes={len}-")));
    assert_eq!(status, 416);
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes */{len}").as_str())
    );

    let (status, _, body) = request(&addr, "GET", None);
    assert_eq!(status, 200);
    assert!(body == bytes, "the whole stream differs from the content");

    let status = play.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", play.log);
}
