//! A style transfer session: the configuration, what a run opens and where it runs, the
//! model it loads once, and runs over one or more scales; what observers, scores and
//! checkpoints see of a run.

pub(crate) mod checkpoint;
pub(crate) mod memory;
pub(crate) mod observer;
pub(crate) mod score;
pub(crate) mod sections;

mod run;

use std::sync::{Arc, Mutex, PoisonError};

use burn::tensor::{DType, Device};
use image::RgbImage;
use nst_vgg16::{Precision, Vgg16, WeightsSource};

use crate::objective::{Evaluation, Objective};
use crate::prepare::masks::StyleMasks;
use crate::prepare::pixels::to_tensor;
use crate::{Error, StyleTransferConfig};

/// A style transfer session: a valid configuration, what a run opens and where it runs, and
/// the VGG-16 model, loaded once and shared.
///
/// The session is `Send + Sync`: one session, one model in memory, serves runs on many
/// threads at once (each run has its own state). The configuration is data; the weights
/// ([`with_weights`](Self::with_weights), the standard cache by default), the device
/// ([`with_device`](Self::with_device), the CPU by default), tiles, an initial image and
/// style masks are given to the session.
///
/// ```no_run
/// use nst_transfer::{StyleTransfer, StyleTransferConfig, WeightsSource};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (content, style) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
/// let config = StyleTransferConfig::builder().iterations(60).size(Some(256)).build()?;
/// let session = StyleTransfer::new(config).with_weights(WeightsSource::Path("vgg16.onnx".into()));
/// let result = session.run(&content, &style)?;
/// # Ok(())
/// # }
/// ```
pub struct StyleTransfer {
    config: StyleTransferConfig,
    device: Device,
    weights: WeightsSource,
    tile: Option<u32>,
    init_image: Option<RgbImage>,
    masks: Option<StyleMasks>,
    /// The model once loaded; the lock makes threads that need it first wait for one load.
    model: Mutex<Option<Arc<Vgg16>>>,
}

impl StyleTransfer {
    /// A session for `config` on the CPU, loading the weights from the standard cache on
    /// first use (see [`WeightsSource::Cache`]).
    pub fn new(config: StyleTransferConfig) -> Self {
        Self {
            config,
            device: Device::flex(),
            weights: WeightsSource::Cache,
            tile: None,
            init_image: None,
            masks: None,
            model: Mutex::new(None),
        }
    }

    /// A session that runs on `model`'s device with `model`, which many sessions may share.
    ///
    /// The model must live on an autodiff device and expect the configuration's input
    /// flavour; its pooling and precision are the configuration's (a copy sharing the weights
    /// when the pooling differs, a cast copy when the precision does). The recipe of such a run records the model's weights
    /// ([`Vgg16::weights_sha256`]).
    pub fn with_model(config: StyleTransferConfig, model: Arc<Vgg16>) -> Result<Self, Error> {
        if !model.device().is_autodiff() {
            return Err(Error::Model(format!(
                "lives on {:?}, which has no autodiff: load it on `device.autodiff()`",
                model.device()
            )));
        }
        if model.flavour() != config.flavour() {
            return Err(Error::Model(format!(
                "expects {:?} input, but the configuration's flavour is {:?}",
                model.flavour(),
                config.flavour()
            )));
        }
        let model = if model.pooling() == config.pooling() {
            model
        } else {
            Arc::new(Vgg16::clone(&model).with_pooling(config.pooling()))
        };
        let wanted = config.precision().resolve(model.device())?;
        let model = match (model.precision(), wanted) {
            (Precision::F32, DType::F16) => {
                Arc::new(Vgg16::clone(&model).with_precision(Precision::F16)?)
            }
            (Precision::F16, DType::F32) => {
                return Err(Error::Model(
                    "holds f16 weights but the configuration asks for f32: load it in f32, \
                     sessions cast it"
                        .into(),
                ));
            }
            _ => model,
        };
        Ok(Self {
            device: model.device().clone(),
            model: Mutex::new(Some(model)),
            ..Self::new(config)
        })
    }

    /// This session on `device` (a Burn device: `Device::flex()` for the CPU, a wgpu or
    /// CUDA device for a GPU).
    pub fn with_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// This session loading its model from `weights` (the standard cache by default).
    pub fn with_weights(mut self, weights: WeightsSource) -> Self {
        self.weights = weights;
        self
    }

    /// This session evaluating VGG-16 in tiles that own `tile`×`tile` pixels (rounded down to
    /// a multiple of the deepest layer's stride, 16 for conv5_x) and read a halo around them
    /// as wide as the deepest layer's receptive field (80 px for conv5_1): peak memory is
    /// then one tile's activations plus the image-sized tensors. Gram matrices, losses and
    /// gradients are the whole image's, up to float rounding. `None` (the default) evaluates
    /// images whole; `Some(0)` is treated as the smallest tile.
    pub fn with_tile(mut self, tile: Option<u32>) -> Self {
        self.tile = tile;
        self
    }

    /// This session starting from `image` when the configuration's init is
    /// [`Init::Image`](crate::Init::Image) (resized to the content's size).
    pub fn with_init_image(mut self, image: RgbImage) -> Self {
        self.init_image = Some(image);
        self
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
    /// # let (content, a, b) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
    /// let (sky, ground) = (image::open("sky.png")?.to_luma8(), image::open("ground.png")?.to_luma8());
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

    /// The device runs use (with autodiff).
    pub fn device(&self) -> Device {
        self.device.clone().autodiff()
    }

    /// Where the model is loaded from, unless it was given ([`with_model`](Self::with_model)).
    pub fn weights(&self) -> &WeightsSource {
        &self.weights
    }

    /// The tile side, if images are evaluated in tiles.
    pub fn tile(&self) -> Option<u32> {
        self.tile
    }

    /// The model, loading it on first call from [`weights`](Self::weights) (never
    /// downloading: see [`WeightsSource`]). Threads that ask at once wait for one load.
    pub fn model(&self) -> Result<Arc<Vgg16>, Error> {
        let mut slot = self.model.lock().unwrap_or_else(PoisonError::into_inner);
        let model = match slot.as_ref() {
            Some(model) => Arc::clone(model),
            None => {
                let model = Arc::new(
                    Vgg16::load(
                        &self.weights,
                        self.config.flavour,
                        self.config.pooling,
                        &self.device(),
                    )?
                    .with_precision(self.config.precision)?,
                );
                *slot = Some(Arc::clone(&model));
                model
            }
        };
        if *model.device() != self.device() {
            return Err(Error::Model(format!(
                "lives on {:?} but the session runs on {:?}",
                model.device(),
                self.device()
            )));
        }
        Ok(model)
    }

    /// The model and the objective of the prepared `content` and `styles`; with `dtype`, the
    /// losses are computed in it.
    pub(crate) fn objective(
        &self,
        content: &RgbImage,
        styles: &[RgbImage],
        blend: &[f64],
        dtype: Option<DType>,
    ) -> Result<(Arc<Vgg16>, Objective), Error> {
        let vgg = self.model()?;
        let device = self.device();
        let masks = match &self.masks {
            Some(masks) => Some(masks.tensors(styles.len(), content.dimensions(), &device)?),
            None => None,
        };
        let objective = Objective::new(
            &self.config,
            &vgg,
            to_tensor(content, &device),
            styles.iter().map(|s| to_tensor(s, &device)).collect(),
            blend,
            masks.as_deref(),
            Evaluation {
                tile: self.tile,
                dtype,
            },
        )?;
        Ok((vgg, objective))
    }

    /// The style masks, if the session has them.
    pub(crate) fn style_masks(&self) -> Option<&StyleMasks> {
        self.masks.as_ref()
    }

    /// The image a run of [`Init::Image`](crate::Init::Image) starts from.
    pub(crate) fn init_image(&self) -> Option<&RgbImage> {
        self.init_image.as_ref()
    }
}
