//! The default images, embedded in the binary (see `assets/README.md` for their licences).

use image::RgbImage;

use crate::Error;

/// "Chelsea the cat" by Stefan van der Walt, CC0 (from scikit-image's sample data).
pub const CONTENT_PNG: &[u8] = include_bytes!("../assets/chelsea.png");

/// Vincent van Gogh, *The Starry Night*, 1889, public domain.
pub const STYLE_JPEG: &[u8] = include_bytes!("../assets/starry_night.jpg");

/// The default content image, decoded.
pub fn content() -> Result<RgbImage, Error> {
    crate::io::decode_rgb(CONTENT_PNG)
}

/// The default style image, decoded.
pub fn style() -> Result<RgbImage, Error> {
    crate::io::decode_rgb(STYLE_JPEG)
}
