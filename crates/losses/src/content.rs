use burn::tensor::Tensor;

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
        (x - self.target.clone()).square().mean()
    }
}
