//! The loss terms of the objective, by key, and the losses of one image as numbers on the host.

use serde::{Deserialize, Serialize};

/// A term of the objective: the key [`Losses`] and [`Scores`](crate::Scores) report it by.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// The mean over the content layers of the mean squared activation difference.
    Content,
    /// The weighted mean over the style layers of the mean squared Gram difference.
    Style,
    /// The total variation of the 0–255 image.
    Denoise,
    /// The style term with the Wasserstein-2 loss: the weighted mean over the style layers of
    /// the distance between Gaussians fitted to the features, divided by the channel count.
    W2,
    /// The style term with the sliced Wasserstein loss: the weighted mean over the style
    /// layers of the mean squared difference of sorted projections.
    Sliced,
    /// The mean over the histogram layers of the mean squared distance to the features
    /// histogram-matched to the style's.
    Histogram,
    /// The weighted mean squared difference between a video frame and the previous painted
    /// frame warped to it (Ruder et al., 2016), where the motion is reliable.
    Temporal,
    /// Luan et al.'s (2017) photorealism term: the image's local-affine residual per pixel
    /// against the photo's matting Laplacian, both in 0–1.
    Photorealism,
}

impl Term {
    /// The name reports and logs use: `content`, `style` (Gram), `denoise`, `w2`, `sliced`,
    /// `histogram`, `temporal`, `photorealism`.
    pub fn name(self) -> &'static str {
        match self {
            Term::Content => "content",
            Term::Style => "style",
            Term::Denoise => "denoise",
            Term::W2 => "w2",
            Term::Sliced => "sliced",
            Term::Histogram => "histogram",
            Term::Temporal => "temporal",
            Term::Photorealism => "photorealism",
        }
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The raw losses of one image, as plain numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Losses {
    /// Each term's raw (unweighted) value, in the objective's order.
    pub terms: Vec<(Term, f64)>,
    /// The weighted sum that is minimised.
    pub total: f64,
}

impl Losses {
    /// The value of `term`, if the objective has it.
    ///
    /// ```
    /// use nst_transfer::{Losses, Term};
    /// let losses = Losses { terms: vec![(Term::Style, 2.0)], total: 1.0 };
    /// assert_eq!(losses.get(Term::Style), Some(2.0));
    /// assert_eq!(losses.get(Term::Content), None);
    /// ```
    pub fn get(&self, term: Term) -> Option<f64> {
        self.terms
            .iter()
            .find_map(|&(key, value)| (key == term).then_some(value))
    }
}
