//! The Gram matrix of an activation: its channels' inner products.
//!
//! On the `flex` CPU backend with `f32` tensors it runs our own operation, registered through
//! Burn's backend extensions ([`extension`]): the product splits the long pixel dimension
//! across threads, and its backward pass computes `(dG + dGᵀ)·F`, one product where Burn's
//! `matmul` backward computes two. Every other backend and dtype runs Burn's `matmul`.

mod extension;
mod kernel;

use burn::backend::Dispatch;
use burn::tensor::Tensor;

use crate::flex::runs_on_flex;
use extension::GramBackend;

/// The Gram matrix `Fᵀ F` of an activation `F`, reshaped to `[H·W, C]`.
///
/// `features` is `[N, C, H, W]`; the result is `[N, C, C]`. With `normalize`, it is divided by
/// `H·W·C`, which makes it independent of the image size.
pub fn gram(features: Tensor<4>, normalize: bool) -> Tensor<3> {
    let [n, c, h, w] = features.dims();
    let f = features.reshape([n, c, h * w]);
    let gram = if runs_on_flex(&f) {
        Tensor::from_dispatch(Dispatch::gram(f.into_dispatch()))
    } else {
        f.clone().matmul(f.swap_dims(1, 2))
    };
    if normalize {
        gram.div_scalar((h * w * c) as f64)
    } else {
        gram
    }
}

/// Multiply-adds that the CPU's Gram operation performs for one `[channels, pixels]`
/// activation: the forward product, which computes the lower triangle in blocks of channels,
/// plus its gradient's one full `[C, C]·[C, K]` product. Other backends compute the whole
/// forward product and two backward ones.
///
/// ```
/// // 64 channels are one block: the whole product forward, and one backward.
/// assert_eq!(nst_losses::cpu_gram_multiply_adds(64, 100), 2 * 64 * 64 * 100);
/// ```
pub fn cpu_gram_multiply_adds(channels: usize, pixels: usize) -> u64 {
    let forward: usize = kernel::row_blocks(channels)
        .map(|rows| rows.len() * rows.end)
        .sum();
    (forward as u64 + (channels * channels) as u64).saturating_mul(pixels as u64)
}

/// The Gram matrix of a whole activation of `pixels` grid points from the unnormalised Gram
/// matrices of its parts added up (`sum`): divided by pixels × channels with `normalize`, as
/// [`gram`] does.
pub fn gram_from_partials(sum: Tensor<3>, pixels: usize, normalize: bool) -> Tensor<3> {
    let [_, channels, _] = sum.dims();
    match normalize {
        true => sum.div_scalar((pixels * channels) as f64),
        false => sum,
    }
}
