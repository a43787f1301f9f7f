//! The page of `nst serve` as a library: an axum [`Router`] an app mounts under any path to
//! let its users paint with nst. The page uploads a photo, paintings and masks, starts runs
//! (jobs, queued beyond [`PageBuilder::jobs`]), follows them as server-sent events with
//! previews, and downloads results with their recipes. The model is loaded once and shared
//! by every run.
//!
//! What keeps it safe is inside the router: [`Access`] (the origin and host checks, or a
//! token), the limits on request bodies and decoded images, uploads named by their hash (no
//! request names a path), and bounded jobs, runs and uploads folder. The app brings the rest:
//! its listener, TLS, login and tracing, as middleware around the router.
//!
//! ```no_run
//! use axum::Router;
//! use nst::{Backend, WeightsSource};
//!
//! # async fn app() -> Result<(), Box<dyn std::error::Error>> {
//! let selected = Backend::Auto.open()?;
//! let page = nst_serve::Page::builder(selected, WeightsSource::Cache)
//!     .access(nst_serve::Access::SameOrigin) // the app checks who may paint
//!     .jobs(2)
//!     .build()?;
//! let app = Router::new().nest("/paint", page.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The page is then at `/paint` (not `/paint/`: axum nests a router's root at the prefix
//! itself). A run tiled to fit in memory is said in one line on standard error.

#![warn(missing_docs)]

mod access;
mod api;
mod api_error;
mod body;
mod builder;
mod busy;
mod events;
mod job;
mod jobs;
mod listener;
mod options;
mod page;
mod progress;
mod uploads;
mod work;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use nst::vgg16::Vgg16;
use nst::{Backend, WeightsSource};
use tokio::sync::Semaphore;

pub use access::Access;
use body::Bodies;
pub use builder::PageBuilder;
use jobs::Jobs;
pub use listener::{HEADER_TIMEOUT, MAX_CONNECTIONS, serve};
use uploads::Uploads;

/// Why a page cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model could not be loaded (the weights, the device).
    #[error(transparent)]
    Model(#[from] nst::transfer::Error),
    /// The uploads folder cannot be created or read.
    #[error("{0}")]
    Uploads(String),
    /// A limit is out of range (a zero where one is needed, a size that overflows).
    #[error("{0}")]
    Limit(String),
}

/// The page over a loaded model, ready to be mounted: [`Page::router`]. Cloning it shares
/// the model, the jobs and the uploads.
#[derive(Clone)]
pub struct Page {
    server: Arc<Server>,
}

impl Page {
    /// A page running on `selected` (from [`Backend::open`]) with the weights `weights`
    /// names, to be configured and built.
    pub fn builder(selected: nst::Selected, weights: WeightsSource) -> PageBuilder {
        PageBuilder::new(selected, weights)
    }

    /// The page and its API (`/`, its scripts and style sheets, `/api/…`; the API alone without
    /// [`PageBuilder::page_files`]) behind the access check, to be served alone or nested
    /// under a prefix.
    pub fn router(&self) -> Router {
        api::router(Arc::clone(&self.server))
    }

    /// The folder the uploads are kept in.
    pub fn uploads_folder(&self) -> &Path {
        self.server.uploads.folder()
    }

    /// Removes the uploads that are too old or beyond the quota, least recently used first
    /// (each upload prunes too; call this now and then, say every ten minutes, from a
    /// blocking task: it reads the folder).
    pub fn prune_uploads(&self) -> Result<(), Error> {
        self.server
            .uploads
            .prune(0)
            .map_err(|e| Error::Uploads(format!("{e:#}")))
    }
}

/// What every request shares: the model, the uploads, the jobs and the limits.
struct Server {
    model: Arc<Vgg16>,
    backend: Backend,
    device: String,
    weights: WeightsSource,
    uploads: Arc<Uploads>,
    jobs: Arc<Jobs>,
    access: Access,
    /// Whether the page's own files are served, or the API alone.
    page_files: bool,
    /// Permits to decode images (uploads, a run's inputs), which take memory.
    decoders: Arc<Semaphore>,
    /// Permits to handle a request (see [`busy`]).
    requests: Semaphore,
    /// The memory request bodies take together.
    bodies: Bodies,
    max_upload_bytes: u64,
    max_image_bytes: u64,
    /// The memory runs may take together (none: unbounded, on a GPU without a budget).
    memory_budget: Option<u64>,
    /// The most iterations of a run, over all its scales.
    max_iterations: usize,
    /// The longest a run may take.
    max_run_time: Duration,
}
