//! What an output path names, and so how it is written: standard output, a stream node
//! (FIFO, socket, device) written in place, or a file (symlinks followed) replaced atomically.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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

/// The error of writing `path`.
pub(super) fn write_error(path: &Path, source: io::Error) -> Error {
    Error::Write {
        path: path.to_owned(),
        source,
    }
}

/// The folder a file is in (`.` for a bare name).
pub(super) fn folder_of(file: &Path) -> &Path {
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
