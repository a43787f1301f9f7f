//! Where a flow can be trusted (Ruder et al., 2016, §3.1).

use image::{ImageBuffer, Luma};
use rayon::prelude::*;

use crate::plane::Plane;
use crate::{Error, Flow};

/// The Gaussian's σ of the smoothing.
const SIGMA: f32 = 0.8;
/// The smoothing kernel's radius: 2σ rounded up, as `CSmooth(0.8, 2.0)` in the reference.
const RADIUS: isize = 2;

/// Ruder et al.'s reliability of `flow` (defined on its source frame) given `inverse` (the
/// flow computed the other way), in [0, 1].
///
/// With w = flow(p) and ŵ = inverse(p + w) (bilinear), a pixel is
/// - 0 where p + w leaves the frame (its bilinear neighbourhood is not inside it);
/// - 0 where the round trip fails, |w + ŵ|² ≥ 0.01(|w|² + |ŵ|²) + 0.5 (as −1 before the
///   smoothing, so that the zero spreads outwards, as in the reference);
/// - 0 at motion boundaries, |∇u|² + |∇v|² > 0.01|w|² + 0.002 (central differences, clamped
///   at the border);
/// - 1 elsewhere;
///
/// then smoothed by a Gaussian (σ = 0.8, radius 2, border replicated) and clipped to [0, 1].
/// This follows `consistencyChecker.cpp` of manuelruder/artistic-videos.
pub fn reliability(flow: &Flow, inverse: &Flow) -> Result<ImageBuffer<Luma<f32>, Vec<f32>>, Error> {
    let (w, h) = (flow.width(), flow.height());
    if (w, h) != (inverse.width(), inverse.height()) {
        return Err(Error::SizeMismatch {
            what: "reliability: flow and inverse",
            left_width: w,
            left_height: h,
            right_width: inverse.width(),
            right_height: inverse.height(),
        });
    }
    let (wu, hu) = (w as usize, h as usize);
    if wu == 0 || hu == 0 {
        return Ok(ImageBuffer::new(w, h));
    }
    let plane = |data: &[f32]| Plane {
        width: wu,
        height: hu,
        data: data.to_vec(),
    };
    let (u, v) = (plane(flow.u()), plane(flow.v()));
    let (iu, iv) = (plane(inverse.u()), plane(inverse.v()));
    let (ux, uy) = u.central_gradients();
    let (vx, vy) = v.central_gradients();
    let raw = Plane::from_fn(wu, hu, |x, y| {
        let k = y * wu + x;
        let (fu, fv) = (u.data[k], v.data[k]);
        let bx = x as f32 + fu;
        let by = y as f32 + fv;
        let (x1, y1) = (bx.floor(), by.floor());
        // Also catches NaN: the comparisons are false.
        if !(x1 >= 0.0 && x1 + 1.0 < wu as f32 && y1 >= 0.0 && y1 + 1.0 < hu as f32) {
            return 0.0;
        }
        let (bu, bv) = (iu.sample(bx, by), iv.sample(bx, by));
        let (cx, cy) = (fu + bu, fv + bv);
        if cx * cx + cy * cy >= 0.01 * (fu * fu + fv * fv + bu * bu + bv * bv) + 0.5 {
            return -1.0;
        }
        let edge = ux.data[k] * ux.data[k]
            + uy.data[k] * uy.data[k]
            + vx.data[k] * vx.data[k]
            + vy.data[k] * vy.data[k];
        if edge > 0.01 * (fu * fu + fv * fv) + 0.002 {
            return 0.0;
        }
        1.0
    });
    let kernel: Vec<f32> = {
        let k: Vec<f32> = (-RADIUS..=RADIUS)
            .map(|i| (-((i * i) as f32) / (2.0 * SIGMA * SIGMA)).exp())
            .collect();
        let sum: f32 = k.iter().sum();
        k.iter().map(|x| x / sum).collect()
    };
    let smooth_x = Plane::from_fn(wu, hu, |x, y| {
        (-RADIUS..=RADIUS)
            .zip(&kernel)
            .map(|(i, k)| k * raw.at_clamped(x as isize + i, y as isize))
            .sum()
    });
    let mut out = vec![0.0f32; wu * hu];
    out.par_chunks_mut(wu).enumerate().for_each(|(y, row)| {
        for (x, value) in row.iter_mut().enumerate() {
            let s: f32 = (-RADIUS..=RADIUS)
                .zip(&kernel)
                .map(|(i, k)| k * smooth_x.at_clamped(x as isize, y as isize + i))
                .sum();
            *value = s.clamp(0.0, 1.0);
        }
    });
    Ok(ImageBuffer::from_raw(w, h, out).unwrap_or_else(|| ImageBuffer::new(w, h)))
}
