//! Writing outputs (images, checkpoints, logs, sheets) by the one rule [`crate::io`] states.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use tempfile::NamedTempFile;

use super::target::{StreamKind, Target, folder_of, write_error};
use crate::Error;

/// The format an output path's extension names. A path without an extension gets its
/// symlink's target's, and a stream (`-`, `/dev/stdout`) without one is a PNG.
pub fn output_format(path: &Path) -> Result<ImageFormat, Error> {
    let writable = |path: &Path| {
        ImageFormat::from_path(path)
            .ok()
            // GIFs are written as clips (`io::clip::write_gif`), not as still images.
            .filter(|format| format.writing_enabled() && *format != ImageFormat::Gif)
    };
    let format = match (writable(path), path.extension()) {
        (Some(format), _) => Some(format),
        (None, Some(_)) => None,
        (None, None) => match Target::of(path) {
            Ok(Target::File(file)) => writable(&file),
            Ok(_) => Some(ImageFormat::Png),
            Err(_) => None,
        },
    };
    format.ok_or_else(|| Error::UnknownFormat(path.to_owned()))
}

/// Checks, before a long run, that `path` can be written, changing nothing: a file can be
/// created in its (final target's) folder; a device can be opened for writing (it is not
/// truncated); a FIFO or socket is checked by its type alone, since opening and closing it
/// would end the stream for a reader already waiting.
pub fn check_writable(path: &Path) -> Result<(), Error> {
    match Target::of(path)? {
        Target::Stdout => Ok(()),
        Target::Stream {
            path: node,
            kind: StreamKind::CharDevice | StreamKind::BlockDevice,
        } => OpenOptions::new()
            .write(true)
            .open(node)
            .map(drop)
            .map_err(|e| write_error(path, e)),
        Target::Stream { .. } => Ok(()),
        Target::File(file) => stage(path, &file, NEW_FILE_MODE).map(drop),
    }
}

/// Writes `image` to `path` in the format [`output_format`] gives, by the [rule](crate::io):
/// atomically to a file, in place to a stream.
pub fn save(image: &RgbImage, path: &Path) -> Result<(), Error> {
    save_with_text(image, path, &[])
}

/// Like [`save`]; a PNG also gets each `(keyword, text)` pair as an iTXt chunk (other formats
/// are written without them).
pub fn save_with_text(image: &RgbImage, path: &Path, text: &[(&str, &str)]) -> Result<(), Error> {
    let format = output_format(path)?;
    let bytes = encode(image, format, text).map_err(|e| write_error(path, e))?;
    write_output(path, |writer| writer.write_all(&bytes))
}

/// `image` encoded as `format`; a PNG also gets each `(keyword, text)` pair as an iTXt chunk,
/// as [`save_with_text`] writes it.
pub fn encode_with_text(
    image: &RgbImage,
    format: ImageFormat,
    text: &[(&str, &str)],
) -> Result<Vec<u8>, Error> {
    encode(image, format, text).map_err(|source| Error::Encode {
        format: format!("{format:?}"),
        source,
    })
}

/// Writes `path` with `write` by the [rule](crate::io): `write` receives a temporary file
/// that then replaces the file, or the stream itself.
pub fn write_output(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match Target::of(path)? {
        Target::File(file) => atomically(path, &file, NEW_FILE_MODE, write),
        Target::Stdout => stream(path, io::stdout().lock(), write),
        Target::Stream { path: node, kind } => {
            let opened = open_stream(&node, kind).map_err(|e| write_error(path, e))?;
            stream(path, opened, write)
        }
    }
}

/// Writes `path` with `write` atomically, as [`write_output`] writes a file; a stream is
/// refused ([`Error::NotAFile`]), for files that must be read back whole (a checkpoint).
///
/// A new file gets the mode a program's new files get (`rw-rw-rw-` less the umask); a file
/// that is replaced keeps its mode, and its owner where the process may set it.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    atomically(path, &atomic_file(path)?, NEW_FILE_MODE, write)
}

/// Writes `path` as [`write_atomic`] does, but a new file is readable by its owner only
/// (`rw-------`): for a run's state (a checkpoint), which holds the pictures it is painting.
pub fn write_private(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    atomically(path, &atomic_file(path)?, 0o600, write)
}

/// The mode new outputs are created with, before the umask.
const NEW_FILE_MODE: u32 = 0o666;

/// Opens `path` to be written in place, a piece at a time, as a log that `tail -f` follows:
/// a stream is opened as [`write_output`] opens it, a file is created or truncated where it
/// is (a symlink's final target). Not atomic.
pub fn open_in_place(path: &Path) -> Result<Box<dyn Write + Send>, Error> {
    let error = |source| write_error(path, source);
    match Target::of(path)? {
        Target::Stdout => Ok(Box::new(io::stdout())),
        Target::Stream { path: node, kind } => open_stream(&node, kind).map_err(error),
        Target::File(file) => match File::create(file) {
            Ok(file) => Ok(Box::new(file)),
            Err(e) => Err(error(e)),
        },
    }
}

/// Syncs a file staged by [`staging_file`] for `path` and renames it over `path`'s file (a
/// symlink's final target), which keeps its mode. A stream is refused.
pub fn persist(staged: NamedTempFile, path: &Path) -> Result<(), Error> {
    commit(staged, path, &atomic_file(path)?)
}

/// A temporary file in the folder of `path`'s file (a symlink's final target), so that a
/// rename ([`persist`]) can replace it. A stream is refused.
pub fn staging_file(path: &Path) -> Result<NamedTempFile, Error> {
    stage(path, &atomic_file(path)?, NEW_FILE_MODE)
}

/// The file that replaces `path` atomically, or an error if `path` is a stream.
fn atomic_file(path: &Path) -> Result<PathBuf, Error> {
    match Target::of(path)? {
        Target::File(file) => Ok(file),
        Target::Stdout => Err(Error::NotAFile {
            path: path.to_owned(),
            kind: "standard output".to_owned(),
        }),
        Target::Stream { kind, .. } => Err(Error::NotAFile {
            path: path.to_owned(),
            kind: format!("a {kind}"),
        }),
    }
}

/// Writes `file` (which `path`, as the user named it, resolves to) atomically with `write`.
fn atomically(
    path: &Path,
    file: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let staged = stage(path, file, mode)?;
    let mut writer = BufWriter::new(staged.as_file());
    write(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| write_error(path, e))?;
    drop(writer);
    commit(staged, path, file)
}

/// Writes the stream `out` (which `path` names) with `write`, and flushes it.
fn stream(
    path: &Path,
    out: impl Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let mut writer = BufWriter::new(out);
    write(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| write_error(path, e))
}

/// Opens an existing stream node for writing, without truncating or creating anything.
fn open_stream(node: &Path, kind: StreamKind) -> io::Result<Box<dyn Write + Send>> {
    #[cfg(unix)]
    if kind == StreamKind::Socket {
        return Ok(Box::new(std::os::unix::net::UnixStream::connect(node)?));
    }
    #[cfg(not(unix))]
    let _ = kind;
    Ok(Box::new(OpenOptions::new().write(true).open(node)?))
}

/// A temporary file in `file`'s folder (`path` is the output as the user named it), created
/// with `mode` less the umask, as the file itself would be.
fn stage(path: &Path, file: &Path, mode: u32) -> Result<NamedTempFile, Error> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nst-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .tempfile_in(folder_of(file))
        .map_err(|e| write_error(path, e))
}

/// Syncs `staged`, gives it the mode (and where it may, the owner) of the file it replaces,
/// and renames it over `file`.
fn commit(staged: NamedTempFile, path: &Path, file: &Path) -> Result<(), Error> {
    let error = |source| write_error(path, source);
    staged.as_file().sync_all().map_err(error)?;
    if let Ok(replaced) = fs::metadata(file) {
        keep_mode_and_owner(staged.as_file(), &replaced).map_err(error)?;
    }
    staged.persist(file).map_err(|e| error(e.error))?;
    Ok(())
}

/// The image's bytes in `format`; a PNG gets the `text` chunks.
fn encode(image: &RgbImage, format: ImageFormat, text: &[(&str, &str)]) -> io::Result<Vec<u8>> {
    if format != ImageFormat::Png || text.is_empty() {
        let mut bytes = Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, format)
            .map_err(io::Error::other)?;
        return Ok(bytes.into_inner());
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, image.width(), image.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    for (keyword, value) in text {
        encoder
            .add_itxt_chunk((*keyword).to_owned(), (*value).to_owned())
            .map_err(io::Error::other)?;
    }
    let mut png = encoder.write_header().map_err(io::Error::other)?;
    png.write_image_data(image.as_raw())
        .map_err(io::Error::other)?;
    png.finish().map_err(io::Error::other)?;
    Ok(bytes)
}

/// Gives `staged` the mode of the file it replaces, and its owner and group where this process
/// may (a process that is not root keeps its own: a failed chown is not an error).
fn keep_mode_and_owner(staged: &File, replaced: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(staged, Some(replaced.uid()), Some(replaced.gid()));
    }
    staged.set_permissions(replaced.permissions())
}
