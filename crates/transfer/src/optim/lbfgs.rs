use std::collections::VecDeque;

use burn::tensor::Tensor;

use super::step::dot;
use super::step::{Evaluate, OptimizerState, Step};
use crate::Error;
use crate::objective::Point;

/// Limited-memory BFGS on the pixels, projected onto 0–255, with a backtracking (Armijo) line
/// search.
///
/// One iteration is one accepted update; it costs one evaluation of the objective and its
/// gradient when the full quasi-Newton step is accepted, more when the line search halves it.
/// The first step (and any restart) follows the negative gradient, scaled so that no pixel
/// moves by more than `first_step` levels: without that bound the raw losses' huge gradients
/// overshoot to losses of about 1e14. Curvature pairs come from the clipped displacement,
/// and a pair with `sᵀy ≤ 0` (which clipping can cause) is skipped, so the inverse-Hessian
/// estimate stays positive definite.
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

/// The fraction of the predicted decrease a step must achieve.
const ARMIJO: f64 = 1e-4;
/// Halvings of the step before the line search gives up and restarts from the gradient.
const MAX_TRIALS: usize = 12;

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

    fn remember(&mut self, s: Tensor<4>, y: Tensor<4>) {
        let sy = dot(&s, &y).into_scalar::<f64>();
        let yy = dot(&y, &y).into_scalar::<f64>();
        if !(sy > 1e-10 * yy && yy > 0.0) || self.history == 0 {
            return;
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
    }
}

impl Step for Lbfgs {
    fn step(
        &mut self,
        point: Point,
        _iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error> {
        let mut direction = self.direction(&point.gradient);
        let slope = dot(&point.gradient, &direction).into_scalar::<f64>();
        if slope >= 0.0 || slope.is_nan() {
            // Not a descent direction (a stale memory): start again from the gradient.
            self.pairs.clear();
            direction = point.gradient.clone().neg();
        }
        let mut t = if self.pairs.is_empty() {
            let largest = direction.clone().abs().max().into_scalar::<f64>();
            if largest > 0.0 {
                self.first_step / largest
            } else {
                return Ok(point);
            }
        } else {
            1.0
        };
        for _ in 0..MAX_TRIALS {
            let trial = (point.image.clone() + direction.clone().mul_scalar(t)).clamp(0.0, 255.0);
            let s = trial.clone() - point.image.clone();
            let predicted = dot(&point.gradient, &s).into_scalar::<f64>();
            let next = evaluate(trial)?;
            if next.losses.total <= point.losses.total + ARMIJO * predicted.min(0.0) {
                let y = next.gradient.clone() - point.gradient;
                self.remember(s, y);
                return Ok(next);
            }
            t *= 0.5;
        }
        // No decrease along this direction: forget the curvature and stay put; the next
        // iteration takes a bounded gradient step.
        self.pairs.clear();
        Ok(point)
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
