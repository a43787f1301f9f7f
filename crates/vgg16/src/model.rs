use burn::module::Module;
use burn::nn::pool::AvgPool2dConfig;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::conv3x3::ConvRelu;
use crate::layer::POOL_AFTER;
use crate::max_pool::max_pool2x2;
use crate::precision::Precision;
use crate::{Error, Flavour, Layer};

/// The downsampling between VGG-16's blocks: 2×2 windows, stride 2, odd sizes floored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Max pooling, as VGG-16 was trained.
    #[default]
    Max,
    /// Average pooling, which Gatys et al. found gives smoother results.
    Avg,
}

impl std::str::FromStr for Pooling {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "max" => Ok(Pooling::Max),
            "avg" | "average" => Ok(Pooling::Avg),
            _ => Err(Error::from(crate::UnknownName {
                what: "pooling",
                name: s.to_owned(),
                expected: "max or avg",
            })),
        }
    }
}

/// VGG-16's 13 convolutions as a frozen feature extractor.
///
/// Each convolution (3×3, padding 1) is followed by a ReLU, and blocks are separated by 2×2
/// pooling. The weights never require gradients, so backpropagating through the model
/// computes the gradient of the input only.
#[derive(Module, Debug)]
pub struct Vgg16 {
    convs: Vec<ConvRelu>,
    #[module(skip)]
    pooling: Pooling,
    #[module(skip)]
    flavour: Flavour,
    #[module(skip)]
    weights_sha256: String,
    #[module(skip)]
    device: Device,
    /// What the layers compute in: `F32`, or `F16` on a GPU.
    #[module(skip)]
    dtype: DType,
}

impl Vgg16 {
    /// Builds the model from its 13 layers in forward order.
    ///
    /// The caller guarantees the shapes (see [`Vgg16::load`](crate::Vgg16::load), which
    /// checks them) and that every layer lives on `device`.
    pub(crate) fn from_layers(
        convs: Vec<ConvRelu>,
        flavour: Flavour,
        pooling: Pooling,
        weights_sha256: String,
        device: Device,
    ) -> Self {
        Self {
            convs,
            pooling,
            flavour,
            weights_sha256,
            device,
            dtype: DType::F32,
        }
        .no_grad()
    }

    /// This model computing in `precision` on its device: weights and activations cast to
    /// `f16` for [`Precision::F16`] (or `auto` on a device with cooperative matrices), the
    /// features it returns still `f32`. `f16` is refused where the device has none
    /// ([`Error::F16Unavailable`](crate::Error::F16Unavailable)).
    pub fn with_precision(mut self, precision: Precision) -> Result<Self, Error> {
        let dtype = precision.resolve(&self.device)?;
        if dtype != self.dtype {
            self.convs = self.convs.into_iter().map(|c| c.cast(dtype)).collect();
            self.dtype = dtype;
        }
        Ok(self)
    }

    /// The format the layers compute in: `f32`, or `f16` (see
    /// [`with_precision`](Self::with_precision)).
    pub fn precision(&self) -> Precision {
        match self.dtype {
            DType::F16 => Precision::F16,
            _ => Precision::F32,
        }
    }

    /// SHA-256 of the ONNX bytes the model was loaded from, in hex: what a recipe records.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// The device the model lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The preprocessing this model applies to its RGB 0–255 input.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The pooling between blocks.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// Returns a copy of this model with another pooling kind (the weights are shared).
    pub fn with_pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }

    /// Runs the model on `rgb`, a `[N, 3, H, W]` batch of RGB images with values in 0–255,
    /// and returns the post-ReLU activations of `layers`, in the order asked.
    ///
    /// Only the layers up to the deepest one asked for are computed. The activations are
    /// `f32` whatever the model's [`precision`](Self::precision).
    pub fn forward(&self, rgb: Tensor<4>, layers: &[Layer]) -> Vec<Tensor<4>> {
        let Some(deepest) = layers.iter().map(|layer| layer.index()).max() else {
            return Vec::new();
        };
        let mut outputs: Vec<Option<Tensor<4>>> = vec![None; deepest + 1];
        let mut x = self.flavour.apply(rgb);
        // `f16` from the preprocessed input on, the features back in `f32`. No loss scaling:
        // on the default objective the input gradient keeps a cosine of 1 − 4.3e-5 with the
        // `f32` one as it is, and 1 − 2.1e-5 scaled by 2¹⁰, but that scale overflowed `f16`'s
        // range (65,504) on a plain sum of the layers' mean squares (lavapipe, 2026-11-30).
        let half = self.dtype == DType::F16;
        if half {
            x = x.cast(DType::F16);
        }
        for (index, conv) in self.convs.iter().enumerate().take(deepest + 1) {
            x = conv.forward(x);
            if layers.iter().any(|layer| layer.index() == index) {
                outputs[index] = Some(match half {
                    true => x.clone().cast(DType::F32),
                    false => x.clone(),
                });
            }
            if index < deepest && POOL_AFTER.contains(&index) {
                x = self.pool(x);
            }
        }
        layers
            .iter()
            .filter_map(|layer| outputs[layer.index()].clone())
            .collect()
    }

    /// The smallest image side for which every pooling before the deepest of `layers` still
    /// has a full 2×2 window: 1 for block 1, 2 for block 2, … 16 for block 5.
    pub fn min_input_side(layers: &[Layer]) -> usize {
        let deepest = layers.iter().map(|layer| layer.index()).max().unwrap_or(0);
        1 << POOL_AFTER.iter().filter(|&&pool| pool < deepest).count()
    }

    /// Brings a map at the input's resolution (`[N, C, H, W]`, such as a region mask) to the
    /// resolution of `layer`'s activations, average pooling it 2×2 wherever the model pools.
    pub fn downsample_to(map: Tensor<4>, layer: Layer) -> Tensor<4> {
        let pools = layer.pools_before();
        let pool = AvgPool2dConfig::new([2, 2]).init();
        (0..pools).fold(map, |map, _| pool.forward(map))
    }

    fn pool(&self, x: Tensor<4>) -> Tensor<4> {
        match self.pooling {
            Pooling::Max => max_pool2x2(x),
            Pooling::Avg => AvgPool2dConfig::new([2, 2]).init().forward(x),
        }
    }
}

#[cfg(test)]
mod tests;
