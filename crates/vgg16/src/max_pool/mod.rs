//! VGG-16's max pooling: 2×2 windows, stride 2, odd sizes floored.
//!
//! On the `flex` CPU backend with `f32` tensors it runs our own operation ([`extension`]),
//! whose autodiff node keeps only its input, which the layer before already holds: the
//! backward pass finds each window's maximum again instead of storing 64-bit indices. Every
//! other backend and dtype runs Burn's `max_pool2d`.

mod extension;
mod kernel;

use burn::backend::Dispatch;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::Tensor;

use crate::flex::runs_on_flex;
use extension::MaxPoolBackend;

/// Max pooling over 2×2 windows with stride 2 of a `[N, C, H, W]` batch: `[N, C, H/2, W/2]`.
pub(crate) fn max_pool2x2(x: Tensor<4>) -> Tensor<4> {
    if runs_on_flex(&x) {
        Tensor::from_dispatch(Dispatch::max_pool2x2(x.into_dispatch()))
    } else {
        MaxPool2dConfig::new([2, 2]).init().forward(x)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor};

    use super::*;

    /// Our operation against Burn's, forward and backward, on odd and even sizes, with ties.
    #[test]
    fn matches_burns_max_pool() {
        let device = Device::flex().autodiff();
        for [h, w] in [[2, 2], [5, 7], [8, 3], [1, 4]] {
            let x = Tensor::<4>::random([2, 3, h, w], Distribution::Uniform(-1.0, 1.0), &device)
                // Ties inside windows, as ReLU outputs have.
                .clamp_min(0.0)
                .require_grad();
            let weights = Tensor::<4>::random(
                [2, 3, h / 2, w / 2],
                Distribution::Uniform(-1.0, 1.0),
                &device,
            );
            let ours = max_pool2x2(x.clone());
            let burns = MaxPool2dConfig::new([2, 2]).init().forward(x.clone());
            ours.clone()
                .into_data()
                .assert_eq(&burns.clone().into_data(), true);
            let ours = x.grad(&(ours * weights.clone()).sum().backward());
            let burns = x.grad(&(burns * weights).sum().backward());
            ours.unwrap()
                .into_data()
                .assert_eq(&burns.unwrap().into_data(), true);
        }
    }
}
