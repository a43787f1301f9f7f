//! Which of the content's colors a run keeps.

use serde::{Deserialize, Serialize};

/// How the content image's colors are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreserveColors {
    /// Transfer on luminance only: the images are reduced to their YIQ luma (the style's
    /// matched to the content's mean and spread), and the result's luma is recombined with the
    /// content's I and Q chroma.
    Luminance,
    /// Recolor the style image before the transfer so that its color mean and covariance
    /// equal the content's (a linear color transfer, `x ↦ L_c L_s⁻¹ (x − μ_s) + μ_c` with
    /// Cholesky factors of the covariances).
    Histogram,
}

impl std::str::FromStr for PreserveColors {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, crate::Error> {
        match s.to_ascii_lowercase().as_str() {
            "luminance" => Ok(Self::Luminance),
            "histogram" => Ok(Self::Histogram),
            _ => Err(crate::Error::from(nst_vgg16::UnknownName {
                what: "color mode",
                name: s.to_owned(),
                expected: "luminance or histogram",
            })),
        }
    }
}
