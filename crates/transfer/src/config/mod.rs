//! The configuration of a run, and the option types it is made of. Nothing here depends on
//! how a run is carried out.

mod builder;
mod getters;
mod init;
mod multiscale;
mod optimizer;
mod preserve_colors;
mod preset;
mod style_loss;
mod validate;
mod weighting;

pub use builder::StyleTransferConfigBuilder;
pub use init::Init;
pub use multiscale::MultiScale;
pub use optimizer::Optimizer;
pub use preserve_colors::PreserveColors;
pub use preset::Preset;
pub use style_loss::StyleLoss;
pub use weighting::Weighting;

use nst_vgg16::{Flavour, Layer, Pooling, Precision};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// Everything a style transfer run depends on, as data: a configuration that exists is valid.
///
/// The `Default` is the `fast` preset; [`StyleTransferConfig::builder`] and
/// [`Preset::builder`](crate::Preset::builder) make others, and deserialising validates too,
/// so [`StyleTransfer::new`](crate::StyleTransfer::new) never sees an invalid one. It names no
/// file and no device: what a run opens or where it runs (the weights, the device, an initial
/// image, tiles) is given to the [`StyleTransfer`](crate::StyleTransfer) session, so reading
/// a recipe from a stranger opens nothing. Each field has a getter of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", default, deny_unknown_fields)]
pub struct StyleTransferConfig {
    /// Layers whose activations are matched to the content image's.
    pub(crate) content_layers: Vec<Layer>,
    /// Layers whose statistics are matched to the style image's.
    pub(crate) style_layers: Vec<Layer>,
    /// Which statistics the style term matches.
    pub(crate) style_loss: StyleLoss,
    /// Weight of the histogram term (Risser et al., 2017), which adds to the style term; 0
    /// leaves it out.
    pub(crate) histogram_weight: f64,
    /// Layers whose channels' histograms the histogram term matches.
    pub(crate) histogram_layers: Vec<Layer>,
    /// One weight per style layer; `None` weighs them equally.
    pub(crate) style_layer_weights: Option<Vec<f64>>,
    /// Weight of the content loss in the normalised sum.
    pub(crate) content_weight: f64,
    /// Weight of the style loss in the normalised sum.
    pub(crate) style_weight: f64,
    /// Weight of the total-variation (denoise) loss in the normalised sum.
    pub(crate) denoise_weight: f64,
    /// Weight of Luan et al.'s photorealism term, the local-affine residual per pixel of the
    /// image against the photo's matting Laplacian; 0 leaves it out. The term is never
    /// divided by its own value (it is already per pixel, in 0–1 units): its weight means the
    /// same with every weighting.
    pub(crate) photorealism_weight: f64,
    /// Smooth the result towards the photo's local colour models (Li et al., 2018), by
    /// conjugate gradients on the same Laplacian.
    pub(crate) smooth: bool,
    /// How the losses are combined into the objective.
    pub(crate) weighting: Weighting,
    /// The optimiser.
    pub(crate) optimizer: Optimizer,
    /// The optimiser's step size, in 0–255 pixel levels: per standard deviation of the
    /// gradient (normalized descent), the learning rate (adam), or the largest pixel change of
    /// a gradient step (lbfgs's first step and restarts).
    pub(crate) step_size: f64,
    /// The step size at the last iteration as a fraction of `step_size`, reached
    /// geometrically (normalized descent and adam; 1 keeps it constant).
    pub(crate) step_decay: f64,
    /// Decay of the exponential moving average of the iterates that becomes the result; 0
    /// returns the last iterate.
    pub(crate) average: f64,
    /// Curvature pairs L-BFGS remembers.
    pub(crate) history: usize,
    /// Number of optimisation steps (at the final scale, with `multiscale`).
    pub(crate) iterations: usize,
    /// The starting image.
    pub(crate) init: Init,
    /// Seed of the initial noise and of the sliced loss's draws.
    pub(crate) seed: u64,
    /// Longest side of the content image after resizing (Lanczos3); `None` keeps native sizes.
    pub(crate) size: Option<u32>,
    /// The style image is resized to the content's longest side times this factor (with
    /// `size: None`, its own longest side times this factor).
    pub(crate) style_scale: f64,
    /// One weight per style image, when there are several; their style targets are blended
    /// with these weights (normalised to sum to 1). `None` weighs them equally.
    pub(crate) style_blend: Option<Vec<f64>>,
    /// Divide each Gram matrix by `H·W·C`.
    pub(crate) gram_normalize: bool,
    /// Keep the content image's colors.
    pub(crate) preserve_colors: Option<PreserveColors>,
    /// Coarse-to-fine: optimise at growing sizes up to `size`, each warm-started from the last.
    pub(crate) multiscale: Option<MultiScale>,
    /// Pooling between VGG-16's blocks.
    pub(crate) pooling: Pooling,
    /// The preprocessing the weights expect.
    pub(crate) flavour: Flavour,
    /// What VGG-16 computes in on a GPU (the CPU computes in `f32`). Missing in a recipe
    /// written before precisions existed, which ran in `f32`: read as `f32`.
    #[serde(default)]
    pub(crate) precision: Precision,
}

/// Serialises every field (the derive, through `remote = "Self"`).
impl Serialize for StyleTransferConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StyleTransferConfig::serialize(self, serializer)
    }
}

/// Deserialises the fields (missing ones take the defaults) and validates the result.
impl<'de> Deserialize<'de> for StyleTransferConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let config = StyleTransferConfig::deserialize(deserializer)?;
        config.validate().map_err(serde::de::Error::custom)?;
        Ok(config)
    }
}

/// The one of `all` whose `name` is `s` (ignoring case), or an error naming `what` was asked
/// for and what is `expected`.
fn by_name<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    s: &str,
    (what, expected): (&'static str, &'static str),
) -> Result<T, Error> {
    all.iter()
        .copied()
        .find(|&t| name(t).eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            Error::from(nst_vgg16::UnknownName {
                what,
                name: s.to_owned(),
                expected,
            })
        })
}

impl Default for StyleTransferConfig {
    fn default() -> Self {
        Self {
            content_layers: vec![Layer::from_index(4).expect("conv3_1 exists")],
            style_layers: Layer::all().collect(),
            style_loss: StyleLoss::Gram,
            histogram_weight: 0.0,
            // Risser et al.'s relu1_1 and relu4_1.
            histogram_layers: ["conv1_1", "conv4_1"]
                .map(|name| name.parse().expect("VGG-16 has conv1_1 and conv4_1"))
                .to_vec(),
            style_layer_weights: None,
            content_weight: 1.5,
            style_weight: 60.0,
            denoise_weight: 0.3,
            photorealism_weight: 0.0,
            smooth: false,
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
            precision: Precision::Auto,
        }
    }
}

impl StyleTransferConfig {
    /// Every layer the run needs, each once, in forward order.
    pub fn layers(&self) -> Vec<Layer> {
        let histogram = match self.histogram_weight > 0.0 {
            true => &self.histogram_layers[..],
            false => &[],
        };
        let mut layers: Vec<Layer> = self
            .content_layers
            .iter()
            .chain(&self.style_layers)
            .chain(histogram)
            .copied()
            .collect();
        layers.sort();
        layers.dedup();
        layers
    }

    /// Whether its terms can be evaluated in tiles: not with the sliced style loss or the
    /// histogram term, which compare whole distributions (sorted values do not add up over
    /// tiles).
    pub fn tiles(&self) -> bool {
        self.style_loss != StyleLoss::Sliced && self.histogram_weight == 0.0
    }
}
