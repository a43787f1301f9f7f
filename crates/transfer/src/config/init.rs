//! How the optimised image starts.

use serde::{Deserialize, Serialize};

/// How the optimised image starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Uniform noise in `[low, high)` on the 0–255 scale, drawn from the config's seed.
    Noise {
        /// Lower bound, inclusive.
        low: f32,
        /// Upper bound, exclusive.
        high: f32,
    },
    /// The content image itself.
    Content,
    /// Gaussian noise with each channel's mean and standard deviation taken from the style
    /// image (blended over several), drawn from the config's seed.
    StyleStatistics,
    /// The image given to the session with
    /// [`StyleTransfer::with_init_image`](crate::StyleTransfer::with_init_image), resized to
    /// the content's size (the configuration names no file).
    Image,
}

impl Default for Init {
    /// Grey noise: uniform in `[128, 129)`.
    fn default() -> Self {
        Init::Noise {
            low: 128.0,
            high: 129.0,
        }
    }
}
