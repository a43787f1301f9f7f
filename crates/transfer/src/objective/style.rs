//! The style term: how far the image's Gram matrices are from the style images' (blended).

use burn::tensor::{DType, Tensor};
use nst_losses::{GramLoss, GuidedGramLoss, Window, gram_from_partials};
use nst_vgg16::{Layer, Vgg16};

use super::targets::{layer_pixels, style_sums};
use super::term::{Activations, Loss, Value, cast, layer_mean};
use crate::Error;
use crate::objective::tiling::Tiling;

/// The weighted mean over the style layers of the mean squared Gram difference.
pub(crate) struct StyleTerm {
    /// Each layer, its weight and its loss.
    layers: Vec<(Layer, f64, LayerLoss)>,
}

/// One layer's loss: towards the blended Gram matrix, or one style per masked region.
enum LayerLoss {
    Blended(Box<GramLoss>),
    Guided(GuidedGramLoss),
}

impl LayerLoss {
    /// The Gram matrices of `x`, the part of the activation at `window`.
    fn partial(&self, x: Tensor<4>, window: &Window) -> Vec<Tensor<3>> {
        match self {
            LayerLoss::Blended(_) => vec![GramLoss::partial(x)],
            LayerLoss::Guided(loss) => loss.partial(x, window),
        }
    }

    /// How many matrices [`partial`](Self::partial) gives.
    fn count(&self) -> usize {
        match self {
            LayerLoss::Blended(_) => 1,
            LayerLoss::Guided(loss) => loss.region_count(),
        }
    }

    /// The loss from the Gram matrices added up over a grid of `pixels` points; `None` when
    /// no region of a guided loss has a mask.
    fn value(&self, sums: Vec<Tensor<3>>, pixels: usize) -> Option<Tensor<1>> {
        match self {
            LayerLoss::Blended(loss) => Some(loss.from_partials(sums.into_iter().next()?, pixels)),
            LayerLoss::Guided(loss) => loss.from_partials(sums, pixels),
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

impl StyleLayers<'_> {
    /// One weight per layer: the given ones, or 1 each.
    pub fn weights(&self) -> Vec<f64> {
        match self.weights {
            Some(weights) => weights.to_vec(),
            None => vec![1.0; self.layers.len()],
        }
    }
}

impl StyleTerm {
    /// Targets from the styles' Gram matrices (computed tile by tile with `tiling`), blended
    /// with `blend` (summing to 1); with `masks` (one `[1, 1, H, W]` map in 0–1 per style, at
    /// the content's size), each style acts in its own region with its blend weight instead
    /// (guided Gram matrices).
    pub fn new(
        vgg: &Vgg16,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        masks: Option<&[Tensor<4>]>,
        layers: StyleLayers,
        (tiling, dtype): (Option<&Tiling>, Option<DType>),
    ) -> Self {
        // Per layer, per style with a weight: (style index, weight, Gram).
        let mut grams: Vec<Vec<(usize, f64, Tensor<3>)>> = vec![Vec::new(); layers.layers.len()];
        for (index, (style, &weight)) in styles.into_iter().zip(blend).enumerate() {
            if weight <= 0.0 {
                continue;
            }
            let [_, _, height, width] = style.dims();
            let sums = style_sums(vgg, &style, layers.layers, (tiling, dtype), |x| {
                vec![GramLoss::partial(x)]
            });
            for ((per_style, sum), &layer) in grams.iter_mut().zip(sums).zip(layers.layers) {
                if let Some(sum) = sum.into_iter().next() {
                    let pixels = layer_pixels(layer, height, width);
                    let g = gram_from_partials(sum, pixels, layers.normalize);
                    per_style.push((index, weight, g));
                }
            }
        }
        let weights = layers.weights();
        let loss = |layer: Layer, per_style: Vec<(usize, f64, Tensor<3>)>| match masks {
            None => {
                let blended = per_style
                    .into_iter()
                    .map(|(_, weight, g)| g.mul_scalar(weight))
                    .reduce(|a, b| a + b)?;
                Some(LayerLoss::Blended(Box::new(GramLoss::from_gram(
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
                Some(LayerLoss::Guided(GuidedGramLoss::new(
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

    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>> {
        self.layers
            .iter()
            .flat_map(|(layer, _, loss)| {
                loss.partial(activations.layer(*layer), &activations.window(*layer))
            })
            .collect()
    }

    /// The per-layer values are before the layer weights.
    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        let [_, _, height, width] = image.dims();
        let mut sums = sums.into_iter();
        let per_layer = self
            .layers
            .iter()
            .map(|(layer, _, loss)| {
                let pixels = layer_pixels(*layer, height, width);
                let sums = sums.by_ref().take(loss.count()).collect();
                let value = loss.value(sums, pixels);
                let zero = || image.clone().sum().zeros_like();
                (*layer, value.unwrap_or_else(zero))
            })
            .collect();
        let weights = self.layers.iter().map(|(_, weight, _)| *weight);
        Ok(layer_mean(image, per_layer, weights))
    }
}
