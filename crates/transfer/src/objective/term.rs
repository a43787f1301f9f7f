//! One term of the objective: a loss over some of VGG-16's layers (or over the image itself),
//! its weight and the name that reports use.

use std::rc::Rc;

use burn::tensor::{DType, Tensor};
use nst_losses::Window;
use nst_vgg16::Layer;

use crate::Error;
use crate::objective::tiling::Tile;

/// The activations of one tile of an image (or of all of it) at the layers the objective
/// reads, in the dtype the losses are computed in.
pub(crate) struct Activations {
    tile: Tile,
    layers: Vec<Layer>,
    features: Vec<Tensor<4>>,
    dtype: Option<DType>,
}

impl Activations {
    /// `features[i]` is `tile`'s activation of `layers[i]`; with `dtype`, everything read is
    /// cast to it (for `f64` reference values).
    pub fn new(
        tile: Tile,
        layers: Vec<Layer>,
        features: Vec<Tensor<4>>,
        dtype: Option<DType>,
    ) -> Self {
        Self {
            tile,
            layers,
            features,
            dtype,
        }
    }

    /// The part of `layer`'s activation that the tile owns, which the objective asked
    /// VGG-16 for.
    pub fn layer(&self, layer: Layer) -> Tensor<4> {
        let index = self.layers.iter().position(|&l| l == layer);
        let feature = index.map_or_else(
            || unreachable!("the objective computes every layer its terms read"),
            |index| self.features[index].clone(),
        );
        cast(self.tile.local_at(layer).crop(feature), self.dtype)
    }

    /// Where [`layer`](Self::layer)'s part lies in the whole image's activation.
    pub fn window(&self, layer: Layer) -> Window {
        self.tile.owned_at(layer)
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

/// A loss the objective adds up, split so that a large image can be evaluated tile by tile:
/// statistics of each tile's activations that add up over the tiles, and a value of their sum.
pub(crate) trait Loss {
    /// The layers it reads.
    fn layers(&self) -> Vec<Layer>;

    /// The statistics of the part of the image that `activations` own (Gram matrices, sums
    /// of squares), which add up over the tiles of the image; none for a term of the image
    /// alone.
    fn partial(&self, activations: &Activations) -> Vec<Tensor<3>>;

    /// Its raw (unweighted) value from the statistics added up over the whole image; `image`
    /// is the whole `[1, 3, H, W]` 0–255 image in the losses' dtype, and `draw` numbers the
    /// evaluation (the sliced loss draws its directions from it and the run's seed).
    fn value(&self, sums: Vec<Tensor<3>>, image: &Tensor<4>, draw: u64) -> Result<Value, Error>;
}

/// A `[1, C, H, W]` activation as `[1, C, H·W]`.
pub(crate) fn flat(x: Tensor<4>) -> Tensor<3> {
    let [n, c, h, w] = x.dims();
    x.reshape([n, c, h * w])
}

/// A loss with its weight and its key; its targets are shared by the objectives of a clip's
/// frames.
#[derive(Clone)]
pub(crate) struct WeightedTerm {
    pub term: crate::Term,
    pub weight: f64,
    pub loss: Rc<dyn Loss>,
}

/// `(1/n) Σ wₗ Lₗ` over per-layer values, with the per-layer values; zero (of `image`'s
/// dtype) without layers.
pub(crate) fn layer_mean(
    image: &Tensor<4>,
    per_layer: Vec<(Layer, Tensor<1>)>,
    weights: impl IntoIterator<Item = f64>,
) -> Value {
    let n = per_layer.len() as f64;
    let value = per_layer
        .iter()
        .zip(weights)
        .map(|((_, loss), weight)| loss.clone().mul_scalar(weight))
        .reduce(|a, b| a + b)
        .map_or_else(|| image.clone().sum().zeros_like(), |sum| sum.div_scalar(n));
    Value {
        value,
        layers: per_layer,
    }
}
