//! Clips: the frames of a folder, an animated GIF or an APNG, read one at a time; and GIFs and
//! APNGs written a frame at a time.
//!
//! [`Clip::open`] takes
//!
//! - a folder: its image files (`.png`, `.jpg`, `.jpeg`, `.webp`, `.tif`, `.tiff`, `.bmp`,
//!   any case) sorted by file name, byte by byte (so number them with leading zeros:
//!   `frame-0002.png` comes before `frame-0010.png`, `frame-2.png` after `frame-10.png`).
//!   Other files, hidden files (`.name`) and subfolders are ignored. Each frame is read as
//!   [`load_rgb`](crate::io::load_rgb) reads an image (EXIF orientation applied, transparency
//!   on white);
//! - a GIF: its frames composited as viewers show them (each frame drawn over what the
//!   previous ones left, by their disposal methods);
//! - an APNG: its animation frames composited likewise (a default image that is not part of
//!   the animation is skipped). A PNG without animation is a single image, not a clip
//!   ([`Error::SingleImage`]).
//!
//! Transparent pixels of GIF and APNG frames are composited on white, as still images are.
//! Anything else that is a file (a video) is [`Error::NotAClip`], which a caller that can run
//! ffmpeg reads instead; a JPEG, WebP, TIFF or BMP file is [`Error::SingleImage`].
//!
//! Every frame has the first frame's size: one of another size is an error
//! ([`Error::FrameSize`]). A clip holds one decoded frame at a time, so memory does not grow
//! with its length.

mod open;
mod rate;
mod write;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use image::{DynamicImage, Frames, RgbImage};

use open::{open_apng, open_folder, open_gif, read_prefix};
pub use rate::FrameRate;
pub use write::{frame_name, write_apng, write_gif};

use super::decode::flatten_on_white;
use crate::Error;
use crate::io::{DecodeError, load_rgb};

/// The extensions of the frames a folder clip reads (compared without regard to case).
pub const FRAME_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp"];

/// What a clip is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipKind {
    /// A folder of image files.
    Folder,
    /// An animated GIF.
    Gif,
    /// An animated PNG.
    Apng,
}

/// The frames of a folder, GIF or APNG, decoded one at a time as 8-bit RGB: an iterator of
/// frames, of which the first is decoded by [`Clip::open`] (to know the clip's size). After
/// an error the iterator ends.
pub struct Clip {
    path: PathBuf,
    kind: ClipKind,
    source: Source,
    size: (u32, u32),
    len: Option<usize>,
    rate: Option<FrameRate>,
    first: Option<RgbImage>,
    /// Frames yielded or failed so far.
    index: usize,
    done: bool,
}

enum Source {
    Folder(std::vec::IntoIter<PathBuf>),
    Animation(Frames<'static>),
}

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clip")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("size", &self.size)
            .field("len", &self.len)
            .field("rate", &self.rate)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Clip {
    /// Opens a folder of frames, an animated GIF or an APNG, and decodes its first frame.
    ///
    /// Fails with [`Error::NotAClip`] for a file of another kind (a video: read it with
    /// ffmpeg), [`Error::SingleImage`] for a still image (a PNG without animation, a JPEG…),
    /// [`Error::NoFrames`] for a folder without image files or an animation without frames,
    /// [`Error::Read`] for a path that cannot be read, and the first frame's decoding error.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let read_error = |source| Error::Read {
            path: path.to_owned(),
            source,
        };
        let metadata = fs::metadata(path).map_err(read_error)?;
        let mut clip = if metadata.is_dir() {
            open_folder(path)?
        } else {
            let mut magic = [0u8; 8];
            let read = read_prefix(path, &mut magic).map_err(read_error)?;
            let magic = &magic[..read];
            if magic.starts_with(b"GIF87a") || magic.starts_with(b"GIF89a") {
                open_gif(path)?
            } else if magic.starts_with(b"\x89PNG\r\n\x1a\n") {
                open_apng(path)?
            } else if image::guess_format(magic).is_ok() {
                return Err(Error::SingleImage(path.to_owned()));
            } else {
                return Err(Error::NotAClip(path.to_owned()));
            }
        };
        let first = clip
            .decode_next()
            .ok_or_else(|| Error::NoFrames(path.to_owned()))??;
        clip.size = first.dimensions();
        clip.first = Some(first);
        Ok(clip)
    }

    /// The path the clip was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the clip is read from.
    pub fn kind(&self) -> ClipKind {
        self.kind
    }

    /// The width and height of every frame (the first frame's).
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The number of frames: a folder's image files, a GIF's frames (counted without
    /// decoding them), an APNG's announced frames; `None` if the count failed (a corrupt GIF,
    /// whose bad frame the iteration reports).
    pub fn len(&self) -> Option<usize> {
        self.len
    }

    /// Whether the clip is known to have no frames (never: [`Clip::open`] refuses those).
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    /// The frame rate of a GIF or APNG, from its first frame's delay; `None` for a folder, and
    /// for a zero (unspecified) delay. Later frames may have other delays; they are ignored.
    pub fn frame_rate(&self) -> Option<FrameRate> {
        self.rate
    }

    /// Decodes the next frame and checks its size, or `None` at the end.
    fn decode_next(&mut self) -> Option<Result<RgbImage, Error>> {
        let number = self.index + 1;
        let (frame, name) = match &mut self.source {
            Source::Folder(files) => {
                let file = files.next()?;
                let name = file.display().to_string();
                (load_rgb(&file), name)
            }
            Source::Animation(frames) => {
                let next = catch_unwind(AssertUnwindSafe(|| frames.next()))
                    .map(|next| next.map(|frame| frame.map_err(DecodeError::Image)))
                    .unwrap_or_else(|panic| Some(Err(DecodeError::panicked(&*panic))));
                let frame = match next? {
                    Ok(frame) => {
                        if number == 1 {
                            let (numerator, denominator) = frame.delay().numer_denom_ms();
                            self.rate = FrameRate::from_delay_ms(numerator, denominator);
                        }
                        Ok(flatten_on_white(DynamicImage::ImageRgba8(
                            frame.into_buffer(),
                        )))
                    }
                    Err(source) => Err(Error::ClipFrame {
                        path: self.path.clone(),
                        frame: number,
                        source,
                    }),
                };
                (frame, format!("frame {number} of {}", self.path.display()))
            }
        };
        self.index = number;
        Some(frame.and_then(|frame| match frame.dimensions() {
            size if number == 1 || size == self.size => Ok(frame),
            size => Err(Error::FrameSize {
                frame: name,
                size,
                expected: self.size,
            }),
        }))
    }
}

impl Iterator for Clip {
    type Item = Result<RgbImage, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let frame = match self.first.take() {
            Some(first) => Some(Ok(first)),
            None => self.decode_next(),
        };
        self.done = !matches!(frame, Some(Ok(_)));
        frame
    }
}
