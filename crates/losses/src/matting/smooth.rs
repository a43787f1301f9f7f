//! Photorealistic smoothing: the image nearest another whose every 3×3 window is an affine
//! function of the photo's colours, by conjugate gradients on the matrix-free Laplacian.

use burn::tensor::{Tensor, TensorData};
use rayon::prelude::*;

use super::{MattingLaplacian, apply_channels};
use crate::Error;
use crate::host::read_as;

/// How [`MattingLaplacian::smooth`] solves `(L + μI)·R = μ·Y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothing {
    /// `μ`, the weight of staying near `Y` against the matting energy: Li et al.'s (2018)
    /// `β = 0.9999` is `μ = 9(1 − β)/β ≈ 9·10⁻⁴` away from the borders.
    pub strength: f64,
    /// Stop when every channel's residual `‖μY − (L + μI)R‖` is this fraction of its first,
    /// `‖L·Y‖` (default 1%).
    pub tolerance: f64,
    /// Stop after this many iterations whatever the residual (default 60: about 1.5 s at
    /// 512×384 on two cores, where the matting energy has fallen to within a few percent of
    /// the exact solution's; BENCHMARKS.md, "Photographs").
    pub max_iterations: usize,
}

impl Default for Smoothing {
    fn default() -> Self {
        Self {
            strength: 9e-4,
            tolerance: 1e-2,
            max_iterations: 60,
        }
    }
}

/// The result of [`MattingLaplacian::smooth`].
#[derive(Debug, Clone)]
pub struct Smoothed {
    /// `[1, 3, H, W]`, in the input's range, device and dtype.
    pub image: Tensor<4>,
    /// The conjugate-gradient iterations it took.
    pub iterations: usize,
    /// The largest channel's residual relative to its first when it stopped.
    pub relative_residual: f64,
}

impl MattingLaplacian {
    /// Solves `(L + μI)·R = μ·Y` for `image` `Y` (`[1, 3, H, W]`, in 0–1 or any range, since
    /// the system is linear), each channel by conjugate gradients preconditioned with the
    /// diagonal, from `R = Y`, on the host in `f64`. `R` is the image nearest `Y` (weighted by
    /// `μ`) that the photo's local affine colour models explain (Li et al., "A Closed-form
    /// Solution to Photorealistic Image Stylization", 2018); since `1ᵀL = 0` the exact
    /// solution keeps each channel's mean. An error if the image cannot be read back; a
    /// non-finite residual stops the iterations and is reported in
    /// [`Smoothed::relative_residual`].
    pub fn smooth(&self, image: Tensor<4>, smoothing: &Smoothing) -> Result<Smoothed, Error> {
        let (device, dtype, shape) = (image.device(), image.dtype(), image.dims());
        let y = read_as::<f64, 4>(image, "image to smooth")?;
        let stats = self.host_stats();
        let n = self.height * self.width;
        let mu = smoothing.strength;
        let diagonal: Vec<f64> = match &stats {
            Some(stats) => stats.diagonal.clone(),
            None => vec![0.0; n],
        };
        let precondition = |r: &[f64], z: &mut [f64]| {
            z.par_chunks_mut(n).zip(r.par_chunks(n)).for_each(|(z, r)| {
                for ((z, r), d) in z.iter_mut().zip(r).zip(&diagonal) {
                    *z = r / (d + mu);
                }
            });
        };
        let dots = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.chunks(n.max(1))
                .zip(b.chunks(n.max(1)))
                .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a * b).sum())
                .collect()
        };
        let mut x = y.clone();
        // r = μY − (L + μI)Y = −LY.
        let mut r = vec![0.0; y.len()];
        apply_channels(stats.as_ref(), &y, &mut r);
        r.iter_mut().for_each(|r| *r = -*r);
        let first: Vec<f64> = dots(&r, &r).into_iter().map(f64::sqrt).collect();
        let relative = |r: &[f64]| {
            dots(r, r)
                .into_iter()
                .zip(&first)
                .map(|(r, f)| if *f > 0.0 { r.sqrt() / f } else { 0.0 })
                .fold(0.0, f64::max)
        };
        let mut z = vec![0.0; y.len()];
        precondition(&r, &mut z);
        let mut p = z.clone();
        let mut rz = dots(&r, &z);
        let mut ap = vec![0.0; y.len()];
        let mut residual = relative(&r);
        let mut iterations = 0;
        while iterations < smoothing.max_iterations && residual > smoothing.tolerance {
            apply_channels(stats.as_ref(), &p, &mut ap);
            ap.iter_mut().zip(&p).for_each(|(ap, p)| *ap += mu * p);
            let pap = dots(&p, &ap);
            for c in 0..rz.len() {
                let alpha = if pap[c] > 0.0 { rz[c] / pap[c] } else { 0.0 };
                let range = c * n..(c + 1) * n;
                x[range.clone()]
                    .iter_mut()
                    .zip(&p[range.clone()])
                    .for_each(|(x, p)| *x += alpha * p);
                r[range.clone()]
                    .iter_mut()
                    .zip(&ap[range])
                    .for_each(|(r, ap)| *r -= alpha * ap);
            }
            precondition(&r, &mut z);
            let rz_next = dots(&r, &z);
            for c in 0..rz.len() {
                let beta = if rz[c] > 0.0 { rz_next[c] / rz[c] } else { 0.0 };
                let range = c * n..(c + 1) * n;
                p[range.clone()]
                    .iter_mut()
                    .zip(&z[range])
                    .for_each(|(p, z)| *p = z + beta * *p);
            }
            rz = rz_next;
            iterations += 1;
            residual = relative(&r);
            if !residual.is_finite() {
                break;
            }
        }
        Ok(Smoothed {
            image: Tensor::from_data(TensorData::new(x, shape), (&device, dtype)),
            iterations,
            relative_residual: residual,
        })
    }
}
