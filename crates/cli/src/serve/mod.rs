//! `nst serve`: a web page to paint with, served on this machine. The page uploads a photo,
//! paintings and masks, starts runs (jobs, queued beyond `--jobs`), follows them as
//! server-sent events with previews, and downloads results with their recipes. The model
//! is loaded once and shared by every run.

mod access;
mod api;
mod api_error;
mod body;
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

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use nst::transfer::Preset;
use nst::vgg16::Vgg16;
use nst::{Backend, StyleTransfer, WeightsSource};

use crate::args::{ServeArgs, weights_source};
use crate::session::{fetch_default_weights, open_backend};
use body::Bodies;
use jobs::Jobs;
use nst_options::available_memory;
use tokio::sync::Semaphore;
use uploads::{UploadLimits, Uploads};

/// Runs that may wait in the queue; more are refused (503) until one starts.
const MAX_WAITING: usize = 16;

/// Images decoded (or runs prepared) at once.
const DECODERS: usize = 2;

/// Request bodies held at once (being received or decoded) may take this many largest
/// uploads' worth of memory.
const BODIES_AT_ONCE: u64 = 4;

/// How often the uploads folder is pruned of old files (besides when an upload arrives).
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// What every request shares: the model, the uploads, the jobs and the limits.
pub struct Server {
    model: Arc<Vgg16>,
    backend: Backend,
    device: String,
    weights: WeightsSource,
    uploads: Arc<Uploads>,
    jobs: Arc<Jobs>,
    token: Option<String>,
    /// Permits to decode images (uploads, a run's inputs), which take memory.
    decoders: Arc<Semaphore>,
    /// Permits to handle a request (see [`busy`]).
    requests: Semaphore,
    /// The memory request bodies take together.
    bodies: Bodies,
    max_upload_bytes: u64,
    max_image_bytes: u64,
    /// The memory runs may take together (none: unbounded, on a GPU without --max-memory).
    memory_budget: Option<u64>,
    /// The most iterations of a run, over all its scales.
    max_iterations: usize,
    /// The longest a run may take.
    max_run_time: Duration,
}

/// `nst serve`: loads the model, then serves the page until the process is stopped.
pub fn serve(args: ServeArgs) -> Result<()> {
    let token = args.token()?;
    let selected = open_backend(args.backend.parse()?)?;
    let weights = weights_source(args.weights.clone());
    fetch_default_weights(&weights)?;
    let model = StyleTransfer::new(Preset::Fast.config())
        .with_device(selected.device.clone())
        .with_weights(weights.clone())
        .model()?;
    let max_image_bytes = mebibytes(args.max_image_mib, "--max-image-mib")?;
    let max_upload_bytes = mebibytes(args.max_upload_mib, "--max-upload-mib")?;
    let folder = match &args.uploads {
        Some(folder) => folder.clone(),
        None => nst::weights::cache_dir()?.join("uploads"),
    };
    let limits = UploadLimits {
        quota_bytes: mebibytes(args.uploads_quota_mib, "--uploads-quota-mib")?,
        max_age: Duration::from_secs(args.uploads_max_age_hours * 3600),
        max_decoded_bytes: max_image_bytes,
    };
    // On the CPU, what the machine has available now that the model is loaded.
    let cpu = matches!(selected.backend, Backend::Cpu | Backend::Ndarray);
    let memory_budget = args
        .max_memory_bytes()?
        .or_else(|| cpu.then(available_memory).flatten());
    let server = Arc::new(Server {
        model,
        backend: selected.backend,
        device: selected.to_string(),
        weights,
        uploads: Arc::new(Uploads::new(folder, limits)?),
        jobs: Jobs::new(args.jobs.into(), MAX_WAITING, memory_budget),
        token,
        decoders: Arc::new(Semaphore::new(DECODERS)),
        requests: Semaphore::new(busy::MAX_REQUESTS),
        bodies: Bodies::new(max_upload_bytes.saturating_mul(BODIES_AT_ONCE)),
        max_upload_bytes,
        max_image_bytes,
        memory_budget,
        max_iterations: args.max_iterations as usize,
        max_run_time: Duration::from_secs(args.max_run_minutes * 60),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(listen(server, &args))
}

/// `mib` MiB in bytes.
fn mebibytes(mib: u64, option: &str) -> Result<u64> {
    mib.checked_mul(1 << 20)
        .with_context(|| format!("{option} {mib}: too large"))
}

async fn listen(server: Arc<Server>, args: &ServeArgs) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let url = match &server.token {
        Some(token) => format!("http://{address}/?token={token}"),
        None => format!("http://{address}/"),
    };
    eprintln!(
        "nst: uploads are kept in {}",
        server.uploads.folder().display()
    );
    // On standard output, alone on its line, for scripts to read.
    println!("nst: serving on {url}");
    std::io::stdout().flush()?;
    if args.open
        && let Err(error) = open::that_detached(&url)
    {
        eprintln!("nst: cannot open a browser ({error}); open {url}");
    }
    let uploads = Arc::clone(&server.uploads);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            let uploads = Arc::clone(&uploads);
            // A failure here is a full folder, which the next upload reports.
            let _ = tokio::task::spawn_blocking(move || uploads.prune(0)).await;
        }
    });
    listener::serve(listener, api::router(server)).await;
    Ok(())
}
