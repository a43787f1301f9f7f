//! The content term: how far the image's activations are from the content photo's.

use burn::tensor::{DType, Tensor};
use nst_losses::ContentLoss;
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Loss, Value, layer_mean};
use super::tiled::{each_tile, stitch, tiles};
use crate::Error;
use crate::objective::tiling::Tiling;

/// The mean over the content layers of the mean squared activation difference.
pub(crate) struct ContentTerm {
    layers: Vec<(Layer, ContentLoss)>,
}

impl ContentTerm {
    /// Targets from the content image's activations at `layers`, computed tile by tile with
    /// `tiling`.
    pub fn new(
        vgg: &Vgg16,
        content: Tensor<4>,
        layers: &[Layer],
        tiling: Option<&Tiling>,
        dtype: Option<DType>,
    ) -> Self {
        let mut parts = vec![Vec::new(); layers.len()];
        let tiles = tiles(&content, tiling);
        each_tile(vgg, &content, (layers, dtype), &tiles, |activations| {
            for (part, &layer) in parts.iter_mut().zip(layers) {
                part.push((activations.window(layer), activations.layer(layer)));
            }
        });
        Self {
            layers: layers
                .iter()
                .zip(parts)
                .map(|(&layer, parts)| (layer, ContentLoss::new(stitch(parts))))
                .collect(),
        }
    }
}

impl Loss for ContentTerm {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _)| *layer).collect()
    }

    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>> {
        self.layers
            .iter()
            .map(|(layer, loss)| {
                let part = activations.layer(*layer);
                let window = activations.window(*layer);
                loss.partial(part, &window).reshape([1, 1, 1])
            })
            .collect()
    }

    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        let per_layer = self
            .layers
            .iter()
            .zip(sums)
            .map(|((layer, loss), sum)| (*layer, loss.from_partials(sum.reshape([1]))))
            .collect();
        Ok(layer_mean(image, per_layer, std::iter::repeat(1.0)))
    }
}
