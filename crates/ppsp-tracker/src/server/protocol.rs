//! `POST /`: one PPSTP request in, one response out (RFC 7846 section 3: REST-like POSTs
//! with one response per request).
//!
//! The HTTP status follows the PPSTP outcome, as in the XML profile's table: 200 for success,
//! 400 for Bad Request (01) and Unsupported Version (02), 403 Forbidden Action (03), 500
//! Internal Server Error (04), 503 Service Unavailable (05), 401 Authentication Required (06);
//! and 413 (body too large), 415 (unknown Content-Type, answered in JSON), 429 (rate limit,
//! 05) and 408 (timeout, 05) before a request could be read. Every failure carries a PPSTP
//! body naming the problem (the XML form's `<Reason>`; RFC 7846 JSON has no member for it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ppsp_wire::ids::TransactionId;
use ppsp_wire::tracker::{
    ErrorCode, RequestType, ResponseOutcome, TrackerEncoding, TrackerResponse,
};
use rand::SeedableRng;
use rand::rngs::SmallRng;

use super::App;
use crate::service::refused;
use crate::time::Timestamp;

/// The transaction ID echoed when none could be read from the request.
const UNKNOWN_TRANSACTION: &str = "0";

/// Answers one protocol request.
pub(crate) async fn post(
    State(app): State<Arc<App>>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let encoding = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(TrackerEncoding::from_content_type);
    let Some(encoding) = encoding else {
        let answer = failure(
            None,
            None,
            ErrorCode::BadRequest,
            "Content-Type must be application/ppsp-tracker+json or application/ppsp-tracker+xml",
        );
        app.metrics.record(
            None,
            Some(ErrorCode::BadRequest),
            started.elapsed(),
            Instant::now(),
        );
        return reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TrackerEncoding::Json,
            &answer,
        );
    };
    let answer = tokio::time::timeout(
        app.server.request_timeout,
        answer(&app, source, &headers, encoding, body),
    )
    .await;
    let (status, response) = answer.unwrap_or_else(|_| {
        let response = failure(
            None,
            None,
            ErrorCode::ServiceUnavailable,
            "request timed out",
        );
        (StatusCode::REQUEST_TIMEOUT, response)
    });
    let error = match &response.outcome {
        ResponseOutcome::Failure { code, .. } => Some(*code),
        ResponseOutcome::Success { .. } => None,
    };
    app.metrics.record(
        response.request_type,
        error,
        started.elapsed(),
        Instant::now(),
    );
    reply(status, encoding, &response)
}

async fn answer(
    app: &App,
    source: SocketAddr,
    headers: &HeaderMap,
    encoding: TrackerEncoding,
    body: Body,
) -> (StatusCode, TrackerResponse) {
    if !app.limiter.allow(source.ip(), Instant::now()) {
        let response = failure(
            None,
            None,
            ErrorCode::ServiceUnavailable,
            "rate limit exceeded; slow down",
        );
        return (StatusCode::TOO_MANY_REQUESTS, response);
    }
    if let Some(token) = &app.server.auth_token {
        let expected = format!("Bearer {token}");
        let given = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if given != Some(expected.as_bytes()) {
            let response = failure(
                None,
                None,
                ErrorCode::AuthenticationRequired,
                "a valid bearer token is required",
            );
            return (StatusCode::UNAUTHORIZED, response);
        }
    }
    let bytes = match read_body(body, app.server.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let request = match encoding.decode_request(&bytes, &app.limits) {
        Ok(request) => request,
        Err(error) => {
            let response = failure(
                error.transaction_id.clone(),
                error.request_type,
                error.error_code(),
                &error.to_string(),
            );
            return (StatusCode::BAD_REQUEST, response);
        }
    };
    let mut rng = SmallRng::from_rng(&mut rand::rng());
    let response = app
        .tracker
        .handle(Timestamp::now(), source, &request, &mut rng)
        .await;
    (status_of(&response), response)
}

/// The body, or 413 when it is larger than `max` bytes.
async fn read_body(body: Body, max: usize) -> Result<Bytes, (StatusCode, TrackerResponse)> {
    axum::body::to_bytes(body, max).await.map_err(|error| {
        let too_large = std::error::Error::source(&error)
            .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
        if too_large {
            let reason = format!("body is over the limit of {max} bytes");
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                failure(None, None, ErrorCode::BadRequest, &reason),
            )
        } else {
            let reason = format!("could not read the body: {error}");
            (
                StatusCode::BAD_REQUEST,
                failure(None, None, ErrorCode::BadRequest, &reason),
            )
        }
    })
}

/// A failed response with a reason, echoing what could be salvaged.
fn failure(
    transaction_id: Option<TransactionId>,
    request_type: Option<RequestType>,
    code: ErrorCode,
    reason: &str,
) -> TrackerResponse {
    let tid = transaction_id.unwrap_or_else(|| {
        TransactionId::new(UNKNOWN_TRANSACTION).expect("\"0\" is a valid transaction ID")
    });
    refused(
        TrackerResponse::failure(tid, request_type, code),
        reason.to_string(),
    )
}

/// The HTTP status for a PPSTP outcome.
fn status_of(response: &TrackerResponse) -> StatusCode {
    match &response.outcome {
        ResponseOutcome::Success { .. } => StatusCode::OK,
        ResponseOutcome::Failure { code, .. } => match code {
            ErrorCode::BadRequest | ErrorCode::UnsupportedVersion => StatusCode::BAD_REQUEST,
            ErrorCode::ForbiddenAction => StatusCode::FORBIDDEN,
            ErrorCode::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AuthenticationRequired => StatusCode::UNAUTHORIZED,
        },
    }
}

fn reply(status: StatusCode, encoding: TrackerEncoding, response: &TrackerResponse) -> Response {
    let body = encoding.encode_response(response);
    let mut reply = (
        status,
        [(header::CONTENT_TYPE, encoding.media_type())],
        body,
    )
        .into_response();
    // The rest of a body that was too slow or too large is not worth reading: close.
    if status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::PAYLOAD_TOO_LARGE {
        reply
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    reply
}
