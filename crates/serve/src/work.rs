//! What a job runs: prepared from the page's request before it is queued (so that bad
//! options and images are answered at once), then run on a thread of its own, reporting to
//! its [`Job`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use base64::Engine as _;
use nst::image::{ImageFormat, RgbImage, codecs::jpeg::JpegEncoder};
use nst::{Backend, Control, Init, MemoryInputs, Progress, StyleTransfer};
use serde_json::{Value, json};

use super::Server;
use super::job::{Job, JobResult, Outcome, Phase};
use super::jobs::Task;
use super::uploads::Pinned;
use nst_options::{Inputs, fit_memory_for, last_finite, load_images, one_line};

/// The most paintings one run takes.
pub const MAX_STYLES: usize = 8;

/// Previews are sent at most this often (and always the last image).
const PREVIEW_INTERVAL: Duration = Duration::from_millis(250);

/// The job a run would continue from has no image (yet).
#[derive(Debug, thiserror::Error)]
#[error("job {0} has no image to continue from")]
pub struct NoImage(pub String);

/// A run as the page asks for it (`POST /api/jobs`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// An uploaded photo's id; none: the embedded photo.
    #[serde(default)]
    pub content: Option<String>,
    /// Uploaded paintings' ids; a `null`: the embedded painting.
    pub styles: Vec<Option<String>>,
    /// None, or one uploaded mask per painting.
    #[serde(default)]
    pub masks: Vec<String>,
    /// The command line's options by their long names (see [`super::options`]).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// A job whose image this run starts from.
    #[serde(default)]
    pub continue_from: Option<String>,
}

/// A run, ready to start: the session on the server's model, fitted to its memory budget, and
/// the uploads it reads, held until it ends. Waiting, it keeps no pixels: its images are
/// decoded when it starts.
pub struct Work {
    session: StyleTransfer,
    content: Option<Pinned>,
    styles: Vec<Option<Pinned>>,
    masks: Vec<Pinned>,
    init: Option<Pinned>,
    /// The most memory one decoded image may take.
    max_image_bytes: u64,
    backend: Backend,
    /// The run's estimated peak memory, in bytes.
    pub estimate: u64,
    /// How long the run may take.
    time_limit: Duration,
    /// The uploads folder, which the result's recipe names its inputs relative to.
    uploads_folder: PathBuf,
}

impl Work {
    /// Reads `request`'s options and uploads (by their ids), and builds the session on the
    /// server's shared model, tiled or refused if it cannot fit in the server's memory budget.
    pub fn prepare(request: JobRequest, server: &Server) -> Result<Self> {
        let JobRequest {
            content,
            styles,
            masks,
            options,
            continue_from,
        } = request;
        if styles.is_empty() || styles.len() > MAX_STYLES {
            bail!(
                "a run takes 1 to {MAX_STYLES} paintings, not {}",
                styles.len()
            );
        }
        if !masks.is_empty() && masks.len() != styles.len() {
            bail!(
                "{} masks for {} paintings: give one per painting",
                masks.len(),
                styles.len()
            );
        }
        let mut config = super::options::config(&options, server.max_iterations)?;
        let uploads = &server.uploads;
        let content = content.map(|id| uploads.pin(&id)).transpose()?;
        let styles = styles
            .iter()
            .map(|id| id.as_ref().map(|id| uploads.pin(id)).transpose())
            .collect::<Result<Vec<_>>>()?;
        let masks = masks
            .iter()
            .map(|id| uploads.pin(id))
            .collect::<Result<Vec<_>>>()?;
        let init = match continue_from {
            Some(id) => {
                let job = server.jobs.job(&id)?;
                let result = job.state().result.clone();
                let result = result.ok_or_else(|| NoImage(id.clone()))?;
                config = config.to_builder().init(Init::Image).build()?;
                Some(uploads.add_result(&result.image)?)
            }
            None => None,
        };
        let dimensions = match &content {
            Some(content) => content.dimensions(),
            None => header_dimensions(nst::assets::CONTENT_PNG)?,
        };
        let style_dimensions = styles
            .iter()
            .map(|style| match style {
                Some(style) => Ok(style.dimensions()),
                None => header_dimensions(nst::assets::STYLE_JPEG),
            })
            .collect::<Result<Vec<_>>>()?;
        let session = StyleTransfer::with_model(config, server.model.clone())?
            .with_weights(server.weights.clone());
        let inputs = MemoryInputs::new(dimensions, &style_dimensions);
        // The server's log says which runs were tiled to fit (their recipes say so too).
        let tell = |line: &str| eprintln!("{line}");
        let session = fit_memory_for(session, inputs, server.backend, server.memory_budget, tell)?;
        let inputs = MemoryInputs {
            tile: session.tile(),
            ..inputs
        };
        let estimate = session.config().estimate_memory(&inputs).bytes;
        Ok(Self {
            session,
            content,
            styles,
            masks,
            init,
            max_image_bytes: server.max_image_bytes,
            backend: server.backend,
            estimate,
            time_limit: server.max_run_time,
            uploads_folder: uploads.folder().to_owned(),
        })
    }

    /// The job's task: this run, with its memory estimate.
    pub fn into_task(self) -> Task {
        Task {
            estimate: self.estimate,
            run: Box::new(move |job| self.run(job)),
        }
    }

    /// Runs on the calling thread, telling `job` its iterations' losses and a preview now and
    /// then, until the end, the time limit, or until the job is asked to stop; returns how it
    /// ended.
    pub fn run(self, job: &Job) -> (Outcome, Option<JobResult>) {
        match self.execute(job) {
            Ok((outcome, result)) => (outcome, Some(result)),
            Err(error) => (Outcome::Failed(one_line(&error)), None),
        }
    }

    /// The images, decoded now.
    fn load(&self) -> Result<Inputs> {
        let styles: Vec<_> = self
            .styles
            .iter()
            .map(|s| s.as_ref().map(Pinned::path))
            .collect();
        let masks: Vec<_> = self.masks.iter().map(Pinned::path).collect();
        let max = self.max_image_bytes;
        let content = self.content.as_ref().map(Pinned::path);
        let inputs = load_images(content, &styles, &masks, max)?;
        match &self.init {
            Some(init) => inputs.with_init_image(init.path(), max),
            None => Ok(inputs),
        }
    }

    fn execute(self, job: &Job) -> Result<(Outcome, JobResult)> {
        let inputs = self.load()?;
        let Work {
            session,
            content,
            styles,
            masks,
            init,
            time_limit,
            backend,
            uploads_folder,
            ..
        } = self;
        // Read: the uploads are let go.
        drop((content, styles, masks, init));
        let session = inputs.onto(session);
        // No folder of this machine leaves it: inputs are named within the uploads folder.
        let recipe = inputs
            .recipe(&session, backend)?
            .with_paths_relative_to(&uploads_folder);
        let iterations = session
            .config()
            .total_iterations(inputs.content.dimensions());
        job.set_phase(Phase::Running { iterations });
        let started = Instant::now();
        let mut timed_out = false;
        let mut last_preview: Option<Instant> = None;
        let (mut done, mut total) = (0, iterations);
        let observer = |progress: &Progress<'_>| {
            (done, total) = (progress.iteration, progress.iterations);
            let due = last_preview.is_none_or(|at| at.elapsed() >= PREVIEW_INTERVAL);
            // A preview that cannot be made is skipped: the run goes on.
            let preview = due
                .then(|| progress.image().ok())
                .flatten()
                .and_then(|image| preview_event(&image, progress.iteration).ok());
            if preview.is_some() {
                last_preview = Some(Instant::now());
            }
            let event = progress_event(progress);
            job.update(|state| state.progress.push(event));
            if let Some(preview) = preview {
                job.set_preview(&preview);
            }
            timed_out = started.elapsed() > time_limit;
            match job.stop_requested() || timed_out {
                true => Control::Stop,
                false => Control::Continue,
            }
        };
        let styles = inputs.styles();
        let (image, failure) = last_finite(session.run_with(&inputs.content, &styles, observer))?;
        let failure = failure
            .map(|failure| {
                format!(
                    "{failure} (try smaller weights or step size); the last finite image is kept"
                )
            })
            .or_else(|| {
                (timed_out && done < total).then(|| {
                    format!(
                        "the run passed the server's time limit of {} min after {done} of \
                         {total} iterations; the image so far is kept",
                        time_limit.as_secs().div_ceil(60)
                    )
                })
            });
        // A stopped run's recipe says where it stopped, so that a rerun stops there too.
        let recipe = recipe.stopped_at(done, total).to_json()?;
        let text = [(nst::recipe::PNG_KEY, recipe.as_str())];
        let png = nst::io::encode_with_text(&image, ImageFormat::Png, &text)?.into();
        if let Ok(preview) = preview_event(&image, done) {
            job.set_preview(&preview);
        }
        let outcome = match failure {
            Some(message) => Outcome::Failed(message),
            None if done < total && job.stop_requested() => Outcome::Stopped,
            None => Outcome::Finished,
        };
        let result = JobResult {
            image,
            png,
            iteration: done,
            iterations: total,
        };
        Ok((outcome, result))
    }
}

/// The size of an embedded image (read from its header).
fn header_dimensions(bytes: &[u8]) -> Result<(u32, u32)> {
    let reader = nst::image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    Ok(reader.into_dimensions()?)
}

/// The `progress` event of an iteration.
fn progress_event(progress: &Progress<'_>) -> Value {
    let losses: serde_json::Map<String, Value> = progress
        .losses
        .terms
        .iter()
        .map(|(term, value)| (term.to_string(), json!(value)))
        .collect();
    json!({
        "iteration": progress.iteration,
        "iterations": progress.iterations,
        "scale": progress.scale,
        "scales": progress.scales,
        "total": progress.losses.total,
        "losses": losses,
        "elapsed_s": progress.elapsed.as_secs_f64(),
    })
}

/// The `preview` event of `image`: a JPEG as a data URL.
fn preview_event(image: &RgbImage, iteration: usize) -> Result<Value> {
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(image)?;
    let data = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    Ok(json!({
        "iteration": iteration,
        "image": format!("data:image/jpeg;base64,{data}"),
    }))
}
