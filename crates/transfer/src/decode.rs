//! Reading image files as 8-bit RGB.
//!
//! JPEGs are decoded by libjpeg-turbo's algorithms (through `mozjpeg`, built from source), so
//! their pixels are the ones Pillow, OpenCV and most tools see; other decoders round
//! differently by up to 4 levels, which moves Gram-based losses by up to 0.4%. Other formats,
//! and CMYK JPEGs, go through the `image` crate.

use std::path::{Path, PathBuf};

use image::RgbImage;
use mozjpeg::ColorSpace;

use crate::Error;

/// Reads an image file and converts it to 8-bit RGB.
pub fn load_rgb(path: &Path) -> Result<RgbImage, Error> {
    let fail = |reason: String| Error::Read {
        path: PathBuf::from(path),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    decode_rgb(&bytes).map_err(fail)
}

/// Decodes an image in memory to 8-bit RGB; the error says why it cannot be.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, String> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        && let Some(image) = decode_jpeg(bytes)?
    {
        return Ok(image);
    }
    let image = image::load_from_memory(bytes).map_err(|e| match e {
        image::ImageError::Unsupported(_) => format!("not an image in a supported format ({e})"),
        _ => e.to_string(),
    })?;
    Ok(image.to_rgb8())
}

/// The most memory a decoded image may take, as the `image` crate's default limit: 512 MiB.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;

/// Decodes a JPEG with libjpeg; `None` for colour spaces it does not convert to RGB (CMYK).
fn decode_jpeg(bytes: &[u8]) -> Result<Option<RgbImage>, String> {
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
        let decoded_bytes = width as u64 * height as u64 * 3;
        if decoded_bytes > MAX_DECODED_BYTES {
            return Err(std::io::Error::other(format!(
                "too large: {width}×{height} pixels need {} MiB decoded, more than the {} MiB \
                 limit",
                decoded_bytes >> 20,
                MAX_DECODED_BYTES >> 20
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
