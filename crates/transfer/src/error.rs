/// Errors from configuring or running a style transfer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; the message names the field.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A name (of a preset, optimiser, weighting, color mode) that does not exist.
    #[error("unknown {what} `{name}`: use {expected}")]
    UnknownName {
        /// What kind of name it is.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names there are.
        expected: &'static str,
    },

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

    /// Image bytes cannot be decoded.
    #[error("cannot decode the image: {reason}")]
    Decode {
        /// Why, in one line.
        reason: String,
    },

    /// An input image cannot be used, or is missing.
    #[error("the {which} image {reason}")]
    Image {
        /// Which input: `content`, `style`, `scored` or `initial`.
        which: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A style mask cannot be used.
    #[error("style mask {number}: {reason}")]
    StyleMask {
        /// Which mask, from 1.
        number: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// No loss term depends on the image, so there is no gradient to descend.
    #[error("no gradient reached the image: all weighted losses are constant")]
    NoGradient,

    /// The loss or its gradient stopped being finite; the run stopped.
    #[error("the {what} became {value} at iteration {iteration}; try smaller weights or step size")]
    NonFinite {
        /// `loss` or `gradient`.
        what: &'static str,
        /// The iteration (1-based) at which it happened.
        iteration: usize,
        /// The offending value.
        value: f64,
        /// The last image whose loss and gradient were finite (the start image if none was),
        /// when a run got that far.
        last_finite: Option<LastImage>,
    },

    /// A checkpoint that cannot be read or resumed.
    #[error("the checkpoint {0}")]
    Checkpoint(String),

    /// The device failed while computing or reading back a result.
    #[error("the device failed: {0}")]
    Device(String),
}

/// An image carried by an error; its `Debug` shows the size, not the pixels.
#[derive(Clone, PartialEq)]
pub struct LastImage(pub image::RgbImage);

impl std::fmt::Debug for LastImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LastImage({}×{})", self.0.width(), self.0.height())
    }
}
