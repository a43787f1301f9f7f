//! What every optimiser does: move from one evaluated point to the next.

use burn::tensor::Tensor;

use crate::Error;
use crate::objective::Point;

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
}

/// `Σ a·b` as a one-element tensor.
pub(crate) fn dot(a: &Tensor<4>, b: &Tensor<4>) -> Tensor<1> {
    (a.clone() * b.clone()).sum()
}
