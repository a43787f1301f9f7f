use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorData};
use image::RgbImage;
use nst_vgg16::Vgg16;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::colour::{self, PreserveColors};
use crate::error::LastImage;
use crate::objective::{Objective, Terms};
use crate::optimizer::{Average, Point};
use crate::pixels::{fit_longest, resized, to_image, to_tensor};
use crate::{Control, Error, Init, Losses, Progress, StyleTransferConfig};

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
}

/// Where a run is: the iteration and evaluation counters over all scales.
struct Clock {
    start: Instant,
    iteration: usize,
    iterations: usize,
    evaluations: Cell<usize>,
}

impl StyleTransfer {
    /// A session for `config`; the model is loaded on first use.
    pub fn new(config: StyleTransferConfig) -> Self {
        Self {
            config,
            vgg: OnceCell::new(),
        }
    }

    /// A session that uses an already loaded model. It must live on
    /// `config.device.autodiff()`; its pooling is replaced by the config's.
    pub fn with_model(config: StyleTransferConfig, vgg: Vgg16) -> Self {
        let vgg = vgg.with_pooling(config.pooling);
        Self {
            config,
            vgg: OnceCell::from(vgg),
        }
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
        self.run_with(content, style, |_| Control::Continue)
    }

    /// Like [`run`](Self::run), calling `observer` after every iteration; when it returns
    /// [`Control::Stop`] the run ends and the image so far is returned.
    pub fn run_with(
        &self,
        content: &RgbImage,
        style: &RgbImage,
        observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        self.run_blend_with(content, &[style], observer)
    }

    /// Like [`run_with`](Self::run_with) with several style images, whose Gram targets are
    /// blended with the config's `style_blend` weights (equal weights by default).
    ///
    /// ```no_run
    /// use nst_transfer::{Control, StyleTransfer, StyleTransferConfig};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
    /// let a = nst_transfer::load_rgb("starry_night.jpg".as_ref())?;
    /// let b = nst_transfer::load_rgb("the_scream.jpg".as_ref())?;
    /// let config = StyleTransferConfig::builder().style_blend(Some(vec![0.7, 0.3])).build()?;
    /// let result = StyleTransfer::new(config).run_blend_with(&content, &[&a, &b], |progress| {
    ///     progress.image().save("preview.png").ok(); // a live preview
    ///     Control::Continue
    /// })?;
    /// result.save("out.png")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_blend_with(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        mut observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        let blend = self.blend(styles.len())?;
        let (working_content, styles) = self.recolour(content, styles)?;
        let styles: Vec<&RgbImage> = styles.iter().map(AsRef::as_ref).collect();
        let last = match self.config.size {
            Some(side) => side,
            None => content.width().max(content.height()),
        };
        let sides = match &self.config.multiscale {
            Some(multiscale) => multiscale.sides(last),
            None => vec![last],
        };
        let per_scale = |index: usize| match &self.config.multiscale {
            Some(m) if index + 1 < sides.len() => {
                m.iterations_per_scale.unwrap_or(self.config.iterations)
            }
            _ => self.config.iterations,
        };
        let mut clock = Clock {
            start: Instant::now(),
            iteration: 0,
            iterations: (0..sides.len()).map(per_scale).sum(),
            evaluations: Cell::new(0),
        };
        let mut image: Option<RgbImage> = None;
        for (index, &side) in sides.iter().enumerate() {
            // The last scale is the configured size; native sizes stay native.
            let side = if index + 1 == sides.len() {
                self.config.size
            } else {
                Some(side)
            };
            let (scaled_content, scaled_styles) = self.prepare(&working_content, &styles, side)?;
            let start = match &image {
                None => self.initial_image(&scaled_content, &scaled_styles, &blend)?,
                Some(previous) => to_tensor(
                    &resized(previous, scaled_content.dimensions()),
                    &self.config.device,
                ),
            };
            let scale = (index, sides.len());
            let (result, stopped) = self.optimise(
                (&scaled_content, &scaled_styles, &blend),
                start,
                per_scale(index),
                scale,
                &mut clock,
                &mut observer,
            )?;
            image = Some(result);
            if stopped {
                break;
            }
        }
        let result = image.ok_or_else(|| Error::Config("no scale to run".into()))?;
        Ok(match self.config.preserve_colors {
            Some(PreserveColors::Luminance) => {
                colour::recombine(&result, &resized(content, result.dimensions()))
            }
            _ => result,
        })
    }

    /// One scale of a run: `iterations` steps from `start`; also says whether the observer
    /// stopped the run.
    fn optimise(
        &self,
        (content, styles, blend): (&RgbImage, &[RgbImage], &[f64]),
        start: Tensor<4>,
        iterations: usize,
        (scale, scales): (usize, usize),
        clock: &mut Clock,
        observer: &mut impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<(RgbImage, bool), Error> {
        if iterations == 0 {
            return Ok((to_image(&start), false));
        }
        let (vgg, objective) = self.objective(content, styles, blend, None)?;
        let mut optimizer = self.config.optimizer.start(&self.config, iterations);
        let mut average = Average::new(self.config.average);
        let counter = &clock.evaluations;
        let failed_at = Cell::new(clock.iteration + 1);
        let mut evaluate = |x: Tensor<4>| {
            counter.set(counter.get() + 1);
            evaluate(&objective, vgg, x).map_err(|e| match e {
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
            } => Error::NonFinite {
                what,
                iteration,
                value,
                last_finite: Some(LastImage(to_image(last))),
            },
            e => e,
        };
        let mut point = evaluate(start.clone()).map_err(|e| with_last(e, &start))?;
        for step in 1..=iterations {
            clock.iteration += 1;
            failed_at.set(clock.iteration);
            let previous = average.value().unwrap_or_else(|| point.image.clone());
            point = optimizer
                .step(point, step, &mut evaluate)
                .map_err(|e| with_last(e, &previous))?;
            average.update(&point.image);
            let shown = average.value().unwrap_or_else(|| point.image.clone());
            let progress = Progress {
                iteration: clock.iteration,
                iterations: clock.iterations,
                evaluations: counter.get(),
                scale,
                scales,
                losses: point.losses,
                elapsed: clock.start.elapsed(),
                image: &shown,
            };
            if observer(&progress) == Control::Stop {
                return Ok((to_image(&shown), true));
            }
        }
        let last = average.value().unwrap_or(point.image);
        Ok((to_image(&last), false))
    }

    /// The gradient of the objective that [`run`](Self::run) descends with respect to the
    /// pixels of `image`: a `[1, 3, H, W]` tensor on the configured device, at the content's
    /// working size.
    ///
    /// The inputs are resized as for [`score`](Self::score).
    pub fn gradient(
        &self,
        content: &RgbImage,
        style: &RgbImage,
        image: &RgbImage,
    ) -> Result<Tensor<4>, Error> {
        let blend = self.blend(1)?;
        let (content, styles) = self.prepare(content, &[style], self.config.size)?;
        let image = resized(image, content.dimensions());
        let (vgg, objective) = self.objective(&content, &styles, &blend, None)?;
        let image = to_tensor(&image, &self.device());
        Ok(evaluate(&objective, vgg, image)?.gradient)
    }

    /// The model and the targets of the prepared `content` and `styles`; with `dtype`, the
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
        let objective = Objective::new(
            &self.config,
            vgg,
            to_tensor(content, &device),
            styles.iter().map(|s| to_tensor(s, &device)).collect(),
            blend,
            dtype,
        );
        Ok((vgg, objective))
    }

    /// The autodiff device everything runs on.
    pub(crate) fn device(&self) -> Device {
        self.config.device.clone().autodiff()
    }

    /// The blend weights of `count` style images, summing to 1.
    pub(crate) fn blend(&self, count: usize) -> Result<Vec<f64>, Error> {
        self.config.validate()?;
        if count == 0 {
            return Err(Error::Config("no style image given".into()));
        }
        let weights = match &self.config.style_blend {
            None => vec![1.0; count],
            Some(weights) if weights.len() == count => weights.clone(),
            Some(weights) => {
                return Err(Error::Config(format!(
                    "style_blend has {} weights for {count} style images",
                    weights.len()
                )));
            }
        };
        let sum: f64 = weights.iter().sum();
        Ok(weights.into_iter().map(|w| w / sum).collect())
    }

    /// The content and styles as the colour mode needs them: grey luminance images, or styles
    /// recoloured to the content's palette.
    fn recolour<'a>(
        &self,
        content: &'a RgbImage,
        styles: &[&'a RgbImage],
    ) -> Result<(Cow<'a, RgbImage>, Vec<Cow<'a, RgbImage>>), Error> {
        check_not_empty("content", content)?;
        for style in styles {
            check_not_empty("style", style)?;
        }
        Ok(match self.config.preserve_colors {
            None => (
                Cow::Borrowed(content),
                styles.iter().map(|&s| Cow::Borrowed(s)).collect(),
            ),
            Some(PreserveColors::Histogram) => (
                Cow::Borrowed(content),
                styles
                    .iter()
                    .map(|s| Cow::Owned(colour::match_colours(s, content)))
                    .collect(),
            ),
            Some(PreserveColors::Luminance) => {
                let target = colour::luma_mean_std(content);
                (
                    Cow::Owned(colour::luminance(content, None)),
                    styles
                        .iter()
                        .map(|s| Cow::Owned(colour::luminance(s, Some(target))))
                        .collect(),
                )
            }
        })
    }

    /// Validates the config, resizes the inputs for a content side of `side` (`None`: native
    /// sizes) and checks that they are large enough.
    pub(crate) fn prepare(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        side: Option<u32>,
    ) -> Result<(RgbImage, Vec<RgbImage>), Error> {
        self.config.validate()?;
        check_not_empty("content", content)?;
        let content = match side {
            Some(side) => {
                let (w, h) = content.dimensions();
                resized(content, fit_longest(w, h, f64::from(side))).into_owned()
            }
            None => content.clone(),
        };
        let min = Vgg16::min_input_side(&self.config.layers()) as u32;
        let check = |which, image: &RgbImage| {
            let (w, h) = image.dimensions();
            if w.min(h) < min {
                return Err(Error::Image {
                    which,
                    reason: format!(
                        "is {w}×{h} after resizing, but the deepest layer needs at least \
                         {min}×{min} pixels"
                    ),
                });
            }
            Ok(())
        };
        check("content", &content)?;
        let mut resized_styles = Vec::with_capacity(styles.len());
        for style in styles {
            check_not_empty("style", style)?;
            let style_side = match side {
                Some(_) => content.width().max(content.height()),
                None => style.width().max(style.height()),
            };
            let (w, h) = style.dimensions();
            let dims = fit_longest(w, h, f64::from(style_side) * self.config.style_scale);
            let style = resized(style, dims).into_owned();
            check("style", &style)?;
            resized_styles.push(style);
        }
        Ok((content, resized_styles))
    }

    fn initial_image(
        &self,
        content: &RgbImage,
        styles: &[RgbImage],
        blend: &[f64],
    ) -> Result<Tensor<4>, Error> {
        let device = self.config.device.clone();
        let (w, h) = content.dimensions();
        let from_values = |values: Vec<f32>| {
            Tensor::from_data(
                TensorData::new(values, [1, 3, h as usize, w as usize]),
                &device,
            )
        };
        let mut rng = StdRng::seed_from_u64(self.config.seed);
        let n = w as usize * h as usize;
        Ok(match &self.config.init {
            Init::Noise { low, high } => {
                from_values((0..3 * n).map(|_| rng.random_range(*low..*high)).collect())
            }
            Init::StyleStatistics => {
                let stats: Vec<[(f64, f64); 3]> = styles.iter().map(channel_stats).collect();
                let mut values = Vec::with_capacity(3 * n);
                for c in 0..3 {
                    let mean: f64 = stats.iter().zip(blend).map(|(s, w)| w * s[c].0).sum();
                    let std: f64 = stats.iter().zip(blend).map(|(s, w)| w * s[c].1).sum();
                    values.extend(
                        (0..n).map(|_| (mean + std * gaussian(&mut rng)).clamp(0.0, 255.0) as f32),
                    );
                }
                from_values(values)
            }
            Init::Content => to_tensor(content, &device),
            Init::Image(path) => {
                let image = crate::load_rgb(path)?;
                let image = match self.config.preserve_colors {
                    Some(PreserveColors::Luminance) => colour::luminance(&image, None),
                    _ => image,
                };
                to_tensor(&resized(&image, (w, h)), &device)
            }
        })
    }
}

fn check_not_empty(which: &'static str, image: &RgbImage) -> Result<(), Error> {
    if image.width() == 0 || image.height() == 0 {
        return Err(Error::Image {
            which,
            reason: "is empty (0 pixels)".into(),
        });
    }
    Ok(())
}

/// Each channel's mean and population standard deviation.
fn channel_stats(image: &RgbImage) -> [(f64, f64); 3] {
    let n = (image.width() as usize * image.height() as usize).max(1) as f64;
    std::array::from_fn(|c| {
        let values = image.pixels().map(|p| f64::from(p[c]));
        let mean = values.clone().sum::<f64>() / n;
        let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    })
}

/// A standard normal sample (Box–Muller).
fn gaussian(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The losses and the gradient of the objective at `x` (one forward and one backward pass).
fn evaluate(objective: &Objective, vgg: &Vgg16, x: Tensor<4>) -> Result<Point, Error> {
    let tracked = x.autodiff().require_grad();
    let terms = objective.terms(vgg, tracked.clone());
    let total = objective.total(&terms)?;
    let grads = total.backward();
    let Some(gradient) = tracked.grad(&grads) else {
        return Err(Error::Config(
            "no gradient reached the image: all weighted losses are constant".into(),
        ));
    };
    let losses = read_losses(&terms, total, &gradient)?;
    Ok(Point {
        image: tracked.inner(),
        losses,
        gradient,
    })
}

/// Copies the loss values, and the sum of the gradient's entries (not finite if any entry is
/// not), to the host in one transfer and checks that they are finite.
fn read_losses(terms: &Terms, total: Tensor<1>, gradient: &Tensor<4>) -> Result<Losses, Error> {
    let values = Tensor::cat(
        vec![
            terms.content.clone().inner(),
            terms.style.clone().inner(),
            terms.denoise.clone().inner(),
            total.inner(),
            gradient.clone().sum(),
        ],
        0,
    )
    .try_into_vec_as::<f64>()
    .map_err(|e| Error::Device(e.to_string()))?;
    let [content, style, denoise, total, gradient] = values[..] else {
        return Err(Error::Device(format!(
            "read {} values, not 5",
            values.len()
        )));
    };
    let non_finite = |what, value| Error::NonFinite {
        what,
        iteration: 0,
        value,
        last_finite: None,
    };
    if let Some(value) = [content, style, denoise, total]
        .into_iter()
        .find(|v| !v.is_finite())
    {
        return Err(non_finite("loss", value));
    }
    if !gradient.is_finite() {
        return Err(non_finite("gradient", gradient));
    }
    Ok(Losses {
        content,
        style,
        denoise,
        total,
    })
}
