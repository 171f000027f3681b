//! A mixed swarm of `ppsp` processes on loopback: a tracker, a seeder speaking both
//! transports, two `ppsp get` speaking both (`ppspp/udp,http`) and two speaking only `http`
//! (no UDP at all) all end with the seeder's bytes. Then a late `http`-only node whose
//! tracker knows nothing but the seeder finds the others through the seeder's FIND answer and
//! downloads from them too; FIND_CHUNK sent over HTTP to running nodes lists the holders.

mod support;

use std::sync::Arc;
use std::time::Duration;

use ppsp_node::signalling::{SignallingClient, SignallingConfig, SignallingState};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer_list::Transport;
use support::{Proc, content, number_after, seed, signalling_addr, tracker};

/// A `ppsp get` of `swarm` into `out` with the metadata flags and `extra`, staying to serve.
fn get(name: &str, swarm: &str, tracker: &str, out: &std::path::Path, extra: &[&str]) -> Proc {
    let mut args = vec![
        "get",
        swarm,
        "--tracker",
        tracker,
        "--chunk-size",
        "4096",
        "--hash",
        "sha1",
        "--chunk-addressing",
        "2",
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--log-interval",
        "0",
        "--keep-seeding",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Proc::start(name, &args)
}

#[test]
fn udp_and_http_only_nodes_share_a_file_and_find_each_other() {
    let (_tracker, url) = tracker("tracker");
    let (_side_tracker, side_url) = tracker("side-tracker");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(3 << 20, 6);
    std::fs::write(&source, &bytes).unwrap();
    let chunks = bytes.len().div_ceil(4096) as u64;
    let (mut seeder, uri) = seed(
        &source,
        &[
            "--tracker",
            &url,
            "--tracker",
            &side_url,
            "--http-listen",
            "127.0.0.1:0",
            "--chunk-size",
            "4096",
            "--hash",
            "sha1",
            "--log-interval",
            "0",
        ],
    );
    let seeder_http = signalling_addr(&mut seeder);
    let swarm = uri
        .strip_prefix("ppsp://")
        .and_then(|rest| rest.split('?').next())
        .unwrap()
        .to_string();

    // Two nodes with both transports, two with http only, all at the main tracker.
    let mut nodes: Vec<(Proc, std::path::PathBuf, bool)> = (0..4)
        .map(|i| {
            let http_only = i >= 2;
            let out = dir.path().join(format!("copy-{i}.bin"));
            let extra: &[&str] = if http_only {
                &["--transports", "http"]
            } else {
                &["--transports", "ppspp/udp,http"]
            };
            let name = if http_only {
                format!("get-http-{i}")
            } else {
                format!("get-both-{i}")
            };
            (get(&name, &swarm, &url, &out, extra), out, http_only)
        })
        .collect();
    for (node, out, http_only) in &mut nodes {
        let done = node.wait_for_line(Duration::from_secs(240), |l| {
            l.starts_with("ppsp get: complete:")
        });
        assert!(
            std::fs::read(&*out).unwrap() == bytes,
            "{} differs ({done})",
            out.display()
        );
        let stats = node.wait_for_line(Duration::from_secs(10), |l| {
            l.starts_with("ppsp get: signalling:")
        });
        if *http_only {
            // Every chunk came over http: no UDP was exchanged.
            assert_eq!(number_after(&stats, "http_chunks="), chunks, "{stats}");
            assert_eq!(number_after(&stats, "udp_sources="), 0, "{stats}");
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let asker = SignallingClient::new(
        PeerId([0xab; 20]),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    );
    let swarm_id: SwarmId = swarm.parse().unwrap();
    // The seeder learns the swarm's peers from its tracker every few seconds (a seeder asks
    // its tracker only to answer FIND); wait until its FIND answer names all four.
    runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let peers = asker
                .find(seeder_http, &swarm_id, 50, Vec::new())
                .await
                .unwrap();
            let listed = peers
                .iter()
                .filter(|p| p.addresses.iter().any(|a| a.transport == Transport::Http))
                .filter(|p| p.addresses.iter().all(|a| a.addr != seeder_http))
                .count();
            if listed >= 4 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the seeder's FIND answer never named the four nodes: {peers:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });

    // A late http-only node whose tracker lists only the seeder: the seeder's FIND answer
    // names the four others, and it learns them from there.
    let late_out = dir.path().join("late.bin");
    let mut late = get(
        "get-late",
        &swarm,
        &side_url,
        &late_out,
        &["--transports", "http"],
    );
    let late_http = signalling_addr(&mut late);
    late.wait_for_line(Duration::from_secs(240), |l| {
        l.starts_with("ppsp get: complete:")
    });
    assert!(
        std::fs::read(&late_out).unwrap() == bytes,
        "late copy differs"
    );
    let stats = late.wait_for_line(Duration::from_secs(10), |l| {
        l.starts_with("ppsp get: signalling:")
    });
    assert!(
        number_after(&stats, "found_by_find=") >= 4,
        "the late node should learn the four other nodes through FIND: {stats}"
    );
    assert_eq!(number_after(&stats, "http_chunks="), chunks, "{stats}");
    // Nodes that themselves downloaded (over UDP or http) serve chunks over http too.
    assert!(number_after(&stats, "http_sources=") >= 2, "{stats}");

    // FIND_CHUNK over HTTP to running nodes: the late node names holders of the last chunk
    // (itself and peers whose availability it pulled), the seeder names itself at least.
    runtime.block_on(async {
        let (client, swarm) = (&asker, &swarm_id);
        let last = chunks - 1;
        let holders = client.find_chunk(late_http, swarm, last, 50).await.unwrap();
        let with_http = holders
            .iter()
            .filter(|p| p.addresses.iter().any(|a| a.transport == Transport::Http))
            .count();
        assert!(
            with_http >= 2,
            "the late node knows itself and at least one source hold the last chunk: {holders:?}"
        );
        let holders = client
            .find_chunk(seeder_http, swarm, last, 50)
            .await
            .unwrap();
        assert!(
            holders
                .iter()
                .any(|p| p.addresses.iter().any(|a| a.addr == seeder_http)),
            "the seeder lists itself: {holders:?}"
        );
    });

    for (node, _, _) in &mut nodes {
        let status = node.terminate(Duration::from_secs(30));
        assert!(
            status.success(),
            "{}: {status:?} {:#?}",
            node.name,
            node.log
        );
    }
    let status = late.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", late.log);
    let status = seeder.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", seeder.log);
}
