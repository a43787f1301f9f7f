//! Named starting points for a configuration.

use serde::{Deserialize, Serialize};

use crate::{
    Error, Init, Layer, Optimizer, StyleTransferConfig, StyleTransferConfigBuilder, Weighting,
};

/// The `photo` preset's photorealism weight, beside content and style weights of 1.5 and 60
/// divided by their values at each scale's start (BENCHMARKS.md, "Photographs").
const PHOTOREALISM_WEIGHT: f64 = 1e4;

/// A named recipe; every field can still be overridden.
///
/// ```
/// use nst_transfer::{Optimizer, Preset, StyleTransferConfig};
/// let gatys = Preset::Gatys.builder().iterations(200).build().unwrap();
/// assert_eq!(gatys.optimizer(), Optimizer::Lbfgs);
/// assert_eq!(gatys.iterations(), 200);
/// assert_eq!(Preset::Fast.config().style_weight(), StyleTransferConfig::default().style_weight());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// A finished image in about 40 full-size iterations' time: coarse to fine from 128 px by
    /// √2 (16 L-BFGS iterations per smaller scale, 8 at the final size), content conv3_1,
    /// all 13 style layers, the losses divided by their values at each scale's start
    /// (weights 1.5, 60, 0.3), a grey noise start. On three photo/painting pairs at 512 px it
    /// scores at least as well as `normalized`'s 100 full-size iterations (BENCHMARKS.md).
    #[default]
    Fast,
    /// Normalised losses descended by normalised gradient descent: content conv3_1, all 13
    /// style layers, each loss divided by its current value (weights 1.5, 10, 0.3), a grey
    /// noise start and steps of 10 pixel levels per gradient standard deviation, decaying to
    /// a tenth over the run, the result an average of the iterates (decay 0.9).
    /// `step_decay: 1.0, average: 0.0` is the recipe this project began from.
    // Recipes written before the rename call it `seed`.
    #[serde(alias = "seed")]
    Normalized,
    /// Gatys et al. (2016) as jcjohnson/neural-style runs it: content conv4_2, style
    /// conv1_1 … conv5_1, Gram matrices divided by `H·W·C`, a start from the content image,
    /// L-BFGS on the raw weighted sum, and neural-style's weights for 0–255 inputs (content
    /// 5, style 100 per layer, total variation 1e-3).
    Gatys,
    /// A photo in the style of another photo, after Luan et al. (2017): content conv4_2,
    /// style conv1_1 … conv5_1, the photo as the start, coarse to fine as `fast` does, the
    /// losses divided by their values at each scale's start, and the photorealism term (the
    /// local-affine residual per pixel against the photo's matting Laplacian) beside them,
    /// then the result smoothed towards the photo's local colour models. Straight edges stay
    /// straight and skies stay smooth.
    Photo,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 4] = [
        Preset::Fast,
        Preset::Normalized,
        Preset::Gatys,
        Preset::Photo,
    ];

    /// The preset's configuration.
    pub fn config(self) -> StyleTransferConfig {
        match self {
            Preset::Fast => StyleTransferConfig::default(),
            Preset::Normalized => StyleTransferConfig {
                style_weight: 10.0,
                weighting: Weighting::Normalized,
                optimizer: Optimizer::NormalizedDescent,
                step_decay: 0.1,
                average: 0.9,
                iterations: 100,
                multiscale: None,
                ..StyleTransferConfig::default()
            },
            Preset::Gatys => {
                let layer = |name| Layer::parse(name).expect("a VGG-16 layer name");
                StyleTransferConfig {
                    content_layers: vec![layer("conv4_2")],
                    style_layers: ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
                        .map(layer)
                        .to_vec(),
                    gram_normalize: true,
                    init: Init::Content,
                    optimizer: Optimizer::Lbfgs,
                    weighting: Weighting::Raw,
                    content_weight: 5.0,
                    // neural-style sums the layers' style losses; ours is their mean.
                    style_weight: 500.0,
                    denoise_weight: 1e-3,
                    step_size: 10.0,
                    step_decay: 1.0,
                    average: 0.0,
                    iterations: 300,
                    multiscale: None,
                    ..StyleTransferConfig::default()
                }
            }
            Preset::Photo => {
                // Gatys's layers (Luan et al.'s), on `fast`'s schedule and weighting.
                let gatys = Preset::Gatys.config();
                StyleTransferConfig {
                    content_layers: gatys.content_layers,
                    style_layers: gatys.style_layers,
                    init: Init::Content,
                    denoise_weight: 0.0,
                    photorealism_weight: PHOTOREALISM_WEIGHT,
                    smooth: true,
                    ..StyleTransferConfig::default()
                }
            }
        }
    }

    /// A builder starting from the preset.
    pub fn builder(self) -> StyleTransferConfigBuilder {
        StyleTransferConfigBuilder::from(self.config())
    }

    /// The preset's name, as [`FromStr`](std::str::FromStr) reads it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Fast => "fast",
            Preset::Normalized => "normalized",
            Preset::Gatys => "gatys",
            Preset::Photo => "photo",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        super::by_name(
            &Self::ALL,
            Self::name,
            s,
            ("preset", "fast, normalized, gatys or photo"),
        )
    }
}
