//! The Wasserstein-2 style term: how far Gaussians fitted to the image's features are from
//! the style's (blended).

use burn::tensor::{DType, Tensor};
use nst_losses::W2Loss;
use nst_vgg16::{Layer, Vgg16};

use super::style::StyleLayers;
use super::targets::{layer_pixels, style_sums};
use super::term::{Activations, Loss, Value, layer_mean};
use crate::Error;
use crate::objective::tiling::Tiling;

/// The weighted mean over the style layers of the Wasserstein-2 distance divided by the
/// channel count.
pub(crate) struct W2Term {
    /// Each layer, its weight and its loss.
    layers: Vec<(Layer, f64, W2Loss)>,
}

impl W2Term {
    /// Targets from the styles' means and second moments (computed tile by tile with
    /// `tiling`), blended with `blend` (summing to 1): both are linear in the pixels, so the
    /// blend is the statistics of the styles' pixels pooled with those weights.
    pub fn new(
        vgg: &Vgg16,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        layers: StyleLayers,
        (tiling, dtype): (Option<&Tiling>, Option<DType>),
    ) -> Result<Self, Error> {
        // Per layer: the blended mean and second moment.
        let mut moments: Vec<Option<(Tensor<3>, Tensor<3>)>> = vec![None; layers.layers.len()];
        for (style, &weight) in styles.into_iter().zip(blend) {
            if weight <= 0.0 {
                continue;
            }
            let [_, _, height, width] = style.dims();
            let sums = style_sums(vgg, &style, layers.layers, (tiling, dtype), |x| {
                W2Loss::partial(x).to_vec()
            });
            for ((blended, sums), &layer) in moments.iter_mut().zip(sums).zip(layers.layers) {
                let share = weight / layer_pixels(layer, height, width) as f64;
                let mut sums = sums.into_iter().map(|s| s.mul_scalar(share));
                let (Some(mean), Some(second)) = (sums.next(), sums.next()) else {
                    continue;
                };
                *blended = Some(match blended.take() {
                    Some((m, s)) => (m + mean, s + second),
                    None => (mean, second),
                });
            }
        }
        let weights = layers.weights();
        let mut terms = Vec::new();
        for ((&layer, weight), moments) in layers.layers.iter().zip(weights).zip(moments) {
            if let Some((mean, second)) = moments {
                terms.push((layer, weight, W2Loss::from_moments(mean, second)?));
            }
        }
        Ok(Self { layers: terms })
    }
}

impl Loss for W2Term {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _, _)| *layer).collect()
    }

    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>> {
        self.layers
            .iter()
            .flat_map(|(layer, _, _)| W2Loss::partial(activations.layer(*layer)))
            .collect()
    }

    /// The per-layer values are before the layer weights.
    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        let [_, _, height, width] = image.dims();
        let mut sums = sums.into_iter();
        let mut items = Vec::with_capacity(self.layers.len());
        for (layer, _, loss) in &self.layers {
            let (Some(sum), Some(second)) = (sums.next(), sums.next()) else {
                return Err(Error::device("a W2 layer lost its statistics"));
            };
            items.push((loss, sum, second, layer_pixels(*layer, height, width)));
        }
        let values = W2Loss::from_partials_many(items)?;
        let per_layer = self.layers.iter().map(|(l, _, _)| *l).zip(values).collect();
        let weights = self.layers.iter().map(|(_, weight, _)| *weight);
        Ok(layer_mean(image, per_layer, weights))
    }
}
