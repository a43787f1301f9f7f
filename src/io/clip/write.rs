//! Writing clips: GIFs and APNGs encoded a frame at a time, atomically, and frame file names.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use image::RgbImage;

use super::FrameRate;
use crate::Error;
use crate::io::{persist, staging_file};

/// The file name of a clip's frame, numbered from 1 with six digits so that names sort in
/// order: `frame_name(1)` is `frame-000001.png` (ffmpeg's pattern for them is
/// `frame-%06d.png`, starting at 1). Clips of a million frames or more get longer numbers,
/// which still sort after shorter ones only by length.
pub fn frame_name(number: usize) -> String {
    format!("frame-{number:06}.png")
}

/// Writes `frames` to `path` as a GIF that loops forever, a frame at a time, each shown for
/// `rate`'s delay rounded to the GIF's centiseconds (at least 2: viewers slow down shorter
/// delays). Colors are quantized to a palette of 256 per frame.
///
/// The file is written atomically (a temporary file renamed over `path`): an error, from the
/// frames or the encoder, leaves nothing. Fails for no frames, frames of different sizes and
/// frames over 65535 pixels wide or high (the GIF limit).
pub fn write_gif(
    frames: impl IntoIterator<Item = Result<RgbImage, Error>>,
    rate: FrameRate,
    path: &Path,
) -> Result<(), Error> {
    let centiseconds =
        (u64::from(rate.seconds()) * 100 + u64::from(rate.frames()) / 2) / u64::from(rate.frames());
    let delay = u16::try_from(centiseconds.max(2)).unwrap_or(u16::MAX);
    atomically(path, |writer| encode_gif(writer, frames, delay, path))
}

fn encode_gif(
    writer: &mut BufWriter<&File>,
    frames: impl IntoIterator<Item = Result<RgbImage, Error>>,
    delay: u16,
    path: &Path,
) -> Result<(), Error> {
    let mut frames = frames.into_iter();
    let first = frames
        .next()
        .ok_or_else(|| write_error(path, "no frames to write"))??;
    let (width, height) = first.dimensions();
    let gif_side = |side: u32| {
        u16::try_from(side).map_err(|_| {
            write_error(
                path,
                format!("a GIF is at most 65535 pixels wide and high, not {width}×{height}"),
            )
        })
    };
    let (gif_width, gif_height) = (gif_side(width)?, gif_side(height)?);
    let mut encoder =
        gif::Encoder::new(writer, gif_width, gif_height, &[]).map_err(|e| write_error(path, e))?;
    encoder
        .set_repeat(gif::Repeat::Infinite)
        .map_err(|e| write_error(path, e))?;
    for frame in std::iter::once(Ok(first)).chain(frames) {
        let frame = frame?;
        check_size(path, (width, height), &frame)?;
        let mut gif_frame = gif::Frame::from_rgb_speed(gif_width, gif_height, frame.as_raw(), 10);
        gif_frame.delay = delay;
        encoder
            .write_frame(&gif_frame)
            .map_err(|e| write_error(path, e))?;
    }
    encoder.into_inner().map_err(|e| write_error(path, e))?;
    Ok(())
}

/// Writes `count` frames to `path` as an APNG that loops forever, a frame at a time, each
/// shown for `rate`'s delay (exact when its fraction fits the APNG's 16-bit one, else to the
/// millisecond). The APNG's header announces the number of frames, so `frames` must yield
/// exactly `count`, of one size.
///
/// The file is written atomically (a temporary file renamed over `path`): an error, from the
/// frames or the encoder, leaves nothing.
pub fn write_apng(
    frames: impl IntoIterator<Item = Result<RgbImage, Error>>,
    count: usize,
    rate: FrameRate,
    path: &Path,
) -> Result<(), Error> {
    let announced = u32::try_from(count)
        .ok()
        .filter(|&count| count > 0)
        .ok_or_else(|| {
            write_error(
                path,
                format!("an APNG has 1 to 2³² - 1 frames, not {count}"),
            )
        })?;
    let delay = match (u16::try_from(rate.seconds()), u16::try_from(rate.frames())) {
        (Ok(numerator), Ok(denominator)) => (numerator, denominator),
        _ => {
            let ms = rate.delay().as_millis().clamp(1, u128::from(u16::MAX));
            (u16::try_from(ms).unwrap_or(u16::MAX), 1000)
        }
    };
    atomically(path, |writer| {
        encode_apng(writer, frames, (count, announced), delay, path)
    })
}

fn encode_apng(
    writer: &mut BufWriter<&File>,
    frames: impl IntoIterator<Item = Result<RgbImage, Error>>,
    (count, announced): (usize, u32),
    delay: (u16, u16),
    path: &Path,
) -> Result<(), Error> {
    let mut frames = frames.into_iter();
    let first = frames
        .next()
        .ok_or_else(|| too_many_or_few(path, count, "fewer"))??;
    let (width, height) = first.dimensions();
    let mut png = png::Encoder::new(writer, width, height);
    png.set_color(png::ColorType::Rgb);
    png.set_depth(png::BitDepth::Eight);
    png.set_animated(announced, 0)
        .and_then(|()| png.set_frame_delay(delay.0, delay.1))
        .map_err(|e| write_error(path, e))?;
    let mut encoder = png.write_header().map_err(|e| write_error(path, e))?;
    let mut written = 0;
    for frame in std::iter::once(Ok(first)).chain(frames) {
        let frame = frame?;
        check_size(path, (width, height), &frame)?;
        if written == count {
            return Err(too_many_or_few(path, count, "more"));
        }
        encoder
            .write_image_data(frame.as_raw())
            .map_err(|e| write_error(path, e))?;
        written += 1;
    }
    if written < count {
        return Err(too_many_or_few(path, count, "fewer"));
    }
    encoder.finish().map_err(|e| write_error(path, e))
}

/// Writes `path` through a staged file with `encode`, and renames it over `path` if `encode`
/// succeeds (else the staged file is removed).
fn atomically(
    path: &Path,
    encode: impl FnOnce(&mut BufWriter<&File>) -> Result<(), Error>,
) -> Result<(), Error> {
    let staged = staging_file(path)?;
    let mut writer = BufWriter::new(staged.as_file());
    encode(&mut writer)?;
    writer.flush().map_err(|e| write_error(path, e))?;
    drop(writer);
    persist(staged, path)
}

/// Refuses a frame of another size than the first.
fn check_size(path: &Path, (w, h): (u32, u32), frame: &RgbImage) -> Result<(), Error> {
    match frame.dimensions() {
        (width, height) if (width, height) != (w, h) => Err(write_error(
            path,
            format!("the frames differ in size: {width}×{height} pixels after {w}×{h}"),
        )),
        _ => Ok(()),
    }
}

fn too_many_or_few(path: &Path, count: usize, which: &str) -> Error {
    write_error(path, format!("{which} frames than the {count} announced"))
}

fn write_error(path: &Path, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Write {
        path: path.to_owned(),
        source: io::Error::other(error),
    }
}
