use burn::tensor::Tensor;

use crate::gram;

/// Mean squared error between the Gram matrix of an activation and a fixed target Gram matrix.
#[derive(Debug, Clone)]
pub struct StyleLoss {
    target: Tensor<3>,
    normalize: bool,
}

impl StyleLoss {
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
        (gram(x, self.normalize) - self.target.clone())
            .square()
            .mean()
    }
}
