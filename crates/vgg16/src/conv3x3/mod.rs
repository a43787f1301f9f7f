//! One of VGG-16's layers: a frozen 3×3 convolution (stride 1, padding 1), its bias and a ReLU.
//!
//! A layer built on the `flex` CPU backend keeps its kernels Winograd-transformed, once, and
//! runs our own operation, registered through Burn's backend extensions ([`extension`]): a
//! Winograd convolution ([`winograd`]) with the bias and ReLU fused, and one autodiff node
//! whose backward pass computes the input gradient only. A layer built on any other backend
//! keeps the kernels as they are and runs Burn's `conv2d` and `relu`.

mod extension;
mod winograd;

use burn::backend::{Dispatch, DispatchDevice};
use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::relu;
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::flex::runs_on_flex;
use extension::Conv3x3Backend;
pub(crate) use winograd::Algorithm;

/// A frozen 3×3 convolution with bias, followed by a ReLU.
#[derive(Module, Debug)]
pub(crate) enum ConvRelu {
    /// Burn's `conv2d` and `relu` on the kernels as they were given.
    Direct(Conv2d),
    /// Our `flex` operation on the Winograd-transformed kernels.
    Winograd(WinogradConvRelu),
}

/// The weights of a layer as our `flex` operation uses them.
#[derive(Module, Debug)]
pub(crate) struct WinogradConvRelu {
    /// `U = G g Gᵀ` of each kernel `g`, `[ξ, out, in]`.
    u: Param<Tensor<3>>,
    /// `[out]`.
    bias: Param<Tensor<1>>,
    #[module(skip)]
    algorithm: Algorithm,
}

impl ConvRelu {
    /// A layer from its `[out, in, 3, 3]` weight and `[out]` bias, in the form that suits the
    /// weight's device.
    pub fn new(weight: Tensor<4>, bias: Tensor<1>) -> Self {
        match WinogradConvRelu::new(&weight, &bias) {
            Some(layer) => Self::Winograd(layer),
            None => Self::direct(weight, bias),
        }
    }

    /// A layer that runs Burn's `conv2d` and `relu` whatever the device.
    pub fn direct(weight: Tensor<4>, bias: Tensor<1>) -> Self {
        Self::Direct(Conv2d {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
            stride: [1, 1],
            kernel_size: [3, 3],
            dilation: [1, 1],
            groups: 1,
            padding: PaddingConfig2d::Explicit(1, 1, 1, 1),
        })
    }

    /// `relu(conv(x) + bias)` for a `[N, in, H, W]` batch.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Self::Direct(conv) => relu(conv.forward(x)),
            Self::Winograd(layer) => layer.forward(x),
        }
    }

    /// Whether the layer's parameters are frozen and got no gradient in `grads`.
    #[cfg(test)]
    pub fn is_frozen(&self, grads: &burn::tensor::Gradients) -> bool {
        let frozen = |t: Tensor<1>| !t.is_require_grad() && t.grad(grads).is_none();
        match self {
            Self::Direct(conv) => frozen(conv.weight.val().flatten(0, 3)),
            Self::Winograd(layer) => frozen(layer.u.val().flatten(0, 2)),
        }
    }
}

impl WinogradConvRelu {
    /// Transforms an `f32` weight on the `flex` backend; `None` for any other.
    fn new(weight: &Tensor<4>, bias: &Tensor<1>) -> Option<Self> {
        if !runs_on_flex(weight) {
            return None;
        }
        let [out_channels, in_channels, _, _] = weight.dims();
        let algorithm = Algorithm::for_kernels(out_channels * in_channels);
        let values = weight.clone().into_data().try_into_vec::<f32>().ok()?;
        let u = winograd::transform(&values, algorithm);
        let shape = [algorithm.elements(), out_channels, in_channels];
        let u = Tensor::from_data(TensorData::new(u, shape), &weight.device());
        Some(Self {
            u: Param::from_tensor(u),
            bias: Param::from_tensor(bias.clone()),
            algorithm,
        })
    }

    /// `relu(conv(x) + bias)`. The layer runs on `flex` in `f32`: an input of another dtype or
    /// device (or weights moved to another device) are moved and cast there, and the result
    /// moved and cast back, differentiably.
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let (u, bias) = (self.u.val(), self.bias.val());
        if !(runs_on_flex(&x) && runs_on_flex(&u)) {
            let (device, dtype) = (x.device(), x.dtype());
            let flex = match device.as_dispatch() {
                DispatchDevice::Autodiff(_) => Device::flex().autodiff(),
                _ => Device::flex(),
            };
            let y = Self::run(
                x.to_device(&flex).cast(DType::F32),
                u.to_device(&flex),
                bias.to_device(&flex),
                self.algorithm,
            );
            return y.cast(dtype).to_device(&device);
        }
        Self::run(x, u, bias, self.algorithm)
    }

    fn run(x: Tensor<4>, u: Tensor<3>, bias: Tensor<1>, algorithm: Algorithm) -> Tensor<4> {
        Tensor::from_dispatch(Dispatch::conv3x3_bias_relu(
            x.into_dispatch(),
            u.into_dispatch(),
            bias.into_dispatch(),
            algorithm,
        ))
    }
}
