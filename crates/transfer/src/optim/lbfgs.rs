use std::collections::VecDeque;

use burn::tensor::Tensor;

use super::line_search::StrongWolfe;
use super::projection::{ProjectedPath, inward};
use super::step::dot;
use super::step::{Evaluate, OptimizerState, Step};
use crate::Error;
use crate::objective::{Point, read_back};

/// Limited-memory BFGS on the pixels, projected onto 0–255, with a strong Wolfe line search.
///
/// One iteration is one accepted update. The search walks the projected path
/// `clamp(x + t·d, 0, 255)` along the quasi-Newton direction `d` (without the components that
/// push a pixel already at a bound outwards), first trying `t = 1`: one evaluation of the
/// objective and its gradient when that step meets the strong Wolfe conditions, more when
/// the search lengthens or shortens it ([`StrongWolfe`]). The first step (and any restart)
/// follows the negative gradient, first tried at a length that moves no pixel by more than
/// `first_step` levels: without that bound the raw losses' huge gradients overshoot to losses
/// of about 1e14; from there the search lengthens it as far as the objective keeps falling
/// steeply, which near a flat start, where the style loss curves downwards, is far.
/// Curvature pairs come from the clipped displacement, and a pair with `sᵀy ≤ 0` (which
/// clipping can still cause) is skipped, so the inverse-Hessian estimate stays positive
/// definite.
#[derive(Debug)]
pub(crate) struct Lbfgs {
    history: usize,
    first_step: f64,
    pairs: VecDeque<Pair>,
}

#[derive(Debug)]
struct Pair {
    s: Tensor<4>,
    y: Tensor<4>,
    /// `1 / sᵀy`.
    rho: f64,
    /// `sᵀy / yᵀy`, the scale of the initial inverse Hessian when this pair is the newest.
    gamma: f64,
}

/// The most evaluations one iteration's line search makes.
const MAX_EVALUATIONS: usize = 10;
/// Brackets narrower than this many pixel levels (at the pixel the direction moves most) are
/// not split further.
const RESOLUTION: f64 = 1e-3;

impl Lbfgs {
    /// L-BFGS remembering `history` curvature pairs, whose gradient steps move no pixel by more
    /// than `first_step` levels.
    pub fn new(history: usize, first_step: f64) -> Self {
        Self {
            history,
            first_step,
            pairs: VecDeque::with_capacity(history),
        }
    }

    /// The quasi-Newton direction `−H g` (the two-loop recursion), kept on the device.
    fn direction(&self, gradient: &Tensor<4>) -> Tensor<4> {
        let Some(newest) = self.pairs.back() else {
            return gradient.clone().neg();
        };
        let mut q = gradient.clone();
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for pair in self.pairs.iter().rev() {
            let alpha = dot(&pair.s, &q).mul_scalar(pair.rho).reshape([1, 1, 1, 1]);
            q = q - pair.y.clone() * alpha.clone();
            alphas.push(alpha);
        }
        let mut r = q.mul_scalar(newest.gamma);
        for (pair, alpha) in self.pairs.iter().zip(alphas.into_iter().rev()) {
            let beta = dot(&pair.y, &r).mul_scalar(pair.rho).reshape([1, 1, 1, 1]);
            r = r + pair.s.clone() * (alpha - beta);
        }
        r.neg()
    }

    fn remember(&mut self, s: Tensor<4>, y: Tensor<4>) -> Result<(), Error> {
        let read = read_back([dot(&s, &y), dot(&y, &y)])?;
        let (sy, yy) = (read[0], read[1]);
        if !(sy > 1e-10 * yy && yy > 0.0) || self.history == 0 {
            return Ok(());
        }
        if self.pairs.len() == self.history {
            self.pairs.pop_front();
        }
        self.pairs.push_back(Pair {
            s,
            y,
            rho: 1.0 / sy,
            gamma: sy / yy,
        });
        Ok(())
    }
}

impl Step for Lbfgs {
    fn step(
        &mut self,
        point: Point,
        _iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error> {
        let steepest = |point: &Point| inward(&point.image, point.gradient.clone().neg());
        let mut direction = inward(&point.image, self.direction(&point.gradient));
        let descends = |(slope, largest): (f64, f64)| slope < 0.0 && largest > 0.0;
        let mut along = slope_and_largest(&point, &direction)?;
        if !descends(along) && !self.pairs.is_empty() {
            // Not a descent direction (a stale memory): start again from the gradient.
            self.pairs.clear();
            direction = steepest(&point);
            along = slope_and_largest(&point, &direction)?;
        }
        if !descends(along) {
            // Stationary within the box: nothing moves.
            return Ok(point);
        }
        let (slope, largest) = along;
        let t = match self.pairs.is_empty() {
            true => self.first_step / largest,
            false => 1.0,
        };
        let search = StrongWolfe {
            max_evaluations: MAX_EVALUATIONS,
            resolution: RESOLUTION / largest,
            ..StrongWolfe::default()
        };
        let path = ProjectedPath::new(&point, &direction);
        let found = search.search(point.losses.total, slope, t, |t| path.sample(t, evaluate))?;
        let Some(found) = found else {
            // No decrease along this direction: forget the curvature and stay put; the next
            // iteration takes a bounded gradient step.
            self.pairs.clear();
            return Ok(point);
        };
        let next = found.at;
        let s = next.image.clone() - point.image;
        let y = next.gradient.clone() - point.gradient;
        self.remember(s, y)?;
        Ok(next)
    }

    fn state(&self) -> OptimizerState {
        let pairs = self.pairs.iter();
        OptimizerState::Lbfgs {
            pairs: pairs
                .map(|p| (p.s.clone(), p.y.clone(), p.rho, p.gamma))
                .collect(),
        }
    }

    fn restore(&mut self, state: OptimizerState) -> bool {
        match state {
            OptimizerState::Lbfgs { pairs } => {
                let pairs = pairs.into_iter();
                self.pairs = pairs
                    .map(|(s, y, rho, gamma)| Pair { s, y, rho, gamma })
                    .collect();
                true
            }
            _ => false,
        }
    }
}

/// `g·d` at `point` and the largest `|d|`, in one read-back.
fn slope_and_largest(point: &Point, direction: &Tensor<4>) -> Result<(f64, f64), Error> {
    let largest = direction.clone().abs().max();
    let read = read_back([dot(&point.gradient, direction), largest])?;
    Ok((read[0], read[1]))
}

#[cfg(test)]
mod tests {
    use burn::tensor::Tensor;

    use super::*;
    use crate::optim::testing::{evaluator, quadratic, rosenbrock, tensor, values};

    /// Runs `iterations` steps of L-BFGS (first step `first_step` levels) on `f` from
    /// `start`; returns the last point, the evaluations per iteration and the largest pixel
    /// change of the first step.
    fn minimise(
        f: impl Fn(Tensor<4>) -> Tensor<1>,
        start: &[f32],
        first_step: f64,
        iterations: usize,
    ) -> (Point, f64, f32) {
        let mut evaluate = evaluator(f);
        let mut evaluations = 0;
        let mut counted = |x: Tensor<4>| {
            evaluations += 1;
            evaluate(x)
        };
        let mut lbfgs = Lbfgs::new(10, first_step);
        let mut point = counted(tensor(start)).unwrap();
        let mut first_move = 0.0;
        for iteration in 1..=iterations {
            let before = values(&point.image);
            point = lbfgs.step(point, iteration, &mut counted).unwrap();
            if iteration == 1 {
                let after = values(&point.image);
                first_move = before
                    .iter()
                    .zip(&after)
                    .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            }
        }
        let per_iteration = (evaluations - 1) as f64 / iterations as f64;
        (point, per_iteration, first_move)
    }

    #[test]
    fn the_first_gradient_step_grows_past_its_bound() {
        let f = quadratic(&[1.0; 4], &[40.0, 200.0, 90.0, 160.0]);
        let (_, _, first_move) = minimise(f, &[128.0; 4], 1.0, 1);
        // Armijo backtracking could only have shortened the 1-level step.
        assert!(first_move > 5.0, "the first step moved {first_move} levels");
    }

    #[test]
    fn reaches_the_minimum_within_the_box_of_an_ill_conditioned_quadratic() {
        let f = quadratic(&[1.0, 10.0, 100.0, 1000.0], &[-50.0, 300.0, 90.0, 160.0]);
        let (point, per_iteration, _) = minimise(f, &[128.0; 4], 10.0, 20);
        let reached = values(&point.image);
        let expected = [0.0, 255.0, 90.0, 160.0];
        for (x, e) in reached.iter().zip(expected) {
            assert!((x - e).abs() < 0.05, "{reached:?}");
        }
        assert!(
            per_iteration <= 2.0,
            "{per_iteration} evaluations per iteration"
        );
    }

    #[test]
    fn follows_rosenbrocks_valley_to_its_minimum() {
        // Measured: at the minimum (to f32's precision) after 26 iterations and 32
        // evaluations.
        let (point, per_iteration, _) = minimise(rosenbrock, &[30.0, 60.0, 20.0, 150.0], 10.0, 30);
        let reached = values(&point.image);
        assert!(
            reached.iter().all(|x| (x - 100.0).abs() < 0.1),
            "{reached:?}, value {}",
            point.losses.total
        );
        assert!(
            per_iteration <= 1.5,
            "{per_iteration} evaluations per iteration"
        );
    }
}
