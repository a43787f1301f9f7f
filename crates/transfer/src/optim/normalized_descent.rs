use burn::tensor::Tensor;

use super::schedule::Schedule;
use super::step::{Evaluate, OptimizerState, Step};
use crate::Error;
use crate::objective::Point;

/// Normalised gradient descent: `x ← clip(x − g · step / (std(g) + 1e-8), 0, 255)`,
/// where `std` is the population standard deviation of all gradient entries.
///
/// Dividing by the spread of the gradient makes each step move pixels by about `step` levels,
/// whatever the loss's scale. With a constant step it stops converging after a few iterations
/// and flips between two images; a decaying [`Schedule`] lets it settle.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NormalizedDescent {
    schedule: Schedule,
}

impl NormalizedDescent {
    /// Descent with step sizes from `schedule`.
    pub fn new(schedule: Schedule) -> Self {
        Self { schedule }
    }

    /// One step of size `step` from `x` along `-grad`, both `[1, 3, H, W]`, without autodiff.
    fn update(x: Tensor<4>, grad: Tensor<4>, step: f64) -> Tensor<4> {
        let n = grad.shape().num_elements();
        let std = grad
            .clone()
            .reshape([n])
            .var_bias(0)
            .sqrt()
            .add_scalar(1e-8);
        (x - grad.mul_scalar(step) / std.reshape([1, 1, 1, 1])).clamp(0.0, 255.0)
    }
}

impl Step for NormalizedDescent {
    fn step(
        &mut self,
        point: Point,
        iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error> {
        let step = self.schedule.at(iteration);
        evaluate(Self::update(point.image, point.gradient, step))
    }

    fn state(&self) -> OptimizerState {
        OptimizerState::Stateless
    }

    fn restore(&mut self, state: OptimizerState) -> bool {
        matches!(state, OptimizerState::Stateless)
    }
}
