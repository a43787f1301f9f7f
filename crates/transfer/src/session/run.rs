//! Runs: from the start or from a checkpoint, over one or more scales; and the gradient a
//! run descends.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::tensor::Tensor;
use image::RgbImage;
use nst_vgg16::Vgg16;

use crate::objective::Objective;
use crate::optim::iterate::{Clock, Scale, Start, optimise};
use crate::prepare::initial::{Sources, initial_image};
use crate::prepare::luminance;
use crate::prepare::pixels::{resized, to_tensor};
use crate::prepare::{blend_weights, prepare, recolor};
use crate::session::checkpoint::Checkpoint;
use crate::{Control, Error, PreserveColors, Progress, StyleTransfer};

impl StyleTransfer {
    /// Repaints `content` in the style of `style` and returns the result at the content's
    /// working size.
    pub fn run(&self, content: &RgbImage, style: &RgbImage) -> Result<RgbImage, Error> {
        self.run_with(content, &[style], |_| Control::Continue)
    }

    /// Repaints `content` in the style of `styles`, whose style targets are blended with the
    /// config's `style_blend` weights (equal weights by default), calling `observer` after
    /// every iteration; when it returns [`Control::Stop`] the run ends and the image so far is
    /// returned.
    ///
    /// ```no_run
    /// use nst_transfer::{Control, StyleTransfer, StyleTransferConfig};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (content, a, b) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
    /// let config = StyleTransferConfig::builder().style_blend(Some(vec![0.7, 0.3])).build()?;
    /// let result = StyleTransfer::new(config).run_with(&content, &[&a, &b], |progress| {
    ///     if let Ok(preview) = progress.image() {
    ///         preview.save("preview.png").ok(); // a live preview
    ///     }
    ///     Control::Continue
    /// })?;
    /// result.save("out.png")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_with(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        self.run_from(content, styles, None, observer)
    }

    /// Continues the run that wrote `checkpoint` (see [`Progress::checkpoint`]) to its end,
    /// with the same inputs and configuration: the result is the one the run would have
    /// returned uninterrupted, to the byte on the same machine and backend.
    ///
    /// ```no_run
    /// use nst_transfer::{Checkpoint, Control, StyleTransfer, StyleTransferConfig};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (content, style) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
    /// let session = StyleTransfer::new(StyleTransferConfig::default());
    /// let mut saved = None;
    /// session.run_with(&content, &[&style], |progress| {
    ///     saved = progress.checkpoint().ok();
    ///     if progress.iteration == 5 { Control::Stop } else { Control::Continue }
    /// })?;
    /// let bytes = saved.ok_or("no checkpoint")?.to_bytes()?; // to a file, and back later
    /// let checkpoint = Checkpoint::from_bytes(&bytes)?;
    /// let result = session.resume_with(&content, &[&style], &checkpoint, |_| Control::Continue)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume_with(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        checkpoint: &Checkpoint,
        observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        self.run_from(content, styles, Some(checkpoint), observer)
    }

    /// A run from the start, or from `checkpoint`.
    fn run_from(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        checkpoint: Option<&Checkpoint>,
        observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        let (working, _) = self.run_scales(content, styles, checkpoint, None, observer)?;
        self.finish(content, working)
    }

    /// The scales of a run from the start, or from `checkpoint`: the working image (grey
    /// with luminance-only color preservation) and whether the observer stopped the run.
    /// With `final_scale`, the last scale uses that model and objective (a clip's, whose style
    /// targets are computed once).
    pub(crate) fn run_scales(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        checkpoint: Option<&Checkpoint>,
        final_scale: Option<(&Arc<Vgg16>, &Objective)>,
        mut observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<(RgbImage, bool), Error> {
        let config = &self.config;
        let device = self.device();
        let mut resumed = checkpoint.map(|c| c.resume(config, &device)).transpose()?;
        let blend = blend_weights(config, styles.len())?;
        let (working_content, styles) = recolor(config.preserve_colors, content, styles)?;
        let styles: Vec<&RgbImage> = styles.iter().map(AsRef::as_ref).collect();
        let sides = config.scale_sides(working_content.dimensions());
        let per_scale = config.scale_iterations(working_content.dimensions());
        let mut clock = Clock {
            start: Instant::now(),
            targets: Duration::ZERO,
            iteration: 0,
            iterations: per_scale.iter().sum(),
            evaluations: Cell::new(0),
        };
        if let Some(resumed) = &resumed {
            if resumed.scale >= sides.len() {
                return Err(Error::checkpoint("has more scales than the configuration"));
            }
            clock.iteration = resumed.iteration;
            clock.evaluations.set(resumed.evaluations);
        }
        let mut image: Option<RgbImage> = None;
        let mut stopped = false;
        for (index, &side) in sides.iter().enumerate() {
            if resumed.as_ref().is_some_and(|r| index < r.scale) {
                continue;
            }
            // The last scale is the configured size; native sizes stay native.
            let side = if index + 1 == sides.len() {
                config.size
            } else {
                Some(side)
            };
            let (scaled_content, scaled_styles) = prepare(config, &working_content, &styles, side)?;
            let built;
            let (vgg, objective) = match final_scale.filter(|_| index + 1 == sides.len()) {
                Some((vgg, objective)) => (vgg, objective),
                None => {
                    let started = Instant::now();
                    built = self.objective(&scaled_content, &scaled_styles, &blend, None)?;
                    clock.targets += started.elapsed();
                    (&built.0, &built.1)
                }
            };
            let start = match (resumed.take(), &image) {
                (Some(resumed), _) => {
                    if resumed.point.image.dims()[2..]
                        != [
                            scaled_content.height() as usize,
                            scaled_content.width() as usize,
                        ]
                    {
                        return Err(Error::checkpoint("was written for another image size"));
                    }
                    objective.set_initial(resumed.initial.clone());
                    Start::Resumed(Box::new(resumed))
                }
                (None, None) => Start::Image(Box::new(initial_image(
                    config,
                    Sources {
                        content: &scaled_content,
                        styles: &scaled_styles,
                        blend: &blend,
                        image: self.init_image(),
                    },
                    &device,
                )?)),
                (None, Some(previous)) => Start::Image(Box::new(to_tensor(
                    &resized(previous, scaled_content.dimensions()),
                    &device,
                ))),
            };
            let scale = Scale {
                config,
                vgg,
                objective,
                index: (index, sides.len()),
                iterations: per_scale[index],
            };
            let (result, stop) = optimise(scale, start, &mut clock, &mut observer)?;
            image = Some(result);
            stopped = stop;
            if stopped {
                break;
            }
        }
        let result =
            image.ok_or_else(|| Error::Config("multiscale gives no scale to run".into()))?;
        Ok((result, stopped))
    }

    /// The output of a run whose working image is `working`: smoothed towards `content`'s
    /// local colour models if the configuration says so; with luminance-only color
    /// preservation, its luminance over `content`'s colors.
    pub(crate) fn finish(&self, content: &RgbImage, working: RgbImage) -> Result<RgbImage, Error> {
        let working = match self.config.smooth {
            true => crate::smooth(content, &working, &self.device)?,
            false => working,
        };
        Ok(match self.config.preserve_colors {
            Some(PreserveColors::Luminance) => {
                luminance::recombine(&working, &resized(content, working.dimensions()))
            }
            _ => working,
        })
    }

    /// The gradient of the objective that a run descends with respect to the pixels of
    /// `image`: a `[1, 3, H, W]` tensor on the configured device, at the content's working
    /// size. The inputs are resized as for [`score`](Self::score).
    pub fn gradient(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        image: &RgbImage,
    ) -> Result<Tensor<4>, Error> {
        let blend = blend_weights(&self.config, styles.len())?;
        let (content, styles) = prepare(&self.config, content, styles, self.config.size)?;
        let image = resized(image, content.dimensions());
        let (vgg, objective) = self.objective(&content, &styles, &blend, None)?;
        let image = to_tensor(&image, &self.device());
        Ok(objective.evaluate(&vgg, image, 0)?.gradient)
    }
}
