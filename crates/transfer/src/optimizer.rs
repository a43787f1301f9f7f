use burn::tensor::Tensor;

/// The seed's normalised gradient descent: `x ← clip(x − g · step / (std(g) + 1e-8), 0, 255)`,
/// where `std` is the population standard deviation of all gradient entries.
///
/// Dividing by the spread of the gradient makes each step move pixels by about `step` levels,
/// whatever the loss's scale.
#[derive(Debug, Clone, Copy)]
pub struct SeedDescent {
    /// Pixel levels per standard deviation of the gradient.
    pub step: f64,
}

impl SeedDescent {
    /// One step from `x` along `-grad`, both `[1, 3, H, W]`, without autodiff.
    pub fn step(&self, x: Tensor<4>, grad: Tensor<4>) -> Tensor<4> {
        let n = grad.shape().num_elements();
        let std = grad
            .clone()
            .reshape([n])
            .var_bias(0)
            .sqrt()
            .add_scalar(1e-8)
            .reshape([1, 1, 1, 1]);
        (x - grad.mul_scalar(self.step) / std).clamp(0.0, 255.0)
    }
}
