//! The transformed kernels `U = G g Gᵀ`, and which algorithm a layer uses.

use rayon::prelude::*;

use super::tile::{F2x2, F4x4, Tile};

/// The layers with at most this many kernels (input × output channels) use F(4×4, 3×3); the
/// larger ones (VGG-16's 512-channel blocks 4 and 5) use F(2×2, 3×3), whose transformed
/// weights take 16/9 of the kernels' memory instead of 4×: 119 MB instead of 235 MB for the
/// whole network, at 1.8× the multiplies in the layers where the image is smallest.
const MAX_KERNELS_FOR_F4X4: usize = 256 * 256;

/// Which Winograd algorithm a layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// F(4×4, 3×3).
    F4x4,
    /// F(2×2, 3×3).
    F2x2,
}

impl Algorithm {
    /// The algorithm for a layer of `kernels` kernels (input × output channels).
    pub fn for_kernels(kernels: usize) -> Self {
        if kernels <= MAX_KERNELS_FOR_F4X4 {
            Self::F4x4
        } else {
            Self::F2x2
        }
    }

    /// Elements of a transformed tile, N².
    pub fn elements(self) -> usize {
        match self {
            Self::F4x4 => 36,
            Self::F2x2 => 16,
        }
    }
}

/// `U = G g Gᵀ` of each 3×3 kernel `g` of `weight` (laid out `[out][in][3][3]`), laid out
/// `[ξ][out][in]`; computed in `f64`, each value rounded once.
pub(crate) fn transform(weight: &[f32], algorithm: Algorithm) -> Vec<f32> {
    assert_eq!(weight.len() % 9, 0);
    match algorithm {
        Algorithm::F4x4 => transform_with::<F4x4, 6, 4>(weight),
        Algorithm::F2x2 => transform_with::<F2x2, 4, 2>(weight),
    }
}

fn transform_with<T: Tile<N, M>, const N: usize, const M: usize>(weight: &[f32]) -> Vec<f32> {
    let kernels = weight.len() / 9;
    let mut u = vec![0.0f32; N * N * kernels];
    u.par_chunks_mut(kernels.max(1))
        .enumerate()
        .for_each(|(xi, u)| {
            // U[ξ] = Σₐᵦ G[i][a] g[a][b] G[j][b] for ξ = N·i + j.
            let (gi, gj) = (T::G[xi / N], T::G[xi % N]);
            let coefficients: [f64; 9] = std::array::from_fn(|ab| gi[ab / 3] * gj[ab % 3]);
            for (u, g) in u.iter_mut().zip(weight.chunks_exact(9)) {
                let sum: f64 = coefficients
                    .iter()
                    .zip(g)
                    .map(|(c, &g)| c * f64::from(g))
                    .sum();
                *u = sum as f32;
            }
        });
    u
}

/// The transformed kernels of one layer, as [`transform`] lays them out.
#[derive(Clone, Copy)]
pub(crate) struct Kernels<'a> {
    pub(super) u: &'a [f32],
    pub(super) algorithm: Algorithm,
    pub(super) out_channels: usize,
    pub(super) in_channels: usize,
}

impl<'a> Kernels<'a> {
    /// `u` is `[ξ][out][in]` for `algorithm`.
    pub fn new(
        u: &'a [f32],
        algorithm: Algorithm,
        [out_channels, in_channels]: [usize; 2],
    ) -> Self {
        assert_eq!(u.len(), algorithm.elements() * out_channels * in_channels);
        Self {
            u,
            algorithm,
            out_channels,
            in_channels,
        }
    }
}
