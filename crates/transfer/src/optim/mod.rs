//! Moving the pixels: one scale's iteration loop ([`iterate`]), and the optimisers it
//! steps, normalised gradient descent, Adam and L-BFGS, plus an exponential moving average
//! of the iterates. Each optimiser takes what it needs, not the config.

mod adam;
mod average;
pub(crate) mod iterate;
mod lbfgs;
mod line_search;
mod normalized_descent;
mod projection;
mod schedule;
mod step;
#[cfg(test)]
mod testing;

pub(crate) use average::Average;
pub(crate) use schedule::Schedule;
pub(crate) use step::{OptimizerState, Step};

use crate::Optimizer;
use adam::Adam;
use lbfgs::Lbfgs;
use normalized_descent::NormalizedDescent;

/// A fresh state of `optimizer` for a run: normalised descent and Adam follow `schedule`;
/// L-BFGS keeps `history` pairs and bounds its gradient steps to `schedule`'s first step.
pub(crate) fn start(optimizer: Optimizer, schedule: Schedule, history: usize) -> Box<dyn Step> {
    match optimizer {
        Optimizer::NormalizedDescent => Box::new(NormalizedDescent::new(schedule)),
        Optimizer::Adam => Box::new(Adam::new(schedule)),
        Optimizer::Lbfgs => Box::new(Lbfgs::new(history, schedule.at(1))),
    }
}
