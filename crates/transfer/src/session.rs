//! A style transfer session: the configuration, the model it loads once, and runs over one
//! or more scales.

use std::cell::{Cell, OnceCell};
use std::time::Instant;

use burn::tensor::{DType, Device, Tensor};
use image::RgbImage;
use nst_vgg16::Vgg16;

use crate::checkpoint::Checkpoint;
use crate::color;
use crate::initial::initial_image;
use crate::inputs::{blend_weights, prepare, recolor};
use crate::masks::StyleMasks;
use crate::objective::Objective;
use crate::optimise::{Clock, Scale, Start, optimise};
use crate::pixels::{resized, to_tensor};
use crate::{Control, Error, PreserveColors, Progress, StyleTransferConfig};

/// A style transfer session: a configuration and, once loaded, the VGG-16 model.
///
/// ```no_run
/// use nst_transfer::{StyleTransfer, StyleTransferConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
/// let style = nst_transfer::load_rgb("painting.jpg".as_ref())?;
/// let config = StyleTransferConfig::builder().iterations(60).size(Some(256)).build()?;
/// let result = StyleTransfer::new(config).run(&content, &style)?;
/// result.save("out.png")?;
/// # Ok(())
/// # }
/// ```
pub struct StyleTransfer {
    config: StyleTransferConfig,
    vgg: OnceCell<Vgg16>,
    masks: Option<StyleMasks>,
}

impl StyleTransfer {
    /// A session for `config`; the model is loaded on first use.
    pub fn new(config: StyleTransferConfig) -> Self {
        Self {
            config,
            vgg: OnceCell::new(),
            masks: None,
        }
    }

    /// A session that uses an already loaded model. It must live on
    /// `config.device.autodiff()`; its pooling is replaced by the config's.
    pub fn with_model(config: StyleTransferConfig, vgg: Vgg16) -> Self {
        let vgg = vgg.with_pooling(config.pooling);
        Self {
            config,
            vgg: OnceCell::from(vgg),
            masks: None,
        }
    }

    /// This session with one mask per style image: each style paints only where its mask
    /// is white (guided Gram matrices, Gatys et al. 2017), with its blend weight where masks
    /// overlap; where no mask is white only the content and denoise terms act. Runs, scores
    /// and gradients then need as many style images as masks.
    ///
    /// ```no_run
    /// use nst_transfer::{StyleMasks, StyleTransfer, StyleTransferConfig};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
    /// let (sky, ground) = (image::open("sky.png")?.to_luma8(), image::open("ground.png")?.to_luma8());
    /// let a = nst_transfer::load_rgb("starry_night.jpg".as_ref())?;
    /// let b = nst_transfer::load_rgb("the_scream.jpg".as_ref())?;
    /// let session = StyleTransfer::new(StyleTransferConfig::default())
    ///     .with_style_masks(StyleMasks::new(vec![sky, ground])?);
    /// let result = session.run_with(&content, &[&a, &b], |_| nst_transfer::Control::Continue)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_style_masks(mut self, masks: StyleMasks) -> Self {
        self.masks = Some(masks);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &StyleTransferConfig {
        &self.config
    }

    /// The model, loading it on first call (see [`nst_vgg16::weights::resolve`]).
    pub fn model(&self) -> Result<&Vgg16, Error> {
        if let Some(vgg) = self.vgg.get() {
            return Ok(vgg);
        }
        let path = nst_vgg16::weights::resolve(self.config.weights.as_deref())?;
        let vgg = Vgg16::from_onnx(
            &path,
            self.config.flavour,
            self.config.pooling,
            &self.device(),
        )?;
        Ok(self.vgg.get_or_init(|| vgg))
    }

    /// Repaints `content` in the style of `style` and returns the result at the content's
    /// working size.
    pub fn run(&self, content: &RgbImage, style: &RgbImage) -> Result<RgbImage, Error> {
        self.run_with(content, &[style], |_| Control::Continue)
    }

    /// Repaints `content` in the style of `styles`, whose Gram targets are blended with the
    /// config's `style_blend` weights (equal weights by default), calling `observer` after
    /// every iteration; when it returns [`Control::Stop`] the run ends and the image so far is
    /// returned.
    ///
    /// ```no_run
    /// use nst_transfer::{Control, StyleTransfer, StyleTransferConfig};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
    /// let a = nst_transfer::load_rgb("starry_night.jpg".as_ref())?;
    /// let b = nst_transfer::load_rgb("the_scream.jpg".as_ref())?;
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
    /// let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
    /// let style = nst_transfer::load_rgb("painting.jpg".as_ref())?;
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
        mut observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        let config = &self.config;
        let mut resumed = checkpoint.map(|c| c.resume(config)).transpose()?;
        let blend = blend_weights(config, styles.len())?;
        let (working_content, styles) = recolor(config.preserve_colors, content, styles)?;
        let styles: Vec<&RgbImage> = styles.iter().map(AsRef::as_ref).collect();
        let last = match config.size {
            Some(side) => side,
            None => content.width().max(content.height()),
        };
        let sides = match &config.multiscale {
            Some(multiscale) => multiscale.sides(last),
            None => vec![last],
        };
        let per_scale = |index: usize| match &config.multiscale {
            Some(m) if index + 1 < sides.len() => {
                m.iterations_per_scale.unwrap_or(config.iterations)
            }
            _ => config.iterations,
        };
        let mut clock = Clock {
            start: Instant::now(),
            iteration: 0,
            iterations: (0..sides.len()).map(per_scale).sum(),
            evaluations: Cell::new(0),
        };
        if let Some(resumed) = &resumed {
            if resumed.scale >= sides.len() {
                return Err(Error::Checkpoint(
                    "has more scales than the configuration".into(),
                ));
            }
            clock.iteration = resumed.iteration;
            clock.evaluations.set(resumed.evaluations);
        }
        let mut image: Option<RgbImage> = None;
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
            let (vgg, objective) = self.objective(&scaled_content, &scaled_styles, &blend, None)?;
            let start = match (resumed.take(), &image) {
                (Some(resumed), _) => {
                    if resumed.point.image.dims()[2..]
                        != [
                            scaled_content.height() as usize,
                            scaled_content.width() as usize,
                        ]
                    {
                        return Err(Error::Checkpoint(
                            "was written for another image size".into(),
                        ));
                    }
                    objective.set_initial(resumed.initial.clone());
                    Start::Resumed(Box::new(resumed))
                }
                (None, None) => Start::Image(Box::new(initial_image(
                    config,
                    &scaled_content,
                    &scaled_styles,
                    &blend,
                    &config.device,
                )?)),
                (None, Some(previous)) => Start::Image(Box::new(to_tensor(
                    &resized(previous, scaled_content.dimensions()),
                    &config.device,
                ))),
            };
            let scale = Scale {
                config,
                vgg,
                objective: &objective,
                index: (index, sides.len()),
                iterations: per_scale(index),
            };
            let (result, stopped) = optimise(scale, start, &mut clock, &mut observer)?;
            image = Some(result);
            if stopped {
                break;
            }
        }
        let result =
            image.ok_or_else(|| Error::Config("multiscale gives no scale to run".into()))?;
        Ok(match config.preserve_colors {
            Some(PreserveColors::Luminance) => {
                color::recombine(&result, &resized(content, result.dimensions()))
            }
            _ => result,
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
        Ok(objective.evaluate(vgg, image)?.gradient)
    }

    /// The model and the objective of the prepared `content` and `styles`; with `dtype`, the
    /// losses are computed in it.
    pub(crate) fn objective(
        &self,
        content: &RgbImage,
        styles: &[RgbImage],
        blend: &[f64],
        dtype: Option<DType>,
    ) -> Result<(&Vgg16, Objective), Error> {
        let vgg = self.model()?;
        let device = self.device();
        let masks = match &self.masks {
            Some(masks) => Some(masks.tensors(styles.len(), content.dimensions(), &device)?),
            None => None,
        };
        let objective = Objective::new(
            &self.config,
            vgg,
            to_tensor(content, &device),
            styles.iter().map(|s| to_tensor(s, &device)).collect(),
            blend,
            masks.as_deref(),
            dtype,
        )?;
        Ok((vgg, objective))
    }

    /// The style masks, if the session has them.
    pub(crate) fn style_masks(&self) -> Option<&StyleMasks> {
        self.masks.as_ref()
    }

    /// The autodiff device everything runs on.
    pub(crate) fn device(&self) -> Device {
        self.config.device.clone().autodiff()
    }
}
