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

mod kernels;
mod planes;
mod tile;
mod transform;

use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Range;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

pub(crate) use kernels::{Algorithm, Kernels, transform};
use planes::Planes;
use tile::{F2x2, F4x4, Tile};
use transform::{InputChannel, InputScratch, OutputChannel, OutputScratch};

/// The transformed input and output of one chunk of tiles take at most about this many bytes
/// (unless one tile row alone is larger).
const CHUNK_BYTES: usize = 8 << 20;

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
        planes: Planes {
            h,
            w,
            reversed: false,
        },
        ci,
        co,
        transposed: false,
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
        planes: Planes {
            h,
            w,
            reversed: true,
        },
        ci: co,
        co: ci,
        transposed: true,
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
    planes: Planes,
    ci: usize,
    co: usize,
    /// The weights are used transposed (`[in][out]`), for the input gradient.
    transposed: bool,
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
        let (tiles_h, tiles_w) = (self.planes.h.div_ceil(M), self.planes.w.div_ceil(M));
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
        let plane = self.planes.h * self.planes.w;
        let arch = pulp::Arch::new();
        v[..self.ci * N * N * stride]
            .par_chunks_mut(N * N * stride)
            .enumerate()
            .for_each_init(
                || InputScratch::new::<N, M>(self.planes.w.div_ceil(M)),
                |scratch, (c, v)| {
                    let plane = c * plane..(c + 1) * plane;
                    arch.dispatch(InputChannel::<T, N, M> {
                        planes: self.planes,
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
        y[..self.co * self.planes.h * self.planes.w]
            .par_chunks_mut(self.planes.h * self.planes.w)
            .enumerate()
            .for_each_init(
                || OutputScratch::new::<N, M>(self.planes.w.div_ceil(M)),
                |scratch, (k, y)| {
                    arch.dispatch(OutputChannel::<T, N, M> {
                        planes: self.planes,
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
mod tests;
