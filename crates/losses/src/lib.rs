//! The losses of neural style transfer (Gatys et al., 2016), on Burn tensors of any device.
//!
//! - [`ContentLoss`]: mean squared difference between activations.
//! - [`StyleLoss`]: mean squared difference between [`gram`] matrices.
//! - [`GuidedStyleLoss`]: the style loss per masked region (Gatys et al., 2017).
//! - [`TvLoss`]: total variation of the image, which suppresses high-frequency noise.
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
mod flex;
mod gram;
mod guided;
mod style;
mod tv;
mod weighting;
mod window;

pub use content::ContentLoss;
pub use gram::{gram, gram_from_partials};
pub use guided::GuidedStyleLoss;
pub use style::StyleLoss;
pub use tv::TvLoss;
pub use weighting::{NORMALIZATION_EPS, normalized_sum};
pub use window::Window;
