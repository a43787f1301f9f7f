//! The configuration of a run, and the option types it is made of. Nothing here depends on
//! how a run is carried out.

mod color;
mod init;
mod multiscale;
mod optimizer;
mod weighting;

pub use color::PreserveColors;
pub use init::Init;
pub use multiscale::MultiScale;
pub use optimizer::Optimizer;
pub use weighting::Weighting;

use std::path::PathBuf;

use burn::tensor::Device;
use nst_vgg16::{Flavour, Layer, Pooling};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Everything a style transfer run depends on.
///
/// The `Default` is the `fast` preset. Serialisable (except the device), so a
/// run can be recorded and replayed; build and validate one with [`StyleTransferConfig::builder`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StyleTransferConfig {
    /// Layers whose activations are matched to the content image's.
    pub content_layers: Vec<Layer>,
    /// Layers whose Gram matrices are matched to the style image's.
    pub style_layers: Vec<Layer>,
    /// One weight per style layer; `None` weighs them equally.
    pub style_layer_weights: Option<Vec<f64>>,
    /// Weight of the content loss in the normalised sum.
    pub content_weight: f64,
    /// Weight of the style loss in the normalised sum.
    pub style_weight: f64,
    /// Weight of the total-variation (denoise) loss in the normalised sum.
    pub denoise_weight: f64,
    /// How the three losses are combined into the objective.
    pub weighting: Weighting,
    /// The optimiser.
    pub optimizer: Optimizer,
    /// The optimiser's step size, in 0–255 pixel levels: per standard deviation of the
    /// gradient (normalized descent), the learning rate (adam), or the largest pixel change of
    /// a gradient step (lbfgs's first step and restarts).
    pub step_size: f64,
    /// The step size at the last iteration as a fraction of `step_size`, reached
    /// geometrically (normalized descent and adam; 1 keeps it constant).
    pub step_decay: f64,
    /// Decay of the exponential moving average of the iterates that becomes the result; 0
    /// returns the last iterate.
    pub average: f64,
    /// Curvature pairs L-BFGS remembers.
    pub history: usize,
    /// Number of optimisation steps (at the final scale, with `multiscale`).
    pub iterations: usize,
    /// The starting image.
    pub init: Init,
    /// Seed of the initial noise.
    pub seed: u64,
    /// Longest side of the content image after resizing (Lanczos3); `None` keeps native sizes.
    pub size: Option<u32>,
    /// The style image is resized to the content's longest side times this factor (with
    /// `size: None`, its own longest side times this factor).
    pub style_scale: f64,
    /// One weight per style image, when there are several; their Gram targets are blended
    /// with these weights (normalised to sum to 1). `None` weighs them equally.
    pub style_blend: Option<Vec<f64>>,
    /// Divide each Gram matrix by `H·W·C`.
    pub gram_normalize: bool,
    /// Keep the content image's colors.
    pub preserve_colors: Option<PreserveColors>,
    /// Coarse-to-fine: optimise at growing sizes up to `size`, each warm-started from the last.
    pub multiscale: Option<MultiScale>,
    /// Pooling between VGG-16's blocks.
    pub pooling: Pooling,
    /// The preprocessing the weights expect.
    pub flavour: Flavour,
    /// An ONNX file of VGG-16 weights; `None` uses [`nst_vgg16::weights::resolve`].
    pub weights: Option<PathBuf>,
    /// Evaluate VGG-16 in tiles that own `tile`×`tile` pixels (rounded down to a multiple of
    /// the deepest layer's stride, 16 for conv5_x) and read a halo around them as wide as the
    /// deepest layer's receptive field (80 px for conv5_1): peak memory is then one tile's
    /// activations plus the image-sized tensors. Gram matrices, losses and gradients are the
    /// whole image's, up to float rounding. `None` evaluates the image at once.
    #[serde(default)]
    pub tile: Option<u32>,
    /// The device to run on (CPU by default).
    #[serde(skip, default = "Device::flex")]
    pub device: Device,
}

impl Default for StyleTransferConfig {
    fn default() -> Self {
        Self {
            content_layers: vec![Layer::from_index(4).expect("conv3_1 exists")],
            style_layers: Layer::all().collect(),
            style_layer_weights: None,
            content_weight: 1.5,
            style_weight: 60.0,
            denoise_weight: 0.3,
            weighting: Weighting::Initial,
            optimizer: Optimizer::Lbfgs,
            step_size: 10.0,
            step_decay: 1.0,
            average: 0.0,
            history: 100,
            iterations: 8,
            init: Init::default(),
            seed: 0,
            size: Some(512),
            style_scale: 1.0,
            style_blend: None,
            gram_normalize: false,
            preserve_colors: None,
            multiscale: Some(MultiScale {
                iterations_per_scale: Some(16),
                ..MultiScale::default()
            }),
            pooling: Pooling::Max,
            flavour: Flavour::Caffe,
            weights: None,
            tile: None,
            device: Device::flex(),
        }
    }
}

impl StyleTransferConfig {
    /// Every layer the run needs, each once, in forward order.
    pub fn layers(&self) -> Vec<Layer> {
        let mut layers: Vec<Layer> = self
            .content_layers
            .iter()
            .chain(&self.style_layers)
            .copied()
            .collect();
        layers.sort();
        layers.dedup();
        layers
    }

    /// Checks every field; the error names the first one that is wrong.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |message: String| Err(Error::Config(message));
        if self.style_layers.is_empty() {
            return invalid("style_layers is empty: name at least one layer".into());
        }
        for (name, value) in [
            ("content_weight", self.content_weight),
            ("style_weight", self.style_weight),
            ("denoise_weight", self.denoise_weight),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(format!("{name} must be a finite number ≥ 0, got {value}"));
            }
        }
        if self.content_weight + self.style_weight + self.denoise_weight == 0.0 {
            return invalid("content, style and denoise weights are all 0".into());
        }
        if self.content_weight > 0.0 && self.content_layers.is_empty() {
            return invalid("content_layers is empty but content_weight is not 0".into());
        }
        if !(self.step_size.is_finite() && self.step_size > 0.0) {
            return invalid(format!("step_size must be > 0, got {}", self.step_size));
        }
        if !(self.step_decay.is_finite() && self.step_decay > 0.0) {
            return invalid(format!("step_decay must be > 0, got {}", self.step_decay));
        }
        if !(0.0..1.0).contains(&self.average) {
            return invalid(format!("average must be in [0, 1), got {}", self.average));
        }
        if self.optimizer == Optimizer::Lbfgs {
            if self.history == 0 {
                return invalid("history must be ≥ 1 for lbfgs".into());
            }
            if self.weighting == Weighting::Normalized {
                return invalid(
                    "weighting `normalized` rescales the objective every iteration, which \
                     breaks lbfgs's line search: use weighting `initial` or `raw`"
                        .into(),
                );
            }
        }
        if self.multiscale.is_some() && self.weighting == Weighting::Normalized {
            return invalid(
                "weighting `normalized` makes each scale's balance of content and style depend \
                 on the image it starts from, and a coarse-to-fine run then loses the content: \
                 use weighting `initial` or `raw` with multiscale"
                    .into(),
            );
        }
        if let Some(blend) = &self.style_blend {
            if let Some(w) = blend.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return invalid(format!(
                    "style_blend weights must be finite and ≥ 0, got {w}"
                ));
            }
            if blend.iter().sum::<f64>() <= 0.0 {
                return invalid("style_blend weights are all 0".into());
            }
        }
        if let Some(multiscale) = &self.multiscale {
            multiscale.validate()?;
        }
        if !(self.style_scale.is_finite() && self.style_scale > 0.0) {
            return invalid(format!("style_scale must be > 0, got {}", self.style_scale));
        }
        if self.size == Some(0) {
            return invalid("size must be ≥ 1 (use no size to keep native sizes)".into());
        }
        if self.tile == Some(0) {
            return invalid("tile must be ≥ 1 pixel (use no tile to evaluate images whole)".into());
        }
        if let Some(weights) = &self.style_layer_weights {
            if weights.len() != self.style_layers.len() {
                return invalid(format!(
                    "style_layer_weights has {} values for {} style layers",
                    weights.len(),
                    self.style_layers.len()
                ));
            }
            if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return invalid(format!(
                    "style layer weights must be finite and ≥ 0, got {w}"
                ));
            }
        }
        if let Init::Noise { low, high } = self.init
            && !(low.is_finite() && high.is_finite() && low < high)
        {
            return invalid(format!(
                "noise range [{low}, {high}) is empty or not finite"
            ));
        }
        Ok(())
    }
}
