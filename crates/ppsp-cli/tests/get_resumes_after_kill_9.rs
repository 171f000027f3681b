//! A `ppsp get` killed with SIGKILL mid-transfer three times and started again each time
//! ends with a byte-identical file, and no verified chunk is fetched twice (16 MiB of 1 KiB
//! chunks; `PPSP_RESUME_MIB` overrides the size).
//!
//! What is asserted, from the lines `get` writes (see `ppsp get --help`):
//!
//! * every chunk reported *durable* before a kill is among those the next run starts with
//!   (`start: K of N chunks already verified`), so none of them is requested again;
//! * the last run fetches exactly the N − K chunks it lacked;
//! * the seeder's upload over all runs is at most N chunks plus, for each kill, what can
//!   have been lost with it: the chunks fetched after the last durable line (at most the
//!   most fetched between two progress lines of that run, since the kill follows a line
//!   at once) plus the requests in flight (the engine's request pipeline, 32).

mod support;

use std::time::Duration;

use support::{Proc, content, number_after, seed};

const KILLS: usize = 3;
const CHUNK: u64 = 1024;
const PIPELINE: u64 = 32;

fn size_mib() -> usize {
    std::env::var("PPSP_RESUME_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

#[test]
fn a_download_killed_three_times_resumes_without_fetching_verified_chunks_again() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(size_mib() << 20, 3);
    std::fs::write(&source, &bytes).unwrap();
    let chunks = bytes.len() as u64 / CHUNK;
    let (mut seeder, uri) = seed(&source, &["--log-interval", "0"]);
    let out = dir.path().join("copy.bin");
    let get = |name: &str| {
        Proc::start(
            name,
            &[
                "get",
                &uri,
                "--listen",
                "127.0.0.1:0",
                "--log-interval",
                "0.2",
                "-o",
                out.to_str().unwrap(),
            ],
        )
    };
    let start_of = |p: &mut Proc| {
        let line = p.wait_for_line(Duration::from_secs(60), |l| {
            l.starts_with("ppsp get: start:")
        });
        number_after(&line, "start:")
    };

    let mut durable_before_kill = 0;
    let mut loss_bound = 0;
    for kill in 0..KILLS {
        let mut run = get(&format!("get-{kill}"));
        let already = start_of(&mut run);
        assert!(
            already >= durable_before_kill,
            "run {kill} starts with {already} chunks, but {durable_before_kill} were durable"
        );
        // Let this run make a sixth of the content durable, then kill it right after a line.
        let goal = already + chunks / (KILLS as u64 + 3);
        let (mut fetched, mut most_per_line) = (0, 0);
        loop {
            let line = run.wait_for_line(Duration::from_secs(120), |l| {
                l.starts_with("ppsp get: progress:")
            });
            let now_fetched = number_after(&line, "fetched");
            most_per_line = most_per_line.max(now_fetched - fetched);
            fetched = now_fetched;
            durable_before_kill = number_after(&line, "durable");
            if durable_before_kill >= goal {
                break;
            }
        }
        run.kill_9();
        loss_bound += most_per_line + PIPELINE;
        assert!(
            !out.exists(),
            "the file appeared before the download completed"
        );
    }

    let mut last = get("get-final");
    let already = start_of(&mut last);
    assert!(already >= durable_before_kill);
    let status = last.wait(Duration::from_secs(600));
    assert!(status.success(), "{status:?} {:#?}", last.log);
    let done = last
        .log
        .iter()
        .find(|l| l.starts_with("ppsp get: complete:"))
        .expect("a completion line");
    assert_eq!(number_after(done, "fetched"), chunks - already);
    assert!(
        std::fs::read(&out).unwrap() == bytes,
        "the resumed file differs"
    );
    assert!(!dir.path().join("copy.bin.ppsp").exists());
    assert!(!dir.path().join("copy.bin.part").exists());

    let status = seeder.terminate(Duration::from_secs(20));
    assert!(status.success(), "{:#?}", seeder.log);
    let stopped = seeder
        .log
        .iter()
        .find(|l| l.contains("stopped; uploaded"))
        .expect("the seeder's last line");
    let uploaded_chunks = number_after(stopped, "uploaded") / CHUNK;
    eprintln!(
        "{chunks} chunks; the seeder uploaded {uploaded_chunks}; allowed up to {} more",
        loss_bound
    );
    assert!(
        uploaded_chunks <= chunks + loss_bound,
        "uploaded {uploaded_chunks} chunks for {chunks}, more than the {loss_bound} in flight at the kills"
    );
}
