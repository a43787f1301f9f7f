//! Writing outputs (images, checkpoints, logs, sheets) by the one rule [`crate::io`] states.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use tempfile::NamedTempFile;

use crate::Error;

/// The output path that names standard output. Images written there are PNGs.
pub const STDOUT: &str = "-";

/// How an output path is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// [`STDOUT`] (`-`): standard output, written as a stream.
    Stdout,
    /// An existing FIFO, socket or device, written in place as a stream.
    Stream {
        /// The path as given (opening it follows its symlinks, `/dev/stdout`'s included).
        path: PathBuf,
        /// What the node is.
        kind: StreamKind,
    },
    /// A regular file or a missing path, replaced atomically: the file itself, with symlinks
    /// followed.
    File(PathBuf),
}

/// The kinds of node that are written as streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// A named pipe.
    Fifo,
    /// A Unix socket (connected to as a stream).
    Socket,
    /// A character device (`/dev/null`, a terminal).
    CharDevice,
    /// A block device.
    BlockDevice,
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fifo => "FIFO",
            Self::Socket => "socket",
            Self::CharDevice => "character device",
            Self::BlockDevice => "block device",
        })
    }
}

impl Target {
    /// How `path` is written (see the [rule](crate::io)).
    ///
    /// Fails for a folder, a path that cannot be looked at (a file where a folder should be,
    /// a symlink loop), and a dangling symlink whose target's folder does not exist.
    pub fn of(path: &Path) -> Result<Self, Error> {
        if path.as_os_str() == STDOUT {
            return Ok(Self::Stdout);
        }
        let error = |source| write_error(path, source);
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => Err(error(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a folder",
            ))),
            Ok(metadata) => match stream_kind(&metadata.file_type()) {
                Some(kind) => Ok(Self::Stream {
                    path: path.to_owned(),
                    kind,
                }),
                None if is_symlink(path) => fs::canonicalize(path).map(Self::File).map_err(error),
                None => Ok(Self::File(path.to_owned())),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound && is_symlink(path) => {
                let target = final_target(path).map_err(error)?;
                match folder_of(&target).is_dir() {
                    true => Ok(Self::File(target)),
                    false => Err(Error::DanglingSymlink {
                        link: path.to_owned(),
                        target,
                    }),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::File(path.to_owned())),
            Err(e) => Err(error(e)),
        }
    }

    /// Whether the target is written as a stream (standard output, a FIFO, socket or device).
    pub fn is_stream(&self) -> bool {
        !matches!(self, Self::File(_))
    }
}

/// The format an output path's extension names. A path without an extension gets its
/// symlink's target's, and a stream (`-`, `/dev/stdout`) without one is a PNG.
pub fn output_format(path: &Path) -> Result<ImageFormat, Error> {
    let writable = |path: &Path| {
        ImageFormat::from_path(path)
            .ok()
            .filter(|format| format.writing_enabled())
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
        Target::File(file) => stage(path, &file).map(drop),
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

/// Writes `path` with `write` by the [rule](crate::io): `write` receives a temporary file
/// that then replaces the file, or the stream itself.
pub fn write_output(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match Target::of(path)? {
        Target::File(file) => atomically(path, &file, write),
        Target::Stdout => stream(path, io::stdout().lock(), write),
        Target::Stream { path: node, kind } => {
            let opened = open_stream(&node, kind).map_err(|e| write_error(path, e))?;
            stream(path, opened, write)
        }
    }
}

/// Writes `path` with `write` atomically, as [`write_output`] writes a file; a stream is
/// refused ([`Error::NotAFile`]), for files that must be read back whole (a checkpoint).
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    atomically(path, &atomic_file(path)?, write)
}

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

/// Syncs a file staged by [`staging_file`] for `path`, gives it the usual `rw-r--r--` mode and
/// renames it over `path`'s file (a symlink's final target). A stream is refused.
pub fn persist(staged: NamedTempFile, path: &Path) -> Result<(), Error> {
    commit(staged, path, &atomic_file(path)?)
}

/// A temporary file in the folder of `path`'s file (a symlink's final target), so that a
/// rename ([`persist`]) can replace it. A stream is refused.
pub fn staging_file(path: &Path) -> Result<NamedTempFile, Error> {
    stage(path, &atomic_file(path)?)
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
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let staged = stage(path, file)?;
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

/// A temporary file in `file`'s folder (`path` is the output as the user named it).
fn stage(path: &Path, file: &Path) -> Result<NamedTempFile, Error> {
    tempfile::Builder::new()
        .prefix(".nst-")
        .tempfile_in(folder_of(file))
        .map_err(|e| write_error(path, e))
}

/// Syncs `staged`, gives it the usual mode and renames it over `file`.
fn commit(staged: NamedTempFile, path: &Path, file: &Path) -> Result<(), Error> {
    let error = |source| write_error(path, source);
    staged.as_file().sync_all().map_err(error)?;
    set_readable(staged.as_file());
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

fn write_error(path: &Path, source: io::Error) -> Error {
    Error::Write {
        path: path.to_owned(),
        source,
    }
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(file: &Path) -> &Path {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The missing path a dangling symlink ends at, following its chain of links.
fn final_target(link: &Path) -> io::Result<PathBuf> {
    let mut current = link.to_owned();
    for _ in 0..40 {
        if !is_symlink(&current) {
            return Ok(current);
        }
        let next = fs::read_link(&current)?;
        current = folder_of(&current).join(next); // an absolute `next` replaces the folder
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(unix)]
fn stream_kind(file_type: &fs::FileType) -> Option<StreamKind> {
    use std::os::unix::fs::FileTypeExt;
    [
        (file_type.is_fifo(), StreamKind::Fifo),
        (file_type.is_socket(), StreamKind::Socket),
        (file_type.is_char_device(), StreamKind::CharDevice),
        (file_type.is_block_device(), StreamKind::BlockDevice),
    ]
    .into_iter()
    .find_map(|(is, kind)| is.then_some(kind))
}

#[cfg(not(unix))]
fn stream_kind(_: &fs::FileType) -> Option<StreamKind> {
    None
}

/// Gives the staged file the usual `rw-r--r--` mode instead of the temporary file's `rw-------`.
fn set_readable(file: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(fs::Permissions::from_mode(0o644));
    }
    #[cfg(not(unix))]
    let _ = file;
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    use std::process::Command;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// A FIFO made with `mkfifo`, or `None` (with the reason printed) where there is none.
    fn fifo(path: &Path) -> Option<()> {
        match Command::new("mkfifo").arg(path).status() {
            Ok(status) if status.success() => Some(()),
            outcome => {
                eprintln!("skipped: mkfifo failed ({outcome:?})");
                None
            }
        }
    }

    /// The names in a folder, sorted (so that a stray temporary file shows).
    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `f` on another thread; fails the test (instead of hanging) if it takes over 10 s.
    fn within_10_s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || send.send(f()));
        receive
            .recv_timeout(Duration::from_secs(10))
            .expect("blocked for 10 s")
    }

    #[test]
    fn a_fifo_is_written_as_a_stream_and_stays_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe");
        let Some(()) = fifo(&path) else { return };
        // Checking it opens nothing: with no reader, opening would block (or fail).
        let checked = path.clone();
        within_10_s(move || check_writable(&checked)).unwrap();
        assert_eq!(output_format(&path).unwrap(), ImageFormat::Png);
        assert!(matches!(
            Target::of(&path).unwrap(),
            Target::Stream {
                kind: StreamKind::Fifo,
                ..
            }
        ));

        let reader = path.clone();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || send.send(fs::read(reader)));
        write_output(&path, |w| w.write_all(b"through the pipe")).unwrap();
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
        let read = receive.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(read.unwrap(), b"through the pipe");
        assert_eq!(names(dir.path()), ["pipe"]);

        // A file that must be replaced atomically refuses it, without opening it.
        let refused = path.clone();
        let error = within_10_s(move || write_atomic(&refused, |w| w.write_all(b"x")));
        let message = error.unwrap_err().to_string();
        assert!(
            message.contains("it is a FIFO, not a regular file"),
            "{message}"
        );
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
        assert!(staging_file(&path).is_err());
    }

    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.png");
        fs::write(&real, b"old").unwrap();
        let links = dir.path().join("links");
        fs::create_dir(&links).unwrap();
        let link = links.join("out.png");
        std::os::unix::fs::symlink("../real.png", &link).unwrap();

        check_writable(&link).unwrap();
        write_output(&link, |w| w.write_all(b"new")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("../real.png"));
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["links", "real.png"]);
        assert_eq!(names(&links), ["out.png"]);

        // An image through the link, and the other public writers.
        save(&RgbImage::new(3, 2), &link).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(image::open(&real).unwrap().width(), 3);
        write_atomic(&link, |w| w.write_all(b"atomic")).unwrap();
        let mut staged = staging_file(&link).unwrap();
        staged.write_all(b"staged").unwrap();
        persist(staged, &link).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"staged");
        let mut log = open_in_place(&link).unwrap();
        log.write_all(b"line\n").unwrap();
        drop(log);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"line\n");
        assert_eq!(names(dir.path()), ["links", "real.png"]);
    }

    #[test]
    fn a_dangling_symlink_creates_its_target_if_its_folder_exists() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out.png");
        std::os::unix::fs::symlink("made.png", &link).unwrap();
        write_output(&link, |w| w.write_all(b"bytes")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(dir.path().join("made.png")).unwrap(), b"bytes");

        let nowhere = dir.path().join("nowhere.png");
        std::os::unix::fs::symlink("missing/out.png", &nowhere).unwrap();
        let message = check_writable(&nowhere).unwrap_err().to_string();
        assert!(
            message.contains("nowhere.png: it is a symlink to")
                && message.contains("missing/out.png, whose folder does not exist"),
            "{message}"
        );
        assert!(!message.contains('\n'));
        assert!(write_output(&nowhere, |w| w.write_all(b"x")).is_err());
        assert_eq!(names(dir.path()), ["made.png", "nowhere.png", "out.png"]);
    }

    #[test]
    fn a_regular_file_is_replaced_atomically_with_mode_0644() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        fs::write(&path, b"old contents").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        // A second name for the old file: written in place, it would change too.
        let old = dir.path().join("old");
        fs::hard_link(&path, &old).unwrap();
        write_output(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(fs::read(&old).unwrap(), b"old contents");
        let metadata = fs::symlink_metadata(&path).unwrap();
        assert!(metadata.file_type().is_file());
        assert_eq!(metadata.permissions().mode() & 0o777, 0o644);
        assert_eq!(names(dir.path()), ["old", "out.bin"]);

        // A failed write leaves the file alone and no temporary file behind.
        let failed = write_output(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("the encoder failed"))
        });
        let message = format!("{}", failed.unwrap_err());
        assert_eq!(message, format!("cannot write {}", path.display()));
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["old", "out.bin"]);
    }

    #[test]
    fn folders_and_missing_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = check_writable(dir.path()).unwrap_err();
        assert!(
            format!("{:?}", error).contains("it is a folder"),
            "{error:?}"
        );
        assert!(check_writable(&dir.path().join("missing/out.png")).is_err());
        assert!(write_output(dir.path(), |w| w.write_all(b"x")).is_err());
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_dash_is_standard_output_and_a_png() {
        assert_eq!(Target::of(Path::new("-")).unwrap(), Target::Stdout);
        assert_eq!(output_format(Path::new("-")).unwrap(), ImageFormat::Png);
        assert!(check_writable(Path::new("-")).is_ok());
        let error = write_atomic(Path::new("-"), |w| w.write_all(b"x")).unwrap_err();
        assert!(
            error.to_string().contains("it is standard output"),
            "{error}"
        );
        // A file without an extension has no format; `./-` is a file.
        assert!(output_format(Path::new("/nonexistent/out")).is_err());
        assert!(matches!(Target::of(Path::new("./-")), Ok(Target::File(_))));
    }

    /// Whether this process runs as root, from `/proc/self/status`'s `Uid:` line.
    fn is_root() -> bool {
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
        uid.and_then(|uid| uid.split_whitespace().next()) == Some("0")
    }

    #[test]
    fn a_character_device_is_written_in_place_and_survives() {
        if !is_root() {
            eprintln!("skipped: not root, so mknod cannot make a device node");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let null = dir.path().join("null");
        let made = Command::new("mknod")
            .arg(&null)
            .args(["c", "1", "3"])
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mknod failed (no CAP_MKNOD in this container?)");
            return;
        }
        if let Err(e) = OpenOptions::new().write(true).open(&null) {
            eprintln!("skipped: the device node cannot be opened here ({e}: a nodev mount?)");
            return;
        }
        check_writable(&null).unwrap();
        assert_eq!(output_format(&null).unwrap(), ImageFormat::Png);
        save_with_text(&RgbImage::new(4, 4), &null, &[("nst:recipe", "{}")]).unwrap();
        write_output(&null, |w| w.write_all(b"into the void")).unwrap();
        let mut log = open_in_place(&null).unwrap();
        log.write_all(b"a line\n").unwrap();
        drop(log);
        let metadata = fs::symlink_metadata(&null).unwrap();
        assert!(metadata.file_type().is_char_device());
        assert_eq!(names(dir.path()), ["null"]);
        let message = write_atomic(&null, |w| w.write_all(b"x"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("it is a character device"), "{message}");
    }
}
