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
    #[error("{reason}. {how_to_install}")]
    Fetch {
        /// What went wrong.
        reason: String,
        /// Where the weights are expected.
        cache_path: PathBuf,
        /// How to install them by hand.
        how_to_install: String,
    },

    /// A weights path that is not a file (a folder, say).
    #[error("{}: is not a file", .0.display())]
    NotAFile(PathBuf),

    /// A pooling or weight flavour name that does not exist.
    #[error("unknown {what} `{name}`: use {expected}")]
    UnknownName {
        /// What kind of name.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names there are.
        expected: &'static str,
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
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        reason: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |reason| Self::Io { path, reason }
    }
}
