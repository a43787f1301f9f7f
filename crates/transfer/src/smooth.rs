//! Photorealistic smoothing of a result (Li et al., 2018): the image nearest it whose every
//! 3×3 window is an affine function of the photo's colours.

use burn::tensor::Device;
use image::RgbImage;
use nst_losses::{MATTING_EPS, MattingLaplacian, Smoothing};

use crate::Error;
use crate::prepare::pixels::{resized, to_image, to_tensor};

/// `image` smoothed towards `photo`'s local colour models on `device`: `R` solves
/// `(L + μI)·R = μ·Y` with `L` the matting Laplacian of `photo` (resized to `image`'s size),
/// `Y` the image and `μ` [`Smoothing`]'s default (9·10⁻⁴), by preconditioned conjugate
/// gradients. It keeps each channel's mean, takes the brush strokes out of flat regions and
/// puts the photo's edges back; it cleans up any result, a plain Gatys run's included.
///
/// ```no_run
/// use burn::tensor::Device;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let photo = image::open("photo.jpg")?.to_rgb8();
/// let painted = image::open("painted.png")?.to_rgb8();
/// nst_transfer::smooth(&photo, &painted, &Device::flex())?.save("smoothed.png")?;
/// # Ok(())
/// # }
/// ```
pub fn smooth(photo: &RgbImage, image: &RgbImage, device: &Device) -> Result<RgbImage, Error> {
    let photo = to_tensor(&resized(photo, image.dimensions()), device).div_scalar(255.0);
    let laplacian = MattingLaplacian::new(photo, MATTING_EPS)?;
    let smoothed = laplacian.smooth(to_tensor(image, device), &Smoothing::default())?;
    if !smoothed.relative_residual.is_finite() {
        return Err(Error::NonFinite {
            what: "smoothing residual",
            iteration: smoothed.iterations,
            value: smoothed.relative_residual,
            last_finite: None,
        });
    }
    to_image(&smoothed.image)
}
