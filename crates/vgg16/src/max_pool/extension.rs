//! Max pooling as a Burn backend extension: `flex` runs [`kernel`](super::kernel), and
//! `Autodiff` adds a node that keeps only the input.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};

use super::kernel;
use crate::flex::{from_values, with_values};

/// 2×2 max pooling with stride 2 and its gradient.
#[backend_extension(Flex, Autodiff)]
pub(crate) trait MaxPoolBackend: Backend {
    /// The maximum of each 2×2 window of a `[N, C, H, W]` batch: `[N, C, H/2, W/2]`.
    fn max_pool2x2(x: FloatTensor<Self>) -> FloatTensor<Self>;

    /// The gradient with respect to `x` of [`max_pool2x2`](Self::max_pool2x2), given the
    /// gradient of its output.
    fn max_pool2x2_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl MaxPoolBackend for Flex {
    fn max_pool2x2(x: FlexTensor) -> FlexTensor {
        let [n, c, h, w] = x.shape().dims::<4>();
        let y = with_values(&x, |x| kernel::forward(x, [n * c, h, w]));
        from_values(y, [n, c, h / 2, w / 2])
    }

    fn max_pool2x2_backward(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        let [n, c, h, w] = x.shape().dims::<4>();
        let dx = with_values(&x, |x| {
            with_values(&grad, |grad| kernel::backward(x, grad, [n * c, h, w]))
        });
        from_values(dx, [n, c, h, w])
    }
}

impl<B: MaxPoolBackend, C: CheckpointStrategy> MaxPoolBackend for Autodiff<B, C> {
    fn max_pool2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        /// The backward step: each window's gradient to its maximum, found again in the input.
        #[derive(Debug)]
        struct MaxPoolBackward;

        impl<B: MaxPoolBackend> Backward<B, 1> for MaxPoolBackward {
            type State = FloatTensor<B>;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let x = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| {
                    B::max_pool2x2_backward(x, grad)
                });
            }
        }

        let (x, node) = x.into_parts();
        match MaxPoolBackward
            .prepare::<C>([node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let y = B::max_pool2x2(x.clone());
                prep.finish(x, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::max_pool2x2(x)),
        }
    }

    fn max_pool2x2_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        // The gradient of the gradient is not needed for style transfer, so this runs on the
        // inner backend's values and records nothing.
        let dx = B::max_pool2x2_backward(x.into_primitive(), grad.into_primitive());
        Autodiff::<B, C>::from_inner(dx)
    }
}
