//! Ctrl-C (SIGINT) and SIGTERM, caught from the moment the runtime starts.
//!
//! A command prints its swarm URI and then starts waiting for a signal; a signal arriving in
//! between used to kill the process outright (the default action), so it never left its
//! tracker. Listening from runtime start closes that window: the first signal is latched and
//! every [`interrupted`] future resolves, now or later, so the command shuts down cleanly
//! (leaves trackers, flushes storage). A second signal means the user does not want to wait:
//! the process exits at once with status 130.

use std::sync::OnceLock;

use anyhow::{Context as _, Result};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// `true` once the first signal has arrived; set up by [`listen`].
static LATCH: OnceLock<watch::Receiver<bool>> = OnceLock::new();

/// Starts listening on the current runtime; later calls do nothing.
pub(crate) fn listen() -> Result<()> {
    if LATCH.get().is_some() {
        return Ok(());
    }
    let mut interrupt = signal(SignalKind::interrupt()).context("listen for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listen for SIGTERM")?;
    let (latch, receiver) = watch::channel(false);
    if LATCH.set(receiver).is_err() {
        return Ok(());
    }
    tokio::spawn(async move {
        let mut received = 0u32;
        loop {
            tokio::select! {
                Some(()) = interrupt.recv() => {}
                Some(()) = terminate.recv() => {}
                else => return,
            }
            received += 1;
            if received >= 2 {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "ppsp: interrupted twice; exiting now");
                std::process::exit(130);
            }
            let _ = latch.send(true);
        }
    });
    Ok(())
}

/// Resolves once Ctrl-C or SIGTERM has arrived (at once if one already has).
pub(crate) async fn interrupted() -> Result<()> {
    let mut latch = LATCH
        .get()
        .context("signal listener not started (the command's runtime starts it)")?
        .clone();
    latch
        .wait_for(|&arrived| arrived)
        .await
        .map(|_| ())
        .context("signal listener stopped")
}
