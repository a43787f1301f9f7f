//! The histogram term (Risser et al., 2017): how far each channel of the image's features is
//! from its histogram-matched version, at a few layers.

use burn::tensor::{DType, Tensor};
use nst_losses::HistogramLoss;
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Loss, Value, cast, flat, layer_mean};
use crate::Error;

/// The mean over the histogram layers of the mean squared distance to the features
/// histogram-matched to the style's.
pub(crate) struct HistogramTerm {
    layers: Vec<(Layer, HistogramLoss)>,
}

impl HistogramTerm {
    /// Targets from the whole `style` image's activations at `layers`.
    pub fn new(
        vgg: &Vgg16,
        style: Tensor<4>,
        layers: &[Layer],
        dtype: Option<DType>,
    ) -> Result<Self, Error> {
        let features = vgg.forward(style, layers);
        let mut terms = Vec::with_capacity(layers.len());
        for (&layer, f) in layers.iter().zip(features) {
            terms.push((layer, HistogramLoss::new(cast(f, dtype))?));
        }
        Ok(Self { layers: terms })
    }
}

impl Loss for HistogramTerm {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _)| *layer).collect()
    }

    /// The activations themselves, `[1, C, H·W]`.
    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>> {
        self.layers
            .iter()
            .map(|(layer, _)| flat(activations.layer(*layer)))
            .collect()
    }

    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        let mut per_layer = Vec::with_capacity(self.layers.len());
        for ((layer, loss), features) in self.layers.iter().zip(sums) {
            let [_, c, n] = features.dims();
            per_layer.push((*layer, loss.forward(features.reshape([1, c, n, 1]))?));
        }
        Ok(layer_mean(image, per_layer, std::iter::repeat(1.0)))
    }
}
