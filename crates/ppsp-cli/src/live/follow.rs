//! `ppsp get` of a live swarm URI: join the stream near its live edge and write its
//! verified chunks in order, as they come, to a file or stdout (`-o -`), relaying to other
//! peers meanwhile.
//!
//! It ends with status 0 when the stream stops (no chunk for [`IDLE_TIMEOUT`]) or on
//! Ctrl-C, and fails if no chunk arrives within [`FIRST_CHUNK_TIMEOUT`]. A chunk missed
//! (its deadline passed before any peer delivered it) is skipped with a line on stderr, so
//! the output stays playable; the final line says how many were.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use ppsp_core::engine::LiveSettings;
use ppsp_node::node::{LiveReader, LiveStart, Node, NodeConfig, SwarmStorage};
use ppsp_wire::tracker::PeerMode;

use super::FollowTarget;
use crate::node_run::{interrupted, join_trackers, leave_trackers, runtime};

/// How long to wait for the first chunk before giving up.
const FIRST_CHUNK_TIMEOUT: Duration = Duration::from_secs(20);

/// How long without a new chunk means the stream has stopped.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Follows the live stream of `target` until it stops.
pub(crate) fn follow(target: FollowTarget) -> Result<()> {
    let mut output: Box<dyn Write + Send> = if target.output.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        let file = std::fs::File::create(&target.output)
            .with_context(|| format!("cannot write {}", target.output.display()))?;
        Box::new(std::io::BufWriter::new(file))
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let swarm = target.metadata.swarm_id.clone();
        let chunk_size = target.metadata.fixed_chunk_size().unwrap_or(1024);
        let (node, _events) = Node::spawn(NodeConfig::for_chunk_size(target.listen, chunk_size))?;
        node.add_swarm(SwarmStorage::LiveReceiver {
            metadata: target.metadata,
            settings: LiveSettings::default(),
        })
        .await?;
        for peer in &target.peers {
            node.connect(swarm.clone(), *peer)
                .await
                .with_context(|| format!("cannot connect to {peer}"))?;
        }
        let trackers = match join_trackers(&node, &swarm, &target.trackers, PeerMode::Leech).await {
            Ok(trackers) => trackers,
            Err(error) => {
                node.shutdown().await;
                return Err(error);
            }
        };
        let reader = node.live_reader(swarm, LiveStart::JoinPoint).await?;
        let result = write_stream(reader, &mut output).await;
        leave_trackers(trackers).await;
        node.shutdown().await;
        result
    })
}

/// Writes chunks until the stream stops or Ctrl-C.
async fn write_stream(mut reader: LiveReader, output: &mut dyn Write) -> Result<()> {
    let signal = interrupted();
    tokio::pin!(signal);
    let started = Instant::now();
    let (mut first, mut chunks, mut skipped) = (None, 0u64, 0u64);
    loop {
        let limit = if first.is_some() {
            IDLE_TIMEOUT
        } else {
            FIRST_CHUNK_TIMEOUT
        };
        let chunk = tokio::select! {
            result = &mut signal => {
                result?;
                eprintln!("ppsp get: interrupted");
                break;
            }
            chunk = tokio::time::timeout(limit, reader.next_chunk()) => chunk,
        };
        let chunk = match chunk {
            Ok(Some(chunk)) => chunk,
            Ok(None) => bail!("the node stopped unexpectedly"),
            Err(_) if first.is_none() => bail!(
                "no chunk of the live stream arrived within {} s",
                FIRST_CHUNK_TIMEOUT.as_secs()
            ),
            Err(_) => {
                eprintln!(
                    "ppsp get: the stream stopped (no chunk for {} s)",
                    IDLE_TIMEOUT.as_secs()
                );
                break;
            }
        };
        if first.is_none() {
            first = Some(chunk.index);
            eprintln!(
                "ppsp get: live: playing from chunk {} after {:.2} s",
                chunk.index,
                started.elapsed().as_secs_f64()
            );
        }
        if chunk.skipped > 0 {
            skipped += chunk.skipped;
            eprintln!(
                "ppsp get: live: {} chunks missed before chunk {}",
                chunk.skipped, chunk.index
            );
        }
        output
            .write_all(&chunk.data)
            .and_then(|()| output.flush())
            .context("cannot write the stream")?;
        chunks += 1;
    }
    output.flush().context("cannot write the stream")?;
    eprintln!(
        "ppsp get: live: wrote {chunks} chunks from chunk {}, {skipped} missed",
        first.map_or_else(|| "-".to_string(), |f| f.to_string())
    );
    Ok(())
}
