//! Painting a clip: frames in order, each after the first starting from the previous painted
//! frame warped by the optical flow, with a temporal term that keeps it there where the flow
//! is reliable (Ruder, Dosovitskiy & Brox, "Artistic style transfer for videos", 2016).

pub(crate) mod checkpoint;
pub(crate) mod config;
mod motion;
pub(crate) mod observer;
mod session;

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;
use nst_vgg16::Vgg16;

use crate::objective::{Objective, Temporal};
use crate::optim::iterate::{Clock, Scale, Start, optimise};
use crate::prepare::pixels::{float_to_tensor, plane_to_tensor, to_tensor};
use crate::prepare::{blend_weights, prepare, recolor};
use crate::{Checkpoint, Control, Error, Progress, StyleTransfer};
use checkpoint::VideoCheckpoint;
use config::VideoConfig;
use motion::{Motion, Plane};
pub use observer::{FrameProgress, VideoEvent};

/// A clip being painted by a session: give it the frames in order with
/// [`paint`](Self::paint); it keeps only what the next frame needs (the previous frame and
/// its painted result, and the style targets computed once from the first frame), so memory
/// does not grow with the clip.
///
/// ```no_run
/// use nst_transfer::{Control, StyleTransfer, StyleTransferConfig, VideoConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (frames, style) = (vec![image::RgbImage::new(64, 64)], image::RgbImage::new(64, 64));
/// let session = StyleTransfer::new(StyleTransferConfig::default());
/// let mut clip = session.video(&[&style], VideoConfig::default())?;
/// for (index, frame) in frames.iter().enumerate() {
///     if let Some(painted) = clip.paint(frame, |_| Control::Continue)? {
///         painted.save(format!("frame-{index:06}.png"))?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct VideoTransfer<'s> {
    session: &'s StyleTransfer,
    video: VideoConfig,
    /// The style images as given (the first frame's coarser scales resize them again).
    originals: Vec<RgbImage>,
    clip: ClipState,
    /// The state of the frame to paint next, from a checkpoint.
    current: Option<Checkpoint>,
    /// The model and the objective whose style targets every frame shares, once built.
    targets: Option<(Arc<Vgg16>, Objective)>,
}

impl std::fmt::Debug for VideoTransfer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoTransfer")
            .field("video", &self.video)
            .field("frames_done", &self.clip.frames_done)
            .finish_non_exhaustive()
    }
}

/// What the next frame needs of the clip so far.
#[derive(Clone)]
pub(crate) struct ClipState {
    pub frames_done: usize,
    /// The style images at the working size, recolored for the first frame: the clip's
    /// style targets are computed from them (empty before the first frame).
    pub styles: Vec<RgbImage>,
    pub previous: Option<Previous>,
}

/// The last finished frame: as the objective saw it (at the working size, grey with
/// luminance-only color preservation) and its painted working result.
#[derive(Clone)]
pub(crate) struct Previous {
    pub frame: RgbImage,
    pub painted: RgbImage,
    /// For each pixel, the frames its content has been reliably in view.
    pub age: Plane,
}

impl VideoTransfer<'_> {
    /// The frames painted so far; the next frame given to [`paint`](Self::paint) has this
    /// index.
    pub fn frames_done(&self) -> usize {
        self.clip.frames_done
    }

    /// How the frames after the first are painted.
    pub fn config(&self) -> &VideoConfig {
        &self.video
    }

    /// The checkpoint between two frames: resumed, the clip continues with frame
    /// [`frames_done`](Self::frames_done).
    pub fn checkpoint(&self) -> Result<VideoCheckpoint, Error> {
        VideoCheckpoint::capture(self.session.config(), &self.video, &self.clip, None)
    }

    /// Paints the next frame, calling `observer` after every iteration; returns the painted
    /// frame at the working size, or `None` when the observer stopped the frame part-way
    /// (take a checkpoint in the observer to continue it later). The first frame runs the
    /// session's configuration (all its scales); each later frame starts from the previous
    /// painted frame warped to it (where the warp is not reliable, from the frame's photo in
    /// the painting's colors) and runs the video configuration's iterations at the final size
    /// with the temporal term. Every frame must have the first one's working size (the
    /// size it is resized to). Style masks stay where they are in the frame while the scene
    /// moves.
    pub fn paint(
        &mut self,
        frame: &RgbImage,
        mut observer: impl FnMut(&FrameProgress<'_>) -> Control,
    ) -> Result<Option<RgbImage>, Error> {
        let session = self.session;
        let config = session.config();
        let index = self.clip.frames_done;
        let originals: Vec<&RgbImage> = self.originals.iter().collect();
        let blend = blend_weights(config, originals.len())?;
        // The frame as the objective sees it (grey with luminance-only color preservation),
        // and the styles as the first frame recolors them.
        let (working, recolored) = match self.clip.styles.is_empty() {
            true => recolor(config.preserve_colors, frame, &originals)?,
            false => recolor(config.preserve_colors, frame, &[])?,
        };
        let recolored: Vec<&RgbImage> = recolored.iter().map(AsRef::as_ref).collect();
        let (working, prepared) = prepare(config, &working, &recolored, config.size)?;
        if self.clip.styles.is_empty() {
            self.clip.styles = prepared;
        }
        if let Some(previous) = &self.clip.previous
            && previous.frame.dimensions() != working.dimensions()
        {
            let ((w, h), (pw, ph)) = (working.dimensions(), previous.frame.dimensions());
            return Err(Error::Image {
                which: "content",
                reason: format!(
                    "frame {index} is {w}×{h} at the working size, but the clip's frames are \
                     {pw}×{ph}: every frame of a clip must have the same size"
                ),
            });
        }
        if self.targets.is_none() {
            self.targets = Some(session.objective(&working, &self.clip.styles, &blend, None)?);
        }
        let Some((vgg, targets)) = &self.targets else {
            return Err(Error::Config("the clip's style targets are missing".into()));
        };
        let current = self.current.take();
        let (clip, video) = (&self.clip, &self.video);
        let capture =
            |current: Option<Checkpoint>| VideoCheckpoint::capture(config, video, clip, current);
        let mut tell = |progress: &Progress<'_>| {
            observer(&FrameProgress {
                frame: index,
                progress,
                checkpoint: &capture,
            })
        };
        let (painted, stopped, age) = match &clip.previous {
            None => {
                let (painted, stopped) = session.run_scales(
                    frame,
                    &originals,
                    current.as_ref(),
                    Some((vgg, targets)),
                    &mut tell,
                )?;
                (painted, stopped, None)
            }
            Some(previous) => {
                let device = session.device();
                let motion = Motion::between(
                    &previous.frame,
                    &working,
                    &previous.painted,
                    (&previous.age, video.ramp_frames),
                )?;
                let warped = float_to_tensor(&motion.warped, &device);
                let weights = plane_to_tensor(&motion.weights, &device);
                let content = to_tensor(&working, &device);
                let objective = targets.for_frame(
                    config,
                    vgg,
                    content,
                    Some(Temporal {
                        weight: video.temporal_weight,
                        warped: warped.clone(),
                        weights,
                    }),
                )?;
                let mut clock = Clock {
                    start: Instant::now(),
                    // The frame's targets are computed before its clock starts.
                    targets: Duration::ZERO,
                    iteration: 0,
                    iterations: video.frame_iterations,
                    evaluations: Cell::new(0),
                };
                let start = match current {
                    Some(checkpoint) => {
                        let resumed = checkpoint.resume(config, &device)?;
                        if resumed.scale != 0 || resumed.point.image.dims() != warped.dims() {
                            return Err(Error::checkpoint(
                                "was written for another frame size or scale",
                            ));
                        }
                        clock.iteration = resumed.iteration;
                        clock.evaluations.set(resumed.evaluations);
                        objective.set_initial(resumed.initial.clone());
                        Start::Resumed(Box::new(resumed))
                    }
                    None => Start::Image(Box::new(float_to_tensor(&motion.start, &device))),
                };
                let scale = Scale {
                    config,
                    vgg,
                    objective: &objective,
                    index: (0, 1),
                    iterations: video.frame_iterations,
                };
                let (painted, stopped) = optimise(scale, start, &mut clock, &mut tell)?;
                (painted, stopped, Some(motion.age))
            }
        };
        if stopped {
            return Ok(None);
        }
        let output = session.finish(frame, painted.clone())?;
        let age = age.unwrap_or_else(|| Motion::settled(&working, self.video.ramp_frames));
        self.clip.previous = Some(Previous {
            frame: working,
            painted,
            age,
        });
        self.clip.frames_done += 1;
        Ok(Some(output))
    }
}
