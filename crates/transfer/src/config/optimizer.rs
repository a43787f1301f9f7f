//! Which optimiser moves the pixels.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Which optimiser a run uses; its settings are the config's `step_size`, `step_decay` and
/// `history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimizer {
    /// Normalised gradient descent, `x ← clip(x − g · step / std(g), 0, 255)`: each step moves
    /// pixels by about `step` levels whatever the losses' scale.
    #[default]
    // Recipes written before the rename call it `seed`.
    #[serde(alias = "seed")]
    NormalizedDescent,
    /// Adam with a learning rate in 0–255 pixel levels.
    Adam,
    /// Limited-memory BFGS with a strong Wolfe line search, projected onto 0–255.
    Lbfgs,
}

impl Optimizer {
    /// Every optimiser.
    pub const ALL: [Optimizer; 3] = [Self::NormalizedDescent, Self::Adam, Self::Lbfgs];

    /// The optimiser's name, as [`FromStr`](std::str::FromStr) reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::NormalizedDescent => "normalized-descent",
            Self::Adam => "adam",
            Self::Lbfgs => "lbfgs",
        }
    }
}

impl std::str::FromStr for Optimizer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        super::by_name(
            &Self::ALL,
            Self::name,
            s,
            ("optimizer", "normalized-descent, adam or lbfgs"),
        )
    }
}
