//! The input and output transforms of one channel over a chunk of tile rows.
//!
//! Each runs inside [`pulp`]'s dispatch (everything it calls is inlined into a function
//! compiled for the machine's SIMD instructions), and works on whole rows of tiles: the loops
//! run over the tiles of a row, element-wise, so they vectorise.

use std::marker::PhantomData;
use std::ops::Range;

use super::planes::Planes;
use super::tile::{Tile, rows};

/// Per-thread buffers of the input transform, for one tile row of one channel.
pub(super) struct InputScratch {
    /// A zero, one input row, zeros to the end of the last tile: `M·(tiles_w + 1)` values.
    padded: Vec<f32>,
    /// `phases[i][p][tx]`: input row `i` of the tile row at column `M·tx + p − 1`.
    phases: Vec<f32>,
    /// `columns[j][r][tx] = (Bᵀ d)[r][j]` of tile `tx`.
    columns: Vec<f32>,
}

impl InputScratch {
    pub fn new<const N: usize, const M: usize>(tiles_w: usize) -> Self {
        Self {
            padded: vec![0.0; M * (tiles_w + 1)],
            phases: vec![0.0; N * M * (tiles_w + 1)],
            columns: vec![0.0; N * N * tiles_w],
        }
    }
}

/// `V[ξ][t] = (Bᵀ d B)[ξ]` of one channel for the tiles `t` of a chunk's tile rows.
pub(super) struct InputChannel<'a, T, const N: usize, const M: usize> {
    pub planes: Planes,
    pub tile: PhantomData<T>,
    pub x: &'a [f32],
    /// Where it is not positive, `x` is read as zero (the ReLU's mask in the backward pass).
    pub mask: Option<&'a [f32]>,
    pub rows: Range<usize>,
    pub stride: usize,
    pub scratch: &'a mut InputScratch,
    /// This channel's `[ξ][stride]` part of `V`.
    pub v: &'a mut [f32],
}

impl<T, const N: usize, const M: usize> pulp::WithSimd for InputChannel<'_, T, N, M>
where
    T: Tile<N, M>,
{
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Self {
            planes,
            x,
            mask,
            rows: tile_rows,
            stride,
            scratch,
            v,
            ..
        } = self;
        let tiles_w = planes.w.div_ceil(M);
        let phase_len = tiles_w + 1;
        let InputScratch {
            padded,
            phases,
            columns,
        } = scratch;
        for (row, ty) in tile_rows.enumerate() {
            for (i, phases) in phases.chunks_exact_mut(M * phase_len).enumerate() {
                planes.read_row(x, mask, (M * ty + i).wrapping_sub(1), padded);
                let mut phase = phases.chunks_exact_mut(phase_len);
                let mut phase: [&mut [f32]; M] =
                    std::array::from_fn(|_| phase.next().expect("M phases"));
                for (tx, group) in padded.chunks_exact(M).enumerate() {
                    for (phase, &value) in phase.iter_mut().zip(group) {
                        phase[tx] = value;
                    }
                }
            }
            // Column j of tile tx is phase j % M at tx + j / M.
            let phases = &**phases;
            let phase =
                |i: usize, j: usize| &phases[(i * M + j % M) * phase_len + j / M..][..tiles_w];
            for (j, out) in columns.chunks_exact_mut(N * tiles_w).enumerate() {
                let mut out = out.chunks_exact_mut(tiles_w);
                rows(
                    std::array::from_fn(|i| phase(i, j)),
                    std::array::from_fn(|_| out.next().expect("N rows")),
                    T::bt,
                );
            }
            let columns = &**columns;
            let mut out = v.chunks_exact_mut(stride);
            for r in 0..N {
                rows(
                    std::array::from_fn(|j| &columns[(j * N + r) * tiles_w..][..tiles_w]),
                    std::array::from_fn(|_| {
                        &mut out.next().expect("N² rows")[row * tiles_w..][..tiles_w]
                    }),
                    T::bt,
                );
            }
        }
    }
}

/// Per-thread buffers of the output transform, for one tile row of one channel.
pub(super) struct OutputScratch {
    /// `half[r][b][tx] = (M A)[r][b]`.
    half: Vec<f32>,
    /// `tile[b][a][tx] = (Aᵀ M A)[a][b]`.
    tile: Vec<f32>,
    /// One output row, `M·tiles_w` values.
    line: Vec<f32>,
}

impl OutputScratch {
    pub fn new<const N: usize, const M: usize>(tiles_w: usize) -> Self {
        Self {
            half: vec![0.0; N * M * tiles_w],
            tile: vec![0.0; M * M * tiles_w],
            line: vec![0.0; M * tiles_w],
        }
    }
}

/// `Y = Aᵀ M A` of one output channel for a chunk's tile rows, with the bias and ReLU if
/// there is a bias, stored into the channel's plane.
pub(super) struct OutputChannel<'a, T, const N: usize, const M: usize> {
    pub planes: Planes,
    pub tile: PhantomData<T>,
    /// `M` from this channel's first element: `M[ξ]` of tile t is at `ξ·m_stride + t`.
    pub m: &'a [f32],
    pub m_stride: usize,
    pub bias: Option<f32>,
    pub rows: Range<usize>,
    pub scratch: &'a mut OutputScratch,
    /// This channel's output plane.
    pub y: &'a mut [f32],
}

impl<T, const N: usize, const M: usize> pulp::WithSimd for OutputChannel<'_, T, N, M>
where
    T: Tile<N, M>,
{
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Self {
            planes,
            m,
            m_stride,
            bias,
            rows: tile_rows,
            scratch,
            y,
            ..
        } = self;
        let (h, w) = (planes.h, planes.w);
        let tiles_w = w.div_ceil(M);
        let OutputScratch { half, tile, line } = scratch;
        for (row, ty) in tile_rows.enumerate() {
            let element = |xi: usize| &m[xi * m_stride + row * tiles_w..][..tiles_w];
            for (r, out) in half.chunks_exact_mut(M * tiles_w).enumerate() {
                let mut out = out.chunks_exact_mut(tiles_w);
                rows(
                    std::array::from_fn(|j| element(r * N + j)),
                    std::array::from_fn(|_| out.next().expect("M rows")),
                    T::at,
                );
            }
            let half = &**half;
            for (b, out) in tile.chunks_exact_mut(M * tiles_w).enumerate() {
                let mut out = out.chunks_exact_mut(tiles_w);
                rows(
                    std::array::from_fn(|r| &half[(r * M + b) * tiles_w..][..tiles_w]),
                    std::array::from_fn(|_| out.next().expect("M rows")),
                    T::at,
                );
            }
            if let Some(bias) = bias {
                for value in tile.iter_mut() {
                    *value = (*value + bias).max(0.0);
                }
            }
            // Output row M·ty + a interleaves tile[b][a] over b.
            for a in 0..M {
                let r = M * ty + a;
                if r >= h {
                    break;
                }
                let part: [&[f32]; M] =
                    std::array::from_fn(|b| &tile[(b * M + a) * tiles_w..][..tiles_w]);
                for (tx, group) in line.chunks_exact_mut(M).enumerate() {
                    for (value, part) in group.iter_mut().zip(&part) {
                        *value = part[tx];
                    }
                }
                let line = &mut line[..w];
                if planes.reversed {
                    line.reverse();
                    y[(h - 1 - r) * w..][..w].copy_from_slice(line);
                } else {
                    y[r * w..][..w].copy_from_slice(line);
                }
            }
        }
    }
}
