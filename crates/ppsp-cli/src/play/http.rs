//! The player's HTTP endpoint: `GET`/`HEAD /stream` with byte ranges for on-demand content or
//! an endless body for live content, and `GET /metrics`.
//!
//! hyper 1 (the tracker's HTTP stack) serves HTTP/1.1; each response body is fed by a task
//! that awaits the chunks it covers, through a small channel so that a player reading slowly
//! holds the task back instead of filling memory.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use anyhow::Result;
use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt as _;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ppsp_node::node::NodeHandle;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};

use super::live::LiveSource;
use super::range::{self, Wanted};
use super::source::Source;

/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 64;

/// Chunks queued between a body's task and the connection.
const BODY_QUEUE: usize = 8;

/// What the endpoint serves.
pub(crate) enum Content {
    /// Static content, by byte range.
    OnDemand(Source),
    /// A live stream, from near its edge on.
    Live(LiveSource),
}

/// Everything a request needs.
pub(crate) struct State {
    pub(crate) content: Content,
    pub(crate) content_type: HeaderValue,
    pub(crate) node: NodeHandle,
}

pub(crate) type ResponseBody = BoxBody<Bytes, std::io::Error>;

/// Accepts connections until the task is dropped.
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) -> Result<()> {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = Arc::clone(&slots).acquire_owned().await?;
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(%error, "HTTP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&state)));
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "HTTP connection ended");
            }
            drop(slot);
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<ResponseBody>, Infallible> {
    let head = request.method() == Method::HEAD;
    let response = match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/stream") => match &state.content {
            Content::OnDemand(source) => {
                let range = request
                    .headers()
                    .get(header::RANGE)
                    .and_then(|v| v.to_str().ok());
                on_demand(source, &state, range, head).await
            }
            Content::Live(live) => live_stream(live, &state, head),
        },
        (&Method::GET, "/metrics") => metrics_page(&state).await,
        (_, "/stream" | "/metrics") => {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            response
        }
        _ => text(StatusCode::NOT_FOUND, "the stream is at /stream\n"),
    };
    Ok(response)
}

async fn on_demand(
    source: &Source,
    state: &Arc<State>,
    range: Option<&str>,
    head: bool,
) -> Response<ResponseBody> {
    let len = match source.len().await {
        Ok(len) => len,
        Err(error) => return text(StatusCode::SERVICE_UNAVAILABLE, &format!("{error:#}\n")),
    };
    let (status, first, last) = match range::wanted(range, len) {
        Wanted::Whole => (StatusCode::OK, 0, len.checked_sub(1)),
        Wanted::Span { first, last } => (StatusCode::PARTIAL_CONTENT, first, Some(last)),
        Wanted::Unsatisfiable => {
            let mut response = text(StatusCode::RANGE_NOT_SATISFIABLE, "bad range\n");
            insert(
                &mut response,
                header::CONTENT_RANGE,
                format!("bytes */{len}"),
            );
            insert(&mut response, header::ACCEPT_RANGES, "bytes".into());
            return response;
        }
    };
    let size = last.map_or(0, |last| last - first + 1);
    let body = match (head, last) {
        (false, Some(last)) => span_body(Arc::clone(state), first, last),
        _ => empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, state.content_type.clone());
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let (StatusCode::PARTIAL_CONTENT, Some(last)) = (status, last) {
        insert(
            &mut response,
            header::CONTENT_RANGE,
            format!("bytes {first}-{last}/{len}"),
        );
    }
    response
}

/// Bytes `first..=last`, chunk by chunk as each is verified.
fn span_body(state: Arc<State>, first: u64, last: u64) -> ResponseBody {
    let (tx, rx) = mpsc::channel(BODY_QUEUE);
    tokio::spawn(async move {
        let Content::OnDemand(source) = &state.content else {
            return;
        };
        let mut offset = first;
        while offset <= last {
            let (index, start) = source.chunk_of(offset);
            let chunk = match source.chunk(index).await {
                Ok(chunk) => chunk,
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "a stream request failed");
                    let _ = tx.send(Err(std::io::Error::other(error))).await;
                    return;
                }
            };
            let chunk_end = start + chunk.len() as u64;
            let from = usize::try_from(offset - start).unwrap_or(usize::MAX);
            let to = usize::try_from(chunk_end.min(last + 1) - start).unwrap_or(usize::MAX);
            if from >= to || to > chunk.len() {
                let _ = tx
                    .send(Err(std::io::Error::other(
                        "the content is shorter than announced",
                    )))
                    .await;
                return;
            }
            if tx.send(Ok(chunk.slice(from..to))).await.is_err() {
                return; // The player hung up.
            }
            offset = chunk_end.min(last + 1);
        }
    });
    ChannelBody(rx).boxed()
}

/// An endless body: no length, no ranges (a player reading live content cannot seek).
fn live_stream(live: &LiveSource, state: &State, head: bool) -> Response<ResponseBody> {
    let body = if head { empty() } else { live.body() };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, state.content_type.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The node's counters, rendered as on the node's own HTTP port (one renderer for both).
async fn metrics_page(state: &State) -> Response<ResponseBody> {
    match state.node.metrics().await {
        Ok(metrics) => {
            let mut response = text(StatusCode::OK, &metrics.render());
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(ppsp_node::metrics::CONTENT_TYPE),
            );
            response
        }
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "the node has stopped\n"),
    }
}

fn text(status: StatusCode, body: &str) -> Response<ResponseBody> {
    let body = http_body_util::Full::new(Bytes::from(body.to_string()))
        .map_err(|never| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn empty() -> ResponseBody {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed()
}

fn insert(response: &mut Response<ResponseBody>, name: header::HeaderName, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
}

/// A body fed by a task through a channel; an error ends the connection (the player sees a
/// truncated body rather than wrong bytes).
struct ChannelBody(mpsc::Receiver<std::io::Result<Bytes>>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|item| item.map(|result| result.map(Frame::data)))
    }
}

/// A body fed through a channel by a task of the caller's.
pub(crate) fn channel_body() -> (mpsc::Sender<std::io::Result<Bytes>>, ResponseBody) {
    let (tx, rx) = mpsc::channel(BODY_QUEUE);
    (tx, ChannelBody(rx).boxed())
}
