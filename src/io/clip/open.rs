//! Opening a clip of each kind: a folder of frames, a GIF, an APNG, each with the decoder's
//! limits, frame count and errors.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::Path;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::{AnimationDecoder, ImageDecoder, Limits};

use super::{Clip, ClipKind, FRAME_EXTENSIONS, Source};
use crate::Error;
use crate::io::decode::check_png_palette;
use crate::io::{DecodeError, MAX_DECODED_BYTES};

/// Reads up to `buffer.len()` bytes from the start of a file.
pub(super) fn read_prefix(path: &Path, buffer: &mut [u8]) -> io::Result<usize> {
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

pub(super) fn new_clip(path: &Path, kind: ClipKind, source: Source, len: Option<usize>) -> Clip {
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

pub(super) fn open_folder(path: &Path) -> Result<Clip, Error> {
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

pub(super) fn open_gif(path: &Path) -> Result<Clip, Error> {
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

pub(super) fn open_apng(path: &Path) -> Result<Clip, Error> {
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
