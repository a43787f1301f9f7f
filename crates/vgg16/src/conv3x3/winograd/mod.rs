//! Winograd convolution on `f32` slices: the CPU kernel of our VGG-16 layer.
//!
//! A 3×3 convolution with padding 1 is computed tile by tile: each N×N input tile `d` and each
//! kernel `g` are transformed (`V = Bᵀ d B`, `U = G g Gᵀ`), multiplied element by element and
//! summed over the input channels, which for the N² elements `ξ` of a tile is N² matrix
//! products `M[ξ] = U[ξ] · V[ξ]`; the output tile is `Y = Aᵀ M A`, M×M pixels ([`tile`]).
//!
//! The input gradient of a convolution is a convolution of the output gradient with the
//! kernels flipped and their channels transposed. Flipping the kernels is the same as reading
//! the gradient and writing the result upside down and back to front, so the input gradient
//! uses the forward pass's transformed weights, transposed: there is one copy of them.
//!
//! Tiles are processed in chunks of whole tile rows, small enough for the transformed input
//! and output of a chunk to stay in the last-level cache; within a chunk the transforms
//! ([`transform`]) run in parallel over channels and the N² products in parallel over `ξ`.

mod tile;
mod transform;

use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Range;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use tile::{F2x2, F4x4, Tile};
use transform::{InputChannel, InputScratch, OutputChannel, OutputScratch};

/// The transformed input and output of one chunk of tiles take at most about this many bytes
/// (unless one tile row alone is larger).
const CHUNK_BYTES: usize = 8 << 20;

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
    u: &'a [f32],
    algorithm: Algorithm,
    out_channels: usize,
    in_channels: usize,
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

/// `relu(conv(x, g) + bias)` for `x` laid out `[n][in][h][w]`; returns `[n][out][h][w]`.
pub(crate) fn forward(
    x: &[f32],
    [n, h, w]: [usize; 3],
    kernels: Kernels,
    bias: &[f32],
) -> Vec<f32> {
    let (ci, co) = (kernels.in_channels, kernels.out_channels);
    assert_eq!(x.len(), n * ci * h * w);
    assert_eq!(bias.len(), co);
    let mut y = vec![0.0f32; n * co * h * w];
    let plan = Plan {
        h,
        w,
        ci,
        co,
        transposed: false,
        reversed: false,
    };
    for (x, y) in x
        .chunks_exact(ci * h * w)
        .zip(y.chunks_exact_mut(co * h * w))
    {
        let source = Source { x, mask: None };
        plan.run(source, kernels, Some(bias), y);
    }
    y
}

/// The gradient with respect to `x` of `relu(conv(x, g) + bias)`, given that function's
/// `output` (`[n][out][h][w]`, for the ReLU's mask) and the gradient `grad` of its output;
/// returns `[n][in][h][w]`.
pub(crate) fn input_gradient(
    output: &[f32],
    grad: &[f32],
    [n, h, w]: [usize; 3],
    kernels: Kernels,
) -> Vec<f32> {
    let (ci, co) = (kernels.in_channels, kernels.out_channels);
    assert_eq!(output.len(), n * co * h * w);
    assert_eq!(grad.len(), output.len());
    let mut dx = vec![0.0f32; n * ci * h * w];
    let plan = Plan {
        h,
        w,
        ci: co,
        co: ci,
        transposed: true,
        reversed: true,
    };
    let plane = co * h * w;
    for ((grad, output), dx) in grad
        .chunks_exact(plane)
        .zip(output.chunks_exact(plane))
        .zip(dx.chunks_exact_mut(ci * h * w))
    {
        let source = Source {
            x: grad,
            mask: Some(output),
        };
        plan.run(source, kernels, None, dx);
    }
    dx
}

/// The planes a convolution reads: `x`, zeroed where `mask` is not positive.
#[derive(Clone, Copy)]
struct Source<'a> {
    x: &'a [f32],
    mask: Option<&'a [f32]>,
}

/// One convolution of a single image: `ci` planes of `h×w` in, `co` out.
struct Plan {
    h: usize,
    w: usize,
    ci: usize,
    co: usize,
    /// The weights are used transposed (`[in][out]`), for the input gradient.
    transposed: bool,
    /// Rows and columns are read and written in reverse order, which flips the kernels.
    reversed: bool,
}

impl Plan {
    /// Convolves `source` into the planes `y`; with a bias, adds it and applies the ReLU.
    fn run(&self, source: Source, kernels: Kernels, bias: Option<&[f32]>, y: &mut [f32]) {
        match kernels.algorithm {
            Algorithm::F4x4 => self.run_with::<F4x4, 6, 4>(source, kernels, bias, y),
            Algorithm::F2x2 => self.run_with::<F2x2, 4, 2>(source, kernels, bias, y),
        }
    }

    fn run_with<T: Tile<N, M>, const N: usize, const M: usize>(
        &self,
        source: Source,
        kernels: Kernels,
        bias: Option<&[f32]>,
        y: &mut [f32],
    ) {
        let (tiles_h, tiles_w) = (self.h.div_ceil(M), self.w.div_ceil(M));
        let row_bytes = tiles_w * N * N * (self.ci + self.co) * size_of::<f32>();
        let rows_per_chunk = (CHUNK_BYTES / row_bytes).clamp(1, tiles_h);
        let stride = rows_per_chunk * tiles_w;
        with_scratch(N * N * (self.ci + self.co) * stride, |scratch| {
            let (v, m) = scratch.split_at_mut(N * N * self.ci * stride);
            let mut first = 0;
            while first < tiles_h {
                let rows = first..(first + rows_per_chunk).min(tiles_h);
                let tiles = rows.len() * tiles_w;
                self.transform_input::<T, N, M>(source, rows.clone(), stride, v);
                self.multiply(kernels, tiles, stride, v, m);
                self.transform_output::<T, N, M>(m, rows.clone(), stride, bias, y);
                first = rows.end;
            }
        });
    }

    /// `V[c][ξ][t] = (Bᵀ d B)[ξ]` for the tiles `t` of tile rows `rows`, in parallel over `c`.
    fn transform_input<T: Tile<N, M>, const N: usize, const M: usize>(
        &self,
        source: Source,
        rows: Range<usize>,
        stride: usize,
        v: &mut [f32],
    ) {
        let plane = self.h * self.w;
        let arch = pulp::Arch::new();
        v[..self.ci * N * N * stride]
            .par_chunks_mut(N * N * stride)
            .enumerate()
            .for_each_init(
                || InputScratch::new::<N, M>(self.w.div_ceil(M)),
                |scratch, (c, v)| {
                    let plane = c * plane..(c + 1) * plane;
                    arch.dispatch(InputChannel::<T, N, M> {
                        plan: self,
                        tile: PhantomData,
                        x: &source.x[plane.clone()],
                        mask: source.mask.map(|mask| &mask[plane]),
                        rows: rows.clone(),
                        stride,
                        scratch,
                        v,
                    });
                },
            );
    }

    /// Copies row `r` of a plane into `padded[1..=w]` (reversed if the plan is, zeroed where
    /// the mask is not positive), zeros elsewhere; all zeros for a row outside the plane.
    #[inline(always)]
    fn read_row(&self, x: &[f32], mask: Option<&[f32]>, r: usize, padded: &mut [f32]) {
        let (h, w) = (self.h, self.w);
        padded.fill(0.0);
        if r >= h {
            return;
        }
        let r = if self.reversed { h - 1 - r } else { r };
        let row = &x[r * w..][..w];
        let dst = &mut padded[1..=w];
        match mask.map(|mask| &mask[r * w..][..w]) {
            None => dst.copy_from_slice(row),
            Some(mask) => {
                for ((d, &x), &m) in dst.iter_mut().zip(row).zip(mask) {
                    *d = if m > 0.0 { x } else { 0.0 };
                }
            }
        }
        if self.reversed {
            dst.reverse();
        }
    }

    /// `M[ξ] = U[ξ] · V[ξ]` for each element `ξ` of a tile, in parallel.
    fn multiply(&self, kernels: Kernels, tiles: usize, stride: usize, v: &[f32], m: &mut [f32]) {
        let (ci, co) = (self.ci, self.co);
        let elements = kernels.algorithm.elements();
        let per_element = kernels.out_channels * kernels.in_channels;
        // U[ξ] is `[out][in]`; the input gradient reads it as `[in][out]`.
        let (lhs_rs, lhs_cs) = if self.transposed {
            (1, kernels.in_channels as isize)
        } else {
            (kernels.in_channels as isize, 1)
        };
        m[..elements * co * stride]
            .par_chunks_mut(co * stride)
            .enumerate()
            .for_each(|(xi, dst)| {
                let lhs = &kernels.u[xi * per_element..][..per_element];
                let rhs = &v[xi * stride..];
                // SAFETY: `gemm` reads `lhs` at `r·lhs_rs + k·lhs_cs` for r < co, k < ci, which
                // is below co·ci = per_element in either orientation; `rhs` at
                // `k·elements·stride + t` for k < ci, t < tiles ≤ stride, which from ξ·stride
                // (ξ < elements) stays below ci·elements·stride = v.len(); and writes `dst` at
                // `r·stride + t`, below co·stride = dst.len(). `dst` overlaps neither.
                unsafe {
                    gemm(
                        co,
                        tiles,
                        ci,
                        dst.as_mut_ptr(),
                        1,
                        stride as isize,
                        false,
                        lhs.as_ptr(),
                        lhs_cs,
                        lhs_rs,
                        rhs.as_ptr(),
                        1,
                        (elements * stride) as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        Parallelism::None,
                    );
                }
            });
    }

    /// `Y = Aᵀ M A` for the tiles of tile rows `rows`, with the bias and ReLU if there is a
    /// bias, into the output planes, in parallel over output channels.
    fn transform_output<T: Tile<N, M>, const N: usize, const M: usize>(
        &self,
        m: &[f32],
        rows: Range<usize>,
        stride: usize,
        bias: Option<&[f32]>,
        y: &mut [f32],
    ) {
        let arch = pulp::Arch::new();
        y[..self.co * self.h * self.w]
            .par_chunks_mut(self.h * self.w)
            .enumerate()
            .for_each_init(
                || OutputScratch::new::<N, M>(self.w.div_ceil(M)),
                |scratch, (k, y)| {
                    arch.dispatch(OutputChannel::<T, N, M> {
                        plan: self,
                        tile: PhantomData,
                        m: &m[k * stride..],
                        m_stride: self.co * stride,
                        bias: bias.map(|bias| bias[k]),
                        rows: rows.clone(),
                        scratch,
                        y,
                    });
                },
            );
    }
}

thread_local! {
    /// Reused between calls, so that the large buffers are not allocated and zeroed each time.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` floats of this thread's scratch buffer (a fresh one if it is in use).
/// Every chunk overwrites the part of the buffer it reads, so old contents never leak.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            if buffer.len() < len {
                buffer.resize(len, 0.0);
            }
            f(&mut buffer[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct convolution (correlation, padding 1) in `f64`.
    fn direct(x: &[f32], weight: &[f32], [ci, co, h, w]: [usize; 4]) -> Vec<f64> {
        let mut y = vec![0.0f64; co * h * w];
        for k in 0..co {
            for r in 0..h {
                for col in 0..w {
                    let mut sum = 0.0;
                    for c in 0..ci {
                        for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
                            let (rr, cc) = ((r + a).wrapping_sub(1), (col + b).wrapping_sub(1));
                            if rr < h && cc < w {
                                sum += f64::from(weight[((k * ci + c) * 3 + a) * 3 + b])
                                    * f64::from(x[(c * h + rr) * w + cc]);
                            }
                        }
                    }
                    y[(k * h + r) * w + col] = sum;
                }
            }
        }
        y
    }

    /// The input gradient of [`direct`] (its adjoint) in `f64`.
    fn direct_adjoint(dy: &[f64], weight: &[f32], [ci, co, h, w]: [usize; 4]) -> Vec<f64> {
        let mut dx = vec![0.0f64; ci * h * w];
        for k in 0..co {
            for r in 0..h {
                for col in 0..w {
                    let g = dy[(k * h + r) * w + col];
                    for c in 0..ci {
                        for (a, b) in (0..3).flat_map(|a| (0..3).map(move |b| (a, b))) {
                            let (rr, cc) = ((r + a).wrapping_sub(1), (col + b).wrapping_sub(1));
                            if rr < h && cc < w {
                                dx[(c * h + rr) * w + cc] +=
                                    f64::from(weight[((k * ci + c) * 3 + a) * 3 + b]) * g;
                            }
                        }
                    }
                }
            }
        }
        dx
    }

    /// A deterministic pseudo-random sequence in [−1, 1).
    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    fn relative_error(actual: &[f32], expected: &[f64]) -> f64 {
        let diff: f64 = actual
            .iter()
            .zip(expected)
            .map(|(&a, &e)| (f64::from(a) - e).powi(2))
            .sum();
        let norm: f64 = expected.iter().map(|e| e * e).sum();
        (diff / norm).sqrt()
    }

    /// Both algorithms against the direct convolution in `f64`, forward and input gradient,
    /// on sizes below, at and above a tile, odd sizes and odd channel counts.
    ///
    /// The bounds are the algorithms' rounding on values in [−1, 1): a direct `f32`
    /// convolution is within about 1e-7 here, F(2×2) about 4e-7 and F(4×4) 1.5e-6, whose
    /// transforms multiply by up to 8 and 1/24 before the sums.
    #[test]
    fn forward_and_input_gradient_match_the_direct_convolution() {
        for (algorithm, bound) in [(Algorithm::F4x4, 5e-6), (Algorithm::F2x2, 2e-6)] {
            for (index, &[ci, co, h, w]) in [
                [1, 1, 1, 1],
                [3, 5, 1, 7],
                [2, 3, 9, 1],
                [3, 8, 4, 4],
                [5, 7, 13, 11],
                [16, 9, 37, 23],
                [7, 4, 8, 21],
                [64, 64, 97, 130],
            ]
            .iter()
            .enumerate()
            {
                let seed = index as u64 * 10;
                let x = values(ci * h * w, seed);
                let weight = values(co * ci * 9, seed + 1);
                let bias = values(co, seed + 2);
                let u = transform(&weight, algorithm);
                let kernels = Kernels::new(&u, algorithm, [co, ci]);

                let y = forward(&x, [1, h, w], kernels, &bias);
                let expected: Vec<f64> = direct(&x, &weight, [ci, co, h, w])
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v + f64::from(bias[i / (h * w)])).max(0.0))
                    .collect();
                let error = relative_error(&y, &expected);
                assert!(
                    error < bound,
                    "{algorithm:?} forward {ci}→{co} {h}×{w}: {error:e}"
                );

                let grad = values(co * h * w, seed + 3);
                let dx = input_gradient(&y, &grad, [1, h, w], kernels);
                let masked: Vec<f64> = grad
                    .iter()
                    .zip(&y)
                    .map(|(&g, &y)| if y > 0.0 { f64::from(g) } else { 0.0 })
                    .collect();
                let expected = direct_adjoint(&masked, &weight, [ci, co, h, w]);
                let error = relative_error(&dx, &expected);
                assert!(
                    error < bound,
                    "{algorithm:?} gradient {ci}→{co} {h}×{w}: {error:e}"
                );
            }
        }
    }

    #[test]
    fn a_batch_is_its_images_one_by_one() {
        let (ci, co, h, w) = (3, 4, 6, 5);
        let x = values(2 * ci * h * w, 7);
        let u = transform(&values(co * ci * 9, 8), Algorithm::F4x4);
        let kernels = Kernels::new(&u, Algorithm::F4x4, [co, ci]);
        let bias = values(co, 9);
        let both = forward(&x, [2, h, w], kernels, &bias);
        let (first, second) = x.split_at(ci * h * w);
        let one_by_one = [
            forward(first, [1, h, w], kernels, &bias),
            forward(second, [1, h, w], kernels, &bias),
        ]
        .concat();
        assert_eq!(both, one_by_one);
    }
}
