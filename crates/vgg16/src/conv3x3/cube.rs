//! Our layer on the CubeCL backends (wgpu, CUDA): Burn's implicit-GEMM convolution with the
//! bias, then the ReLU; the input gradient through the ReLU's mask with the same kernels. The
//! implicit GEMM runs on cooperative matrices (tensor cores) with `f32` accumulation; where it
//! cannot run (a device without them, as lavapipe, or `f32` on Vulkan, which has no `f32`
//! cooperative matrices) Burn's direct kernels run instead, in `f32`: they accumulate in their
//! input's dtype (cubek-convolution's `direct.rs`), and a sum of up to 4,608 products in `f16`
//! (11 significant bits, 65,504 at most) is not one to trust, so `f16` layers are cast to `f32`
//! around them.
//!
//! The kernels are kept `[out, 3, 3, in]` in memory and seen as `[out, in, 3, 3]`, and the
//! activations come out channels-last (a permuted view): Burn's kernels take NHWC, so no
//! layer copies its input or weights to reorder them.

use burn::backend::ops::ActivationOps;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Shape};
use burn_cubecl::Cube;
use burn_cubecl::kernel::cast;
use burn_cubecl::kernel::conv::{ConvStrategy, conv_data_backward, conv_forward};
use burn_cubecl::tensor::CubeTensor;

use super::extension::Conv3x3Backend;
use super::winograd::Algorithm;

/// Stride 1, padding 1, no dilation, one group.
fn options() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [1, 1], [1, 1], 1)
}

/// `run` on the implicit GEMM, else on the direct kernels in `f32` (the inputs cast to it and
/// the result cast back when they are not).
fn implicit_gemm_or_direct(
    inputs: Vec<CubeTensor>,
    run: impl Fn(Vec<CubeTensor>, ConvStrategy) -> Option<CubeTensor>,
) -> CubeTensor {
    if let Some(output) = run(inputs.clone(), ConvStrategy::ImplicitGemm) {
        return output;
    }
    let dtype = inputs[0].dtype;
    let widened = match dtype {
        DType::F32 => inputs,
        _ => inputs.into_iter().map(|t| cast(t, DType::F32)).collect(),
    };
    // Burn's own `conv2d` panics the same way when no kernel can run.
    let output = run(widened, ConvStrategy::Direct)
        .unwrap_or_else(|| panic!("no convolution kernel runs on this device for {dtype:?}"));
    match dtype {
        DType::F32 => output,
        _ => cast(output, dtype),
    }
}

impl Conv3x3Backend for Cube {
    fn conv3x3_bias_relu(
        x: CubeTensor,
        weight: CubeTensor,
        bias: CubeTensor,
        _algorithm: Algorithm,
    ) -> CubeTensor {
        let y = implicit_gemm_or_direct(vec![x, weight, bias], |inputs, strategy| {
            let [x, weight, bias] = <[CubeTensor; 3]>::try_from(inputs).ok()?;
            conv_forward(x, weight, Some(bias), options(), strategy).ok()
        });
        Cube::relu(y)
    }

    fn conv3x3_bias_relu_backward(
        output: CubeTensor,
        grad: CubeTensor,
        weight: CubeTensor,
        _algorithm: Algorithm,
    ) -> CubeTensor {
        let grad = Cube::relu_backward(output, grad);
        let [n, _, h, w] = grad.meta.shape().dims::<4>();
        let in_shape = Shape::new([n, weight.meta.shape()[1], h, w]);
        implicit_gemm_or_direct(vec![grad, weight], |inputs, strategy| {
            let [grad, weight] = <[CubeTensor; 2]>::try_from(inputs).ok()?;
            conv_data_backward(grad, weight, in_shape.clone(), options(), strategy).ok()
        })
    }
}
