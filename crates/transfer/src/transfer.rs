use std::cell::OnceCell;
use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorData};
use image::RgbImage;
use nst_vgg16::Vgg16;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::objective::{Objective, Terms};
use crate::pixels::{fit_longest, resized, to_image, to_tensor};
use crate::{Control, Error, Init, Losses, Progress, SeedDescent, StyleTransferConfig};

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
        mut observer: impl FnMut(&Progress<'_>) -> Control,
    ) -> Result<RgbImage, Error> {
        let (content, style) = self.prepare(content, style)?;
        let (vgg, objective) = self.objective(&content, &style, None)?;
        let optimizer = SeedDescent {
            step: self.config.step_size,
        };

        let mut x = self.initial_image(&content)?;
        let start = Instant::now();
        for iteration in 1..=self.config.iterations {
            let (terms, total, grad) = descent_direction(&objective, vgg, x)?;
            let losses = read_losses(&terms, total, iteration)?;
            x = optimizer.step(grad.image, grad.gradient);
            let progress = Progress {
                iteration,
                iterations: self.config.iterations,
                losses,
                elapsed: start.elapsed(),
                image: &x,
            };
            if observer(&progress) == Control::Stop {
                break;
            }
        }
        Ok(to_image(&x))
    }

    /// The gradient of the objective that [`run`](Self::run) descends (the normalised
    /// weighted sum of the losses) with respect to the pixels of `image`: a `[1, 3, H, W]`
    /// tensor on the configured device, at the content's working size.
    ///
    /// The inputs are resized as for [`score`](Self::score).
    pub fn gradient(
        &self,
        content: &RgbImage,
        style: &RgbImage,
        image: &RgbImage,
    ) -> Result<Tensor<4>, Error> {
        let (content, style) = self.prepare(content, style)?;
        let image = resized(image, content.dimensions());
        let (vgg, objective) = self.objective(&content, &style, None)?;
        let image = to_tensor(&image, &self.device());
        let (_, _, grad) = descent_direction(&objective, vgg, image)?;
        Ok(grad.gradient)
    }

    /// The model and the targets of the prepared `content` and `style`; with `dtype`, the
    /// losses are computed in it.
    pub(crate) fn objective(
        &self,
        content: &RgbImage,
        style: &RgbImage,
        dtype: Option<DType>,
    ) -> Result<(&Vgg16, Objective), Error> {
        let vgg = self.model()?;
        let device = self.device();
        let objective = Objective::new(
            &self.config,
            vgg,
            to_tensor(content, &device),
            to_tensor(style, &device),
            dtype,
        );
        Ok((vgg, objective))
    }

    /// The autodiff device everything runs on.
    pub(crate) fn device(&self) -> Device {
        self.config.device.clone().autodiff()
    }

    /// Validates the config, resizes the inputs as it asks and checks that they are large
    /// enough.
    pub(crate) fn prepare(
        &self,
        content: &RgbImage,
        style: &RgbImage,
    ) -> Result<(RgbImage, RgbImage), Error> {
        self.config.validate()?;
        for (which, image) in [("content", content), ("style", style)] {
            if image.width() == 0 || image.height() == 0 {
                return Err(Error::Image {
                    which,
                    reason: "is empty (0 pixels)".into(),
                });
            }
        }
        let content = match self.config.size {
            Some(side) => {
                let (w, h) = content.dimensions();
                resized(content, fit_longest(w, h, f64::from(side))).into_owned()
            }
            None => content.clone(),
        };
        let style_side = match self.config.size {
            Some(_) => content.width().max(content.height()),
            None => style.width().max(style.height()),
        };
        let (w, h) = style.dimensions();
        let style_dims = fit_longest(w, h, f64::from(style_side) * self.config.style_scale);
        let style = resized(style, style_dims).into_owned();

        let min = Vgg16::min_input_side(&self.config.layers()) as u32;
        for (which, image) in [("content", &content), ("style", &style)] {
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
        }
        Ok((content, style))
    }

    fn initial_image(&self, content: &RgbImage) -> Result<Tensor<4>, Error> {
        let device = self.config.device.clone();
        let (w, h) = content.dimensions();
        Ok(match &self.config.init {
            Init::Noise { low, high } => {
                let mut rng = StdRng::seed_from_u64(self.config.seed);
                let values: Vec<f32> = (0..3 * w as usize * h as usize)
                    .map(|_| rng.random_range(*low..*high))
                    .collect();
                Tensor::from_data(
                    TensorData::new(values, [1, 3, h as usize, w as usize]),
                    &device,
                )
            }
            Init::Content => to_tensor(content, &device),
            Init::Image(path) => {
                let image = crate::load_rgb(path)?;
                to_tensor(&resized(&image, (w, h)), &device)
            }
        })
    }
}

/// An image and the gradient of the objective there, both without autodiff.
struct Gradient {
    image: Tensor<4>,
    gradient: Tensor<4>,
}

/// The loss terms, the total and its gradient at `x` (one forward and one backward pass).
fn descent_direction(
    objective: &Objective,
    vgg: &Vgg16,
    x: Tensor<4>,
) -> Result<(Terms, Tensor<1>, Gradient), Error> {
    let tracked = x.autodiff().require_grad();
    let terms = objective.terms(vgg, tracked.clone());
    let total = objective.total(&terms);
    let grads = total.backward();
    let Some(gradient) = tracked.grad(&grads) else {
        return Err(Error::Config(
            "no gradient reached the image: all weighted losses are constant".into(),
        ));
    };
    let image = tracked.inner();
    Ok((terms, total, Gradient { image, gradient }))
}

/// Copies the loss values to the host in one transfer and checks that they are finite.
fn read_losses(terms: &Terms, total: Tensor<1>, iteration: usize) -> Result<Losses, Error> {
    let values = Tensor::cat(
        vec![
            terms.content.clone().inner(),
            terms.style.clone().inner(),
            terms.denoise.clone().inner(),
            total.inner(),
        ],
        0,
    )
    .try_into_vec_as::<f64>()
    .map_err(|e| Error::Device(e.to_string()))?;
    let [content, style, denoise, total] = values[..] else {
        return Err(Error::Device(format!(
            "read {} losses, not 4",
            values.len()
        )));
    };
    let losses = Losses {
        content,
        style,
        denoise,
        total,
    };
    match [losses.content, losses.style, losses.denoise, losses.total]
        .into_iter()
        .find(|v| !v.is_finite())
    {
        Some(value) => Err(Error::NonFinite { iteration, value }),
        None => Ok(losses),
    }
}
