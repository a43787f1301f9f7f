//! The sliced Wasserstein style term: how far the image's feature distributions are from the
//! style's along random directions.

use burn::tensor::{DType, Tensor};
use nst_losses::{SLICED_MAX_PIXELS, SlicedLoss, directions, pixel_subset};
use nst_vgg16::{Layer, Vgg16};

use super::style::StyleLayers;
use super::term::{Activations, Loss, Value, cast, flat, layer_mean};
use crate::Error;

/// The weighted mean over the style layers of the sliced Wasserstein distance, along as many
/// directions as the layer has channels, drawn from the run's seed and the evaluation; a
/// layer with more than [`SLICED_MAX_PIXELS`] pixels compares that many of the image's and of
/// the style's, drawn the same way.
pub(crate) struct SlicedTerm {
    /// Each layer, its weight and its loss.
    layers: Vec<(Layer, f64, SlicedLoss)>,
    seed: u64,
}

impl SlicedTerm {
    /// A target from the whole `style` image's activations.
    pub fn new(
        vgg: &Vgg16,
        style: Tensor<4>,
        layers: StyleLayers,
        seed: u64,
        dtype: Option<DType>,
    ) -> Self {
        let features = vgg.forward(style, layers.layers);
        let weights = layers.weights();
        Self {
            layers: layers
                .layers
                .iter()
                .zip(weights)
                .zip(features)
                .map(|((&layer, weight), f)| (layer, weight, SlicedLoss::new(cast(f, dtype))))
                .collect(),
            seed,
        }
    }
}

impl Loss for SlicedTerm {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _, _)| *layer).collect()
    }

    /// The activations themselves, `[1, C, H·W]`.
    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>> {
        self.layers
            .iter()
            .map(|(layer, _, _)| flat(activations.layer(*layer)))
            .collect()
    }

    /// The per-layer values are before the layer weights.
    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, draw: u64) -> Result<Value, Error> {
        let mut per_layer = Vec::with_capacity(self.layers.len());
        for ((layer, _, loss), features) in self.layers.iter().zip(sums) {
            let [_, c, n] = features.dims();
            let x = features.reshape([1, c, n, 1]);
            let key = layer.index() as u64;
            let d = directions(self.seed, draw, key, c, c);
            let d = SlicedLoss::directions_tensor(d, c, &x);
            let m = loss.pixels();
            let value = match n.max(m) > SLICED_MAX_PIXELS {
                true => {
                    let image = pixel_subset(self.seed, draw, key, n, SLICED_MAX_PIXELS);
                    // The style's own draw: another stream than the image's.
                    let style = pixel_subset(!self.seed, draw, key, m, SLICED_MAX_PIXELS);
                    let (x, loss) = loss.sample(x, &image, &style);
                    loss.forward(x, d)?
                }
                false => loss.forward(x, d)?,
            };
            per_layer.push((*layer, value));
        }
        let weights = self.layers.iter().map(|(_, weight, _)| *weight);
        Ok(layer_mean(image, per_layer, weights))
    }
}
