//! Request bodies read within bounds: each at most its route's limit (refused from its
//! `Content-Length` before a byte is read when that says more), all the bodies held at once
//! within one budget of memory, and each sent within time limits. A refused body is not read
//! on: the answer closes the connection.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::http::StatusCode;
use futures_util::StreamExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::api_error::ApiError;

/// The longest a client may pause while sending a body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a client may take to send a whole body (32 MiB in it is 2.2 Mbit/s).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);

/// The memory that bodies being received or decoded may take together, counted in KiB.
pub struct Bodies {
    budget: Arc<Semaphore>,
}

/// A body read whole, and its share of the budget (given back when this is dropped).
pub struct Received {
    pub bytes: Vec<u8>,
    share: Option<OwnedSemaphorePermit>,
}

impl Bodies {
    /// Bodies that take at most `bytes` together.
    pub fn new(bytes: u64) -> Self {
        let kib = usize::try_from(bytes >> 10).unwrap_or(usize::MAX);
        Self {
            budget: Arc::new(Semaphore::new(kib.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// `body`, refused with 413 beyond `limit` bytes, 503 while the budget is spent and 408
    /// when it is sent too slowly.
    pub async fn read(&self, body: Body, limit: u64) -> Result<Received, ApiError> {
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the upload is larger than the server's limit of {} MiB",
                    limit >> 20
                ),
            )
        };
        if body.size_hint().lower() > limit {
            return Err(too_large());
        }
        let deadline = Instant::now() + BODY_TIMEOUT;
        let mut chunks = body.into_data_stream();
        let mut received = Received {
            bytes: Vec::new(),
            share: None,
        };
        loop {
            let pause = Instant::now() + BODY_IDLE_TIMEOUT;
            let chunk = match tokio::time::timeout_at(pause.min(deadline), chunks.next()).await {
                Ok(Some(chunk)) => chunk.map_err(|error| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("cannot read the upload: {error}"),
                    )
                })?,
                Ok(None) => return Ok(received),
                Err(_) => {
                    return Err(ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "the upload came too slowly",
                    ));
                }
            };
            let total = received.bytes.len() + chunk.len();
            if total as u64 > limit {
                return Err(too_large());
            }
            self.reserve(&mut received, total)?;
            received.bytes.extend_from_slice(&chunk);
        }
    }

    /// Takes from the budget what `received` needs to hold `total` bytes.
    fn reserve(&self, received: &mut Received, total: usize) -> Result<(), ApiError> {
        let held = received
            .share
            .as_ref()
            .map_or(0, |share| share.num_permits());
        let needed = total.div_ceil(1 << 10).saturating_sub(held);
        if needed == 0 {
            return Ok(());
        }
        let busy = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is receiving too many uploads at once: try again shortly",
            )
        };
        let needed = u32::try_from(needed).map_err(|_| busy())?;
        let more = Arc::clone(&self.budget)
            .try_acquire_many_owned(needed)
            .map_err(|_| busy())?;
        match &mut received.share {
            Some(share) => share.merge(more),
            None => received.share = Some(more),
        }
        Ok(())
    }
}
