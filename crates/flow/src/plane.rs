//! A single-channel `f32` image with clamped bilinear sampling and derivatives.

use image::RgbImage;
use rayon::prelude::*;

/// A grey image, row-major, intensities in 0–255 for the luma of 8-bit frames.
#[derive(Debug, Clone)]
pub(crate) struct Plane {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros.
    pub(crate) fn zeros(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// The luma (ITU-R BT.601 weights) of an RGB frame, in 0–255.
    pub(crate) fn luma(image: &RgbImage) -> Self {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let data = image
            .pixels()
            .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
            .collect();
        Self {
            width,
            height,
            data,
        }
    }

    /// The value at (x, y) with the coordinates clamped into the plane.
    #[inline]
    pub(crate) fn at_clamped(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// Bilinear interpolation at (x, y), with the coordinates clamped into the plane.
    #[inline]
    pub(crate) fn sample(&self, x: f32, y: f32) -> f32 {
        let (x0, x1, fx) = taps(x, self.width);
        let (y0, y1, fy) = taps(y, self.height);
        let r0 = y0 * self.width;
        let r1 = y1 * self.width;
        let top = self.data[r0 + x0] + fx * (self.data[r0 + x1] - self.data[r0 + x0]);
        let bottom = self.data[r1 + x0] + fx * (self.data[r1 + x1] - self.data[r1 + x0]);
        top + fy * (bottom - top)
    }

    /// Builds a plane in parallel over rows from `f(x, y)`.
    pub(crate) fn from_fn(
        width: usize,
        height: usize,
        f: impl Fn(usize, usize) -> f32 + Sync,
    ) -> Self {
        let mut out = Self::zeros(width, height);
        out.data
            .par_chunks_mut(width.max(1))
            .enumerate()
            .for_each(|(y, row)| {
                for (x, value) in row.iter_mut().enumerate() {
                    *value = f(x, y);
                }
            });
        out
    }

    /// Central differences `(∂x, ∂y)`, one-sided at the border (clamped neighbours, halved).
    pub(crate) fn central_gradients(&self) -> (Self, Self) {
        let dx = Self::from_fn(self.width, self.height, |x, y| {
            let (x, y) = (x as isize, y as isize);
            0.5 * (self.at_clamped(x + 1, y) - self.at_clamped(x - 1, y))
        });
        let dy = Self::from_fn(self.width, self.height, |x, y| {
            let (x, y) = (x as isize, y as isize);
            0.5 * (self.at_clamped(x, y + 1) - self.at_clamped(x, y - 1))
        });
        (dx, dy)
    }

    /// Sobel derivatives divided by 8 (so that a unit ramp has derivative 1).
    pub(crate) fn sobel_gradients(&self) -> (Self, Self) {
        let dx = Self::from_fn(self.width, self.height, |x, y| {
            let (x, y) = (x as isize, y as isize);
            let d = |yy: isize| self.at_clamped(x + 1, yy) - self.at_clamped(x - 1, yy);
            (d(y - 1) + 2.0 * d(y) + d(y + 1)) / 8.0
        });
        let dy = Self::from_fn(self.width, self.height, |x, y| {
            let (x, y) = (x as isize, y as isize);
            let d = |xx: isize| self.at_clamped(xx, y + 1) - self.at_clamped(xx, y - 1);
            (d(x - 1) + 2.0 * d(x) + d(x + 1)) / 8.0
        });
        (dx, dy)
    }

    /// Half the size (rounded down, at least 1): each pixel is the mean of a 2×2 block, so that
    /// the coarse pixel centre `x` sits at the fine coordinate `2x + 0.5`.
    pub(crate) fn half(&self) -> Self {
        let (w, h) = ((self.width / 2).max(1), (self.height / 2).max(1));
        Self::from_fn(w, h, |x, y| {
            let (x, y) = (2 * x as isize, 2 * y as isize);
            0.25 * (self.at_clamped(x, y)
                + self.at_clamped(x + 1, y)
                + self.at_clamped(x, y + 1)
                + self.at_clamped(x + 1, y + 1))
        })
    }
}

/// The two neighbouring indices and the weight of the second for a clamped bilinear tap.
#[inline]
pub(crate) fn taps(x: f32, len: usize) -> (usize, usize, f32) {
    let max = (len - 1) as f32;
    // `clamp` keeps NaN; `max(0.0)` maps it to 0 so a bad coordinate cannot index out of range.
    let x = x.max(0.0).min(max);
    let x0 = x.floor();
    let i0 = x0 as usize;
    let i1 = (i0 + 1).min(len - 1);
    (i0, i1, x - x0)
}
