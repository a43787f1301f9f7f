//! One of VGG-16's layers: a frozen 3×3 convolution (stride 1, padding 1), its bias and a ReLU.
//!
//! A layer built on the `flex` CPU backend keeps its kernels Winograd-transformed, once, and
//! runs our own operation, registered through Burn's backend extensions ([`extension`]): a
//! Winograd convolution ([`winograd`]) with the bias and ReLU fused, and one autodiff node
//! whose backward pass computes the input gradient only. A layer built on a CubeCL backend
//! (wgpu, CUDA) keeps its kernels channels-last and runs the same operation on Burn's
//! convolution kernels: the implicit GEMM on tensor cores for `f16` ([`cube`]). A layer built on any other backend keeps the kernels as
//! they are and runs Burn's `conv2d` and `relu`.

#[cfg(feature = "cube")]
mod cube;
mod extension;
#[cfg(any(feature = "cube", test))]
mod strategy;
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
    /// Our operation on a CubeCL backend, on channels-last kernels.
    Cube(CubeConvRelu),
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
    /// weight's device, computing in the weight's dtype.
    pub fn new(weight: Tensor<4>, bias: Tensor<1>) -> Self {
        if let Some(layer) = WinogradConvRelu::new(&weight, &bias) {
            return Self::Winograd(layer);
        }
        match CubeConvRelu::new(&weight, &bias) {
            Some(layer) => Self::Cube(layer),
            None => Self::direct(weight, bias),
        }
    }

    /// The `[out, in, 3, 3]` weight and `[out]` bias, as given.
    fn weights(&self) -> Option<(Tensor<4>, Tensor<1>)> {
        match self {
            Self::Direct(conv) => Some((conv.weight.val(), conv.bias.as_ref()?.val())),
            Self::Winograd(_) => None,
            Self::Cube(layer) => Some((layer.weight.val(), layer.bias.val())),
        }
    }

    /// This layer computing in `dtype`: the same layer when it already does, or when it runs
    /// our `flex` operation (which computes in `f32` whatever its input).
    pub fn cast(self, dtype: DType) -> Self {
        match self.weights() {
            Some((weight, bias)) if weight.dtype() != dtype => {
                let rebuilt = Self::new(weight.cast(dtype), bias.cast(dtype));
                match (&self, rebuilt) {
                    (Self::Direct(_), Self::Cube(layer)) => {
                        Self::direct(layer.weight.val(), layer.bias.val())
                    }
                    (_, rebuilt) => rebuilt,
                }
            }
            _ => self,
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
            Self::Cube(layer) => layer.forward(x),
        }
    }

    /// Whether the layer's parameters are frozen and got no gradient in `grads`.
    #[cfg(test)]
    pub fn is_frozen(&self, grads: &burn::tensor::Gradients) -> bool {
        let frozen = |t: Tensor<1>| !t.is_require_grad() && t.grad(grads).is_none();
        match self {
            Self::Direct(conv) => frozen(conv.weight.val().flatten(0, 3)),
            Self::Winograd(layer) => frozen(layer.u.val().flatten(0, 2)),
            Self::Cube(layer) => frozen(layer.weight.val().flatten(0, 3)),
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

/// The weights of a layer as our CubeCL operation uses them.
#[derive(Module, Debug)]
pub(crate) struct CubeConvRelu {
    /// `[out, in, 3, 3]`, laid out `[out, 3, 3, in]` in memory.
    weight: Param<Tensor<4>>,
    /// `[out]`.
    bias: Param<Tensor<1>>,
}

impl CubeConvRelu {
    /// The layer on a CubeCL device (wgpu, CUDA) in the weight's dtype; `None` on any other
    /// device, or in a build without them.
    fn new(weight: &Tensor<4>, bias: &Tensor<1>) -> Option<Self> {
        if !(cfg!(feature = "cube") && runs_on_cube(weight)) {
            return None;
        }
        // One copy at load, channels last: Burn's kernels read NHWC, and a weight laid out so
        // is passed to them as it is (a permuted view), where an NCHW one is copied per call.
        let (device, dtype) = (weight.device(), weight.dtype());
        let channels_last = weight.clone().permute([0, 2, 3, 1]).into_data();
        let weight = Tensor::<4>::from_data(channels_last, &device)
            .cast(dtype)
            .permute([0, 3, 1, 2]);
        Some(Self {
            weight: Param::from_tensor(weight),
            bias: Param::from_tensor(bias.clone()),
        })
    }

    /// `relu(conv(x) + bias)`, in the weights' dtype (`x` is cast to it).
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let (weight, bias) = (self.weight.val(), self.bias.val());
        let x = x.cast(weight.dtype());
        Tensor::from_dispatch(Dispatch::conv3x3_bias_relu(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            // Unused by the CubeCL operation.
            Algorithm::F4x4,
        ))
    }
}

/// Whether `tensor` lives on a CubeCL device (wgpu, CUDA), with or without autodiff.
fn runs_on_cube<const D: usize>(tensor: &Tensor<D>) -> bool {
    match tensor.device().as_dispatch().clone().inner() {
        #[cfg(feature = "cube")]
        burn::backend::DispatchDevice::Cube(_) => true,
        _ => false,
    }
}
