//! `nst batch run`: one task's shard of a plan, item by item, skipping what is done, one model
//! for all of them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nst::batch::{Item, Plan};
use nst::{Backend, Checkpoint, Control, StyleTransfer, Vgg16, WeightsSource};
use nst_options::{fit_memory, last_finite, load_images};

use super::records::{Failure, TaskStats, checkpoint_path, host, now};
use super::scheduler::{self, StopSignals};
use super::{ItemsFailed, Settings, Stopped};
use crate::args::{RunBatchArgs, weights_source};
use crate::checkpoints::Checkpoints;
use crate::outputs::Outputs;
use crate::session::load_session;

/// How an item ended, when it did not fail.
enum Outcome {
    /// Its output is written; `resumed` is the iteration its checkpoint had reached.
    Painted { resumed: Option<usize> },
    /// A signal stopped it; its checkpoint is written.
    Stopped(&'static str),
}

/// `nst batch run OUTDIR --shard I/N`.
pub fn run(args: RunBatchArgs) -> Result<()> {
    let dir = std::path::absolute(&args.dir)?;
    let plan = Plan::read(&dir)?;
    if let Some(expected) = &args.plan
        && expected != plan.hash()
    {
        bail!(
            "the plan in {} is {}, not {expected}: it was planned again after this task was \
             submitted; submit the new plan's tasks",
            dir.display(),
            plan.hash()
        );
    }
    let shard = scheduler::shard(&args.shard, plan.shards, |name| std::env::var(name).ok())?;
    let settings: Settings = serde_json::from_value(plan.settings.clone())
        .with_context(|| format!("the plan in {} was made by another nst", dir.display()))?;
    let signals = StopSignals::catch()?;
    let (task, attempt) = scheduler::task_name();
    let say = |message: String| eprintln!("nst batch [{shard} {task}]: {message}");
    let mine: Vec<&Item> = plan
        .items
        .iter()
        .filter(|i| shard.owns(i.position))
        .collect();
    let mut stats = TaskStats {
        shard: shard.to_string(),
        task: task.clone(),
        host: host(),
        attempt,
        items: mine.len(),
        started: now(),
        state: "running".to_owned(),
        ..TaskStats::default()
    };
    // What is done or failed is known from the files, before any model is loaded.
    let mut todo = Vec::new();
    for item in mine {
        if item.is_done(plan.config(item), &dir) {
            stats.skipped += 1;
        } else if let Some(failure) = Failure::read(&dir, &item.id) {
            say(format!(
                "{}: failed before, not retried: {}",
                item.output.display(),
                failure.error
            ));
            stats.failed += 1;
        } else {
            todo.push(item);
        }
    }
    say(format!(
        "{} items: {} done already, {} failed before, {} to paint (attempt {attempt})",
        stats.items,
        stats.skipped,
        stats.failed,
        todo.len()
    ));
    stats.write(&dir)?;
    let mut stopped = None;
    if !todo.is_empty() && signals.caught().is_none() {
        let painter = Painter::new(&plan, &settings, &dir)?;
        let stats_lock = Mutex::new(&mut stats);
        let queue = Mutex::new(todo.into_iter());
        let stop_seen = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..args.jobs {
                scope
                    .spawn(|| painter.work(&queue, &signals, &stats_lock, &stop_seen, &task, &say));
            }
        });
        stopped = stop_seen
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
    }
    // A signal while the model loaded stopped the task before its first item.
    let stopped = stopped.or(signals
        .caught()
        .filter(|_| stats.painted + stats.skipped + stats.failed < stats.items));
    stats.state = match stopped {
        Some(signal) => format!("stopped by {signal}"),
        None => "finished".to_owned(),
    };
    stats.write(&dir)?;
    say(format!(
        "{}: {} painted ({} resumed), {} skipped, {} failed",
        stats.state, stats.painted, stats.resumed, stats.skipped, stats.failed
    ));
    if let Some(signal) = stopped {
        return Err(Stopped { signal }.into());
    }
    if stats.failed > 0 {
        return Err(ItemsFailed {
            failed: stats.failed,
            total: stats.items,
            dir,
        }
        .into());
    }
    Ok(())
}

/// Paints items with one model.
struct Painter<'a> {
    plan: &'a Plan,
    settings: &'a Settings,
    dir: &'a Path,
    model: Arc<Vgg16>,
    weights: WeightsSource,
    backend: Backend,
}

impl<'a> Painter<'a> {
    /// Opens the plan's backend and loads the model.
    fn new(plan: &'a Plan, settings: &'a Settings, dir: &'a Path) -> Result<Self> {
        let weights = weights_source(settings.weights.clone());
        let (session, backend) = load_session(
            plan.configs[0].clone(),
            settings.backend.parse()?,
            weights.clone(),
        )?;
        Ok(Self {
            plan,
            settings,
            dir,
            model: session.model()?,
            weights,
            backend,
        })
    }

    /// Takes items from `queue` until it is empty or a signal came, recording each.
    fn work<'i>(
        &self,
        queue: &Mutex<impl Iterator<Item = &'i Item>>,
        signals: &StopSignals,
        stats: &Mutex<&mut TaskStats>,
        stop_seen: &Mutex<Option<&'static str>>,
        task: &str,
        say: &(impl Fn(String) + Sync),
    ) {
        loop {
            if signals.caught().is_some() {
                return;
            }
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some(item) = next else { return };
            let start = Instant::now();
            let outcome = self.paint(item, signals, say);
            let seconds = start.elapsed().as_secs_f64();
            let mut stats = stats.lock().unwrap_or_else(PoisonError::into_inner);
            let name = item.output.display();
            match outcome {
                Ok(Outcome::Painted { resumed }) => {
                    stats.painted += 1;
                    stats.resumed += usize::from(resumed.is_some());
                    stats.seconds.push(seconds);
                    say(format!("{name}: painted in {seconds:.1} s"));
                }
                Ok(Outcome::Stopped(signal)) => {
                    *stop_seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(signal);
                    say(format!(
                        "{name}: stopped by {signal}; its checkpoint is written"
                    ));
                }
                Err(error) => {
                    stats.failed += 1;
                    let failure = Failure::new(item, &error, task);
                    say(format!("{name}: FAILED: {}", failure.error));
                    if let Err(error) = failure.write(self.dir) {
                        say(format!("{name}: its failure cannot be recorded: {error:#}"));
                    }
                }
            }
            if let Err(error) = stats.write(self.dir) {
                say(format!("cannot write the task's stats: {error:#}"));
            }
            if signals.caught().is_some() {
                let mut seen = stop_seen.lock().unwrap_or_else(PoisonError::into_inner);
                seen.get_or_insert(signals.caught().unwrap_or("a signal"));
                return;
            }
        }
    }

    /// Paints `item` from its checkpoint if it has one, writing its checkpoint as it goes and
    /// its output at the end.
    fn paint(&self, item: &Item, signals: &StopSignals, say: &impl Fn(String)) -> Result<Outcome> {
        // A file replaced since planning is named as such, before it is decoded.
        for planned in std::iter::once(&item.content).chain(&item.styles) {
            if let Some(path) = &planned.path {
                nst::recipe::verify(path, &planned.sha256).context("planned with other bytes")?;
            }
        }
        let content = item.content.path.as_deref();
        let styles: Vec<Option<&Path>> = item.styles.iter().map(|s| s.path.as_deref()).collect();
        let inputs = load_images(content, &styles, &[], self.settings.max_image_bytes)?;
        // The bytes decoded are the bytes hashed: they must still be the planned ones.
        for (planned, read) in std::iter::once(&item.content)
            .chain(&item.styles)
            .zip(inputs.sources())
        {
            if planned.sha256 != read.sha256 {
                return Err(nst::Error::Changed {
                    path: planned.path.clone().unwrap_or_default(),
                    actual: read.sha256.clone(),
                    expected: planned.sha256.clone(),
                })
                .context("planned with other bytes");
            }
        }
        let session =
            StyleTransfer::with_model(self.plan.config(item).clone(), Arc::clone(&self.model))?
                .with_weights(self.weights.clone())
                .with_tile(self.settings.tile);
        let dimensions = inputs.content.dimensions();
        let session = fit_memory(
            session,
            dimensions,
            self.backend,
            self.settings.max_memory,
            crate::session::say,
        )?;
        let session = inputs.onto(session);
        let recipe = inputs.recipe(&session, self.backend)?;
        let output = self.dir.join(&item.output);
        let checkpoint = checkpoint_path(self.dir, item);
        for folder in [output.parent(), checkpoint.parent()].into_iter().flatten() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
        }
        let every = self.settings.checkpoint_every;
        let checkpoints = Checkpoints::new(
            checkpoint.clone(),
            every,
            &recipe,
            &Outputs::image(output.clone()),
        )?;
        let resume = read_checkpoint(&checkpoint, say, &item.output);
        let resumed = resume.as_ref().map(Checkpoint::iteration);
        if let Some(iteration) = resumed {
            say(format!(
                "{}: resumed from its checkpoint at iteration {iteration}",
                item.output.display()
            ));
        }
        let (mut done, mut total) = (0, 0);
        let mut stopped_by = None;
        let mut checkpoint_failure = None;
        let observer = |progress: &nst::Progress<'_>| {
            (done, total) = (progress.iteration, progress.iterations);
            stopped_by = signals.caught();
            if let Err(error) = checkpoints.write(progress, stopped_by.is_some()) {
                checkpoint_failure.get_or_insert(error);
            }
            match stopped_by {
                Some(_) => Control::Stop,
                None => Control::Continue,
            }
        };
        let styles = inputs.styles();
        let result = match &resume {
            Some(from) => session.resume_with(&inputs.content, &styles, from, observer),
            None => session.run_with(&inputs.content, &styles, observer),
        };
        if let Some(error) = checkpoint_failure {
            say(format!(
                "{}: a checkpoint could not be written: {error:#}",
                item.output.display()
            ));
        }
        if let Some(signal) = stopped_by
            && done < total
        {
            return Ok(Outcome::Stopped(signal));
        }
        let (image, non_finite) = last_finite(result)?;
        if let Some(failure) = non_finite {
            bail!("{failure} (try smaller weights or step size)");
        }
        let json = recipe.to_json()?;
        nst::io::save_with_text(&image, &output, &[(nst::recipe::PNG_KEY, json.as_str())])?;
        let _ = std::fs::remove_file(&checkpoint);
        Failure::clear(self.dir, &item.id);
        Ok(Outcome::Painted { resumed })
    }
}

/// The checkpoint at `path`, if there is a readable one; an unreadable one is said and
/// ignored (the item starts over).
fn read_checkpoint(path: &PathBuf, say: &impl Fn(String), output: &Path) -> Option<Checkpoint> {
    let bytes = std::fs::read(path).ok()?;
    match Checkpoint::from_bytes(&bytes) {
        Ok(checkpoint) => Some(checkpoint),
        Err(error) => {
            say(format!(
                "{}: its checkpoint cannot be read ({error}); starting over",
                output.display()
            ));
            None
        }
    }
}
