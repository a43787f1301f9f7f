//! Accepting connections within bounds: at most [`MAX_CONNECTIONS`] open at once (more wait
//! in the system's queue of connections until one closes), and a request's head must arrive
//! within [`HEADER_TIMEOUT`], so that
//! idle or slow clients cannot hold the server's sockets and memory. Each connection speaks
//! HTTP/1.1 through hyper, to the [`Router`](axum::Router) of the routes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Connections open at once (event streams included: a page holds one per run it follows).
pub const MAX_CONNECTIONS: usize = 256;

/// The longest a client may take to send a request's head (its line and headers), from the
/// connection's start or the end of its last answer. Past it the connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes of a request's head a connection buffers.
const MAX_HEAD_BYTES: usize = 64 << 10;

/// Serves `router` on `listener` until the process stops.
pub async fn serve(listener: TcpListener, router: Router) {
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        // The semaphore is never closed: a permit always comes.
        let Ok(permit) = Arc::clone(&open).acquire_owned().await else {
            return;
        };
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait for some to close rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES);
            // An error is the client's (a reset, a timeout, a malformed request): the
            // connection ends either way.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}
