//! The Gram matrix and its gradient on `f32` slices, through the `gemm` crate.

use std::ops::Range;

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

/// The fewest pixels per thread worth splitting the Gram product for.
const MIN_PIXELS_PER_THREAD: usize = 256;

/// Channels per block of rows in the symmetric Gram product: smaller blocks skip more of the
/// upper triangle, larger ones keep the products' shapes efficient.
const BLOCK: usize = 64;

/// The blocks of rows of the symmetric Gram product of `c` channels: each is computed
/// against the channels `0..block.end` only.
pub(crate) fn row_blocks(c: usize) -> impl Iterator<Item = Range<usize>> {
    (0..c)
        .step_by(BLOCK)
        .map(move |first| first..(first + BLOCK).min(c))
}

/// `G = F Fᵀ` for each `[c][k]` matrix of `f` (`n` of them); returns `[n][c][c]`.
///
/// `k`, the pixel count, is usually far larger than `c`, which gives a matrix product too
/// little room to parallelise over its output; so `k` is split across threads, each computing
/// a partial product, and the partial products are summed. `G` is symmetric: each partial
/// product computes the rows of one block of [`BLOCK`] channels against the channels up to
/// that block's end only (the lower triangle and the diagonal blocks, 9/16 of the products at
/// 512 channels), and the upper triangle is copied from the lower one at the end.
pub(crate) fn gram(f: &[f32], [n, c, k]: [usize; 3]) -> Vec<f32> {
    assert_eq!(f.len(), n * c * k);
    let parts = rayon::current_num_threads()
        .min(k / MIN_PIXELS_PER_THREAD)
        .max(1);
    let mut g = vec![0.0f32; n * c * c];
    for (f, g) in f.chunks_exact(c * k).zip(g.chunks_exact_mut(c * c)) {
        let partials: Vec<Vec<f32>> = (0..parts)
            .into_par_iter()
            .map(|part| {
                let pixels = k * part / parts..k * (part + 1) / parts;
                let mut partial = vec![0.0f32; c * c];
                for Range { start: first, end } in row_blocks(c) {
                    // SAFETY: `gemm` reads lhs (rows `first..end` of F, columns `pixels`) at
                    // `r·k + p` from `first·k + pixels.start`, for r < end − first and
                    // p < pixels.len(): below (end − 1)·k + pixels.end ≤ c·k = f.len(); rhs
                    // (rows `0..end` of F, as Fᵀ) at `p + s·k` from `pixels.start`, for
                    // s < end ≤ c, within `f` too; it writes `partial` at `r·c + s` from
                    // `first·c`, below end·c ≤ c², its length.
                    unsafe {
                        gemm(
                            end - first,
                            end,
                            pixels.len(),
                            partial[first * c..].as_mut_ptr(),
                            1,
                            c as isize,
                            false,
                            f[first * k + pixels.start..].as_ptr(),
                            1,
                            k as isize,
                            f[pixels.start..].as_ptr(),
                            k as isize,
                            1,
                            0.0,
                            1.0,
                            false,
                            false,
                            false,
                            Parallelism::None,
                        );
                    }
                }
                partial
            })
            .collect();
        for partial in partials {
            for (g, p) in g.iter_mut().zip(partial) {
                *g += p;
            }
        }
        for r in 0..c {
            for s in r + 1..c {
                g[r * c + s] = g[s * c + r];
            }
        }
    }
    g
}

/// The gradient with respect to `F` of `G = F Fᵀ`, given the gradient `dG` of `G`:
/// `(dG + dGᵀ)·F`, one `[c][c]·[c][k]` product per matrix.
pub(crate) fn gram_backward(f: &[f32], dg: &[f32], [n, c, k]: [usize; 3]) -> Vec<f32> {
    assert_eq!(f.len(), n * c * k);
    assert_eq!(dg.len(), n * c * c);
    let mut df = vec![0.0f32; n * c * k];
    let mut symmetric = vec![0.0f32; c * c];
    for ((f, dg), df) in f
        .chunks_exact(c * k)
        .zip(dg.chunks_exact(c * c))
        .zip(df.chunks_exact_mut(c * k))
    {
        for (r, row) in symmetric.chunks_exact_mut(c).enumerate() {
            for (s, value) in row.iter_mut().enumerate() {
                *value = dg[r * c + s] + dg[s * c + r];
            }
        }
        // SAFETY: `gemm` reads `symmetric` at `r·c + s` (r, s < c, its c² values), `f` at
        // `s·k + p` (s < c, p < k, its c·k values) and writes `df` at `r·k + p`, within its
        // c·k values; the three do not overlap.
        unsafe {
            gemm(
                c,
                k,
                c,
                df.as_mut_ptr(),
                1,
                k as isize,
                false,
                symmetric.as_ptr(),
                1,
                c as isize,
                f.as_ptr(),
                1,
                k as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                Parallelism::Rayon(0),
            );
        }
    }
    df
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn gram_and_its_gradient_match_sums_in_f64() {
        for [n, c, k] in [
            [1, 1, 1],
            [1, 3, 7],
            [2, 5, 600],
            [1, 17, 1000],
            [1, 130, 700],
        ] {
            let f = values(n * c * k, 1);
            let g = gram(&f, [n, c, k]);
            let dg = values(n * c * c, 2);
            let df = gram_backward(&f, &dg, [n, c, k]);
            for b in 0..n {
                let f = |r: usize, p: usize| f64::from(f[(b * c + r) * k + p]);
                let dg = |r: usize, s: usize| f64::from(dg[(b * c + r) * c + s]);
                for r in 0..c {
                    for s in 0..c {
                        let expected: f64 = (0..k).map(|p| f(r, p) * f(s, p)).sum();
                        let actual = f64::from(g[(b * c + r) * c + s]);
                        assert!((actual - expected).abs() <= 1e-5 * (1.0 + expected.abs()));
                    }
                    for p in 0..k {
                        let expected: f64 = (0..c).map(|s| (dg(r, s) + dg(s, r)) * f(s, p)).sum();
                        let actual = f64::from(df[(b * c + r) * k + p]);
                        assert!((actual - expected).abs() <= 1e-5 * (1.0 + expected.abs()));
                    }
                }
            }
        }
    }
}
