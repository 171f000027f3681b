//! A small HTTP/1.1 client for peer requests: one kept-alive connection per peer address
//! (hyper's connection API over tokio TCP), every exchange bounded in time and size.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderName};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Most idle connections kept; past it the cache is cleared.
const MAX_IDLE: usize = 256;

/// A failed exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP exchange with {peer}: {problem}")]
pub struct HttpError {
    /// The peer.
    pub peer: SocketAddr,
    /// What went wrong.
    pub problem: String,
}

/// Kept-alive connections to peers.
#[derive(Debug, Default)]
pub(crate) struct HttpClient {
    idle: Mutex<HashMap<SocketAddr, SendRequest<Full<Bytes>>>>,
}

/// How much an exchange may read, and for how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Largest answer body read.
    pub(crate) max_bytes: usize,
    /// Time allowed for connecting, sending and reading.
    pub(crate) timeout: Duration,
}

/// An HTTP answer: status, content type and body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

impl HttpClient {
    async fn connection(&self, peer: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
        let cached = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&peer);
        if let Some(sender) = cached.filter(|s| !s.is_closed()) {
            return Ok(sender);
        }
        let tcp = TcpStream::connect(peer)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the peer closes the connection.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request and reads the answer within `bounds`.
    pub(crate) async fn exchange(
        &self,
        peer: SocketAddr,
        method: Method,
        path: &str,
        headers: &[(HeaderName, String)],
        body: Bytes,
        bounds: Bounds,
    ) -> Result<Answer, HttpError> {
        let Bounds {
            max_bytes: max,
            timeout,
        } = bounds;
        let fail = |problem: String| HttpError { peer, problem };
        let work = async {
            let mut sender = self.connection(peer).await?;
            sender
                .ready()
                .await
                .map_err(|e| format!("connection lost: {e}"))?;
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .header(HOST, peer.to_string());
            for (name, value) in headers {
                request = request.header(name, value.as_str());
            }
            let request = request
                .body(Full::new(body))
                .map_err(|e| format!("build request: {e}"))?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), max)
                .collect()
                .await
                .map_err(|e| format!("read answer: {e}"))?
                .to_bytes();
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() >= MAX_IDLE {
                idle.clear();
            }
            idle.insert(peer, sender);
            Ok::<_, String>(Answer { status, body })
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result.map_err(fail),
            Err(_) => Err(fail(format!("no answer within {timeout:?}"))),
        }
    }

    /// POSTs an XML document to `path`.
    pub(crate) async fn post_xml(
        &self,
        peer: SocketAddr,
        path: &str,
        document: String,
        extra: &[(HeaderName, String)],
        bounds: Bounds,
    ) -> Result<Answer, HttpError> {
        let mut headers = vec![(CONTENT_TYPE, ppsp_wire::peer::MEDIA_TYPE.to_string())];
        headers.extend_from_slice(extra);
        self.exchange(
            peer,
            Method::POST,
            path,
            &headers,
            Bytes::from(document),
            bounds,
        )
        .await
    }
}
