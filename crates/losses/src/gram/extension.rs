//! The Gram matrix as a Burn backend extension: `flex` runs [`kernel`](super::kernel), and
//! `Autodiff` adds one node whose backward pass is a single product.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, TensorMetadata, backend_extension};

use super::kernel;
use crate::flex::{from_values, with_values};

/// The Gram matrix of `[N, C, K]` features and its gradient.
#[backend_extension(Flex, Autodiff)]
pub(crate) trait GramBackend: Backend {
    /// `F Fᵀ` for each `[C, K]` matrix of `features`: `[N, C, C]`.
    fn gram(features: FloatTensor<Self>) -> FloatTensor<Self>;

    /// The gradient with respect to `features` of [`gram`](Self::gram), given the gradient of
    /// its output.
    fn gram_backward(features: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl GramBackend for Flex {
    fn gram(features: FlexTensor) -> FlexTensor {
        let [n, c, k] = features.shape().dims::<3>();
        let g = with_values(&features, |f| kernel::gram(f, [n, c, k]));
        from_values(g, [n, c, c])
    }

    fn gram_backward(features: FlexTensor, grad: FlexTensor) -> FlexTensor {
        let [n, c, k] = features.shape().dims::<3>();
        let df = with_values(&features, |f| {
            with_values(&grad, |dg| kernel::gram_backward(f, dg, [n, c, k]))
        });
        from_values(df, [n, c, k])
    }
}

impl<B: GramBackend, C: CheckpointStrategy> GramBackend for Autodiff<B, C> {
    fn gram(features: FloatTensor<Self>) -> FloatTensor<Self> {
        /// The backward step: `(dG + dGᵀ)·F`, from the features.
        #[derive(Debug)]
        struct GramBackward;

        impl<B: GramBackend> Backward<B, 1> for GramBackward {
            type State = FloatTensor<B>;

            fn backward(
                self,
                ops: Ops<Self::State, 1>,
                grads: &mut Gradients,
                _checkpointer: &mut Checkpointer,
            ) {
                let features = ops.state;
                unary::<B, _>(ops.parents, ops.node, grads, |grad| {
                    B::gram_backward(features, grad)
                });
            }
        }

        let (features, node) = features.into_parts();
        match GramBackward.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let gram = B::gram(features.clone());
                prep.finish(features, gram)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gram(features)),
        }
    }

    fn gram_backward(features: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        // The gradient of the gradient is not needed for style transfer, so this runs on the
        // inner backend's values and records nothing.
        let df = B::gram_backward(features.into_primitive(), grad.into_primitive());
        Autodiff::<B, C>::from_inner(df)
    }
}
