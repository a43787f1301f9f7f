//! `nst serve`: a web page to paint with, served on this machine. The page uploads a photo,
//! paintings and masks, starts runs (jobs, queued beyond `--jobs`), follows them as
//! server-sent events with previews, and downloads results with their recipes. The model
//! is loaded once and shared by every run.

mod access;
mod api;
mod events;
mod job;
mod jobs;
mod options;
mod page;
mod uploads;
mod work;

use std::io::Write as _;
use std::sync::Arc;

use anyhow::{Context, Result};
use nst::transfer::Preset;
use nst::vgg16::Vgg16;
use nst::{Backend, StyleTransfer, WeightsSource};

use crate::args::{ServeArgs, weights_source};
use crate::session::{fetch_default_weights, open_backend};
use jobs::Jobs;
use uploads::Uploads;

/// Runs that may wait in the queue; more are refused (503) until one starts.
const MAX_WAITING: usize = 16;

/// Images decoded (or runs prepared) at once.
const DECODERS: usize = 2;

/// What every request shares: the model, the uploads, the jobs and the limits.
pub struct Server {
    model: Arc<Vgg16>,
    backend: Backend,
    device: String,
    weights: WeightsSource,
    uploads: Uploads,
    jobs: Arc<Jobs>,
    token: Option<String>,
    /// Permits to decode images (uploads, a run's inputs), which take memory.
    decoders: tokio::sync::Semaphore,
    max_upload_bytes: u64,
    max_image_bytes: u64,
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
    let folder = match &args.uploads {
        Some(folder) => folder.clone(),
        None => nst::weights::cache_dir()?.join("uploads"),
    };
    let server = Arc::new(Server {
        model,
        backend: selected.backend,
        device: selected.to_string(),
        weights,
        uploads: Uploads::new(folder, max_image_bytes)?,
        jobs: Jobs::new(args.jobs.into(), MAX_WAITING),
        token,
        decoders: tokio::sync::Semaphore::new(DECODERS),
        max_upload_bytes: mebibytes(args.max_upload_mib, "--max-upload-mib")?,
        max_image_bytes,
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

/// An error's chain on one line, as the page shows it.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
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
    axum::serve(listener, api::router(server))
        .await
        .context("the server stopped")
}
