//! Where `ppsp play` reads on-demand content from: the download the node is filling (waiting
//! for chunks as they are verified, and moving the playhead to them), or a file already
//! complete.

use std::fs::File;
use std::os::unix::fs::FileExt as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use ppsp_node::node::NodeHandle;
use ppsp_node::storage::SharedDownload;
use ppsp_wire::ids::SwarmId;

/// How often a reader looks again for a chunk not verified yet (the node reports no event
/// per chunk; a poll this short adds no delay a player notices).
const POLL: Duration = Duration::from_millis(20);

/// How long a reader waits for one chunk (or for the content length) before giving up on its
/// request: the player sees the connection end and may ask again.
const CHUNK_WAIT: Duration = Duration::from_secs(120);

/// The content's bytes.
enum Store {
    /// Being downloaded; chunks appear as they are verified.
    Download(SharedDownload),
    /// Complete on disk (an earlier `-o` run finished it), `len` bytes.
    File { file: File, len: u64 },
}

/// On-demand content of one swarm, readable by byte offset.
pub(crate) struct Source {
    node: NodeHandle,
    swarm: SwarmId,
    chunk_size: u64,
    store: Store,
}

impl Source {
    /// Content the node is downloading into `download`.
    pub(crate) fn download(
        node: NodeHandle,
        swarm: SwarmId,
        chunk_size: u32,
        download: SharedDownload,
    ) -> Self {
        Self {
            node,
            swarm,
            chunk_size: u64::from(chunk_size),
            store: Store::Download(download),
        }
    }

    /// Content complete in `file`.
    pub(crate) fn file(
        node: NodeHandle,
        swarm: SwarmId,
        chunk_size: u32,
        file: File,
    ) -> Result<Self> {
        let len = file.metadata().context("inspect the content file")?.len();
        Ok(Self {
            node,
            swarm,
            chunk_size: u64::from(chunk_size),
            store: Store::File { file, len },
        })
    }

    /// The content length in bytes, waiting for it if the metadata did not give it (it is
    /// known once the last chunk is verified, which is then fetched first).
    pub(crate) async fn len(&self) -> Result<u64> {
        let download = match &self.store {
            Store::File { len, .. } => return Ok(*len),
            Store::Download(download) => download,
        };
        let started = Instant::now();
        let mut asked = false;
        loop {
            let (len, count) = {
                let download = download.lock();
                (download.content_length(), download.chunk_count())
            };
            if let Some(len) = len {
                return Ok(len);
            }
            if let Some(count) = count.filter(|&n| n > 0 && !asked) {
                self.node
                    .set_playhead(self.swarm.clone(), count - 1)
                    .await?;
                asked = true;
            }
            if started.elapsed() > CHUNK_WAIT {
                bail!(
                    "the content length is still unknown after {} s (no peer?)",
                    CHUNK_WAIT.as_secs()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The chunk holding byte `offset`, and that chunk's first byte.
    pub(crate) fn chunk_of(&self, offset: u64) -> (u64, u64) {
        let index = offset / self.chunk_size;
        (index, index * self.chunk_size)
    }

    /// Chunk `index`, once verified: the first time it is missing, the playhead moves there so
    /// that it and the chunks after it are fetched before any other.
    pub(crate) async fn chunk(&self, index: u64) -> Result<Bytes> {
        let download = match &self.store {
            Store::File { file, len } => return self.read_file(file, *len, index),
            Store::Download(download) => download,
        };
        let started = Instant::now();
        let mut asked = false;
        loop {
            if let Some(chunk) = download.lock().read_chunk(index)? {
                return Ok(chunk);
            }
            if !asked {
                self.node.set_playhead(self.swarm.clone(), index).await?;
                asked = true;
            }
            if started.elapsed() > CHUNK_WAIT {
                bail!(
                    "chunk {index} was not received within {} s",
                    CHUNK_WAIT.as_secs()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    fn read_file(&self, file: &File, len: u64, index: u64) -> Result<Bytes> {
        let start = index.saturating_mul(self.chunk_size);
        let end = start.saturating_add(self.chunk_size).min(len);
        if start >= end {
            bail!("chunk {index} is past the end of the content");
        }
        let size = usize::try_from(end - start).context("chunk too large")?;
        let mut chunk = vec![0; size];
        file.read_exact_at(&mut chunk, start)
            .context("read the content file")?;
        Ok(Bytes::from(chunk))
    }
}
