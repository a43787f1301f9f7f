//! Our layer as a Burn backend extension: `flex` runs the Winograd kernel, the CubeCL backends
//! Burn's implicit GEMM ([`cube`](super::cube)), and `Autodiff` adds one node per layer whose
//! backward pass computes the input gradient only (the weights are frozen), through the ReLU's
//! mask.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};

use super::winograd::{self, Algorithm, Kernels};
use crate::flex::{from_values, with_values};

/// The operations of a VGG-16 layer (3×3 convolution, stride 1, padding 1, bias, ReLU) on
/// frozen kernels `u` in the form the backend takes them, and a bias (`[out]`): on `flex`
/// Winograd-transformed (`[ξ, out, in]`, for `algorithm`), on the CubeCL backends as they are
/// (`[out, in, 3, 3]`, channels last in memory; `algorithm` unused).
#[backend_extension(Flex, Cube: cfg(feature = "cube"), Autodiff)]
pub(crate) trait Conv3x3Backend: Backend {
    /// `relu(conv(x) + bias)` for a `[N, in, H, W]` batch.
    fn conv3x3_bias_relu(
        x: FloatTensor<Self>,
        u: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        algorithm: Algorithm,
    ) -> FloatTensor<Self>;

    /// The gradient with respect to `x` of [`conv3x3_bias_relu`](Self::conv3x3_bias_relu),
    /// from that operation's `output` (the ReLU's mask) and the gradient of its output.
    fn conv3x3_bias_relu_backward(
        output: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        u: FloatTensor<Self>,
        algorithm: Algorithm,
    ) -> FloatTensor<Self>;
}

impl Conv3x3Backend for Flex {
    fn conv3x3_bias_relu(
        x: FlexTensor,
        u: FlexTensor,
        bias: FlexTensor,
        algorithm: Algorithm,
    ) -> FlexTensor {
        let [n, _, h, w] = x.shape().dims::<4>();
        let [_, out_channels, in_channels] = u.shape().dims::<3>();
        let y = with_values(&u, |u| {
            let kernels = Kernels::new(u, algorithm, [out_channels, in_channels]);
            with_values(&x, |x| {
                with_values(&bias, |bias| winograd::forward(x, [n, h, w], kernels, bias))
            })
        });
        from_values(y, [n, out_channels, h, w])
    }

    fn conv3x3_bias_relu_backward(
        output: FlexTensor,
        grad: FlexTensor,
        u: FlexTensor,
        algorithm: Algorithm,
    ) -> FlexTensor {
        let [n, _, h, w] = output.shape().dims::<4>();
        let [_, out_channels, in_channels] = u.shape().dims::<3>();
        let dx = with_values(&u, |u| {
            let kernels = Kernels::new(u, algorithm, [out_channels, in_channels]);
            with_values(&output, |output| {
                with_values(&grad, |grad| {
                    winograd::input_gradient(output, grad, [n, h, w], kernels)
                })
            })
        });
        from_values(dx, [n, in_channels, h, w])
    }
}

impl<B: Conv3x3Backend, C: CheckpointStrategy> Conv3x3Backend for Autodiff<B, C> {
    fn conv3x3_bias_relu(
        x: FloatTensor<Self>,
        u: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        algorithm: Algorithm,
    ) -> FloatTensor<Self> {
        /// The backward step: the input gradient through the ReLU's mask, from the output.
        #[derive(Debug)]
        struct ConvReluBackward;

        impl<B: Conv3x3Backend> Backward<B, 1> for ConvReluBackward {
            type State = (FloatTensor<B>, FloatTensor<B>, Algorithm);

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let (output, u, algorithm) = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| {
                    B::conv3x3_bias_relu_backward(output, grad, u, algorithm)
                });
            }
        }

        // The kernels and bias are frozen: only `x` is a parent.
        let (u, bias) = (u.into_primitive(), bias.into_primitive());
        let (x, node) = x.into_parts();
        match ConvReluBackward
            .prepare::<C>([node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let output = B::conv3x3_bias_relu(x, u.clone(), bias, algorithm);
                prep.finish((output.clone(), u, algorithm), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::conv3x3_bias_relu(x, u, bias, algorithm)),
        }
    }

    fn conv3x3_bias_relu_backward(
        output: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        u: FloatTensor<Self>,
        algorithm: Algorithm,
    ) -> FloatTensor<Self> {
        // The gradient of the gradient is not needed for style transfer, so this runs on the
        // inner backend's values and records nothing.
        let dx = B::conv3x3_bias_relu_backward(
            output.into_primitive(),
            grad.into_primitive(),
            u.into_primitive(),
            algorithm,
        );
        Autodiff::<B, C>::from_inner(dx)
    }
}
