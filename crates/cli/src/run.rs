//! `nst [OPTIONS]`: a style transfer with a progress bar, writing the image and the optional
//! log, snapshots and contact sheet.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nst::recipe::Recipe;
use nst::{Checkpoint, Control, MemoryInputs, Progress, StyleTransfer};
use nst_options::{Inputs, fit_memory_for, last_finite, load_inputs};

use crate::args::RunArgs;
use crate::checkpoints::Checkpoints;
use crate::outputs::{JsonLog, Outputs, shown};
use crate::session::{load_session, say};
use crate::sheet;

/// Set by the first Ctrl-C: the run stops after the current iteration and keeps its image.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The run was stopped by Ctrl-C; the image so far was saved, and the checkpoint if the run
/// keeps one.
#[derive(Debug, thiserror::Error)]
#[error("interrupted after iteration {done} of {total}; saved the image so far to {}{}", shown(output), resume_hint(checkpoint.as_deref()))]
pub struct Interrupted {
    done: usize,
    total: usize,
    output: PathBuf,
    checkpoint: Option<PathBuf>,
}

fn resume_hint(checkpoint: Option<&std::path::Path>) -> String {
    checkpoint.map_or(String::new(), |path| {
        let path = path.display();
        format!(" and the run's state to {path}; `nst resume {path}` continues it")
    })
}

/// Makes the first Ctrl-C set [`interrupted`] (the run then stops after the current
/// iteration and keeps its state); a second one quits at once.
pub fn catch_interrupts() -> Result<()> {
    ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130); // a second Ctrl-C quits at once
        }
    })
    .context("cannot install the Ctrl-C handler")
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// How a run starts and what it keeps besides its outputs.
#[derive(Default)]
pub struct Run<'a> {
    /// Where it writes checkpoints, if anywhere.
    pub checkpoints: Option<&'a Checkpoints>,
    /// The checkpoint it continues from, if any.
    pub resume: Option<&'a Checkpoint>,
    /// Stop after the iteration that passes this much optimisation time.
    pub time_limit: Option<Duration>,
    /// Stop after this iteration (a rerun of a recipe that stopped there).
    pub stop_after: Option<usize>,
}

/// `nst [OPTIONS]`: runs a style transfer and writes the result.
pub fn stylize(args: RunArgs) -> Result<()> {
    let RunArgs {
        transfer: args,
        output,
        log_json,
        time_limit,
        save_every,
        sheet,
        print_memory_estimate,
    } = args;
    let config = args.config()?;
    if save_every == Some(0) {
        anyhow::bail!("--save-every must be at least 1");
    }
    let time_limit = match time_limit {
        Some(seconds) => Some(
            Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| anyhow::anyhow!("--time-limit must be a number of seconds > 0"))?,
        ),
        None => None,
    };

    let budget = args.max_memory_bytes();
    let init_image = args.init_image();
    let outputs = Outputs {
        output,
        sheet,
        log_json,
        save_every,
    };
    outputs.check()?;
    if let Some(path) = &args.checkpoint {
        crate::checkpoints::check(path)?;
    }
    let mut inputs = load_inputs(&args.model)?;
    if let Some(path) = init_image {
        inputs = inputs.with_init_image(&path, args.model.max_image_mib << 20)?;
    }
    let styles = inputs.style_sizes();
    let memory = MemoryInputs {
        tile: args.model.tile,
        ..MemoryInputs::new(inputs.content.dimensions(), &styles)
    };
    if print_memory_estimate {
        let estimate = config.estimate_memory(&memory);
        println!(
            "memory estimate: {}×{}, {} bytes ({:.2} GiB)",
            estimate.width,
            estimate.height,
            estimate.bytes,
            estimate.bytes as f64 / f64::from(1u32 << 30)
        );
        return Ok(());
    }
    let (session, backend) = load_session(config, args.model.backend()?, args.model.weights())?;
    let session = session.with_tile(args.model.tile);
    let session = fit_memory_for(session, memory, backend, budget, say)?;
    let session = inputs.onto(session);
    let recipe = inputs.recipe(&session, backend)?;
    let checkpoints = match args.checkpoint {
        Some(path) => Some(Checkpoints::new(
            path,
            args.checkpoint_every,
            &recipe,
            &outputs,
        )?),
        None => None,
    };
    let run = Run {
        checkpoints: checkpoints.as_ref(),
        resume: None,
        time_limit,
        stop_after: None,
    };
    execute(&session, &inputs, &outputs, &recipe, run)
}

/// Runs `session` on `inputs` with a progress bar (from `run`'s checkpoint, if it has one),
/// and writes the outputs; PNGs get `recipe`.
///
/// The image is written whatever happens to the log, snapshots and sheet: if one of them
/// cannot be written, the run goes on without it, and the error is returned once the image
/// is saved.
pub fn execute(
    session: &StyleTransfer,
    inputs: &Inputs,
    outputs: &Outputs,
    recipe: &Recipe,
    run: Run,
) -> Result<()> {
    catch_interrupts()?;
    let recipe_json = recipe.to_json()?;
    let text = [(nst::recipe::PNG_KEY, recipe_json.as_str())];
    let bar = progress_bar(session.config().iterations());
    let kept_lines = run.resume.map_or(0, Checkpoint::iteration);
    let mut log = outputs
        .log_json
        .as_deref()
        .map(|path| JsonLog::create(path, kept_lines))
        .transpose()?;
    let mut side_failure: Option<anyhow::Error> = None;
    let (mut done, mut total) = (0, session.config().iterations());
    let observer = |progress: &Progress<'_>| {
        (done, total) = (progress.iteration, progress.iterations);
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(losses_message(progress));
        if side_failure.is_none() {
            let written = log
                .as_mut()
                .map_or(Ok(()), |log| log.write(progress))
                .and_then(|()| outputs.save_snapshot(progress, &text));
            side_failure = written.err();
        }
        let interrupted = interrupted();
        let out_of_time = run
            .time_limit
            .is_some_and(|limit| progress.elapsed >= limit);
        let stop_after = run.stop_after.is_some_and(|n| progress.iteration >= n);
        // A run that stops here keeps its state, to be resumed.
        let stopping = interrupted || out_of_time || stop_after;
        if let Some(checkpoints) = run.checkpoints
            && let Err(error) = checkpoints.write(progress, stopping)
        {
            side_failure.get_or_insert(error);
        }
        match stopping {
            true => Control::Stop,
            false => Control::Continue,
        }
    };
    let styles = inputs.styles();
    let result = match run.resume {
        Some(checkpoint) => session.resume_with(&inputs.content, &styles, checkpoint, observer),
        None => session.run_with(&inputs.content, &styles, observer),
    };
    bar.finish_and_clear();
    // An image from a run that stopped early says where, so that a rerun stops there too.
    let recipe_json = recipe.stopped_at(done, total).to_json()?;
    let text = [(nst::recipe::PNG_KEY, recipe_json.as_str())];
    let (result, non_finite) = last_finite(result)?;
    nst::io::save_with_text(&result, &outputs.output, &text)?;
    if let Some(failure) = non_finite {
        anyhow::bail!(
            "{failure}; saved the last finite image to {} (try smaller weights or step size)",
            shown(&outputs.output)
        );
    }
    if let (Some(path), None) = (&outputs.sheet, &side_failure) {
        let mut row = vec![&inputs.content, &result];
        row.extend(&inputs.styles);
        side_failure = nst::io::save(&sheet::side_by_side(&row, result.height()), path)
            .context("--sheet")
            .err();
    }
    if let Some(error) = side_failure {
        anyhow::bail!(
            "{error:#}; the image was written to {}",
            shown(&outputs.output)
        );
    }
    if done < total && interrupted() {
        return Err(Interrupted {
            done,
            total,
            output: outputs.output.clone(),
            checkpoint: run.checkpoints.map(|c| c.path.clone()),
        }
        .into());
    }
    // On stderr, as every message: the image may be going to stdout.
    eprintln!(
        "nst: wrote {} ({}×{}, {done} iterations in {:.1?})",
        shown(&outputs.output),
        result.width(),
        result.height(),
        bar.elapsed()
    );
    Ok(())
}

/// `content 1.234e5  style …`: each loss term's value.
fn losses_message(progress: &Progress<'_>) -> String {
    let terms = progress.losses.terms.iter();
    terms
        .map(|(name, value)| format!("{name} {value:.3e}"))
        .collect::<Vec<_>>()
        .join("  ")
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
