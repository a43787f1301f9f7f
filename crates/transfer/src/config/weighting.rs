//! How the loss terms are weighed against each other.

use serde::{Deserialize, Serialize};

use crate::Error;

/// How the loss terms `Lₖ` are combined with their weights `wₖ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// `Σ wₖ Lₖ / Lₖ(x)`, each loss divided by its own current (detached) value, so the
    /// weights act on relative changes whatever the layers' magnitudes. The objective changes
    /// every iteration, which suits normalized descent and Adam but not L-BFGS.
    #[default]
    Normalized,
    /// `Σ wₖ Lₖ / max(Lₖ(x₀), Rₖ)`, divided by the losses of the starting image (of each
    /// scale), then fixed: weights as easy to choose as with `normalized`, and one objective
    /// throughout, which L-BFGS and coarse-to-fine runs need. `Rₖ` keeps a start that already
    /// matches a target from dividing by about zero: a feature loss's value on a flat image
    /// of the photo's mean color, and the photo's total variation.
    Initial,
    /// `Σ wₖ Lₖ`, as neural-style and the PyTorch tutorial weigh them.
    Raw,
}

impl std::str::FromStr for Weighting {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "normalized" | "normalised" => Ok(Self::Normalized),
            "initial" => Ok(Self::Initial),
            "raw" => Ok(Self::Raw),
            _ => Err(Error::from(nst_vgg16::UnknownName {
                what: "weighting",
                name: s.to_owned(),
                expected: "normalized, initial or raw",
            })),
        }
    }
}
