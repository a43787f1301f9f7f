use burn::tensor::Tensor;

use crate::Window;

/// Mean squared error between an activation and a fixed target activation.
#[derive(Debug, Clone)]
pub struct ContentLoss {
    target: Tensor<4>,
}

impl ContentLoss {
    /// A loss towards `target`, a `[N, C, H, W]` activation; it is detached from any graph.
    pub fn new(target: Tensor<4>) -> Self {
        Self {
            target: target.detach(),
        }
    }

    /// `mean((x − target)²)`, as a one-element tensor. `x` must have the target's shape.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let whole = Window::whole(&self.target);
        self.from_partials(self.partial(x, &whole))
    }

    /// `Σ (x − target[window])²` for `x`, the activation's part at `window`: these add up
    /// over a partition of the grid.
    pub fn partial(&self, x: Tensor<4>, window: &Window) -> Tensor<1> {
        (x - window.crop(self.target.clone())).square().sum()
    }

    /// The loss from the [`partial`](Self::partial) sums added over the whole grid.
    pub fn from_partials(&self, sum: Tensor<1>) -> Tensor<1> {
        sum.div_scalar(self.target.shape().num_elements() as f64)
    }
}
