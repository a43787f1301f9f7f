//! A style image's statistics at the style layers, added up over its tiles: what the style
//! terms' targets are made of.

use burn::tensor::{DType, Tensor};
use nst_vgg16::{Layer, Vgg16};

use super::tiled::{each_tile, tiles};
use crate::objective::tiling::Tiling;

/// For each of `layers`, the statistics `partial` gives of `style`'s activation there, added
/// up over the tiles of `tiling` (the whole image without).
pub(crate) fn style_sums(
    vgg: &Vgg16,
    style: &Tensor<4>,
    layers: &[Layer],
    (tiling, dtype): (Option<&Tiling>, Option<DType>),
    partial: impl Fn(Tensor<4>) -> Vec<Tensor<3>>,
) -> Vec<Vec<Tensor<3>>> {
    let mut sums: Vec<Vec<Tensor<3>>> = vec![Vec::new(); layers.len()];
    let tiles = tiles(style, tiling);
    each_tile(vgg, style, (layers, dtype), &tiles, |activations| {
        for (sum, &layer) in sums.iter_mut().zip(layers) {
            let parts = partial(activations.layer(layer));
            *sum = match sum.is_empty() {
                true => parts,
                false => sum.drain(..).zip(parts).map(|(a, b)| a + b).collect(),
            };
        }
    });
    sums
}

/// The grid points of `layer`'s activation of a `height`×`width` image.
pub(crate) fn layer_pixels(layer: Layer, height: usize, width: usize) -> usize {
    (height / layer.stride()) * (width / layer.stride())
}
