//! What every optimiser does: move from one evaluated point to the next.

use burn::tensor::Tensor;

use crate::Error;
use crate::objective::Point;

/// An optimiser's state between two iterations, for a checkpoint.
#[derive(Debug, Clone)]
pub(crate) enum OptimizerState {
    /// Normalised descent keeps nothing between steps.
    Stateless,
    /// Adam's first and second moments, after the first step.
    Adam {
        moments: Option<Box<(Tensor<4>, Tensor<4>)>>,
    },
    /// L-BFGS's curvature pairs, oldest first: `(s, y, 1 / sᵀy, sᵀy / yᵀy)`.
    Lbfgs {
        pairs: Vec<(Tensor<4>, Tensor<4>, f64, f64)>,
    },
}

/// Evaluates the objective and its gradient at an image.
pub(crate) type Evaluate<'a> = dyn FnMut(Tensor<4>) -> Result<Point, Error> + 'a;

/// One optimiser's state over a run (or one scale of it).
pub(crate) trait Step {
    /// Moves from `point` (iteration `iteration`, from 1) to the next evaluated point.
    fn step(
        &mut self,
        point: Point,
        iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error>;

    /// Its state after the last step.
    fn state(&self) -> OptimizerState;

    /// Takes up `state`, which the same kind of optimiser gave; `false` when it is another
    /// kind's.
    fn restore(&mut self, state: OptimizerState) -> bool;
}

/// `Σ a·b` as a one-element tensor.
pub(crate) fn dot(a: &Tensor<4>, b: &Tensor<4>) -> Tensor<1> {
    (a.clone() * b.clone()).sum()
}
