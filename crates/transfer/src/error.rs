/// A boxed error kept as another's cause.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Errors from configuring or running a style transfer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; the message names the field.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A name (of a preset, optimiser, weighting, color mode) that does not exist.
    #[error(transparent)]
    UnknownName(#[from] nst_vgg16::UnknownName),

    /// The weights could not be found or loaded.
    #[error(transparent)]
    Weights(#[from] nst_vgg16::Error),

    /// A loss computed on the host failed (a read-back, an eigendecomposition).
    #[error(transparent)]
    Loss(#[from] nst_losses::Error),

    /// The optical flow between two frames of a clip failed.
    #[error(transparent)]
    Flow(#[from] nst_flow::Error),

    /// A model given to the session does not fit it.
    #[error("the model {0}")]
    Model(String),

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

    /// A checkpoint that cannot be written, read or resumed.
    #[error("the checkpoint {reason}")]
    Checkpoint {
        /// What is wrong, e.g. `is truncated`.
        reason: String,
        /// The error behind it, if any.
        #[source]
        source: Option<Cause>,
    },

    /// The device failed while computing or reading back a result.
    #[error("the device failed: {reason}")]
    Device {
        /// What failed.
        reason: String,
        /// The error behind it, if any.
        #[source]
        source: Option<Cause>,
    },
}

impl Error {
    /// [`Error::Checkpoint`] without a cause.
    pub(crate) fn checkpoint(reason: impl Into<String>) -> Self {
        Self::Checkpoint {
            reason: reason.into(),
            source: None,
        }
    }

    /// [`Error::Checkpoint`] caused by `source`.
    pub(crate) fn checkpoint_from(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Checkpoint {
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }

    /// [`Error::Device`] without a cause.
    pub(crate) fn device(reason: impl Into<String>) -> Self {
        Self::Device {
            reason: reason.into(),
            source: None,
        }
    }

    /// [`Error::Device`] caused by `source`, while doing `reason`.
    pub(crate) fn device_from(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Device {
            reason: reason.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// An image carried by an error; its `Debug` shows the size, not the pixels.
#[derive(Clone, PartialEq)]
pub struct LastImage(pub image::RgbImage);

impl std::fmt::Debug for LastImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LastImage({}×{})", self.0.width(), self.0.height())
    }
}
