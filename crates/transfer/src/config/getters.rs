//! The configuration's getters, one per field, each named like its field.

use nst_vgg16::{Flavour, Layer, Pooling, Precision};

use super::{
    Init, MultiScale, Optimizer, PreserveColors, StyleLoss, StyleTransferConfig, Weighting,
};

macro_rules! getters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty => $get:expr),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $field(&self) -> $ty {
            let get: fn(&Self) -> $ty = $get;
            get(self)
        }
    )*};
}

impl StyleTransferConfig {
    getters! {
        /// Layers whose activations are matched to the content image's.
        content_layers: &[Layer] => |c| &c.content_layers,
        /// Layers whose statistics are matched to the style image's.
        style_layers: &[Layer] => |c| &c.style_layers,
        /// Which statistics the style term matches.
        style_loss: StyleLoss => |c| c.style_loss,
        /// Weight of the histogram term; 0 leaves it out.
        histogram_weight: f64 => |c| c.histogram_weight,
        /// Layers whose channels' histograms the histogram term matches.
        histogram_layers: &[Layer] => |c| &c.histogram_layers,
        /// One weight per style layer; `None` weighs them equally.
        style_layer_weights: Option<&[f64]> => |c| c.style_layer_weights.as_deref(),
        /// Weight of the content loss.
        content_weight: f64 => |c| c.content_weight,
        /// Weight of the style loss.
        style_weight: f64 => |c| c.style_weight,
        /// Weight of the total-variation (denoise) loss.
        denoise_weight: f64 => |c| c.denoise_weight,
        /// Weight of the photorealism term; 0 leaves it out.
        photorealism_weight: f64 => |c| c.photorealism_weight,
        /// Whether the result is smoothed towards the photo's local colour models.
        smooth: bool => |c| c.smooth,
        /// How the losses are combined into the objective.
        weighting: Weighting => |c| c.weighting,
        /// The optimiser.
        optimizer: Optimizer => |c| c.optimizer,
        /// The optimiser's step size, in 0–255 pixel levels.
        step_size: f64 => |c| c.step_size,
        /// The last step size as a fraction of the first.
        step_decay: f64 => |c| c.step_decay,
        /// Decay of the moving average of the iterates that becomes the result.
        average: f64 => |c| c.average,
        /// Curvature pairs L-BFGS remembers.
        history: usize => |c| c.history,
        /// Optimisation steps (at the final scale, with multi-scale).
        iterations: usize => |c| c.iterations,
        /// The starting image.
        init: &Init => |c| &c.init,
        /// Seed of the initial noise and of the sliced loss's draws.
        seed: u64 => |c| c.seed,
        /// Longest side of the content image after resizing; `None` keeps native sizes.
        size: Option<u32> => |c| c.size,
        /// The style image's size as a factor of the content's.
        style_scale: f64 => |c| c.style_scale,
        /// One weight per style image.
        style_blend: Option<&[f64]> => |c| c.style_blend.as_deref(),
        /// Whether each Gram matrix is divided by `H·W·C`.
        gram_normalize: bool => |c| c.gram_normalize,
        /// Whether, and how, the content image's colors are kept.
        preserve_colors: Option<PreserveColors> => |c| c.preserve_colors,
        /// The coarse-to-fine schedule, if any.
        multiscale: Option<&MultiScale> => |c| c.multiscale.as_ref(),
        /// Pooling between VGG-16's blocks.
        pooling: Pooling => |c| c.pooling,
        /// The preprocessing the weights expect.
        flavour: Flavour => |c| c.flavour,
        /// What VGG-16 computes in on a GPU.
        precision: Precision => |c| c.precision,
    }
}
