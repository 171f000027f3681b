//! The HTTP side of the server: `POST /ppsp` (the XML peer protocol) and
//! `GET /ppsp/chunk/{swarm}/{chunk}` (the `http` transport), mounted by the node runtime on its
//! HTTP port.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ppsp_wire::ids::{PeerId, SwarmId, TransactionId};
use ppsp_wire::peer::{self, ACCEPTED_MEDIA_TYPES, MEDIA_TYPE, Method, PeerMessage, Status};
use ppsp_wire::xml::{Element, XmlLimits};

use super::answer::Context;
use super::frame::{CHUNK_MEDIA_TYPE, ChunkFrame};
use super::maps::MapEncoding;
use super::state::SignallingState;
use super::view::NodeView;

/// The path of the XML peer protocol.
pub const PEER_PATH: &str = "/ppsp";
/// Request header choosing the `<CHUNK>` encoding of a pulled map (`bitmap` or `ranges`).
pub const CHUNK_ENCODING_HEADER: &str = "ppsp-chunk-encoding";
/// Request header carrying the requester's peer ID on a chunk GET (40 hex characters).
pub const PEER_ID_HEADER: &str = "ppsp-peer-id";
/// The transaction ID echoed when the request's could not be read.
const UNKNOWN_TRANSACTION: &str = "0";

struct App {
    view: Arc<dyn NodeView>,
    state: Arc<SignallingState>,
}

/// The routes of the signalling plane and the `http` transport, answering from `view` and
/// remembering in `state`.
pub fn router(view: Arc<dyn NodeView>, state: Arc<SignallingState>) -> Router {
    let app = Arc::new(App { view, state });
    Router::new()
        .route(PEER_PATH, post(post_peer))
        .route("/ppsp/chunk/{swarm}/{chunk}", get(get_chunk))
        .with_state(app)
}

fn xml_reply(status: Status, body: String) -> Response {
    let code = StatusCode::from_u16(status.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        code,
        [(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))],
        body,
    )
        .into_response()
}

/// An error document. When the method could not be read the `<Response>` element is left
/// out (there is no method to name), which a reader takes as "request not understood".
fn error_reply(
    tx: Option<TransactionId>,
    method: Option<Method>,
    status: Status,
    reason: &str,
) -> Response {
    let tx = tx.map_or_else(
        || UNKNOWN_TRANSACTION.to_string(),
        |t| t.as_str().to_string(),
    );
    let document = match (method, TransactionId::new(tx.clone())) {
        (Some(method), Ok(tx)) => {
            PeerMessage::Response(peer::Response::error(tx, method, status, reason)).to_xml()
        }
        _ => {
            let mut cut = reason.len().min(peer::MAX_REASON_LEN);
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            Element::new(peer::ROOT)
                .with_attr("version", peer::VERSION)
                .with_text_child("TransactionID", tx)
                .with_text_child("Status", status.as_str())
                .with_text_child("Reason", &reason[..cut])
                .to_document()
        }
    };
    xml_reply(status, document)
}

fn media_type_ok(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            ACCEPTED_MEDIA_TYPES
                .iter()
                .any(|m| m.eq_ignore_ascii_case(v.trim()))
        })
}

async fn post_peer(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    if !media_type_ok(&headers) {
        return error_reply(
            None,
            None,
            Status::BadRequest,
            &format!(
                "Content-Type must be one of {}",
                ACCEPTED_MEDIA_TYPES.join(", ")
            ),
        );
    }
    let max = app.state.config().max_body_bytes;
    let bytes = match axum::body::to_bytes(body, max).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            return if too_large {
                error_reply(
                    None,
                    None,
                    Status::PayloadTooLarge,
                    &format!("body over the limit of {max} bytes"),
                )
            } else {
                error_reply(None, None, Status::BadRequest, "unreadable body")
            };
        }
    };
    let limits = XmlLimits {
        max_bytes: max,
        ..XmlLimits::default()
    };
    let request = match PeerMessage::from_xml_with_limits(&bytes, &limits) {
        Ok(PeerMessage::Request(request)) => request,
        Ok(PeerMessage::Response(response)) => {
            return error_reply(
                Some(response.transaction_id),
                Some(response.method),
                Status::BadRequest,
                "a response was posted where a request (<Method>) is expected",
            );
        }
        Err(error) => {
            return error_reply(
                error.transaction_id.clone(),
                error.method,
                error.status(),
                &error.to_string(),
            );
        }
    };
    let encoding = headers
        .get(CHUNK_ENCODING_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(MapEncoding::from_header)
        .unwrap_or_default();
    let context = Context {
        view: app.view.as_ref(),
        state: &app.state,
        now: Instant::now(),
        encoding,
    };
    let response = context.answer(&request);
    tracing::debug!(
        method = %request.body.method().as_str(),
        status = %response.status.as_str(),
        "signalling request"
    );
    xml_reply(response.status, PeerMessage::Response(response).to_xml())
}

fn text_reply(code: StatusCode, text: String) -> Response {
    (code, text).into_response()
}

/// `GET /ppsp/chunk/{swarm}/{chunk}[?peaks=0]`: one verified chunk in a [`ChunkFrame`].
async fn get_chunk(
    State(app): State<Arc<App>>,
    Path((swarm, chunk)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Ok(swarm) = swarm.parse::<SwarmId>() else {
        return text_reply(
            StatusCode::BAD_REQUEST,
            "swarm ID must be lowercase hex".into(),
        );
    };
    let Ok(chunk) = chunk.parse::<u64>() else {
        return text_reply(
            StatusCode::BAD_REQUEST,
            "chunk must be a decimal index".into(),
        );
    };
    let peer = headers
        .get(PEER_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<PeerId>().ok());
    let Some(peer) = peer else {
        return text_reply(
            StatusCode::BAD_REQUEST,
            format!("header {PEER_ID_HEADER} with the requester's 40-hex peer ID is required"),
        );
    };
    if !app.view.has_swarm(&swarm) {
        return text_reply(StatusCode::NOT_FOUND, format!("SWARM_NOT_FOUND: {swarm}"));
    }
    let context = Context {
        view: app.view.as_ref(),
        state: &app.state,
        now: Instant::now(),
        encoding: MapEncoding::default(),
    };
    if let Err((status, reason)) = context.require_slot(&swarm, peer) {
        return text_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}: {reason}", status.as_str()),
        );
    }
    let with_peaks = !uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "peaks=0"));
    let view = Arc::clone(&app.view);
    let found = tokio::task::spawn_blocking(move || view.proven_chunk(&swarm, chunk)).await;
    let Ok(Some(proven)) = found else {
        return text_reply(
            StatusCode::NOT_FOUND,
            format!("CHUNK_NOT_FOUND: chunk {chunk} is not held verified here"),
        );
    };
    let frame = ChunkFrame {
        chunk,
        chunk_count: proven.chunk_count,
        peaks: if with_peaks { proven.peaks } else { Vec::new() },
        uncles: proven.uncles,
        data: proven.data,
    };
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CHUNK_MEDIA_TYPE),
        )],
        frame.encode(),
    )
        .into_response()
}
