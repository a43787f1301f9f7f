//! The style term: how far the image's Gram matrices are from the style images' (blended).

use burn::tensor::{DType, Tensor};
use nst_losses::{StyleLoss, gram};
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Loss, Value, cast, layer_mean};

/// The weighted mean over the style layers of the mean squared Gram difference.
pub(crate) struct StyleTerm {
    /// Each layer, its weight and its loss.
    layers: Vec<(Layer, f64, StyleLoss)>,
}

/// Which style layers, how they are weighed and how Gram matrices are normalised.
pub(crate) struct StyleLayers<'a> {
    pub layers: &'a [Layer],
    /// One weight per layer; `None` weighs them equally.
    pub weights: Option<&'a [f64]>,
    pub normalize: bool,
}

impl StyleTerm {
    /// Targets from the styles' Gram matrices, blended with `blend` (summing to 1).
    pub fn new(
        vgg: &Vgg16,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        layers: StyleLayers,
        dtype: Option<DType>,
    ) -> Self {
        let mut grams: Vec<Option<Tensor<3>>> = vec![None; layers.layers.len()];
        for (style, &weight) in styles.into_iter().zip(blend).filter(|(_, w)| **w > 0.0) {
            let features = vgg.forward(style, layers.layers);
            for (sum, f) in grams.iter_mut().zip(features) {
                let g = gram(cast(f.detach(), dtype), layers.normalize).mul_scalar(weight);
                *sum = Some(match sum.take() {
                    Some(total) => total + g,
                    None => g,
                });
            }
        }
        let weights = match layers.weights {
            Some(weights) => weights.to_vec(),
            None => vec![1.0; layers.layers.len()],
        };
        Self {
            layers: layers
                .layers
                .iter()
                .zip(weights)
                .zip(grams)
                .filter_map(|((&layer, w), g)| {
                    Some((layer, w, StyleLoss::from_gram(g?, layers.normalize)))
                })
                .collect(),
        }
    }
}

impl Loss for StyleTerm {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _, _)| *layer).collect()
    }

    /// The per-layer values are before the layer weights.
    fn value(&self, activations: &Activations) -> Value {
        let per_layer = self
            .layers
            .iter()
            .map(|(layer, _, loss)| (*layer, loss.forward(activations.layer(*layer))))
            .collect();
        let weights = self.layers.iter().map(|(_, weight, _)| *weight);
        layer_mean(activations, per_layer, weights)
    }
}
