//! The losses of neural style transfer (Gatys et al., 2016), on Burn tensors of any device.
//!
//! - [`ContentLoss`]: mean squared difference between activations.
//! - [`GramLoss`]: mean squared difference between [`gram`] matrices.
//! - [`GuidedGramLoss`]: the Gram loss per masked region (Gatys et al., 2017).
//! - [`W2Loss`]: the Wasserstein-2 distance between Gaussians fitted to the features.
//! - [`SlicedLoss`]: the sliced Wasserstein distance between the features' distributions,
//!   along [`directions`] drawn from a seed (on [`SLICED_MAX_PIXELS`] drawn pixels of the
//!   larger layers).
//! - [`HistogramLoss`]: the distance to the features histogram-matched per channel.
//! - [`TemporalLoss`]: the weighted mean squared difference to the previous frame warped to
//!   this one (Ruder et al., 2016), for video.
//! - [`TvLoss`]: total variation of the image, which suppresses high-frequency noise.
//! - [`PhotorealismLoss`]: Luan et al.'s photorealism term, the photo's
//!   [`MattingLaplacian`] (applied without its matrix) as a quadratic form of the image; the
//!   same Laplacian [`smooth`](MattingLaplacian::smooth)s any result towards the photo's
//!   local colour models (Li et al., 2018).
//! - [`Window`]: a part of an activation; each loss splits into statistics that add up over
//!   the windows of a partition (`partial`) and a value of their sum (`from_partials`), for
//!   evaluating a large image tile by tile.
//! - [`normalized_sum`]: a weighted sum that divides each loss by its own current value, so that
//!   each term contributes its weight whatever the layers' magnitudes.
//!
//! The losses keep the dtype of their inputs, so they can be evaluated in `f64` for reference
//! values.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use nst_losses::{ContentLoss, gram};
//!
//! let device = Device::flex();
//! // One channel, 1×2 image: F = [[1], [2]] as [H·W, C], so Fᵀ F = 1 + 4 = 5.
//! let f = Tensor::<4>::from_floats([[[[1.0, 2.0]]]], &device);
//! assert_eq!(gram(f.clone(), false).into_scalar::<f32>(), 5.0);
//! let loss = ContentLoss::new(f.zeros_like()).forward(f);
//! assert_eq!(loss.into_scalar::<f32>(), 2.5); // (1² + 2²) / 2
//! ```

#![warn(missing_docs)]

mod content;
mod draws;
mod error;
mod flex;
mod gram;
mod gram_loss;
mod guided_gram_loss;
mod histogram;
mod host;
mod matting;
mod photorealism;
mod quantiles;
mod sliced;
mod symmetric;
mod temporal;
mod tv;
mod w2;
mod weighting;
mod window;

pub use content::ContentLoss;
pub use draws::{directions, pixel_subset};
pub use error::Error;
pub use gram::{cpu_gram_multiply_adds, gram, gram_from_partials};
pub use gram_loss::GramLoss;
pub use guided_gram_loss::GuidedGramLoss;
pub use histogram::HistogramLoss;
pub use matting::{MATTING_EPS, MattingLaplacian, Smoothed, Smoothing};
pub use photorealism::PhotorealismLoss;
pub use sliced::{SLICED_MAX_PIXELS, SlicedLoss};
pub use temporal::TemporalLoss;
pub use tv::TvLoss;
pub use w2::{W2_EPS, W2Loss};
pub use weighting::{NORMALIZATION_EPS, normalized_sum};
pub use window::Window;
