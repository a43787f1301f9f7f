//! `nst serve`: the page of [`nst_serve`] on this machine, until the process is stopped. The
//! model is loaded once and shared by every run.

use std::io::Write as _;
use std::time::Duration;

use anyhow::{Context, Result};
use nst_serve::{Access, Page};

use crate::args::{ServeArgs, weights_source};
use crate::session::{fetch_default_weights, open_backend};

/// How often the uploads folder is pruned of old files (besides when an upload arrives).
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// `nst serve`: loads the model, then serves the page until the process is stopped.
pub fn serve(args: ServeArgs) -> Result<()> {
    let token = args.token()?;
    let access = match &token {
        Some(token) => Access::token(token.as_str())?,
        None => Access::Loopback,
    };
    let selected = open_backend(args.backend.parse()?)?;
    let weights = weights_source(args.weights.clone());
    fetch_default_weights(&weights)?;
    let mut page = Page::builder(selected, weights)
        .access(access)
        .jobs(args.jobs.into())
        .max_upload_bytes(mebibytes(args.max_upload_mib, "--max-upload-mib")?)
        .max_image_bytes(mebibytes(args.max_image_mib, "--max-image-mib")?)
        .uploads_quota_bytes(mebibytes(args.uploads_quota_mib, "--uploads-quota-mib")?)
        .uploads_max_age(Duration::from_secs(args.uploads_max_age_hours * 3600))
        .memory_budget(args.max_memory_bytes()?)
        .max_iterations(args.max_iterations as usize)
        .max_run_time(Duration::from_secs(args.max_run_minutes * 60));
    if let Some(folder) = &args.uploads {
        page = page.uploads_folder(folder);
    }
    let page = page.build()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(listen(page, token, &args))
}

/// `mib` MiB in bytes.
fn mebibytes(mib: u64, option: &str) -> Result<u64> {
    mib.checked_mul(1 << 20)
        .with_context(|| format!("{option} {mib}: too large"))
}

async fn listen(page: Page, token: Option<String>, args: &ServeArgs) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let url = match &token {
        Some(token) => format!("http://{address}/?token={token}"),
        None => format!("http://{address}/"),
    };
    eprintln!(
        "nst: uploads are kept in {}",
        page.uploads_folder().display()
    );
    // On standard output, alone on its line, for scripts to read.
    println!("nst: serving on {url}");
    std::io::stdout().flush()?;
    if args.open
        && let Err(error) = open::that_detached(&url)
    {
        eprintln!("nst: cannot open a browser ({error}); open {url}");
    }
    let pruned = page.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            let page = pruned.clone();
            // A failure here is a full folder, which the next upload reports.
            let _ = tokio::task::spawn_blocking(move || page.prune_uploads()).await;
        }
    });
    nst_serve::serve(listener, page.router()).await;
    Ok(())
}
