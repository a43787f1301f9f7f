use burn::tensor::Tensor;

use crate::{gram, gram_from_partials};

/// Mean squared error between the Gram matrix of an activation and a fixed target Gram matrix.
#[derive(Debug, Clone)]
pub struct GramLoss {
    target: Tensor<3>,
    normalize: bool,
}

impl GramLoss {
    /// A loss towards the Gram matrix of `style`, a `[N, C, H, W]` activation (the style
    /// image may have any size).
    pub fn new(style: Tensor<4>, normalize: bool) -> Self {
        Self::from_gram(gram(style.detach(), normalize), normalize)
    }

    /// A loss towards a precomputed `[N, C, C]` Gram matrix, such as a blend of several.
    pub fn from_gram(target: Tensor<3>, normalize: bool) -> Self {
        Self {
            target: target.detach(),
            normalize,
        }
    }

    /// The target Gram matrix.
    pub fn target(&self) -> &Tensor<3> {
        &self.target
    }

    /// `mean((gram(x) − target)²)`, as a one-element tensor.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let [_, _, h, w] = x.dims();
        self.from_partials(Self::partial(x), h * w)
    }

    /// The unnormalised Gram matrix `Fᵀ F` of `x`, a part of the activation: these add up over
    /// a partition of the grid.
    pub fn partial(x: Tensor<4>) -> Tensor<3> {
        gram(x, false)
    }

    /// The loss from the [`partial`](Self::partial) Gram matrices added over the whole grid of
    /// `pixels` points.
    pub fn from_partials(&self, sum: Tensor<3>, pixels: usize) -> Tensor<1> {
        (gram_from_partials(sum, pixels, self.normalize) - self.target.clone())
            .square()
            .mean()
    }
}
