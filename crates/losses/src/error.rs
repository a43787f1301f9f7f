//! What can go wrong while evaluating a loss.

use burn::tensor::TensorReadError;

/// An error of a loss that reads statistics back from the device to compute on the host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The device could not return a statistic.
    #[error("cannot read the {what} back from the device")]
    ReadBack {
        /// Which statistic.
        what: &'static str,
        /// The device's error.
        #[source]
        source: TensorReadError,
    },
    /// A symmetric eigendecomposition did not converge (a covariance with non-finite entries).
    #[error("the eigendecomposition of a {size}×{size} covariance matrix did not converge")]
    Eigen {
        /// The matrix's side.
        size: usize,
    },
    /// The matting Laplacian was given a photo that is not RGB.
    #[error("the matting Laplacian needs an RGB photo (3 channels), got {channels}")]
    NotRgb {
        /// The photo's channels.
        channels: usize,
    },
}
