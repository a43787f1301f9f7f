//! The style term: how far the image's Gram matrices are from the style images' (blended).

use burn::tensor::{DType, Tensor};
use nst_losses::{GuidedStyleLoss, StyleLoss, gram};
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Loss, Value, cast, layer_mean};

/// The weighted mean over the style layers of the mean squared Gram difference.
pub(crate) struct StyleTerm {
    /// Each layer, its weight and its loss.
    layers: Vec<(Layer, f64, LayerLoss)>,
}

/// One layer's loss: towards the blended Gram matrix, or one style per masked region.
enum LayerLoss {
    Blended(Box<StyleLoss>),
    Guided(GuidedStyleLoss),
}

impl LayerLoss {
    fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        match self {
            LayerLoss::Blended(loss) => loss.forward(x),
            LayerLoss::Guided(loss) => loss.forward(x),
        }
    }
}

/// Which style layers, how they are weighed and how Gram matrices are normalised.
pub(crate) struct StyleLayers<'a> {
    pub layers: &'a [Layer],
    /// One weight per layer; `None` weighs them equally.
    pub weights: Option<&'a [f64]>,
    pub normalize: bool,
}

impl StyleTerm {
    /// Targets from the styles' Gram matrices, blended with `blend` (summing to 1); with
    /// `masks` (one `[1, 1, H, W]` map in 0–1 per style, at the content's size), each style
    /// acts in its own region with its blend weight instead (guided Gram matrices).
    pub fn new(
        vgg: &Vgg16,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        masks: Option<&[Tensor<4>]>,
        layers: StyleLayers,
        dtype: Option<DType>,
    ) -> Self {
        // Per layer, per style with a weight: (style index, weight, Gram).
        let mut grams: Vec<Vec<(usize, f64, Tensor<3>)>> = vec![Vec::new(); layers.layers.len()];
        for (index, (style, &weight)) in styles.into_iter().zip(blend).enumerate() {
            if weight <= 0.0 {
                continue;
            }
            let features = vgg.forward(style, layers.layers);
            for (per_style, f) in grams.iter_mut().zip(features) {
                let g = gram(cast(f.detach(), dtype), layers.normalize);
                per_style.push((index, weight, g));
            }
        }
        let weights = match layers.weights {
            Some(weights) => weights.to_vec(),
            None => vec![1.0; layers.layers.len()],
        };
        let loss = |layer: Layer, per_style: Vec<(usize, f64, Tensor<3>)>| match masks {
            None => {
                let blended = per_style
                    .into_iter()
                    .map(|(_, weight, g)| g.mul_scalar(weight))
                    .reduce(|a, b| a + b)?;
                Some(LayerLoss::Blended(Box::new(StyleLoss::from_gram(
                    blended,
                    layers.normalize,
                ))))
            }
            Some(masks) => {
                let regions = per_style
                    .into_iter()
                    .map(|(index, weight, g)| {
                        let mask = Vgg16::downsample_to(masks[index].clone(), layer);
                        (cast(mask, dtype), weight, g)
                    })
                    .collect();
                Some(LayerLoss::Guided(GuidedStyleLoss::new(
                    regions,
                    layers.normalize,
                )))
            }
        };
        Self {
            layers: layers
                .layers
                .iter()
                .zip(weights)
                .zip(grams)
                .filter_map(|((&layer, w), per_style)| Some((layer, w, loss(layer, per_style)?)))
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
