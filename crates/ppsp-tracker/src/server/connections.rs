//! The connection loop: hyper's HTTP/1.1 server driven directly (rather than `axum::serve`)
//! for the two protections `axum::serve` cannot give.
//!
//! - A deadline on request headers: a client that trickles its headers (slowloris), or keeps a
//!   connection open without sending the next request, is cut off after `header_timeout`
//!   (hyper's header read timeout, which runs from the moment the server waits for a head).
//!   Bodies are covered by the request timeout of `POST /`, whose 408 closes the connection.
//! - A cap on open connections per client IP address (IPv6 by /64, like the rate limiter):
//!   one address cannot exhaust the server's sockets; connections over the cap are closed at
//!   once.
//!
//! On stop, the loop stops accepting, asks every connection to finish its request in progress
//! and close, and waits for them at most `drain_timeout`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::rate_limit::client_key;

/// How connections are bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Longest wait for a complete request head, on a new or kept-alive connection.
    pub(crate) header_timeout: Duration,
    /// Most open connections per client address; 0 means no cap.
    pub(crate) per_address: usize,
    /// Longest wait for connections to finish after a stop.
    pub(crate) drain_timeout: Duration,
}

/// Serves `router` on connections from `listener` until `stopped` turns true.
pub(crate) async fn serve<L>(
    mut listener: L,
    router: Router,
    limits: ConnectionLimits,
    stopped: watch::Receiver<bool>,
) where
    L: Listener<Addr = SocketAddr>,
{
    let open = OpenConnections::default();
    let mut tasks = JoinSet::new();
    let stop = super::wait_for_stop(stopped.clone());
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            (io, remote) = listener.accept() => {
                let Some(slot) = open.take(remote.ip(), limits.per_address) else {
                    tracing::debug!(%remote, "too many connections from this address");
                    continue; // dropping `io` closes the connection
                };
                let service = router.clone().layer(axum::Extension(ConnectInfo(remote)));
                tasks.spawn(connection(io, service, limits.header_timeout, stopped.clone(), slot));
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.drain_timeout, drain)
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain timeout: closing them");
        tasks.abort_all();
    }
}

/// Serves one connection until it closes, times out, or the server stops.
async fn connection<I>(
    io: I,
    service: Router,
    header_timeout: Duration,
    stopped: watch::Receiver<bool>,
    _slot: Slot,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    tokio::pin!(conn);
    let stop = super::wait_for_stop(stopped);
    tokio::pin!(stop);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = &mut stop => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Open connections per client key.
#[derive(Debug, Default, Clone)]
struct OpenConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl OpenConnections {
    /// A slot for one more connection from `ip`, or `None` when it has `cap` open already.
    fn take(&self, ip: IpAddr, cap: usize) -> Option<Slot> {
        let key = client_key(ip);
        let mut open = self.lock();
        let count = open.entry(key).or_insert(0);
        if cap > 0 && *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            key,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        // Counts stay meaningful even if a holder panicked between two statements.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One open connection; dropping it frees the slot.
#[derive(Debug)]
struct Slot {
    open: OpenConnections,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock();
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_address_and_freed_on_drop() {
        let open = OpenConnections::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = open.take(a, 2).unwrap();
        let _second = open.take(a, 2).unwrap();
        assert!(open.take(a, 2).is_none());
        assert!(open.take(b, 2).is_some(), "another address has its own cap");
        drop(first);
        assert!(open.take(a, 2).is_some());
    }

    #[test]
    fn ipv6_addresses_share_the_cap_of_their_64() {
        let open = OpenConnections::default();
        let _one = open.take("2001:db8::1".parse().unwrap(), 1).unwrap();
        assert!(open.take("2001:db8::2".parse().unwrap(), 1).is_none());
        assert!(open.take("2001:db8:0:1::1".parse().unwrap(), 1).is_some());
    }

    #[test]
    fn a_cap_of_zero_means_no_cap() {
        let open = OpenConnections::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let slots: Vec<Slot> = (0..100).filter_map(|_| open.take(ip, 0)).collect();
        assert_eq!(slots.len(), 100);
        drop(slots);
        assert!(open.lock().is_empty(), "every slot was freed");
    }
}
