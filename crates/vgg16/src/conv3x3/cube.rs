//! Our layer on the CubeCL backends (wgpu, CUDA): Burn's convolution with the bias, then the
//! ReLU; the input gradient through the ReLU's mask, and nothing else, backward.
//!
//! An `f16` layer runs Burn's implicit GEMM on cooperative matrices (tensor cores), which sum
//! in `f32`. Where that cannot run (a device without them, such as lavapipe) the layer is cast
//! to `f32` around Burn's autotuned kernels: its direct kernels sum in their input's dtype
//! (cubek-convolution's `direct.rs`), and a sum of up to 4,608 products in `f16` (11 significant
//! bits, 65,504 at most) is not one to trust. An `f32` layer runs the autotuned kernels, as
//! Burn's `conv2d` does (Vulkan has no `f32` cooperative matrices; CUDA's `f32` products may
//! run as TF32 on sm_80 and newer).
//!
//! The kernels are kept `[out, 3, 3, in]` in memory and seen as `[out, in, 3, 3]`, and the
//! activations come out channels-last (a permuted view): Burn's kernels take NHWC, so the
//! weights are never reordered and most inputs are read as they are.

use std::sync::LazyLock;

use burn::backend::ops::ActivationOps;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{DType, Shape};
use burn_cubecl::cubecl::zspace::metadata::Metadata;
use burn_cubecl::kernel::cast;
use burn_cubecl::kernel::conv::{ConvStrategy, conv_data_backward, conv_forward};
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{Cube, CubeDevice};

use super::extension::Conv3x3Backend;
use super::strategy::Learnt;
use super::winograd::Algorithm;

/// Stride 1, padding 1, no dilation, one group.
fn options() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [1, 1], [1, 1], 1)
}

/// Which direction of a layer a call computes: the two run different kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Forward,
    Backward,
}

/// A device, a direction, a dtype and the inputs' shapes and strides: what decides whether the
/// implicit GEMM can run.
type Key = (CubeDevice, Direction, DType, Vec<Metadata>);

/// Whether the implicit GEMM ran, per [`Key`]: a failure is learnt once, not retried at every
/// call.
static IMPLICIT_GEMM: LazyLock<Learnt<Key>> = LazyLock::new(Learnt::default);

/// `run` on the implicit GEMM for `f16`, else on the autotuned kernels in `f32` (the inputs
/// cast to it and the result cast back when they are not). Where the implicit GEMM fails for a
/// device, direction and layer shape, later calls with them go straight to the fallback.
fn implicit_gemm_or_autotune(
    direction: Direction,
    inputs: Vec<CubeTensor>,
    run: impl Fn(Vec<CubeTensor>, ConvStrategy) -> Option<CubeTensor>,
) -> CubeTensor {
    let dtype = inputs[0].dtype;
    if dtype == DType::F32 {
        return run(inputs, ConvStrategy::Autotune).unwrap_or_else(|| no_kernel(dtype));
    }
    let key = (
        inputs[0].device.clone(),
        direction,
        dtype,
        inputs.iter().map(|t| (*t.meta).clone()).collect(),
    );
    IMPLICIT_GEMM.run(
        key,
        inputs,
        |inputs| run(inputs.clone(), ConvStrategy::ImplicitGemm),
        |inputs| {
            let widened = inputs.into_iter().map(|t| cast(t, DType::F32)).collect();
            let output = run(widened, ConvStrategy::Autotune).unwrap_or_else(|| no_kernel(dtype));
            cast(output, dtype)
        },
    )
}

/// Burn's own `conv2d` panics the same way when no kernel can run.
fn no_kernel(dtype: DType) -> ! {
    panic!("no convolution kernel runs on this device for {dtype:?}")
}

impl Conv3x3Backend for Cube {
    fn conv3x3_bias_relu(
        x: CubeTensor,
        weight: CubeTensor,
        bias: CubeTensor,
        _algorithm: Algorithm,
    ) -> CubeTensor {
        let y = implicit_gemm_or_autotune(
            Direction::Forward,
            vec![x, weight, bias],
            |inputs, strategy| {
                let [x, weight, bias] = <[CubeTensor; 3]>::try_from(inputs).ok()?;
                conv_forward(x, weight, Some(bias), options(), strategy).ok()
            },
        );
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
        implicit_gemm_or_autotune(
            Direction::Backward,
            vec![grad, weight],
            |inputs, strategy| {
                let [grad, weight] = <[CubeTensor; 2]>::try_from(inputs).ok()?;
                conv_data_backward(grad, weight, in_shape.clone(), options(), strategy).ok()
            },
        )
    }
}
