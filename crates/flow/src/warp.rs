//! Warping an image along a flow.

use image::{ImageBuffer, Luma, Rgb32FImage};
use rayon::prelude::*;

use crate::plane::taps;
use crate::{Error, Flow};

/// `out(p) = image(p + flow(p))`: bilinear, with the sampled coordinates clamped at the
/// border; `image` and `flow` must have the same size.
///
/// With `flow` computed from frame t to frame t − 1, this brings frame t − 1's pixels (or its
/// stylised result) to where they are in frame t.
pub fn warp(image: &Rgb32FImage, flow: &Flow) -> Result<Rgb32FImage, Error> {
    let (w, h) = image.dimensions();
    check_size("warp: image and flow", (w, h), flow)?;
    let out = warp_values::<3>(image.as_raw(), flow);
    Ok(Rgb32FImage::from_raw(w, h, out).unwrap_or_else(|| Rgb32FImage::new(w, h)))
}

/// [`warp`] for one value per pixel (a mask, a weight).
pub fn warp_plane(
    plane: &ImageBuffer<Luma<f32>, Vec<f32>>,
    flow: &Flow,
) -> Result<ImageBuffer<Luma<f32>, Vec<f32>>, Error> {
    let (w, h) = plane.dimensions();
    check_size("warp: plane and flow", (w, h), flow)?;
    let out = warp_values::<1>(plane.as_raw(), flow);
    Ok(ImageBuffer::from_raw(w, h, out).unwrap_or_else(|| ImageBuffer::new(w, h)))
}

fn check_size(what: &'static str, (w, h): (u32, u32), flow: &Flow) -> Result<(), Error> {
    if (w, h) != (flow.width(), flow.height()) {
        return Err(Error::SizeMismatch {
            what,
            left_width: w,
            left_height: h,
            right_width: flow.width(),
            right_height: flow.height(),
        });
    }
    Ok(())
}

/// The warp of `src`, `C` interleaved values per pixel of `flow`'s size.
fn warp_values<const C: usize>(src: &[f32], flow: &Flow) -> Vec<f32> {
    let (wu, hu) = (flow.width() as usize, flow.height() as usize);
    let mut out = vec![0.0f32; C * wu * hu];
    if wu > 0 && hu > 0 {
        out.par_chunks_mut(C * wu).enumerate().for_each(|(y, row)| {
            for x in 0..wu {
                let k = y * wu + x;
                let (x0, x1, fx) = taps(x as f32 + flow.u()[k], wu);
                let (y0, y1, fy) = taps(y as f32 + flow.v()[k], hu);
                for c in 0..C {
                    let p = |xx: usize, yy: usize| src[C * (yy * wu + xx) + c];
                    let top = p(x0, y0) + fx * (p(x1, y0) - p(x0, y0));
                    let bottom = p(x0, y1) + fx * (p(x1, y1) - p(x0, y1));
                    row[C * x + c] = top + fy * (bottom - top);
                }
            }
        });
    }
    out
}
