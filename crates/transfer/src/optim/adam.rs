use burn::tensor::Tensor;

use super::schedule::Schedule;
use super::step::{Evaluate, OptimizerState, Step};
use crate::Error;
use crate::objective::Point;

/// Adam (Kingma & Ba) on the pixels, with `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8` and a learning
/// rate in 0–255 pixel levels: early steps move each pixel by about the learning rate.
/// Iterates are clipped to 0–255.
#[derive(Debug)]
pub(crate) struct Adam {
    schedule: Schedule,
    moments: Option<(Tensor<4>, Tensor<4>)>,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

impl Adam {
    /// Adam with learning rates from `schedule`.
    pub fn new(schedule: Schedule) -> Self {
        Self {
            schedule,
            moments: None,
        }
    }
}

impl Step for Adam {
    fn step(
        &mut self,
        point: Point,
        iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error> {
        let g = point.gradient;
        let (m, v) = match self.moments.take() {
            Some((m, v)) => (
                m.mul_scalar(BETA1) + g.clone().mul_scalar(1.0 - BETA1),
                v.mul_scalar(BETA2) + g.square().mul_scalar(1.0 - BETA2),
            ),
            None => (
                g.clone().mul_scalar(1.0 - BETA1),
                g.square().mul_scalar(1.0 - BETA2),
            ),
        };
        let t = iteration as i32;
        let m_hat = m.clone().div_scalar(1.0 - BETA1.powi(t));
        let v_hat = v.clone().div_scalar(1.0 - BETA2.powi(t));
        let step = m_hat.mul_scalar(self.schedule.at(iteration)) / v_hat.sqrt().add_scalar(EPSILON);
        self.moments = Some((m, v));
        evaluate((point.image - step).clamp(0.0, 255.0))
    }

    fn state(&self) -> OptimizerState {
        OptimizerState::Adam {
            moments: self.moments.clone().map(Box::new),
        }
    }

    fn restore(&mut self, state: OptimizerState) -> bool {
        match state {
            OptimizerState::Adam { moments } => {
                self.moments = moments.map(|m| *m);
                true
            }
            _ => false,
        }
    }
}
