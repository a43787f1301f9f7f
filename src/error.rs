/// Errors of the `nst` facade: choosing a backend, writing files, reading recipes, and every
/// error of a style transfer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A style transfer failed (configuration, inputs, weights, device).
    #[error(transparent)]
    Transfer(#[from] nst_transfer::Error),

    /// The name is not a backend.
    #[error("unknown backend `{0}` (expected one of auto, cpu, ndarray, wgpu, cuda)")]
    UnknownBackend(String),

    /// The backend's cargo feature was off when this binary was built.
    #[error("this build of nst has no `{0}` backend: rebuild with `--features {0}`")]
    BackendNotCompiled(&'static str),

    /// The driver or adapter is missing or failed to start.
    #[error("could not open the {backend} backend: {reason}")]
    BackendUnavailable {
        /// The backend asked for.
        backend: &'static str,
        /// What the driver said.
        reason: String,
    },

    /// An output's extension names no format this build can write.
    #[error(
        "cannot tell the image format of {} from its extension (use .png, .jpg, .webp, .tif or .bmp)",
        .0.display()
    )]
    UnknownFormat(std::path::PathBuf),

    /// A file could not be written.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },

    /// A file could not be read (to hash it, or to find its recipe).
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },

    /// The PNG has no recipe.
    #[error("{} has no nst recipe (only PNGs written by nst carry one)", .0.display())]
    NoRecipe(std::path::PathBuf),

    /// The recipe is not valid JSON for this version, or cannot be written as JSON.
    #[error("the recipe {where_} is invalid: {reason}")]
    InvalidRecipe {
        /// Where: `in FILE`, or `of this run`.
        where_: String,
        /// Why.
        reason: String,
    },

    /// A file differs from the one the recipe was made with.
    #[error(
        "{} has changed since the recipe was made (sha256 {actual}, recipe says {expected})",
        path.display()
    )]
    Changed {
        /// The file.
        path: std::path::PathBuf,
        /// Its hash now.
        actual: String,
        /// The recipe's hash.
        expected: String,
    },
}

impl From<nst_vgg16::Error> for Error {
    fn from(error: nst_vgg16::Error) -> Self {
        Self::Transfer(error.into())
    }
}
