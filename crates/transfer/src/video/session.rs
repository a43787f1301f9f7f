//! A session's clips: one started or resumed from a checkpoint, or a whole clip painted with
//! an observer.

use image::RgbImage;

use super::checkpoint::VideoCheckpoint;
use super::config::VideoConfig;
use super::observer::VideoEvent;
use super::{ClipState, VideoTransfer};
use crate::prepare::blend_weights;
use crate::{Control, Error, StyleTransfer, Weighting};

impl StyleTransfer {
    /// Starts a clip painted in the style of `styles` (blended as in
    /// [`run_with`](Self::run_with)); `video` says how the frames after the first are
    /// painted.
    pub fn video(
        &self,
        styles: &[&RgbImage],
        video: VideoConfig,
    ) -> Result<VideoTransfer<'_>, Error> {
        video.validate()?;
        blend_weights(self.config(), styles.len())?;
        if self.config().weighting() == Weighting::Normalized {
            // Each frame starts on the warp, where the temporal term is 0: divided by its
            // current value, it would pin every pixel there.
            return Err(Error::Config(
                "a clip's frames start where the temporal term is 0, which the normalized \
                 weighting divides by: use the initial or raw weighting (--weighting initial)"
                    .into(),
            ));
        }
        Ok(VideoTransfer {
            session: self,
            video,
            originals: styles.iter().map(|&s| s.clone()).collect(),
            clip: ClipState {
                frames_done: 0,
                styles: Vec::new(),
                previous: None,
            },
            current: None,
            targets: None,
        })
    }

    /// Continues the clip that wrote `checkpoint`, with the same style images and
    /// configuration: give the returned clip the frames from
    /// [`frames_done`](VideoCheckpoint::frames_done) on; each ends on the bytes the
    /// uninterrupted clip writes, on the same machine and backend.
    pub fn resume_video(
        &self,
        styles: &[&RgbImage],
        checkpoint: &VideoCheckpoint,
    ) -> Result<VideoTransfer<'_>, Error> {
        let mut clip = self.video(styles, checkpoint.video().clone())?;
        clip.clip = checkpoint.state(self.config())?;
        let kept = clip.clip.styles.len();
        if kept != 0 && kept != styles.len() {
            return Err(Error::checkpoint(format!(
                "was written for a clip painted after {kept} style images, not {}",
                styles.len()
            )));
        }
        clip.current = checkpoint.current().cloned();
        Ok(clip)
    }

    /// Paints `frames` in order in the style of `styles`, telling `observer` after each
    /// iteration and each frame; returns the number of frames painted. When the observer
    /// returns [`Control::Stop`] the clip ends there (a frame stopped part-way is not
    /// reported as painted).
    ///
    /// ```no_run
    /// use nst_transfer::{Control, StyleTransfer, StyleTransferConfig, VideoConfig, VideoEvent};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (frames, style) = (vec![image::RgbImage::new(64, 64)], image::RgbImage::new(64, 64));
    /// let session = StyleTransfer::new(StyleTransferConfig::default());
    /// session.paint_clip(frames, &[&style], VideoConfig::default(), |event| {
    ///     if let VideoEvent::Frame { index, image } = event {
    ///         image.save(format!("frame-{index:06}.png")).ok();
    ///     }
    ///     Control::Continue
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn paint_clip(
        &self,
        frames: impl IntoIterator<Item = RgbImage>,
        styles: &[&RgbImage],
        video: VideoConfig,
        mut observer: impl FnMut(VideoEvent<'_>) -> Control,
    ) -> Result<usize, Error> {
        let mut clip = self.video(styles, video)?;
        for frame in frames {
            let index = clip.frames_done();
            let mut stop = false;
            let painted = clip.paint(&frame, |progress| {
                let control = observer(VideoEvent::Iteration(progress));
                stop |= control == Control::Stop;
                control
            })?;
            match painted {
                Some(image) => {
                    let control = observer(VideoEvent::Frame {
                        index,
                        image: &image,
                    });
                    if stop || control == Control::Stop {
                        break;
                    }
                }
                None => break,
            }
        }
        Ok(clip.frames_done())
    }
}
