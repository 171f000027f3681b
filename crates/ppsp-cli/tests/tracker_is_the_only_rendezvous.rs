//! With a `ppsp tracker` process as the only rendezvous: a seeder registers with it, and two
//! `ppsp get` given nothing but the bare swarm ID, the metadata flags and `--tracker` find
//! the seeder (and each other) there and download identical bytes.

mod support;

use std::time::Duration;

use support::{Proc, content, seed};

#[test]
fn two_leechers_find_the_seeder_through_the_tracker() {
    let (_tracker, url) = support::tracker("tracker");

    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(4 << 20, 2);
    std::fs::write(&source, &bytes).unwrap();
    let (mut seeder, uri) = seed(
        &source,
        &[
            "--tracker",
            &url,
            "--chunk-size",
            "1024",
            "--hash",
            "sha1",
            "--log-interval",
            "0",
        ],
    );
    assert!(uri.contains("&tr="), "{uri}");
    let swarm_id = uri
        .strip_prefix("ppsp://")
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_string();

    let mut leechers: Vec<_> = (0..2)
        .map(|i| {
            let out = dir.path().join(format!("copy-{i}.bin"));
            let get = Proc::start(
                &format!("get-{i}"),
                &[
                    "get",
                    &swarm_id,
                    "--tracker",
                    &url,
                    "--chunk-size",
                    "1024",
                    "--hash",
                    "sha1",
                    "--chunk-addressing",
                    "2",
                    "--listen",
                    "127.0.0.1:0",
                    "-o",
                    out.to_str().unwrap(),
                ],
            );
            (get, out)
        })
        .collect();
    for (get, out) in &mut leechers {
        let status = get.wait(Duration::from_secs(300));
        assert!(status.success(), "{}: {status:?} {:#?}", get.name, get.log);
        assert!(
            std::fs::read(&*out).unwrap() == bytes,
            "{} differs",
            out.display()
        );
    }
    let status = seeder.terminate(Duration::from_secs(20));
    assert!(status.success(), "{:#?}", seeder.log);
}
