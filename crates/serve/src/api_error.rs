//! The server's error answers: a status and `{"error": "one line"}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::jobs::{Full, UnknownJob};
use super::work::NoImage;
use nst_options::one_line;

/// An error answer: a status and `{"error": "one line"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An answer with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The request may not have been read whole: the connection is not used again.
        let close = [(header::CONNECTION, "close")];
        (self.status, close, Json(json!({ "error": self.message }))).into_response()
    }
}

/// Bad input, unless the error says otherwise (an unknown job, a full queue, a job without
/// an image).
impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        let status = if error.is::<UnknownJob>() {
            StatusCode::NOT_FOUND
        } else if error.is::<Full>() {
            StatusCode::SERVICE_UNAVAILABLE
        } else if error.is::<NoImage>() {
            StatusCode::CONFLICT
        } else {
            StatusCode::BAD_REQUEST
        };
        Self::new(status, one_line(&error))
    }
}
