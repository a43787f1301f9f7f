//! The quantity the optimiser minimises: content, style and denoise losses of an image.

use std::cell::Cell;

use burn::tensor::{DType, Tensor};
use nst_losses::{ContentLoss, NORMALIZATION_EPS, StyleLoss, TvLoss, gram, normalized_sum};
use nst_vgg16::{Layer, Vgg16};
use serde::{Deserialize, Serialize};

use crate::{Error, StyleTransferConfig};

/// How the content, style and denoise losses `Lₖ` are combined with their weights `wₖ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// `Σ wₖ Lₖ / Lₖ(x)`, each loss divided by its own current (detached) value, so the
    /// weights act on relative changes whatever the layers' magnitudes. The objective changes
    /// every iteration, which suits the seed's descent and Adam but not L-BFGS.
    #[default]
    Normalized,
    /// `Σ wₖ Lₖ / Lₖ(x₀)`, divided by the losses of the starting image (of each scale), then
    /// fixed: weights as easy to choose as with `normalized`, and one objective throughout.
    Initial,
    /// `Σ wₖ Lₖ`, as neural-style and the PyTorch tutorial weigh them.
    Raw,
}

impl std::str::FromStr for Weighting {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "normalized" | "normalised" => Ok(Self::Normalized),
            "initial" => Ok(Self::Initial),
            "raw" => Ok(Self::Raw),
            _ => Err(Error::Config(format!(
                "unknown weighting `{s}`: use normalized, initial or raw"
            ))),
        }
    }
}

/// The targets of one run, computed once from the content and style images.
pub(crate) struct Objective {
    layers: Vec<Layer>,
    content: Vec<(Layer, ContentLoss)>,
    style: Vec<(Layer, f64, StyleLoss)>,
    weights: [f64; 3],
    weighting: Weighting,
    /// The divisors of [`Weighting::Initial`], set by the first evaluation.
    initial: Cell<Option<[f64; 3]>>,
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
    /// Computes the targets; several styles are blended with `blend` (summing to 1). With
    /// `dtype`, activations are cast to it before the losses (for `f64` reference values).
    pub fn new(
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        content: Tensor<4>,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        dtype: Option<DType>,
    ) -> Self {
        let content_features = vgg.forward(content, &config.content_layers);
        let mut style_grams: Vec<Option<Tensor<3>>> = vec![None; config.style_layers.len()];
        for (style, &weight) in styles.into_iter().zip(blend).filter(|(_, w)| **w > 0.0) {
            let features = vgg.forward(style, &config.style_layers);
            for (sum, f) in style_grams.iter_mut().zip(features) {
                let g = gram(cast(f.detach(), dtype), config.gram_normalize).mul_scalar(weight);
                *sum = Some(match sum.take() {
                    Some(total) => total + g,
                    None => g,
                });
            }
        }
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
                .zip(style_grams)
                .filter_map(|((&layer, w), g)| {
                    Some((layer, w, StyleLoss::from_gram(g?, config.gram_normalize)))
                })
                .collect(),
            weights: [
                config.content_weight,
                config.style_weight,
                config.denoise_weight,
            ],
            weighting: config.weighting,
            initial: Cell::new(None),
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

    /// The weighted sum the optimiser descends.
    pub fn total(&self, terms: &Terms) -> Result<Tensor<1>, Error> {
        let weighted = self
            .weights
            .into_iter()
            .zip([&terms.content, &terms.style, &terms.denoise]);
        let zero = || terms.denoise.zeros_like();
        Ok(match self.weighting {
            Weighting::Normalized => normalized_sum(
                weighted
                    .filter(|(w, _)| *w > 0.0)
                    .map(|(w, t)| (w, t.clone())),
            )
            .unwrap_or_else(zero),
            Weighting::Raw => weighted
                .map(|(w, t)| t.clone().mul_scalar(w))
                .reduce(|a, b| a + b)
                .unwrap_or_else(zero),
            Weighting::Initial => {
                let initial = match self.initial.get() {
                    Some(initial) => initial,
                    None => {
                        let initial = read_values(terms)?;
                        self.initial.set(Some(initial));
                        initial
                    }
                };
                weighted
                    .zip(initial)
                    .map(|((w, t), l0)| t.clone().mul_scalar(w / (l0 + NORMALIZATION_EPS)))
                    .reduce(|a, b| a + b)
                    .unwrap_or_else(zero)
            }
        })
    }
}

/// The content, style and denoise values of `terms`, read back in one transfer.
fn read_values(terms: &Terms) -> Result<[f64; 3], Error> {
    let values = Tensor::cat(
        vec![
            terms.content.clone().inner(),
            terms.style.clone().inner(),
            terms.denoise.clone().inner(),
        ],
        0,
    )
    .try_into_vec_as::<f64>()
    .map_err(|e| Error::Device(e.to_string()))?;
    values
        .try_into()
        .map_err(|v: Vec<f64>| Error::Device(format!("read {} losses, not 3", v.len())))
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
