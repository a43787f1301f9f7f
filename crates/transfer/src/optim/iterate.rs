//! One scale of a run: the iteration loop, the observer, and the iteration and last good
//! image that errors carry.

use std::cell::Cell;
use std::time::{Duration, Instant};

use burn::tensor::Tensor;
use image::RgbImage;
use nst_vgg16::Vgg16;

use crate::error::LastImage;
use crate::objective::Objective;
use crate::optim::{self, Average, Schedule};
use crate::prepare::pixels::to_image;
use crate::session::checkpoint::{Resumed, RunState};
use crate::{Control, Error, Progress, StyleTransferConfig};

/// Where a run is: the iteration and evaluation counters over all scales.
pub(crate) struct Clock {
    pub start: Instant,
    /// The part of the time since `start` spent computing the scales' targets.
    pub targets: Duration,
    pub iteration: usize,
    pub iterations: usize,
    pub evaluations: Cell<usize>,
}

/// What one scale works with.
pub(crate) struct Scale<'a> {
    pub config: &'a StyleTransferConfig,
    pub vgg: &'a Vgg16,
    pub objective: &'a Objective,
    /// This scale's index and the number of scales.
    pub index: (usize, usize),
    pub iterations: usize,
}

/// Where a scale starts: an image, or a checkpoint's state part-way through it.
pub(crate) enum Start {
    Image(Box<Tensor<4>>),
    Resumed(Box<Resumed>),
}

/// Runs `scale.iterations` steps from `start`; returns the image (the running average, if the
/// config averages) and whether the observer stopped the run.
pub(crate) fn optimise(
    scale: Scale,
    start: Start,
    clock: &mut Clock,
    observer: &mut impl FnMut(&Progress<'_>) -> Control,
) -> Result<(RgbImage, bool), Error> {
    let Scale {
        config,
        vgg,
        objective,
        index: (scale, scales),
        iterations,
    } = scale;
    if let (0, Start::Image(start)) = (iterations, &start) {
        return Ok((to_image(start)?, false));
    }
    let schedule = Schedule::new(config.step_size, config.step_decay, iterations);
    let mut optimizer = optim::start(config.optimizer, schedule, config.history);
    let mut average = Average::new(config.average);
    let counter = &clock.evaluations;
    let failed_at = Cell::new(clock.iteration + 1);
    let mut evaluate = |x: Tensor<4>| {
        counter.set(counter.get() + 1);
        // The evaluation's number keys the sliced loss's directions: a resumed run, which
        // restores the counter, draws the same ones.
        objective
            .evaluate(vgg, x, counter.get() as u64)
            .map_err(|e| match e {
                Error::NonFinite { what, value, .. } => Error::NonFinite {
                    what,
                    iteration: failed_at.get(),
                    value,
                    last_finite: None,
                },
                e => e,
            })
    };
    // On a non-finite loss, the error carries the last good image.
    let with_last = |error: Error, last: &Tensor<4>| match error {
        Error::NonFinite {
            what,
            iteration,
            value,
            ..
        } => match to_image(last) {
            Ok(image) => Error::NonFinite {
                what,
                iteration,
                value,
                last_finite: Some(LastImage(image)),
            },
            Err(read_back) => read_back,
        },
        e => e,
    };
    let (mut point, done) = match start {
        Start::Image(start) => (
            evaluate(*start.clone()).map_err(|e| with_last(e, &start))?,
            0,
        ),
        Start::Resumed(resumed) => {
            let Resumed {
                step,
                point,
                optimizer: state,
                average: parts,
                ..
            } = *resumed;
            if !optimizer.restore(state) {
                return Err(Error::checkpoint(
                    "holds another optimiser's state than the configuration's",
                ));
            }
            average = Average::from_parts(config.average, parts);
            (point, step)
        }
    };
    for step in done + 1..=iterations {
        clock.iteration += 1;
        failed_at.set(clock.iteration);
        let previous = average.value().unwrap_or_else(|| point.image.clone());
        point = optimizer
            .step(point, step, &mut evaluate)
            .map_err(|e| with_last(e, &previous))?;
        average.update(&point.image);
        let shown = average.value().unwrap_or_else(|| point.image.clone());
        let state = RunState {
            config,
            scale,
            step,
            iteration: clock.iteration,
            evaluations: counter.get(),
            initial: objective.initial(),
            point: &point,
            optimizer: &*optimizer,
            average: &average,
        };
        let progress = Progress {
            iteration: clock.iteration,
            iterations: clock.iterations,
            evaluations: counter.get(),
            scale,
            scales,
            losses: point.losses.clone(),
            elapsed: clock.start.elapsed(),
            targets: clock.targets,
            image: &shown,
            state: &state,
        };
        if observer(&progress) == Control::Stop {
            return Ok((to_image(&shown)?, true));
        }
    }
    let last = average.value().unwrap_or(point.image);
    Ok((to_image(&last)?, false))
}
