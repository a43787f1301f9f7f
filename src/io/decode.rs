//! Reading image files as 8-bit RGB.
//!
//! - Every format (PNG, JPEG, WebP, TIFF, BMP) goes through the `image` crate's pure-Rust
//!   decoders. JPEG's pixels are not bit-identical to libjpeg-turbo's (Pillow's, OpenCV's):
//!   its upsampling and IDCT round differently, by at most a few levels (measured on the
//!   fixtures: see the README's "Images" section and `tests/decode.rs`).
//! - Grey, 16-bit, palette and float images are converted to 8-bit RGB; transparent pixels are
//!   composited on white (an RGBA logo on a transparent background becomes a logo on white,
//!   not on the black its hidden color values often hold).
//! - The EXIF orientation of JPEG, PNG, WebP and TIFF files is applied, as photo viewers do.
//! - A file whose decoded pixels would need more than the memory limit (512 MiB by default,
//!   about 44 megapixels of 16-bit RGBA or 179 of 8-bit RGB) is refused from its header.

use std::io::{self, Cursor, Read};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage, metadata::Orientation};

use crate::Error;

/// The default limit on the memory a decoded image may take: 512 MiB, the `image` crate's.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;

/// Why image bytes could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// No bytes at all.
    #[error("the file is empty (0 bytes)")]
    Empty,
    /// A JPEG whose data ends before its end-of-image marker (an interrupted download).
    #[error("the JPEG is truncated (its data ends before the end-of-image marker)")]
    TruncatedJpeg,
    /// A PNG palette that does not hold whole RGB entries.
    #[error("the PNG's palette has {0} bytes, not up to 256 RGB entries")]
    PngPalette(usize),
    /// Bytes of no format this build reads.
    #[error("not an image in a supported format (PNG, JPEG, WebP, TIFF or BMP)")]
    UnknownFormat,
    /// More decoded pixels than the limit allows.
    #[error(
        "too large: {width}×{height} pixels need {} MiB decoded, more than the {} MiB limit",
        needed.div_ceil(1 << 20),
        limit >> 20
    )]
    TooLarge {
        /// The image's width.
        width: u32,
        /// Its height.
        height: u32,
        /// The bytes its decoded pixels take.
        needed: u64,
        /// The limit.
        limit: u64,
    },
    /// An image without pixels.
    #[error("the image is empty ({0}×{1} pixels)")]
    NoPixels(u32, u32),
    /// The decoder panicked (a decoder bug, caught).
    #[error("the decoder failed ({0})")]
    Panicked(String),
    /// The decoder refused the bytes.
    #[error("{}", match .0 {
        image::ImageError::Unsupported(_) => "not supported",
        image::ImageError::Limits(_) => "too large",
        _ => "invalid image data",
    })]
    Image(#[source] image::ImageError),
}

/// Reads an image file and converts it to 8-bit RGB, within the default memory limit.
pub fn load_rgb(path: &Path) -> Result<RgbImage, Error> {
    load_rgb_with(path, MAX_DECODED_BYTES)
}

/// Reads an image file and converts it to 8-bit RGB, refusing images whose decoded pixels
/// would take more than `max_bytes`.
pub fn load_rgb_with(path: &Path, max_bytes: u64) -> Result<RgbImage, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    decode(&bytes, max_bytes).map_err(|source| Error::Decode {
        path: Some(path.to_owned()),
        source,
    })
}

/// Decodes an image in memory to 8-bit RGB within the default memory limit.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, Error> {
    decode_rgb_with(bytes, MAX_DECODED_BYTES)
}

/// Decodes an image in memory to 8-bit RGB, refusing images whose decoded pixels would take
/// more than `max_bytes`.
pub fn decode_rgb_with(bytes: &[u8], max_bytes: u64) -> Result<RgbImage, Error> {
    decode(bytes, max_bytes).map_err(|source| Error::Decode { path: None, source })
}

fn decode(bytes: &[u8], max_bytes: u64) -> Result<RgbImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        check_jpeg_complete(bytes)?;
    }
    let image = decode_caught(bytes, max_bytes)?;
    if image.width() == 0 || image.height() == 0 {
        return Err(DecodeError::NoPixels(image.width(), image.height()));
    }
    Ok(flatten_on_white(image))
}

/// A truncated JPEG (an interrupted download) lacks the end-of-image marker after its scan
/// data; decoders would pad it with grey.
fn check_jpeg_complete(bytes: &[u8]) -> Result<(), DecodeError> {
    let scan = bytes.windows(2).position(|w| w == [0xFF, 0xDA]);
    let end = scan.and_then(|start| bytes[start..].windows(2).position(|w| w == [0xFF, 0xD9]));
    end.map(drop).ok_or(DecodeError::TruncatedJpeg)
}

/// A PNG palette (`PLTE`) must hold whole RGB entries; the `png` crate (0.18.1) panics on one
/// that does not (found by fuzzing). Reads `png`'s chunks up to the first `IDAT` (a palette
/// comes before it), skipping their data; a read that fails is left to the decoder to report.
pub(super) fn check_png_palette(mut png: impl Read) -> Result<(), DecodeError> {
    let mut header = [0u8; 8];
    // The signature.
    if png.read_exact(&mut header).is_err() {
        return Ok(());
    }
    while png.read_exact(&mut header).is_ok() {
        let [length @ .., _, _, _, _] = header;
        let length = u32::from_be_bytes(length);
        let kind = &header[4..];
        if kind == b"PLTE" && (!length.is_multiple_of(3) || length > 768) {
            return Err(DecodeError::PngPalette(length as usize));
        }
        if kind == b"IDAT" {
            break;
        }
        // The data and the CRC.
        let skip = u64::from(length) + 4;
        if !io::copy(&mut (&mut png).take(skip), &mut io::sink()).is_ok_and(|n| n == skip) {
            break;
        }
    }
    Ok(())
}

impl DecodeError {
    /// A decoder's panic (a decoder bug, caught) as an error.
    pub(crate) fn panicked(payload: &(dyn std::any::Any + Send)) -> Self {
        Self::Panicked(
            crate::panic_message(payload)
                .unwrap_or("unknown")
                .to_owned(),
        )
    }
}

/// Decodes through the `image` crate, whose panics (a decoder bug) become errors.
fn decode_caught(bytes: &[u8], max_bytes: u64) -> Result<DynamicImage, DecodeError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        check_png_palette(bytes)?;
    }
    std::panic::catch_unwind(|| decode_with_image(bytes, max_bytes))
        .unwrap_or_else(|panic| Err(DecodeError::panicked(&*panic)))
}

fn decode_with_image(bytes: &[u8], max_bytes: u64) -> Result<DynamicImage, DecodeError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Image(e.into()))?;
    // GIFs are read as clips (`io::clip`), not as still images.
    if matches!(reader.format(), None | Some(image::ImageFormat::Gif)) {
        return Err(DecodeError::UnknownFormat);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_bytes);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(DecodeError::Image)?;
    let (width, height) = decoder.dimensions();
    let needed = decoder.total_bytes();
    if needed > max_bytes {
        return Err(DecodeError::TooLarge {
            width,
            height,
            needed,
            limit: max_bytes,
        });
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(DecodeError::Image)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// 8-bit RGB, with any transparency composited on white.
pub(super) fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u32::from(pixel[3]);
        *out = image::Rgb(std::array::from_fn(|c| {
            ((u32::from(pixel[c]) * alpha + 255 * (255 - alpha) + 127) / 255) as u8
        }));
    }
    rgb
}
