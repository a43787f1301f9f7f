//! Which statistics of VGG-16's features the style term matches.

use serde::{Deserialize, Serialize};

use crate::{Error, Term};

/// The style term's loss: how the image's feature statistics are compared to the style's at
/// each style layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleLoss {
    /// Mean squared difference of Gram matrices (Gatys et al., 2016): second moments only.
    #[default]
    Gram,
    /// Wasserstein-2 distance between Gaussians fitted to the features (means and
    /// covariances), as crowsonkb's style-transfer-pytorch does since 2023.
    W2,
    /// Sliced Wasserstein distance between the features' distributions (Heitz et al., 2021),
    /// along as many random directions as channels, drawn anew at every evaluation from the
    /// run's seed.
    Sliced,
}

impl StyleLoss {
    /// Every style loss.
    pub const ALL: [StyleLoss; 3] = [Self::Gram, Self::W2, Self::Sliced];

    /// The loss's name, as [`FromStr`](std::str::FromStr) reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gram => "gram",
            Self::W2 => "w2",
            Self::Sliced => "sliced",
        }
    }

    /// The key the style term is reported under with this loss.
    pub fn term(self) -> Term {
        match self {
            Self::Gram => Term::Style,
            Self::W2 => Term::W2,
            Self::Sliced => Term::Sliced,
        }
    }
}

impl std::str::FromStr for StyleLoss {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        super::by_name(
            &Self::ALL,
            Self::name,
            s,
            ("style loss", "gram, w2 or sliced"),
        )
    }
}
