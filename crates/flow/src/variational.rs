//! Variational refinement of a dense flow (Kroeger et al., 2016, §2.2; Brox et al., 2004):
//! brightness and gradient constancy with robust penalties, normalised by the local gradient,
//! and a robust smoothness term, solved by lagged fixed-point iterations of red–black SOR.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use crate::plane::{Plane, Taps};

/// `ε²` of the robust penalty `Ψ(s²) = √(s² + ε²)`.
const EPSILON_SQUARED: f32 = 1e-6;
/// `ζ²` of the data terms' normalisation `1 / (|∇I|² + ζ²)`.
const ZETA_SQUARED: f32 = 0.01;
/// The SOR over-relaxation factor.
const OMEGA: f32 = 1.6;

/// The refinement's weights and iteration counts.
#[derive(Clone, Copy)]
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

/// One pixel's SOR system.
#[derive(Clone, Copy, Default)]
struct Pixel {
    inv_u: f32,
    inv_v: f32,
    a12: f32,
    rhs_u: f32,
    rhs_v: f32,
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
    let mut system = vec![Pixel::default(); n];
    let du: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    let dv: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    for _ in 0..r.fixed_point_iterations {
        // Smoothness weight of each pixel's right and lower edges, from forward differences.
        let weight = Plane::from_fn(w, h, |x, y| {
            let k = y * w + x;
            let add = |d: f32| d * d;
            let mut s2 = 0.0f32;
            if x + 1 < w {
                s2 += add(u.data[k + 1] - u.data[k]) + add(v.data[k + 1] - v.data[k]);
            }
            if y + 1 < h {
                s2 += add(u.data[k + w] - u.data[k]) + add(v.data[k + w] - v.data[k]);
            }
            r.alpha * psi_prime(s2)
        });
        // Each pixel's linear system with the current flow folded in: the data terms
        // [a11 a12; a12 a22] (du, dv) = (b1, b2) linearised at the warped frame, plus the
        // neighbours' smoothness weights, as inverse diagonals and constant right-hand sides.
        system.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
            for (x, pixel) in row.iter_mut().enumerate() {
                let k = y * w + x;
                let (px, py) = (x as f32 + u.data[k], y as f32 + v.data[k]);
                let taps = Taps::new(px, py, w, h);
                let s = |p: &Plane| taps.of(p);
                let iz = s(to) - from.data[k];
                let (wx, wy) = (s(&d1.dx), s(&d1.dy));
                let ix = 0.5 * (wx + d0.dx.data[k]);
                let iy = 0.5 * (wy + d0.dy.data[k]);
                let ixz = wx - d0.dx.data[k];
                let iyz = wy - d0.dy.data[k];
                let ixx = 0.5 * (s(&d1.dxx) + d0.dxx.data[k]);
                let ixy = 0.5 * (s(&d1.dxy) + d0.dxy.data[k]);
                let iyy = 0.5 * (s(&d1.dyy) + d0.dyy.data[k]);
                let nd = 1.0 / (ix * ix + iy * iy + ZETA_SQUARED);
                let ngx = 1.0 / (ixx * ixx + ixy * ixy + ZETA_SQUARED);
                let ngy = 1.0 / (ixy * ixy + iyy * iyy + ZETA_SQUARED);
                let wd = r.delta * nd * psi_prime(nd * iz * iz);
                let wg = r.gamma * psi_prime(ngx * ixz * ixz + ngy * iyz * iyz);
                let (wgx, wgy) = (wg * ngx, wg * ngy);
                let a11 = wd * ix * ix + wgx * ixx * ixx + wgy * ixy * ixy;
                let a12 = wd * ix * iy + wgx * ixx * ixy + wgy * ixy * iyy;
                let a22 = wd * iy * iy + wgx * ixy * ixy + wgy * iyy * iyy;
                let b1 = -(wd * ix * iz + wgx * ixx * ixz + wgy * ixy * iyz);
                let b2 = -(wd * iy * iz + wgx * ixy * ixz + wgy * iyy * iyz);
                let weights = [
                    if x > 0 { weight.data[k - 1] } else { 0.0 },
                    if x + 1 < w { weight.data[k] } else { 0.0 },
                    if y > 0 { weight.data[k - w] } else { 0.0 },
                    if y + 1 < h { weight.data[k] } else { 0.0 },
                ];
                let neighbours = [k.wrapping_sub(1), k + 1, k.wrapping_sub(w), k + w];
                let (mut sum_w, mut rhs_u, mut rhs_v) = (0.0f32, 0.0f32, 0.0f32);
                for (&q, &wq) in neighbours.iter().zip(&weights) {
                    if wq > 0.0 {
                        sum_w += wq;
                        rhs_u += wq * (u.data[q] - u.data[k]);
                        rhs_v += wq * (v.data[q] - v.data[k]);
                    }
                }
                let inverse = |d: f32| {
                    if d > 0.0 && d.is_finite() {
                        1.0 / d
                    } else {
                        0.0
                    }
                };
                *pixel = Pixel {
                    inv_u: inverse(a11 + sum_w),
                    inv_v: inverse(a22 + sum_w),
                    a12,
                    rhs_u: b1 + rhs_u,
                    rhs_v: b2 + rhs_v,
                };
            }
        });
        du.par_iter()
            .chain(dv.par_iter())
            .for_each(|d| d.store(0, Ordering::Relaxed));
        for _ in 0..r.sor_iterations {
            for colour in 0..2 {
                // A colour's pixels read only the other colour's: updating them in place in
                // parallel gives the same result in any order.
                (0..h).into_par_iter().for_each(|y| {
                    let get =
                        |d: &[AtomicU32], q: usize| f32::from_bits(d[q].load(Ordering::Relaxed));
                    for x in ((y + colour) % 2..w).step_by(2) {
                        let k = y * w + x;
                        let p = &system[k];
                        let (mut su, mut sv) = (0.0f32, 0.0f32);
                        let mut add = |q: usize, wq: f32| {
                            su += wq * get(&du, q);
                            sv += wq * get(&dv, q);
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
                        let (old_u, old_v) = (get(&du, k), get(&dv, k));
                        let new_u = (1.0 - OMEGA) * old_u
                            + OMEGA * (p.rhs_u - p.a12 * old_v + su) * p.inv_u;
                        let new_u = if new_u.is_finite() { new_u } else { 0.0 };
                        let new_v = (1.0 - OMEGA) * old_v
                            + OMEGA * (p.rhs_v - p.a12 * new_u + sv) * p.inv_v;
                        let new_v = if new_v.is_finite() { new_v } else { 0.0 };
                        du[k].store(new_u.to_bits(), Ordering::Relaxed);
                        dv[k].store(new_v.to_bits(), Ordering::Relaxed);
                    }
                });
            }
        }
        for k in 0..n {
            u.data[k] += f32::from_bits(du[k].load(Ordering::Relaxed));
            v.data[k] += f32::from_bits(dv[k].load(Ordering::Relaxed));
        }
    }
}
