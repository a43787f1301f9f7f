//! Requests handled at once: at most [`MAX_REQUESTS`] (until each has its answer; an event
//! stream counts until its first byte). One more is answered 503 at once rather than queued,
//! so that a flood of requests cannot pile up in memory.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Server;
use super::api_error::ApiError;

/// Requests handled at once.
pub const MAX_REQUESTS: usize = 128;

/// Answers 503 to a request beyond [`MAX_REQUESTS`].
pub async fn limit(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let Ok(_permit) = server.requests.try_acquire() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy: try again shortly",
        )
        .into_response();
    };
    next.run(request).await
}
