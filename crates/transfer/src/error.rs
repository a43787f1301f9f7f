/// Errors from configuring or running a style transfer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; the message names the field.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// The weights could not be found, fetched or imported.
    #[error(transparent)]
    Weights(#[from] nst_vgg16::Error),

    /// An image file cannot be read or decoded.
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },

    /// An input image cannot be used.
    #[error("the {which} image {reason}")]
    Image {
        /// Which input: `content`, `style`, `scored` or `initial`.
        which: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The loss or its gradient stopped being finite.
    #[error("the loss became {value} at iteration {iteration}; try a smaller step size")]
    NonFinite {
        /// The iteration (1-based) at which it happened.
        iteration: usize,
        /// The offending value.
        value: f64,
    },

    /// The device failed while computing or reading back a result.
    #[error("the device failed: {0}")]
    Device(String),
}
