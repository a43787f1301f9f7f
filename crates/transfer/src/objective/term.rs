//! One term of the objective: a loss over some of VGG-16's layers (or over the image itself),
//! its weight and the name that reports use.

use burn::tensor::{DType, Tensor};
use nst_vgg16::Layer;

/// The activations of one image at the layers the objective reads, and the image itself, in
/// the dtype the losses are computed in.
pub(crate) struct Activations {
    image: Tensor<4>,
    layers: Vec<Layer>,
    features: Vec<Tensor<4>>,
    dtype: Option<DType>,
}

impl Activations {
    /// `features[i]` is the activation of `layers[i]`; with `dtype`, everything read is cast
    /// to it (for `f64` reference values).
    pub fn new(
        image: Tensor<4>,
        layers: Vec<Layer>,
        features: Vec<Tensor<4>>,
        dtype: Option<DType>,
    ) -> Self {
        Self {
            image,
            layers,
            features,
            dtype,
        }
    }

    /// The `[1, 3, H, W]` image, 0–255.
    pub fn image(&self) -> Tensor<4> {
        cast(self.image.clone(), self.dtype)
    }

    /// The activation of `layer`, which the objective asked VGG-16 for.
    pub fn layer(&self, layer: Layer) -> Tensor<4> {
        let index = self.layers.iter().position(|&l| l == layer);
        let feature = index.map_or_else(
            || unreachable!("the objective computes every layer its terms read"),
            |index| self.features[index].clone(),
        );
        cast(feature, self.dtype)
    }

    /// A zero of the losses' dtype, for a term with no layers.
    pub fn zero(&self) -> Tensor<1> {
        self.image().sum().zeros_like()
    }
}

/// `t` in `dtype`, or unchanged.
pub(crate) fn cast<const D: usize>(t: Tensor<D>, dtype: Option<DType>) -> Tensor<D> {
    match dtype {
        Some(dtype) => t.cast(dtype),
        None => t,
    }
}

/// A term's raw value for one image, and the per-layer values it is the mean of (empty for a
/// term that reads no layer).
pub(crate) struct Value {
    pub value: Tensor<1>,
    pub layers: Vec<(Layer, Tensor<1>)>,
}

/// A loss the objective adds up.
pub(crate) trait Loss {
    /// The layers it reads.
    fn layers(&self) -> Vec<Layer>;

    /// Its raw (unweighted) value for one image.
    fn value(&self, activations: &Activations) -> Value;
}

/// A loss with its weight and name.
pub(crate) struct Term {
    /// The name reports use: `content`, `style`, `denoise`.
    pub name: &'static str,
    pub weight: f64,
    pub loss: Box<dyn Loss>,
}

/// `(1/n) Σ wₗ Lₗ` over per-layer values, with the per-layer values; zero without layers.
pub(crate) fn layer_mean(
    activations: &Activations,
    per_layer: Vec<(Layer, Tensor<1>)>,
    weights: impl IntoIterator<Item = f64>,
) -> Value {
    let n = per_layer.len() as f64;
    let value = per_layer
        .iter()
        .zip(weights)
        .map(|((_, loss), weight)| loss.clone().mul_scalar(weight))
        .reduce(|a, b| a + b)
        .map_or_else(|| activations.zero(), |sum| sum.div_scalar(n));
    Value {
        value,
        layers: per_layer,
    }
}
