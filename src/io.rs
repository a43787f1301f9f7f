//! Reading images with useful errors, and writing files atomically.

mod decode;

pub use decode::{
    DecodeError, MAX_DECODED_BYTES, decode_rgb, decode_rgb_with, load_rgb, load_rgb_with,
};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use image::{ImageFormat, RgbImage};
use tempfile::NamedTempFile;

use crate::Error;

/// The format an output path's extension names.
pub fn output_format(path: &Path) -> Result<ImageFormat, Error> {
    ImageFormat::from_path(path)
        .ok()
        .filter(|format| format.writing_enabled())
        .ok_or_else(|| Error::UnknownFormat(path.to_owned()))
}

/// Checks, before a long run, that a file can be created in `path`'s folder.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    staging_file(path).map(drop)
}

/// Writes `image` to `path` in the format its extension names, atomically: the bytes go to a
/// temporary file in the same folder, which is then renamed over `path`.
pub fn save_atomic(image: &RgbImage, path: &Path) -> Result<(), Error> {
    let format = output_format(path)?;
    write_atomic(path, |writer| {
        image.write_to(writer, format).map_err(|e| e.to_string())
    })
}

/// Like [`save_atomic`]; a PNG also gets each `(keyword, text)` pair as an iTXt chunk
/// (other formats are written without them).
pub fn save_atomic_with_text(
    image: &RgbImage,
    path: &Path,
    text: &[(&str, &str)],
) -> Result<(), Error> {
    if output_format(path)? != ImageFormat::Png || text.is_empty() {
        return save_atomic(image, path);
    }
    write_atomic(path, |writer| {
        let mut encoder = png::Encoder::new(writer, image.width(), image.height());
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        for (keyword, value) in text {
            encoder
                .add_itxt_chunk((*keyword).to_owned(), (*value).to_owned())
                .map_err(|e| e.to_string())?;
        }
        let mut png = encoder.write_header().map_err(|e| e.to_string())?;
        png.write_image_data(image.as_raw())
            .map_err(|e| e.to_string())?;
        png.finish().map_err(|e| e.to_string())
    })
}

/// Writes a file atomically with `write`, which receives the temporary file.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> Result<(), String>,
) -> Result<(), Error> {
    let error = |reason: String| Error::Write {
        path: path.to_owned(),
        reason,
    };
    let staged = staging_file(path)?;
    let mut writer = BufWriter::new(staged.as_file());
    write(&mut writer).map_err(error)?;
    writer.flush().map_err(|e| error(e.to_string()))?;
    drop(writer);
    persist(staged, path)
}

/// Syncs a staged file, gives it the usual `rw-r--r--` mode and renames it to `path`.
pub fn persist(staged: NamedTempFile, path: &Path) -> Result<(), Error> {
    let error = |e: std::io::Error| Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    staged.as_file().sync_all().map_err(error)?;
    set_readable(staged.as_file());
    staged.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}

/// A temporary file in the same folder as `path`, so that a rename can replace `path`.
pub fn staging_file(path: &Path) -> Result<NamedTempFile, Error> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".nst-")
        .tempfile_in(folder)
        .map_err(|e| Error::Write {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

/// Gives the staged file the usual `rw-r--r--` mode instead of the temporary file's `rw-------`.
fn set_readable(file: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = file;
}
