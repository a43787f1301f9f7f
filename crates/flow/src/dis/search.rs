//! Inverse-compositional search of one patch's displacement (Kroeger et al., 2016, §2.1).

use crate::plane::{Plane, floor};

/// The reference frame's level with its Sobel derivatives, and the other frame's level.
pub(crate) struct Level<'a> {
    pub(crate) from: &'a Plane,
    pub(crate) from_dx: &'a Plane,
    pub(crate) from_dy: &'a Plane,
    pub(crate) to: &'a Plane,
}

/// A patch's template, derivatives and (mean-normalised) structure tensor, ready for the
/// Gauss–Newton steps. Reused between patches to avoid allocations.
#[derive(Default)]
pub(crate) struct Patch {
    x: usize,
    y: usize,
    size: usize,
    template: Vec<f32>,
    dx: Vec<f32>,
    dy: Vec<f32>,
    /// The inverse of the regularised structure tensor, `[a, b, c]` for `[[a, b], [b, c]]`.
    inverse: [f32; 3],
    mean_normalize: bool,
    sampled: Vec<f32>,
}

impl Patch {
    /// Loads the patch with top-left corner (x, y) and side `size` of `level.from`.
    pub(crate) fn load(
        &mut self,
        level: &Level<'_>,
        x: usize,
        y: usize,
        size: usize,
        mean_normalize: bool,
    ) {
        self.x = x;
        self.y = y;
        self.size = size;
        self.mean_normalize = mean_normalize;
        self.template.clear();
        self.dx.clear();
        self.dy.clear();
        let w = level.from.width;
        for row in y..y + size {
            let span = row * w + x..row * w + x + size;
            self.template
                .extend_from_slice(&level.from.data[span.clone()]);
            self.dx.extend_from_slice(&level.from_dx.data[span.clone()]);
            self.dy.extend_from_slice(&level.from_dy.data[span]);
        }
        let n = (size * size) as f32;
        let (mut xx, mut xy, mut yy, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for (&gx, &gy) in self.dx.iter().zip(&self.dy) {
            xx += gx * gx;
            xy += gx * gy;
            yy += gy * gy;
            sx += gx;
            sy += gy;
        }
        if mean_normalize {
            xx -= sx * sx / n;
            xy -= sx * sy / n;
            yy -= sy * sy / n;
        }
        // A small ridge keeps flat and one-dimensional patches from taking huge steps.
        let ridge = 0.01 * n;
        let (a, b, c) = (xx + ridge, xy, yy + ridge);
        let det = a * c - b * b;
        self.inverse = if det > 0.0 && det.is_finite() {
            [c / det, -b / det, a / det]
        } else {
            [0.0; 3]
        };
        self.sampled.resize(size * size, 0.0);
    }

    /// Samples the other frame under displacement `w` into `self.sampled` as differences to the
    /// template (minus their mean when mean-normalising); returns their sum of squares.
    fn residuals(&mut self, level: &Level<'_>, w: [f32; 2]) -> f32 {
        let size = self.size;
        let width = level.to.width;
        let (x, y) = (self.x as f32 + w[0], self.y as f32 + w[1]);
        let (x0, y0) = (floor(x), floor(y));
        let mut sum = 0.0f32;
        if x0 >= 0.0
            && y0 >= 0.0
            && x0 + size as f32 + 1.0 <= width as f32
            && y0 + size as f32 + 1.0 <= level.to.height as f32
        {
            // The whole footprint is inside: one set of weights, no clamping.
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as usize, y0 as usize);
            let d = &level.to.data;
            for j in 0..size {
                let top = &d[(y0 + j) * width + x0..(y0 + j) * width + x0 + size + 1];
                let bottom = &d[(y0 + j + 1) * width + x0..(y0 + j + 1) * width + x0 + size + 1];
                let template = &self.template[j * size..(j + 1) * size];
                let out = &mut self.sampled[j * size..(j + 1) * size];
                for i in 0..size {
                    let t = top[i] + fx * (top[i + 1] - top[i]);
                    let b = bottom[i] + fx * (bottom[i + 1] - bottom[i]);
                    let diff = t + fy * (b - t) - template[i];
                    out[i] = diff;
                    sum += diff;
                }
            }
        } else {
            for j in 0..size {
                for i in 0..size {
                    let k = j * size + i;
                    let diff = level.to.sample(x + i as f32, y + j as f32) - self.template[k];
                    self.sampled[k] = diff;
                    sum += diff;
                }
            }
        }
        let n = (size * size) as f32;
        let mean = if self.mean_normalize { sum / n } else { 0.0 };
        let mut ssd = 0.0f32;
        for d in &mut self.sampled {
            *d -= mean;
            ssd += *d * *d;
        }
        ssd
    }

    /// The sum of squared (mean-normalised) differences under displacement `w`.
    pub(crate) fn ssd(&mut self, level: &Level<'_>, w: [f32; 2]) -> f32 {
        self.residuals(level, w)
    }

    /// Runs `iterations` Gauss–Newton steps from `start` (whose cost is `start_ssd`) and returns
    /// the displacement with the lowest cost seen and that cost. A result more than a patch side
    /// away from `start` is dropped for `start`.
    pub(crate) fn descend(
        &mut self,
        level: &Level<'_>,
        start: [f32; 2],
        start_ssd: f32,
        iterations: usize,
    ) -> ([f32; 2], f32) {
        let mut w = start;
        let mut best = (start, start_ssd);
        for _ in 0..iterations {
            let ssd = self.residuals(level, w);
            if ssd < best.1 {
                best = (w, ssd);
            }
            let (mut bx, mut by) = (0.0f32, 0.0f32);
            for ((&d, &gx), &gy) in self.sampled.iter().zip(&self.dx).zip(&self.dy) {
                bx += d * gx;
                by += d * gy;
            }
            let [a, b, c] = self.inverse;
            let step = [a * bx + b * by, b * bx + c * by];
            w = [w[0] - step[0], w[1] - step[1]];
            if !(w[0].is_finite() && w[1].is_finite()) {
                break;
            }
            if step[0] * step[0] + step[1] * step[1] < 1e-6 {
                break;
            }
        }
        if w[0].is_finite() && w[1].is_finite() {
            let ssd = self.residuals(level, w);
            if ssd < best.1 {
                best = (w, ssd);
            }
        }
        let limit = self.size as f32;
        let (dx, dy) = (best.0[0] - start[0], best.0[1] - start[1]);
        if dx * dx + dy * dy > limit * limit {
            return (start, start_ssd);
        }
        best
    }
}
