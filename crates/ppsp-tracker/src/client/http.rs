//! One POST at a time over a kept-alive HTTP/1.1 connection (hyper's connection API over a
//! tokio TCP stream, wrapped in rustls for `https`). A failed connection is dropped and the
//! next request opens a new one.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use ppsp_wire::tracker::TrackerEncoding;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::ClientError;

/// Where requests go.
#[derive(Clone)]
pub(super) struct Target {
    host: String,
    port: u16,
    authority: String,
    path: String,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("authority", &self.authority)
            .field("path", &self.path)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Target {
    /// Reads an `http` or `https` URL; `https` needs `roots`.
    pub(super) fn parse(
        url: &str,
        roots: Option<Arc<rustls::RootCertStore>>,
    ) -> Result<Self, ClientError> {
        let bad = |why: &str| ClientError::Config(format!("{url}: {why}"));
        let uri: Uri = url.parse().map_err(|_| bad("not a URL"))?;
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let authority = uri.authority().ok_or_else(|| bad("no host"))?.to_string();
        let path = uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.to_string());
        let (port, tls) = match uri.scheme_str() {
            Some("http") => (uri.port_u16().unwrap_or(80), None),
            Some("https") => {
                let roots = roots.ok_or_else(|| bad("https needs trusted roots (tls_roots)"))?;
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| bad(&e.to_string()))?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name =
                    ServerName::try_from(host.clone()).map_err(|_| bad("bad server name"))?;
                (
                    uri.port_u16().unwrap_or(443),
                    Some((TlsConnector::from(Arc::new(config)), name)),
                )
            }
            _ => return Err(bad("scheme must be http or https")),
        };
        Ok(Self {
            host,
            port,
            authority,
            path,
            tls,
        })
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connect to {}: {e}", self.authority))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => handshake(tcp).await,
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| format!("TLS with {}: {e}", self.authority))?;
                handshake(tls).await
            }
        }
    }
}

async fn handshake<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the tracker closes the connection.
        let _ = connection.await;
    });
    Ok(sender)
}

/// A target and the kept-alive connection to it, if any.
#[derive(Debug)]
pub(super) struct Connection {
    target: Target,
    idle: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl Connection {
    pub(super) fn new(target: Target) -> Self {
        Self {
            target,
            idle: Mutex::new(None),
        }
    }

    /// Forgets the kept-alive connection (after a timeout its state is unknown).
    pub(super) fn reset(&self) {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// POSTs `body` and returns the response body (of any HTTP status: PPSTP failures come
    /// with 4xx/5xx statuses and a PPSTP body), at most `max` bytes.
    pub(super) async fn post(
        &self,
        body: &str,
        encoding: TrackerEncoding,
        token: Option<&str>,
        max: usize,
    ) -> Result<Bytes, String> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let mut sender = match idle {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.target.open().await?,
        };
        sender
            .ready()
            .await
            .map_err(|e| format!("connection lost: {e}"))?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(self.target.path.as_str())
            .header(HOST, self.target.authority.as_str())
            .header(CONTENT_TYPE, encoding.media_type())
            .header(ACCEPT, encoding.media_type());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| format!("build request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("send: {e}"))?;
        let bytes = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map_err(|e| format!("read answer: {e}"))?
            .to_bytes();
        *self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sender);
        Ok(bytes)
    }
}
