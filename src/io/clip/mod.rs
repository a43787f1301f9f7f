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

mod rate;
mod write;

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder, Limits, RgbImage};

pub use rate::FrameRate;
pub use write::{frame_name, write_apng, write_gif};

use super::decode::{check_png_palette, flatten_on_white};
use crate::Error;
use crate::io::{DecodeError, MAX_DECODED_BYTES, load_rgb};

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
                    .unwrap_or_else(|panic| Some(Err(panicked(panic))));
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

/// Reads up to `buffer.len()` bytes from the start of a file.
fn read_prefix(path: &Path, buffer: &mut [u8]) -> io::Result<usize> {
    let mut file = File::open(path)?;
    let mut read = 0;
    while read < buffer.len() {
        match file.read(&mut buffer[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read)
}

fn new_clip(path: &Path, kind: ClipKind, source: Source, len: Option<usize>) -> Clip {
    Clip {
        path: path.to_owned(),
        kind,
        source,
        size: (0, 0),
        len,
        rate: None,
        first: None,
        index: 0,
        done: false,
    }
}

fn open_folder(path: &Path) -> Result<Clip, Error> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(path).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name();
        let is_frame = !name.as_encoded_bytes().starts_with(b".")
            && Path::new(&name)
                .extension()
                .and_then(OsStr::to_str)
                .is_some_and(|ext| {
                    FRAME_EXTENSIONS
                        .iter()
                        .any(|known| ext.eq_ignore_ascii_case(known))
                });
        // A symlink counts by its target; a broken entry is kept, to fail by its name.
        if is_frame && !entry.path().is_dir() {
            files.push(entry.path());
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let len = Some(files.len());
    Ok(new_clip(
        path,
        ClipKind::Folder,
        Source::Folder(files.into_iter()),
        len,
    ))
}

fn open_gif(path: &Path) -> Result<Clip, Error> {
    let decoder = GifDecoder::new(open_buffered(path)?).map_err(|e| decode_error(path, e))?;
    let decoder = limited(path, decoder)?;
    let len = count_gif_frames(path).ok();
    let frames = decoder.into_frames();
    Ok(new_clip(
        path,
        ClipKind::Gif,
        Source::Animation(frames),
        len,
    ))
}

fn open_apng(path: &Path) -> Result<Clip, Error> {
    // The guard still images have, before any decoder reads the file.
    check_png_palette(open_buffered(path)?).map_err(|source| Error::Decode {
        path: Some(path.to_owned()),
        source,
    })?;
    let decoder = PngDecoder::new(open_buffered(path)?).map_err(|e| decode_error(path, e))?;
    if !decoder.is_apng().map_err(|e| decode_error(path, e))? {
        return Err(Error::SingleImage(path.to_owned()));
    }
    let decoder = limited(path, decoder)?;
    let len = apng_frame_count(path);
    let frames = decoder
        .apng()
        .map_err(|e| decode_error(path, e))?
        .into_frames();
    Ok(new_clip(
        path,
        ClipKind::Apng,
        Source::Animation(frames),
        len,
    ))
}

/// Refuses, from its header, an animation whose composited RGBA frames would take more than
/// the default memory limit, and sets that limit on its decoder.
fn limited<D: ImageDecoder>(path: &Path, mut decoder: D) -> Result<D, Error> {
    let (width, height) = decoder.dimensions();
    let needed = u64::from(width) * u64::from(height) * 4;
    if needed > MAX_DECODED_BYTES {
        return Err(Error::Decode {
            path: Some(path.to_owned()),
            source: DecodeError::TooLarge {
                width,
                height,
                needed,
                limit: MAX_DECODED_BYTES,
            },
        });
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    decoder
        .set_limits(limits)
        .map_err(|e| decode_error(path, e))?;
    Ok(decoder)
}

fn open_buffered(path: &Path) -> Result<BufReader<File>, Error> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })
}

/// Counts a GIF's frames without decompressing them.
fn count_gif_frames(path: &Path) -> Result<usize, gif::DecodingError> {
    let mut options = gif::DecodeOptions::new();
    options.skip_frame_decoding(true);
    let file = File::open(path)?;
    let mut decoder = options.read_info(BufReader::new(file))?;
    let mut count = 0;
    while decoder.read_next_frame()?.is_some() {
        count += 1;
    }
    Ok(count)
}

/// An APNG's announced number of frames (its `acTL` chunk).
fn apng_frame_count(path: &Path) -> Option<usize> {
    let file = File::open(path).ok()?;
    let reader = png::Decoder::new(BufReader::new(file)).read_info().ok()?;
    let frames = reader.info().animation_control()?.num_frames;
    usize::try_from(frames).ok()
}

fn decode_error(path: &Path, source: image::ImageError) -> Error {
    Error::Decode {
        path: Some(path.to_owned()),
        source: DecodeError::Image(source),
    }
}

/// A decoder's panic (a decoder bug, caught) as an error.
fn panicked(panic: Box<dyn std::any::Any + Send>) -> DecodeError {
    let message = crate::panic_message(&*panic).unwrap_or("unknown");
    DecodeError::Panicked(message.to_owned())
}
