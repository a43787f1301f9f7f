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

    /// A separable Gaussian blur of standard deviation `sigma` (radius ⌈3σ⌉, border
    /// replicated); `sigma ≤ 0` returns a copy.
    pub(crate) fn gaussian(&self, sigma: f32) -> Self {
        if sigma.is_nan() || sigma <= 0.0 {
            return self.clone();
        }
        let radius = (3.0 * sigma).ceil().min(64.0) as isize;
        let mut kernel: Vec<f32> = (-radius..=radius)
            .map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp())
            .collect();
        let total: f32 = kernel.iter().sum();
        kernel.iter_mut().for_each(|k| *k /= total);
        let across = Self::from_fn(self.width, self.height, |x, y| {
            let mut s = 0.0;
            for (i, k) in (-radius..=radius).zip(&kernel) {
                s += k * self.at_clamped(x as isize + i, y as isize);
            }
            s
        });
        Self::from_fn(self.width, self.height, |x, y| {
            let mut s = 0.0;
            for (i, k) in (-radius..=radius).zip(&kernel) {
                s += k * across.at_clamped(x as isize, y as isize + i);
            }
            s
        })
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

/// `⌊x⌋` without a libm call (exact for |x| < 2³¹; saturates beyond, which the callers treat
/// as outside).
#[inline]
pub(crate) fn floor(x: f32) -> f32 {
    let t = x as i32 as f32;
    if t > x { t - 1.0 } else { t }
}

/// A clamped bilinear lookup position, reusable on planes of the same size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Taps {
    i00: usize,
    i01: usize,
    i10: usize,
    i11: usize,
    fx: f32,
    fy: f32,
}

impl Taps {
    /// The taps of (x, y) on a `width × height` plane.
    #[inline]
    pub(crate) fn new(x: f32, y: f32, width: usize, height: usize) -> Self {
        let (x0, x1, fx) = taps(x, width);
        let (y0, y1, fy) = taps(y, height);
        Self {
            i00: y0 * width + x0,
            i01: y0 * width + x1,
            i10: y1 * width + x0,
            i11: y1 * width + x1,
            fx,
            fy,
        }
    }

    /// The interpolated value of `plane` (of the size the taps were made for).
    #[inline]
    pub(crate) fn of(&self, plane: &Plane) -> f32 {
        let d = &plane.data;
        let top = d[self.i00] + self.fx * (d[self.i01] - d[self.i00]);
        let bottom = d[self.i10] + self.fx * (d[self.i11] - d[self.i10]);
        top + self.fy * (bottom - top)
    }
}

/// The two neighbouring indices and the weight of the second for a clamped bilinear tap.
#[inline]
pub(crate) fn taps(x: f32, len: usize) -> (usize, usize, f32) {
    let max = (len - 1) as f32;
    // `clamp` keeps NaN; `max(0.0)` maps it to 0 so a bad coordinate cannot index out of range.
    let x = x.max(0.0).min(max);
    // x ≥ 0: truncation is the floor.
    let i0 = x as usize;
    let i1 = (i0 + 1).min(len - 1);
    (i0, i1, x - i0 as f32)
}
