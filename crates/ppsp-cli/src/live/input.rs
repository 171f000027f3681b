//! The live input: a file or stdin, read on a thread of its own and cut into chunks.
//!
//! A plain thread, not a blocking task of the runtime: a read of stdin cannot be cancelled,
//! and the runtime would wait for it at shutdown after Ctrl-C.

use std::fs::File;
use std::io::Read;

use anyhow::{Context as _, Result};
use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot};

/// Where the stream is read from.
pub(super) enum Input {
    Stdin,
    File(File, String),
}

impl Input {
    /// `-` for stdin, else a file that must exist.
    pub(super) fn open(path: &str) -> Result<Self> {
        if path == "-" {
            return Ok(Self::Stdin);
        }
        let file = File::open(path).with_context(|| format!("cannot read --input {path}"))?;
        Ok(Self::File(file, path.to_string()))
    }

    /// Sends chunks of exactly `chunk_size` bytes (the last one padded with zeros) until end
    /// of input, a read error, or the receiver gone; the result says which.
    pub(super) fn spawn(
        self,
        chunk_size: u32,
        chunks: mpsc::Sender<Bytes>,
    ) -> oneshot::Receiver<Result<()>> {
        let (done, result) = oneshot::channel();
        let run = move || {
            let outcome = match self {
                Self::Stdin => cut(std::io::stdin().lock(), chunk_size, &chunks)
                    .context("cannot read the stream from stdin"),
                Self::File(file, path) => cut(file, chunk_size, &chunks)
                    .with_context(|| format!("cannot read --input {path}")),
            };
            let _ = done.send(outcome);
        };
        if let Err(error) = std::thread::Builder::new()
            .name("ppsp live input".into())
            .spawn(run)
        {
            tracing::error!(%error, "cannot start the input thread");
        }
        result
    }
}

/// Cuts `input` into chunks; see [`Input::spawn`].
fn cut(mut input: impl Read, chunk_size: u32, chunks: &mpsc::Sender<Bytes>) -> std::io::Result<()> {
    let size = chunk_size as usize;
    loop {
        let mut chunk = BytesMut::zeroed(size);
        let mut filled = 0;
        while filled < size {
            match input.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        if filled == 0 {
            return Ok(());
        }
        // A short chunk is the end of input; it is sent padded with the zeros it holds.
        if chunks.blocking_send(chunk.freeze()).is_err() || filled < size {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_cut_into_whole_chunks_with_the_last_padded() {
        let (tx, mut rx) = mpsc::channel(16);
        let data: Vec<u8> = (0..10u8).collect();
        cut(&data[..], 4, &tx).expect("reads");
        drop(tx);
        let mut got = Vec::new();
        while let Ok(chunk) = rx.try_recv() {
            got.push(chunk.to_vec());
        }
        assert_eq!(
            got,
            vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9, 0, 0]]
        );
    }
}
