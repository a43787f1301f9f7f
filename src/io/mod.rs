//! Reading images with useful errors, and writing outputs by one rule. [`clip`] reads and
//! writes clips: folders of frames, animated GIFs and APNGs.
//!
//! An output path is first resolved to a [`Target`]:
//!
//! - `-` ([`STDOUT`]) is standard output, written as a stream; an image there is a PNG;
//! - an existing FIFO, socket, or character or block device (after following symlinks:
//!   `/dev/stdout`, `/dev/null`) is opened for writing and written in place as a stream: no
//!   temporary file, no rename, so the node stays what it is;
//! - anything else, a regular file or a missing path, is written atomically: the bytes go to a
//!   temporary file in the same folder, which is synced and renamed over the file. A new file
//!   gets `rw-rw-rw-` less the umask (a checkpoint, [`write_private`], `rw-------`); a replaced
//!   file keeps its mode, and its owner where the process may set it. A symlink is followed first, so its final target is replaced and the link
//!   stays a link; a dangling symlink creates its target if the target's folder exists.
//!
//! A folder is never an output. On other systems than Unix every existing path is a file.

pub mod clip;
mod decode;
mod target;
mod write;

pub use clip::{Clip, ClipKind, FRAME_EXTENSIONS, FrameRate, frame_name, write_apng, write_gif};

pub use decode::{
    DecodeError, MAX_DECODED_BYTES, decode_rgb, decode_rgb_with, load_rgb, load_rgb_with,
};

pub use target::{STDOUT, StreamKind, Target};
pub use write::{
    check_writable, encode_with_text, open_in_place, output_format, persist, save, save_with_text,
    staging_file, write_atomic, write_output, write_private,
};
