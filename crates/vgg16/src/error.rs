use std::path::PathBuf;

/// Errors raised while naming layers, loading weights or fetching them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A layer name or index that VGG-16 does not have.
    #[error("unknown VGG-16 layer `{0}`: expected conv1_1 … conv5_3 or an index 0–12")]
    UnknownLayer(String),

    /// The ONNX bytes could not be parsed.
    #[error(
        "cannot read the ONNX model {origin} (a truncated or corrupt file: delete it to download \
         the default weights again, or pass a VGG-16 ONNX file with --weights)"
    )]
    Onnx {
        /// The file, or `bytes in memory`.
        origin: String,
        /// What the parser said.
        #[source]
        source: onnx_ir::Error,
    },

    /// The ONNX model parsed, but its convolutions are not VGG-16's.
    #[error("{origin} is not a VGG-16 model: {reason} (pass a VGG-16 ONNX file with --weights)")]
    NotVgg16 {
        /// The file, or `bytes in memory`.
        origin: String,
        /// What was expected and what was found.
        reason: String,
    },

    /// The default weights are not in the cache, and loading does not download.
    #[error(
        "the VGG-16 weights are not in the cache ({}): fetch them once with \
         `nst::weights::fetch` (the `nst` command does it on first use), or give the ONNX file \
         or its bytes (`WeightsSource::Path`, `WeightsSource::Bytes`, `nst --weights PATH`)",
        .0.display()
    )]
    NotCached(PathBuf),

    /// Neither `XDG_CACHE_HOME` nor `HOME` names a cache folder.
    #[error("no cache folder: neither XDG_CACHE_HOME (an absolute path) nor HOME is set")]
    NoCacheDir,

    /// The default weights could not be fetched.
    #[error("{reason}. {how_to_install}")]
    Fetch {
        /// What went wrong.
        reason: String,
        /// The error that made it go wrong, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        /// Where the weights are expected.
        cache_path: PathBuf,
        /// How to install them by hand.
        how_to_install: String,
    },

    /// A weights path that is not a file (a folder, say).
    #[error("{}: is not a file", .0.display())]
    NotAFile(PathBuf),

    /// A pooling or weight flavour name that does not exist.
    #[error(transparent)]
    UnknownName(#[from] UnknownName),

    /// `f16` was asked for on a device without it.
    #[error("f16 needs a GPU with f16 arithmetic on the wgpu or cuda backend: {0}")]
    F16Unavailable(&'static str),

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
    #[error("{}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// A name (of a pooling, a flavour, a preset, an optimiser…) that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`: use {expected}")]
pub struct UnknownName {
    /// What kind of name.
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The names there are.
    pub expected: &'static str,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
