//! Reading image files as 8-bit RGB.
//!
//! - JPEGs are decoded by libjpeg-turbo's algorithms (through `mozjpeg`, built from source), so
//!   their pixels are the ones Pillow, OpenCV and most tools see; other decoders round
//!   differently by up to 4 levels, which moves Gram-based losses by up to 0.4%. CMYK JPEGs
//!   and the other formats (PNG, WebP, TIFF, BMP) go through the `image` crate.
//! - Grey, 16-bit, palette and float images are converted to 8-bit RGB; transparent pixels are
//!   composited on white (an RGBA logo on a transparent background becomes a logo on white,
//!   not on the black its hidden color values often hold).
//! - The EXIF orientation of JPEG, PNG, WebP and TIFF files is applied, as photo viewers do.
//! - A file whose decoded pixels would need more than the memory limit (512 MiB by default,
//!   about 44 megapixels of 16-bit RGBA or 179 of 8-bit RGB) is refused from its header.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage, metadata::Orientation};
use mozjpeg::ColorSpace;

use crate::Error;

/// The default limit on the memory a decoded image may take: 512 MiB, the `image` crate's.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;

/// Reads an image file and converts it to 8-bit RGB, within the default memory limit.
pub fn load_rgb(path: &Path) -> Result<RgbImage, Error> {
    load_rgb_with(path, MAX_DECODED_BYTES)
}

/// Reads an image file and converts it to 8-bit RGB, refusing images whose decoded pixels
/// would take more than `max_bytes`.
pub fn load_rgb_with(path: &Path, max_bytes: u64) -> Result<RgbImage, Error> {
    let fail = |reason: String| Error::Read {
        path: PathBuf::from(path),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    decode_one_line(&bytes, max_bytes).map_err(fail)
}

/// Decodes an image in memory to 8-bit RGB within the default memory limit.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, Error> {
    decode_rgb_with(bytes, MAX_DECODED_BYTES)
}

/// Decodes an image in memory to 8-bit RGB, refusing images whose decoded pixels would take
/// more than `max_bytes`; the error's reason is one line.
pub fn decode_rgb_with(bytes: &[u8], max_bytes: u64) -> Result<RgbImage, Error> {
    decode_one_line(bytes, max_bytes).map_err(|reason| Error::Decode { reason })
}

/// [`decode`] with the reason on one line: some decoders' messages contain line breaks.
fn decode_one_line(bytes: &[u8], max_bytes: u64) -> Result<RgbImage, String> {
    decode(bytes, max_bytes)
        .map_err(|reason| reason.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn decode(bytes: &[u8], max_bytes: u64) -> Result<RgbImage, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes)".into());
    }
    let image = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        check_jpeg_complete(bytes)?;
        match decode_jpeg(bytes, max_bytes)? {
            Some(rgb) => {
                let mut image = DynamicImage::ImageRgb8(rgb);
                image.apply_orientation(jpeg_orientation(bytes));
                image
            }
            None => decode_other(bytes, max_bytes)?,
        }
    } else {
        decode_other(bytes, max_bytes)?
    };
    if image.width() == 0 || image.height() == 0 {
        return Err(format!(
            "the image is empty ({}×{} pixels)",
            image.width(),
            image.height()
        ));
    }
    Ok(flatten_on_white(image))
}

/// A truncated JPEG (an interrupted download) lacks the end-of-image marker after its scan
/// data; libjpeg would pad it with grey and only warn.
fn check_jpeg_complete(bytes: &[u8]) -> Result<(), String> {
    let scan = bytes.windows(2).position(|w| w == [0xFF, 0xDA]);
    let end = scan.and_then(|start| bytes[start..].windows(2).position(|w| w == [0xFF, 0xD9]));
    match end {
        Some(_) => Ok(()),
        None => Err("the JPEG is truncated (its data ends before the end-of-image marker)".into()),
    }
}

/// The EXIF orientation of a JPEG, read from its headers.
fn jpeg_orientation(bytes: &[u8]) -> Orientation {
    image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes))
        .and_then(|mut decoder| decoder.orientation())
        .unwrap_or(Orientation::NoTransforms)
}

/// A PNG palette (`PLTE`) must hold whole RGB entries; the `png` crate (0.18.1) panics on one
/// that does not (found by fuzzing).
fn check_png_palette(bytes: &[u8]) -> Result<(), String> {
    let mut chunks = bytes.get(8..).unwrap_or_default();
    while let (Some(length), Some(kind)) = (chunks.get(0..4), chunks.get(4..8)) {
        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
        if kind == b"PLTE" && (!length.is_multiple_of(3) || length > 768) {
            return Err(format!(
                "the PNG's palette has {length} bytes, not up to 256 RGB entries"
            ));
        }
        if kind == b"IDAT" {
            return Ok(());
        }
        chunks = chunks.get(length.saturating_add(12)..).unwrap_or_default();
    }
    Ok(())
}

/// Formats other than non-CMYK JPEG, through the `image` crate, whose panics (a decoder bug)
/// become errors.
fn decode_other(bytes: &[u8], max_bytes: u64) -> Result<DynamicImage, String> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        check_png_palette(bytes)?;
    }
    std::panic::catch_unwind(|| decode_with_image(bytes, max_bytes)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown");
        Err(format!("the decoder failed ({message})"))
    })
}

fn decode_with_image(bytes: &[u8], max_bytes: u64) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("not an image in a supported format (PNG, JPEG, WebP, TIFF or BMP)".into());
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_bytes);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(describe)?;
    let (width, height) = decoder.dimensions();
    let needed = decoder.total_bytes();
    if needed > max_bytes {
        return Err(too_large(width.into(), height.into(), needed, max_bytes));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(describe)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn describe(error: image::ImageError) -> String {
    match error {
        image::ImageError::Unsupported(e) => format!("not supported: {e}"),
        image::ImageError::Limits(e) => format!("too large: {e}"),
        e => e.to_string(),
    }
}

fn too_large(width: u64, height: u64, needed: u64, max_bytes: u64) -> String {
    format!(
        "too large: {width}×{height} pixels need {} MiB decoded, more than the {} MiB limit",
        needed.div_ceil(1 << 20),
        max_bytes >> 20
    )
}

/// 8-bit RGB, with any transparency composited on white.
fn flatten_on_white(image: DynamicImage) -> RgbImage {
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

/// Decodes a JPEG with libjpeg; `None` for color spaces it does not convert to RGB (CMYK).
fn decode_jpeg(bytes: &[u8], max_bytes: u64) -> Result<Option<RgbImage>, String> {
    // mozjpeg reports libjpeg's fatal errors by unwinding (without the panic hook).
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<Option<RgbImage>> {
        let decompress = mozjpeg::Decompress::new_mem(bytes)?;
        if matches!(
            decompress.color_space(),
            ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK
        ) {
            return Ok(None);
        }
        let (width, height) = decompress.size();
        let needed = width as u64 * height as u64 * 3;
        if needed > max_bytes {
            return Err(std::io::Error::other(too_large(
                width as u64,
                height as u64,
                needed,
                max_bytes,
            )));
        }
        let mut started = decompress.rgb()?;
        let pixels = started.read_scanlines::<u8>()?;
        started.finish()?;
        Ok(RgbImage::from_raw(width as u32, height as u32, pixels))
    });
    match decoded {
        Ok(Ok(Some(image))) => Ok(Some(image)),
        Ok(Ok(None)) => Ok(None),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "the JPEG decoder failed".into())),
    }
}
