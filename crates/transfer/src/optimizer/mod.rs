//! The optimisers that move the pixels: the seed's normalised gradient descent, Adam and
//! L-BFGS, plus an exponential moving average of the iterates.

mod adam;
mod average;
mod lbfgs;
mod seed;

pub use adam::Adam;
pub use average::Average;
pub use lbfgs::Lbfgs;
pub use seed::SeedDescent;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::{Error, Losses, StyleTransferConfig};

/// Which optimiser a run uses; its settings are the config's `step_size`, `step_decay` and
/// `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// The seed's normalised gradient descent ([`SeedDescent`]).
    #[default]
    Seed,
    /// Adam with a learning rate in 0–255 pixel levels ([`Adam`]).
    Adam,
    /// Limited-memory BFGS with a backtracking line search, projected onto 0–255 ([`Lbfgs`]).
    Lbfgs,
}

impl std::str::FromStr for Optimizer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "seed" => Ok(Self::Seed),
            "adam" => Ok(Self::Adam),
            "lbfgs" | "l-bfgs" => Ok(Self::Lbfgs),
            _ => Err(Error::Config(format!(
                "unknown optimizer `{s}`: use seed, adam or lbfgs"
            ))),
        }
    }
}

/// An image, its losses and the gradient of the objective there (without autodiff).
pub(crate) struct Point {
    pub image: Tensor<4>,
    pub losses: Losses,
    pub gradient: Tensor<4>,
}

/// Evaluates the objective and its gradient at an image.
pub(crate) type Evaluate<'a> = dyn FnMut(Tensor<4>) -> Result<Point, Error> + 'a;

/// One optimiser's state over a run (or one scale of it).
pub(crate) trait Step {
    /// Moves from `point` (iteration `iteration` of `iterations`, from 1) to the next
    /// evaluated point.
    fn step(
        &mut self,
        point: Point,
        iteration: usize,
        evaluate: &mut Evaluate<'_>,
    ) -> Result<Point, Error>;
}

impl Optimizer {
    /// A fresh optimiser state for a run of `iterations` steps.
    pub(crate) fn start(self, config: &StyleTransferConfig, iterations: usize) -> Box<dyn Step> {
        let schedule = Schedule::new(config.step_size, config.step_decay, iterations);
        match self {
            Self::Seed => Box::new(SeedDescent::new(schedule)),
            Self::Adam => Box::new(Adam::new(schedule)),
            Self::Lbfgs => Box::new(Lbfgs::new(config.history, config.step_size)),
        }
    }
}

/// A step size that falls geometrically from `initial` at the first iteration to
/// `initial · decay` at the last (and stays there).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    initial: f64,
    ratio: f64,
    iterations: usize,
}

impl Schedule {
    /// The schedule of a run of `iterations` steps.
    pub fn new(initial: f64, decay: f64, iterations: usize) -> Self {
        let ratio = match iterations {
            0 | 1 => 1.0,
            n => decay.powf(1.0 / (n - 1) as f64),
        };
        Self {
            initial,
            ratio,
            iterations,
        }
    }

    /// The step size at `iteration` (from 1).
    ///
    /// ```
    /// use nst_transfer::Schedule;
    /// let schedule = Schedule::new(10.0, 0.1, 3);
    /// assert_eq!(schedule.at(1), 10.0);
    /// assert!((schedule.at(3) - 1.0).abs() < 1e-12);
    /// ```
    pub fn at(&self, iteration: usize) -> f64 {
        let steps = iteration.clamp(1, self.iterations.max(1)) - 1;
        self.initial * self.ratio.powf(steps as f64)
    }
}

/// `Σ a·b` as a one-element tensor.
fn dot(a: &Tensor<4>, b: &Tensor<4>) -> Tensor<1> {
    (a.clone() * b.clone()).sum()
}

/// A one-element tensor as `[1, 1, 1, 1]`, to scale an image.
fn scalar4(t: Tensor<1>) -> Tensor<4> {
    t.reshape([1, 1, 1, 1])
}
