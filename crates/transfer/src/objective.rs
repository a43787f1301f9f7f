//! The quantity the optimiser minimises: content, style and denoise losses of an image.

use burn::tensor::{DType, Tensor};
use nst_losses::{ContentLoss, StyleLoss, TvLoss, normalized_sum};
use nst_vgg16::{Layer, Vgg16};

use crate::StyleTransferConfig;

/// The targets of one run, computed once from the content and style images.
pub(crate) struct Objective {
    layers: Vec<Layer>,
    content: Vec<(Layer, ContentLoss)>,
    style: Vec<(Layer, f64, StyleLoss)>,
    weights: [f64; 3],
    dtype: Option<DType>,
}

/// The loss terms of one image, each a one-element tensor.
pub(crate) struct Terms {
    pub content_layers: Vec<(Layer, Tensor<1>)>,
    /// Per style layer, before the layer weights.
    pub style_layers: Vec<(Layer, Tensor<1>)>,
    pub content: Tensor<1>,
    pub style: Tensor<1>,
    pub denoise: Tensor<1>,
}

impl Objective {
    /// Computes the targets. With `dtype`, activations are cast to it before the losses
    /// (for `f64` reference values).
    pub fn new(
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        content: Tensor<4>,
        style: Tensor<4>,
        dtype: Option<DType>,
    ) -> Self {
        let content_features = vgg.forward(content, &config.content_layers);
        let style_features = vgg.forward(style, &config.style_layers);
        let layer_weights = config
            .style_layer_weights
            .clone()
            .unwrap_or_else(|| vec![1.0; config.style_layers.len()]);
        Self {
            layers: config.layers(),
            content: config
                .content_layers
                .iter()
                .zip(content_features)
                .map(|(&layer, f)| (layer, ContentLoss::new(cast(f, dtype))))
                .collect(),
            style: config
                .style_layers
                .iter()
                .zip(layer_weights)
                .zip(style_features)
                .map(|((&layer, w), f)| {
                    (
                        layer,
                        w,
                        StyleLoss::new(cast(f, dtype), config.gram_normalize),
                    )
                })
                .collect(),
            weights: [
                config.content_weight,
                config.style_weight,
                config.denoise_weight,
            ],
            dtype,
        }
    }

    /// The raw (unweighted, unnormalised) losses of `image`, a `[1, 3, H, W]` 0–255 tensor.
    pub fn terms(&self, vgg: &Vgg16, image: Tensor<4>) -> Terms {
        let features = vgg.forward(image.clone(), &self.layers);
        let feature = |layer: Layer| {
            let index = self.layers.iter().position(|&l| l == layer).unwrap_or(0);
            cast(features[index].clone(), self.dtype)
        };
        let content_layers: Vec<_> = self
            .content
            .iter()
            .map(|(layer, loss)| (*layer, loss.forward(feature(*layer))))
            .collect();
        let style_layers: Vec<_> = self
            .style
            .iter()
            .map(|(layer, _, loss)| (*layer, loss.forward(feature(*layer))))
            .collect();
        let style_weights = self.style.iter().map(|(_, weight, _)| *weight);
        let denoise = TvLoss.forward(cast(image, self.dtype));
        Terms {
            content: weighted_mean(&content_layers, std::iter::repeat(1.0))
                .unwrap_or_else(|| denoise.zeros_like()),
            style: weighted_mean(&style_layers, style_weights)
                .unwrap_or_else(|| denoise.zeros_like()),
            content_layers,
            style_layers,
            denoise,
        }
    }

    /// The normalised weighted sum the optimiser descends.
    pub fn total(&self, terms: &Terms) -> Tensor<1> {
        let [content, style, denoise] = self.weights;
        let weighted = [
            (content, &terms.content),
            (style, &terms.style),
            (denoise, &terms.denoise),
        ];
        normalized_sum(
            weighted
                .into_iter()
                .filter(|(w, _)| *w > 0.0)
                .map(|(w, t)| (w, t.clone())),
        )
        .unwrap_or_else(|| terms.denoise.zeros_like())
    }
}

/// `(1/n) Σ wₗ Lₗ` over the layers, `None` when there are none.
fn weighted_mean(
    per_layer: &[(Layer, Tensor<1>)],
    weights: impl IntoIterator<Item = f64>,
) -> Option<Tensor<1>> {
    let n = per_layer.len() as f64;
    per_layer
        .iter()
        .zip(weights)
        .map(|((_, loss), weight)| loss.clone().mul_scalar(weight))
        .reduce(|a, b| a + b)
        .map(|sum| sum.div_scalar(n))
}

/// `t` in `dtype`, or unchanged.
fn cast<const D: usize>(t: Tensor<D>, dtype: Option<DType>) -> Tensor<D> {
    match dtype {
        Some(dtype) => t.cast(dtype),
        None => t,
    }
}
