//! Variational refinement of a dense flow (Kroeger et al., 2016, §2.2; Brox et al., 2004):
//! brightness and gradient constancy with robust penalties, normalised by the local gradient,
//! and a robust smoothness term, solved by lagged fixed-point iterations of red–black SOR.

use rayon::prelude::*;

use crate::plane::Plane;

/// `ε²` of the robust penalty `Ψ(s²) = √(s² + ε²)`.
const EPSILON_SQUARED: f32 = 1e-6;
/// `ζ²` of the data terms' normalisation `1 / (|∇I|² + ζ²)`.
const ZETA_SQUARED: f32 = 0.01;
/// The SOR over-relaxation factor.
const OMEGA: f32 = 1.6;

/// The refinement's weights and iteration counts.
pub(crate) struct Refinement {
    pub(crate) alpha: f32,
    pub(crate) gamma: f32,
    pub(crate) delta: f32,
    pub(crate) fixed_point_iterations: usize,
    pub(crate) sor_iterations: usize,
}

/// The derivatives of a level that the refinement needs.
pub(crate) struct Derivatives {
    dx: Plane,
    dy: Plane,
    dxx: Plane,
    dxy: Plane,
    dyy: Plane,
}

impl Derivatives {
    pub(crate) fn new(image: &Plane) -> Self {
        let (dx, dy) = image.central_gradients();
        let (dxx, dxy) = dx.central_gradients();
        let (_, dyy) = dy.central_gradients();
        Self {
            dx,
            dy,
            dxx,
            dxy,
            dyy,
        }
    }
}

/// `Ψ'(s²)`, the weight of a lagged robust term.
#[inline]
fn psi_prime(s2: f32) -> f32 {
    0.5 / (s2 + EPSILON_SQUARED).sqrt()
}

/// Refines `(u, v)` in place from `from` (with derivatives `d0`) to `to` (with `d1`).
pub(crate) fn refine(
    from: &Plane,
    d0: &Derivatives,
    to: &Plane,
    d1: &Derivatives,
    u: &mut Plane,
    v: &mut Plane,
    r: &Refinement,
) {
    let (w, h) = (from.width, from.height);
    let n = w * h;
    for _ in 0..r.fixed_point_iterations {
        // Per-pixel linear system: [a11 a12; a12 a22] (du, dv) = (b1, b2) plus smoothness.
        let mut coef = vec![[0.0f32; 5]; n];
        coef.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
            for (x, c) in row.iter_mut().enumerate() {
                let k = y * w + x;
                let (px, py) = (x as f32 + u.data[k], y as f32 + v.data[k]);
                let s = |p: &Plane| p.sample(px, py);
                let iz = s(to) - from.data[k];
                let ix = 0.5 * (s(&d1.dx) + d0.dx.data[k]);
                let iy = 0.5 * (s(&d1.dy) + d0.dy.data[k]);
                let ixz = s(&d1.dx) - d0.dx.data[k];
                let iyz = s(&d1.dy) - d0.dy.data[k];
                let ixx = 0.5 * (s(&d1.dxx) + d0.dxx.data[k]);
                let ixy = 0.5 * (s(&d1.dxy) + d0.dxy.data[k]);
                let iyy = 0.5 * (s(&d1.dyy) + d0.dyy.data[k]);
                let nd = 1.0 / (ix * ix + iy * iy + ZETA_SQUARED);
                let ngx = 1.0 / (ixx * ixx + ixy * ixy + ZETA_SQUARED);
                let ngy = 1.0 / (ixy * ixy + iyy * iyy + ZETA_SQUARED);
                let wd = r.delta * nd * psi_prime(nd * iz * iz);
                let wg = r.gamma * psi_prime(ngx * ixz * ixz + ngy * iyz * iyz);
                let (wgx, wgy) = (wg * ngx, wg * ngy);
                *c = [
                    wd * ix * ix + wgx * ixx * ixx + wgy * ixy * ixy,
                    wd * ix * iy + wgx * ixx * ixy + wgy * ixy * iyy,
                    wd * iy * iy + wgx * ixy * ixy + wgy * iyy * iyy,
                    -(wd * ix * iz + wgx * ixx * ixz + wgy * ixy * iyz),
                    -(wd * iy * iz + wgx * ixy * ixz + wgy * iyy * iyz),
                ];
            }
        });
        // Smoothness weight of each pixel's right and lower edges, from forward differences.
        let weight = Plane::from_fn(w, h, |x, y| {
            let k = y * w + x;
            let fx = |p: &Plane| {
                if x + 1 < w {
                    p.data[k + 1] - p.data[k]
                } else {
                    0.0
                }
            };
            let fy = |p: &Plane| {
                if y + 1 < h {
                    p.data[k + w] - p.data[k]
                } else {
                    0.0
                }
            };
            let s2 = fx(u).powi(2) + fy(u).powi(2) + fx(v).powi(2) + fy(v).powi(2);
            r.alpha * psi_prime(s2)
        });
        let mut du = vec![0.0f32; n];
        let mut dv = vec![0.0f32; n];
        let mut next_du = vec![0.0f32; n];
        let mut next_dv = vec![0.0f32; n];
        for _ in 0..r.sor_iterations {
            for colour in 0..2 {
                next_du
                    .par_chunks_mut(w)
                    .zip(next_dv.par_chunks_mut(w))
                    .enumerate()
                    .for_each(|(y, (row_u, row_v))| {
                        for x in 0..w {
                            let k = y * w + x;
                            if (x + y) % 2 != colour {
                                row_u[x] = du[k];
                                row_v[x] = dv[k];
                                continue;
                            }
                            let (mut sum_w, mut sum_u, mut sum_v) = (0.0f32, 0.0f32, 0.0f32);
                            let mut add = |q: usize, wq: f32| {
                                sum_w += wq;
                                sum_u += wq * (u.data[q] + du[q] - u.data[k]);
                                sum_v += wq * (v.data[q] + dv[q] - v.data[k]);
                            };
                            if x > 0 {
                                add(k - 1, weight.data[k - 1]);
                            }
                            if x + 1 < w {
                                add(k + 1, weight.data[k]);
                            }
                            if y > 0 {
                                add(k - w, weight.data[k - w]);
                            }
                            if y + 1 < h {
                                add(k + w, weight.data[k]);
                            }
                            let [a11, a12, a22, b1, b2] = coef[k];
                            let den_u = a11 + sum_w;
                            let new_u = if den_u > 0.0 {
                                (1.0 - OMEGA) * du[k] + OMEGA * (b1 - a12 * dv[k] + sum_u) / den_u
                            } else {
                                du[k]
                            };
                            let den_v = a22 + sum_w;
                            let new_v = if den_v > 0.0 {
                                (1.0 - OMEGA) * dv[k] + OMEGA * (b2 - a12 * new_u + sum_v) / den_v
                            } else {
                                dv[k]
                            };
                            row_u[x] = if new_u.is_finite() { new_u } else { 0.0 };
                            row_v[x] = if new_v.is_finite() { new_v } else { 0.0 };
                        }
                    });
                std::mem::swap(&mut du, &mut next_du);
                std::mem::swap(&mut dv, &mut next_dv);
            }
        }
        for k in 0..n {
            u.data[k] += du[k];
            v.data[k] += dv[k];
        }
    }
}
