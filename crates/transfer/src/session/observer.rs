use std::time::Duration;

use burn::tensor::Tensor;
use image::RgbImage;

use crate::session::checkpoint::{Checkpoint, RunState};
use crate::{Error, Losses};

/// What an observer learns after each iteration.
#[derive(Debug)]
pub struct Progress<'a> {
    /// The iteration just finished, from 1.
    pub iteration: usize,
    /// The number of iterations of the run, over all scales.
    pub iterations: usize,
    /// Evaluations of the objective and its gradient so far (one forward and one backward
    /// pass each); more than `iteration` when L-BFGS's line search tries more than one step.
    pub evaluations: usize,
    /// The scale this iteration ran at, from 0 (always 0 without multi-scale).
    pub scale: usize,
    /// The number of scales.
    pub scales: usize,
    /// The raw losses of the iterate after this iteration's update (with averaging, the
    /// image shown is the average, not this iterate).
    pub losses: Losses,
    /// Time since the run started: each scale's targets (the photo's features and the style
    /// statistics, at that scale's size) and its iterations so far; the model's loading is not
    /// counted.
    pub elapsed: Duration,
    /// The part of `elapsed` spent computing the targets; the rest is iterations (including
    /// each scale's evaluation of its starting image).
    pub targets: Duration,
    pub(crate) image: &'a Tensor<4>,
    pub(crate) state: &'a RunState<'a>,
}

impl Progress<'_> {
    /// The image after this iteration's update (the running average, when the config
    /// averages), copied from the device: a live preview. With luminance-only color
    /// preservation it is the grey luminance being optimised.
    pub fn image(&self) -> Result<RgbImage, Error> {
        crate::prepare::pixels::to_image(self.image)
    }

    /// Everything the run needs to continue after this iteration, copied from the device;
    /// `StyleTransfer::resume_with` continues it.
    pub fn checkpoint(&self) -> Result<Checkpoint, Error> {
        Checkpoint::capture(self.state)
    }
}

/// An observer's answer: go on, or stop and return the image so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Control {
    /// Run the next iteration.
    #[default]
    Continue,
    /// End the run now; `run` returns the current image.
    Stop,
}
