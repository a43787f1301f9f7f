//! What the observer of a clip is told: each iteration of a frame, and each painted frame.

use image::RgbImage;

use super::checkpoint::VideoCheckpoint;
use crate::{Checkpoint, Error, Progress};

/// What an observer of a clip learns after each iteration: the frame, and the iteration's
/// [`Progress`] within it.
pub struct FrameProgress<'a> {
    /// The frame being painted, from 0.
    pub frame: usize,
    /// The iteration just finished, within the frame.
    pub progress: &'a Progress<'a>,
    pub(super) checkpoint: &'a dyn Fn(Option<Checkpoint>) -> Result<VideoCheckpoint, Error>,
}

impl std::fmt::Debug for FrameProgress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameProgress")
            .field("frame", &self.frame)
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl FrameProgress<'_> {
    /// Everything the clip needs to continue after this iteration;
    /// [`StyleTransfer::resume_video`] continues it.
    pub fn checkpoint(&self) -> Result<VideoCheckpoint, Error> {
        (self.checkpoint)(Some(self.progress.checkpoint()?))
    }
}

/// What [`StyleTransfer::paint_clip`]'s observer is told.
#[derive(Debug)]
pub enum VideoEvent<'a> {
    /// An iteration of a frame ended.
    Iteration(&'a FrameProgress<'a>),
    /// A frame is painted.
    Frame {
        /// The frame, from 0.
        index: usize,
        /// Its painted image.
        image: &'a RgbImage,
    },
}
