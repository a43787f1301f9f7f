//! The page's options, checked and applied by [`PageBuilder::build`], which loads the model.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nst::transfer::Preset;
use nst::{Backend, Selected, StyleTransfer, WeightsSource};
use tokio::sync::Semaphore;

use crate::access::check_token;
use crate::body::Bodies;
use crate::jobs::Jobs;
use crate::uploads::{UploadLimits, Uploads};
use crate::{Access, Error, Page, Server, busy};

/// Runs that may wait in the queue; more are refused (503) until one starts.
const MAX_WAITING: usize = 16;

/// Images decoded (or runs prepared) at once.
const DECODERS: usize = 2;

/// Request bodies held at once (being received or decoded) may take this many largest
/// uploads' worth of memory.
const BODIES_AT_ONCE: u64 = 4;

/// The options of a [`Page`]; each has a default (the one `nst serve` has).
#[derive(Debug)]
pub struct PageBuilder {
    selected: Selected,
    weights: WeightsSource,
    access: Access,
    page_files: bool,
    jobs: usize,
    max_upload_bytes: u64,
    max_image_bytes: u64,
    uploads_folder: Option<PathBuf>,
    uploads_quota_bytes: u64,
    uploads_max_age: Duration,
    memory_budget: Option<u64>,
    max_iterations: usize,
    max_run_time: Duration,
}

impl PageBuilder {
    pub(crate) fn new(selected: Selected, weights: WeightsSource) -> Self {
        Self {
            selected,
            weights,
            access: Access::default(),
            page_files: true,
            jobs: 1,
            max_upload_bytes: 32 << 20,
            max_image_bytes: nst::io::MAX_DECODED_BYTES,
            uploads_folder: None,
            uploads_quota_bytes: 2 << 30,
            uploads_max_age: Duration::from_secs(24 * 3600),
            memory_budget: None,
            max_iterations: 10_000,
            max_run_time: Duration::from_secs(3600),
        }
    }

    /// Who may use the page (default: [`Access::Loopback`]).
    pub fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// Whether the router serves the page's own files (`/`, its scripts and style sheets;
    /// the default) or the API alone, for an app that ships a page of its own.
    pub fn page_files(mut self, serve: bool) -> Self {
        self.page_files = serve;
        self
    }

    /// Runs at once; later ones wait in a queue whose place the page shows (default 1).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// The largest request body, an uploaded image, in bytes (default 32 MiB).
    pub fn max_upload_bytes(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// The most memory one decoded image may take, in bytes (default
    /// [`nst::io::MAX_DECODED_BYTES`]).
    pub fn max_image_bytes(mut self, bytes: u64) -> Self {
        self.max_image_bytes = bytes;
        self
    }

    /// The folder that keeps the uploaded images, named by their SHA-256, so that the
    /// results' recipes name them (default: `uploads` in the weights' cache folder). It is
    /// created readable by this user only.
    pub fn uploads_folder(mut self, folder: impl Into<PathBuf>) -> Self {
        self.uploads_folder = Some(folder.into());
        self
    }

    /// The most the uploads folder keeps, in bytes: the least recently used go first
    /// (default 2 GiB).
    pub fn uploads_quota_bytes(mut self, bytes: u64) -> Self {
        self.uploads_quota_bytes = bytes;
        self
    }

    /// Uploads unused for this long are removed (default 24 hours).
    pub fn uploads_max_age(mut self, age: Duration) -> Self {
        self.uploads_max_age = age;
        self
    }

    /// The memory runs may take together, in bytes. A run that cannot fit alone is tiled or
    /// refused; one that cannot fit beside the running ones waits. Default: on the CPU, what
    /// the machine has available once the model is loaded; on a GPU, no bound.
    pub fn memory_budget(mut self, bytes: Option<u64>) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// The most iterations of one run, over all its scales (default 10 000).
    pub fn max_iterations(mut self, iterations: usize) -> Self {
        self.max_iterations = iterations;
        self
    }

    /// The longest one run may take; it then ends with its image so far (default an hour).
    pub fn max_run_time(mut self, time: Duration) -> Self {
        self.max_run_time = time;
        self
    }

    /// Checks the options, loads the model on the device and opens the uploads folder.
    pub fn build(self) -> Result<Page, Error> {
        let limit = |message: &str| Err(Error::Limit(message.to_owned()));
        if let Access::Token(token) = &self.access {
            check_token(token)?;
        }
        if self.jobs == 0 || self.max_iterations == 0 {
            return limit("a page needs at least one job and one iteration a run");
        }
        if [
            self.max_upload_bytes,
            self.max_image_bytes,
            self.uploads_quota_bytes,
        ]
        .contains(&0)
            || self.memory_budget == Some(0)
        {
            return limit("the upload, image, uploads folder and memory limits must be above 0");
        }
        let model = StyleTransfer::new(Preset::Fast.config())
            .with_device(self.selected.device.clone())
            .with_weights(self.weights.clone())
            .model()?;
        let folder = match self.uploads_folder {
            Some(folder) => folder,
            None => nst::weights::cache_dir()
                .map_err(|e| Error::Uploads(format!("no folder for the uploads: {e}")))?
                .join("uploads"),
        };
        let limits = UploadLimits {
            quota_bytes: self.uploads_quota_bytes,
            max_age: self.uploads_max_age,
            max_decoded_bytes: self.max_image_bytes,
        };
        let uploads = Uploads::new(folder, limits).map_err(|e| Error::Uploads(format!("{e:#}")))?;
        // On the CPU, what the machine has available now that the model is loaded.
        let cpu = matches!(self.selected.backend, Backend::Cpu | Backend::Ndarray);
        let memory_budget = self
            .memory_budget
            .or_else(|| cpu.then(nst_options::available_memory).flatten());
        let server = Server {
            model,
            backend: self.selected.backend,
            device: self.selected.to_string(),
            weights: self.weights,
            uploads: Arc::new(uploads),
            jobs: Jobs::new(self.jobs, MAX_WAITING, memory_budget),
            access: self.access,
            page_files: self.page_files,
            decoders: Arc::new(Semaphore::new(DECODERS)),
            requests: Semaphore::new(busy::MAX_REQUESTS),
            bodies: Bodies::new(self.max_upload_bytes.saturating_mul(BODIES_AT_ONCE)),
            max_upload_bytes: self.max_upload_bytes,
            max_image_bytes: self.max_image_bytes,
            memory_budget,
            max_iterations: self.max_iterations,
            max_run_time: self.max_run_time,
        };
        Ok(Page {
            server: Arc::new(server),
        })
    }
}
